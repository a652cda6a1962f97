"""The examples as deployed: built by the CLI, served by gunicorn with 2 workers and WhiteNoise.

Each test runs once per example (see conftest.py), over plain HTTP on 127.0.0.1.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import subprocess
import sys

import brotli
import pytest

from tests.examples import IMMUTABLE, Example, Server, environment

BUNDLES = ["css/app.css", "js/app.js"]


def sri(body: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(body).digest()).decode("ascii")


# --- the page ---


def test_the_page_links_the_stylesheet_with_its_integrity(server: Server) -> None:
    css = server.entry("css/app.css")
    page = server.get("/")
    assert page.status == 200
    assert (
        f'<link rel="stylesheet" href="/static/{css["path"]}" integrity="{css["integrity"]}"'
        ' crossorigin="anonymous">'
    ) in page.text


def test_the_page_loads_the_script_deferred_with_its_integrity(server: Server) -> None:
    js = server.entry("js/app.js")
    assert (
        f'<script src="/static/{js["path"]}" integrity="{js["integrity"]}"'
        ' crossorigin="anonymous" defer></script>'
    ) in server.get("/").text


def test_the_page_preloads_the_web_font_with_its_integrity(server: Server) -> None:
    font = server.entry("fonts/dejavu-sans.woff2")
    assert (
        f'<link rel="preload" href="/static/{font["path"]}" as="font"'
        f' integrity="{font["integrity"]}" crossorigin="anonymous">'
    ) in server.get("/").text


def test_the_page_takes_the_image_url_from_the_manifest(server: Server) -> None:
    logo = server.entry("img/logo.png")
    assert f'<img class="logo" src="/static/{logo["path"]}"' in server.get("/").text


# --- the release, through WhiteNoise ---


def test_every_asset_is_served_as_built_with_the_immutable_cache_header(server: Server) -> None:
    assets = server.manifest()["assets"]
    assert len(assets) >= 6  # bundles, fonts, images, the license
    for name, entry in assets.items():
        response = server.get("/static/" + entry["path"])
        assert response.status == 200, name
        assert response.headers["Cache-Control"] == IMMUTABLE, name
        assert response.headers["Content-Encoding"] is None, name
        assert sri(response.body) == entry["integrity"], name


@pytest.mark.parametrize("name", BUNDLES)
def test_a_client_that_accepts_br_gets_the_br_file_beside_the_asset(
    server: Server, name: str
) -> None:
    entry = server.entry(name)
    response = server.get("/static/" + entry["path"], {"Accept-Encoding": "br"})
    assert response.status == 200
    assert response.headers["Content-Encoding"] == "br"
    assert response.headers["Vary"] == "Accept-Encoding"
    assert response.headers["Cache-Control"] == IMMUTABLE
    assert response.body == (server.release / entry["encodings"]["br"]).read_bytes()
    assert sri(brotli.decompress(response.body)) == entry["integrity"]


@pytest.mark.parametrize("name", BUNDLES)
def test_a_client_that_accepts_gzip_gets_the_gz_file_beside_the_asset(
    server: Server, name: str
) -> None:
    entry = server.entry(name)
    response = server.get("/static/" + entry["path"], {"Accept-Encoding": "gzip"})
    assert response.status == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.headers["Vary"] == "Accept-Encoding"
    assert response.headers["Cache-Control"] == IMMUTABLE
    assert response.body == (server.release / entry["encodings"]["gzip"]).read_bytes()
    assert sri(gzip.decompress(response.body)) == entry["integrity"]


def test_a_browser_that_accepts_both_encodings_gets_br(server: Server) -> None:
    entry = server.entry("css/app.css")
    response = server.get("/static/" + entry["path"], {"Accept-Encoding": "gzip, deflate, br"})
    assert response.headers["Content-Encoding"] == "br"


def test_the_manifest_is_served_but_not_as_immutable(server: Server) -> None:
    response = server.get("/static/manifest.json")
    assert response.status == 200
    assert json.loads(response.body) == server.manifest()
    assert "immutable" not in response.headers["Cache-Control"]
    assert response.headers["Cache-Control"] == "max-age=60, public"


@pytest.mark.parametrize(
    "path",
    [
        "/static/css/site.css",  # a bundle input, in the sources
        "/static/js/main.js",  # likewise
        "/static/css/app.css",  # a logical path: only fingerprinted names are served
        "/static/fonts/dejavu-sans.woff2",
    ],
)
def test_sources_and_unfingerprinted_names_are_not_served(server: Server, path: str) -> None:
    assert server.get(path).status == 404


# --- the Django project's own checks ---


@pytest.mark.parametrize("example", ["django_project"], indirect=True)
def test_the_django_project_passes_its_system_checks_with_the_built_manifest(
    example: Example,
) -> None:
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--fail-level", "WARNING"],
        cwd=example.root,
        env=environment(ASSETBUILD_MANIFEST=str(example.release / "manifest.json")),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "System check identified no issues" in done.stdout
