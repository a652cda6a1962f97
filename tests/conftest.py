from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import pytest

if TYPE_CHECKING:
    from click.testing import Result

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


def environment() -> dict[str, str]:
    """This process's environment without ``ASSETBUILD_*`` variables, which would override a
    test's config."""
    return {k: v for k, v in os.environ.items() if not k.startswith("ASSETBUILD_")}


def assetbuild(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python -m assetbuild ARGS`` in ``cwd``, as a user runs it, with no ``ASSETBUILD_*``
    variables inherited."""
    return subprocess.run(
        [sys.executable, "-m", "assetbuild", *args],
        cwd=cwd,
        env=environment(),
        capture_output=True,
        encoding="utf-8",
        errors="backslashreplace",  # a message may quote a file name that is not UTF-8
        check=False,
        timeout=300,
    )


def invoke(cwd: Path, *args: str) -> Result:
    """The command line in this process (click's runner), from ``cwd``; exceptions propagate."""
    from click.testing import CliRunner

    from assetbuild.compiler.cli import main

    previous = os.getcwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(main, list(args), catch_exceptions=False)
    finally:
        os.chdir(previous)
