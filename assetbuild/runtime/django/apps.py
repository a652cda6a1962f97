"""The Django app: registers the manifest system check when Django is ready.

Owns: the ``AppConfig`` (label ``assetbuild``).
Must not: load the manifest or raise in ``ready()``: a broken manifest is a system-check error
(``manage.py check``, ``runserver``, ``migrate``), reported with a hint, not a startup traceback.
"""

from __future__ import annotations

from django.apps import AppConfig


class AssetbuildConfig(AppConfig):
    name = "assetbuild.runtime.django"
    label = "assetbuild"
    verbose_name = "assetbuild"

    def ready(self) -> None:
        from django.core import checks

        from assetbuild.runtime.django.checks import check_manifest

        # Tagged staticfiles, so `manage.py check --tag staticfiles` runs it too.
        checks.register(check_manifest, checks.Tags.staticfiles)
