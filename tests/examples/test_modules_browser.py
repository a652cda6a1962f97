"""ES modules in a real browser: an entry point, its imports, and the import map's integrity.

Each example's page loads js/modules/main.mjs (see its templates/index.html), which imports
``./greeting.js`` (a relative specifier), ``"@example/palette"`` (a bare one, through
``[importmap]``) and, on demand, ``./lazy.js``; each of the three sets its own marker on
``<html>`` when it runs. The release keeps the modules' bytes, so ``./greeting.js`` names a URL
the server does not answer (test_examples.py checks that): only the page's import map, which sends
each logical URL to a fingerprinted one, makes the modules load.

Then a release whose greeting.js has one byte changed after the build: the browser must refuse
it, both as the page is served and with the page's modulepreload links taken out (the import map's
``integrity`` alone then guards it), and must run it once the page gives no integrity for it.

The ``browser`` (conftest.py) is Debian's ``/usr/bin/chromium``; without it these tests are
skipped, except under ``CI=true``, where they fail.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page

from tests.examples import (
    ENTRY_POINT,
    FINGERPRINTED,
    IMPORT_MAP,
    MODULES,
    Example,
    Server,
    import_map,
    serve,
)
from tests.examples.browsing import Visit, tamper, visit

pytestmark = pytest.mark.browser

# The marker each imported module sets on <html> (data-relative, ...) when it runs.
MARKERS = ("relative", "bare", "dynamic")
RAN = dict.fromkeys(MARKERS, "ran")
NOT_RUN = dict.fromkeys(MARKERS)

# The text of <p id="modules"> before main.mjs has run, and after.
WAITING = "The ES modules have not run."
GREETED = "Hello from ./greeting.js, @example/palette and ./lazy.js."

# What main.mjs imports statically, so what the page preloads, in order.
STATIC_IMPORTS = ["js/modules/greeting.js", "vendor/palette.js"]

MODULEPRELOAD = re.compile(r'<link rel="modulepreload"[^>]*>')


def markers(page: Page) -> dict[str, str | None]:
    """The three modules' markers on <html>: "ran" (or what a changed module sets), or None."""
    values: dict[str, str | None] = page.evaluate(
        """names => Object.fromEntries(
            names.map(name => [name, document.documentElement.dataset[name] ?? null])
        )""",
        list(MARKERS),
    )
    return values


def greeted(page: Page) -> None:
    """Until main.mjs has finished: it fills in <p id="modules"> after its dynamic import."""
    page.wait_for_function(
        "text => document.getElementById('modules').textContent !== text", arg=WAITING
    )


def requested_scripts(seen: Visit) -> list[str]:
    """The paths of the JavaScript files (.js, .mjs) the browser asked for, in order."""
    paths = [urlsplit(url).path for url in seen.requested]
    return [path for path in paths if path.endswith((".js", ".mjs"))]


def release_path(server: Server, name: str) -> str:
    """The URL path of the release file of logical path ``name``."""
    path: str = server.entry(name)["path"]
    return "/static/" + path


def integrity_errors(seen: Visit, server: Server, name: str) -> list[str]:
    """The console errors that say ``name``'s release file failed its integrity check."""
    # "Failed to find a valid digest in the 'integrity' attribute for resource '<url>' ..."
    url = server.url + release_path(server, name)
    return [error for error in seen.errors() if "'integrity'" in error and url in error]


def without_modulepreloads(html: str) -> str:
    """The page without its ``<link rel="modulepreload">`` elements."""
    stripped, count = MODULEPRELOAD.subn("", html)
    assert count == len(STATIC_IMPORTS)
    return stripped


def without_module_integrity(html: str) -> str:
    """The page with nothing that checks an imported module: no modulepreload links, and an
    import map without its ``integrity``. (The entry point's own ``<script>`` keeps its own.)"""
    document = import_map(html)
    del document["integrity"]
    script = f'<script type="importmap">{json.dumps(document)}</script>'
    return IMPORT_MAP.sub(lambda _: script, without_modulepreloads(html), count=1)


# --- a release as built ---


@pytest.fixture(scope="package")
def module_page(browser: Browser, server: Server) -> Iterator[Visit]:
    """The example's page, loaded once and run to the end of main.mjs; the tests only read it."""
    with visit(browser, server.url + "/") as seen:
        greeted(seen.page)
        yield seen


def test_the_entry_point_and_each_of_its_three_imports_run(module_page: Visit) -> None:
    assert markers(module_page.page) == RAN
    assert module_page.page.text_content("#modules") == GREETED


def test_the_modules_load_with_no_error(module_page: Visit) -> None:
    assert module_page.errors() == []
    assert module_page.failed == []


def test_every_script_the_browser_asks_for_has_a_fingerprinted_url(module_page: Visit) -> None:
    scripts = requested_scripts(module_page)
    assert scripts  # the classic bundle and the modules
    assert [path for path in scripts if not FINGERPRINTED.fullmatch(path)] == []


def test_each_module_is_fetched_once_by_its_release_url_and_never_by_its_logical_url(
    module_page: Visit, server: Server
) -> None:
    scripts = Counter(requested_scripts(module_page))
    del scripts[release_path(server, "js/app.js")]  # the classic bundle
    # Once each: the static imports are fetched by their modulepreload links, and reused.
    assert scripts == {release_path(server, name): 1 for name in MODULES}
    for name in MODULES:
        assert "/static/" + name not in scripts


def test_the_page_preloads_each_static_import_with_its_integrity(
    module_page: Visit, server: Server
) -> None:
    preloads = module_page.page.eval_on_selector_all(
        "link[rel=modulepreload]", "links => links.map(link => [link.href, link.integrity])"
    )
    assert server.entry(ENTRY_POINT)["imports"] == STATIC_IMPORTS
    assert preloads == [
        [server.url + release_path(server, name), server.entry(name)["integrity"]]
        for name in STATIC_IMPORTS
    ]


# --- a release whose imported module was changed after the build ---


@pytest.fixture(scope="package")
def module_tampered_server(
    example: Example, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """The example served from a copy of its release in which greeting.js has one byte changed
    (its name, and so the integrity the page gives for it, unchanged)."""
    release = tamper(
        example.release,
        tmp_path_factory.mktemp("tampered-module") / "static",
        "js/modules/greeting.js",
        b'relative = "ran"',
        b'relative = "rAn"',
    )
    log = tmp_path_factory.mktemp("logs") / f"{example.name}-tampered-module.log"
    with serve(example, release, log) as running:
        yield running


@pytest.fixture(scope="package")
def tampered_page(module_tampered_server: Server) -> str:
    """The HTML of the tampered release's page, as the server renders it."""
    response = module_tampered_server.get("/")
    assert response.status == 200
    return response.text


# A module graph that fails to fetch is settled before DOMContentLoaded (a module script waits
# for its whole graph, as a deferred script waits for its file), so each page below is settled
# at its load event.


@pytest.fixture(scope="package")
def refused(browser: Browser, module_tampered_server: Server) -> Iterator[Visit]:
    """The tampered release's page, as served."""
    with visit(browser, module_tampered_server.url + "/") as seen:
        yield seen


@pytest.fixture(scope="package")
def refused_by_the_import_map(
    browser: Browser, module_tampered_server: Server, tampered_page: str
) -> Iterator[Visit]:
    """The tampered release's page without its modulepreload links: only the import map's
    ``integrity`` names the digest greeting.js must have."""
    html = without_modulepreloads(tampered_page)
    with visit(browser, module_tampered_server.url + "/", html=html) as seen:
        yield seen


@pytest.fixture(scope="package")
def unchecked(
    browser: Browser, module_tampered_server: Server, tampered_page: str
) -> Iterator[Visit]:
    """The tampered release's page with no integrity for any imported module."""
    html = without_module_integrity(tampered_page)
    with visit(browser, module_tampered_server.url + "/", html=html) as seen:
        greeted(seen.page)
        yield seen


def test_a_module_changed_after_the_build_is_refused(
    refused: Visit, module_tampered_server: Server
) -> None:
    # A module graph runs whole or not at all: main.mjs and palette.js do not run either.
    assert markers(refused.page) == NOT_RUN
    assert refused.page.text_content("#modules") == WAITING
    errors = integrity_errors(refused, module_tampered_server, "js/modules/greeting.js")
    assert errors, refused.errors()


def test_the_import_map_alone_refuses_it_without_the_modulepreload_links(
    refused_by_the_import_map: Visit, module_tampered_server: Server
) -> None:
    page = refused_by_the_import_map.page
    assert page.eval_on_selector_all("link[rel=modulepreload]", "links => links.length") == 0
    greeting = release_path(module_tampered_server, "js/modules/greeting.js")
    assert greeting in requested_scripts(refused_by_the_import_map)  # fetched, then refused
    assert markers(page) == NOT_RUN
    assert page.text_content("#modules") == WAITING
    errors = integrity_errors(
        refused_by_the_import_map, module_tampered_server, "js/modules/greeting.js"
    )
    assert errors, refused_by_the_import_map.errors()


def test_the_classic_script_still_runs_beside_the_refused_module(refused: Visit) -> None:
    assert refused.page.evaluate("document.documentElement.dataset.assetbuild") == "ran"


def test_the_changed_module_would_run_without_the_integrity_the_page_gives(
    unchecked: Visit, module_tampered_server: Server
) -> None:
    # So the integrity checks above, and not a syntax error or a missing file, stopped it.
    assert markers(unchecked.page) == {**RAN, "relative": "rAn"}
    assert unchecked.page.text_content("#modules") == GREETED
    assert unchecked.errors() == []
    greeting = release_path(module_tampered_server, "js/modules/greeting.js")
    assert greeting in requested_scripts(unchecked)
