"""What the browser tests share: visiting a page in Chromium, and a release changed after its build.

``chromium`` launches Debian's Chromium through Playwright for a fixture. ``visit`` opens a page in a fresh browser context and records what the browser reported while
loading it; given ``html``, the browser gets that document instead of the server's (at the same
URL, so everything else it loads still comes from the server). ``tamper`` copies a release and
changes one byte of one asset, as an attacker or a broken CDN would, without changing its name.
"""

from __future__ import annotations

import functools
import gc
import gzip
import os
import shutil
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import brotli
import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    Request,
    Response,
    Route,
    sync_playwright,
)

from tests.examples import Server

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
TIMEOUT_MS = 10_000  # for every Playwright call; a page here loads in well under a second


@contextmanager
def chromium() -> Iterator[Browser]:
    """Headless Chromium, for a fixture to yield; a skip where it is not installed, a failure if
    that is CI."""
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
    # Playwright's driver runs under asyncio, whose subprocess pipes are closed only when they
    # are collected: collect them here, where the browser ends, and not during whichever later
    # test the collector happens to run in (as a ResourceWarning, which fails that test).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve_release(release: Path, prefix: str = "static") -> Iterator[str]:
    """A plain static file server (Python's own) with ``release`` under ``/<prefix>/``, as a
    manifest's url says; its origin. For pages that need no app, only the release's files."""
    root = release.parent / f"{release.name}-served"
    root.mkdir()
    (root / prefix).symlink_to(release)
    handler = functools.partial(_Quiet, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


_COMPRESSORS: dict[str, Callable[[bytes], bytes]] = {
    "gzip": lambda data: gzip.compress(data, mtime=0),
    "br": brotli.compress,
}


@dataclass
class Visit:
    """A page after its ``load`` event, with what the browser reported while loading it."""

    page: Page
    console: list[ConsoleMessage] = field(default_factory=list)
    requested: list[str] = field(default_factory=list)  # URLs, in the order asked for
    encodings: dict[str, str] = field(default_factory=dict)  # URL -> its Content-Encoding
    statuses: dict[str, int] = field(default_factory=dict)  # URL -> its HTTP status
    failed: list[str] = field(default_factory=list)  # URLs of requests that got no response

    def errors(self) -> list[str]:
        return [message.text for message in self.console if message.type == "error"]


@contextmanager
def visit(browser: Browser, url: str, *, html: str | None = None) -> Iterator[Visit]:
    """Open ``url`` in a fresh context (no cache, no cookies) and wait for its ``load`` event.

    With ``html``, the document at ``url`` is answered with it instead of asking the server.
    """
    context = browser.new_context()
    try:
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        seen = Visit(page)

        def logged(message: ConsoleMessage) -> None:
            seen.console.append(message)

        def requested(request: Request) -> None:
            seen.requested.append(request.url)

        def responded(response: Response) -> None:
            seen.encodings[response.url] = response.headers.get("content-encoding", "identity")
            seen.statuses[response.url] = response.status

        def failed(request: Request) -> None:
            seen.failed.append(request.url)

        def answer(route: Route) -> None:
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)

        page.on("console", logged)
        page.on("request", requested)
        page.on("response", responded)
        page.on("requestfailed", failed)
        if html is not None:
            page.route(url, answer)
        page.goto(url, wait_until="load")
        yield seen
    finally:
        context.close()


def tamper(release: Path, into: Path, name: str, old: bytes, new: bytes) -> Path:
    """A copy of ``release`` at ``into`` in which asset ``name`` has ``old`` replaced by ``new``.

    ``old`` and ``new`` differ in one byte, and ``old`` occurs once. The file keeps its name, so
    a page still names it with the integrity of the original. Its ``.gz`` and ``.br`` are made
    again from the changed bytes: the server (the Flask app's static route, Django's WhiteNoise)
    sends a browser those, and a browser that got the untouched ``.br`` would never see the
    change.
    """
    assert len(old) == len(new) and sum(a != b for a, b in zip(old, new, strict=True)) == 1
    shutil.copytree(release, into)
    entry = Server("", into).entry(name)
    path = into / entry["path"]
    original = path.read_bytes()
    assert original.count(old) == 1, f"{old!r} is not in {name} exactly once"
    changed = original.replace(old, new)
    path.write_bytes(changed)
    for encoding, variant in entry["encodings"].items():
        (into / variant).write_bytes(_COMPRESSORS[encoding](changed))
    return into
