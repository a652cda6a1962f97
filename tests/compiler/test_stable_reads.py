from __future__ import annotations

import os
from pathlib import Path

import pytest

from assetbuild.compiler.stable_reads import Signature, read_again, read_stable
from assetbuild.errors import BuildError


def test_a_file_is_read_whole_with_the_signature_a_stat_gives(tmp_path: Path) -> None:
    for size in (0, 1, 4096, 3 << 20):
        path = tmp_path / f"f{size}"
        path.write_bytes(os.urandom(size))
        data, signature = read_stable(path)
        assert data == path.read_bytes()
        assert signature == Signature.of(path)


def test_a_file_that_cannot_be_read_is_one_problem_naming_it(tmp_path: Path) -> None:
    for path in (tmp_path / "missing.css", tmp_path):
        with pytest.raises(BuildError) as raised:
            read_stable(path)
        (problem,) = raised.value.problems
        assert problem.file == str(path)
        assert "cannot be read" in problem.message


def test_a_file_changed_since_it_was_first_read_is_noticed(tmp_path: Path) -> None:
    path = tmp_path / "a.js"
    path.write_text("one()\n")
    data, signature = read_stable(path)
    assert read_again(path, signature) == data
    path.write_text("three()\n")
    os.utime(path, ns=(signature.mtime_ns, signature.mtime_ns))  # the mtime put back
    with pytest.raises(BuildError) as raised:
        read_again(path, signature)
    assert "changed during the build" in raised.value.problems[0].message
