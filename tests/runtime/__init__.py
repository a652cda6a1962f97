"""Tests of assetbuild.runtime, on the checked-in manifests under fixtures/runtime."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "runtime"
GOLDEN = FIXTURES / "release" / "manifest.json"
BROKEN = FIXTURES / "broken"
