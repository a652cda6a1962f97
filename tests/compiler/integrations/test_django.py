"""Django's settings -> Defaults: the parts that need no Django project (the rest, finders and
settings, is tested through real projects in tests/runtime/test_django_collectstatic.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.staticfiles.utils import get_files

from assetbuild.compiler.config import SourceDir
from assetbuild.compiler.globs import compile_glob
from assetbuild.compiler.integrations.django import DEFAULT_IGNORE_PATTERNS, exclude_globs
from assetbuild.compiler.sources import collect
from tests.conftest import write


class Directory:
    """What collectstatic's get_files asks of a storage, ``listdir``, over a real directory, as
    FileSystemStorage answers it (which would need configured settings to be made)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        entries = list((self.root / path).iterdir())
        return [e.name for e in entries if e.is_dir()], [e.name for e in entries if e.is_file()]


TREE = {
    "css/site.css": "a {}",
    "css/site.css~": "a {}",  # an editor's backup
    "CVS/Entries": "x",  # a CVS directory at the top...
    "js/CVS/Root": "x",  # ...and deeper
    "js/app.js": "x",
    "js/CVS.js": "x",  # only a name equal to the pattern
    "img/old~/logo.png": "x",  # a directory matching *~
    "notes.txt~": "x",
    ".hidden/x.css": "x",
    "css/.DS_Store": "x",
    "keep/README": "x",
}


def test_the_default_patterns_become_globs_for_the_name_and_for_a_directory_s_contents() -> None:
    assert exclude_globs(DEFAULT_IGNORE_PATTERNS) == (
        "**/CVS",
        "**/CVS/**",
        "**/.*",
        "**/.*/**",
        "**/*~",
        "**/*~/**",
    )


@pytest.mark.parametrize(
    "patterns", [DEFAULT_IGNORE_PATTERNS, ("*.txt~", "old~", "*.js"), ("keep",), ()]
)
def test_the_globs_keep_out_exactly_what_collectstatic_ignores(
    tmp_path: Path, patterns: tuple[str, ...]
) -> None:
    root = write(tmp_path / "static", dict(TREE))
    django = {path.replace("\\", "/") for path in get_files(Directory(root), patterns)}
    # Dotfiles are never published by assetbuild, whatever the patterns; Django needs ".*".
    django = {p for p in django if not any(part.startswith(".") for part in p.split("/"))}
    ours = collect([SourceDir(root)], map(compile_glob, exclude_globs(patterns))).files
    assert set(ours) == django


def test_a_pattern_with_a_slash_is_kept_as_a_glob_of_logical_paths() -> None:
    assert exclude_globs(["/admin/js/*.map", "x"]) == ("admin/js/*.map", "**/x", "**/x/**")
