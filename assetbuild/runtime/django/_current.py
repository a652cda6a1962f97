"""The ``Assets`` that Django's settings describe, made on first use and reused.

Owns: reading the ``ASSETBUILD_*`` settings (falling back to the environment; the manifest
defaults to ``STATIC_ROOT/manifest.json``, where ``collectstatic`` through ``ReleaseStorage``
writes it) and the one module-level instance, which is dropped whenever Django announces that one
of those settings changed (``override_settings`` in tests does), so the next use reads the new
values.
Must not: read the settings on every lookup (an absent setting costs microseconds to ask for, and
every template tag asks), cache a failure (each use of a broken manifest raises ``ManifestError``
again, naming the cause), or write any file.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed

from assetbuild.errors import ManifestError
from assetbuild.manifest import FILENAME as MANIFEST
from assetbuild.runtime._assets import Assets

_lock = threading.Lock()
_current: Assets | None = None


def get_assets() -> Assets:
    """The ``Assets`` for the current settings; ``ManifestError`` if the manifest is unusable."""
    global _current
    assets = _current
    if assets is None:
        with _lock:  # one load, even when the first requests arrive together
            assets = _current
            if assets is None:
                assets = _current = _from_settings()
    return assets


def manifest_path() -> str | None:
    """The manifest the settings name: ``ASSETBUILD_MANIFEST`` (the setting, else the environment
    variable), else ``manifest.json`` in ``STATIC_ROOT``; None if neither is set."""
    path = getattr(settings, "ASSETBUILD_MANIFEST", None) or os.environ.get("ASSETBUILD_MANIFEST")
    if path:
        return os.fspath(path)
    root = getattr(settings, "STATIC_ROOT", None)
    return os.path.join(root, MANIFEST) if root else None


def _from_settings() -> Assets:
    path = manifest_path()
    if path is None:
        raise ManifestError(
            "neither ASSETBUILD_MANIFEST nor STATIC_ROOT is set; set STATIC_ROOT (collectstatic "
            "writes the release there) or ASSETBUILD_MANIFEST to the manifest.json of a release"
        )
    url = getattr(settings, "ASSETBUILD_URL", None) or os.environ.get("ASSETBUILD_URL") or None
    reload = bool(getattr(settings, "ASSETBUILD_RELOAD", settings.DEBUG))
    return Assets(path, url=url, reload=reload)


def _forget(*, setting: str, **kwargs: Any) -> None:
    global _current
    if setting.startswith("ASSETBUILD_") or setting in ("DEBUG", "STATIC_ROOT"):
        _current = None


setting_changed.connect(_forget, dispatch_uid="assetbuild.runtime.django")
