from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
from pathlib import Path

import pytest

from assetbuild.compiler.fingerprint import fingerprint, release_path
from assetbuild.compiler.release import LEGACY_STATE_DIR, Output, Published, Release, state_beside
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
    assert list(tmp_path.rglob("*")) == []  # the lock is beside the release, not in it
    assert (state_beside(tmp_path) / "lock").is_file()


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
    state = state_beside(tmp_path)
    history = (state / "history").read_text().split()
    assert len(history) == 2
    copy = json.loads((state / f"manifests/{history[-1]}.json").read_text())
    assert copy["compress"] == []


def test_clean_keeps_the_current_manifest_even_if_history_is_lost(tmp_path: Path) -> None:
    first, second = output("a.css", b"first"), output("a.css", b"second")
    publish(tmp_path, [first], [])
    publish(tmp_path, [second], [])
    (state_beside(tmp_path) / "history").unlink()
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


# --- plain copies ---------------------------------------------------------------------------------


def publish_plain(
    directory: Path,
    files: list[tuple[Output, bytes]],
    plain: list[str],
    aliases: dict[str, str] | None = None,
) -> Published:
    with Release(directory).session() as session:
        for out, data in files:
            session.stage(out.release_path, data)
        return session.commit(
            [out for out, _ in files],
            url="/",
            encodings=["gzip", "br"],
            plain=plain,
            aliases=aliases,
        )


def test_a_plain_asset_is_also_published_under_its_own_name_never_compressed(
    tmp_path: Path,
) -> None:
    robots, data = output("robots.txt", b"User-agent: *\n" * 100)
    app = output("css/app.css", CSS)
    published = publish_plain(tmp_path, [(robots, data), app], ["robots.txt"])
    assert (tmp_path / "robots.txt").read_bytes() == data
    assert (tmp_path / "robots.txt").stat().st_mode & 0o777 == 0o644
    assert not (tmp_path / "robots.txt.gz").exists() and not (tmp_path / "robots.txt.br").exists()
    # The fingerprinted copy and its entry are there as for every asset, variants included.
    assert (tmp_path / robots.release_path).read_bytes() == data
    assert set(published.manifest.assets["robots.txt"].encodings) == {"gzip", "br"}
    assert "robots.txt" in published.written
    assert published.manifest.plain == ("robots.txt",)
    assert json.loads((tmp_path / "manifest.json").read_bytes())["plain"] == ["robots.txt"]
    assert load(tmp_path / "manifest.json") == published.manifest


def test_a_plain_copy_is_replaced_through_a_new_file_when_its_bytes_change_and_kept_otherwise(
    tmp_path: Path,
) -> None:
    first = output("img/email/logo.png", b"first")
    publish_plain(tmp_path, [first], ["img/email/logo.png"])
    target = tmp_path / "img/email/logo.png"
    inode = target.stat().st_ino
    os.utime(target, (1, 1))
    again = publish_plain(tmp_path, [first], ["img/email/logo.png"])
    assert again.written == ()
    assert target.stat().st_mtime == 1  # unchanged bytes: the file a server validated stays
    second = output("img/email/logo.png", b"second")
    published = publish_plain(tmp_path, [second], ["img/email/logo.png"])
    assert target.read_bytes() == b"second"
    # A rename of a new file, not a write into the old one: a reader never sees half of each.
    assert target.stat().st_ino != inode
    assert "img/email/logo.png" in published.written
    assert not [p for p in target.parent.iterdir() if p.name.startswith(".tmp-")]


def test_without_plain_or_aliases_the_manifest_has_neither_key(tmp_path: Path) -> None:
    publish(tmp_path, [output("a.css", b"a")], [])
    document = json.loads((tmp_path / "manifest.json").read_bytes())
    assert set(document) == {"assets", "url", "version"}


def test_aliases_are_written_to_the_manifest_sorted(tmp_path: Path) -> None:
    published = publish_plain(
        tmp_path,
        [output("css/home.css", b"a")],
        [],
        aliases={"z": "css/home.css", "a": "css/home.css"},
    )
    assert list(published.manifest.aliases) == ["a", "z"]
    document = json.loads((tmp_path / "manifest.json").read_bytes())
    assert document["aliases"] == {"a": "css/home.css", "z": "css/home.css"}


def test_clean_keeps_the_current_plain_copies(tmp_path: Path) -> None:
    publish_plain(tmp_path, [output("favicon.ico", b"old")], ["favicon.ico"])
    current = output("favicon.ico", b"new")
    publish_plain(tmp_path, [current], ["favicon.ico"])
    removed = Release(tmp_path).clean(keep=1)
    assert (tmp_path / "favicon.ico").read_bytes() == b"new"
    assert (tmp_path / current[0].release_path).exists()
    assert "favicon.ico" not in removed
    assert output("favicon.ico", b"old")[0].release_path in removed


# --- bookkeeping outside the release --------------------------------------------------------------


def test_with_an_outside_state_directory_the_release_holds_nothing_but_the_release(
    tmp_path: Path,
) -> None:
    release, state = tmp_path / "static", tmp_path / "state"
    app = output("css/app.css", CSS)
    with Release(release, state).session() as session:
        session.stage(app[0].release_path, app[1])
        session.commit([app[0]], url="/", encodings=["gzip"], cache=b"{}")
    assert sorted(p.relative_to(release).as_posix() for p in release.rglob("*")) == [
        "css",
        "css/" + app[0].release_path.rpartition("/")[2],
        "css/" + app[0].release_path.rpartition("/")[2] + ".gz",
        "manifest.json",
    ]
    history = (state / "history").read_text().split()
    assert len(history) == 1
    assert (state / "manifests" / f"{history[0]}.json").is_file()
    assert (state / "lock").is_file() and (state / "cache.json").read_bytes() == b"{}"


def test_clean_with_an_outside_state_directory_keeps_its_builds_and_prunes_their_copies(
    tmp_path: Path,
) -> None:
    release, state = tmp_path / "static", tmp_path / "state"
    builds = [output("a.css", data) for data in (b"one", b"two", b"three")]
    for out, data in builds:
        with Release(release, state).session() as session:
            session.stage(out.release_path, data)
            session.commit([out], url="/", encodings=[])
    (release / ".tmp-leftover").write_bytes(b"from a killed build")
    (state / ".tmp-leftover").write_bytes(b"from a killed build")
    (state / "notes.txt").write_text("not the release writer's: left alone")
    removed = Release(release, state).clean(keep=2)
    assert not (state / ".tmp-leftover").exists()
    assert (state / "notes.txt").exists()
    assert sorted(removed) == sorted([builds[0][0].release_path, ".tmp-leftover"])
    assert all((release / out.release_path).exists() for out, _ in builds[1:])
    kept = (state / "history").read_text().split()
    assert len(kept) == 2
    assert sorted(p.name for p in (state / "manifests").iterdir()) == sorted(
        f"{digest}.json" for digest in kept
    )


def test_two_sessions_on_one_release_with_an_outside_state_take_turns(tmp_path: Path) -> None:
    order: list[str] = []
    release, state = tmp_path / "static", tmp_path / "state"

    def second() -> None:
        with Release(release, state).session():
            order.append("second")

    with Release(release, state).session():
        thread = threading.Thread(target=second)
        thread.start()
        thread.join(0.3)  # the second session waits for the lock meanwhile
        order.append("first")
    thread.join(10)
    assert order == ["first", "second"]


def test_clean_keeps_the_release_in_force_when_the_state_directory_is_lost(tmp_path: Path) -> None:
    """Bookkeeping kept apart from the release may not travel with it (a fresh server, a CI
    cache that expired): clean then keeps what the manifest in force names, and nothing more."""
    release, state = tmp_path / "static", tmp_path / "state"
    for data in (b"old", b"new"):
        with Release(release, state).session() as session:
            out = output("a.css", data)[0]
            session.stage(out.release_path, data)
            session.commit([out], url="/", encodings=[], plain=["a.css"])
    shutil.rmtree(state)
    removed = Release(release, state).clean(keep=3)
    assert removed == (output("a.css", b"old")[0].release_path,)
    assert (release / output("a.css", b"new")[0].release_path).read_bytes() == b"new"
    assert (release / "a.css").read_bytes() == b"new"


def test_clean_removes_nothing_while_the_manifest_in_force_cannot_be_read(tmp_path: Path) -> None:
    app = output("app.css", CSS)
    publish(tmp_path, [app], [])
    (tmp_path / "manifest.json").write_text('{"version": 1, "url": "/", "assets": 3}')
    before = sorted(tmp_path.rglob("*"))
    with pytest.raises(ReleaseError, match="assets must be an object.*clean removes nothing"):
        Release(tmp_path).clean(keep=1)
    assert sorted(tmp_path.rglob("*")) == before


def test_the_default_state_directory_is_a_sibling_named_after_the_release(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert state_beside(tmp_path / "build/static") == tmp_path / "build/.static.assetbuild"
    monkeypatch.chdir(tmp_path)  # "." is the release: its state must still be outside it
    assert state_beside(Path(".")) == tmp_path.parent / f".{tmp_path.name}.assetbuild"
    publish(tmp_path / "out", [output("a.css", b"a")], ["gzip"])
    assert sorted(p.name for p in (tmp_path / "out").iterdir() if p.name.startswith(".")) == []


def legacy_release(directory: Path) -> tuple[Output, Output]:
    """A release as an older build left it: two builds, their bookkeeping inside, in .assetbuild/."""
    first, second = output("a.css", b"first"), output("a.css", b"second")
    legacy = directory / LEGACY_STATE_DIR
    for built in (first, second):
        publish(directory, [built], [])
    state = state_beside(directory)
    legacy.mkdir()
    shutil.copytree(state / "manifests", legacy / "manifests")
    shutil.copy(state / "history", legacy / "history")
    (legacy / "cache.json").write_text('{"files": {"a.css": {"signature": [1, 2, 3, 4, 5]}}}')
    (legacy / "lock").touch()
    shutil.rmtree(state)
    return first[0], second[0]


def test_a_build_adopts_the_history_an_older_build_left_inside_the_release(
    tmp_path: Path,
) -> None:
    release = tmp_path / "static"
    first, second = legacy_release(release)
    third = output("a.css", b"third")
    publish(release, [third], [])
    # Nothing of the bookkeeping stays where a server hands it out...
    assert not (release / LEGACY_STATE_DIR).exists()
    # ...and clean still knows the builds before this one: it keeps the last two.
    removed = Release(release).clean(keep=2)
    assert removed == (first.release_path,)
    assert (release / second.release_path).is_file()
    assert (release / third[0].release_path).is_file()


def test_clean_adopts_an_older_builds_history_and_removes_its_bookkeeping(tmp_path: Path) -> None:
    release = tmp_path / "static"
    first, second = legacy_release(release)
    assert Release(release).clean(keep=2) == ()  # both builds are kept, by the adopted history
    assert not (release / LEGACY_STATE_DIR).exists()
    assert Release(release).clean(keep=1) == (first.release_path,)
    assert (release / second.release_path).is_file()


def test_a_release_stands_as_built_while_its_manifest_and_every_file_it_names_are_there(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    app, data = output("css/app.css", CSS)
    logo, png = output("img/logo.png", b"\x89PNG not compressed")
    with Release(out).session() as session:
        for staged, blob in ((app, data), (logo, png)):
            session.stage(staged.release_path, blob)
        published = session.commit([app, logo], url="/", encodings=["gzip"], plain=["img/logo.png"])
    digest = hashlib.sha256(published.manifest_bytes).hexdigest()
    standing = Release(out).unchanged(digest)
    assert standing is not None
    assert standing.manifest == published.manifest
    assert standing.manifest_bytes == published.manifest_bytes
    assert standing.variant_sizes == {
        "css/app.css": {"gzip": (out / (app.release_path + ".gz")).stat().st_size}
    }
    assert standing.outputs() == (app, logo)
    assert Release(out).unchanged("0" * 64) is None  # another build's manifest
    for missing in (app.release_path + ".gz", "img/logo.png", logo.release_path):
        kept = (out / missing).read_bytes()
        (out / missing).unlink()
        assert Release(out).unchanged(digest) is None, missing
        (out / missing).write_bytes(kept)
    (out / "img/logo.png").write_bytes(b"a plain copy someone changed")
    assert Release(out).unchanged(digest) is None
