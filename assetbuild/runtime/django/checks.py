"""The system check: the manifest that the settings name must load.

Owns: error ``assetbuild.E001`` (manifest missing, unreadable or invalid, or not configured).
Must not: raise; it reports.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.core.checks import CheckMessage, Error

from assetbuild.errors import ManifestError
from assetbuild.runtime.django._current import get_assets


def check_manifest(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    try:
        get_assets()
    except ManifestError as exc:
        return [
            Error(
                str(exc),
                hint=(
                    "Run `assetbuild build` to write the release, and point the "
                    "ASSETBUILD_MANIFEST setting at its manifest.json."
                ),
                id="assetbuild.E001",
            )
        ]
    return []
