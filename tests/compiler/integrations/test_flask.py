"""A Flask app -> Defaults: the static folders as a load path, the release, its URL, the state.

Real Flask apps and blueprints over real directories; what `flask assetbuild` then does with the
Defaults is tested through the command in tests/runtime/test_flask_cli.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Blueprint, Flask

from assetbuild.compiler.config import SourceDir, load_config
from assetbuild.compiler.integrations.flask import defaults
from assetbuild.compiler.sources import collect
from assetbuild.errors import ConfigError
from tests.conftest import write


def blueprint(root: Path, name: str, **options: object) -> Blueprint:
    """A blueprint whose module lives in ``root/<name>`` (as a package of the app would)."""
    return Blueprint(name, f"site.{name}", root_path=str(root / name), **options)


def make_app(root: Path, **options: object) -> Flask:
    return Flask("site", root_path=str(root), **options)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return write(
        tmp_path / "site",
        {
            "static/css/app.css": "a {}",
            "blog/static/css/style.css": "h1 { color: red }",
            "wiki/files/css/style.css": "h1 { color: blue }",
            "wiki/pages/static/js/page.js": "1",
        },
    )


def test_the_app_s_folder_has_no_prefix_and_each_blueprint_s_has_its_name(root: Path) -> None:
    app = make_app(root)
    app.register_blueprint(blueprint(root, "blog", static_folder="static"))
    wiki = blueprint(root, "wiki", static_folder="files", static_url_path="/assets")
    wiki.register_blueprint(blueprint(root / "wiki", "pages", static_folder="static"))
    app.register_blueprint(wiki, url_prefix="/wiki")
    found = defaults(app, manifest=str(root / "build/static/manifest.json"))
    assert found.sources == (
        SourceDir(root / "static", ""),
        SourceDir(root / "blog/static", "blog/"),
        SourceDir(root / "wiki/files", "wiki/"),
        SourceDir(root / "wiki/pages/static", "wiki.pages/"),  # the full dotted name
    )
    # The same name in two blueprints is two logical paths.
    files = collect(found.sources, []).files
    assert {"blog/css/style.css", "wiki/css/style.css", "wiki.pages/js/page.js"} <= set(files)
    assert found.output == root / "build/static"
    assert found.url == "/static/"
    assert found.state == root / "build/.static.assetbuild"
    assert found.config_dir is None  # no config file beside the app


def test_a_blueprint_registered_twice_has_each_name_as_a_prefix(root: Path) -> None:
    app = make_app(root)
    blog = blueprint(root, "blog", static_folder="static")
    app.register_blueprint(blog)
    app.register_blueprint(blog, name="news", url_prefix="/news")
    prefixes = [s.prefix for s in defaults(app, manifest="m/manifest.json").sources]
    assert prefixes == ["", "blog/", "news/"]


def test_static_folders_that_do_not_exist_are_left_out(root: Path) -> None:
    app = make_app(root, static_folder="nowhere")
    app.register_blueprint(blueprint(root, "blog", static_folder="static"))
    app.register_blueprint(blueprint(root, "admin", static_folder="static"))  # no admin/static
    app.register_blueprint(blueprint(root, "api"))  # no static folder at all
    sources = defaults(app, manifest="m/manifest.json").sources
    assert sources == (SourceDir(root / "blog/static", "blog/"),)


def test_the_url_is_the_app_s_static_url_path(root: Path) -> None:
    app = make_app(root, static_url_path="/assets/v1")
    assert defaults(app, manifest="m/manifest.json").url == "/assets/v1/"
    served_at_root = make_app(root, static_url_path="")
    assert defaults(served_at_root, manifest="m/manifest.json").url == "/"
    without = make_app(root, static_folder=None)
    assert defaults(without, manifest="m/manifest.json").url == "/static/"


def test_the_release_is_the_manifest_s_directory_relative_to_the_current_one(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(root)
    found = defaults(make_app(root), manifest="out/release/manifest.json")
    assert found.output == root / "out/release"
    assert found.state == root / "out/.release.assetbuild"


def test_the_config_file_beside_the_app_is_the_one_read(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(root, {"assetbuild.toml": '[bundles]\n"blog/all.css" = ["blog/css/*.css"]\n'})
    app = make_app(root)
    app.register_blueprint(blueprint(root, "blog", static_folder="static"))
    elsewhere = write(tmp_path / "elsewhere", {"assetbuild.toml": "compress = []\n"})
    monkeypatch.chdir(elsewhere)
    found = defaults(app, manifest=str(root / "build/static/manifest.json"))
    assert found.config_dir == root
    config = load_config(defaults=found)
    assert config.file == root / "assetbuild.toml"
    assert [bundle.name for bundle in config.bundles] == ["blog/all.css"]


def test_assetbuild_state_moves_the_bookkeeping_but_not_into_the_release(root: Path) -> None:
    app = make_app(root)
    app.config["ASSETBUILD_STATE"] = str(root / "var/assetbuild")
    assert defaults(app, manifest=str(root / "out/manifest.json")).state == root / "var/assetbuild"
    app.config["ASSETBUILD_STATE"] = str(root / "out/.state")
    with pytest.raises(ConfigError, match=r"ASSETBUILD_STATE: .* is inside the release directory"):
        defaults(app, manifest=str(root / "out/manifest.json"))


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("tools\\admin", "contains a backslash"),
        ("http:", "has a URL scheme"),
        ("tools/", "has an empty, '.' or '..' segment"),
        ("a\x1bb", "contains a control character"),
    ],
)
def test_a_blueprint_name_that_cannot_be_a_prefix_is_an_error_naming_it_and_the_fix(
    tmp_path: Path, name: str, reason: str
) -> None:
    root = write(tmp_path / "site", {"static/x.css": "", "tools/static/y.css": ""})
    app = make_app(root)
    tools = Blueprint(name, "site.tools", root_path=str(root / "tools"), static_folder="static")
    app.register_blueprint(tools)
    with pytest.raises(ConfigError) as raised:
        defaults(app, manifest="m/manifest.json")
    message = str(raised.value)
    assert message.startswith(f"blueprints: the blueprint {name!r} (static folder ")
    assert reason in message
    assert "app.register_blueprint(bp, name='...')" in message


def test_a_file_of_the_app_at_a_blueprint_s_logical_path_is_an_error(root: Path) -> None:
    write(root, {"static/blog/css/style.css": "h1 {}", "static/blog/css/other.css": ""})
    app = make_app(root)
    app.register_blueprint(blueprint(root, "blog", static_folder="static"))
    with pytest.raises(ConfigError) as raised:
        defaults(app, manifest="m/manifest.json")
    message = str(raised.value)
    assert "both hold blog/css/style.css," in message  # the one clash, not other.css
    assert "url_for('blog.static', ...) named the app's file" in message
    assert f"Move or rename {root / 'static/blog'}" in message


def test_a_directory_of_the_app_named_like_a_blueprint_with_other_files_is_fine(
    root: Path,
) -> None:
    write(root, {"static/blog/feed.xml": "<feed/>", "blog/static/.hidden/css/style.css": ""})
    app = make_app(root)
    app.register_blueprint(blueprint(root, "blog", static_folder="static"))
    assert len(defaults(app, manifest="m/manifest.json").sources) == 2
