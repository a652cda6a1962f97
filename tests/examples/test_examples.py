"""The examples as deployed: built (the Flask app by `flask assetbuild build`, the Django project by
collectstatic), served by gunicorn with 2 workers: the Flask app's release by its own static
routes, the Django project's by WhiteNoise.

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

from tests.examples import (
    BARE_SPECIFIERS,
    ENTRY_POINT,
    FINGERPRINTED,
    IMMUTABLE,
    IMPORT_MAP,
    MANIFEST_CACHE,
    MODULES,
    Example,
    Server,
    environment,
    import_map,
)

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


# --- ES modules, through the import map ---


def test_the_import_map_comes_before_the_first_module_script_and_preload(server: Server) -> None:
    page = server.get("/").text
    found = IMPORT_MAP.search(page)
    assert found is not None
    # A browser ignores an import map that comes after a module has started loading.
    assert found.end() < page.index('<link rel="modulepreload"') < page.index('type="module"')


def test_the_import_map_sends_each_module_and_the_bare_specifier_to_its_fingerprinted_url(
    server: Server,
) -> None:
    release_url = {name: "/static/" + server.entry(name)["path"] for name in MODULES}
    imports = import_map(server.get("/").text)["imports"]
    assert imports == {
        **{"/static/" + name: release_url[name] for name in MODULES},
        **{specifier: release_url[name] for specifier, name in BARE_SPECIFIERS.items()},
    }
    assert all(FINGERPRINTED.fullmatch(url) for url in imports.values()), imports


def test_every_module_in_the_import_map_is_served_with_the_integrity_the_map_gives(
    server: Server, example: Example
) -> None:
    document = import_map(server.get("/").text)
    assert set(document["integrity"]) == set(document["imports"].values())
    for url, integrity in document["integrity"].items():
        response = server.get(url)
        assert response.status == 200, url
        # Browsers refuse a module script served with any type but JavaScript's.
        assert response.headers.get_content_type() == "text/javascript", url
        assert response.headers["Cache-Control"] == IMMUTABLE[example.name], url
        assert sri(response.body) == integrity, url


def test_modules_are_served_with_the_bytes_they_were_written_with(
    server: Server, example: Example
) -> None:
    for name in MODULES:
        served = server.get("/static/" + server.entry(name)["path"]).body
        assert served == (example.root / "static" / name).read_bytes(), name


def test_the_module_script_follows_a_modulepreload_for_each_module_it_imports_statically(
    server: Server,
) -> None:
    page = server.get("/").text
    main = server.entry(ENTRY_POINT)
    assert main["imports"] == ["js/modules/greeting.js", "vendor/palette.js"]
    preloads = "".join(
        f'<link rel="modulepreload" href="/static/{server.entry(name)["path"]}"'
        f' integrity="{server.entry(name)["integrity"]}" crossorigin="anonymous">'
        for name in main["imports"]
    )
    script = (
        f'<script src="/static/{main["path"]}" integrity="{main["integrity"]}"'
        ' crossorigin="anonymous" type="module"></script>'
    )
    assert preloads + script in page
    # Not the module imported with import(): it is fetched when, and if, the page asks for it.
    assert page.count('rel="modulepreload"') == len(main["imports"])


# --- the release, through the Flask app's static routes and Django's WhiteNoise ---


def test_every_asset_is_served_as_built_with_the_immutable_cache_header(
    server: Server, example: Example
) -> None:
    assets = server.manifest()["assets"]
    assert len(assets) >= 6  # bundles, fonts, images, the license
    for name, entry in assets.items():
        response = server.get("/static/" + entry["path"])
        assert response.status == 200, name
        if example.name == "django_project" and "." not in name.rpartition("/")[2]:
            # WhiteNoise asks the storage about `<name>.<hash>.<ext>` only, as Django's manifest
            # storage names files: a file without an extension (admin/img/LICENSE) keeps
            # WhiteNoise's short default, as it does with Django's storage.
            assert response.headers["Cache-Control"] == "max-age=60, public", name
        else:
            assert response.headers["Cache-Control"] == IMMUTABLE[example.name], name
        assert response.headers["Content-Encoding"] is None, name
        assert sri(response.body) == entry["integrity"], name


@pytest.mark.parametrize("name", BUNDLES)
def test_a_client_that_accepts_br_gets_the_br_file_beside_the_asset(
    server: Server, example: Example, name: str
) -> None:
    entry = server.entry(name)
    response = server.get("/static/" + entry["path"], {"Accept-Encoding": "br"})
    assert response.status == 200
    assert response.headers["Content-Encoding"] == "br"
    assert response.headers["Vary"] == "Accept-Encoding"
    assert response.headers["Cache-Control"] == IMMUTABLE[example.name]
    assert response.body == (server.release / entry["encodings"]["br"]).read_bytes()
    assert sri(brotli.decompress(response.body)) == entry["integrity"]


@pytest.mark.parametrize("name", BUNDLES)
def test_a_client_that_accepts_gzip_gets_the_gz_file_beside_the_asset(
    server: Server, example: Example, name: str
) -> None:
    entry = server.entry(name)
    response = server.get("/static/" + entry["path"], {"Accept-Encoding": "gzip"})
    assert response.status == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.headers["Vary"] == "Accept-Encoding"
    assert response.headers["Cache-Control"] == IMMUTABLE[example.name]
    assert response.body == (server.release / entry["encodings"]["gzip"]).read_bytes()
    assert sri(gzip.decompress(response.body)) == entry["integrity"]


def test_a_browser_that_accepts_both_encodings_gets_br(server: Server) -> None:
    entry = server.entry("css/app.css")
    response = server.get("/static/" + entry["path"], {"Accept-Encoding": "gzip, deflate, br"})
    assert response.headers["Content-Encoding"] == "br"


def test_the_manifest_is_served_but_not_as_immutable(server: Server, example: Example) -> None:
    response = server.get("/static/manifest.json")
    assert response.status == 200
    assert json.loads(response.body) == server.manifest()
    assert "immutable" not in response.headers["Cache-Control"]
    assert response.headers["Cache-Control"] == MANIFEST_CACHE[example.name]


@pytest.mark.parametrize(
    "path",
    [
        "/static/css/site.css",  # a bundle input, in the sources
        "/static/js/main.js",  # likewise
        "/static/css/app.css",  # a logical path: only fingerprinted names are served
        "/static/fonts/dejavu-sans.woff2",
        # Modules' logical URLs: the import map, not the server, sends them to the release.
        "/static/js/modules/main.mjs",
        "/static/js/modules/greeting.js",
        "/static/vendor/palette.js",
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
