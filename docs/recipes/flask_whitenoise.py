# app.py: a Flask app that serves its assetbuild release with WhiteNoise (docs/serving.md).
# assetbuild.toml next to it has output = "build/static" and url = "/static/".
# tests/recipes/test_recipes.py runs this file as it is.
from pathlib import Path

from flask import Flask, render_template_string
from whitenoise import WhiteNoise

from assetbuild.runtime.flask import AssetBuild

RELEASE = Path(__file__).resolve().parent / "build" / "static"
# <stem>.<12 hex digits>.<ext>, or <name>.<12 hex digits> for a file without an extension
FINGERPRINTED = r"\.[0-9a-f]{12}(\.[^./]+)?$"


def manifest_not_cached(headers, path, url):
    if url.endswith("/manifest.json"):
        headers["Cache-Control"] = "no-cache"


class ReleaseFiles(WhiteNoise):
    """WhiteNoise serves every file under root, dotfiles too; a release's dot-paths (an older
    build's .assetbuild/, a killed build's .tmp-*) are not for the public."""

    def add_file_to_dictionary(self, url, path, stat_cache=None):
        if "/." not in url:
            super().add_file_to_dictionary(url, path, stat_cache=stat_cache)


app = Flask(__name__, static_folder=None)  # the release replaces Flask's own /static/ route
app.config["ASSETBUILD_MANIFEST"] = RELEASE / "manifest.json"
AssetBuild(app)
app.wsgi_app = ReleaseFiles(
    app.wsgi_app,
    root=RELEASE,
    prefix="/static/",
    immutable_file_test=FINGERPRINTED,  # a regex: matching files are cached "forever"
    add_headers_function=manifest_not_cached,
)


@app.get("/")
def index():
    return render_template_string(
        "<!doctype html><title>Hello</title>"
        '{{ asset_tag("css/app.css") }}{{ asset_tag("js/app.js", defer=True) }}'
    )
