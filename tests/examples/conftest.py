"""Fixtures for the example tests: each example built once and served once for this package.

``example`` is parametrized over the examples, so every test that uses it (or ``server``) runs
once per example. pytest groups the tests by example, so one example's servers run at a time,
and they are stopped before the next example's start; the last stop when the package's tests end.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.examples import WSGI_APPS, Example, Server, build, serve

# Debian's Chromium (`bash scripts/system-deps.sh` installs it; `make test` runs that), driven by
# Playwright for Python. Playwright's own browsers are never downloaded (`playwright install`).
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-proxy-server",  # straight to 127.0.0.1, whatever proxy the environment names
]


@pytest.fixture(scope="package", params=sorted(WSGI_APPS))
def example(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Example:
    """A private copy of examples/<name>, built as its README says (``tests.examples.build``)."""
    name: str = request.param
    return build(name, tmp_path_factory.mktemp(name) / name)


@pytest.fixture(scope="package")
def server(example: Example, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """gunicorn (2 workers) serving the example with its own release."""
    log = tmp_path_factory.mktemp("logs") / f"{example.name}.log"
    with serve(example, example.release, log) as running:
        yield running


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """Headless Chromium; a skip where it is not installed, a failure if that is CI."""
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(
                f"{CHROMIUM} is missing and CI=true: install it with scripts/system-deps.sh"
            )
        pytest.skip(f"{CHROMIUM} is missing; `bash scripts/system-deps.sh` installs it (as root)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=30_000
        )
        try:
            yield launched
        finally:
            launched.close()
