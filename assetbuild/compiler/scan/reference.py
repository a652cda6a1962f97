"""What the scanners hand on: the places in a text where it names another file.

Owns: the values every scanner returns and later phases keep, compare and cache --
``Reference`` (a URL in a stylesheet, or a script's source map comment), ``ModuleImport`` (a
specifier an ES module imports) and ``Scan`` (a file's references and how its text round-trips
to its bytes) -- with the closed sets of their kinds.
Must not: scan, resolve or read anything, or import beyond the standard library: it is the leaf
through which the cache, the documents and the renderer name these values without loading a
scanner, and each scanner without loading another.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

__all__ = [
    "REFERENCE_KINDS",
    "ImportKind",
    "ModuleImport",
    "Reference",
    "ReferenceKind",
    "Scan",
]

ReferenceKind = Literal["url", "import", "image-set", "src", "sourcemap"]
REFERENCE_KINDS: tuple[ReferenceKind, ...] = get_args(ReferenceKind)
ImportKind = Literal["static", "export", "dynamic"]


@dataclass(frozen=True)
class Reference:
    """One URL written in a stylesheet (or in a script's source map comment)."""

    url: str
    """The URL as the author meant it: CSS escapes decoded, percent-escapes left alone."""
    kind: ReferenceKind
    """Where it is written: ``url()``, ``@import``, a string of ``image-set()``, ``src()``, or
    a source map comment."""
    start: int
    """Offset of the URL value as written (inside the quotes, if any)."""
    end: int
    token_start: int
    """Offset of the whole token: ``url(`` ... ``)``, the whole string with its quotes, or the
    whole comment for a source map."""
    token_end: int
    quote: str
    """``'"'``, ``"'"`` or ``""`` (an unquoted ``url()`` or a source map comment)."""
    line: int
    """1-based line of ``start``."""
    column: int
    """1-based column of ``start``, in characters."""


@dataclass(frozen=True)
class ModuleImport:
    """One module specifier (or unresolvable dynamic import) in a JavaScript text."""

    specifier: str | None
    """The specifier with JavaScript escapes decoded; ``None`` for an ``import(...)`` whose
    argument is not a string literal (nor a template literal without substitutions)."""
    kind: ImportKind
    """``"static"`` (``import ... from "x"``, ``import "x"``), ``"export"`` (``export ...
    from "x"``) or ``"dynamic"`` (``import(...)``)."""
    start: int
    """Offset of the specifier as written, inside its quotes; for an unresolvable dynamic
    import, of the argument expression."""
    end: int
    line: int
    """1-based line of ``start``."""
    column: int
    """1-based column of ``start``, in code points."""


@dataclass(frozen=True)
class Scan:
    """What reading a file found: its references (empty: it is published as it is), and how
    its text round-trips to its bytes."""

    references: tuple[Reference, ...]
    codec: str = ""
    bom: bytes = b""
