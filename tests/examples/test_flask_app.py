"""The Flask example the Flask way: two blueprints with static folders (``blog`` at its default
static URL, ``wiki`` with a ``static_url_path`` of its own), files of the same names in both, and
templates that use ``url_for('static'|'.static'|'<blueprint>.static', ...)``. Built by
``flask assetbuild build``, served by gunicorn (2 workers) through the app's own static routes;
then ``flask assetbuild watch`` beside a server that re-reads the manifest, and the app without
its release, in production and in development.

The rest of the example (the home page's tags, its ES modules, the encodings, the browser) is
tested with the Django example's in test_examples.py, test_browser.py and test_modules_browser.py.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urljoin

import pytest
from playwright.sync_api import Browser

from tests.examples import (
    _NO_CONTROL_SOCKET,
    FINGERPRINTED,
    IMMUTABLE,
    IMPORT_MAP,
    Example,
    Server,
    copy_example,
    environment,
    rebuild,
    serve,
)
from tests.examples.browsing import Visit, visit

pytestmark = pytest.mark.parametrize("example", ["flask_app"], indirect=True)

PAGES = ("/", "/blog/", "/wiki/")
LINK = re.compile(r'(?:href|src)="([^"]+)"')
CSS_URL = re.compile(r"""url\(\s*["']?([^"')]+)["']?\s*\)""")
# The headings' colours in each blueprint's css/style.css.
HEADING = {"/blog/": "rgb(153, 51, 0)", "/wiki/": "rgb(0, 51, 153)"}

WAIT_SECONDS = 60.0  # a bound for every wait below; each takes a second or two
_POLL_SECONDS = 0.1


def sri(body: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(body).digest()).decode("ascii")


def static_urls(server: Server, page: str) -> list[str]:
    """Every URL of a file that the page names: its links and sources (not the pages it links
    to) and its import map's targets."""
    html = server.get(page).text
    urls = [url for url in LINK.findall(html) if url not in PAGES]
    for document in IMPORT_MAP.findall(html):
        urls += json.loads(document)["imports"].values()
    return urls


def by_release_path(server: Server) -> dict[str, dict[str, object]]:
    return {str(entry["path"]): entry for entry in server.manifest()["assets"].values()}


# --- the release, through the app's own routes ---


def test_every_file_url_of_every_page_is_fingerprinted_and_served_with_the_release_bytes(
    server: Server, example: Example
) -> None:
    entries = by_release_path(server)
    for page in PAGES:
        urls = static_urls(server, page)
        assert len(urls) >= 3, page
        for url in urls:
            assert FINGERPRINTED.fullmatch(url), (page, url)
            response = server.get(url)
            assert response.status == 200, (page, url)
            assert response.headers["Cache-Control"] == IMMUTABLE[example.name], url
            entry = entries[url.removeprefix("/static/")]
            assert response.body == (server.release / url.removeprefix("/static/")).read_bytes()
            assert sri(response.body) == entry["integrity"], url


def test_the_blueprints_same_named_files_are_two_files_each_on_its_own_page(
    server: Server,
) -> None:
    for name in ("css/style.css", "img/badge.svg"):
        blog, wiki = (server.entry(f"{section}/{name}") for section in ("blog", "wiki"))
        assert blog["path"] != wiki["path"] and blog["integrity"] != wiki["integrity"]
        assert "/static/" + blog["path"] in static_urls(server, "/blog/")
        assert "/static/" + wiki["path"] in static_urls(server, "/wiki/")
        assert "/static/" + blog["path"] not in static_urls(server, "/wiki/")


def test_the_wiki_s_bundle_is_built_from_its_prefixed_inputs(server: Server) -> None:
    bundle = server.entry("wiki/js/wiki.js")
    assert bundle["sources"] == ["wiki/js/lib/markup.js", "wiki/js/editor.js"]
    assert "/static/" + bundle["path"] in static_urls(server, "/wiki/")


def test_a_blueprint_s_stylesheet_refers_to_the_app_s_image_through_the_release(
    server: Server,
) -> None:
    css = server.get("/static/" + server.entry("wiki/css/style.css")["path"]).text
    (reference,) = [url for url in CSS_URL.findall(css) if "bg." in url]
    # Relative to the stylesheet's own URL, under the one prefix of the release.
    resolved = urljoin("/static/" + server.entry("wiki/css/style.css")["path"], reference)
    assert resolved == "/static/" + server.entry("img/bg.png")["path"]
    assert server.get(resolved).status == 200


@pytest.mark.parametrize(
    "path",
    [
        "/blog/static/css/style.css",  # the blueprints' static routes, by their sources' names
        "/blog/static/img/badge.svg",
        "/wiki/assets/css/style.css",
        "/wiki/assets/js/editor.js",
        "/static/blog/css/style.css",  # a blueprint file's logical path
        "/static/wiki/js/editor.js",  # a bundle input's
        "/static/wiki/js/wiki.js",  # the bundle's own logical path
    ],
)
def test_the_sources_are_not_served(server: Server, path: str) -> None:
    assert server.get(path).status == 404


def test_a_blueprint_s_static_route_serves_the_release_files_under_its_prefix(
    server: Server, example: Example
) -> None:
    for section, route in (("blog", "/blog/static/"), ("wiki", "/wiki/assets/")):
        entry = server.entry(f"{section}/css/style.css")
        response = server.get(route + entry["path"].removeprefix(f"{section}/"))
        assert response.status == 200
        assert response.headers["Cache-Control"] == IMMUTABLE[example.name]
        assert sri(response.body) == entry["integrity"]


def test_a_name_the_release_lacks_raises_naming_what_to_write_instead(example: Example) -> None:
    script = """
import json
from flask import url_for
from app import app
from assetbuild.runtime import MissingAssetError

found = []
with app.test_request_context("/wiki/"):
    for endpoint, filename in [(".static", "css/styl.css"), ("wiki.static", "js/editor.js"),
                               ("static", "css/site.css"), ("blog.static", "img/nope.svg")]:
        try:
            url_for(endpoint, filename=filename)
        except MissingAssetError as error:
            found.append(str(error))
print(json.dumps(found))
"""
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=example.root,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    typo, input_, app_input, unknown = json.loads(done.stdout)
    assert typo.startswith("url_for('wiki.static', filename='css/styl.css'): 'wiki/css/styl.css'")
    assert "did you mean url_for('wiki.static', filename='css/style.css')" in typo
    assert "an input of the bundle 'wiki/js/wiki.js'" in input_
    assert "url_for('wiki.static', filename='js/wiki.js')" in input_
    assert "an input of the bundle 'css/app.css'" in app_input
    assert unknown.startswith(
        "url_for('blog.static', filename='img/nope.svg'): 'blog/img/nope.svg'"
    )


# --- in a browser ---


@pytest.mark.browser
@pytest.mark.parametrize("page", ["/blog/", "/wiki/"])
def test_a_blueprint_s_page_loads_every_file_with_no_failed_request(
    browser: Browser, server: Server, page: str
) -> None:
    with visit(browser, server.url + page) as seen:
        assert seen.errors() == []
        assert seen.failed == []
        assert {url: s for url, s in seen.statuses.items() if s != 200} == {}
        files = [url for url in seen.requested if url != server.url + page]
        assert len(files) >= 4, files  # the app's stylesheet and font, its own stylesheet, badge
        for url in files:
            assert FINGERPRINTED.fullmatch(url.removeprefix(server.url)), url
        color = seen.page.eval_on_selector("h1", "h1 => getComputedStyle(h1).color")
        assert color == HEADING[page]
        width = seen.page.eval_on_selector("img.badge", "i => i.complete && i.naturalWidth")
        assert width == 16
        if page == "/wiki/":
            _the_wiki_s_script_ran_and_its_banner_has_the_app_s_image(seen, server)


def _the_wiki_s_script_ran_and_its_banner_has_the_app_s_image(seen: Visit, server: Server) -> None:
    assert seen.page.evaluate("document.documentElement.dataset.wiki") == "ran"
    assert seen.page.text_content("#editor") == "Edited with the wiki/js/wiki.js bundle."
    banner = seen.page.eval_on_selector(".banner", "p => getComputedStyle(p).backgroundImage")
    assert banner == f'url("{server.url}/static/{server.entry("img/bg.png")["path"]}")'


# --- development: `flask assetbuild watch`, and a server that re-reads the manifest ---


def flask_command(example: Example, *args: str, log: Path) -> subprocess.Popen[bytes]:
    with open(log, "wb") as output:  # the child keeps its own descriptor
        return subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "app", *args],
            cwd=example.root,
            env=environment(),
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def wait_for(condition: str, check: Callable[[], bool], what: str, log: Path) -> None:
    """Until ``check()`` is true (bounded); ``what`` and the log's end if it never is."""
    deadline = time.monotonic() + WAIT_SECONDS
    for _ in range(int(WAIT_SECONDS / _POLL_SECONDS)):
        if check():
            return
        if time.monotonic() > deadline:
            break
        time.sleep(_POLL_SECONDS)
    tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:])
    raise TimeoutError(f"{what} not {condition} within {WAIT_SECONDS}s:\n{tail}")


@contextmanager
def watching(example: Example, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """``flask assetbuild watch`` on the example, once it has built and watches; stopped with
    Ctrl-C (SIGINT) at the end, which it must take as its normal end (status 0)."""
    process = flask_command(example, "assetbuild", "watch", log=log)
    try:

        def ready() -> bool:
            if process.poll() is not None:
                raise RuntimeError(f"watch exited with {process.returncode}:\n{log.read_text()}")
            return "watching " in log.read_text(errors="replace")

        wait_for("watching", ready, "flask assetbuild watch", log)
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
    assert process.returncode == 0, log.read_text()


def wiki_style(server: Server) -> str:
    (url,) = [u for u in static_urls(server, "/wiki/") if u.startswith("/static/wiki/css/")]
    return url


def test_a_rebuild_by_flask_assetbuild_watch_shows_on_the_next_request(
    example: Example, tmp_path: Path
) -> None:
    copy = copy_example("flask_app", tmp_path / "flask_app")
    with (
        watching(copy, tmp_path / "watch.log"),
        serve(copy, copy.release, tmp_path / "gunicorn.log", ASSETBUILD_RELOAD="1") as server,
    ):
        before = wiki_style(server)
        style = copy.root / "wiki/static/css/style.css"
        style.write_text(
            style.read_text("utf-8").replace("rgb(0, 51, 153)", "rgb(0, 128, 0)"), "utf-8"
        )
        wait_for("rebuilt", lambda: wiki_style(server) != before, before, tmp_path / "watch.log")
        after = wiki_style(server)
        assert "rgb(0, 128, 0)" in server.get(after).text
        assert server.get(before).status == 200  # the earlier build's file, still served
    # What watch printed (by now: it has stopped) names the file and its new fingerprint.
    assert (
        f"  wiki/css/style.css -> {after.removeprefix('/static/')}\n"
        in (tmp_path / "watch.log").read_text()
    )


# --- without its release ---


def test_in_production_the_app_does_not_start_without_its_release(
    example: Example, tmp_path: Path
) -> None:
    copy = copy_example("flask_app", tmp_path / "flask_app")
    done = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--workers", "1", "--bind", "127.0.0.1:0"]
        + [*_NO_CONTROL_SOCKET, "app:app"],
        cwd=copy.root,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=WAIT_SECONDS,
        check=False,
    )
    assert done.returncode != 0
    manifest = copy.root / "build/static/manifest.json"
    assert f"ManifestError: {manifest}: no manifest there" in done.stderr
    assert "`flask assetbuild build` writes it here" in done.stderr


def test_in_development_the_app_starts_and_its_first_page_says_what_to_run(
    example: Example, tmp_path: Path
) -> None:
    copy = copy_example("flask_app", tmp_path / "flask_app")
    log = tmp_path / "gunicorn.log"
    with serve(copy, copy.release, log, wait=False, ASSETBUILD_RELOAD="1") as server:
        assert server.get("/").status == 500
        assert "`flask assetbuild build` writes it here" in log.read_text()
        rebuild(copy)  # flask assetbuild build, as the README says
        page = server.get("/")
        assert page.status == 200
        assert FINGERPRINTED.search(page.text)
