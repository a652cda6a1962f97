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

from blog import blog
from flask import Flask, render_template
from wiki import wiki

from assetbuild.runtime.flask import AssetBuild


def create_app() -> Flask:
    """The app: its own page, the two blueprints, and the release behind every static URL."""
    app = Flask(__name__)
    AssetBuild(app)  # url_for for static files, the static routes, asset_tag and the rest

    @app.get("/")
    def index() -> str:
        return render_template("index.html")

    # After the extension, as app factories often do: it covers blueprints registered later.
    app.register_blueprint(blog)
    app.register_blueprint(wiki)
    return app


app = create_app()
