"""``assetbuild build --archive``: the release as a tarball with the same bytes everywhere."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import tarfile
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from assetbuild.compiler.cli import main
from assetbuild.compiler.commands.archive import members, write_archive
from assetbuild.errors import ReleaseError
from assetbuild.manifest import load
from tests.conftest import FIXTURES


def run(site: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    previous = os.getcwd()
    os.chdir(site)
    try:
        return CliRunner(env=env).invoke(main, list(args), catch_exceptions=False)
    finally:
        os.chdir(previous)


def archive(site: Path, target: Path, *args: str, env: dict[str, str] | None = None) -> bytes:
    result = run(site, "build", "--archive", str(target), *args, env=env)
    assert result.exit_code == 0, result.output + result.stderr
    return target.read_bytes()


def copy_site(destination: Path) -> Path:
    shutil.copytree(FIXTURES / "site", destination, ignore=shutil.ignore_patterns("build"))
    return destination


def release_entries(site: Path) -> list[str]:
    """What the archive must hold: the manifest, the files it names, the directories above."""
    manifest = load(site / "build/static/manifest.json")
    files = {"manifest.json", *manifest.release_paths()}
    directories = {str(Path(name).parent) for name in files} - {"."}
    directories |= {str(Path(d).parent) for d in directories} - {"."}
    return sorted(files | directories, key=lambda name: name.split("/"))


def test_two_builds_in_different_places_with_different_mtimes_and_umask_give_identical_archives(
    tmp_path: Path,
) -> None:
    first = copy_site(tmp_path / "one" / "site")
    second = copy_site(tmp_path / "two" / "deeper" / "checkout")
    for path in second.rglob("*"):
        os.utime(path, (1_234_567_890, 1_234_567_890))
    one = archive(first, tmp_path / "one.tar.gz")
    umask = os.umask(0o077)
    try:
        two = archive(second, tmp_path / "two.tar.gz", "--jobs", "1")
    finally:
        os.umask(umask)
    assert one == two


def test_the_archive_lists_exactly_the_current_manifests_files(site: Path, tmp_path: Path) -> None:
    archive(site, tmp_path / "first.tar.gz")
    with (site / "static/css/theme.css").open("a", encoding="utf-8") as handle:
        handle.write(".changed { color: blue; }\n")
    archive(site, tmp_path / "release.tar.gz")  # the first build's files are still in the output
    with tarfile.open(tmp_path / "release.tar.gz") as tar:
        names = tar.getnames()
    assert names == release_entries(site)
    assert not any(name.startswith(".assetbuild") for name in names)
    with tarfile.open(tmp_path / "first.tar.gz") as tar:
        first_build = set(tar.getnames()) - set(names)
    assert first_build  # the change gave new names; the old ones stayed out of the new archive


def test_every_entry_carries_fixed_metadata(site: Path, tmp_path: Path) -> None:
    archive(site, tmp_path / "release.tar.gz")
    with tarfile.open(tmp_path / "release.tar.gz") as tar:
        entries = tar.getmembers()
    for entry in entries:
        assert (entry.mtime, entry.uid, entry.gid, entry.uname, entry.gname) == (0, 0, 0, "", "")
        assert entry.mode == (0o755 if entry.isdir() else 0o644), entry.name
        assert entry.isdir() or entry.isfile(), entry.name
    directories = [entry.name for entry in entries if entry.isdir()]
    assert directories == ["css", "fonts", "img", "js"]


def test_the_gzip_header_has_no_timestamp_no_file_name_and_no_os(
    site: Path, tmp_path: Path
) -> None:
    data = archive(site, tmp_path / "release.tar.gz")
    assert data[:4] == b"\x1f\x8b\x08\x00"  # gzip, deflate, no flags: no FNAME
    assert data[4:8] == b"\x00\x00\x00\x00"  # mtime 0
    assert data[9] == 255  # OS unknown


def test_the_tar_format_is_posix_with_pax_headers_for_names_ustar_cannot_hold(
    site: Path, tmp_path: Path
) -> None:
    name = "img/" + "déjà vu " * 20 + ".png"  # not ASCII, and longer than 100 bytes
    shutil.copy(site / "static/img/logo.png", site / "static" / name)
    data = archive(site, tmp_path / "release.tar.gz")
    assert gzip.decompress(data)[257:265] == b"ustar\x0000"
    with tarfile.open(tmp_path / "release.tar.gz") as tar:
        names = tar.getnames()
    assert load(site / "build/static/manifest.json").assets[name].path in names


def test_source_date_epoch_sets_the_entries_mtime_but_not_the_gzip_header(
    site: Path, tmp_path: Path
) -> None:
    data = archive(site, tmp_path / "release.tar.gz", env={"SOURCE_DATE_EPOCH": "1700000000"})
    assert data[4:8] == b"\x00\x00\x00\x00"
    with tarfile.open(tmp_path / "release.tar.gz") as tar:
        assert {entry.mtime for entry in tar.getmembers()} == {1_700_000_000}


def test_a_source_date_epoch_that_is_not_a_number_is_bad_usage_and_builds_nothing(
    site: Path, tmp_path: Path
) -> None:
    result = run(
        site, "build", "--archive", str(tmp_path / "r.tar.gz"), env={"SOURCE_DATE_EPOCH": "soon"}
    )
    assert result.exit_code == 2
    assert result.stderr.startswith("error: SOURCE_DATE_EPOCH: must be a whole number")
    assert not (site / "build").exists()


def test_an_archive_in_a_directory_that_does_not_exist_is_bad_usage_and_builds_nothing(
    site: Path, tmp_path: Path
) -> None:
    result = run(site, "build", "--archive", str(tmp_path / "missing" / "r.tar.gz"))
    assert result.exit_code == 2
    assert result.stderr.startswith("error: --archive: no directory to write")
    assert not (site / "build").exists()


def test_the_extracted_archive_verifies(site: Path, tmp_path: Path) -> None:
    archive(site, tmp_path / "release.tar.gz")
    extracted = tmp_path / "extracted"
    with tarfile.open(tmp_path / "release.tar.gz") as tar:
        tar.extractall(extracted, filter="data")
    result = run(tmp_path, "verify", str(extracted))
    assert result.exit_code == 0, result.output + result.stderr
    assert result.stdout == f"12 assets verified in {extracted}\n"


def test_the_summary_names_the_archive(site: Path, tmp_path: Path) -> None:
    result = run(site, "build", "--archive", str(tmp_path / "r.tar.gz"))
    size = (tmp_path / "r.tar.gz").stat().st_size
    assert result.stdout.splitlines()[-1] == (
        f"archive {tmp_path / 'r.tar.gz'}: {len(release_entries(site))} entries, {size} B"
    )
    result = run(site, "build", "--archive", str(tmp_path / "r.tar.gz"), "--json")
    assert json.loads(result.stdout)["archive"] == {
        "path": str(tmp_path / "r.tar.gz"),
        "bytes": size,
    }


def test_a_relative_archive_path_is_relative_to_the_current_directory(site: Path) -> None:
    result = run(site, "build", "--archive", "release.tar.gz")
    assert result.exit_code == 0, result.output + result.stderr
    assert (site / "release.tar.gz").is_file()


def test_a_failed_archive_leaves_the_previous_one_and_no_temporary_file(
    site: Path, tmp_path: Path
) -> None:
    target = tmp_path / "release.tar.gz"
    before = archive(site, target)
    output = site / "build/static"
    manifest = load(output / "manifest.json")
    (output / manifest.assets["js/app.js"].path).unlink()
    with pytest.raises(ReleaseError, match="cannot write the archive"):
        write_archive(target, output, manifest, (output / "manifest.json").read_bytes())
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["release.tar.gz", "site"]


def test_a_file_changed_since_the_build_is_not_archived(site: Path, tmp_path: Path) -> None:
    archive(site, tmp_path / "release.tar.gz")
    output = site / "build/static"
    manifest = load(output / "manifest.json")
    with (output / manifest.assets["js/app.js"].path).open("ab") as handle:
        handle.write(b"// tampered\n")
    with pytest.raises(ReleaseError, match="the release changed after the build"):
        write_archive(tmp_path / "again.tar.gz", output, manifest, b"{}")
    assert not (tmp_path / "again.tar.gz").exists()


def test_directories_come_right_before_their_contents(site: Path) -> None:
    run(site, "build")
    names = members(load(site / "build/static/manifest.json"))
    for index, name in enumerate(names):
        parent = name.rpartition("/")[0]
        if parent:
            assert names.index(parent) < index
