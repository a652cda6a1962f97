"""Offsets in a text -> 1-based line and column, as editors count them.

Owns: the one way the build numbers lines (a line ends at LF, CR or CRLF; form feeds and
U+2028/U+2029 are not line ends, because no editor shows them as such) and columns (characters
from the start of the line, 1-based), shared by every scanner that reports a place.
Must not: know what the offsets point at.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator


def line_columns(text: str, offsets: Iterable[int]) -> Iterator[tuple[int, int]]:
    """(line, column) of each offset, which must come in ascending order and none of which may
    fall between the CR and the LF of a CRLF.

    Lines are counted incrementally between consecutive offsets with ``str.count`` (C speed,
    and linear overall: each stretch of text is counted once).
    """
    has_cr = "\r" in text
    line, line_start, previous = 1, 0, 0
    for offset in offsets:
        if offset > previous:
            newlines = text.count("\n", previous, offset)
            if has_cr:
                newlines += text.count("\r", previous, offset) - text.count(
                    "\r\n", previous, offset
                )
            if newlines:
                line += newlines
                last = text.rfind("\n", previous, offset)
                if has_cr:
                    last = max(last, text.rfind("\r", previous, offset))
                line_start = last + 1
            previous = offset
        yield line, offset - line_start + 1
