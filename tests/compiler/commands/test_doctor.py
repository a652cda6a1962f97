"""``assetbuild doctor``: the Django settings module or the Flask app it is pointed at, loaded as
its framework loads it, in a subprocess as a user runs it (``python -m assetbuild``, from the
project's directory); exit status 1 with a finding, 0 without, 2 when nothing can be loaded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assetbuild.compiler.commands.doctor import FLASK_COMMAND_RUNNING
from assetbuild.runtime.flask._settings import COMMAND_RUNNING
from tests.conftest import assetbuild, write

SETTINGS = """\
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.sessions"]
SECRET_KEY = "tests-only"
SESSION_ENGINE = "django.contrib.sessions.backends.cache"
CACHES = {{"default": {{"BACKEND": "django.core.cache.backends.{backend}"}}}}
"""
LOCMEM = "locmem.LocMemCache"
REDIS = "redis.RedisCache"


def project(tmp_path: Path, backend: str, extra: str = "") -> Path:
    return write(
        tmp_path / "project",
        {
            "site_settings/__init__.py": "",
            "site_settings/settings.py": SETTINGS.format(backend=backend) + extra,
        },
    )


def test_django_sessions_in_process_memory_fail_the_doctor(tmp_path: Path) -> None:
    done = assetbuild(
        "doctor", "--django-settings", "site_settings.settings", cwd=project(tmp_path, LOCMEM)
    )
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith(
        "warning: assetbuild.W021 SESSION_ENGINE = 'django.contrib.sessions.backends.cache': "
    )
    assert lines[2].startswith("warning: assetbuild.W030 CACHES['default']['BACKEND'] = ")
    assert done.stderr.startswith(
        "doctor: 2 findings in the Django settings (site_settings.settings)"
    )


def test_django_sessions_on_redis_pass_the_doctor_as_json(tmp_path: Path) -> None:
    done = assetbuild(
        "doctor",
        "--django-settings",
        "site_settings.settings",
        "--json",
        cwd=project(tmp_path, REDIS),
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "target": "the Django settings (site_settings.settings)",
        "fails": False,
        "findings": [],
    }


@pytest.mark.parametrize(
    ("module", "extra", "said"),
    [
        ("no_such.settings", "", "'no_such.settings': ModuleNotFoundError: No module named"),
        ("site_settings.settings", "INSTALLED_APPS += ['not_an_app']\n", "No module named"),
    ],
)
def test_django_settings_that_cannot_be_loaded_are_exit_status_2(
    tmp_path: Path, module: str, extra: str, said: str
) -> None:
    done = assetbuild("doctor", "--django-settings", module, cwd=project(tmp_path, REDIS, extra))
    assert done.returncode == 2
    assert done.stderr.startswith(
        f"error: --django-settings: cannot load the Django settings {module!r}"
    )
    assert said in done.stderr
    assert "Traceback" not in done.stderr


COMPRESSOR = """
INSTALLED_APPS += ["django.contrib.staticfiles", "compressor"]
STATIC_URL = "/static/"
STATIC_ROOT = {release!r}
"""


@pytest.mark.parametrize(
    ("offline", "manifest", "ids"),
    [
        ("", False, ["assetbuild.W010"]),
        ("COMPRESS_OFFLINE = True", False, ["assetbuild.W011"]),
        ("COMPRESS_OFFLINE = True", True, []),
    ],
)
def test_django_compressor_set_up_by_django_compresses_offline_from_its_manifest_or_fails(
    tmp_path: Path, offline: str, manifest: bool, ids: list[str]
) -> None:
    # The real app: django.setup() applies its own defaults (COMPRESS_ENABLED = not DEBUG).
    release = tmp_path / "release"
    if manifest:
        write(release, {"CACHE/manifest.json": "{}"})
    extra = COMPRESSOR.format(release=str(release)) + offline
    done = assetbuild(
        "doctor",
        "--django-settings",
        "site_settings.settings",
        "--json",
        cwd=project(tmp_path, REDIS, extra),
    )
    assert done.returncode == (1 if ids else 0), done.stderr
    assert [f["id"] for f in json.loads(done.stdout)["findings"]] == ids


FLASK_APP = """\
from cachelib import SimpleCache
from flask import Flask
from flask_session import Session

from assetbuild.runtime.flask import AssetBuild

app = Flask(__name__)
app.config.update(SESSION_TYPE="cachelib", SESSION_CACHELIB=SimpleCache())
Session(app)
AssetBuild(app)  # no release yet: the doctor runs before a build, as `flask assetbuild` does
"""


def test_a_flask_app_with_sessions_in_process_memory_fails_the_doctor(tmp_path: Path) -> None:
    root = write(tmp_path / "app", {"webapp.py": FLASK_APP})
    done = assetbuild("doctor", "--flask-app", "webapp", "--json", cwd=root)
    assert done.returncode == 1, done.stderr
    document = json.loads(done.stdout)
    assert document["target"] == "the Flask app (webapp)"
    assert [f["id"] for f in document["findings"]] == ["assetbuild.W026"]
    assert document["findings"][0]["value"] == "cachelib.simple.SimpleCache"


def test_a_flask_app_that_cannot_be_loaded_is_exit_status_2(tmp_path: Path) -> None:
    root = write(tmp_path / "app", {"webapp.py": "raise RuntimeError('no database URL')\n"})
    done = assetbuild("doctor", "--flask-app", "webapp", cwd=root)
    assert done.returncode == 2
    assert done.stderr == (
        "error: --flask-app: cannot load the Flask app 'webapp': RuntimeError: no database URL\n"
    )
    missing = assetbuild("doctor", "--flask-app", "nowhere:app", cwd=root)
    assert missing.returncode == 2
    assert "cannot load the Flask app 'nowhere:app'" in missing.stderr


@pytest.mark.parametrize("args", [[], ["--django-settings", "a.settings", "--flask-app", "app"]])
def test_the_doctor_needs_exactly_one_target(tmp_path: Path, args: list[str]) -> None:
    done = assetbuild("doctor", *args, cwd=tmp_path)
    assert done.returncode == 2
    assert "give --django-settings MODULE or --flask-app APP" in done.stderr


def test_the_doctor_marks_its_context_as_flask_assetbuild_does() -> None:
    assert FLASK_COMMAND_RUNNING == COMMAND_RUNNING
