"""References in scripts that are not ES modules: the ``sourceMappingURL`` comment.

Owns: finding ``//# sourceMappingURL=...`` (and the legacy ``//@`` and ``/*# ... */`` forms)
where browsers read it: alone on a line, or after code on the script's last line
(``...});//# sourceMappingURL=app.min.js.map``, as concatenating and minifying tools leave it).
Must not: parse JavaScript. A line that starts with ``//#`` is a comment in any script; after
code, only the last line counts, and only a comment that runs to its end (in a string, the
closing quote would follow the URL).
"""

from __future__ import annotations

import re

from assetbuild.compiler.scan.positions import line_columns
from assetbuild.compiler.scan.reference import Reference

# JavaScript's line terminators: LF, CR (alone, or before LF), U+2028 and U+2029.
_EOL = "\n\r\u2028\u2029"
_COMMENT = (
    r"(?://[#@][ \t]*sourceMappingURL=(?P<line>[^\s'\"]*)"
    r"|/\*[#@][ \t]*sourceMappingURL=(?P<block>[^\s'\"*]*)[ \t]*\*/)"
)
_ALONE = re.compile(rf"(?:\A|(?<=[{_EOL}]))[ \t]*{_COMMENT}[ \t]*(?=[{_EOL}]|\Z)")
_LINE_END = re.compile(f"[{_EOL}]")
_AFTER_CODE = re.compile(rf"{_COMMENT}[ \t]*\Z")
# "//" before the comment, other than a URL's "://": the comment would be inside another one.
_EARLIER_COMMENT = re.compile(r"(?<![:\\])//")


def sourcemap_references(text: str) -> list[Reference]:
    """The source map comments of a script, in source order. Never raises."""
    if "sourceMappingURL" not in text:  # the common case, at memchr speed
        return []
    matches = _alone(text)
    after = _after_code(text)
    if after is not None:
        matches.append(after)
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


def _alone(text: str) -> list[re.Match[str]]:
    """The comments alone on their line, in order. ``_ALONE`` is tried only at the start of a
    line that holds "sourceMappingURL" (found at memchr speed): run over the whole text, its
    lookbehind would be tried at every character, which made this scanner slower than the CSS
    one on a minified bundle."""
    found: list[re.Match[str]] = []
    done = 0  # the text before this is settled: line starts are looked for after it only
    position = text.find("sourceMappingURL")
    while position >= 0:
        start = max(text.rfind(eol, done, position) for eol in _EOL) + 1
        match = _ALONE.match(text, start)
        end_of_line = _LINE_END.search(text, position)
        done = len(text) if end_of_line is None else end_of_line.start()
        if match is not None:
            found.append(match)
        position = text.find("sourceMappingURL", done)
    return found


def _after_code(text: str) -> re.Match[str] | None:
    """The comment that ends the script's last line after code on that line, if there is one."""
    end = len(text.rstrip())
    start = max(text.rfind(eol, 0, end) for eol in _EOL) + 1
    match = _AFTER_CODE.search(text, start, end)
    if match is None:
        return None
    before = text[start : match.start()]
    if not before.strip() or _EARLIER_COMMENT.search(before):
        return None  # alone on its line (found already), or inside an earlier comment
    return match


def _group(match: re.Match[str]) -> str:
    """Which form matched: a line comment or a block comment."""
    return "line" if match.group("line") is not None else "block"
