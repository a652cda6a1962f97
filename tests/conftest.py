from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import NoReturn

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A private copy of fixtures/site (sources and config), with no release yet."""
    target = tmp_path / "site"
    shutil.copytree(FIXTURES / "site", target, ignore=shutil.ignore_patterns("build"))
    return target


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    """Write a small tree of files under ``root`` and return it."""
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def in_ci() -> bool:
    """Whether this is CI (``CI=true``), where every test must run rather than skip."""
    return os.environ.get("CI", "").lower() in ("true", "1", "yes")


def unavailable(what: str) -> NoReturn:
    """Skip for want of a tool or the network; in CI, fail instead: CI must run every test."""
    if in_ci():
        pytest.fail(f"{what}; CI must run this test", pytrace=False)
    pytest.skip(what)
