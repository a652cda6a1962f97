"""The plan: every file the manifest names, every encoding, the manifest last; nothing else."""

from __future__ import annotations

from pathlib import Path

from assetbuild.compiler.publish.plan import missing, plan_release
from assetbuild.manifest import FILENAME, load, loads
from tests.conftest import invoke, write


def test_the_plan_names_every_release_path_and_no_other_file(site: Path) -> None:
    config = site / "assetbuild.toml"
    config.write_text(
        config.read_text("utf-8").replace('url = "/static/"', 'url = "/static/"\nplain = ["img/*"]')
    )
    assert invoke(site, "build").exit_code == 0
    release = site / "build/static"
    write(release, {"css/old.0123456789ab.css": "from an older build", "notes.txt": "by hand"})
    data = (release / FILENAME).read_bytes()
    manifest = loads(data)

    plan = plan_release(release, manifest, data)

    assert {put.key for put in plan.named()} == manifest.release_paths()
    assert {put.key for put in plan.plain} == set(manifest.plain) != set()
    assert plan.manifest.key == FILENAME
    assert plan.manifest.source == data
    for put in plan.named():
        assert put.size == (release / put.key).stat().st_size


def test_missing_splits_the_plan_by_the_listing(site: Path) -> None:
    assert invoke(site, "build").exit_code == 0
    release = site / "build/static"
    data = (release / FILENAME).read_bytes()
    plan = plan_release(release, load(release / FILENAME), data)
    there = {plan.objects[0].key, "unrelated/key.txt"}

    absent, present = missing(plan.objects, there)

    assert [put.key for put in present] == [plan.objects[0].key]
    assert [put.key for put in absent] == [put.key for put in plan.objects[1:]]
