"""The examples in a real browser: Debian's headless Chromium, driven by Playwright.

Each example's page, served by gunicorn (see conftest.py), must get its stylesheet applied, its
web font loaded and its script run; and a release whose script was changed after the build must
have that script refused, because its bytes no longer match the ``integrity`` in the page.

The ``browser`` (conftest.py) is Debian's ``/usr/bin/chromium``; without it these tests are
skipped, except under ``CI=true``, where they fail.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from tests.examples import Example, Server, serve
from tests.examples.browsing import Visit, tamper, visit

pytestmark = pytest.mark.browser

# The heading's colour in each example's css/site.css.
ACCENT = {"flask_app": "rgb(0, 102, 51)", "django_project": "rgb(12, 75, 51)"}
FONT_FAMILY = "Example Sans"


def marker(page: Page) -> str | None:
    """What js/app.js sets on <html> when it runs."""
    value: str | None = page.evaluate("document.documentElement.dataset.assetbuild ?? null")
    return value


def font_faces(page: Page) -> list[list[str]]:
    """``[family, status]`` of each of the page's font faces, once the fonts have settled."""
    faces: list[list[str]] = page.evaluate(
        """async () => {
            await document.fonts.ready;
            return [...document.fonts].map(face => [face.family, face.status]);
        }"""
    )
    return faces


def heading_color(page: Page) -> str:
    color: str = page.eval_on_selector("h1", "h1 => getComputedStyle(h1).color")
    return color


# --- a release as built ---


@pytest.fixture(scope="package")
def loaded(browser: Browser, server: Server) -> Iterator[Visit]:
    """The example's page, loaded once; the tests below only read it."""
    with visit(browser, server.url + "/") as seen:
        yield seen


def test_the_stylesheet_applies(loaded: Visit, server: Server, example: Example) -> None:
    assert heading_color(loaded.page) == ACCENT[example.name]
    bg = server.entry("img/bg.png")["path"]
    background = loaded.page.evaluate("getComputedStyle(document.body).backgroundImage")
    assert background == f'url("{server.url}/static/{bg}")'


def test_the_web_font_loads(loaded: Visit) -> None:
    assert [FONT_FAMILY, "loaded"] in font_faces(loaded.page)


def test_the_script_runs(loaded: Visit) -> None:
    assert marker(loaded.page) == "ran"
    assert loaded.page.text_content("#greeting") == "Hello from the js/app.js bundle."


def test_the_image_loads(loaded: Visit) -> None:
    width = loaded.page.eval_on_selector("img.logo", "img => img.complete && img.naturalWidth")
    assert width == 16


def test_the_page_loads_with_no_error(loaded: Visit) -> None:
    assert loaded.errors() == []
    assert loaded.failed == []


def test_the_preloaded_font_is_the_one_the_stylesheet_uses(loaded: Visit, server: Server) -> None:
    font_faces(loaded.page)  # every font has loaded
    font = f"{server.url}/static/{server.entry('fonts/dejavu-sans.woff2')['path']}"
    assert loaded.requested.count(font) == 1  # not once for the preload and once for @font-face


def test_the_browser_gets_the_bundles_brotli_compressed(loaded: Visit, server: Server) -> None:
    for name in ("css/app.css", "js/app.js"):
        assert loaded.encodings[f"{server.url}/static/{server.entry(name)['path']}"] == "br"


# --- a release whose script was changed after the build ---


@pytest.fixture(scope="package")
def tampered_server(example: Example, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The example served from a copy of its release in which js/app.js has one byte changed.

    The file keeps its name, so the page still names it with the integrity of the original (see
    ``tamper``: its ``.gz`` and ``.br`` are made again from the changed bytes).
    """
    release = tamper(
        example.release,
        tmp_path_factory.mktemp("tampered") / "static",
        "js/app.js",
        b'assetbuild="ran"',
        b'assetbuild="rAn"',
    )
    log = tmp_path_factory.mktemp("logs") / f"{example.name}-tampered.log"
    with serve(example, release, log) as running:
        yield running


@pytest.fixture(scope="package")
def tampered(browser: Browser, tampered_server: Server) -> Iterator[Visit]:
    """The page of the tampered release, loaded once."""
    with visit(browser, tampered_server.url + "/") as seen:
        yield seen


def test_a_script_changed_after_the_build_is_refused(
    tampered: Visit, tampered_server: Server
) -> None:
    assert marker(tampered.page) is None
    assert tampered.page.text_content("#greeting") == "The script has not run."
    script = f"{tampered_server.url}/static/{tampered_server.entry('js/app.js')['path']}"
    # "Failed to find a valid digest in the 'integrity' attribute for resource '<script>' ..."
    errors = tampered.errors()
    assert any("'integrity'" in error and script in error for error in errors), errors


def test_the_rest_of_the_page_still_loads(tampered: Visit, example: Example) -> None:
    assert heading_color(tampered.page) == ACCENT[example.name]
    assert [FONT_FAMILY, "loaded"] in font_faces(tampered.page)


def test_the_changed_script_would_run_without_its_integrity_check(
    tampered: Visit, tampered_server: Server
) -> None:
    # So the check above, and not a syntax error, is what stopped it. (This runs it: last.)
    src = tampered.page.eval_on_selector("script[integrity]", "script => script.src")
    assert src.startswith(tampered_server.url + "/static/js/app.")
    tampered.page.add_script_tag(url=src)
    assert marker(tampered.page) == "rAn"
