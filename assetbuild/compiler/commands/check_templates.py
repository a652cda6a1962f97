"""``assetbuild check-templates``: is every asset a template names in the manifest?

Owns: finding template files (``*.html``, ``*.jinja``, ``*.jinja2``, ``*.j2``, ``*.txt``,
``*.xml``) under directories; scanning their text for the runtime's lookups with a literal name,
in Jinja2 (``{{ asset_url("css/app.css") }}``, calls inside ``{% %}`` too) and in Django
(``{% asset_tag "js/app.js" defer=True %}``); and the problem, with a close match, for each name
the manifest lacks.
Must not: render, compile or import a template engine (a template need not be valid to be
checked, and the scanner never raises on any text), write anything, or know exit statuses.

The scanner is a small lexer, not a parser: it finds the ``{{ }}`` and ``{% %}`` blocks (with
Jinja2's default delimiters), skips comments and ``raw``/``verbatim``/``comment`` sections, and
reads a block's tokens. A name counts when it is a string literal (or adjacent literals, which
Jinja2 joins): the first argument of a call, or ``name="..."``, or a Django tag's first argument
not followed by a filter. Anything else (a variable, ``"css/" ~ theme``) is a ``Lookup`` without
a name: counted, not checked.
"""

from __future__ import annotations

import bisect
import difflib
import os
import re
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from assetbuild.compiler.scan.positions import LineIndex
from assetbuild.errors import Problem

FUNCTIONS = frozenset({"asset_url", "asset_integrity", "asset_tag", "asset_preload"})
EXTENSIONS = frozenset({".html", ".jinja", ".jinja2", ".j2", ".txt", ".xml"})

_OPENER = re.compile(r"\{[{%#]")
_TOKEN = re.compile(
    r"""
      (?P<space>\s+)
    | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
    | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
    | (?P<end>[}%]\})
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
# Sections whose content is not template code: Jinja2's raw, Django's verbatim and comment.
_SECTIONS = {"raw": "endraw", "verbatim": "endverbatim", "comment": "endcomment"}
_FIRST_WORD = re.compile(r"[-+]?\s*([A-Za-z_][A-Za-z0-9_]*)")
_BRACKETS = {"(": ")", "[": "]", "{": "}"}
# How many closers past the first a block may be read for one that is not in a string.
_LOOKAHEAD = 4


@dataclass(frozen=True)
class Lookup:
    """One use of an asset function in a template."""

    file: str
    line: int  # 1-based, like the column
    column: int  # of the name's opening quote; of the function name when not a literal
    function: str
    name: str | None  # None: the argument is not a literal, so it cannot be checked


@dataclass(frozen=True)
class Check:
    """The outcome of checking templates against a manifest's logical paths."""

    files: int  # templates read
    lookups: tuple[Lookup, ...]  # every use found, literal or not, in file and text order
    problems: tuple[Problem, ...]  # a missing name (with a close match), or an unreadable file

    @property
    def checked(self) -> tuple[Lookup, ...]:
        return tuple(lookup for lookup in self.lookups if lookup.name is not None)

    @property
    def skipped(self) -> tuple[Lookup, ...]:
        return tuple(lookup for lookup in self.lookups if lookup.name is None)


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    start: int  # offset in the template's text


def find_templates(paths: Iterable[Path]) -> tuple[Path, ...]:
    """The template files under ``paths``, sorted: every file with a template extension under a
    directory (dotfiles and dot-directories left out), and every file named directly."""
    found: set[Path] = set()
    for path in paths:
        if not path.is_dir():
            found.add(path)
            continue
        for directory, dirs, files in os.walk(path):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            for name in files:
                if not name.startswith(".") and os.path.splitext(name)[1].lower() in EXTENSIONS:
                    found.add(Path(directory, name))
    return tuple(sorted(found))


def check(paths: Iterable[Path], names: Collection[str]) -> Check:
    """Scan the templates under ``paths`` for lookups of names not in ``names``."""
    templates = find_templates(paths)
    lookups: list[Lookup] = []
    problems: list[Problem] = []
    known = sorted(names)
    for template in templates:
        try:
            data = template.read_bytes()
        except OSError as exc:
            problems.append(Problem(f"cannot be read: {exc.strerror or exc}", str(template)))
            continue
        text = data.decode("utf-8", errors="replace").removeprefix("\ufeff")
        for lookup in scan(text, str(template)):
            lookups.append(lookup)
            if lookup.name is not None and lookup.name not in names:
                problems.append(_missing(lookup, known))
    return Check(len(templates), tuple(lookups), tuple(problems))


def _missing(lookup: Lookup, known: list[str]) -> Problem:
    close = difflib.get_close_matches(lookup.name or "", known, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return Problem(
        f"{lookup.name!r} is not in the manifest{hint}", lookup.file, lookup.line, lookup.column
    )


def scan(text: str, file: str = "<template>") -> tuple[Lookup, ...]:
    """Every use of an asset function in ``text``, in order. Never raises.

    Each block is read once in the usual case, and a few times at most in any text, so a huge or
    hostile file costs time in proportion to its size.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # Lookups in one block need not come in offset order ({{ asset_url(f(asset_url(x)),
    # name="y") }}), so places are found by index rather than by line_columns.
    lines = LineIndex(text)
    ends = _Ends(text)
    found: list[Lookup] = []
    position = 0
    while True:
        opener = _OPENER.search(text, position)
        if opener is None:
            break
        kind = opener.group()
        closer = {"{{": "}}", "{%": "%}", "{#": "#}"}[kind]
        first = ends.at(closer, opener.end())
        if first is None:  # never closed: plain text, as far as a template engine can tell
            position = opener.end()
            continue
        if kind == "{#":
            position = first + 2
            continue
        body = opener.end()
        stop = _close(text, body, ends.limit(closer, body), closer)
        if stop is None:
            # Not closed outside strings and braces within a few closers: take the first closer,
            # as Django's lexer does.
            stop = first
        position = stop + 2
        keyword = _FIRST_WORD.match(text, body, stop)
        if kind == "{%" and keyword is not None and keyword.group(1) in _SECTIONS:
            position = _after_section(text, position, _SECTIONS[keyword.group(1)])
            continue
        if "asset_" not in text[body:stop]:
            continue  # the common case, decided without reading the block's tokens
        for function, offset, name in _lookups(_tokens(text, body, stop), django=kind == "{%"):
            line, column = lines.place(offset)
            found.append(Lookup(file, line, column, function, name))
    return tuple(found)


class _Ends:
    """Where each closer occurs in a text, found once, so no search is repeated per block."""

    def __init__(self, text: str) -> None:
        self.length = len(text)
        self.offsets = {
            closer: [m.start() for m in re.finditer(f"(?={re.escape(closer)})", text)]
            for closer in ("}}", "%}", "#}")
        }

    def at(self, closer: str, start: int, nth: int = 0) -> int | None:
        """The offset of the ``nth`` (0-based) ``closer`` at or after ``start``, if any."""
        offsets = self.offsets[closer]
        index = bisect.bisect_left(offsets, start) + nth
        return offsets[index] if index < len(offsets) else None

    def limit(self, closer: str, start: int) -> int:
        """How far a block's careful reading may go: a few closers on (some may sit in strings)."""
        offset = self.at(closer, start, _LOOKAHEAD)
        return self.length if offset is None else offset + 2


def _close(text: str, start: int, stop: int, closer: str) -> int | None:
    """Where a block from ``start`` ends: its ``closer`` outside strings (and for ``}}``, outside
    a dict literal's braces, as Jinja2's lexer balances them); None if ``stop`` comes first."""
    depth = 0  # of { } only: no other bracket makes a "}}"
    for match in _TOKEN.finditer(text, start, stop):
        value = match.group()
        if match.lastgroup == "end":
            if value == closer and (closer == "%}" or depth <= 1):
                return match.start()
            if value == "}}":  # two closing braces inside an expression: {"a": {"b": 1}} }}
                depth = max(depth - 2, 0)
        elif value == "{":
            depth += 1
        elif value == "}":
            depth = max(depth - 1, 0)
    return None


def _tokens(text: str, start: int, stop: int) -> list[_Token]:
    return [
        _Token(match.lastgroup or "other", match.group(), match.start())
        for match in _TOKEN.finditer(text, start, stop)
    ]


def _after_section(text: str, start: int, end_tag: str) -> int:
    pattern = re.compile(r"\{%[-+]?\s*" + end_tag + r"\b.*?%\}", re.DOTALL)
    match = pattern.search(text, start)
    return len(text) if match is None else match.end()


def _lookups(tokens: list[_Token], *, django: bool) -> Iterator[tuple[str, int, str | None]]:
    """(function, offset, literal name or None) for each asset function used in a block."""
    words = [t for t in tokens if t.kind != "space"]
    while words and words[0].text in ("-", "+"):  # whitespace control: {%- ... %}
        del words[0]
    for index, token in enumerate(words):
        if token.kind != "name" or token.text not in FUNCTIONS:
            continue
        if index > 0 and words[index - 1].text == ".":
            continue  # an attribute of something else: obj.asset_url(...)
        following = words[index + 1] if index + 1 < len(words) else None
        if following is not None and following.text == "(":
            yield token.text, *_call_argument(words, index + 2, token)
        elif django and index == 0:
            yield token.text, *_django_argument(tokens, token)
        # else: the function named but not called here ({{ asset_url }}, {% set f = asset_url %})


def _call_argument(words: list[_Token], start: int, function: _Token) -> tuple[int, str | None]:
    """The first argument of a call (or its ``name=`` keyword) when it is a literal."""
    arguments: list[list[_Token]] = [[]]
    depth = 0
    for token in words[start:]:
        if depth == 0 and token.text in (",", ")"):
            if token.text == ")":
                break
            arguments.append([])
            continue
        if token.text in _BRACKETS:
            depth += 1
        elif token.text in _BRACKETS.values():
            depth -= 1
        arguments[-1].append(token)
    else:
        return function.start, None  # the call is never closed
    for argument in arguments:
        if len(argument) > 2 and argument[0].text == "name" and argument[1].text == "=":
            return _literal(argument[2:], function)
    first = arguments[0]
    if len(first) > 1 and first[0].kind == "name" and first[1].text == "=":
        return function.start, None  # keyword arguments only, none of them the name
    return _literal(first, function)


def _literal(argument: list[_Token], function: _Token) -> tuple[int, str | None]:
    if argument and all(token.kind == "string" for token in argument):
        return argument[0].start, "".join(_unquote(token.text) for token in argument)
    return function.start, None


def _django_argument(tokens: list[_Token], function: _Token) -> tuple[int, str | None]:
    """A Django tag's first argument (``"x"`` or ``name="x"``), split on spaces like Django's
    ``smart_split``: a literal only when nothing (a filter, say) is attached to it."""
    bits: list[list[_Token]] = []
    after = False
    for token in tokens[tokens.index(function) + 1 :]:
        if token.kind == "space":
            after = True
            continue
        if after or not bits:
            bits.append([])
            after = False
        bits[-1].append(token)
    if not bits:
        return function.start, None
    first = bits[0]
    if len(first) == 3 and first[0].text == "name" and first[1].text == "=":
        first = first[2:]
    if len(first) == 1 and first[0].kind == "string":
        return first[0].start, _unquote(first[0].text, django=True)
    return function.start, None


def _unquote(literal: str, *, django: bool = False) -> str:
    body = literal[1:-1]
    if "\\" not in body:
        return body
    if django:  # django.utils.text.unescape_string_literal
        quote = literal[0]
        return body.replace(f"\\{quote}", quote).replace("\\\\", "\\")
    try:  # Jinja2 reads string literals with Python's unicode escapes
        return body.encode("ascii", "backslashreplace").decode("unicode-escape")
    except UnicodeDecodeError:
        return body
