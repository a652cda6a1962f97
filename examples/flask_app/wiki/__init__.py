"""The wiki: a blueprint with a static folder at a URL of its own (``static_url_path``).

Flask would serve its sources at ``/wiki/assets/...``; with assetbuild, ``url_for('wiki.static',
...)`` names the release's ``wiki/...`` files under the app's ``/static/``, where every release
URL is, and ``/wiki/assets/`` serves only fingerprinted names. Its script is a bundle of two
files (``wiki/js/wiki.js`` in ``assetbuild.toml``), and its stylesheet refers to one of the app's
own images by the app's URL, ``/static/img/bg.png``.
"""

from __future__ import annotations

from flask import Blueprint, render_template

wiki = Blueprint(
    "wiki",
    __name__,
    static_folder="static",
    static_url_path="/assets",
    template_folder="templates",
    url_prefix="/wiki",
)


@wiki.get("/")
def index() -> str:
    return render_template("wiki/index.html")
