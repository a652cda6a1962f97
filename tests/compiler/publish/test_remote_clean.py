"""``assetbuild clean --remote``: only old fingerprinted objects that no kept publish names go."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from assetbuild.compiler.publish.records import RECORDS_PREFIX, Record
from assetbuild.compiler.publish.remote_clean import choose, parse_duration
from assetbuild.compiler.publish.store import RemoteObject
from assetbuild.errors import ConfigError
from assetbuild.manifest import FILENAME, Entry, Manifest, load
from tests.compiler.publish.conftest import Remote
from tests.conftest import invoke

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=timezone.utc)


def manifest_of(*paths: str) -> Manifest:
    return Manifest(
        "/static/",
        {path.split(".")[0]: Entry(path, "sha384-x", 1, {"gzip": f"{path}.gz"}) for path in paths},
    )


def found(key: str, age: timedelta) -> RemoteObject:
    return RemoteObject(key, 10, NOW - age)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("30s", timedelta(seconds=30)), ("10m", timedelta(minutes=10)), ("1h", timedelta(hours=1))]
    + [("7d", timedelta(days=7)), ("0s", timedelta(0))],
)
def test_a_duration_is_a_number_and_a_unit(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "7", "1w", "-1d", "1.5h", "d"])
def test_anything_else_is_refused_naming_the_option(text: str) -> None:
    with pytest.raises(ConfigError, match="--min-age"):
        parse_duration(text)


def test_the_last_n_publishes_and_every_recent_one_keep_what_they_name() -> None:
    old, middle, recent, newest = (
        Record(f"{RECORDS_PREFIX}{n}.json", NOW - age, manifest_of(f"{n}.0123456789a{i}.css"))
        for i, (n, age) in enumerate(
            [("old", timedelta(days=30)), ("middle", timedelta(days=20))]
            + [("recent", timedelta(hours=2)), ("newest", timedelta(hours=1))]
        )
    )
    objects = [
        found(path, timedelta(days=40))
        for record in (old, middle, recent, newest)
        for path in record.manifest.release_paths()
    ]

    delete, kept, untouched = choose(
        objects,
        [old, middle, recent, newest],
        None,
        keep=1,
        min_age=timedelta(days=1),
        now=NOW,
    )

    # keep=1 keeps the newest; the one of two hours ago is younger than a day: kept too.
    assert sorted(o.key for o in delete) == sorted(
        old.manifest.release_paths() | middle.manifest.release_paths()
    )
    assert kept == 4
    assert untouched == 0


def test_a_young_object_and_the_live_manifest_s_objects_stay_and_foreign_ones_are_not_touched() -> (
    None
):
    live = manifest_of("live.0123456789ab.css")
    objects = [
        found("live.0123456789ab.css", timedelta(days=9)),
        found("live.0123456789ab.css.gz", timedelta(days=9)),
        found("fresh.0123456789ab.css", timedelta(minutes=5)),
        found("stale.0123456789ab.css", timedelta(days=9)),
        found("stale.0123456789ab.css.br", timedelta(days=9)),
        found("favicon.ico", timedelta(days=9)),  # a plain copy: not fingerprinted
        found("other-app/report.pdf", timedelta(days=9)),
        found(FILENAME, timedelta(days=9)),
        found(f"{RECORDS_PREFIX}0123456789abcdef.json", timedelta(days=9)),
    ]
    record = Record(f"{RECORDS_PREFIX}0123456789abcdef.json", NOW - timedelta(days=9), live)

    delete, kept, untouched = choose(
        objects, [record], live, keep=3, min_age=timedelta(days=1), now=NOW
    )

    assert [o.key for o in delete] == ["stale.0123456789ab.css", "stale.0123456789ab.css.br"]
    assert kept == 3
    assert untouched == 4


def test_with_no_history_nothing_is_deleted() -> None:
    objects = [found("a.0123456789ab.css", timedelta(days=9))]
    assert choose(objects, [], None, keep=1, min_age=timedelta(0), now=NOW)[0] == []


def test_clean_remote_deletes_what_no_kept_publish_names_and_nothing_foreign(
    remote: Remote, site: Path, tmp_path: Path
) -> None:
    css = site / "static/css/site.css"
    releases = []
    for colour in ("red", "green", "blue"):
        css.write_text(css.read_text("utf-8") + f"\n.x {{ color: {colour} }}\n", "utf-8")
        assert invoke(site, "build").exit_code == 0
        releases.append(load(site / "build/static" / FILENAME))
        assert invoke(site, "publish", remote.dest).exit_code == 0
    remote.put("other-app/logo.png", b"not assetbuild's")
    remote.put("notes.txt", b"someone else's")
    # Beside the destination, under no prefix of it: a name of assetbuild's form, all the same.
    outside = Remote("", remote.server, tmp_path / "beside", "")
    outside.put("app.0123456789ab.css", b"another release")
    before = remote.listing()
    first_only = releases[0].release_paths() - releases[1].release_paths()
    assert first_only

    dry = invoke(
        site, "clean", "--remote", remote.dest, "--keep", "2", "--min-age", "0s", "--dry-run"
    )
    assert dry.exit_code == 0, dry.output + dry.stderr
    assert remote.listing() == before
    young = invoke(site, "clean", "--remote", remote.dest, "--keep", "1")  # min-age 1d
    assert young.exit_code == 0, young.output + young.stderr
    assert remote.listing() == before
    result = invoke(site, "clean", "--remote", remote.dest, "--keep", "2", "--min-age", "0s")

    assert result.exit_code == 0, result.output + result.stderr
    assert f"removed {len(first_only)} objects" in result.output
    assert {
        line.split()[2] for line in dry.output.splitlines() if line.startswith("would delete")
    } == first_only
    after = remote.listing()
    assert after == before - first_only
    assert {"other-app/logo.png", "notes.txt", FILENAME} <= after
    assert "app.0123456789ab.css" in outside.listing()
    assert releases[1].release_paths() | releases[2].release_paths() <= after


def test_clean_remote_where_nothing_was_published_deletes_nothing(
    remote: Remote, site: Path
) -> None:
    remote.put("app.0123456789ab.css", b"of some other tool")

    result = invoke(site, "clean", "--remote", remote.dest, "--keep", "1", "--min-age", "0s")

    assert result.exit_code == 0, result.output + result.stderr
    assert "removed 0 objects" in result.output
    assert remote.listing() == {"app.0123456789ab.css"}


def test_clean_remote_with_a_bad_destination_or_duration_exits_2(site: Path) -> None:
    bad = invoke(site, "clean", "--remote", "ftp://host/x")
    assert bad.exit_code == 2
    assert "--remote: 'ftp://host/x' is not a destination" in bad.stderr
    age = invoke(site, "clean", "--remote", "s3://bucket/x", "--min-age", "a week")
    assert age.exit_code == 2
    assert "--min-age" in age.stderr
    alone = invoke(site, "clean", "--dry-run")
    assert alone.exit_code == 2
    assert "--remote" in alone.stderr
