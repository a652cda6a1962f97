"""``flask assetbuild COMMAND``: the assetbuild command line with the Flask app's static folders.

In this process through click's runner, as Flask runs a plugin command (``tests.runtime.flask_site
.run``); and a few times as users run it, ``python -m flask --app ... assetbuild ...`` in a
subprocess, where Flask finds the command by its entry point before it loads the app.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo

from assetbuild.runtime.flask.cli import command
from tests.conftest import environment, write
from tests.runtime.flask_site import build, make_app, manifest, run, write_site

REPO = Path(__file__).resolve().parents[2]

# The site as a module that `flask --app` can load: tests/runtime/flask_site.py's app.
APP_MODULE = """\
from pathlib import Path
from tests.runtime.flask_site import make_app

app = make_app(Path(__file__).resolve().parent)
"""


@pytest.fixture(autouse=True)
def no_assetbuild_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ASSETBUILD_RELOAD", "ASSETBUILD_STATE", "ASSETBUILD_OUTPUT"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """The site's sources, not built."""
    return write_site(tmp_path / "site")


def flask(root: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``python -m flask --app webapp ARGS`` in ``root``, as a user runs it."""
    write(root, {"webapp.py": APP_MODULE})
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "webapp", *args],
        cwd=root,
        env={**environment(), "PYTHONPATH": str(REPO), "PYTHONDONTWRITEBYTECODE": "1", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


# --- building ---


def test_build_makes_the_release_the_app_then_reads_from_its_static_folders(root: Path) -> None:
    done = run(root, "build")
    assert done.exit_code == 0, done.output
    assert "wiki/js/wiki.js" in done.output  # the summary's bundle table
    document = manifest(root / "build/static/manifest.json")
    assert document["url"] == "/static/"
    assert {
        "css/app.css",
        "img/bg.png",
        "js/app.js",
        "favicon.ico",
        "blog/css/style.css",
        "blog/img/badge.svg",
        "wiki/css/style.css",
        "wiki/img/badge.svg",
        "wiki/js/wiki.js",
        "wiki.pages/js/page.js",
    } == set(document["assets"])
    assert document["assets"]["wiki/js/wiki.js"]["sources"] == [
        "wiki/js/lib/markup.js",
        "wiki/js/editor.js",
    ]
    assert document["aliases"] == {"site_style": "css/app.css"}
    # The bookkeeping beside the release, where no static route reaches; none inside it.
    assert (root / "build/.static.assetbuild").is_dir()
    assert not any(p.name.startswith(".") for p in (root / "build/static").rglob("*"))
    # The app, made again as a deployed one is, starts with it.
    app = make_app(root)
    with app.test_request_context():
        from flask import url_for

        assert url_for("wiki.static", filename="js/wiki.js") == "/static/" + str(
            document["assets"]["wiki/js/wiki.js"]["path"]
        )


def test_a_stylesheet_of_a_blueprint_refers_to_the_app_s_files_through_the_release(
    root: Path,
) -> None:
    build(root)
    document = manifest(root / "build/static/manifest.json")
    wiki_css = root / "build/static" / document["assets"]["wiki/css/style.css"]["path"]
    bg = document["assets"]["img/bg.png"]["path"]  # img/bg.<hash>.png
    # /static/img/bg.png, written in the wiki's stylesheet, is the app's file: relative to where
    # the stylesheet is in the release, wiki/css/.
    assert f'url("../../{bg}")' in wiki_css.read_text("utf-8")


def test_the_manifest_the_app_reads_is_where_the_build_writes(root: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "releases" / "current" / "manifest.json"
    done = run(root, "build", ASSETBUILD_MANIFEST=str(elsewhere))
    assert done.exit_code == 0, done.output
    assert elsewhere.is_file() and not (root / "build").exists()
    assert (tmp_path / "releases" / ".current.assetbuild").is_dir()
    assert make_app(root, ASSETBUILD_MANIFEST=str(elsewhere)).extensions["assetbuild"].assets


def test_verify_clean_and_inspect_work_on_the_same_release(root: Path) -> None:
    build(root)
    verified = run(root, "verify")
    assert verified.exit_code == 0, verified.output
    assert f"assets verified in {root / 'build/static'}" in verified.output
    inspected = run(root, "inspect", "wiki/css/style.css")
    assert inspected.exit_code == 0, inspected.output
    assert str(root / "wiki/static/css/style.css") in inspected.output
    assert "img/bg.png" in inspected.output  # the reference to the app's file
    cleaned = run(root, "clean", "--keep", "1")
    assert cleaned.exit_code == 0, cleaned.output
    assert cleaned.output.startswith("removed 0 files from ")


def test_help_needs_no_app(tmp_path: Path) -> None:
    def no_app() -> None:
        raise AssertionError("the app was loaded")

    for args in (["--help"], ["build", "--help"], []):
        done = CliRunner().invoke(command, args, obj=ScriptInfo(create_app=no_app))
        assert "Usage: " in done.output, (args, done.output)
    listed = CliRunner().invoke(command, ["--help"], obj=ScriptInfo(create_app=no_app))
    assert listed.exit_code == 0
    for name in ("build", "watch", "verify", "clean", "inspect"):
        assert f"  {name} " in listed.output


# --- bad input: one line, exit status 2 (1 for a failed build), nothing written ---


def test_a_blueprint_name_that_cannot_be_a_prefix_is_exit_2_naming_it(root: Path) -> None:
    from flask import Blueprint

    def create() -> object:
        app = make_app(root, ASSETBUILD_RELOAD=True)
        tools = Blueprint(
            "admin\\tools", "site.tools", root_path=str(root / "blog"), static_folder="static"
        )
        app.register_blueprint(tools, url_prefix="/tools")
        return app

    done = CliRunner().invoke(command, ["build"], obj=ScriptInfo(create_app=create))
    assert done.exit_code == 2
    assert done.output.startswith(
        "error: blueprints: the blueprint 'admin\\\\tools' (static folder "
    )
    assert "contains a backslash" in done.output
    assert done.output.count("\n") == 1
    assert not (root / "build").exists()


def test_an_app_file_at_a_blueprint_s_logical_path_is_exit_2(root: Path) -> None:
    write(root, {"static/blog/css/style.css": "h1 {}"})
    done = run(root, "build")
    assert done.exit_code == 2
    assert done.output.startswith("error: blueprints: the app's static folder has ")
    assert "both hold blog/css/style.css" in done.output
    assert not (root / "build").exists()


def test_a_config_file_that_sets_what_the_app_says_is_exit_2(root: Path) -> None:
    (root / "assetbuild.toml").write_text('source = "static"\n', encoding="utf-8")
    done = run(root, "build")
    assert done.exit_code == 2
    assert done.output == (
        f"error: {root / 'assetbuild.toml'}: source: is set by the Flask app 'site' (its static "
        "folder, its blueprints' static folders and ASSETBUILD_MANIFEST); remove it from the "
        "file\n"
    )


def test_a_failed_build_is_exit_1_and_leaves_the_release_in_force(root: Path) -> None:
    build(root)
    before = (root / "build/static/manifest.json").read_bytes()
    (root / "blog/static/css/style.css").write_text("a { background: url(nope.png) }\n")
    done = run(root, "build")
    assert done.exit_code == 1
    assert "error: " in done.output and "nope.png" in done.output
    assert (root / "build/static/manifest.json").read_bytes() == before


def test_no_app_to_load_is_exit_2_saying_so(tmp_path: Path) -> None:
    done = CliRunner().invoke(
        command, ["build"], obj=ScriptInfo(app_import_path="nowhere_to_be_found")
    )
    assert done.exit_code == 2
    assert done.output.startswith("error: ")
    assert "nowhere_to_be_found" in done.output


# --- as users run it: `flask --app webapp assetbuild ...` ---


def test_flask_assetbuild_build_runs_before_there_is_a_manifest(root: Path) -> None:
    done = flask(root, "assetbuild", "build", "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["assets"] == 10
    assert (root / "build/static/manifest.json").is_file()
    # And the app, in production, then starts.
    routes = flask(root, "routes")
    assert routes.returncode == 0, routes.stderr
    assert "wiki.static" in routes.stdout


def test_any_other_command_of_a_production_app_without_its_manifest_fails_naming_it(
    root: Path,
) -> None:
    done = flask(root, "routes")
    assert done.returncode != 0
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("assetbuild.errors.ManifestError: ")
    assert f"{root / 'build/static/manifest.json'}: no manifest there" in last
    assert "`flask assetbuild build` writes it here" in last


def test_in_development_the_app_starts_without_its_manifest(root: Path) -> None:
    done = flask(root, "routes", ASSETBUILD_RELOAD="1")
    assert done.returncode == 0, done.stderr


def test_flask_assetbuild_exits_with_the_command_s_status(root: Path) -> None:
    write(root, {"assetbuild.toml": "compress = 3\n"})
    done = flask(root, "assetbuild", "build")
    assert done.returncode == 2
    assert done.stderr.startswith(f"error: {root / 'assetbuild.toml'}: compress: ")
    assert "Traceback" not in done.stderr
    unknown = flask(root, "assetbuild", "inspect", "css/nope.css")
    assert unknown.returncode != 0


def test_flask_lists_the_command(root: Path) -> None:
    done = flask(root, "--help")
    assert done.returncode == 0, done.stderr
    assert "assetbuild" in done.stdout


def test_the_plugin_command_is_installed() -> None:
    from importlib.metadata import entry_points

    (found,) = [ep for ep in entry_points(group="flask.commands") if ep.name == "assetbuild"]
    assert found.load() is command
    assert found.value == "assetbuild.runtime.flask.cli:command"
