from __future__ import annotations

from pathlib import Path

import pytest

from assetbuild.compiler import assembly
from assetbuild.compiler.config import load_config
from assetbuild.compiler.documents import Bundle
from assetbuild.errors import BuildError


def test_prepare_keeps_bundles_as_outlines_without_their_text(site: Path) -> None:
    prepared = assembly.prepare(load_config(cwd=site, environ={}))
    bundle = prepared.documents["css/app.css"]
    assert isinstance(bundle, Bundle)
    assert bundle.pieces == () and bundle.outline_of is not None
    assert "img/bg.png" in bundle.dependencies
    full = assembly.reread(prepared, bundle)
    assert full.pieces and full.dependencies == bundle.dependencies


def test_a_bundle_input_changed_between_reading_and_rendering_fails_the_build(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = assembly.prepare

    def then_edit(config: object, cache: object = None, **options: object) -> assembly.Prepared:
        prepared = real(config, cache, **options)  # type: ignore[arg-type]
        (site / "static/css/reset.css").write_text("body { margin: 1px; }\n")
        return prepared

    monkeypatch.setattr(assembly, "prepare", then_edit)
    with pytest.raises(BuildError, match="changed during the build") as caught:
        assembly.build(load_config(cwd=site, environ={}))
    assert caught.value.problems[0].file == str(site / "static/css/reset.css")
    assert not (site / "build/static/manifest.json").exists()


def test_worker_processes_scan_what_this_process_would(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(assembly, "PARALLEL_SCAN_BYTES", 0)  # the fixture is small
    (site / "static/css/broken.css").write_text(".x { background: url(nope.png) }\n")
    config = load_config(cwd=site, environ={})
    serial = assembly.prepare(config, jobs=1)
    parallel = assembly.prepare(config, jobs=2)
    assert parallel.problems == serial.problems
    assert [p.message for p in serial.problems] == [
        "nope.png resolves to no file (looked for css/nope.png); fix the reference or add the file"
    ]
    assert parallel.documents == serial.documents

    reader = assembly.Reader(
        serial.tree, serial.plan, serial.resolver, serial.chains, config.on_missing
    )
    readable = [a for a in serial.plan.assets.values() if a.kind != "file"]
    with assembly._ProcessScan(reader, readable, 2) as scanning:
        scanned = scanning.results()
    assert {"css/print.css", "css/broken.css", "js/standalone.js"} <= set(scanned)


def test_serial_and_process_scanned_builds_give_the_same_release(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(assembly, "PARALLEL_SCAN_BYTES", 0)
    releases = []
    for jobs in (1, 2):
        output = tmp_path / f"jobs{jobs}"
        assembly.build(load_config(cwd=site, environ={}, output=output), jobs=jobs)
        releases.append(
            {
                p.relative_to(output).as_posix(): p.read_bytes()
                for p in sorted(output.rglob("*"))
                if p.is_file() and ".assetbuild" not in p.parts
            }
        )
    assert releases[0] == releases[1]
