"""`assetbuild import webassets` and ``from_environment`` on real projects' files.

fixtures/webassets/real/ holds webassets files from open-source projects (each directory's
README names the project, version and license):

- ckan: the eleven webassets.yml files of CKAN 2.11.5 (core and bundled extensions), files of
  bundles only as CKAN loads them, relative to each file's directory. CKAN is AGPL-licensed, so
  its JavaScript and CSS are not copied here: the build runs against stand-in files of the same
  names, made by the test, and what it checks is that the converted bundles join exactly the files
  webassets itself joins, in its order, and that every bundle name resolves.
- flask-blueprint-tutorial: a Flask-Assets app (MIT) whose bundles are in blueprints' static
  folders; its sources are copied, and the release built from the converted config is compared
  with the CSS that webassets built and the project committed.
- hypothesis-h: h's assets.yaml (BSD-2-Clause, 2015), whose contents are pyramid_webassets asset
  specifications and paths into node_modules: the conversion lists every bundle it cannot convert.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from webassets import Environment
from webassets.bundle import get_all_bundle_files
from webassets.loaders import YAMLLoader

from assetbuild.compiler.migrate.webassets import convert_environment, convert_yaml
from tests.conftest import FIXTURES, invoke, unavailable

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

REAL = FIXTURES / "webassets/real"
CKAN_FILES = sorted(p.relative_to(REAL / "ckan") for p in (REAL / "ckan").rglob("webassets.yml"))
CKAN_CORE = [p for p in CKAN_FILES if p.parts[:3] == ("ckan", "public", "base")]


def manifest_of(project: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((project / "build/static/manifest.json").read_text("utf-8"))
    return data


def assert_every_alias_resolves(project: Path, manifest: dict[str, Any]) -> None:
    config = tomllib.loads((project / "assetbuild.toml").read_text("utf-8"))
    assert manifest["aliases"] == config["aliases"]
    for alias, target in manifest["aliases"].items():
        assert target in manifest["assets"], alias
        assert (project / "build/static" / manifest["assets"][target]["path"]).is_file()


# -- CKAN: eleven files of bundles only, converted at once --------------------------------------


@pytest.fixture
def ckan(tmp_path: Path) -> Path:
    """CKAN's webassets.yml files, and a stand-in for every file they name (CKAN is AGPL: its
    sources stay out of this repository; the names and the order are what is converted)."""
    target = tmp_path / "ckan"
    shutil.copytree(REAL / "ckan", target)
    for yml in CKAN_FILES:
        for name, bundle in yaml.safe_load((target / yml).read_text("utf-8")).items():
            contents = bundle.get("contents", [])
            for item in [contents] if isinstance(contents, str) else contents:
                path = target / yml.parent / item
                path.parent.mkdir(parents=True, exist_ok=True)
                stand_in = f"{yml.parent}/{item} in {name}"
                path.write_text(
                    f"/* {stand_in} */\n.x{{content:'{stand_in}'}}\n"
                    if item.endswith(".css")
                    else f"window.loaded = (window.loaded || []).concat('{stand_in}');\n",
                    encoding="utf-8",
                )
    return target


def webassets_files(root: Path, yml: Path) -> dict[str, list[str]]:
    """What webassets joins for each bundle of a CKAN file, as CKAN registers it: every content
    relative to the file's directory (ckan.lib.webassets_tools.create_library)."""
    env = Environment(directory=str(root / yml.parent), url="/")
    joined = {}
    for name, bundle in YAMLLoader(str(root / yml)).load_bundles().items():
        env.register(name, bundle)
        files = get_all_bundle_files(bundle, env)
        joined[name] = [Path(f).relative_to(root).as_posix() for f in files]
    return joined


def test_ckan_files_of_bundles_only_convert_at_once_and_build(ckan: Path) -> None:
    converted = invoke(ckan, "import", "webassets", *map(str, CKAN_FILES))
    assert converted.exit_code == 0, converted.output
    built = invoke(ckan, "build")
    assert built.exit_code == 0, built.output
    manifest = manifest_of(ckan)
    config = tomllib.loads((ckan / "assetbuild.toml").read_text("utf-8"))

    # Each file's directory is a source of its own, under its path in the project, so the same
    # name in two extensions (main.css) never shadows the other.
    assert {entry["path"] for entry in config["source"]} == {str(p.parent) for p in CKAN_FILES}
    assert all(entry["prefix"] == entry["path"] + "/" for entry in config["source"])

    # Every bundle joins the files webassets joins, in its order; and every name is an alias.
    for yml in CKAN_FILES:
        for name, files in webassets_files(ckan, yml).items():
            alias = name if name in manifest["aliases"] else f"{yml.parent}/{name}"
            target = manifest["aliases"][alias]
            assert manifest["assets"][target]["sources"] == files, (yml, name)
    assert_every_alias_resolves(ckan, manifest)
    assert len(manifest["aliases"]) == sum(len(webassets_files(ckan, y)) for y in CKAN_FILES)

    # The version placeholder goes with its separator: vendor/%(version)s_jquery.js.
    assert manifest["aliases"]["jquery"] == "vendor/jquery.js"
    assert manifest["aliases"]["ckan"] == "base/ckan.js"
    # The webassets files themselves are not published.
    assert not [name for name in manifest["assets"] if name.endswith(".yml")]


def test_a_bundle_name_that_several_files_use_gets_an_alias_qualified_by_each_file(
    ckan: Path,
) -> None:
    result = invoke(ckan, "import", "webassets", *map(str, CKAN_CORE), "-o", "-")
    assert result.exit_code == 0, result.output
    config = tomllib.loads(result.stdout)
    # CKAN's core keeps one webassets.yml per directory: the directory qualifies the name.
    assert [entry["prefix"] for entry in config["source"]] == ["css/", "javascript/", "vendor/"]
    assert config["aliases"]["css/main"] == "base/main.css"
    assert config["aliases"]["javascript/main"] == "base/main.js"
    assert "main" not in config["aliases"]  # never one of them silently winning
    assert (
        "the bundle name 'main' is used in ckan/public/base/css/webassets.yml, "
        "ckan/public/base/javascript/webassets.yml: each gets an alias qualified by its file "
        "(css/main, javascript/main)"
    ) in result.stderr
    assert config["bundles"]["vendor/select2.css"]["inputs"] == ["vendor/select2/select2.css"]
    # CKAN's extra: {preload: [...]} is data for its templates, not a tag attribute.
    assert "preload=" not in result.stdout.replace("'extra' preload=", "")
    assert "'extra' preload=['vendor/select2-css', 'vendor/jquery'] has no counterpart" in (
        result.stdout
    )


# -- A Flask-Assets app with blueprints ---------------------------------------------------------

BLUEPRINT_TUTORIAL = REAL / "flask-blueprint-tutorial"


NODE_TOOLS = FIXTURES.parent / "scripts/node-tools/node_modules/.bin"


def lessc_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """The project's pinned lessc (`make node-tools`) first on PATH, where webassets' less filter
    looks for it when no LESS_BIN is set, as the app's config sets none."""
    if not (NODE_TOOLS / "lessc").exists():
        unavailable("lessc is not installed; `make node-tools` (scripts/node-tools.sh) installs it")
    monkeypatch.setenv("PATH", f"{NODE_TOOLS}{os.pathsep}{os.environ.get('PATH', '')}")


@pytest.fixture
def blueprint_tutorial(tmp_path: Path) -> Iterator[Path]:
    """A copy of the app. Importing flask_assets replaces webassets' jinja2 filter with its own
    (which needs an app context) for the whole process: webassets' registry is put back after."""
    from webassets import filter as webassets_filters

    registered = dict(webassets_filters._FILTERS)
    target = tmp_path / "app"
    shutil.copytree(BLUEPRINT_TUTORIAL, target)
    yield target
    webassets_filters._FILTERS.clear()
    webassets_filters._FILTERS.update(registered)


def blueprint_tutorial_assets(root: Path) -> tuple[Any, Any]:
    """The app of flask_blueprint_tutorial/__init__.py, made the way its create_app makes it
    (the blueprints' other modules need packages this project does not install), with the
    project's own assets.py registering its bundles."""
    from flask import Blueprint, Flask
    from flask_assets import Environment as FlaskEnvironment

    package = root / "flask_blueprint_tutorial"
    app = Flask("flask_blueprint_tutorial", root_path=str(package))
    app.config["ENVIRONMENT"] = "production"  # assets.py builds with webassets in development
    for name, folder in (("profile", "profile"), ("home", "home"), ("product", "product")):
        blueprint = Blueprint(
            f"{name}_blueprint",
            f"flask_blueprint_tutorial.{folder}",
            root_path=str(package / folder),
            static_folder="static",
            template_folder="templates",
        )
        app.register_blueprint(blueprint)
    assets = FlaskEnvironment()
    assets.init_app(app)
    spec = importlib.util.spec_from_file_location(
        "blueprint_tutorial_assets", package / "assets.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with app.app_context():
        module.compile_static_assets(assets)
    return app, assets


def test_a_flask_assets_app_converts_with_its_blueprint_paths(blueprint_tutorial: Path) -> None:
    app, assets = blueprint_tutorial_assets(blueprint_tutorial)
    with app.app_context():
        conversion = convert_environment(assets, config_dir=blueprint_tutorial)
    config = tomllib.loads(conversion.toml)
    # Flask-Assets names a blueprint's file "<blueprint>/<path>": the blueprint's static folder
    # is a source under that prefix, before the app's, as Flask-Assets looks them up.
    assert config["source"] == [
        {"path": "flask_blueprint_tutorial/profile/static", "prefix": "profile_blueprint/"},
        {"path": "flask_blueprint_tutorial/home/static", "prefix": "home_blueprint/"},
        {"path": "flask_blueprint_tutorial/product/static", "prefix": "product_blueprint/"},
        "flask_blueprint_tutorial/static",
    ]
    assert config["bundles"]["dist/css/home.css"] == {
        "inputs": ["home_blueprint/less/home.less"],
        "filters": ["less", "cssmin"],
    }
    assert config["aliases"] == {
        "common_style_bundle": "dist/css/style.css",
        "home_style_bundle": "dist/css/home.css",
        "profile_style_bundle": "dist/css/profile.css",
        "product_style_bundle": "dist/css/product.css",
    }
    # extra={"rel": "stylesheet/less"} is not suggested as an attribute asset_tag would refuse.
    assert "asset_tag(" not in conversion.toml
    assert "'extra' rel='stylesheet/less' dropped" in conversion.toml
    # The outputs webassets wrote into the static folder, and the LESS sources, stay unpublished.
    assert config["exclude"] == [
        "dist/css/style.css",
        "dist/css/home.css",
        "dist/css/profile.css",
        "dist/css/product.css",
        "**/*.less",
    ]


def test_the_converted_flask_app_builds_the_css_webassets_built(
    blueprint_tutorial: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lessc_on_path(monkeypatch)
    app, assets = blueprint_tutorial_assets(blueprint_tutorial)
    with app.app_context():
        conversion = convert_environment(assets, config_dir=blueprint_tutorial)
    (blueprint_tutorial / "assetbuild.toml").write_text(conversion.toml, encoding="utf-8")
    built = invoke(blueprint_tutorial, "build")
    assert built.exit_code == 0, built.output
    manifest = manifest_of(blueprint_tutorial)
    assert_every_alias_resolves(blueprint_tutorial, manifest)
    static = BLUEPRINT_TUTORIAL / "flask_blueprint_tutorial/static"
    for alias, name in manifest["aliases"].items():
        release = blueprint_tutorial / "build/static" / manifest["assets"][name]["path"]
        # The project committed what webassets built (dist/css/*.css): the same bytes.
        assert release.read_bytes() == (static / name).read_bytes(), alias
    assert "profile_blueprint/img/avatar.png" in manifest["assets"]


def test_converted_for_flask_assetbuild_the_app_gives_the_sources_and_it_builds_the_same(
    blueprint_tutorial: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assetbuild.compiler.assembly import build
    from assetbuild.compiler.config import load_config
    from assetbuild.compiler.integrations import flask as integration

    lessc_on_path(monkeypatch)
    app, assets = blueprint_tutorial_assets(blueprint_tutorial)
    with app.app_context():
        conversion = convert_environment(assets, config_dir=blueprint_tutorial, flask=True)
    document = tomllib.loads(conversion.toml)
    assert not {"source", "output", "url"} & set(document)
    assert "# source = [" in conversion.toml and "flask assetbuild build" in conversion.toml
    release = blueprint_tutorial / "release"
    defaults = integration.defaults(app, manifest=str(release / "manifest.json"))
    directory = defaults.config_dir or blueprint_tutorial
    (directory / "assetbuild.toml").write_text(conversion.toml, encoding="utf-8")
    result = build(load_config(cwd=blueprint_tutorial, environ={}, defaults=defaults), jobs=1)
    outputs = {output.logical_path: output.release_path for output in result.outputs}
    static = BLUEPRINT_TUTORIAL / "flask_blueprint_tutorial/static"
    for name in document["aliases"].values():
        # The same bytes webassets built and the project committed.
        assert (release / outputs[name]).read_bytes() == (static / name).read_bytes(), name


# -- h (2015): pyramid_webassets specifications, listed, nothing written -----------------------


def test_what_a_real_file_cannot_convert_is_listed_bundle_by_bundle(tmp_path: Path) -> None:
    project = tmp_path / "h"
    shutil.copytree(REAL / "hypothesis-h", project)
    result = invoke(project, "import", "webassets", "h/assets.yaml")
    assert result.exit_code == 2
    errors = result.stderr.splitlines()
    assert errors[-1] == "25 things could not be converted exactly; nothing was written"
    assert (
        "error: h/assets.yaml: angular_bootstrap.contents[0]: 'h:static/scripts/vendor/"
        "angular-bootstrap.js' is a package:path asset specification (pyramid_webassets)"
    ) in result.stderr
    assert (
        "error: h/assets.yaml: jquery.contents[0]: '../../node_modules/jquery/dist/jquery.js' "
        "has an empty, '.' or '..' segment; inputs must stay inside the static directory"
    ) in errors
    assert all(line.startswith("error: h/assets.yaml: ") for line in errors[:-1])
    assert not (project / "assetbuild.toml").exists()
    # Read as webassets reads it: the same file converts once its paths are plain ones.
    text = (project / "h/assets.yaml").read_text("utf-8").replace("h:static/", "static/")
    text = text.replace("../../node_modules/", "node_modules/")
    (project / "h/assets.yaml").write_text(text, encoding="utf-8")
    conversion = convert_yaml(project / "h/assets.yaml", config_dir=project)
    remaining = [str(problem) for problem in conversion.unconvertible]
    # What is left: h's own browserify filter (not webassets'), and compass (a Ruby compiler
    # of SCSS files) nested among plain CSS files it cannot be trusted to leave alone.
    assert len(remaining) == 7, remaining
    assert sum("'browserify' is not a filter webassets knows" in r for r in remaining) == 4
    assert sum("compass would also run on 'static/styles/vendor/" in r for r in remaining) == 3
