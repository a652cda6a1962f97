"""A small Flask site for the Flask adapter's tests, written into a directory and built there.

The app has a static folder and three blueprints with static folders: ``blog`` (at its default
static URL, ``/blog/static``), ``wiki`` (``static_url_path="/assets"``: ``/wiki/assets``) and
``pages``, nested in ``wiki`` (``wiki.pages``). ``blog`` and ``wiki`` have files of the same names
(``css/style.css``, ``img/badge.svg``). ``assetbuild.toml`` beside the app has a bundle of the
app's, one of the wiki's, a plain copy and an alias. The extension is made before the blueprints
are registered, as app factories often do it.

``build(root)`` runs ``flask assetbuild build`` in this process, the way Flask runs a plugin
command: the command is handed Flask's ``ScriptInfo``, which makes the app only when the command
asks for it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result
from flask import Blueprint, Flask, render_template_string
from flask.cli import ScriptInfo

from assetbuild.runtime.flask import AssetBuild
from assetbuild.runtime.flask.cli import command
from tests.conftest import write

# Rules enough that a stylesheet's .gz and .br are worth keeping, minified too (the build keeps a
# variant only when it saves 5%).
_PADDING = "".join(f".c{i} {{ margin: {i}px }}\n" for i in range(40))

FILES: dict[str, str | bytes] = {
    "static/css/reset.css": "* { margin: 0 }\n" + _PADDING,
    "static/css/site.css": "body { background: url(../img/bg.png) }\n" + _PADDING,
    "static/img/bg.png": b"\x89PNG\r\n\x1a\n not really a png",
    "static/js/app.js": "console.log('app');\n" + _PADDING,
    "static/favicon.ico": b"\x00\x00\x01\x00 an icon",
    "static/.env": "SECRET=1\n",  # a dotfile: never published, never served
    "blog/static/css/style.css": "h1 { color: rgb(153, 51, 0) }\n" + _PADDING,
    "blog/static/img/badge.svg": '<svg xmlns="http://www.w3.org/2000/svg"><circle r="7"/></svg>\n',
    "wiki/static/css/style.css": 'h1 { background: url("/static/img/bg.png") }\n' + _PADDING,
    "wiki/static/img/badge.svg": '<svg xmlns="http://www.w3.org/2000/svg"><rect width="9"/></svg>\n',
    "wiki/static/js/lib/markup.js": "window.markup = function (t) { return t; };\n",
    "wiki/static/js/editor.js": "window.markup('editor');\n",
    "wiki/pages/static/js/page.js": "console.log('page');\n",
    "assetbuild.toml": """\
plain = ["favicon.ico"]

[bundles]
"css/app.css" = ["css/reset.css", "css/site.css"]
"wiki/js/wiki.js" = ["wiki/js/lib/*.js", "wiki/js/editor.js"]

[aliases]
"site_style" = "css/app.css"
""",
}

# The app's page, and each blueprint's: ".static" is the blueprint's own static endpoint.
PAGE = """<link rel="stylesheet" href="{{ url_for('static', filename='css/app.css') }}">"""
SECTION = PAGE + """<img src="{{ url_for('.static', filename='img/badge.svg') }}">"""


def write_site(root: Path) -> Path:
    """The site's sources and config at ``root``; no release yet."""
    return write(root, dict(FILES))


def make_app(root: Path, **config: Any) -> Flask:
    """The site's app, reading ``config`` (``ASSETBUILD_*`` and Flask's own)."""
    app = Flask("site", root_path=str(root))
    app.config.update(TESTING=True, **config)
    AssetBuild(app)

    @app.get("/")
    def index() -> str:
        return render_template_string(PAGE)

    blog = Blueprint("blog", "site.blog", root_path=str(root / "blog"), static_folder="static")
    wiki = Blueprint(
        "wiki",
        "site.wiki",
        root_path=str(root / "wiki"),
        static_folder="static",
        static_url_path="/assets",
    )
    pages = Blueprint(
        "pages", "site.wiki.pages", root_path=str(root / "wiki/pages"), static_folder="static"
    )

    def section() -> str:
        return render_template_string(SECTION)

    for blueprint in (blog, wiki):
        blueprint.add_url_rule("/", "index", section)
    wiki.register_blueprint(pages, url_prefix="/pages")
    app.register_blueprint(blog, url_prefix="/blog")
    app.register_blueprint(wiki, url_prefix="/wiki")
    return app


def run(root: Path, *args: str, **config: Any) -> Result:
    """``flask assetbuild ARGS`` in this process, for the site at ``root``."""
    info = ScriptInfo(create_app=lambda: make_app(root, **config))
    return CliRunner().invoke(command, list(args), obj=info, catch_exceptions=False)


def build(root: Path, **config: Any) -> Path:
    """``flask assetbuild build`` for the site at ``root``; the manifest it wrote."""
    done = run(root, "build", **config)
    assert done.exit_code == 0, done.output
    return root / "build/static/manifest.json"


def manifest(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return document
