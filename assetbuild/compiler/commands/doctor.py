"""``assetbuild doctor``: load the Django settings or the Flask app it is pointed at, and ask the
factor-VI doctor about them.

Owns: loading the target as its framework does (Django: ``DJANGO_SETTINGS_MODULE`` and
``django.setup()``; Flask: ``flask.cli.ScriptInfo``, as ``flask --app`` finds an app), from the
current directory as ``manage.py`` and ``flask`` would; a target that cannot be loaded as a
``ConfigError`` naming it (exit status 2). The findings themselves are ``assetbuild.doctor``'s.
Must not: build, write, or end the process; nor import Django or Flask before it is asked to.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

from assetbuild.doctor import django as django_doctor
from assetbuild.doctor import flask as flask_doctor
from assetbuild.doctor.finding import Finding
from assetbuild.errors import ConfigError

# The key `flask assetbuild` marks its click context with while it loads the app
# (assetbuild.runtime.flask._settings.COMMAND_RUNNING, which the compiler may not import): with
# it, AssetBuild(app) lets a missing manifest be, as a doctor run before the first build needs.
FLASK_COMMAND_RUNNING = "assetbuild.runtime.flask.command"


@dataclass(frozen=True)
class Examined:
    """What was examined, as the report names it, and what the doctor found."""

    target: str
    findings: tuple[Finding, ...]


def examine_django(module: str) -> Examined:
    """The findings for the Django settings module ``module`` (its apps set up, as in
    ``manage.py``); a ``ConfigError`` when it cannot be loaded."""
    try:
        import django
        from django.conf import settings
    except ImportError:
        raise ConfigError(
            "Django is not installed here: install the project's requirements",
            key="--django-settings",
        ) from None
    _importable_from_here()
    os.environ["DJANGO_SETTINGS_MODULE"] = module
    try:
        django.setup()
        loaded = settings.SETTINGS_MODULE
    except Exception as exc:  # any error of the project's own code: its settings, its apps
        raise ConfigError(
            f"cannot load the Django settings {module!r}: {type(exc).__name__}: {exc}",
            key="--django-settings",
        ) from None
    if loaded != module:  # configured in this process before (settings.configure())
        raise ConfigError(
            f"Django is already configured here with {loaded!r}, not {module!r}",
            key="--django-settings",
        )
    return Examined(f"the Django settings ({module})", django_doctor.findings(settings))


def examine_flask(app_path: str) -> Examined:
    """The findings for the Flask app ``app_path`` (``module``, ``module:name`` or
    ``module:factory()``, as ``flask --app``); a ``ConfigError`` when it cannot be loaded."""
    try:
        import click
        from flask.cli import NoAppException, ScriptInfo
    except ImportError:
        raise ConfigError(
            "Flask is not installed here: install the project's requirements", key="--flask-app"
        ) from None
    context = click.get_current_context(silent=True)
    if context is not None:
        context.meta[FLASK_COMMAND_RUNNING] = True
    try:
        app = ScriptInfo(app_import_path=app_path).load_app()
    except NoAppException as exc:
        raise ConfigError(
            f"cannot load the Flask app {app_path!r}: {exc.format_message()}", key="--flask-app"
        ) from None
    except Exception as exc:  # any error of the app's own code, as it is imported or made
        raise ConfigError(
            f"cannot load the Flask app {app_path!r}: {type(exc).__name__}: {exc}",
            key="--flask-app",
        ) from None
    return Examined(f"the Flask app ({app_path})", flask_doctor.findings(app))


def _importable_from_here() -> None:
    # `manage.py` runs from the project's directory and so finds its settings there; the
    # `assetbuild` script's own directory is what Python put first on the path instead.
    here = os.getcwd()
    if here not in sys.path and "" not in sys.path:
        sys.path.insert(0, here)
