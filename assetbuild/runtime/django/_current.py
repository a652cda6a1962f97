"""The ``Assets`` that Django's settings describe, made on first use and reused.

Owns: reading the ``ASSETBUILD_*`` settings (falling back to the environment) and the one
module-level instance, which is dropped whenever Django announces that one of those settings
changed (``override_settings`` in tests does), so the next use reads the new values.
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


def _from_settings() -> Assets:
    path = getattr(settings, "ASSETBUILD_MANIFEST", None) or os.environ.get("ASSETBUILD_MANIFEST")
    if not path:
        raise ManifestError(
            "ASSETBUILD_MANIFEST is not set; set it in the Django settings (or the environment) "
            "to the manifest.json that `assetbuild build` wrote"
        )
    url = getattr(settings, "ASSETBUILD_URL", None) or os.environ.get("ASSETBUILD_URL") or None
    reload = bool(getattr(settings, "ASSETBUILD_RELOAD", settings.DEBUG))
    return Assets(path, url=url, reload=reload)


def _forget(*, setting: str, **kwargs: Any) -> None:
    global _current
    if setting.startswith("ASSETBUILD_") or setting == "DEBUG":
        _current = None


setting_changed.connect(_forget, dispatch_uid="assetbuild.runtime.django")
