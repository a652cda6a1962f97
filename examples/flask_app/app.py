"""A Flask app whose static files, and its blueprints', are served from an assetbuild release.

Build the release, then serve the app (see README.md)::

    flask --app app assetbuild build
    gunicorn --workers 2 --bind 127.0.0.1:8000 app:app

Nothing here is assetbuild's but ``AssetBuild(app)``: the app keeps its ``static`` folder, the
``blog`` and ``wiki`` blueprints keep theirs, and the templates keep ``url_for('static', ...)``
and ``url_for('.static', ...)``. ``flask assetbuild build`` builds the release from those folders
(each blueprint's files under the prefix ``<blueprint name>/``) into ``build/static``;
``AssetBuild(app)`` reads its ``manifest.json`` at start-up (``ASSETBUILD_MANIFEST`` moves it) and
fails there if it is missing, makes ``url_for`` return the fingerprinted URLs, and makes the
static routes serve the release (immutable caching, ``.br``/``.gz``), never the sources.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from blog import blog
from flask import Flask, Response, abort, render_template, send_file
from wiki import wiki

from assetbuild.runtime import Assets
from assetbuild.runtime.flask import AssetBuild

# The files the home page's tags name (templates/base.html and index.html); the modules that
# js/modules/main.mjs imports are found in the manifest. The stylesheet's fonts and images are
# in the report, with everything else the release holds.
PAGE_ASSETS = (
    "css/app.css",
    "fonts/dejavu-sans.woff2",
    "img/logo.png",
    "js/app.js",
    "js/modules/main.mjs",
)

# `make demo` writes the report here (`flask assetbuild build --report build/report.html`):
# beside the release, not in it, so that the static routes never hand it out.
REPORT = Path(__file__).resolve().parent / "build" / "report.html"


@dataclass(frozen=True)
class Loaded:
    """One file the page loads, as the manifest describes it."""

    logical_path: str
    url: str
    size: int
    encodings: dict[str, int]  # "br", "gzip" -> the variant's size
    integrity: str


def page_assets(assets: Assets) -> list[Loaded]:
    """What the home page loads: ``PAGE_ASSETS`` and the modules they import, transitively."""
    manifest = assets.manifest
    release = os.path.dirname(os.path.abspath(assets.path))
    names: list[str] = []
    pending = list(PAGE_ASSETS)
    while pending:
        name = pending.pop(0)
        if name not in names:
            names.append(name)
            pending.extend(manifest.assets[name].imports or ())
    loaded = []
    for name in names:
        entry = manifest.assets[name]
        encodings = {
            encoding: os.path.getsize(os.path.join(release, variant))
            for encoding, variant in sorted(entry.encodings.items())
        }
        loaded.append(Loaded(name, assets.url(name), entry.size, encodings, entry.integrity))
    return loaded


def create_app() -> Flask:
    """The app: its own page, the two blueprints, and the release behind every static URL."""
    app = Flask(__name__)
    extension = AssetBuild(app)  # url_for for static files, the static routes, asset_tag, ...

    @app.get("/")
    def index() -> str:
        assets = extension.assets
        assert assets is not None  # init_app has run
        return render_template("index.html", loaded=page_assets(assets), report=REPORT.is_file())

    @app.get("/report")
    def report() -> Response:
        """The build's report (`assetbuild report`), for the demo: a file outside the release."""
        if not REPORT.is_file():
            abort(
                404, "no report: run `flask --app app assetbuild build --report build/report.html`"
            )
        return send_file(REPORT, mimetype="text/html", max_age=0)

    # After the extension, as app factories often do: it covers blueprints registered later.
    app.register_blueprint(blog)
    app.register_blueprint(wiki)
    return app


app = create_app()
