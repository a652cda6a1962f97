"""What importing the runtime loads, checked in a fresh interpreter (after click's test_imports.py).

The runtime is the manifest reader: it must never load the build side (assetbuild.compiler,
webassets, rcssmin, rjsmin, click, brotli), and ``import assetbuild.runtime`` alone must not load
jinja2 or a framework, so that an app pays for what it uses.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import markupsafe
import pytest

from tests.runtime import GOLDEN

BUILD_SIDE = (
    "assetbuild.compiler",
    "webassets",
    "rcssmin",
    "_rcssmin",
    "rjsmin",
    "_rjsmin",
    "click",
    "brotli",
    "_brotli",
)

DJANGO_SETUP = f"""
import django
from django.conf import settings
settings.configure(
    INSTALLED_APPS=["assetbuild.runtime.django"],
    ASSETBUILD_MANIFEST={str(GOLDEN)!r},
    TEMPLATES=[{{"BACKEND": "django.template.backends.django.DjangoTemplates"}}],
)
django.setup()
"""


def modules_loaded_by(
    code: str, *, after: str = "", python: tuple[str, ...] = (sys.executable,)
) -> set[str]:
    """The modules that running ``code`` adds to sys.modules, in a new interpreter that has
    already run ``after`` (what the app loads anyway, such as Flask)."""
    script = (
        textwrap.dedent(after)
        + "\nimport json, sys\n_before = set(sys.modules)\n"
        + textwrap.dedent(code)
        + "\nprint(json.dumps(sorted(set(sys.modules) - _before)))\n"
    )
    done = subprocess.run([*python, "-c", script], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.splitlines()[-1]))


def loaded(modules: set[str], packages: tuple[str, ...]) -> set[str]:
    return {m for m in modules if any(m == p or m.startswith(p + ".") for p in packages)}


def test_the_check_sees_a_build_side_import() -> None:
    assert "click" in loaded(modules_loaded_by("import click"), BUILD_SIDE)


def test_import_assetbuild_runtime_loads_no_build_side_and_no_template_engine() -> None:
    modules = modules_loaded_by("import assetbuild.runtime")
    assert loaded(modules, BUILD_SIDE) == set()
    assert loaded(modules, ("jinja2", "flask", "django")) == set()


# What made `import assetbuild.runtime` cost 30 ms in a fresh interpreter (issue 18): dataclasses
# (with inspect, ast, dis and tokenize), pathlib, urllib.parse (with ipaddress). The runtime needs
# none of them to read a manifest; what it takes from urllib.parse and difflib is imported where
# it is needed, a URL to percent-encode or a name to suggest.
SLOW_TO_IMPORT = (
    "dataclasses",
    "inspect",
    "ast",
    "dis",
    "pathlib",
    "urllib",
    "ipaddress",
    "difflib",
)


def modules_loaded_without_site_by(code: str) -> set[str]:
    """What ``code`` adds to sys.modules in an interpreter started with ``-S``: without site, so
    that nothing a .pth file of site-packages imports (an editable install's finder imports
    pathlib and urllib.parse) is counted as loaded before. The repository and markupsafe are
    put on sys.path by hand."""
    paths = [str(Path(__file__).resolve().parents[2]), str(Path(markupsafe.__file__).parents[1])]
    script = f"import sys\nsys.path[:0] = {paths!r}\n" + textwrap.dedent(code)
    return modules_loaded_by(script, python=(sys.executable, "-S"))


def test_import_assetbuild_runtime_loads_none_of_the_slow_standard_modules() -> None:
    modules = modules_loaded_without_site_by("import assetbuild.runtime")
    assert "assetbuild.runtime" in modules
    assert loaded(modules, SLOW_TO_IMPORT) == set()


def test_the_slow_module_check_sees_a_runtime_that_loads_dataclasses() -> None:
    assert loaded({"dataclasses", "assetbuild"}, SLOW_TO_IMPORT) == {"dataclasses"}


def test_an_asset_needing_percent_encoding_and_a_missing_name_load_what_they_need() -> None:
    # The imports put off are made, and work, when the rare case comes.
    modules = modules_loaded_without_site_by(
        f"""
        from assetbuild.runtime import Assets, MissingAssetError
        assets = Assets({str(GOLDEN)!r})
        assert assets.url("img/hero banner.jpg").endswith("hero%20banner.233d5d979a2f.jpg")
        try:
            assets.url("js/ap.js")
        except MissingAssetError as error:
            assert "js/app.js" in str(error)
        """
    )
    assert {"urllib.parse", "difflib"} <= modules


@pytest.mark.parametrize(
    "module", ["assetbuild.runtime.jinja", "assetbuild.runtime.flask", "assetbuild.runtime.django"]
)
def test_an_adapter_loads_no_build_side(module: str) -> None:
    assert loaded(modules_loaded_by(f"import {module}"), BUILD_SIDE) == set()


def test_the_flask_adapter_in_use_adds_no_build_side_to_what_flask_loads() -> None:
    # Flask itself imports click (for its command line); the adapter must add nothing of its own.
    modules = modules_loaded_by(
        f"""
        from assetbuild.runtime.flask import AssetBuild
        app = flask.Flask("site")
        app.config["ASSETBUILD_MANIFEST"] = {str(GOLDEN)!r}
        AssetBuild(app)
        with app.app_context():
            flask.render_template_string('{{{{ asset_tag("css/app.css") }}}}')
        """,
        after="import flask",
    )
    assert "assetbuild.runtime.flask" in modules
    assert loaded(modules, BUILD_SIDE) == set()


def test_the_django_app_its_tags_check_and_jinja2_environment_load_no_build_side() -> None:
    modules = modules_loaded_by(
        DJANGO_SETUP
        + """
import assetbuild.runtime.django.templatetags.assetbuild
import assetbuild.runtime.django.jinja2
from django.core.checks import run_checks
from django.template import Context, Template
assert not run_checks()
Template('{% load assetbuild %}{% asset_tag "css/app.css" %}').render(Context())
"""
    )
    assert "assetbuild.runtime.django.templatetags.assetbuild" in modules
    assert loaded(modules, BUILD_SIDE) == set()


STORAGE_SETUP = f"""
import django
from django.conf import settings
settings.configure(
    INSTALLED_APPS=["assetbuild.runtime.django", "django.contrib.staticfiles"],
    STATIC_ROOT={str(GOLDEN.parent)!r},
    STATIC_URL="/static/",
    STORAGES={{
        "default": {{"BACKEND": "django.core.files.storage.FileSystemStorage"}},
        "staticfiles": {{"BACKEND": "assetbuild.runtime.django.storage.ReleaseStorage"}},
    }},
    TEMPLATES=[{{"BACKEND": "django.template.backends.django.DjangoTemplates"}}],
)
django.setup()
"""


def test_the_storage_and_the_commands_load_no_build_side_until_they_build() -> None:
    modules = modules_loaded_by(
        """
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.checks import run_checks
from django.core.management import load_command_class
from django.template import Context, Template
from django.templatetags.static import static
assert static("css/app.css") == "/static/css/app.7d9d3ab0140e.css"
assert staticfiles_storage.url("js/app.js") == "/static/js/app.dcf5f8243b2f.js"
assert Template("{% load static %}{% static 'js/app.js' %}").render(Context()).endswith(".js")
assert not run_checks()
load_command_class("assetbuild.runtime.django", "assetbuild")
load_command_class("assetbuild.runtime.django", "runserver")
""",
        after=STORAGE_SETUP,
    )
    assert "assetbuild.runtime.django.storage" in modules
    assert "assetbuild.runtime.django.management.commands.assetbuild" in modules
    assert "assetbuild.runtime.django.management.commands.runserver" in modules
    assert loaded(modules, BUILD_SIDE) == set()


def test_the_check_sees_the_storage_load_the_build_side_when_it_builds() -> None:
    # post_process is the one place the storage imports the compiler; so the test above can fail.
    modules = modules_loaded_by(
        """
from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
settings.STATIC_ROOT = None  # so the build stops at its first step, having written nothing
[(_, _, failure)] = staticfiles_storage.post_process({})
assert "STATIC_ROOT: is not set" in str(failure), failure
""",
        after=STORAGE_SETUP,
    )
    assert "assetbuild.compiler.integrations.django" in loaded(modules, BUILD_SIDE)


def test_the_flask_command_loads_no_build_side_until_it_runs() -> None:
    # Flask imports every plugin command's module for every `flask` command it runs.
    modules = modules_loaded_by("import assetbuild.runtime.flask.cli", after="import flask")
    assert "assetbuild.runtime.flask.cli" in modules
    assert loaded(modules, BUILD_SIDE) == set()
    # The command is made when Flask's entry point asks for it: still no build side.
    made = modules_loaded_by(
        "from assetbuild.runtime.flask.cli import command; assert command.name == 'assetbuild'",
        after="import flask",
    )
    assert loaded(made, BUILD_SIDE) == set()


def test_importing_the_flask_command_module_loads_no_click() -> None:
    modules = modules_loaded_by("import assetbuild.runtime.flask.cli")
    assert "click" not in modules and "flask" not in modules


def test_the_flask_static_routes_and_url_for_of_blueprints_load_no_build_side(
    tmp_path: Path,
) -> None:
    from tests.runtime.flask_site import build, write_site

    root = write_site(tmp_path / "site")
    build(root)
    modules = modules_loaded_by(
        f"""
        from assetbuild.runtime.flask import AssetBuild
        app = flask.Flask("site", root_path={str(root)!r})
        AssetBuild(app)
        app.register_blueprint(
            flask.Blueprint("blog", "site.blog", root_path={str(root / "blog")!r},
                            static_folder="static"),
            url_prefix="/blog",
        )
        app.add_url_rule(
            "/", "index", lambda: flask.url_for("blog.static", filename="css/style.css")
        )
        # werkzeug's client: Flask's test client (and test_request_context) import click.testing
        from werkzeug.test import Client
        url = Client(app).get("/").get_data(as_text=True)
        assert url.startswith("/static/blog/css/style."), url
        response = Client(app).get(url, headers={{"Accept-Encoding": "br"}})
        assert response.status_code == 200, response.status
        response.close()
        """,
        after="import flask",
    )
    assert "assetbuild.runtime.flask._serving" in modules
    assert loaded(modules, BUILD_SIDE) == set()
