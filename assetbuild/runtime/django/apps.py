"""The Django app: registers the system checks when Django is ready.

Owns: the ``AppConfig`` (label ``assetbuild``) and where its checks are registered: under the tag
``assetbuild`` (``manage.py check --tag assetbuild``), never under ``staticfiles``, because
``collectstatic`` runs that tag before it builds, and a check of the manifest must not stop the
command that writes it.
Must not: load the manifest or raise in ``ready()``: a broken manifest is a system-check error
(``manage.py check``, ``runserver``, ``migrate``), reported with a hint, not a startup traceback.
"""

from __future__ import annotations

from django.apps import AppConfig

TAG = "assetbuild"


class AssetbuildConfig(AppConfig):
    name = "assetbuild.runtime.django"
    label = "assetbuild"
    verbose_name = "assetbuild"

    def ready(self) -> None:
        from django.core import checks

        from assetbuild.runtime.django.checks import (
            check_app_order,
            check_manifest,
            check_manifest_deployed,
            check_stateless,
        )

        checks.register(check_manifest, TAG)
        checks.register(check_app_order, TAG)
        # Deploy checks run only under `check --deploy`, where a missing manifest is an error.
        checks.register(check_manifest_deployed, TAG, deploy=True)
        # The factor-VI doctor: a development setup (DEBUG, a local cache) is no deploy.
        checks.register(check_stateless, TAG, deploy=True)
