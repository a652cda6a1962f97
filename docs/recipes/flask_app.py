# app.py: a Flask app whose static files, and its blueprints', are served from its assetbuild
# release by its own static routes (docs/serving.md). `flask --app app assetbuild build` builds
# it into build/static; assetbuild.toml beside this file has the bundles, and no source, output
# or url. tests/recipes/test_recipes.py runs this file as it is.
from flask import Blueprint, Flask, render_template_string

from assetbuild.runtime.flask import AssetBuild

app = Flask(__name__)  # static/ as usual: the build's sources, never served
AssetBuild(app)  # reads build/static/manifest.json at start-up; url_for and /static/ use it

admin = Blueprint("admin", __name__, static_folder="admin_static", url_prefix="/admin")


@admin.get("/")
def dashboard():
    # admin_static/admin.css: logical path admin/admin.css, URL /static/admin/admin.<hash>.css
    return render_template_string(
        '<link rel="stylesheet" href="{{ url_for(".static", filename="admin.css") }}">'
    )


app.register_blueprint(admin)


@app.get("/")
def index():
    return render_template_string(
        "<!doctype html><title>Hello</title>"
        '{{ asset_tag("css/app.css") }}{{ asset_tag("js/app.js", defer=True) }}'
        '<img src="{{ url_for("static", filename="img/logo.png") }}" alt="">'
    )
