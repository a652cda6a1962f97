from __future__ import annotations

import os
from pathlib import Path

import pytest

from assetbuild.compiler.config import SourceDir
from assetbuild.compiler.globs import compile_glob
from assetbuild.compiler.sources import collect
from assetbuild.errors import BuildError
from tests.conftest import write


def test_every_file_is_found_under_its_logical_path_in_code_point_order(tmp_path: Path) -> None:
    root = write(
        tmp_path / "s", {"b.css": "", "a/Z.png": "", "a/a.png": "", "é.txt": "", "B.css": ""}
    )
    tree = collect([SourceDir(root)], [])
    assert list(tree.files) == ["B.css", "a/Z.png", "a/a.png", "b.css", "é.txt"]
    assert tree.files["a/a.png"].file == root / "a" / "a.png"


def test_dotfiles_and_dot_directories_are_never_published(tmp_path: Path) -> None:
    root = write(
        tmp_path / "s", {".env": "", ".git/config": "", "css/.hidden.css": "", "css/ok.css": ""}
    )
    assert list(collect([SourceDir(root)], []).files) == ["css/ok.css"]


def test_excluded_globs_are_left_out_and_remembered(tmp_path: Path) -> None:
    root = write(tmp_path / "s", {"scss/a.scss": "", "css/a.css": "", "css/b.scss": ""})
    tree = collect([SourceDir(root)], [compile_glob("**/*.scss")])
    assert list(tree.files) == ["css/a.css"]
    assert sorted(tree.excluded) == ["css/b.scss", "scss/a.scss"]


def test_the_first_directory_of_the_load_path_wins_and_the_shadowing_is_noted(
    tmp_path: Path,
) -> None:
    first = write(tmp_path / "app", {"css/site.css": "app"})
    second = write(tmp_path / "vendor", {"css/site.css": "vendor", "css/lib.css": ""})
    tree = collect([SourceDir(first), SourceDir(second)], [])
    assert tree.files["css/site.css"].file == first / "css" / "site.css"
    assert tree.files["css/lib.css"].file == second / "css" / "lib.css"
    assert [(s.logical_path, s.hidden, s.by) for s in tree.shadowed] == [
        ("css/site.css", second / "css" / "site.css", first / "css" / "site.css")
    ]


def test_the_output_directory_inside_a_source_is_skipped(tmp_path: Path) -> None:
    root = write(tmp_path / "s", {"css/a.css": "", "build/css/a.0123456789ab.css": ""})
    assert list(collect([SourceDir(root)], [], skip=root / "build").files) == ["css/a.css"]


def test_a_symlink_inside_the_sources_is_followed(tmp_path: Path) -> None:
    root = write(tmp_path / "s", {"real/a.css": ""})
    os.symlink(root / "real", root / "alias")
    os.symlink(root / "real" / "a.css", root / "b.css")
    assert list(collect([SourceDir(root)], []).files) == ["alias/a.css", "b.css", "real/a.css"]


def test_a_symlink_pointing_outside_fails_the_build_naming_the_link(tmp_path: Path) -> None:
    secret = write(tmp_path / "secret", {"passwd": "x"})
    root = write(tmp_path / "s", {"a.css": ""})
    os.symlink(secret / "passwd", root / "passwd.css")
    with pytest.raises(BuildError) as caught:
        collect([SourceDir(root)], [])
    (problem,) = caught.value.problems
    assert problem.file == str(root / "passwd.css")
    assert "outside the source directories" in problem.message


def test_a_symlink_loop_is_reported_not_followed_forever(tmp_path: Path) -> None:
    root = write(tmp_path / "s", {"a/x.css": ""})
    os.symlink(root / "a", root / "a" / "loop")
    with pytest.raises(BuildError, match="loop"):
        collect([SourceDir(root)], [])


# --- directories with a prefix ------------------------------------------------------------------


def test_a_prefixed_directory_gives_its_files_logical_paths_under_the_prefix(
    tmp_path: Path,
) -> None:
    app = write(tmp_path / "app", {"js/editor.js": "app"})
    wiki = write(tmp_path / "wiki", {"js/editor.js": "wiki", ".hidden/x.js": ""})
    tree = collect([SourceDir(app), SourceDir(wiki, "wiki/")], [])
    assert list(tree.files) == ["js/editor.js", "wiki/js/editor.js"]
    assert tree.files["wiki/js/editor.js"].file == wiki / "js" / "editor.js"
    assert tree.shadowed == ()  # same name in each directory, but not the same logical path


def test_shadowing_between_directories_is_by_prefixed_logical_path(tmp_path: Path) -> None:
    first = write(tmp_path / "first", {"wiki/js/editor.js": "first"})
    second = write(tmp_path / "second", {"js/editor.js": "second", "js/only.js": ""})
    tree = collect([SourceDir(first), SourceDir(second, "wiki/")], [])
    assert tree.files["wiki/js/editor.js"].file == first / "wiki" / "js" / "editor.js"
    assert tree.files["wiki/js/only.js"].file == second / "js" / "only.js"
    assert [(s.logical_path, s.hidden) for s in tree.shadowed] == [
        ("wiki/js/editor.js", second / "js" / "editor.js")
    ]


def test_exclude_globs_see_the_prefixed_paths(tmp_path: Path) -> None:
    wiki = write(tmp_path / "wiki", {"scss/a.scss": "", "css/a.css": ""})
    tree = collect([SourceDir(wiki, "wiki/")], [compile_glob("wiki/scss/**")])
    assert list(tree.files) == ["wiki/css/a.css"]
    assert list(tree.excluded) == ["wiki/scss/a.scss"]
    unprefixed = collect([SourceDir(wiki, "wiki/")], [compile_glob("scss/**")])
    assert "wiki/scss/a.scss" in unprefixed.files  # the glob names another logical path


def test_a_symlink_into_another_source_directory_is_followed_whatever_its_prefix(
    tmp_path: Path,
) -> None:
    shared = write(tmp_path / "shared", {"img/logo.png": "png"})
    wiki = write(tmp_path / "wiki", {"css/a.css": ""})
    os.symlink(shared / "img", wiki / "img")
    tree = collect([SourceDir(wiki, "wiki/"), SourceDir(shared, "shared/")], [])
    assert list(tree.files) == ["shared/img/logo.png", "wiki/css/a.css", "wiki/img/logo.png"]
    outside = write(tmp_path / "outside", {"secret.txt": ""})
    os.symlink(outside / "secret.txt", wiki / "secret.txt")
    with pytest.raises(BuildError, match="outside the source directories"):
        collect([SourceDir(wiki, "wiki/"), SourceDir(shared, "shared/")], [])


def test_every_directory_to_skip_is_left_out(tmp_path: Path) -> None:
    root = write(
        tmp_path / "s",
        {"css/a.css": "", "build/css/a.0123456789ab.css": "", "state/history": ""},
    )
    found = collect([SourceDir(root)], [], skip=[root / "build", root / "state"])
    assert list(found.files) == ["css/a.css"]


def test_the_state_changes_with_any_file_walked_and_only_then(tmp_path: Path) -> None:
    root = write(tmp_path / "s", {"css/a.css": "a", "img/b.png": "b", "secret.scss": "c"})
    (root / ".git").mkdir()

    def state() -> str:
        return collect([SourceDir(root)], [compile_glob("*.scss")]).state

    first = state()
    assert first == state()
    (root / ".git/HEAD").write_text("a dot-directory is never walked")
    assert state() == first
    (root / "secret.scss").write_text("cc")  # excluded, but a bundle's filter may read it
    second = state()
    assert second != first
    os.utime(root / "css/a.css", ns=(10**18, 10**18))  # touched: it may have changed
    third = state()
    assert third != second
    (root / "img/c.png").write_text("c")
    assert state() != third
    (root / "img/c.png").unlink()
    assert state() == third


def test_the_tree_says_when_its_files_last_changed_and_when_it_was_walked(tmp_path: Path) -> None:
    root = write(tmp_path / "s", {"a.css": "a", "b.css": "b"})
    os.utime(root / "a.css", ns=(0, 10**18))  # mtime in 2001; its ctime is now
    tree = collect([SourceDir(root)], [])
    newest = max(
        max(os.stat(root / n).st_mtime_ns, os.stat(root / n).st_ctime_ns)
        for n in ("a.css", "b.css")
    )
    assert tree.newest_ns == newest
    assert tree.walked_ns >= newest - 10**9  # walked after (clocks may differ a tick)
