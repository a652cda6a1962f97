"""Django templates, read as Django's own lexer reads them, without Django.

Owns: finding template files under directories and reading them (UTF-8, as Django does); the
tokens of a template (a tag, a variable or a comment, each on one line, as Django's ``tag_re``;
``verbatim`` and ``comment`` sections are not code); the name a ``{% static "x" %}`` tag names
literally; and the ``{% compress %}`` ... ``{% endcompress %}`` blocks, paired as Django's parser
pairs them.
Must not: import Django, render a template, or know what a block holds (``compressor`` reads it).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from assetbuild.compiler.commands.check_templates import find_templates
from assetbuild.compiler.scan.positions import LineIndex
from assetbuild.errors import ConfigError


@dataclass(frozen=True)
class Template:
    path: Path  # as found under the path given
    name: str  # its name for Django's loaders: relative to the directory given, "/"-separated
    data: bytes
    text: str


def read_templates(paths: Sequence[Path]) -> list[Template]:
    found: dict[str, Template] = {}
    for path in paths:
        if path.is_dir():
            named = [(file, file.relative_to(path).as_posix()) for file in find_templates([path])]
        elif path.is_file():
            named = [(path, path.name)]
        else:
            raise ConfigError(
                "no such template directory or file; pass the directories that hold your "
                "templates (TEMPLATES' DIRS, and each app's templates/)",
                file=path,
            )
        for file, name in named:
            key = os.path.realpath(file)
            if key not in found:  # named twice (a directory and a file in it): read once
                found[key] = read_template(file, name)
    return sorted(found.values(), key=lambda t: (t.name, str(t.path)))


def read_template(path: Path, name: str) -> Template:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot be read: {exc.strerror or exc}", file=path) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ConfigError(
            f"is not UTF-8 (byte 0x{data[exc.start]:02x} on line {line}); Django reads templates "
            "as UTF-8, so save it as UTF-8, or name only the directories that hold templates",
            file=path,
        ) from None
    return Template(path, name, data, text)


# Django's tag_re: a tag, a variable or a comment, never across a line end.
_DJANGO_TOKEN = re.compile(r"\{%.*?%\}|\{\{.*?\}\}|\{#.*?#\}")
# Django's smart_split: words, keeping quoted strings (with spaces) whole.
_BITS = re.compile(r"""((?:[^\s'"]*(?:(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')[^\s'"]*)+)|\S+)""")


@dataclass(frozen=True)
class Token:
    """A Django tag or variable: ``{% contents %}`` or ``{{ contents }}``."""

    kind: Literal["tag", "variable"]
    contents: str  # stripped, as Django's Token.contents
    start: int
    end: int

    @property
    def bits(self) -> list[str]:
        return _BITS.findall(self.contents)


@dataclass(frozen=True)
class Lexed:
    tokens: tuple[Token, ...]  # code outside verbatim and comment sections, in order
    quiet: tuple[tuple[int, int], ...]  # comments and comment sections: render as nothing


def lex(text: str) -> Lexed:
    """The template code in ``text``, as Django's ``Lexer`` and ``{% comment %}`` see it."""
    tokens: list[Token] = []
    quiet: list[tuple[int, int]] = []
    verbatim: str | None = None  # the end tag that closes the verbatim section we are in
    comment: int | None = None  # where the {% comment %} section we are in starts
    for match in _DJANGO_TOKEN.finditer(text):
        opener, contents = match.group()[:2], match.group()[2:-2].strip()
        if verbatim is not None:
            if opener == "{%" and contents == verbatim:
                verbatim = None
            continue
        if comment is not None:
            if opener == "{%" and contents == "endcomment":
                quiet.append((comment, match.end()))
                comment = None
            continue
        if opener == "{#":
            quiet.append((match.start(), match.end()))
        elif opener == "{%" and contents[:9] in ("verbatim", "verbatim "):
            verbatim = f"end{contents}"
        elif opener == "{%" and contents.split(None, 1)[:1] == ["comment"]:
            comment = match.start()
        else:
            kind: Literal["tag", "variable"] = "tag" if opener == "{%" else "variable"
            tokens.append(Token(kind, contents, match.start(), match.end()))
    return Lexed(tuple(tokens), tuple(quiet))


def _literal(bit: str) -> str | None:
    """A Django string literal's value (``unescape_string_literal``), or None if ``bit`` is not
    exactly one literal (a variable, or a literal with a filter)."""
    if len(bit) < 2 or bit[0] not in "\"'" or bit[-1] != bit[0]:
        return None
    quote, body = bit[0], bit[1:-1]
    if re.search(r"(?<!\\)(?:\\\\)*" + quote, body):
        return None  # "a"|add:"b": two literals and a filter
    return body.replace(f"\\{quote}", quote).replace("\\\\", "\\")


def static_name(token: Token) -> str | None:
    """The name a ``{% static "x" %}`` tag (or ``{% static "x" as var %}``) names literally."""
    bits = token.bits
    if token.kind != "tag" or not bits or bits[0] != "static":
        return None
    if len(bits) == 2 or (len(bits) == 4 and bits[2] == "as"):
        return _literal(bits[1])
    return None


def is_static_url(token: Token) -> bool:
    return token.kind == "variable" and token.contents == "STATIC_URL"


@dataclass(frozen=True)
class Block:
    """A ``{% compress %}`` ... ``{% endcompress %}`` block of a template."""

    template: Template
    opening: Token
    closing: Token
    inner: tuple[Token, ...]  # the code between the tags
    ordinal: int  # 1 for the template's first block of its kind, 2 for the second...

    @property
    def start(self) -> int:
        return self.opening.start

    @property
    def end(self) -> int:
        return self.closing.end

    @property
    def args(self) -> list[str]:
        return self.opening.bits[1:]

    @property
    def kind(self) -> str:
        return self.args[0] if self.args else ""


def find_blocks(template: Template, lexed: Lexed) -> list[Block]:
    """Every ``{% compress %}`` block, as Django's parser pairs them with ``{% endcompress %}``."""
    blocks: list[Block] = []
    tokens = lexed.tokens
    counted: dict[str, int] = {}
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if not is_tag(token, "compress"):
            index += 1
            continue
        depth, end = 0, None
        for later in range(index + 1, len(tokens)):
            if is_tag(tokens[later], "compress"):
                depth += 1
            elif tokens[later].kind == "tag" and tokens[later].contents == "endcompress":
                if depth == 0:
                    end = later
                    break
                depth -= 1
        if end is None:
            line, column = LineIndex(template.text).place(token.start)
            raise ConfigError(
                f"{line}:{column}: {{% {token.contents} %}} has no {{% endcompress %}}; Django "
                "cannot compile this template either: close the block",
                file=template.path,
            )
        kind = token.bits[1] if len(token.bits) > 1 else ""
        counted[kind] = counted.get(kind, 0) + 1
        blocks.append(Block(template, token, tokens[end], tokens[index + 1 : end], counted[kind]))
        index = end + 1
    return blocks


def is_tag(token: Token, name: str) -> bool:
    return token.kind == "tag" and token.contents.split(None, 1)[:1] == [name]
