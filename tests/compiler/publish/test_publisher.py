"""``assetbuild publish``, against a real S3-compatible server and a file:// directory alike."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from assetbuild.compiler.publish.headers import IMMUTABLE, content_type
from assetbuild.compiler.publish.records import RECORDS_PREFIX
from assetbuild.manifest import FILENAME, Manifest, load, loads
from tests.compiler.publish.conftest import PARTIAL_PREFIX, Remote, SeaweedFS
from tests.conftest import invoke, write


def publish(site: Path, *args: str) -> Any:
    return invoke(site, "publish", *args)


def expected_keys(manifest: Manifest) -> set[str]:
    return manifest.release_paths() | {FILENAME}


def rebuild_with_changes(site: Path) -> Manifest:
    """Another release of the site: a changed stylesheet and a file in a new directory."""
    css = site / "static/css/site.css"
    css.write_text(css.read_text("utf-8") + "\n.changed { color: teal }\n", "utf-8")
    write(site, {"static/extra/new.txt": "a new file\n" * 50})
    result = invoke(site, "build")
    assert result.exit_code == 0, result.output
    return load(site / "build/static" / FILENAME)


def test_a_publish_uploads_every_file_the_manifest_names_and_nothing_else(
    remote: Remote, site: Path, release: Path
) -> None:
    write(release, {"css/stale.0123456789ab.css": "a file of no manifest"})
    manifest = load(release / FILENAME)

    result = publish(site, remote.dest)

    assert result.exit_code == 0, result.output + result.stderr
    named = expected_keys(manifest)
    assert f"uploaded {len(named)} objects" in result.output
    keys = remote.listing()
    records = {key for key in keys if key.startswith(RECORDS_PREFIX)}
    assert keys - records == named
    assert len(records) == 1
    assert remote.read(FILENAME) == (release / FILENAME).read_bytes()
    for path in manifest.release_paths():
        assert remote.read(path) == (release / path).read_bytes(), path


def test_each_object_carries_its_headers_and_a_variant_its_own_encoding(
    s3: SeaweedFS, site: Path, release: Path
) -> None:
    prefix = f"h-{uuid.uuid4().hex[:10]}"
    remote = Remote(f"s3://{s3.bucket}/{prefix}", server=s3, prefix=prefix)
    manifest = load(release / FILENAME)
    assert publish(site, remote.dest).exit_code == 0

    variants = 0
    for entry in manifest.assets.values():
        base = remote.attributes(entry.path)
        assert base["Content-Type"] == content_type(entry.path)
        assert base["Cache-Control"] == IMMUTABLE
        assert base["integrity"] == entry.integrity
        assert "Content-Encoding" not in base
        for encoding, variant in entry.encodings.items():
            variants += 1
            attributes = remote.attributes(variant)
            assert attributes["Content-Encoding"] == encoding
            assert attributes["Content-Type"] == content_type(entry.path)
            assert attributes["Cache-Control"] == IMMUTABLE
            assert attributes["integrity"] == entry.integrity
    assert variants > 0
    css = manifest.assets["css/app.css"]
    assert remote.attributes(css.path)["Content-Type"] == "text/css; charset=utf-8"
    top = remote.attributes(FILENAME)
    assert top["Cache-Control"] == "no-cache"
    assert top["Content-Type"] == "application/json; charset=utf-8"


def test_a_second_publish_of_the_same_release_uploads_nothing(
    remote: Remote, site: Path, release: Path
) -> None:
    assert publish(site, remote.dest).exit_code == 0
    before = remote.listing()

    result = publish(site, remote.dest, "--json")

    assert result.exit_code == 0, result.output + result.stderr
    summary = json.loads(result.output)
    assert summary["uploaded"] == {"objects": 0, "bytes": 0}
    assert summary["already_there"] == len(load(release / FILENAME).release_paths())
    assert summary["manifest_changed"] is False
    assert remote.listing() == before


def test_a_publish_that_fails_part_way_leaves_the_remote_manifest_and_a_rerun_completes(
    request: pytest.FixtureRequest,
    remote: Remote,
    site: Path,
    release: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if remote.server is not None:  # the server's identity that may write only below css/
        remote = Remote(
            f"s3://{remote.server.bucket}/{PARTIAL_PREFIX}",
            server=remote.server,
            prefix=PARTIAL_PREFIX,
        )
    assert publish(site, remote.dest).exit_code == 0
    first = remote.read(FILENAME)
    second = rebuild_with_changes(site)
    new_file = second.assets["extra/new.txt"].path

    if remote.server is not None:
        for name, value in remote.server.environ("partial").items():
            monkeypatch.setenv(name, value)
    else:
        assert remote.directory is not None
        write(remote.directory, {"extra": "a file where the directory extra/ must go"})
    failed = publish(site, remote.dest)

    assert failed.exit_code == 1, failed.output + failed.stderr
    assert new_file in failed.stderr
    assert "the remote manifest.json is unchanged" in failed.stderr
    assert remote.read(FILENAME) == first
    assert new_file not in remote.listing()

    if remote.server is not None:
        for name, value in remote.server.environ().items():
            monkeypatch.setenv(name, value)
    else:
        assert remote.directory is not None
        (remote.directory / "extra").unlink()
    rerun = publish(site, remote.dest, "--json")

    assert rerun.exit_code == 0, rerun.output + rerun.stderr
    assert loads(remote.read(FILENAME)) == second
    assert expected_keys(second) <= remote.listing()
    uploaded = json.loads(rerun.output)["keys"]
    assert new_file in uploaded
    assert first != remote.read(FILENAME)


def test_check_names_each_object_the_manifest_needs_that_is_missing(
    remote: Remote, site: Path, release: Path
) -> None:
    manifest = load(release / FILENAME)
    assert publish(site, remote.dest).exit_code == 0
    assert publish(site, remote.dest, "--check").exit_code == 0
    gone = next(v for e in manifest.assets.values() for v in e.encodings.values())
    remote.delete(gone)

    result = publish(site, remote.dest, "--check")

    assert result.exit_code == 1
    named = [line for line in result.stderr.splitlines() if line.startswith("error: missing")]
    assert named == [f"error: missing: {remote.dest}/{gone}"]
    assert gone not in remote.listing()  # a check uploads nothing


def test_a_dry_run_lists_what_it_would_upload_and_writes_nothing(
    remote: Remote, site: Path, release: Path
) -> None:
    manifest = load(release / FILENAME)

    result = publish(site, remote.dest, "--dry-run")

    assert result.exit_code == 0, result.output + result.stderr
    listed = {
        line.split()[2]
        for line in result.output.splitlines()
        if line.startswith("would upload ") and "(" in line
    }
    assert listed == expected_keys(manifest)
    assert remote.listing() == set()


def test_publish_takes_the_destination_from_the_config(
    tmp_path: Path, site: Path, release: Path
) -> None:
    target = tmp_path / "from-config"
    config = site / "assetbuild.toml"
    config.write_text(config.read_text("utf-8") + f'\n[publish]\ndest = "{target.as_uri()}"\n')

    result = publish(site)

    assert result.exit_code == 0, result.output + result.stderr
    assert (target / FILENAME).read_bytes() == (release / FILENAME).read_bytes()


def test_a_bad_destination_exits_2_naming_it_and_the_forms(site: Path, release: Path) -> None:
    result = publish(site, "https://cdn.example.com/static")

    assert result.exit_code == 2
    assert "'https://cdn.example.com/static' is not a destination" in result.stderr
    assert "s3://BUCKET/PREFIX" in result.stderr
    assert "Traceback" not in result.stderr


def test_no_credentials_exit_2_naming_the_destination_and_the_variables(
    site: Path, release: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_WEB_IDENTITY_TOKEN_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", raising=False)
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", raising=False)

    result = publish(site, "s3://my-bucket/static")

    assert result.exit_code == 2
    assert "no credentials for s3://my-bucket/static" in result.stderr
    assert "AWS_ACCESS_KEY_ID" in result.stderr


def test_no_local_manifest_exits_2_saying_to_build_first(site: Path, tmp_path: Path) -> None:
    result = publish(site, (tmp_path / "out").as_uri())

    assert result.exit_code == 2
    assert "run `assetbuild build` first" in result.stderr
    assert not (tmp_path / "out").exists()


def test_no_destination_exits_2_saying_where_one_goes(site: Path, release: Path) -> None:
    result = publish(site)

    assert result.exit_code == 2
    assert "[publish]" in result.stderr


def test_refused_credentials_fail_at_the_listing_with_exit_1(
    s3: SeaweedFS, site: Path, release: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")

    result = publish(site, f"s3://{s3.bucket}/refused")

    assert result.exit_code == 1
    assert f"s3://{s3.bucket}/refused refused the credentials for listing" in result.stderr
    assert "<?xml" not in result.stderr


def test_a_release_that_fails_verification_is_not_published(
    site: Path, release: Path, tmp_path: Path
) -> None:
    manifest = load(release / FILENAME)
    (release / manifest.assets["css/app.css"].path).write_text("changed after the build")
    target = tmp_path / "out"

    result = publish(site, target.as_uri())

    assert result.exit_code == 1
    assert "integrity does not match" in result.stderr
    assert "nothing was uploaded" in result.stderr
    assert not target.exists()
