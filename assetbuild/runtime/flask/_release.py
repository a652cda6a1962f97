"""The release one Flask app reads: its manifest's path, its directory, and its ``Assets``.

Owns: making the ``Assets`` once, when ``init_app`` asks (so that a broken deploy does not start)
or, when ``init_app`` let a missing or invalid manifest be (development, or a running
``flask assetbuild`` command), at the first lookup, and again at each lookup until it can be made;
a ``ManifestError`` that says which command makes the manifest.
Must not: import Flask, or write any file.
"""

from __future__ import annotations

import os
import threading

from assetbuild.errors import ManifestError
from assetbuild.runtime._assets import Assets


class AppRelease:
    """The release at ``path`` (a manifest.json), read with ``url`` and ``reload`` as ``Assets``
    takes them."""

    __slots__ = ("_assets", "_lock", "_reload", "_url", "directory", "path")

    def __init__(self, path: str, *, url: str | None, reload: bool) -> None:
        self.path = path
        # The release's files sit beside the manifest; the static routes serve them from here.
        self.directory = os.path.dirname(os.path.abspath(path))
        self._url = url
        self._reload = reload
        self._assets: Assets | None = None
        self._lock = threading.Lock()

    @property
    def reload(self) -> bool:
        return self._reload

    @property
    def loaded(self) -> Assets | None:
        """The ``Assets``, if they have been made; None if not yet."""
        return self._assets

    def load(self) -> Assets:
        """The ``Assets``, made now if they were not yet; a ``ManifestError`` if they cannot be
        (nothing is kept of a failure: the next call tries again)."""
        assets = self._assets
        if assets is None:
            with self._lock:  # one read, even when the first requests arrive together
                assets = self._assets
                if assets is None:
                    try:
                        assets = Assets(self.path, url=self._url, reload=self._reload)
                    except ManifestError as exc:
                        raise ManifestError(
                            f"{exc} (in a Flask app, `flask assetbuild build` writes it here)"
                        ) from None
                    self._assets = assets
        return assets
