"""The one error hierarchy, shared by the build and the runtime.

Owns: the exception types and the ``Problem`` value a failed build reports.
Must not: know exit codes (only ``assetbuild.compiler.cli`` maps errors to them), or import anything
beyond the standard library, because the runtime imports this module.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Literal, NamedTuple

if TYPE_CHECKING:
    from pathlib import Path  # annotations only: pathlib costs an app milliseconds at start-up


class AssetbuildError(Exception):
    """Base of every error assetbuild raises on purpose."""


class ConfigError(AssetbuildError):
    """The configuration (file, environment or command line) cannot be used.

    The message names the file and the key, so the user can go straight to the line.
    """

    def __init__(self, message: str, *, file: Path | str | None = None, key: str | None = None):
        self.message = message
        self.file = str(file) if file is not None else None
        self.key = key
        where = ": ".join(part for part in (self.file, self.key) if part)
        super().__init__(f"{where}: {message}" if where else message)


# An error stops the build; a warning is reported and the build goes on.
Severity = Literal["error", "warning"]


# A NamedTuple, not a frozen dataclass: this module is imported by every app that reads a manifest,
# and ``dataclasses`` imports ``inspect`` (with ``ast``, ``dis`` and ``tokenize``), which cost
# ``import assetbuild.runtime`` 10-20 ms, most of it. A NamedTuple is as immutable and as typed.
class Problem(NamedTuple):
    """One thing wrong with the inputs, at a place in a file when there is one.

    ``line`` and ``column`` are 1-based, as editors and compilers count them.
    """

    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    severity: Severity = "error"

    def __str__(self) -> str:
        where = self.file or ""
        if where and self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.message}" if where else self.message


class BuildError(AssetbuildError):
    """The build cannot produce a release; ``problems`` lists every reason found, not just the first."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = tuple(problems)
        count = len(self.problems)
        summary = "; ".join(str(p) for p in self.problems[:3])
        more = f" (and {count - 3} more)" if count > 3 else ""
        super().__init__(f"{count} problem{'s' if count != 1 else ''}: {summary}{more}")


class UnknownNameError(AssetbuildError):
    """A command was asked about a name the release does not have (``inspect NAME``): bad usage,
    not a failed build; the message offers the close matches."""


class ReleaseError(AssetbuildError):
    """Writing or reading the release directory failed (disk full, permissions, a lock held)."""


class CacheError(AssetbuildError):
    """The cache directory (``cache_dir``) cannot be used as asked (``cache prune`` cannot remove
    an entry); a build never raises it: an unusable cache only makes a build slower."""


class DestinationError(ConfigError):
    """``publish``/``clean --remote`` cannot use the destination it was given: not a URL of a
    kind it knows, no bucket, or no credentials in the standard environment for it. The message
    names the destination and what to set or write instead."""


class PublishError(AssetbuildError):
    """Publishing started and did not finish: the release failed its check, or the listing, an
    upload or a delete failed. The remote ``manifest.json`` was not written, so readers still see
    the last complete publish; a rerun resumes. ``problems`` lists each failure."""

    def __init__(self, message: str, problems: Iterable[Problem] = ()):
        self.problems = tuple(problems)
        super().__init__(message)


class ManifestError(AssetbuildError):
    """A manifest is missing, unreadable, of an unknown version, or not of the documented shape."""


class MissingAssetError(AssetbuildError, LookupError, ValueError):
    """A template asked for a logical path that the manifest does not name.

    A ``LookupError``, as a failed lookup is; and a ``ValueError``, as Django's manifest storage
    raises for a name its manifest lacks, so that code written for that storage (WhiteNoise's
    middleware asks the storage about every file and catches ``ValueError``) works unchanged.
    """

    def __init__(self, name: str, manifest: str, suggestions: tuple[str, ...] = ()):
        self.name = name
        self.manifest = manifest
        self.suggestions = suggestions
        hint = f"; did you mean {', '.join(repr(s) for s in suggestions)}?" if suggestions else ""
        super().__init__(f"{name!r} is not in the manifest {manifest}{hint}")

    def __str__(self) -> str:
        # LookupError would repr() the message; show it as written.
        return str(self.args[0])
