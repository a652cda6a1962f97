"""References in scripts that are not ES modules: the ``sourceMappingURL`` comment.

Owns: finding ``//# sourceMappingURL=...`` (and the legacy ``//@`` and ``/*# ... */`` forms) at
the start of a line, as the source map specification and browsers do.
Must not: parse JavaScript; a line that starts with ``//#`` is a comment in any script.
"""

from __future__ import annotations

import re

from assetbuild.compiler.scan.css import Reference

_SOURCEMAP = re.compile(
    r"^[ \t]*(?://[#@][ \t]*sourceMappingURL=(?P<line>[^\s'\"]*)[ \t]*$"
    r"|/\*[#@][ \t]*sourceMappingURL=(?P<block>[^\s'\"*]*)[ \t]*\*/[ \t]*$)",
    re.MULTILINE,
)


def sourcemap_references(text: str) -> list[Reference]:
    if "sourceMappingURL" not in text:  # the common case, at memchr speed
        return []
    found: list[Reference] = []
    for match in _SOURCEMAP.finditer(text):
        group = "line" if match.group("line") is not None else "block"
        start, end = match.span(group)
        line = text.count("\n", 0, start)  # at most a few comments a file: no index needed
        column = start - (text.rfind("\n", 0, start) + 1) + 1
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
