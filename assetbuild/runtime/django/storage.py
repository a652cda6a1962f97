"""``ReleaseStorage``: the ``staticfiles`` storage whose ``collectstatic`` builds an assetbuild release.

In the settings, in place of ``ManifestStaticFilesStorage`` or WhiteNoise's
``CompressedManifestStaticFilesStorage``::

    STORAGES = {..., "staticfiles": {"BACKEND": "assetbuild.runtime.django.storage.ReleaseStorage"}}

Owns: ``url(name)``, so ``{% static %}``, ``static()``, form and admin ``Media`` and third-party
templates get release URLs: looked up in the manifest through ``get_assets()`` (the one the
template tags and the system checks read, ``ASSETBUILD_URL`` and ``DEBUG``'s reload included); an
unknown name raises ``MissingAssetError``, a ``ValueError`` as Django's manifest storage raises,
or with ``OPTIONS = {"manifest_strict": False}`` gets the plain ``STATIC_URL + name``. And its
part in ``collectstatic``: the copy phase writes nothing (``save``), nothing is reported as
already there (``exists``), and ``post_process`` builds the release from the sources the finders
found, into ``STATIC_ROOT``.
Must not: write a file itself, or import the build side anywhere but in ``post_process``: an app
that only renders pages loads the runtime alone (``tests/runtime/test_imports.py`` checks it).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import IO, Any

from django.conf import settings
from django.contrib.staticfiles.storage import StaticFilesStorage
from django.utils.module_loading import import_string

from assetbuild.errors import ManifestError, MissingAssetError
from assetbuild.runtime.django._current import get_assets


class ReleaseStorage(StaticFilesStorage):
    """Static files from an assetbuild release: ``collectstatic`` builds it, ``url()`` reads it.

    ``manifest_strict`` (an ``OPTIONS`` key, default True): whether a name that the manifest
    lacks, or a manifest that cannot be read, raises; when False, ``url()`` falls back to the
    unfingerprinted ``STATIC_URL + name`` (Django's option hashes the file on the fly instead; a
    release has no source file to hash).
    """

    manifest_strict = True

    def __init__(
        self,
        location: str | None = None,
        base_url: str | None = None,
        *args: Any,
        manifest_strict: bool | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(location, base_url, *args, **kwargs)
        if manifest_strict is not None:
            self.manifest_strict = manifest_strict

    def url(self, name: str | None) -> str:
        """The release URL of the logical path ``name`` (a ``?query`` or ``#fragment`` is kept)."""
        if name is None:
            return super().url(name)
        try:
            return get_assets().url(name)  # the common case: one dictionary access
        except MissingAssetError:
            cut = min((i for i in (name.find("?"), name.find("#")) if i >= 0), default=-1)
            if cut > 0:  # "fonts/x.eot?#iefix": the file's URL, then what followed its name
                return self.url(name[:cut]) + name[cut:]
            if self.manifest_strict:
                raise
        except ManifestError:
            if self.manifest_strict:
                raise
        return super().url(name)

    def save(self, name: str | None, content: IO[Any], max_length: int | None = None) -> str:
        """Nothing to write: collectstatic's copy phase only gathers, ``post_process`` builds.

        A copy here would be an unfingerprinted file in ``STATIC_ROOT``, served under a name that
        a later build could not change without breaking pages rendered before it.
        """
        return str(name if name is not None else getattr(content, "name", ""))

    def exists(self, name: str) -> bool:
        """False: collectstatic deletes a file it is told exists and is older than its source,
        which would take a plain copy (``plain``) or a release file out from under the release
        in force before the build has replaced it. Ask the manifest instead:
        ``name in get_assets()``."""
        return False

    def post_process(
        self, paths: dict[str, Any], dry_run: bool = False, **options: Any
    ) -> Iterator[tuple[str, str | None, bool | Exception]]:
        """Build the release into ``STATIC_ROOT``, as collectstatic's last step.

        Yields each published asset as collectstatic logs it; a failed build yields one
        ``CommandError`` listing every problem, which collectstatic raises (exit status 1, 2 for
        a configuration that cannot be used) with the previous release still in force.
        ``--dry-run`` builds nothing.
        """
        if dry_run:
            return
        # The build side, imported here and only here: collectstatic is the one caller.
        from assetbuild.compiler.integrations.django import collect

        yield from collect(paths, stdout=sys.stdout, stderr=sys.stderr)


def in_use() -> bool:
    """Whether the settings' ``staticfiles`` storage is ``ReleaseStorage`` (or a subclass)."""
    backend = settings.STORAGES.get("staticfiles", {}).get("BACKEND", "")
    try:
        storage = import_string(backend)
    except ImportError:
        return False  # Django's own check reports a backend that does not import
    return isinstance(storage, type) and issubclass(storage, ReleaseStorage)
