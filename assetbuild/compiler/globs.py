"""Glob patterns over logical paths, the same on every machine.

Owns: the translation of a config glob (``css/*.css``, ``js/**/*.js``) to a compiled regex.
Must not: touch the filesystem; matching is over "/"-separated logical paths, so the result never
depends on the operating system, the current directory or the locale.

``*`` and ``?`` stay within one path segment, ``**`` as a whole segment matches any number of
segments (zero included), and ``[...]`` is a character class, as in gitignore and pathlib.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Glob:
    pattern: str
    regex: re.Pattern[str]

    def matches(self, logical_path: str) -> bool:
        return self.regex.fullmatch(logical_path) is not None


def is_glob(pattern: str) -> bool:
    return any(ch in pattern for ch in "*?[")


def compile_glob(pattern: str) -> Glob:
    return Glob(pattern, re.compile(_translate(pattern)))


def _translate(pattern: str) -> str:
    segments = pattern.split("/")
    out: list[str] = []
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == "**":
            # "a/**/b" matches "a/b" too, and a trailing "**" matches everything below.
            out.append(".*" if last else "(?:[^/]+/)*")
            continue
        out.append(_segment(segment) + ("" if last else "/"))
    return "".join(out)


def _segment(segment: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(segment):
        ch = segment[i]
        if ch == "*":
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "[":
            end = segment.find("]", i + 2 if segment[i + 1 : i + 2] in ("!", "^") else i + 1)
            if end == -1:
                out.append(re.escape(ch))
            else:
                body = segment[i + 1 : end]
                negate = body[:1] in ("!", "^")
                if negate:
                    body = body[1:]
                body = body.replace("\\", "\\\\")
                out.append(f"[{'^/' if negate else ''}{body}]")
                i = end
        else:
            out.append(re.escape(ch))
        i += 1
    return "".join(out)
