"""A finding of the factor-VI doctor, and the catalogue of its ids.

Owns: the ``Finding`` value (an id, the setting found with its value, why it breaks factor VI,
the fix), whether a finding fails a check, and every id the doctor can report, with its title.
Must not: read settings or apps (``django.py`` and ``flask.py`` do), or format for a terminal.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

# A warning breaks factor VI and fails `assetbuild doctor` (exit status 1); an info is worth
# knowing and fails nothing. Django check ids carry the level in their letter (W, I), so ours do.
Level = Literal["warning", "info"]

# Every id, with what it is about. Families of ten, with gaps, so that a new finding joins its
# family: W01x asset compilers at run time, W02x sessions, W03x caches, W04x files the app writes,
# I05x notes. W001, E001 and W002 are the manifest checks of assetbuild.runtime.django.checks.
IDS: Mapping[str, str] = {
    "assetbuild.W010": "django-compressor compresses at run time (COMPRESS_OFFLINE is off)",
    "assetbuild.W011": "django-compressor is offline but its offline manifest is not there",
    "assetbuild.W012": "django-pipeline's collector or compilers run at run time",
    "assetbuild.W013": "webassets builds bundles at run time (auto_build, ASSETS_AUTO_BUILD)",
    "assetbuild.W014": "django-sass-processor compiles SCSS at run time",
    "assetbuild.W020": "Django sessions in files on the local disk (SESSION_ENGINE file)",
    "assetbuild.W021": "Django sessions in a cache local to the process or its disk",
    "assetbuild.W025": "Flask-Session keeps sessions in files (SESSION_TYPE filesystem)",
    "assetbuild.W026": "Flask-Session keeps sessions in a local cachelib cache",
    "assetbuild.W030": "a Django cache in process memory or on local disk (CACHES)",
    "assetbuild.W035": "a Flask-Caching cache in process memory or on local disk (CACHE_TYPE)",
    "assetbuild.W040": "STATIC_ROOT inside the code tree, and writable by the process",
    "assetbuild.W041": "MEDIA_ROOT inside the code tree, and writable by the process",
    "assetbuild.I050": "Flask's cookie session: fine for factor VI, if it stays small",
}


@dataclass(frozen=True)
class Finding:
    """One thing that keeps the app's processes from being stateless, or a note about one.

    ``setting`` names what was found as the user writes it (``SESSION_ENGINE``,
    ``CACHES['default']['BACKEND']``), ``value`` is its value as Python shows it.
    """

    id: str
    setting: str
    value: str
    message: str  # why it breaks factor VI
    hint: str  # the fix

    def __post_init__(self) -> None:
        if self.id not in IDS:
            raise ValueError(f"{self.id!r} is not an id of the doctor's catalogue (IDS)")

    @property
    def level(self) -> Level:
        return "info" if self.id.startswith("assetbuild.I") else "warning"

    def __str__(self) -> str:
        return f"{self.id} {self.setting} = {self.value}: {self.message}"


def fails(findings: Iterable[Finding]) -> bool:
    """Whether any finding breaks factor VI (an info alone does not)."""
    return any(finding.level == "warning" for finding in findings)
