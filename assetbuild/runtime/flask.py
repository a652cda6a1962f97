"""Flask adapter: ``AssetBuild(app)`` loads the release's manifest and adds the template globals.

Owns: reading ``ASSETBUILD_MANIFEST``, ``ASSETBUILD_URL`` and ``ASSETBUILD_RELOAD`` from the app's
config (the first two default to the environment variables of the same names, the last to
``app.debug``), failing at ``init_app`` when the manifest is unusable, and
``app.extensions["assetbuild"]``.
Must not: import Flask at run time (it only needs the app object handed to it), serve files, or
write any file.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from assetbuild.errors import ManifestError
from assetbuild.runtime._assets import Assets
from assetbuild.runtime.jinja import install

if TYPE_CHECKING:
    from flask import Flask


class AssetBuild:
    """The Flask extension; ``assets`` is the ``Assets`` of the app it was last initialised with."""

    assets: Assets | None

    def __init__(self, app: Flask | None = None) -> None:
        self.assets = None
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Load the manifest now, so a missing or invalid one stops the app from starting."""
        config = app.config
        path = config.get("ASSETBUILD_MANIFEST") or os.environ.get("ASSETBUILD_MANIFEST")
        if not path:
            raise ManifestError(
                "ASSETBUILD_MANIFEST is not set; set app.config['ASSETBUILD_MANIFEST'] or the "
                "environment variable to the manifest.json that `assetbuild build` wrote"
            )
        url = config.get("ASSETBUILD_URL") or os.environ.get("ASSETBUILD_URL") or None
        reload = bool(config.get("ASSETBUILD_RELOAD", app.debug))
        assets = Assets(path, url=url, reload=reload)
        self.assets = assets
        app.extensions["assetbuild"] = self
        install(app.jinja_env, assets)
