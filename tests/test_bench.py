"""The benchmark keeps working: ``bench/run.py --smoke`` run in a subprocess, as ``make
bench-smoke`` runs it.

Owns: checking that the smoke benchmark (one round at x1 of assetbuild, the floor and Django's
collectstatic, on two packages of the corpus, then the runtime figures) measures what it says it
measures: every row has a time, CPU time and peak memory, the rebuild into an unchanged release
writes nothing and the one after a stylesheet changed writes something, the runtime figures are
there, the report starts with the command line and the machine, the results file is written and
the work directory is left empty. Not the figures themselves: timings on a shared machine prove
nothing in a test.

It installs the peers (``bench/requirements-peers.txt`` into ``bench/.venv-peers``) and fetches
the corpus with npm, both cached, so only the first run downloads. Without npm or a network it
skips, except in CI (``CI=true``), where it fails: CI must always run it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import in_ci, unavailable

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
EXIT_NO_CORPUS = 3  # bench/run.py: the corpus cannot be fetched


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, Any], Path]:
    base = tmp_path_factory.mktemp("bench")
    results, work = base / "results.json", base / "work"
    environ = {k: v for k, v in os.environ.items() if not k.startswith("ASSETBUILD_")}
    if "ASSETBUILD_CORPUS_CACHE" in os.environ:  # where the corpus tarballs are cached
        environ["ASSETBUILD_CORPUS_CACHE"] = os.environ["ASSETBUILD_CORPUS_CACHE"]
    command = [sys.executable, str(ROOT / "bench" / "run.py"), "--smoke"]
    command += ["--json", str(results), "--workdir", str(work)]
    result = subprocess.run(
        command, cwd=ROOT, env=environ, capture_output=True, text=True, timeout=600, check=False
    )
    if result.returncode == EXIT_NO_CORPUS:
        unavailable(f"the corpus cannot be fetched: {result.stderr.strip()[-500:]}")
    assert result.returncode == 0, f"exit {result.returncode}:\n{result.stdout}\n{result.stderr}"
    return result.stdout, json.loads(results.read_text(encoding="utf-8")), work


def _row(report: dict[str, Any], key: str) -> dict[str, Any]:
    rows: list[dict[str, Any]] = [
        e for e in report["builds"] if e["row"] == key and e["scale"] == 1
    ]
    assert len(rows) == 1, f"{key}: {rows}"
    return rows[0]


def _measured(row: dict[str, Any]) -> None:
    assert not row.get("error"), row
    assert row["rounds"] == 1
    assert row["median_wall"] > 0 and row["median_cpu"] > 0 and row["peak_mib"] > 1
    assert row["files"] > 0


def test_assetbuild_rows_are_measured(smoke: tuple[str, dict[str, Any], Path]) -> None:
    _, report, _ = smoke
    for key in ("assetbuild", "assetbuild-rebuild", "assetbuild-edit"):
        _measured(_row(report, key))
    assert _row(report, "assetbuild")["ratio"] == 1.0
    cold = _row(report, "assetbuild")["note"]
    assert not cold.startswith("0 files written"), cold
    assert _row(report, "assetbuild-rebuild")["note"].startswith("0 files written, ")
    edited = _row(report, "assetbuild-edit")["note"]
    assert int(edited.split()[0]) > 0, edited


def test_the_cost_of_reading_es_modules_is_measured(
    smoke: tuple[str, dict[str, Any], Path],
) -> None:
    _, report, _ = smoke
    row = _row(report, "assetbuild-modules")
    _measured(row)
    assert row["timings"][0]["modules"] > 0  # the build's --json timings, round by round
    assert 0 < row["modules_share"] < 1
    assert row["median_modules_s"] == row["timings"][0]["modules"]


def test_peers_are_measured(smoke: tuple[str, dict[str, Any], Path]) -> None:
    _, report, _ = smoke
    if report["unavailable"] and not in_ci():
        pytest.skip(f"peers not installed here: {report['unavailable']}")
    assert report["unavailable"] == {}
    for key in ("floor", "django"):
        row = _row(report, key)
        _measured(row)
        assert row["ratio"] > 0
    assert "0 missing references" in _row(report, "django")["note"]
    assert report["versions"]["Django"].startswith("5.2.")


def test_runtime_figures(smoke: tuple[str, dict[str, Any], Path]) -> None:
    _, report, _ = smoke
    figures = {row["name"]: row for row in report["runtime"]}
    url = figures["assetbuild Assets.url() per call"]
    assert url["unit"] == "us" and url["value"] > 0
    assert figures["python -c 'import assetbuild.runtime', cold process"]["value"] > 0
    if not report["unavailable"]:
        assert figures["Django static() per call (ManifestStaticFilesStorage)"]["value"] > 0


def test_report_and_cleanup(smoke: tuple[str, dict[str, Any], Path]) -> None:
    stdout, report, work = smoke
    lines = stdout.splitlines()
    assert lines[0].startswith("command: ") and "--smoke" in lines[0]
    assert lines[1].startswith("machine: nproc ")
    assert lines[2].startswith("load average at start")
    assert "runtime figure" in stdout and "x ab" in stdout
    assert report["machine"]["nproc"] == os.cpu_count()
    assert list(work.iterdir()) == []  # the temporary work directory is gone
