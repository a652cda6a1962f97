"""Offsets in a text -> 1-based line and column, as editors count them.

Owns: the one way the build numbers lines (a line ends at LF, CR or CRLF; form feeds and
U+2028/U+2029 are not line ends, because no editor shows them as such) and columns (characters
from the start of the line, 1-based), shared by every scanner and command that reports a place.
Must not: know what the offsets point at.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator

_LINE_END = re.compile(r"\r\n?|\n")


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


class LineIndex:
    """(line, column) of offsets that come in any order, for a caller that cannot sort them.

    The line starts are found once (one regular expression pass); each offset then costs a
    binary search. ``line_columns`` is faster for offsets in ascending order: it counts only
    up to the last one.
    """

    def __init__(self, text: str) -> None:
        self._starts = [0, *(match.end() for match in _LINE_END.finditer(text))]

    def place(self, offset: int) -> tuple[int, int]:
        """(line, column) of ``offset``, which must not fall between the CR and LF of a CRLF."""
        line = bisect.bisect_right(self._starts, offset)
        return line, offset - self._starts[line - 1] + 1
