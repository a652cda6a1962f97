"""url_for of the static endpoints and the static routes, on a Flask site with blueprints, built.

The site (tests/runtime/flask_site.py) is built once per test by ``flask assetbuild build`` and
then made again, as a deployed app is: with its manifest there, outside any command.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import brotli
import pytest
from flask import Flask, render_template_string, url_for
from werkzeug.routing import BuildError
from werkzeug.test import TestResponse

from assetbuild.runtime import ManifestError, MissingAssetError
from assetbuild.runtime.flask import AssetBuild
from tests.runtime.flask_site import build, make_app, manifest, write_site

IMMUTABLE = "public, max-age=31536000, immutable"


def get(
    app: Flask, path: str, headers: dict[str, str] | None = None, method: str = "GET"
) -> TestResponse:
    """A request through the test client, its body read and its file (send_file's) closed."""
    response = app.test_client().open(path, method=method, headers=headers)
    response.get_data()
    response.close()
    return response


@pytest.fixture(autouse=True)
def no_assetbuild_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ASSETBUILD_RELOAD", "ASSETBUILD_STATE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """The site, built."""
    root = write_site(tmp_path / "site")
    build(root)
    return root


@pytest.fixture
def app(root: Path) -> Flask:
    return make_app(root)


def entry(root: Path, name: str) -> dict[str, Any]:
    found: dict[str, Any] = manifest(root / "build/static/manifest.json")["assets"][name]
    return found


def url(root: Path, name: str) -> str:
    return "/static/" + str(entry(root, name)["path"])


def release(root: Path, path: str) -> bytes:
    return (root / "build/static" / path).read_bytes()


# --- url_for ---


def test_url_for_the_app_s_static_files_is_their_release_url_as_asset_url_gives_it(
    app: Flask, root: Path
) -> None:
    with app.test_request_context():
        assert url_for("static", filename="css/app.css") == url(root, "css/app.css")
        assert url_for("static", filename="img/bg.png") == url(root, "img/bg.png")
        assert app.url_for("static", filename="js/app.js") == url(root, "js/app.js")
        template = "{{ url_for('static', filename='css/app.css') }} {{ asset_url('css/app.css') }}"
        css = url(root, "css/app.css")
        assert render_template_string(template) == f"{css} {css}"
    assert url(root, "css/app.css").startswith("/static/css/app.")


def test_url_for_a_blueprint_s_static_file_is_the_url_of_its_prefixed_logical_path(
    app: Flask, root: Path
) -> None:
    with app.test_request_context():
        blog = url_for("blog.static", filename="css/style.css")
        wiki = url_for("wiki.static", filename="css/style.css")
        page = url_for("wiki.pages.static", filename="js/page.js")
    assert blog == url(root, "blog/css/style.css")
    assert wiki == url(root, "wiki/css/style.css")
    assert page == url(root, "wiki.pages/js/page.js")
    # The same file name in two blueprints: two files, never one for both.
    assert blog != wiki
    assert release(root, entry(root, "blog/css/style.css")["path"]).startswith(
        b"h1 { color: rgb(153"
    )
    # Under the one prefix of the release, whatever the blueprint's own static URL.
    assert wiki.startswith("/static/wiki/css/style.")


def test_a_relative_static_endpoint_is_the_current_blueprint_s(app: Flask, root: Path) -> None:
    client = app.test_client()
    css = url(root, "css/app.css")
    for section in ("blog", "wiki"):
        page = client.get(f"/{section}/").text
        assert page == (
            f'<link rel="stylesheet" href="{css}">'
            f'<img src="{url(root, section + "/img/badge.svg")}">'
        )
    with app.test_request_context("/"):  # no blueprint: the app's
        assert url_for(".static", filename="css/app.css") == css


def test_url_for_takes_an_alias(app: Flask, root: Path) -> None:
    with app.test_request_context():
        assert url_for("static", filename="site_style") == url(root, "css/app.css")
        assert render_template_string("{{ asset_url('site_style') }}") == url(root, "css/app.css")


def test_external_urls_anchors_and_extra_values_are_as_flask_makes_them(
    app: Flask, root: Path
) -> None:
    css = url(root, "css/app.css")
    with app.test_request_context(base_url="https://example.com"):
        assert url_for("static", filename="css/app.css", _external=True) == (
            f"https://example.com{css}"
        )
        assert url_for("static", filename="css/app.css", _scheme="http", _external=True) == (
            f"http://example.com{css}"
        )
        assert url_for("static", filename="css/app.css", v=2, _anchor="a b") == f"{css}?v=2#a%20b"
    app.config["SERVER_NAME"] = "assets.example.org"
    with app.app_context():  # outside a request, external, as Flask makes every URL there
        assert url_for("static", filename="css/app.css") == f"http://assets.example.org{css}"


def test_outside_a_request_without_server_name_it_says_what_to_configure(app: Flask) -> None:
    with app.app_context(), pytest.raises(RuntimeError, match="without 'SERVER_NAME'"):
        url_for("static", filename="css/app.css")


def test_a_cdn_prefix_gives_the_cdn_s_urls(root: Path) -> None:
    app = make_app(root, ASSETBUILD_URL="https://cdn.example.com/static/")
    path = entry(root, "wiki/css/style.css")["path"]
    with app.test_request_context():
        assert url_for("wiki.static", filename="css/style.css") == (
            f"https://cdn.example.com/static/{path}"
        )
        assert url_for("wiki.static", filename="css/style.css", _external=True) == (
            f"https://cdn.example.com/static/{path}"
        )
    app = make_app(root, ASSETBUILD_URL="//cdn.example.com/static/")
    with app.test_request_context(base_url="https://example.com"):
        assert url_for("wiki.static", filename="css/style.css", _external=True) == (
            f"https://cdn.example.com/static/{path}"
        )


def test_other_endpoints_are_flask_s_own(app: Flask) -> None:
    with app.test_request_context():
        assert url_for("index") == "/"
        assert url_for("blog.index", page=2) == "/blog/?page=2"
        with pytest.raises(BuildError):
            url_for("nowhere.static", filename="x.css")


def test_a_name_the_manifest_lacks_raises_with_the_call_to_write_instead(app: Flask) -> None:
    with app.test_request_context(), pytest.raises(MissingAssetError) as raised:
        url_for("wiki.static", filename="css/styl.css")
    message = str(raised.value)
    assert message.startswith(
        "url_for('wiki.static', filename='css/styl.css'): 'wiki/css/styl.css' is not in the "
        "manifest "
    )
    assert "did you mean url_for('wiki.static', filename='css/style.css')" in message
    assert raised.value.name == "wiki/css/styl.css"
    assert isinstance(raised.value, LookupError)


def test_a_bundle_input_s_message_names_its_bundle(app: Flask) -> None:
    with app.test_request_context(), pytest.raises(MissingAssetError) as raised:
        url_for("static", filename="css/site.css")
    assert (
        ": it is an input of the bundle 'css/app.css', which is published in its place (use "
        "url_for('static', filename='css/app.css');"
    ) in str(raised.value)
    with app.test_request_context("/wiki/"), pytest.raises(MissingAssetError) as raised:
        url_for(".static", filename="js/editor.js")
    assert str(raised.value).startswith(
        "url_for('wiki.static', filename='js/editor.js'): 'wiki/js/editor.js' is not in the "
    )
    assert (
        "it is an input of the bundle 'wiki/js/wiki.js', which is published in its place (use "
        "url_for('wiki.static', filename='js/wiki.js');"
    ) in str(raised.value)


def test_a_template_with_an_unknown_file_does_not_render(app: Flask) -> None:
    app.add_url_rule(
        "/typo", "typo", lambda: render_template_string("{{ url_for('static', filename='x.css') }}")
    )
    with pytest.raises(MissingAssetError, match="'x.css' is not in the manifest"):
        app.test_client().get("/typo")


# --- the static routes ---


def test_a_release_url_is_served_with_the_release_bytes_and_cached_for_good(
    app: Flask, root: Path
) -> None:
    for name in ("css/app.css", "img/bg.png", "blog/css/style.css", "wiki/js/wiki.js"):
        response = get(app, url(root, name))
        assert response.status_code == 200, name
        assert response.data == release(root, entry(root, name)["path"]), name
        assert response.headers["Cache-Control"] == IMMUTABLE, name
        assert "Content-Encoding" not in response.headers, name
    assert get(app, url(root, "css/app.css")).content_type == "text/css; charset=utf-8"
    assert get(app, url(root, "wiki/js/wiki.js")).mimetype == "text/javascript"
    assert get(app, url(root, "blog/img/badge.svg")).mimetype == "image/svg+xml"


@pytest.mark.parametrize(
    ("accept", "coding"),
    [
        ("br", "br"),
        ("gzip", "gzip"),
        ("gzip, deflate, br, zstd", "br"),  # what Chromium sends
        ("br;q=0.5, gzip", "gzip"),
        ("*", "br"),
        ("br;q=0, gzip;q=0", None),
        ("identity", None),
    ],
)
def test_the_variant_the_client_accepts_is_sent(
    app: Flask, root: Path, accept: str, coding: str | None
) -> None:
    css = entry(root, "css/app.css")
    assert set(css["encodings"]) == {"br", "gzip"}
    response = get(app, url(root, "css/app.css"), {"Accept-Encoding": accept})
    assert response.status_code == 200
    assert response.headers.get("Content-Encoding") == coding
    assert response.headers["Vary"] == "Accept-Encoding"
    assert response.headers["Cache-Control"] == IMMUTABLE
    assert response.mimetype == "text/css"
    decode = {"br": brotli.decompress, "gzip": gzip.decompress, None: bytes}[coding]
    assert decode(response.data) == release(root, css["path"])
    if coding is not None:
        assert response.data == release(root, css["encodings"][coding])


def test_a_file_without_variants_does_not_vary(app: Flask, root: Path) -> None:
    response = get(app, url(root, "img/bg.png"), {"Accept-Encoding": "br"})
    assert "Vary" not in response.headers and "Content-Encoding" not in response.headers


def test_the_manifest_and_plain_copies_are_served_but_never_as_immutable(
    app: Flask, root: Path
) -> None:
    response = get(app, "/static/manifest.json")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.data == (root / "build/static/manifest.json").read_bytes()
    icon = get(app, "/static/favicon.ico", {"Accept-Encoding": "br"})
    assert icon.status_code == 200
    assert icon.headers["Cache-Control"] == "no-cache"
    assert icon.data == (root / "static/favicon.ico").read_bytes()


def test_head_and_conditional_requests_work(app: Flask, root: Path) -> None:
    first = get(app, url(root, "img/bg.png"))
    assert get(app, url(root, "img/bg.png"), method="HEAD").status_code == 200
    again = get(app, url(root, "img/bg.png"), {"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


@pytest.mark.parametrize(
    "path",
    [
        "/static/css/site.css",  # a bundle input, in the sources
        "/static/css/app.css",  # a bundle's logical path
        "/static/img/bg.png",  # a published file's logical path: its source is right there
        "/static/blog/css/style.css",  # a blueprint file's logical path
        "/blog/static/css/style.css",  # the blueprint's own static route, its source's name
        "/wiki/assets/css/style.css",
        "/wiki/assets/js/editor.js",
        "/static/.env",  # a dotfile of the sources
        "/static/%2e%2e/static/css/site.css",
        "/static/css/..%2f..%2fstatic/css/site.css",
        "/static/nothing.0123456789ab.css",
    ],
)
def test_sources_and_names_that_are_not_release_files_are_404(
    app: Flask, path: str, root: Path
) -> None:
    assert get(app, path).status_code == 404


def test_variants_by_their_own_name_and_the_bookkeeping_are_404(app: Flask, root: Path) -> None:
    assert get(app, url(root, "css/app.css") + ".br").status_code == 404
    release_dir = root / "build/static"
    assert not (release_dir / ".assetbuild").exists()  # the bookkeeping lives beside it
    (release_dir / ".tmp-abc.0123456789ab.css").write_text("half written")
    assert get(app, "/static/.tmp-abc.0123456789ab.css").status_code == 404


def test_a_blueprint_s_static_route_serves_the_release_files_under_its_prefix(
    app: Flask, root: Path
) -> None:
    style = entry(root, "wiki/css/style.css")
    own = "/wiki/assets/" + style["path"].removeprefix("wiki/")
    response = get(app, own, {"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == IMMUTABLE
    assert gzip.decompress(response.data) == release(root, style["path"])
    blog = entry(root, "blog/img/badge.svg")["path"]
    assert get(app, "/blog/static/" + blog.removeprefix("blog/")).status_code == 200
    # Only its own files: the app's and the other blueprint's are not under its route.
    assert get(app, "/wiki/assets/" + entry(root, "css/app.css")["path"]).status_code == 404
    assert get(app, "/wiki/assets/../" + blog).status_code == 404


def test_files_of_an_earlier_build_stay_served(app: Flask, root: Path) -> None:
    before = url(root, "blog/css/style.css")
    (root / "blog/static/css/style.css").write_text("h1 { color: green }\n", encoding="utf-8")
    build(root)
    after = url(root, "blog/css/style.css")
    assert after != before
    assert get(app, before).status_code == 200  # a page rendered before the deploy
    assert get(app, after).status_code == 200


def test_a_blueprint_registered_before_the_extension_is_served_too(root: Path) -> None:
    app = Flask("early", root_path=str(root))
    from flask import Blueprint

    app.register_blueprint(
        Blueprint("blog", "early.blog", root_path=str(root / "blog"), static_folder="static"),
        url_prefix="/blog",
    )
    AssetBuild(app)
    name = entry(root, "blog/css/style.css")["path"]
    with app.test_request_context():
        assert url_for("blog.static", filename="css/style.css") == "/static/" + name
    assert get(app, "/blog/static/css/style.css").status_code == 404
    assert get(app, "/blog/static/" + name.removeprefix("blog/")).status_code == 200


def test_without_a_static_folder_url_for_static_still_names_the_release(root: Path) -> None:
    # The setup the docs used to give (static_folder=None, WhiteNoise serving the release).
    app = Flask("site", root_path=str(root), static_folder=None)
    AssetBuild(app)
    with app.test_request_context():
        assert url_for("static", filename="css/app.css") == url(root, "css/app.css")


def test_an_app_s_own_view_called_static_is_left_alone(root: Path) -> None:
    app = Flask("site", root_path=str(root), static_folder=None)
    app.add_url_rule("/files/<path:filename>", "static", lambda filename: f"mine: {filename}")
    AssetBuild(app)
    with app.test_request_context():
        assert url_for("static", filename="css/app.css") == "/files/css/app.css"
    assert app.test_client().get("/files/css/app.css").text == "mine: css/app.css"


def test_a_production_app_without_its_release_does_not_start(tmp_path: Path) -> None:
    root = write_site(tmp_path / "site")
    with pytest.raises(ManifestError, match="flask assetbuild build"):
        make_app(root)
