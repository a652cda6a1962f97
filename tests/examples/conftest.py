"""Fixtures for the example tests: each example built once and served once for this package.

``example`` is parametrized over the examples, so every test that uses it (or ``server``) runs
once per example. pytest groups the tests by example, so one example's servers run at a time,
and they are stopped before the next example's start; the last stop when the package's tests end.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser

from tests.examples import WSGI_APPS, Example, Server, build, serve
from tests.examples.browsing import chromium


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
    with chromium() as launched:
        yield launched
