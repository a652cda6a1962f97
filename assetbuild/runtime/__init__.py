"""The runtime: what a running app imports to turn logical paths into release URLs and tags.

Owns: the public names ``Assets``, ``MissingAssetError`` and ``ManifestError``. The adapters sit
beside it: ``assetbuild.runtime.jinja``, ``.flask`` and ``.django``.
Must not: import the build side (``assetbuild.compiler``, webassets, rcssmin, rjsmin, click, brotli),
jinja2 or a web framework, or write a file; importing it stays cheap (stdlib and markupsafe only).
"""

from __future__ import annotations

from assetbuild.errors import ManifestError, MissingAssetError
from assetbuild.runtime._assets import Assets

__all__ = ["Assets", "ManifestError", "MissingAssetError"]
