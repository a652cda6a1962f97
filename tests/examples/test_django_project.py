"""The Django example as a project that adopted assetbuild with one setting: collectstatic builds
the release through ReleaseStorage, and the admin's, Django REST framework's and the app's own
``{% static %}`` URLs come from its manifest. Served by gunicorn (2 workers) with WhiteNoise.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urljoin

import pytest

from tests.examples import (
    FINGERPRINTED,
    IMMUTABLE,
    Example,
    Server,
    build,
    copy_example,
    environment,
    rebuild,
)

pytestmark = pytest.mark.parametrize("example", ["django_project"], indirect=True)

# The pages that name static files: the example's own, the admin's login, the browsable API.
PAGES = ["/", "/admin/login/", "/api/greeting/"]
HTML = {"Accept": "text/html"}  # the browsable API's renderer, not JSON
STATIC_URL = re.compile(r'(?:href|src)="(/static/[^"]*)"')
CSS_URL = re.compile(r"""url\(\s*["']?([^"')]+)["']?\s*\)""")


def manage(example: Example, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=example.root,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def static_urls(server: Server) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for page in PAGES:
        response = server.get(page, HTML)
        assert response.status == 200, page
        found[page] = STATIC_URL.findall(response.text)
    return found


def test_every_static_url_of_the_admin_the_api_and_the_page_is_fingerprinted_and_served(
    server: Server,
) -> None:
    pages = static_urls(server)
    assert len(pages["/admin/login/"]) >= 5 and len(pages["/api/greeting/"]) >= 5
    for page, urls in pages.items():
        for url in urls:
            assert FINGERPRINTED.fullmatch(url), (page, url)
            response = server.get(url)
            assert response.status == 200, (page, url)
            assert response.headers["Cache-Control"] == IMMUTABLE["django_project"], url


def test_every_url_in_their_stylesheets_is_served_too(server: Server) -> None:
    stylesheets = {url for urls in static_urls(server).values() for url in urls if ".css" in url}
    checked = 0
    for stylesheet in sorted(stylesheets):
        text = server.get(stylesheet).text
        for reference in CSS_URL.findall(text):
            if reference.startswith(("data:", "#", "http:", "https:")):
                continue
            target = urljoin(stylesheet, reference).partition("#")[0].partition("?")[0]
            assert FINGERPRINTED.fullmatch(target), (stylesheet, reference)
            assert server.get(target).status == 200, (stylesheet, reference)
            checked += 1
    assert checked >= 10  # the admin's icons, Django REST framework's fonts, the page's


def test_the_admin_media_of_the_app_gets_release_urls(example: Example) -> None:
    done = manage(
        example,
        "shell",
        "-c",
        "from django.contrib import admin; from greetings.models import Greeting;"
        "print(admin.site._registry[Greeting].media)",
    )
    assert done.returncode == 0, done.stderr
    urls = re.findall(r'(?:href|src)="([^"]+)"', done.stdout)
    assert any(url.startswith("/static/greetings/css/admin.") for url in urls), urls
    assert all(FINGERPRINTED.fullmatch(url) for url in urls), urls


def test_migrate_and_test_run_before_any_build(
    example: Example, tmp_path_factory: pytest.TempPathFactory
) -> None:
    fresh = copy_example(example.name, tmp_path_factory.mktemp("unbuilt") / example.name)
    migrated = manage(fresh, "migrate", "--noinput")
    assert migrated.returncode == 0, migrated.stderr
    assert "assetbuild.W001" in migrated.stderr
    tested = manage(fresh, "test", "--noinput")
    assert tested.returncode == 0, tested.stderr
    assert "Ran 2 tests" in tested.stderr
    assert not (fresh.root / "build").exists()  # nothing was built on the way


def test_a_css_change_rebuilt_by_collectstatic_keeps_every_old_file_and_renames_its_bundle(
    example: Example, tmp_path_factory: pytest.TempPathFactory
) -> None:
    own = build(example.name, tmp_path_factory.mktemp("changed") / example.name)
    before = Server("", own.release).manifest()["assets"]
    old_files = {p: p.read_bytes() for p in own.release.rglob("*") if p.is_file()}
    site = own.root / "static/css/site.css"
    site.write_text(site.read_text() + "\nfooter { margin-top: 2em; }\n")
    rebuild(own)
    after = Server("", own.release).manifest()["assets"]
    renamed = {name for name in after if after[name]["path"] != before[name]["path"]}
    assert renamed == {"css/app.css"}  # the bundle site.css is an input of; nothing else
    kept = {p: p.read_bytes() for p in old_files if p.is_file()}
    manifest = own.release / "manifest.json"
    assert {p: b for p, b in kept.items() if p != manifest} == {
        p: b for p, b in old_files.items() if p != manifest
    }


def test_the_state_of_the_build_is_beside_the_release_not_in_it(example: Example) -> None:
    assert (example.release.parent / ".static.assetbuild" / "history").is_file()
    assert not list(example.release.rglob(".*"))


def test_no_bookkeeping_is_served_through_whitenoise(server: Server) -> None:
    # Where the bookkeeping of the build was once kept, and where it is now (beside STATIC_ROOT,
    # which WhiteNoise's middleware serves as a project already has it): never a URL.
    state = server.release.parent / ".static.assetbuild"
    assert (state / "cache.json").is_file() and (state / "history").is_file()
    for path in (
        "/static/.assetbuild/cache.json",
        "/static/.assetbuild/history",
        "/static/.static.assetbuild/cache.json",
        "/static/../.static.assetbuild/cache.json",
        "/.static.assetbuild/cache.json",
    ):
        assert server.get(path).status == 404, path


def test_runtime_paths_do_not_reach_a_source_path(example: Example) -> None:
    manifest = Path(example.release / "manifest.json").read_text()
    assert str(example.root) not in manifest and "site-packages" not in manifest
