"""A Flask app whose assets come from an assetbuild release, served by WhiteNoise.

Build the release, then serve the app (see README.md)::

    assetbuild build
    gunicorn --workers 2 --bind 127.0.0.1:8000 app:app

``ASSETBUILD_MANIFEST`` names the release's manifest.json (default: ``build/static/manifest.json``
next to this file). The runtime reads it once, at startup, and fails there if it is missing.
WhiteNoise serves the directory the manifest is in, under the manifest's URL path (``/static/``):
fingerprinted files with a far-future ``immutable`` cache header, and the ``.br`` and ``.gz`` files
beside them to clients that accept those encodings.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, render_template
from whitenoise import WhiteNoise

from assetbuild.runtime.flask import AssetBuild

HERE = Path(__file__).resolve().parent

# assetbuild names every release file <dir>/<stem>.<12 hex digits>.<ext> (or <name>.<12 hex> when
# there is no extension); such a file never changes, so browsers and CDNs may keep it forever.
# manifest.json does not match: it changes with every build.
IMMUTABLE_FILE = r"\.[0-9a-f]{12}(\.[^./]+)?$"


def create_app() -> Flask:
    """The app, with the asset template globals and the release served under /static/."""
    # No static folder: Flask would serve the *sources* in static/ under /static/ otherwise.
    app = Flask(__name__, static_folder=None)
    app.config["ASSETBUILD_MANIFEST"] = os.environ.get("ASSETBUILD_MANIFEST") or str(
        HERE / "build" / "static" / "manifest.json"
    )
    extension = AssetBuild(app)  # asset_url, asset_tag, asset_preload, asset_integrity
    assets = extension.assets
    assert assets is not None  # init_app raised otherwise

    # Serve the release under the path of the URL it was built for, whatever ASSETBUILD_URL says
    # (a CDN that pulls from this app asks for the same paths).
    app.wsgi_app = WhiteNoise(  # type: ignore[method-assign]
        app.wsgi_app,
        root=Path(assets.path).parent,
        prefix=urlsplit(assets.manifest.url).path,
        immutable_file_test=IMMUTABLE_FILE,
    )

    @app.get("/")
    def index() -> str:
        return render_template("index.html")

    return app


app = create_app()
