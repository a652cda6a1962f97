from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from assetbuild.build.fingerprint import fingerprint, release_path
from assetbuild.build.release import Output, Release
from assetbuild.errors import ReleaseError
from assetbuild.manifest import load

CSS = b"body { color: red; background: blue; }\n" * 50


def output(name: str, data: bytes) -> Output:
    print_ = fingerprint(data)
    return Output(name, release_path(name, print_.digest), print_, data)


def test_publish_writes_files_variants_and_the_manifest_last(tmp_path: Path) -> None:
    release = Release(tmp_path / "out")
    app = output("css/app.css", CSS)
    published = release.publish([app], url="/static/", encodings=["gzip", "br"])
    assert (tmp_path / "out" / app.release_path).read_bytes() == CSS
    assert set(published.written) == {
        app.release_path,
        app.release_path + ".gz",
        app.release_path + ".br",
    }
    assert load(tmp_path / "out/manifest.json") == published.manifest
    mode = (tmp_path / "out" / app.release_path).stat().st_mode & 0o777
    assert mode == 0o644


def test_a_file_already_there_is_never_rewritten(tmp_path: Path) -> None:
    release = Release(tmp_path)
    app = output("app.css", CSS)
    release.publish([app], url="/", encodings=["gzip"])
    target = tmp_path / app.release_path
    os.utime(target, (1, 1))
    second = release.publish([app], url="/", encodings=["gzip"])
    assert second.written == ()
    assert target.stat().st_mtime == 1


def test_a_variant_not_worth_keeping_is_not_tried_again(tmp_path: Path) -> None:
    release = Release(tmp_path)
    noise = output("noise.txt", os.urandom(4000))
    release.publish([noise], url="/", encodings=["gzip"])
    assert not (tmp_path / (noise.release_path + ".gz")).exists()
    tracked = Output(
        noise.logical_path, noise.release_path, noise.fingerprint, tmp_path / "missing-source"
    )
    # The source is gone: had the writer tried to compress again, reading it would have raised.
    published = release.publish([tracked], url="/", encodings=["gzip"])
    assert published.manifest.assets["noise.txt"].encodings == {}


def test_an_encoding_added_later_is_written_for_files_already_there(tmp_path: Path) -> None:
    release = Release(tmp_path)
    app = output("app.css", CSS)
    release.publish([app], url="/", encodings=[])
    published = release.publish([app], url="/", encodings=["gzip"])
    assert published.written == (app.release_path + ".gz",)


def test_the_history_records_each_distinct_build_once(tmp_path: Path) -> None:
    release = Release(tmp_path)
    release.publish([output("a.css", b"a")], url="/", encodings=[])
    release.publish([output("a.css", b"a")], url="/", encodings=[])
    release.publish([output("a.css", b"b")], url="/", encodings=[])
    history = (tmp_path / ".assetbuild/history").read_text().split()
    assert len(history) == 2
    copy = json.loads((tmp_path / f".assetbuild/manifests/{history[-1]}.json").read_text())
    assert copy["compress"] == []


def test_clean_keeps_the_current_manifest_even_if_history_is_lost(tmp_path: Path) -> None:
    release = Release(tmp_path)
    first = output("a.css", b"first")
    second = output("a.css", b"second")
    release.publish([first], url="/", encodings=[])
    release.publish([second], url="/", encodings=[])
    (tmp_path / ".assetbuild/history").unlink()
    (tmp_path / ".tmp-leftover").write_bytes(b"from a killed build")
    removed = release.clean(keep=1)
    assert (tmp_path / second.release_path).exists()
    assert not (tmp_path / first.release_path).exists()
    assert ".tmp-leftover" in removed


def test_an_unwritable_release_directory_is_a_release_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a directory")
    with pytest.raises(ReleaseError, match="previous manifest is still in force"):
        Release(tmp_path / "file" / "out").publish([output("a.css", b"a")], url="/", encodings=[])
