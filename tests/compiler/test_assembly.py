from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from assetbuild.compiler import assembly, cache, reader, workers
from assetbuild.compiler.config import load_config
from assetbuild.compiler.documents import Bundle
from assetbuild.compiler.plan import Asset
from assetbuild.compiler.stable_reads import Signature
from assetbuild.compiler.summary import summary_data, summary_text


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


@pytest.mark.parametrize("entries", [None, ("css/print.css",)])
def test_a_rebuild_with_nothing_to_do_says_what_a_full_rebuild_says(
    site: Path, monkeypatch: pytest.MonkeyPatch, entries: tuple[str, ...] | None
) -> None:
    monkeypatch.setattr(cache, "RACY_SECONDS", 0)  # the fixture's files are seconds old
    config = replace(load_config(cwd=site, environ={}), entries=entries)
    first = assembly.build(config)
    read: list[str] = []
    monkeypatch.setattr(reader.Reader, "read", lambda self, asset, *_: read.append(asset))
    standing = assembly.build(config)
    assert read == []  # taken as it stands: nothing read
    monkeypatch.undo()
    full = assembly.build(config, use_cache=False)

    def said(result: assembly.BuildResult) -> dict[str, object]:
        return {k: v for k, v in summary_data(result).items() if k != "timings"}

    assert said(standing) == said(full)
    assert summary_text(standing) == summary_text(full)
    assert standing.outputs == full.outputs
    assert standing.published.manifest_bytes == first.published.manifest_bytes
    assert standing.published.written == ()


def test_a_rebuild_does_not_take_the_release_as_it_stands_after_any_change(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache, "RACY_SECONDS", 0)
    config = load_config(cwd=site, environ={})
    assembly.build(config)
    release = site / "build/static"
    first = (release / "manifest.json").read_bytes()
    # A source file changed: a new release.
    (site / "static/css/print.css").write_text("@media print { body { color: black } }\n")
    assert assembly.build(config).published.written != ()
    changed = (release / "manifest.json").read_bytes()
    assert changed != first
    # Another config: another manifest (no variants), and back.
    assert assembly.build(replace(config, compress=())).published.manifest_bytes != changed
    assert assembly.build(config).published.manifest_bytes == changed
    # A file of the release removed: written again.
    (manifest,) = [o for o in assembly.build(config).outputs if o.logical_path == "css/print.css"]
    (release / manifest.release_path).unlink()
    assert assembly.build(config).published.written == (manifest.release_path,)
    # A build that warned is never taken as it stands: its warnings are said again.
    (site / "static/js/standalone.js").write_text("x()\n//# sourceMappingURL=gone.js.map\n")
    assert assembly.build(config).warnings
    assert assembly.build(config).warnings


def test_files_staged_by_worker_processes_make_the_release_threads_make(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workers, "PARALLEL_STAGE_FILES", 0)  # the fixture is small
    forked: list[int] = []
    real = workers.staging_processes

    @contextlib.contextmanager
    def counted(jobs: int, files: int) -> Iterator[object]:
        with real(jobs, files) as processes:
            forked.append(processes is not None)
            yield processes

    monkeypatch.setattr(workers, "staging_processes", counted)
    releases, written = [], []
    for jobs in (1, 2):
        output = tmp_path / f"jobs{jobs}"
        result = assembly.build(load_config(cwd=site, environ={}, output=output), jobs=jobs)
        written.append(result.published.written)
        releases.append(
            {
                p.relative_to(output).as_posix(): p.read_bytes()
                for p in sorted(output.rglob("*"))
                if p.is_file()
            }
        )
    assert forked == [False, True]
    assert releases[0] == releases[1]
    assert written[0] == written[1]
    assert not list((tmp_path / "jobs2").rglob(".tmp-*"))  # every staged file was moved into place
