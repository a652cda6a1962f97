"""The system checks: the manifest the settings name, and the app's place in ``INSTALLED_APPS``.

Owns: ``assetbuild.W001`` (no manifest there yet: a warning, so ``migrate``, ``test`` and the
rest run before the first build), ``assetbuild.E001`` (the manifest cannot be used: unreadable,
invalid, of another version, or no manifest configured at all; and, under ``check --deploy``, no
manifest there: a deploy needs its release), and ``assetbuild.W002`` (``ReleaseStorage`` is in
use but ``django.contrib.staticfiles`` comes first in ``INSTALLED_APPS``, so ``runserver`` would
serve the sources instead of the release). And, under ``check --deploy``, the factor-VI
doctor's findings (``assetbuild.W010`` to ``W041``, ``I050``: assetbuild.doctor computes them
from the settings; ``check_stateless`` only turns them into check messages).
Must not: raise; it reports. Nor write, or build: ``collectstatic`` is what makes the manifest,
so these checks are not tagged ``staticfiles`` (the tag ``collectstatic`` runs before building).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig, apps
from django.conf import settings
from django.core.checks import CheckMessage, Error, Info, Warning

from assetbuild.doctor import django as doctor
from assetbuild.errors import ManifestError
from assetbuild.runtime.django._current import get_assets, manifest_path

STORAGE = "assetbuild.runtime.django.storage.ReleaseStorage"
APP = "assetbuild.runtime.django"  # the app's name (its label is "assetbuild")
STATICFILES = "django.contrib.staticfiles"

_BUILD_HINT = (
    "Run `python manage.py collectstatic --noinput` (with the staticfiles storage "
    f"{STORAGE}) or `assetbuild build` to write the release; ASSETBUILD_MANIFEST, if set, "
    "must name its manifest.json."
)


def check_manifest(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """W001 when there is no manifest yet, E001 when there is one that cannot be used."""
    missing = _missing()
    if missing is not None:
        return [
            Warning(
                f"{missing} (fine until the first build: pages that name an asset fail until then)",
                hint=_BUILD_HINT,
                id="assetbuild.W001",
            )
        ]
    return _unusable()


def check_manifest_deployed(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """Under ``check --deploy``: E001 when there is no manifest (a deploy needs its release)."""
    missing = _missing()
    if missing is None:
        return []  # check_manifest has reported a manifest that exists but cannot be used
    return [
        Error(
            f"{missing}; a deployed app needs its release",
            hint=_BUILD_HINT + " In a Docker image, run collectstatic in the build stage.",
            id="assetbuild.E001",
        )
    ]


def check_app_order(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """W002 when ``runserver`` would be staticfiles' own, which serves the sources."""
    installed = [config.name for config in apps.get_app_configs()]  # INSTALLED_APPS' order
    if STATICFILES not in installed or not _uses_release_storage():
        return []
    if installed.index(APP) < installed.index(STATICFILES):
        return []
    return [
        Warning(
            f"{STATICFILES!r} comes before {APP!r} in INSTALLED_APPS, so `manage.py runserver` "
            "is staticfiles' own: it serves the sources by their logical names, not the release "
            "the storage's URLs point into",
            hint=f"Move {APP!r} above {STATICFILES!r} in INSTALLED_APPS.",
            id="assetbuild.W002",
        )
    ]


def check_stateless(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """Under ``check --deploy``: what keeps the processes from being stateless (factor VI)."""
    return [
        (Info if finding.level == "info" else Warning)(
            f"{finding.setting} = {finding.value}: {finding.message}",
            hint=finding.hint,
            id=finding.id,
        )
        for finding in doctor.findings(settings)
    ]


def _missing() -> str | None:
    """Why there is no manifest to read (it is not there), or None if that is not the problem."""
    path = manifest_path()
    if path is None or os.path.lexists(path):
        return None
    return f"{os.path.abspath(path)}: no manifest there yet"


def _unusable() -> list[CheckMessage]:
    try:
        get_assets()
    except ManifestError as exc:
        return [Error(str(exc), hint=_BUILD_HINT, id="assetbuild.E001")]
    return []


def _uses_release_storage() -> bool:
    # Here, not at the top: only a project with staticfiles installed needs the storage loaded.
    from assetbuild.runtime.django.storage import in_use

    return in_use()
