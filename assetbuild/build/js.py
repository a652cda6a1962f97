"""References in scripts that are not ES modules: the ``sourceMappingURL`` comment.

Owns: finding ``//# sourceMappingURL=...`` (and the legacy ``//@`` and ``/*# ... */`` forms) at
the start of a line, as the source map specification and browsers do.
Must not: parse JavaScript; a line that starts with ``//#`` is a comment in any script.
"""

from __future__ import annotations

import bisect
import re

from assetbuild.build.css import Reference

_SOURCEMAP = re.compile(
    r"^[ \t]*(?://[#@][ \t]*sourceMappingURL=(?P<line>[^\s'\"]*)[ \t]*$"
    r"|/\*[#@][ \t]*sourceMappingURL=(?P<block>[^\s'\"*]*)[ \t]*\*/[ \t]*$)",
    re.MULTILINE,
)
_NEWLINE = re.compile("\n")


def sourcemap_references(text: str) -> list[Reference]:
    if "sourceMappingURL" not in text:  # the common case, at memchr speed
        return []
    newlines = [m.start() for m in _NEWLINE.finditer(text)]
    found: list[Reference] = []
    for match in _SOURCEMAP.finditer(text):
        group = "line" if match.group("line") is not None else "block"
        start, end = match.span(group)
        line = bisect.bisect_right(newlines, start)
        column = start - (newlines[line - 1] + 1 if line else 0) + 1
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
                line=line + 1,
                column=column,
            )
        )
    return found
