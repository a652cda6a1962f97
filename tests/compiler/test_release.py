from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest

from assetbuild.compiler.fingerprint import fingerprint, release_path
from assetbuild.compiler.release import Output, Published, Release
from assetbuild.errors import ReleaseError
from assetbuild.manifest import load

CSS = b"body { color: red; background: blue; }\n" * 50


def output(name: str, data: bytes) -> tuple[Output, bytes]:
    print_ = fingerprint(data)
    return Output(name, release_path(name, print_.digest), print_), data


def publish(directory: Path, files: list[tuple[Output, bytes]], encodings: list[str]) -> Published:
    with Release(directory).session() as session:
        for out, data in files:
            session.stage(out.release_path, data)
        return session.commit([out for out, _ in files], url="/", encodings=encodings)


def test_a_build_writes_files_variants_and_the_manifest(tmp_path: Path) -> None:
    app, data = output("css/app.css", CSS)
    published = publish(tmp_path / "out", [(app, data)], ["gzip", "br"])
    assert (tmp_path / "out" / app.release_path).read_bytes() == CSS
    assert set(published.written) == {
        app.release_path,
        app.release_path + ".gz",
        app.release_path + ".br",
    }
    assert load(tmp_path / "out/manifest.json") == published.manifest
    assert (tmp_path / "out" / app.release_path).stat().st_mode & 0o777 == 0o644


def test_files_are_readable_by_the_web_server_whatever_the_umask(tmp_path: Path) -> None:
    app, data = output("css/app.css", CSS)
    umask = os.umask(0o077)
    try:
        publish(tmp_path / "out", [(app, data)], ["gzip"])
    finally:
        os.umask(umask)
    for name in (app.release_path, app.release_path + ".gz"):
        assert (tmp_path / "out" / name).stat().st_mode & 0o777 == 0o644, name


def test_staged_files_stay_hidden_until_commit_and_vanish_if_the_build_fails(
    tmp_path: Path,
) -> None:
    app, data = output("css/deep/app.css", CSS)
    with pytest.raises(RuntimeError), Release(tmp_path).session() as session:
        session.stage(app.release_path, data)
        assert not (tmp_path / app.release_path).exists()
        raise RuntimeError("a budget failed")
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == [
        ".assetbuild",
        ".assetbuild/lock",
    ]


def test_a_file_already_there_is_never_rewritten(tmp_path: Path) -> None:
    app, data = output("app.css", CSS)
    publish(tmp_path, [(app, data)], ["gzip"])
    target = tmp_path / app.release_path
    os.utime(target, (1, 1))
    second = publish(tmp_path, [(app, data)], ["gzip"])
    assert second.written == ()
    assert target.stat().st_mtime == 1


def test_a_variant_not_worth_keeping_is_not_tried_again(tmp_path: Path) -> None:
    noise, data = output("noise.txt", os.urandom(4000))
    publish(tmp_path, [(noise, data)], ["gzip"])
    assert not (tmp_path / (noise.release_path + ".gz")).exists()
    # Make the file unreadable to the build: had it tried to compress again, reading would fail.
    (tmp_path / noise.release_path).unlink()
    (tmp_path / noise.release_path).mkdir()
    with Release(tmp_path).session() as session:
        published = session.commit([noise], url="/", encodings=["gzip"])
    assert published.manifest.assets["noise.txt"].encodings == {}


def test_an_encoding_added_later_is_written_for_files_already_there(tmp_path: Path) -> None:
    app, data = output("app.css", CSS)
    publish(tmp_path, [(app, data)], [])
    published = publish(tmp_path, [(app, data)], ["gzip"])
    assert published.written == (app.release_path + ".gz",)


def test_the_history_records_each_distinct_build_once(tmp_path: Path) -> None:
    publish(tmp_path, [output("a.css", b"a")], [])
    publish(tmp_path, [output("a.css", b"a")], [])
    publish(tmp_path, [output("a.css", b"b")], [])
    history = (tmp_path / ".assetbuild/history").read_text().split()
    assert len(history) == 2
    copy = json.loads((tmp_path / f".assetbuild/manifests/{history[-1]}.json").read_text())
    assert copy["compress"] == []


def test_clean_keeps_the_current_manifest_even_if_history_is_lost(tmp_path: Path) -> None:
    first, second = output("a.css", b"first"), output("a.css", b"second")
    publish(tmp_path, [first], [])
    publish(tmp_path, [second], [])
    (tmp_path / ".assetbuild/history").unlink()
    (tmp_path / ".tmp-leftover").write_bytes(b"from a killed build")
    removed = Release(tmp_path).clean(keep=1)
    assert (tmp_path / second[0].release_path).exists()
    assert not (tmp_path / first[0].release_path).exists()
    assert ".tmp-leftover" in removed


def test_two_sessions_on_one_directory_take_turns(tmp_path: Path) -> None:
    order: list[str] = []
    inside = threading.Event()

    def second() -> None:
        with Release(tmp_path).session():
            order.append("second")

    with Release(tmp_path).session():
        thread = threading.Thread(target=second)
        thread.start()
        inside.wait(0.3)  # give the second session time to try the lock
        order.append("first")
    thread.join(10)
    assert order == ["first", "second"]


def test_an_unwritable_release_directory_is_a_release_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a directory")
    with pytest.raises(ReleaseError, match="previous manifest is still in force"):
        publish(tmp_path / "file" / "out", [output("a.css", b"a")], [])
