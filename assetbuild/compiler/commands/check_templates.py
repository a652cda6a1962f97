"""``assetbuild check-templates``: is every asset a template names in the manifest?

Owns: finding template files (``*.html``, ``*.jinja``, ``*.jinja2``, ``*.j2``, ``*.txt``,
``*.xml``) under directories; scanning their text for the runtime's lookups with a literal name,
in Jinja2 (``{{ asset_url("css/app.css") }}``, calls inside ``{% %}`` too, and Flask's
``url_for("static", filename="x")`` and ``url_for("wiki.static", filename="x")``, which the
Flask integration answers from the manifest, a blueprint's files under ``wiki/``) and in Django
(``{% asset_tag "js/app.js" defer=True %}``, and ``{% static "x" %}``, which the release storage
answers); the problem, with a close match, for each name the manifest lacks; a problem for each
webassets ``{% assets %}`` block left in a template (a migration's leftover: without Flask-Assets
or django-assets the template does not even compile), with the tag to write instead; and a
warning, with the lookup to use instead, for each literal URL under the release's prefix
(``href="/static/x"``), which bypasses the manifest.
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
import json
import os
import re
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from assetbuild.compiler.scan.positions import LineIndex
from assetbuild.errors import Problem

FUNCTIONS = frozenset({"asset_url", "asset_integrity", "asset_tag", "asset_preload"})
# Flask's url_for: a lookup when its endpoint is "static" or "<blueprint>.static".
URL_FOR = "url_for"
# webassets' block tag (Flask-Assets' Jinja2 extension, django-assets' tag library).
ASSETS_TAG = "assets"
# Django's {% static %} tag: with assetbuild's storage it answers from the manifest too.
DJANGO_TAGS = frozenset({"static"})
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
    # For url_for: the endpoint as written ("static", "wiki.static"); the name is the logical
    # path it stands for (the filename, under "wiki/" for a blueprint's).
    endpoint: str | None = None


@dataclass(frozen=True)
class AssetsBlock:
    """A webassets ``{% assets ... %}`` tag: what it names, where, so the fix can be spelled out."""

    file: str
    line: int
    column: int  # of the tag's opening brace
    names: tuple[str, ...]  # its literal positional arguments: bundle names, or input files
    output: str | None  # its literal output= argument
    literal: bool  # whether every argument that names a bundle or an input is a literal


@dataclass(frozen=True)
class LiteralUrl:
    """A URL written out under the release's prefix: it names no fingerprinted file."""

    file: str
    line: int
    column: int  # of the URL's first character
    url: str  # as written
    name: str  # the logical path it stands for


@dataclass(frozen=True)
class Check:
    """The outcome of checking templates against a manifest's logical paths."""

    files: int  # templates read
    lookups: tuple[Lookup, ...]  # every use found, literal or not, in file and text order
    problems: tuple[Problem, ...]  # a missing name (with a close match), a webassets block, or
    # an unreadable file
    warnings: tuple[Problem, ...] = ()  # literal URLs under the prefix, each with its fix
    blocks: tuple[AssetsBlock, ...] = ()  # webassets {% assets %} tags, each a problem too

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


def check(
    paths: Iterable[Path],
    names: Collection[str],
    url: str | None = None,
    aliases: Mapping[str, str] | None = None,
) -> Check:
    """Scan the templates under ``paths`` for lookups of names not in ``names``, for webassets'
    ``{% assets %}`` blocks (the fix names an alias of ``aliases`` when one matches the bundle),
    and (given the release's ``url`` prefix) for literal URLs under it."""
    templates = find_templates(paths)
    lookups: list[Lookup] = []
    blocks: list[AssetsBlock] = []
    problems: list[Problem] = []
    warnings: list[Problem] = []
    known = sorted(names)
    for template in templates:
        try:
            data = template.read_bytes()
        except OSError as exc:
            problems.append(Problem(f"cannot be read: {exc.strerror or exc}", str(template)))
            continue
        text = data.decode("utf-8", errors="replace").removeprefix("\ufeff")
        django = _looks_like_django(text)
        found: list[tuple[int, int, Problem]] = []  # problems of one file, in text order
        for lookup in scan(text, str(template)):
            lookups.append(lookup)
            if lookup.name is not None and lookup.name not in names:
                found.append((lookup.line, lookup.column, _missing(lookup, known)))
        for block in scan_blocks(text, str(template)):
            blocks.append(block)
            problem = _block_problem(block, names, aliases or {}, django)
            found.append((block.line, block.column, problem))
        problems.extend(problem for _, _, problem in sorted(found, key=lambda f: f[:2]))
        if url:
            for literal in scan_urls(text, url, str(template)):
                warnings.append(_literal_warning(literal, names, django))
    return Check(len(templates), tuple(lookups), tuple(problems), tuple(warnings), tuple(blocks))


def _looks_like_django(text: str) -> bool:
    # Only Django loads tag libraries; a Jinja2 template has no {% load %}.
    return re.search(r"\{%-?\s*load\s", text) is not None


def _literal_warning(literal: LiteralUrl, names: Collection[str], django: bool) -> Problem:
    quoted = json.dumps(literal.name, ensure_ascii=False)
    lookup = f"{{% asset_url {quoted} %}}" if django else f"{{{{ asset_url({quoted}) }}}}"
    missing = "" if literal.name in names else f" ({literal.name!r} is not in the manifest)"
    return Problem(
        f"{literal.url} is a literal URL under the release's prefix: it names no fingerprinted "
        f"file and bypasses the manifest{missing}; write {lookup}",
        literal.file,
        literal.line,
        literal.column,
        severity="warning",
    )


def _missing(lookup: Lookup, known: list[str]) -> Problem:
    close = difflib.get_close_matches(lookup.name or "", known, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    named = repr(lookup.name)
    if lookup.endpoint is not None:
        named = f"{lookup.name!r} (url_for({lookup.endpoint!r}, filename=...))"
    return Problem(f"{named} is not in the manifest{hint}", lookup.file, lookup.line, lookup.column)


def _block_problem(
    block: AssetsBlock, names: Collection[str], aliases: Mapping[str, str], django: bool
) -> Problem:
    """What to write instead of a webassets block: a tag per bundle it names, by the alias (the
    bundle's name, as ``assetbuild import webassets`` keeps it) or logical path the manifest
    has; for a block that lists input files, its output's logical path."""
    chosen = [name for name in block.names if name in names]
    if block.literal and block.names and len(chosen) == len(block.names):
        targets = chosen
    elif block.output is not None and block.output in names:
        targets = [block.output]
    else:
        targets = []

    def tag(name: str) -> str:
        quoted = json.dumps(name, ensure_ascii=False)
        return f"{{% asset_tag {quoted} %}}" if django else f"{{{{ asset_tag({quoted}) }}}}"

    arguments = [json.dumps(n, ensure_ascii=False) for n in block.names]
    if block.output is not None:
        arguments.insert(0, f"output={json.dumps(block.output, ensure_ascii=False)}")
    opening = f"{{% assets {', '.join(arguments) or '...'} %}}"
    load = " (after {% load assetbuild %})" if django else ""
    if targets:
        described = [
            f"{name!r} is the alias of {aliases[name]!r}" for name in targets if name in aliases
        ]
        fix = (
            f"replace the block, up to its {{% endassets %}}, with {' '.join(map(tag, targets))}"
            + load
            + (f" ({'; '.join(described)})" if described else "")
            + "; where the block's markup uses {{ ASSET_URL }}, write asset_url instead"
        )
    else:
        missing = [block.output] if block.output else [*block.names] or ["its bundle"]
        fix = (
            f"the manifest has no alias or logical path {' or '.join(map(repr, missing))}: "
            "convert the bundles with `assetbuild import webassets` (it keeps each bundle's "
            f"name as an alias), then replace the block with {tag('<alias or path>')}{load}"
        )
    return Problem(
        f"{opening} is webassets' tag, which assetbuild replaces (without Flask-Assets or "
        f"django-assets the template does not compile): {fix}",
        block.file,
        block.line,
        block.column,
    )


def scan(text: str, file: str = "<template>") -> tuple[Lookup, ...]:
    """Every use of an asset function (or of Django's ``{% static %}``) in ``text``, in order.
    Never raises.

    Each block is read once in the usual case, and a few times at most in any text, so a huge or
    hostile file costs time in proportion to its size.
    """
    text = _normal(text)
    # Lookups in one block need not come in offset order ({{ asset_url(f(asset_url(x)),
    # name="y") }}), so places are found by index rather than by line_columns.
    lines = LineIndex(text)
    found: list[Lookup] = []
    for kind, body, stop in _walk(text):
        if kind == "text":
            continue
        keyword = _FIRST_WORD.match(text, body, stop)
        django_tag = kind == "{%" and keyword is not None and keyword.group(1) in DJANGO_TAGS
        inside = text[body:stop]
        if "asset_" not in inside and URL_FOR not in inside and not django_tag:
            continue  # the common case, decided without reading the block's tokens
        for function, offset, name in _lookups(_tokens(text, body, stop), django=kind == "{%"):
            line, column = lines.place(offset)
            function, _, endpoint = function.partition(":")
            found.append(Lookup(file, line, column, function, name, endpoint or None))
    return tuple(found)


# Where a URL is written in HTML and CSS: a src= or href= attribute (quoted or not) and url().
# PREFIX stands for the release's prefix. A quoted URL must end with its quote within the text
# before any template code, and a bare one at a space or the tag's end: a URL that template code
# continues (href="/static/{{ theme }}.css") is not written out.
_URL_PLACES = r"""
      \b(?:src|href)\s*=\s*(?:
          "(?P<dq>PREFIX[^"<>{}]*)"
        | '(?P<sq>PREFIX[^'<>{}]*)'
        | (?P<uq>PREFIX[^\s"'<>`={}]+)(?=\s|/?>)
      )
    | \burl\(\s*(?:
          "(?P<cdq>PREFIX[^"<>{}]*)"
        | '(?P<csq>PREFIX[^'<>{}]*)'
        | (?P<cuq>PREFIX[^\s"'()<>{}]+)
      )\s*\)
"""
_URL_GROUPS = ("dq", "sq", "uq", "cdq", "csq", "cuq")


def scan_urls(text: str, prefix: str, file: str = "<template>") -> tuple[LiteralUrl, ...]:
    """Every literal URL under ``prefix`` in the template's text (outside its code, comments and
    ``raw``/``verbatim``/``comment`` sections) in a ``src=``, ``href=`` or ``url()``, in order.
    Never raises."""
    text = _normal(text)
    lines = LineIndex(text)
    pattern = re.compile(
        _URL_PLACES.replace("PREFIX", re.escape(prefix)), re.IGNORECASE | re.VERBOSE
    )
    found: list[LiteralUrl] = []
    for kind, start, stop in _walk(text):
        if kind != "text" or prefix not in text[start:stop]:
            continue
        for match in pattern.finditer(text, start, stop):
            group = next(g for g in _URL_GROUPS if match.group(g) is not None)
            url = match.group(group)
            path = url[len(prefix) :].split("?", 1)[0].split("#", 1)[0]
            if not path or path.endswith("/"):
                continue  # the prefix itself, or a directory: no file to name
            line, column = lines.place(match.start(group))
            found.append(LiteralUrl(file, line, column, url, unquote(path)))
    return tuple(found)


def _normal(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _walk(text: str) -> Iterator[tuple[str, int, int]]:
    """The template's parts, in order: ``("text", start, stop)`` for text, and ``("{{", body,
    stop)`` or ``("{%", body, stop)`` for a block, ``body`` to ``stop`` being its inside.
    Comments and ``raw``/``verbatim``/``comment`` sections are left out."""
    ends = _Ends(text)
    position = 0
    while True:
        opener = _OPENER.search(text, position)
        if opener is None:
            break
        if opener.start() > position:
            yield "text", position, opener.start()
        kind = opener.group()
        closer = {"{{": "}}", "{%": "%}", "{#": "#}"}[kind]
        first = ends.at(closer, opener.end())
        if first is None:  # never closed: plain text, as far as a template engine can tell
            yield "text", opener.start(), opener.end()
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
        yield kind, body, stop
    if position < len(text):
        yield "text", position, len(text)


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


def scan_blocks(text: str, file: str = "<template>") -> tuple[AssetsBlock, ...]:
    """Every webassets ``{% assets ... %}`` tag in ``text``, in order. Never raises."""
    text = _normal(text)
    lines = LineIndex(text)
    found: list[AssetsBlock] = []
    for kind, body, stop in _walk(text):
        keyword = _FIRST_WORD.match(text, body, stop)
        if kind != "{%" or keyword is None or keyword.group(1) != ASSETS_TAG:
            continue
        words = [t for t in _tokens(text, keyword.end(), stop) if t.kind not in ("space", "end")]
        if words and words[-1].text in ("-", "+"):  # whitespace control: ... -%}
            del words[-1]
        names: list[str] = []
        output = None
        literal = True
        for argument in _split(words, ","):
            if _is_keyword(argument):
                value = _string_value(argument[2:])
                if argument[0].text == "output":
                    output = value
                continue  # filters=, debug=, depends= ...: nothing to look up
            value = _string_value(argument)
            if value is None:
                literal = False  # a bundle held in a variable
            else:
                names.append(value)
        line, column = lines.place(body - 2)
        found.append(AssetsBlock(file, line, column, tuple(names), output, literal))
    return tuple(found)


def _split(words: list[_Token], separator: str) -> list[list[_Token]]:
    """``words`` split at ``separator``s outside brackets; empty parts left out."""
    parts: list[list[_Token]] = [[]]
    depth = 0
    for token in words:
        if token.text in _BRACKETS:
            depth += 1
        elif token.text in _BRACKETS.values():
            depth -= 1
        if depth == 0 and token.text == separator:
            parts.append([])
        else:
            parts[-1].append(token)
    return [part for part in parts if part]


def _string_value(argument: list[_Token]) -> str | None:
    if argument and all(token.kind == "string" for token in argument):
        return "".join(_unquote(token.text) for token in argument)
    return None


def _lookups(tokens: list[_Token], *, django: bool) -> Iterator[tuple[str, int, str | None]]:
    """(function, offset, literal name or None) for each asset function used in a block; for
    url_for, the function is written ``url_for:<endpoint>``."""
    words = [t for t in tokens if t.kind != "space"]
    while words and words[0].text in ("-", "+"):  # whitespace control: {%- ... %}
        del words[0]
    for index, token in enumerate(words):
        if django and index == 0 and token.text in DJANGO_TAGS:
            yield token.text, *_django_argument(tokens, token)
            continue
        if token.kind != "name" or (token.text not in FUNCTIONS and token.text != URL_FOR):
            continue
        if index > 0 and words[index - 1].text == ".":
            continue  # an attribute of something else: obj.asset_url(...)
        following = words[index + 1] if index + 1 < len(words) else None
        if token.text == URL_FOR:
            if following is not None and following.text == "(":
                found = _url_for(words, index + 2, token)
                if found is not None:
                    yield found
        elif following is not None and following.text == "(":
            yield token.text, *_call_argument(words, index + 2, token)
        elif django and index == 0:
            yield token.text, *_django_argument(tokens, token)
        # else: the function named but not called here ({{ asset_url }}, {% set f = asset_url %})


def _url_for(
    words: list[_Token], start: int, function: _Token
) -> tuple[str, int, str | None] | None:
    """A ``url_for`` call of a static endpoint: ("url_for:<endpoint>", offset, the logical path
    its filename stands for, or None when that is not a literal); None for any other endpoint."""
    arguments = _arguments(words, start)
    if arguments is None or not arguments:
        return None  # never closed, or no argument
    keywords = {argument[0].text: argument[2:] for argument in arguments if _is_keyword(argument)}
    positional = None if _is_keyword(arguments[0]) else arguments[0]
    written = keywords.get("endpoint", positional)
    endpoint = _string_value(written) if written else None
    if endpoint is None or not (endpoint == "static" or endpoint.endswith(".static")):
        return None  # another endpoint, or one not written out: not an asset's URL
    function_name = f"{URL_FOR}:{endpoint}"
    filename = keywords.get("filename")
    value = _string_value(filename) if filename else None
    if value is None or endpoint.startswith("."):
        # ".static" is the static folder of whichever blueprint renders the template.
        return function_name, function.start, None
    blueprint = endpoint[: -len(".static")]
    # The Flask integration publishes a blueprint's static files under "<blueprint name>/".
    name = f"{blueprint}/{value}" if blueprint else value
    return function_name, filename[0].start if filename else function.start, name


def _is_keyword(argument: list[_Token]) -> bool:
    return len(argument) > 2 and argument[0].kind == "name" and argument[1].text == "="


def _arguments(words: list[_Token], start: int) -> list[list[_Token]] | None:
    """The arguments of a call whose ``(`` is just before ``start``; None if it is never closed."""
    arguments: list[list[_Token]] = [[]]
    depth = 0
    for token in words[start:]:
        if depth == 0 and token.text in (",", ")"):
            if token.text == ")":
                return [argument for argument in arguments if argument]
            arguments.append([])
            continue
        if token.text in _BRACKETS:
            depth += 1
        elif token.text in _BRACKETS.values():
            depth -= 1
        arguments[-1].append(token)
    return None


def _call_argument(words: list[_Token], start: int, function: _Token) -> tuple[int, str | None]:
    """The first argument of a call (or its ``name=`` keyword) when it is a literal."""
    arguments = _arguments(words, start)
    if not arguments:
        return function.start, None  # the call is never closed, or has no argument
    for argument in arguments:
        if len(argument) > 2 and argument[0].text == "name" and argument[1].text == "=":
            return _literal(argument[2:], function)
    if _is_keyword(arguments[0]):
        return function.start, None  # keyword arguments only, none of them the name
    return _literal(arguments[0], function)


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
