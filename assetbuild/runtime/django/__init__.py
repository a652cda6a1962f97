"""Django adapter: add ``"assetbuild.runtime.django"`` to ``INSTALLED_APPS``.

Owns: ``get_assets()``, the ``Assets`` for the settings (``ASSETBUILD_MANIFEST`` and
``ASSETBUILD_URL``, each defaulting to the environment variable of the same name;
``ASSETBUILD_RELOAD``, defaulting to ``DEBUG``), made on first use and kept until one of those
settings changes. The app (``apps``), its system check (``checks``), the ``{% load assetbuild %}``
tags (``templatetags.assetbuild``) and the Jinja2 ``environment`` (``jinja2``) all go through it.
Must not: load the manifest at import or in ``AppConfig.ready()`` (a broken manifest is reported
by the system check, not by a crash while Django starts), or write any file.
"""

from __future__ import annotations

from assetbuild.runtime.django._current import get_assets

__all__ = ["get_assets"]
