"""References in scripts that are not ES modules: the ``sourceMappingURL`` comment.

Owns: finding ``//# sourceMappingURL=...`` (and the legacy ``//@`` and ``/*# ... */`` forms) at
the start of a line, as the source map specification and browsers do.
Must not: parse JavaScript; a line that starts with ``//#`` is a comment in any script.
"""

from __future__ import annotations

import re

from assetbuild.compiler.scan.positions import line_columns
from assetbuild.compiler.scan.reference import Reference

_SOURCEMAP = re.compile(
    r"^[ \t]*(?://[#@][ \t]*sourceMappingURL=(?P<line>[^\s'\"]*)[ \t]*$"
    r"|/\*[#@][ \t]*sourceMappingURL=(?P<block>[^\s'\"*]*)[ \t]*\*/[ \t]*$)",
    re.MULTILINE,
)


def sourcemap_references(text: str) -> list[Reference]:
    """The source map comments of a script, in source order. Never raises."""
    if "sourceMappingURL" not in text:  # the common case, at memchr speed
        return []
    matches = list(_SOURCEMAP.finditer(text))
    # A URL starts after "=", never between the CR and LF of a CRLF, as line_columns requires.
    places = line_columns(text, (match.start(_group(match)) for match in matches))
    found: list[Reference] = []
    for match, (line, column) in zip(matches, places, strict=True):
        group = _group(match)
        start, end = match.span(group)
        token_start = match.start() + (len(match.group(0)) - len(match.group(0).lstrip(" \t")))
        found.append(
            Reference(
                url=match.group(group),
                kind="sourcemap",
                start=start,
                end=end,
                token_start=token_start,
                token_end=match.end(),
                quote="",
                line=line,
                column=column,
            )
        )
    return found


def _group(match: re.Match[str]) -> str:
    """Which form matched: a line comment or a block comment."""
    return "line" if match.group("line") is not None else "block"
