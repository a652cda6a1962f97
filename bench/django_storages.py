"""The manifest storages bench/run.py gives Django's ``collectstatic``, made tolerant of missing files.

Owns: ``TolerantManifestStorage`` (Django's ``ManifestStaticFilesStorage``) and
``TolerantCompressedManifestStorage`` (WhiteNoise's ``CompressedManifestStaticFilesStorage``).
Both set ``manifest_strict = False`` and, where the stock storage stops ``collectstatic`` with
``ValueError: The file '...' could not be found`` because a stylesheet or script refers to a file
that is not there (a source map a package does not ship, say), leave that reference as written
and carry on, as assetbuild does with ``on_missing = "warn"``. At exit they print one line,
``bench-django: N missing references left as written: ...``, which run.py reports, so that a
result never hides what the peer was spared. On a corpus with no such reference they behave
exactly as the stock storages.
"""

from __future__ import annotations

import atexit
import sys
from typing import Any

from django.contrib.staticfiles.storage import ManifestStaticFilesStorage

_MISSING: set[str] = set()


def _report() -> None:
    names = sorted(_MISSING)
    shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
    print(
        f"bench-django: {len(names)} missing references left as written: {shown}", file=sys.stderr
    )


atexit.register(_report)


class _Tolerant:
    manifest_strict = False

    def hashed_name(self, name: str, content: Any = None, filename: str | None = None) -> str:
        try:
            return super().hashed_name(name, content, filename)  # type: ignore[misc, no-any-return]
        except ValueError:
            if content is not None:
                raise
            _MISSING.add(filename or name)
            return name


class TolerantManifestStorage(_Tolerant, ManifestStaticFilesStorage):
    pass


try:
    from whitenoise.storage import CompressedManifestStaticFilesStorage
except ImportError:  # the WhiteNoise rows report that it is not installed
    pass
else:

    class TolerantCompressedManifestStorage(_Tolerant, CompressedManifestStaticFilesStorage):
        pass
