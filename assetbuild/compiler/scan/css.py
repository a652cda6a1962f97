"""Find and rewrite the URL references in a CSS text.

Owns: reading CSS the way a browser tokenizes it (CSS Syntax Level 3, section 4) far enough to
know which bytes are URLs -- ``url(...)`` in every form, ``@import``, the strings of
``image-set()``, ``src()``, and ``sourceMappingURL`` comments -- and writing new URLs back into
exactly those bytes, escaped for the token they sit in; also the layout of a stylesheet's head
(``@charset``, the ``@import`` rules a browser honours, where the rules proper begin).

Must not: know about files, fingerprints, URL resolution or configuration (it works on ``str``
only; the resolver decides what a URL maps to and the bundler decides what to do with a
prelude), loop over characters in Python (the work is done by compiled regular expressions whose
alternatives are CSS tokens, so scanning runs at the speed of the ``re`` engine), or raise on any
input text: a stylesheet is hostile input and every text is *some* token stream.

How the scanner stays fast and right: only four kinds of token can hide other text -- comments,
strings, url tokens and escapes -- so the master expression consumes each of those whole, and
skips everything else (identifiers, numbers, punctuation) in long runs that the ``re`` engine
matches in one step, stopping only at a ``(``, a quote, a ``/``, a backslash, an ``@`` or a ``<``.
Whether a ``(`` opens ``url(``, ``src(`` or ``image-set(`` is decided by looking behind it: the
name must not continue a longer token (``foourl(``, ``--my-url(``, ``1url(``, ``#url(``). Python
only sees the handful of matches that matter, so a stylesheet with few references scans at about
100 MB/s; each reference found costs a few microseconds more.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from assetbuild.compiler.scan.positions import line_columns
from assetbuild.compiler.scan.reference import Reference, ReferenceKind

__all__ = ["ImportRule", "Prelude", "prelude", "rewrite", "scan"]


@dataclass(frozen=True)
class ImportRule:
    """An ``@import`` rule that a browser honours."""

    start: int
    """Offset of ``@import``."""
    end: int
    """Offset just after the closing ``;`` (or the end of the text)."""
    reference: Reference
    condition: str
    """What follows the URL before the ``;`` (layer, supports(), media query), comments
    removed, stripped; ``""`` if none."""


@dataclass(frozen=True)
class Prelude:
    """The head of a stylesheet: what must stay in front when stylesheets are joined."""

    charset: str | None
    """The encoding named by ``@charset "x";`` at offset 0, in exactly the form CSS Syntax
    section 3.2 recognises; ``None`` if there is none."""
    charset_end: int
    """Offset just after that rule (0 if none)."""
    imports: tuple[ImportRule, ...]
    """The ``@import`` rules that precede every other rule (only whitespace, comments,
    ``@charset`` and ``@layer a, b;`` statements may come before or between them)."""
    body_start: int
    """Offset of the first rule that is none of those (``len(text)`` if there is none). Between
    ``charset_end`` and ``body_start`` there is nothing but the ``imports``, ``@layer``
    statements, stray ``@charset`` rules (which browsers ignore), comments and whitespace."""


# --- Token patterns (CSS Syntax Level 3, section 4.3) --------------------------------------------
#
# The text is not preprocessed (section 3.3) because offsets must point into the caller's text;
# instead the patterns accept CR, FF and CRLF wherever the spec, after preprocessing, has LF.


def _ci(word: str) -> str:
    """An ASCII case-insensitive pattern for ``word``; ``re.IGNORECASE`` would also match the
    Kelvin sign or the long s, which CSS does not (names are compared ASCII case-insensitively)."""
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else re.escape(c) for c in word)


_WS = r"[ \t\n\r\f]"
_HEX = r"[0-9a-fA-F]"
# Non-ASCII code points are name code points (section 4.2). NUL counts as one because
# preprocessing would have turned it into U+FFFD. Spelt as negated classes of ASCII (the same
# sets, [a-zA-Z_\x00\x80-\U0010ffff] and [a-zA-Z0-9_\-\x00\x80-\U0010ffff]): ``re`` compiles a
# range above U+00FF by walking its code points, which made importing this module take 80 ms.
_NAME_START = r"[^\x01-\x40\x5b-\x5e\x60\x7b-\x7f]"
_NAME_CHAR = r"[^\x01-\x2c\x2e\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x7f]"
# One to six hex digits and one optional whitespace (4.3.7), written so that it can match in
# exactly one way: neither the digit count nor the whitespace can be backtracked into, which
# keeps a run of escapes from being split exponentially many ways.
_HEX_ESCAPE = rf"(?:{_HEX}{{6}}|{_HEX}{{1,5}}(?!{_HEX}))(?:\r\n|\r(?!\n)|[ \t\n\f]|(?!{_WS}))"
# A valid escape (4.3.8): a backslash not followed by a newline (at the end of the text, too).
_ESCAPE = rf"\\(?:{_HEX_ESCAPE}|[^\n\r\f0-9a-fA-F]|\Z)"
_VALID_ESCAPE_AHEAD = r"\\(?![\n\r\f])"
_IDENT = rf"(?:--|-?(?:{_NAME_START}|{_ESCAPE}))(?:{_NAME_CHAR}|{_ESCAPE})*"
# The identifier cannot go on: no name code point and no escape follows.
_IDENT_END = rf"(?!{_NAME_CHAR}|{_VALID_ESCAPE_AHEAD})"
# 4.3.5: a string ends at its quote, before an unescaped newline (a bad string), or at the end of
# the text; backslash-newline is a line continuation, and a hex escape takes one whitespace
# (even a newline) with it. Unrolled so that it matches in one way only.
_DQ_BODY = rf'[^"\\\n\r\f]*(?:\\(?:{_HEX_ESCAPE}|\r\n|[\s\S]|\Z)[^"\\\n\r\f]*)*'
_SQ_BODY = rf"[^'\\\n\r\f]*(?:\\(?:{_HEX_ESCAPE}|\r\n|[\s\S]|\Z)[^'\\\n\r\f]*)*"
# 4.3.2: a comment runs to the first "*/" or to the end of the text.
_COMMENT_REST = r"[^*]*(?:\*+[^*/][^*]*)*(?:\*+/|\*+\Z|\Z)"
_COMMENT = rf"/\*{_COMMENT_REST}"
_PLAIN_COMMENT = rf"/\*(?![#@]){_COMMENT_REST}"  # one that cannot be a source map comment
_SOURCEMAP_COMMENT = rf"/\*[#@]{_COMMENT_REST}"
# 4.3.6: an unquoted url token: whitespace, then code points that are not quotes, parentheses,
# whitespace or non-printable (escapes allowed), then whitespace, then ")" or the end of the text.
# Anything else makes it a bad url, whose remnants (4.3.14) run to the next unescaped ")".
_URL_CHAR = r"[^\"'()\\ \t\n\r\f\x01-\x08\x0b\x0e-\x1f\x7f]"
_URL_BODY = rf"(?:{_URL_CHAR}|{_ESCAPE}){_URL_CHAR}*(?:{_ESCAPE}{_URL_CHAR}*)*"
_BAD_URL_REST = r"[^)\\]*(?:\\(?:[\s\S]|\Z)[^)\\]*)*(?:\)|\Z)"


def _string(prefix: str) -> str:
    """A string token whose value and closing quote are captured under ``prefix``."""
    return (
        f'"(?P<{prefix}dq>{_DQ_BODY})(?P<{prefix}dqe>"?)'
        f"|'(?P<{prefix}sq>{_SQ_BODY})(?P<{prefix}sqe>'?)"
    )


# What follows "url(" (4.3.4): if the first non-whitespace code point is a quote, "url(" is an
# ordinary function token and its argument a string; otherwise the whole thing is one url token.
_URL_TAIL = (
    rf"(?:{_WS}*(?:{_string('u')})(?P<uclose>{_WS}*\))?"
    rf"|(?P<uws>{_WS}*)(?P<uv>{_URL_BODY})?{_WS}*(?:\)|\Z|(?P<ubad>{_BAD_URL_REST})))"
)

# How a function token of interest is found without tokenizing every identifier: the scan stops
# at each "(" and looks behind it. "url(" is the function url( exactly when the code point before
# "url" cannot be part of the same token: not a name code point (that would make a longer
# identifier, or a dimension as in "1url("), not "#" (a hash token) and not "@" (an at-keyword).
# An escape before it would have been consumed together with the identifier it belongs to (see
# the escape alternative below), and a CDO ("<!--url(") is matched on its own, so those two ways
# of ending a token right before a name code point are accounted for.
_PART_OF_NAME = (
    r"[^\x01-\x22\x24-\x2c\x2e\x2f\x3a-\x3f\x5b-\x5e\x60\x7b-\x7f]"  # _NAME_CHAR, "#", "@"
)


def _after_function(name: str) -> str:
    word = _ci(name + "(")
    return rf"(?<={word})(?<!{_PART_OF_NAME}{word})"


_AFTER_URL = _after_function("url")
_AFTER_SRC = _after_function("src")
_AFTER_IMAGE_SET = rf"(?:{_after_function('image-set')}|{_after_function('-webkit-image-set')})"
_INTERESTING_NAMES = {"url", "src", "image-set", "-webkit-image-set"}
_INTERESTING_NAME = rf"(?:{_ci('url')}|{_ci('src')}|(?:{_ci('-webkit-')})?{_ci('image-set')})"
_INTERESTING_FUNCTION = re.compile(rf"(?P<name>{_INTERESTING_NAME})\(")
# An escape, with the rest of the identifier it is part of and the "(" that makes it a function.
_ESCAPED_NAME = rf"(?P<escname>{_ESCAPE}(?:{_NAME_CHAR}|{_ESCAPE})*)(?P<escparen>\()?"

# Outside image-set() the scan stops only at a few tokens; everything else is consumed in runs,
# in C, as one match. Comments, strings, url tokens and escapes are always consumed whole, so a
# "url(" inside a string, a comment or another url token is never looked at.
_TOP_BORING = "|".join(
    [
        r"[^/\"'\\(@<]+",  # identifiers, numbers, punctuation: cannot hide the tokens below
        rf"\((?!{_AFTER_URL}|{_AFTER_SRC}|{_AFTER_IMAGE_SET})",
        f'"{_DQ_BODY}"?',  # outside image-set() a string holds no reference
        f"'{_SQ_BODY}'?",
        _PLAIN_COMMENT,
        r"/(?!\*)",
        rf"@(?!{_ci('import')}{_IDENT_END})",
        rf"<(?!!--{_INTERESTING_NAME}\()",
        r"\\(?=[\n\r\f])",  # a backslash before a newline is a delim, not an escape (4.3.8)
    ]
)
_TOP = re.compile(
    rf"(?P<skip>(?:{_TOP_BORING})+)"
    rf"|(?P<url>\({_AFTER_URL}{_URL_TAIL})"
    rf"|(?P<imageset>\({_AFTER_IMAGE_SET})"
    rf"|(?P<src>\({_AFTER_SRC})"
    rf"|(?P<escape>{_ESCAPED_NAME})"
    rf"|(?P<atimport>@{_ci('import')}{_IDENT_END})"
    r"|(?P<cdo><!--)"  # before a function of interest: "<!--url(" is CDO, then url(
    rf"|(?P<comment>{_SOURCEMAP_COMMENT})"
)

# Inside a function's arguments (image-set(), or an at-rule's prelude) brackets and strings
# matter too.
_NESTED_BORING = "|".join(
    [
        r"[^/\"'\\()\[\]{};<]+",
        _PLAIN_COMMENT,
        r"/(?!\*)",
        rf"<(?!!--{_ci('url(')})",
        r"\\(?=[\n\r\f])",
    ]
)
_NESTED = re.compile(
    rf"(?P<skip>(?:{_NESTED_BORING})+)"
    rf"|(?P<url>\({_AFTER_URL}{_URL_TAIL})"
    rf"|(?P<string>{_string('s')})"
    r"|(?P<open>[(\[{])"
    r"|(?P<close>[)\]}])"
    r"|(?P<semi>;)"
    rf"|(?P<escape>{_ESCAPED_NAME})"
    r"|(?P<cdo><!--)"
    rf"|(?P<comment>{_SOURCEMAP_COMMENT})"
)
_CLOSER = {"(": ")", "[": "]", "{": "}"}

_URL_TAIL_RE = re.compile(_URL_TAIL)
_STRING_AFTER_WS = re.compile(rf"{_WS}*(?:{_string('s')})")
_WS_AND_PLAIN_COMMENTS = re.compile(rf"(?:{_WS}+|{_PLAIN_COMMENT})*")
_COMMENT_RE = re.compile(_COMMENT)
_STRING_OR_FUNCTION = re.compile(rf"(?P<string>{_string('s')})|(?P<fname>{_IDENT})\(")
# The longest name of interest is "-webkit-image-set"; a longer run of name code points before
# an escape cannot belong to one.
_NAME_WINDOW = 32
_NAME_RUN_AT_END = re.compile(rf"{_NAME_CHAR}*\Z")
# The source map comment (the legacy "@" form too); its URL runs to whitespace or the "*/".
_SOURCEMAP = re.compile(r"[#@]\s*sourceMappingURL\s*=\s*(?P<value>(?:[^\s*]|\*(?!/))+)")
# CSS Syntax 3.2: only this exact byte pattern names an encoding, and only at the very start.
_CHARSET = re.compile(r'@charset "(?P<name>[^"]*)";')
_PRELUDE_GAP = re.compile(rf"(?:{_WS}+|{_COMMENT}|<!--|-->)*")
_AT_KEYWORD = re.compile(rf"@(?P<name>{_IDENT})")
_CONDITION_PARTS = re.compile(rf"(?P<string>\"{_DQ_BODY}\"?|'{_SQ_BODY}'?)|{_COMMENT}")
_DECODE = re.compile(
    r"\\(?:(?P<hex>[0-9a-fA-F]{1,6})(?:\r\n|[ \t\n\r\f])?|(?P<nl>\r\n|[\n\r\f])|(?P<char>.)|\Z)",
    re.S,
)
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


# --- Decoding ------------------------------------------------------------------------------------


def _code_point(digits: str) -> str:
    # 4.3.7: zero, a surrogate or a value past U+10FFFF is U+FFFD.
    value = int(digits, 16)
    if value == 0 or 0xD800 <= value <= 0xDFFF or value > 0x10FFFF:
        return "\ufffd"
    return chr(value)


def _decode_in_string(match: re.Match[str]) -> str:
    if match.group("hex") is not None:
        return _code_point(match.group("hex"))
    if match.group("nl") is not None:
        return ""  # a line continuation (4.3.5)
    return match.group("char") or ""  # a backslash at the end of the text stands for nothing


def _decode_outside_string(match: re.Match[str]) -> str:
    if match.group("hex") is not None:
        return _code_point(match.group("hex"))
    # Outside strings a backslash before a newline never starts an escape, so "nl" cannot
    # match here; a backslash at the end of the text is U+FFFD (4.3.7).
    return match.group("char") or "\ufffd"


def _unescape(raw: str, in_string: bool) -> str:
    if "\\" not in raw:
        return raw
    return _DECODE.sub(_decode_in_string if in_string else _decode_outside_string, raw)


def _name(raw: str) -> str:
    """An identifier's value, lowered for an ASCII case-insensitive comparison."""
    return _unescape(raw, in_string=False).translate(_ASCII_LOWER)


def _skip(pattern: re.Pattern[str], text: str, pos: int) -> int:
    """Where a pattern that can match the empty string stops matching from ``pos``."""
    match = pattern.match(text, pos)
    return match.end() if match is not None else pos


def _escaped_name(
    text: str, match: re.Match[str], previous_escape_end: int
) -> tuple[str, int, str] | None:
    """The identifier an escape match belongs to: its lowered value, where it starts and the
    code point before it (``"#"`` for a hash token, ``"@"`` for an at-keyword).

    The name code points before the escape were consumed by the scan as ordinary text; the
    identifier starts after the last code point that is not one (no escape can come before
    them: it would have been matched together with them). ``None`` if that run is too long to
    be any name of interest. ``previous_escape_end`` is where the escape matched before this
    one ended, to tell a CDO from an escaped ``\\<!--``.
    """
    escape_start = match.start("escname")
    low = max(0, escape_start - _NAME_WINDOW)
    run = _NAME_RUN_AT_END.search(text, low, escape_start)
    start = run.start() if run is not None else escape_start
    if start == low and low > 0:
        return None
    if text.startswith("<!--", start - 2) and start >= 2 and previous_escape_end != start - 1:
        # A CDO token ends right before a name code point: the identifier starts after it.
        return _name(text[start + 2 : match.end("escname")]), start + 2, ""
    before = text[start - 1] if start > 0 else ""
    return _name(text[start : match.end("escname")]), start, before


# --- Scanning ------------------------------------------------------------------------------------

# A reference before its line and column are known:
# (url, kind, start, end, token_start, token_end, quote).
_Raw = tuple[str, ReferenceKind, int, int, int, int, str]


def _string_reference(
    match: re.Match[str], prefix: str, kind: ReferenceKind, length: int
) -> tuple[_Raw | None, bool]:
    """The reference a matched string token makes, and whether the string was closed.

    A bad string (cut off by a newline) is no reference: a browser drops the declaration.
    One cut off by the end of the text is still a string (4.3.5), so it is one.
    """
    if match.group(prefix + "dq") is not None:
        quote, group = '"', prefix + "dq"
    else:
        quote, group = "'", prefix + "sq"
    start, end = match.span(group)
    closed = bool(match.group(group + "e"))
    if not closed and end != length:
        return None, False
    value = _unescape(match.group(group), in_string=True)
    return (value, kind, start, end, start - 1, end + closed, quote), closed


def _url_reference(
    match: re.Match[str], token_start: int, kind: ReferenceKind, length: int
) -> tuple[_Raw | None, bool]:
    """The reference made by a ``url(`` whose rest matched ``_URL_TAIL``, and whether the
    function is still open (a quoted ``url("x"`` not followed by ``)``: its arguments go on)."""
    if match.group("udq") is not None or match.group("usq") is not None:
        raw, _ = _string_reference(match, "u", kind, length)
        if raw is None:  # a bad string; a ")" after it still closes the function
            return None, match.group("uclose") is None
        url, _, start, end, _, string_end, quote = raw
        if match.group("uclose") is not None:
            return (url, kind, start, end, token_start, match.end("uclose"), quote), False
        # Not followed by ")": the token is taken to end with the string, and the function
        # stays open for whatever follows (CSS Values 4 allows url() modifiers there).
        return (url, kind, start, end, token_start, string_end, quote), True
    if match.group("ubad") is not None:
        return None, False  # a bad url (4.3.14) is no reference
    start = match.end("uws")
    value = match.group("uv") or ""
    url = _unescape(value, in_string=False)
    return (url, kind, start, start + len(value), token_start, match.end(), ""), False


def _url_function(
    text: str, name_start: int, paren_end: int, kind: ReferenceKind, raws: list[_Raw] | None
) -> tuple[int, bool]:
    """Read a ``url(`` found by name; returns where it ends and whether it is still open."""
    tail = _URL_TAIL_RE.match(text, paren_end)
    assert tail is not None  # _URL_TAIL always matches: a bad url runs to the end at worst
    raw, still_open = _url_reference(tail, name_start, kind, len(text))
    if raw is not None and raws is not None:
        raws.append(raw)
    return tail.end(), still_open


def _sourcemap_reference(text: str, comment: re.Match[str], raws: list[_Raw] | None) -> None:
    found = _SOURCEMAP.match(text, comment.start() + 2, comment.end())
    if found is not None and raws is not None:
        start, end = found.span("value")
        raws.append(
            (found.group("value"), "sourcemap", start, end, comment.start(), comment.end(), "")
        )


def _src_reference(text: str, paren_end: int, raws: list[_Raw]) -> None:
    match = _STRING_AFTER_WS.match(text, paren_end)
    if match is not None:
        raw, _ = _string_reference(match, "s", "src", len(text))
        if raw is not None:
            raws.append(raw)


def _import_reference(text: str, pos: int, raws: list[_Raw]) -> tuple[_Raw | None, int]:
    """Read the URL of the ``@import`` whose at-keyword ends at ``pos``.

    Returns the reference (``None`` if the rule names none) and where scanning resumes. Source
    map comments met on the way are appended to ``raws``.
    """
    while True:
        pos = _skip(_WS_AND_PLAIN_COMMENTS, text, pos)
        comment = _COMMENT_RE.match(text, pos)
        if comment is None:
            break
        _sourcemap_reference(text, comment, raws)
        pos = comment.end()
    match = _STRING_OR_FUNCTION.match(text, pos)
    if match is None:
        return None, pos
    if match.group("string") is not None:
        raw, _ = _string_reference(match, "s", "import", len(text))
        return raw, match.end()
    if _name(match.group("fname")) != "url":
        return None, pos
    found: list[_Raw] = []
    end, _ = _url_function(text, match.start(), match.end(), "import", found)
    return (found[0] if found else None), end


def _walk(
    text: str, pos: int, raws: list[_Raw] | None, *, image_set: bool, statement: bool
) -> tuple[int, str]:
    """Walk component values from ``pos`` to the end of a function or of a statement.

    For a function (``statement=False``, ``pos`` just after its ``(``) the walk ends after the
    matching ``)``; for a statement (an at-rule's prelude) at a ``;`` or ``{`` outside any
    brackets. Brackets nest as in CSS Syntax 5.4.7-5.4.9: inside ``{}``, a ``)`` closes nothing.
    Returns the end offset and the code point that ended the walk (``""`` for the end of text).
    References found are appended to ``raws`` unless it is ``None``; with ``image_set`` the
    strings directly among the arguments are references too.
    """
    length = len(text)
    stack: list[str] = [] if statement else [")"]
    escape_end = -1
    while True:
        for match in _NESTED.finditer(text, pos):
            group = match.lastgroup
            if group == "skip":
                continue
            if group == "open":
                if statement and not stack and match.group() == "{":
                    return match.start(), "{"
                stack.append(_CLOSER[match.group()])
            elif group == "close":
                if stack and match.group() == stack[-1]:
                    stack.pop()
                    if not stack and not statement:
                        return match.end(), ")"
            elif group == "semi":
                if statement and not stack:
                    return match.end(), ";"
            elif group == "string":
                if image_set and raws is not None and len(stack) == 1:
                    raw, _ = _string_reference(match, "s", "image-set", length)
                    if raw is not None:
                        raws.append(raw)
            elif group == "url":
                raw, still_open = _url_reference(match, match.start() - 3, "url", length)
                if raw is not None and raws is not None:
                    raws.append(raw)
                if still_open:
                    stack.append(")")
            elif group == "comment":
                _sourcemap_reference(text, match, raws)
            else:
                # An identifier spelled with an escape, or a CDO: either may start a url(,
                # whose contents finditer has not seen as a url token yet.
                if group == "cdo":
                    function = _INTERESTING_FUNCTION.match(text, match.end())
                    if function is None or _name(function.group("name")) != "url":
                        continue
                    name_start, paren_end = function.start(), function.end()
                else:
                    previous_escape_end, escape_end = escape_end, match.end("escname")
                    if match.group("escparen") is None:
                        continue
                    found = _escaped_name(text, match, previous_escape_end)
                    if found is None or found[2] == "#" or found[2] == "@" or found[0] != "url":
                        stack.append(")")
                        continue
                    name_start, paren_end = found[1], match.end()
                pos, still_open = _url_function(text, name_start, paren_end, "url", raws)
                if still_open:
                    stack.append(")")
                break
        else:
            return length, ""


def _function_of_interest(
    text: str, name: str, name_start: int, paren_end: int, raws: list[_Raw]
) -> int:
    """Read the arguments of ``url(``, ``src(`` or ``image-set(`` found outside any of them;
    returns where the scan resumes."""
    if name == "url":
        end, _ = _url_function(text, name_start, paren_end, "url", raws)
        return end
    if name == "src":
        _src_reference(text, paren_end, raws)
        return paren_end  # the string is an ordinary token to the rest of the scan
    end, _ = _walk(text, paren_end, raws, image_set=True, statement=False)
    return end


def _scan_raw(text: str) -> list[_Raw]:
    raws: list[_Raw] = []
    length = len(text)
    pos = 0
    escape_end = -1
    while True:
        for match in _TOP.finditer(text, pos):
            group = match.lastgroup
            if group == "skip":
                continue
            if group == "url":  # the common case: all done in one match
                raw, _ = _url_reference(match, match.start() - 3, "url", length)
                if raw is not None:
                    raws.append(raw)
                continue
            if group == "comment":
                _sourcemap_reference(text, match, raws)
                continue
            if group == "src":
                _src_reference(text, match.end(), raws)
                continue
            # The rarer tokens: their ends are found outside this finditer, so it restarts.
            if group == "imageset":
                pos, _ = _walk(text, match.end(), raws, image_set=True, statement=False)
            elif group == "atimport":
                found, pos = _import_reference(text, match.end(), raws)
                if found is not None:
                    raws.append(found)
            elif group == "cdo":
                function = _INTERESTING_FUNCTION.match(text, match.end())
                assert function is not None  # the boring "<" leaves only this case
                name = _name(function.group("name"))
                pos = _function_of_interest(text, name, function.start(), function.end(), raws)
            else:  # an identifier spelled with an escape: "u\72l(" is url( all the same
                previous_escape_end, escape_end = escape_end, match.end("escname")
                escaped = _escaped_name(text, match, previous_escape_end)
                if escaped is None:
                    continue
                name, name_start, before = escaped
                if before == "@":
                    if name != "import":
                        continue
                    found, pos = _import_reference(text, match.end("escname"), raws)
                    if found is not None:
                        raws.append(found)
                elif before == "#" or match.group("escparen") is None:
                    continue
                elif name in _INTERESTING_NAMES:
                    pos = _function_of_interest(text, name, name_start, match.end(), raws)
                else:
                    continue
            break
        else:
            return raws


def _with_positions(text: str, raws: list[_Raw]) -> list[Reference]:
    """Attach line and column to references sorted by ``start``. No reference starts between
    the CR and LF of a CRLF (every start follows a quote, "(", "=" or a whole run of white
    space), as ``line_columns`` requires."""
    places = line_columns(text, (raw[2] for raw in raws))
    return [
        Reference(url, kind, start, end, token_start, token_end, quote, line, column)
        for (url, kind, start, end, token_start, token_end, quote), (line, column) in zip(
            raws, places, strict=True
        )
    ]


def scan(text: str) -> list[Reference]:
    """Every URL reference in ``text``, in source order.

    Unquoted ``url()`` tokens, ``url("...")``, ``@import "x"`` / ``@import url(x)`` (wherever
    it appears; :func:`prelude` tells which imports a browser honours), strings among the
    arguments of ``image-set()`` / ``-webkit-image-set()``, ``src("x")``, and
    ``/*# sourceMappingURL=x */`` comments. Nothing inside other comments or inside strings
    counts. ``data:``, absolute and fragment-only URLs are reported like any other: which ones
    to leave alone is the caller's decision. Never raises.
    """
    return _with_positions(text, _scan_raw(text))


# --- Rewriting -----------------------------------------------------------------------------------

# In a string only the quote, the backslash and newlines must be escaped; spaces and tabs are
# escaped too because rcssmin squeezes the whitespace inside url("a b") to url("ab").
_UNSAFE_IN_STRING = {'"': re.compile(r'["\\ \t\n\r\f]'), "'": re.compile(r"['\\ \t\n\r\f]")}
_UNSAFE_IN_URL = re.compile(r"[\"'()\\ \t\n\r\f\x01-\x08\x0b\x0e-\x1f\x7f]")
_UNSAFE_IN_COMMENT = re.compile(r"[\s*]")


def _css_escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in "\"'()\\":
        return "\\" + char
    # A hex escape always ends with a space so the next character cannot extend it (4.3.7).
    return f"\\{ord(char):x} "


def _percent_escape(match: re.Match[str]) -> str:
    return "".join(f"%{byte:02X}" for byte in match.group().encode())


def _encode(url: str, reference: Reference) -> str:
    """``url`` written so that it reads back as ``url`` in the reference's token."""
    escape: Callable[[re.Match[str]], str]
    if reference.kind == "sourcemap":
        # A comment has no escapes: the URL is percent-encoded so it cannot end the comment
        # or be cut at whitespace.
        pattern, escape = _UNSAFE_IN_COMMENT, _percent_escape
    elif reference.quote:
        pattern, escape = _UNSAFE_IN_STRING[reference.quote], _css_escape
    else:
        pattern, escape = _UNSAFE_IN_URL, _css_escape
    return pattern.sub(escape, url)


def rewrite(text: str, replacements: Mapping[Reference, str | None]) -> str:
    """``text`` with the URL of each reference in ``replacements`` replaced.

    The references must come from ``scan(text)`` or ``prelude(text)``. Each new URL is a plain
    URL (percent-encoded already, as a URL should be); it is escaped here for the token it goes
    into. A reference whose new URL equals its ``url`` keeps its bytes as written, so mapping
    every reference to its own URL returns ``text`` unchanged. ``None`` drops a source map
    comment; for any other kind it is a ``ValueError``, as are references that overlap or do not
    fit in ``text``. References not in the mapping are left alone.
    """
    pieces: list[str] = []
    pos = 0
    previous_end = 0
    for reference, url in sorted(replacements.items(), key=lambda item: item[0].token_start):
        if not (
            previous_end
            <= reference.token_start
            <= reference.start
            <= reference.end
            <= reference.token_end
            <= len(text)
        ):
            raise ValueError(
                f"reference does not fit in this text, or overlaps another: {reference}"
            )
        previous_end = reference.token_end
        if url is None:
            if reference.kind != "sourcemap":
                raise ValueError(f"only a sourcemap reference can be dropped, not {reference}")
            pieces.append(text[pos : reference.token_start])
            pos = reference.token_end
        elif url != reference.url:
            pieces.append(text[pos : reference.start])
            pieces.append(_encode(url, reference))
            pos = reference.end
    pieces.append(text[pos:])
    return "".join(pieces)


# --- The prelude ---------------------------------------------------------------------------------


def _condition(text: str) -> str:
    """An @import condition with its comments removed (a comment separates tokens, so it
    becomes a space) and surrounding whitespace stripped."""
    return _CONDITION_PARTS.sub(lambda m: m.group("string") or " ", text).strip(" \t\n\r\f")


def prelude(text: str) -> Prelude:
    """The ``@charset``, the honoured ``@import`` rules and where the body starts.

    Per CSS Cascade 5 section 2.1, ``@import`` rules count only before every other rule except
    ``@charset`` and ``@layer`` statements (``@layer a, b;``, no block). An ``@import`` that
    names no URL or has a block is invalid, and is where the body starts.
    """
    charset_match = _CHARSET.match(text)
    charset = charset_match.group("name") if charset_match else None
    charset_end = charset_match.end() if charset_match else 0
    length = len(text)
    pos = charset_end
    imports: list[tuple[int, int, _Raw, str]] = []
    while True:
        pos = _skip(_PRELUDE_GAP, text, pos)
        at = _AT_KEYWORD.match(text, pos)
        if at is None:
            break
        name = _name(at.group("name"))
        if name == "import":
            raw, url_end = _import_reference(text, at.end(), [])
            if raw is None:
                break
            end, ended_by = _walk(text, url_end, None, image_set=False, statement=True)
            if ended_by == "{":
                break
            condition_end = end - 1 if ended_by == ";" else end
            imports.append((pos, end, raw, _condition(text[url_end:condition_end])))
            pos = end
        elif name in ("layer", "charset"):
            end, ended_by = _walk(text, at.end(), None, image_set=False, statement=True)
            if ended_by == "{":
                break
            pos = end
        else:
            break
    references = _with_positions(text, [raw for _, _, raw, _ in imports])
    return Prelude(
        charset=charset,
        charset_end=charset_end,
        imports=tuple(
            ImportRule(start, end, reference, condition)
            for (start, end, _, condition), reference in zip(imports, references, strict=True)
        ),
        body_start=min(pos, length),
    )
