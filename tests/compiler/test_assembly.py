from __future__ import annotations

from pathlib import Path

import pytest

from assetbuild.compiler import assembly, reader, workers
from assetbuild.compiler.config import load_config
from assetbuild.compiler.documents import Bundle
from assetbuild.compiler.plan import Asset
from assetbuild.compiler.stable_reads import Signature


def test_prepare_reads_each_bundle_once_and_keeps_its_pieces_for_rendering(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: list[Path] = []
    real = reader.read_stable

    def counted(file: Path) -> tuple[bytes, Signature]:
        reads.append(file)
        return real(file)

    monkeypatch.setattr(reader, "read_stable", counted)
    assembly.build(load_config(cwd=site, environ={}), jobs=1)
    inputs = [
        site / "static/css/reset.css",
        site / "static/css/site.css",
        site / "static/js/main.js",
    ]
    assert [reads.count(file) for file in inputs] == [1, 1, 1]

    prepared = assembly.prepare(load_config(cwd=site, environ={}))
    bundle = prepared.documents["css/app.css"]
    assert isinstance(bundle, Bundle)
    # site.css imports theme.css, which is inlined in its place
    assert [piece.origin for piece in bundle.pieces] == [
        "css/reset.css",
        "css/theme.css",
        "css/site.css",
    ]
    assert "img/bg.png" in bundle.dependencies


def test_a_bundle_input_saved_after_reading_is_built_as_read_and_the_next_build_has_it(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = assembly.prepare
    reset = site / "static/css/reset.css"
    before = reset.read_text()

    def then_edit(config: object, cache: object = None, **options: object) -> assembly.Prepared:
        prepared = real(config, cache, **options)  # type: ignore[arg-type]
        reset.write_text("body { margin: 1px; }\n")
        return prepared

    monkeypatch.setattr(assembly, "prepare", then_edit)
    config = load_config(cwd=site, environ={})
    first = assembly.build(config)
    (output,) = [o for o in first.outputs if o.logical_path == "css/app.css"]
    bundle = (site / "build/static" / output.release_path).read_text()
    assert "margin:1px" not in bundle and "margin:0" in before.replace(" ", "")

    monkeypatch.setattr(assembly, "prepare", real)
    second = assembly.build(config)
    (output,) = [o for o in second.outputs if o.logical_path == "css/app.css"]
    assert "margin:1px" in (site / "build/static" / output.release_path).read_text()


def test_worker_processes_scan_what_this_process_would(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workers, "PARALLEL_SCAN_BYTES", 0)  # the fixture is small
    (site / "static/css/broken.css").write_text(".x { background: url(nope.png) }\n")
    config = load_config(cwd=site, environ={})
    serial = assembly.prepare(config, jobs=1)
    parallel = assembly.prepare(config, jobs=2)
    assert parallel.problems == serial.problems
    assert [p.message for p in serial.problems] == [
        "nope.png resolves to no file (looked for css/nope.png); fix the reference or add the file"
    ]
    assert parallel.documents == serial.documents

    scanned_by_workers: list[str] = []
    real_read = reader.Reader.read

    def recording(self: reader.Reader, asset: Asset, scanned: object = None) -> object:
        if scanned is not None:
            scanned_by_workers.append(asset.logical_path)
        return real_read(self, asset, scanned)  # type: ignore[arg-type]

    monkeypatch.setattr(reader.Reader, "read", recording)
    assembly.prepare(config, jobs=2)
    assert {"css/print.css", "css/broken.css", "js/standalone.js"} <= set(scanned_by_workers)


def test_serial_and_process_scanned_builds_give_the_same_release(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workers, "PARALLEL_SCAN_BYTES", 0)
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
