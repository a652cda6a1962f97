"""Flask adapter: ``AssetBuild(app)``, the release the way Flask apps use static files::

    app = Flask(__name__)        # static_folder as usual; blueprints keep theirs
    AssetBuild(app)
    url_for("static", filename="css/app.css")        # /static/css/app.3f2a9c1b7e0d.css
    url_for("wiki.static", filename="js/editor.js")  # logical path wiki/js/editor.js

Owns: ``init_app``, the composition root of the adapter: the app's settings (``_settings``), its
release (``_release``: the manifest loaded now, so that a missing or invalid one stops the app
from starting, except in development (``ASSETBUILD_RELOAD``) and while ``flask assetbuild`` runs,
where the first lookup reports it instead), ``url_for`` of the static endpoints (``_urls``), the
static routes serving the release (``_serving``), the ``flask assetbuild`` command (``cli``), the
template globals ``asset_url``, ``asset_integrity``, ``asset_tag``, ``asset_preload`` and
``asset_importmap``, and ``app.extensions["assetbuild"]``.
Must not: import Flask or click when imported (``init_app`` imports the modules that import
Flask once it has an app, and the command's click only when Flask's command line asks for it),
import the build side (only the command does, when it runs), or write any file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from assetbuild.errors import ManifestError
from assetbuild.runtime._assets import Assets
from assetbuild.runtime.flask import _settings
from assetbuild.runtime.flask._release import AppRelease
from assetbuild.runtime.jinja import install

if TYPE_CHECKING:
    from flask import Flask

__all__ = ["AssetBuild"]


class AssetBuild:
    """The Flask extension: ``AssetBuild(app)``, or ``ext = AssetBuild()`` and later
    ``ext.init_app(app)`` in an app factory."""

    def __init__(self, app: Flask | None = None) -> None:
        self._release: AppRelease | None = None
        if app is not None:
            self.init_app(app)

    @property
    def assets(self) -> Assets | None:
        """The ``Assets`` of the app this extension was last initialised with (None before
        ``init_app``). If loading was put off, they are loaded now: ``ManifestError`` if the
        manifest is still missing or invalid."""
        return None if self._release is None else self._release.load()

    def init_app(self, app: Flask) -> None:
        """Read the settings, load the manifest, and make the app's static files the release's.

        Raises ``ManifestError`` if the manifest is missing or invalid, unless the app is in
        development (``ASSETBUILD_RELOAD``, default ``app.debug``) or loading for a
        ``flask assetbuild`` command: then the first lookup raises it instead, and each lookup
        tries again. ``ConfigError`` for an ``ASSETBUILD_RELOAD`` that is neither true nor false.
        """
        reload = _settings.reload(app)
        release = AppRelease(_settings.manifest_path(app), url=_settings.url(app), reload=reload)
        try:
            release.load()
        except ManifestError:
            if not (reload or _settings.command_running()):
                raise
        self._release = release
        app.extensions["assetbuild"] = self

        # These import Flask: the app exists, so Flask is loaded already. (`flask assetbuild`
        # is Flask's plugin command, found through the entry point: nothing to add to app.cli,
        # so starting an app makes no command and imports no click of its own.)
        from assetbuild.runtime.flask import _serving, _urls

        _urls.install(app, release)
        _serving.install(app, release)
        loaded = release.loaded
        # The Assets themselves when loaded (bound methods: a template's lookup costs what
        # Assets' does); otherwise a function that loads them at the first lookup.
        install(app.jinja_env, loaded if loaded is not None else release.load)
