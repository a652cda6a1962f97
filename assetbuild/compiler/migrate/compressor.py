"""``assetbuild import django-compressor``: ``{% compress %}`` blocks -> bundles, and templates
rewritten to load them.

Owns: reading the HTML inside each block of the templates (``django_templates`` finds them):
``<link rel="stylesheet">`` and ``<script src>``, their URL a ``{% static "x" %}``,
``{{ STATIC_URL }}x`` or a literal under STATIC_URL; finding each input in the source
directories; and from that, the bundles (one per distinct list of inputs), their names, the
aliases of named blocks, ``keep_inputs`` where a template also uses an input on its own, the TOML
text, and each template's new text (the blocks replaced by tags, the loads adjusted).
Must not: import Django or django-compressor, render a template, write a file (``output`` does),
or convert a block approximately: a block whose output this cannot reproduce exactly (an inline
script, template logic, a URL with a variable in it, a precompiler with no webassets filter,
links that differ in media) is listed with its place and left as it is.

What a block becomes follows django-compressor's own reading (``CssCompressor`` and
``JsCompressor.split_contents``): the files in order, their contents joined, then minified with
rCSSMin or rJSMin (its default ``COMPRESS_FILTERS``, and assetbuild's default filters). The
block's ``media`` (CSS) or ``async``/``defer`` (JS) goes on the tag that replaces it.
"""

from __future__ import annotations

import hashlib
import html
import os
import posixpath
import re
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import unquote

from assetbuild.compiler.migrate.django_templates import (
    Block,
    Lexed,
    Template,
    Token,
    find_blocks,
    is_static_url,
    is_tag,
    lex,
    read_templates,
    static_name,
)
from assetbuild.compiler.migrate.output import Rewrite
from assetbuild.compiler.migrate.toml_text import toml_array, toml_comment, toml_string
from assetbuild.compiler.scan.positions import LineIndex
from assetbuild.errors import ConfigError, Problem
from assetbuild.manifest import unsafe_path_reason

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

DEFAULT_RELEASE = "build/static"
DEFAULT_STATIC_URL = "/static/"
# Where the bundles go in the release: a directory of their own, as compressor's CACHE/ was.
BUNDLE_DIRECTORY = "compressed"

Kind = Literal["css", "js"]
_MODES = ("file", "inline", "preload")  # compressor's OUTPUT_MODES
_DEFAULT_FILTERS: Mapping[str, tuple[str, ...]] = {"css": ("rcssmin",), "js": ("rjsmin",)}


@dataclass(frozen=True)
class Precompiler:
    """What assetbuild runs for a ``type`` that ``COMPRESS_PRECOMPILERS`` maps to a compiler."""

    filter: str  # the webassets filter
    needs: str  # what to install for it
    takes_plain: bool  # plain CSS (or JS) is valid input for it, so a block may mix both


# The types django-compressor's documentation lists for COMPRESS_PRECOMPILERS, and the webassets
# filter that compiles the same language. The settings may map a type to another compiler; the
# note on each bundle says which filter was chosen, to check against them.
PRECOMPILERS: Mapping[str, Precompiler] = {
    "text/x-scss": Precompiler("libsass", "pip install libsass", takes_plain=True),
    "text/x-sass": Precompiler("sass", "the sass command (npm install -g sass)", takes_plain=False),
    "text/less": Precompiler("less", "the lessc command (npm install -g less)", takes_plain=True),
    "text/stylus": Precompiler("stylus", "the stylus command (npm install -g stylus)", True),
    "text/coffeescript": Precompiler(
        "coffeescript", "the coffee command (npm install -g coffeescript)", takes_plain=False
    ),
    "text/typescript": Precompiler(
        "typescript", "the tsc command (npm install -g typescript)", takes_plain=True
    ),
    "text/babel": Precompiler("babel", "the babel command (npm install -g @babel/cli)", True),
    "text/jsx": Precompiler("babel", "the babel command (npm install -g @babel/cli)", True),
}
_PLAIN_TYPES: Mapping[str, frozenset[str]] = {
    "css": frozenset({"", "text/css"}),
    "js": frozenset(
        {"", "text/javascript", "application/javascript", "application/x-javascript"}
        | {"text/ecmascript", "application/ecmascript"}
    ),
}
# Attributes that the tag replacing a block writes itself, or that say what a file is.
_READ_ATTRIBUTES = {
    "css": frozenset({"rel", "href", "type", "media"}),
    "js": frozenset({"src", "type", "async", "defer"}),
}


@dataclass(frozen=True)
class TemplateConversion:
    """What ``convert_templates`` found: the config text, and what to do with the templates."""

    toml: str  # "" when there is no bundle
    bundles: tuple[str, ...]  # logical paths, sorted
    aliases: Mapping[str, str]  # block name -> logical path
    notes: tuple[str, ...]  # what to review; also comments in ``toml``
    unconvertible: tuple[Problem, ...]  # blocks left as they are, each at its place
    rewrites: tuple[Rewrite, ...]  # each changed template's new bytes (for --rewrite)
    templates: int  # templates read
    blocks: int  # {% compress %} blocks found, converted or not


def convert_templates(
    paths: Sequence[Path],
    *,
    sources: Sequence[Path] = (),
    static_url: str = DEFAULT_STATIC_URL,
    config_dir: Path | None = None,
    release: str = DEFAULT_RELEASE,
    django_storage: bool = False,
) -> TemplateConversion:
    """Convert the ``{% compress %}`` blocks of the templates under ``paths`` (directories, or
    files named directly).

    ``sources``: the static directories, in the order of Django's finders (``STATICFILES_DIRS``,
    then each app's ``static/``); default ``./static``. ``static_url``: ``STATIC_URL``.
    ``config_dir``: where the ``assetbuild.toml`` goes, for its relative paths (default: the
    current directory). ``django_storage``: the config is for assetbuild's ``ReleaseStorage``,
    whose settings give the sources, release and URL, so the file leaves them out. Raises
    ``ConfigError`` for input that is not a usable template at all (a
    path that does not exist, a file that is not UTF-8, a block with no end).
    """
    directory = Path(os.path.abspath(Path.cwd() if config_dir is None else config_dir))
    roots = _sources(sources)
    prefix = _static_url(static_url)
    templates = read_templates(paths)
    return _Converter(templates, roots, prefix, directory, release, django_storage).convert()


# -- reading templates as Django does ------------------------------------------------------------


def _sources(sources: Sequence[Path]) -> tuple[Path, ...]:
    if not sources:
        default = Path("static")
        if not default.is_dir():
            raise ConfigError(
                "no static directory given, and there is no ./static: pass --source DIR for each "
                "directory Django's finders search (STATICFILES_DIRS, then each app's static/), "
                "in that order",
                key="--source",
            )
        sources = [default]
    for source in sources:
        if not source.is_dir():
            raise ConfigError(
                f"{source}: no such directory; pass the static directories that hold the files "
                "the templates link",
                key="--source",
            )
    return tuple(Path(os.path.abspath(source)) for source in sources)


def _static_url(url: str) -> str:
    if not url:
        raise ConfigError("must be STATIC_URL, such as /static/", key="--static-url")
    # Django requires STATIC_URL to end in "/", and compressor strips it as a prefix.
    return url if url.endswith("/") else url + "/"


# -- blocks and what is inside them -------------------------------------------------------------


@dataclass(frozen=True)
class Input:
    name: str  # the logical path
    precompiler: str | None  # the type attribute, when it names a precompiler
    offset: int  # of the element, for messages


@dataclass(frozen=True)
class Reading:
    """What a convertible block holds."""

    kind: Kind
    mode: str  # file, inline or preload
    name: str | None  # the block name, if any
    inputs: tuple[Input, ...]
    media: str | None  # CSS: the links' media; None when they have none
    extra: str  # JS: "async", "defer" or ""
    dropped: tuple[str, ...]  # attributes compressor drops too, for a note


class Unconvertible(Exception):
    """Why a block cannot be converted, and where in its template."""

    def __init__(self, message: str, offset: int):
        super().__init__(message)
        self.message = message
        self.offset = offset


# HTML as far as compressor's parser needs it inside a block: comments, start and end tags (their
# attribute values quoted, single-quoted or bare), and text. Template code has been masked.
_HTML = re.compile(
    r"""
      (?P<comment><!--.*?(?:-->|\Z))
    | <(?P<close>/?)(?P<name>[A-Za-z][A-Za-z0-9:-]*)(?P<attrs>(?:[^>"']|"[^"]*"|'[^']*')*)>
    | (?P<text>[^<]+)
    | (?P<other><)
    """,
    re.DOTALL | re.VERBOSE,
)
_ATTRIBUTE = re.compile(
    r"""
    (?P<name>[^\s"'>/=]+)
    (?:\s*=\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<uq>[^\s"'=<>`]+)))?
    """,
    re.VERBOSE,
)
_CODE = "\x01"  # stands for template code in the masked text: never in HTML, never a space


@dataclass(frozen=True)
class Attribute:
    value: str  # as written (template code included), HTML entities not yet decoded
    start: int  # offset of the value in the template
    code: bool  # whether the value holds template code

    def text(self, what: str) -> str:
        """The value, which must be plain text: ``what`` names it in the message if not."""
        if self.code:
            raise Unconvertible(f"{what} holds template code ({self.value})", self.start)
        return html.unescape(self.value)


class _BlockReader:
    """Reads one block's HTML into a ``Reading``, or raises ``Unconvertible``."""

    def __init__(self, block: Block, masked: str, static_url: str):
        self.block = block
        self.masked = masked  # the template's text, code replaced by _CODE, comments by spaces
        self.text = block.template.text
        self.static_url = static_url
        self.tokens = {token.start: token for token in block.inner}

    def read(self) -> Reading:
        kind, mode, name = self.arguments()
        inner_start, inner_end = self.block.opening.end, self.block.closing.start
        elements: list[tuple[int, dict[str, Attribute]]] = []
        position = inner_start
        while position < inner_end:
            match = _HTML.match(self.masked, position, inner_end)
            assert match is not None  # the last alternative matches any character
            position = match.end()
            if match.group("comment") is not None:
                continue
            if match.group("text") is not None:
                self.check_text(match.group("text"), match.start())
                continue
            if match.group("other") is not None:
                raise Unconvertible("it holds a '<' that starts no element", match.start())
            element = match.group("name").lower()
            if match.group("close"):
                raise Unconvertible(f"it holds a stray </{element}>", match.start())
            attributes = self.attributes(match.group("attrs"), match.start("attrs"))
            if element == "script" and kind == "js":
                position = self.script_end(match, attributes, inner_end)
            elif element == "style":
                raise Unconvertible(
                    "it holds an inline <style>: its rules are template text, not a file. Move "
                    "them into a stylesheet under a source directory and link that, or move the "
                    "<style> out of the block",
                    match.start(),
                )
            elif not (element == "link" and kind == "css"):
                wanted = '<link rel="stylesheet">' if kind == "css" else "<script src>"
                raise Unconvertible(
                    f"it holds a <{element}>, and a {{% compress {kind} %}} block holds only "
                    f"{wanted} elements (compressor would drop it from the page)",
                    match.start(),
                )
            elements.append((match.start(), attributes))
        if not elements:
            raise Unconvertible("it links no file", self.block.start)
        return self.reading(kind, mode, name, elements)

    def arguments(self) -> tuple[Kind, str, str | None]:
        args = self.block.args
        start = self.block.start
        if not 1 <= len(args) <= 3:
            raise Unconvertible(
                "compressor's tag is {% compress css|js [file|inline|preload [name]] %}", start
            )
        kind = args[0]
        if kind not in ("css", "js"):
            raise Unconvertible(
                f"its kind {kind!r} is neither css nor js (a COMPRESS_... compressor of your own)",
                start,
            )
        mode = args[1] if len(args) > 1 else "file"
        if mode not in _MODES:
            raise Unconvertible(f"its mode {mode!r} is not one of {', '.join(_MODES)}", start)
        return ("css" if kind == "css" else "js"), mode, args[2] if len(args) > 2 else None

    def check_text(self, text: str, offset: int) -> None:
        if not text.strip():
            return
        code = text.find(_CODE)
        if code == -1:
            words = " ".join(text.split())
            raise Unconvertible(
                f"it holds text ({words[:40]!r}) that compressor would drop from the page",
                offset + len(text) - len(text.lstrip()),
            )
        token = self.token_at(offset + code)
        raise Unconvertible(
            f"it holds template code ({self.written(token)}) whose output changes what the "
            "block holds; a bundle is made once, at build time",
            token.start,
        )

    def token_at(self, offset: int) -> Token:
        while offset not in self.tokens:  # offset is inside a masked token: find its start
            offset -= 1
        return self.tokens[offset]

    def written(self, token: Token) -> str:
        return self.text[token.start : token.end]

    def attributes(self, attrs: str, offset: int) -> dict[str, Attribute]:
        found: dict[str, Attribute] = {}
        for match in _ATTRIBUTE.finditer(attrs):
            name = match.group("name").lower()
            if _CODE in name:
                token = self.token_at(offset + match.start())
                raise Unconvertible(
                    f"an element's attributes hold template code ({self.written(token)})",
                    token.start,
                )
            group = next((g for g in ("dq", "sq", "uq") if match.group(g) is not None), None)
            if name in found:
                continue  # HTML keeps the first of two attributes of the same name
            if group is None:
                found[name] = Attribute("", offset + match.end(), code=False)
            else:
                start, end = offset + match.start(group), offset + match.end(group)
                found[name] = Attribute(
                    self.text[start:end], start, _CODE in self.masked[start:end]
                )
        return found

    def script_end(
        self, match: re.Match[str], attributes: Mapping[str, Attribute], limit: int
    ) -> int:
        closing = re.compile(r"</script\s*>", re.IGNORECASE).search(self.masked, match.end(), limit)
        if closing is None:
            raise Unconvertible("a <script> is not closed inside the block", match.start())
        body = self.masked[match.end() : closing.start()]
        if "src" not in attributes:
            raise Unconvertible(
                "it holds an inline <script>: its code is template text, not a file. Move it "
                "out of the block (it can stay inline), or into a script under a source "
                "directory",
                match.start(),
            )
        if body.strip():
            raise Unconvertible(
                "a <script src> also has a body, which browsers ignore; remove the body",
                match.start(),
            )
        return closing.end()

    def reading(
        self,
        kind: Kind,
        mode: str,
        name: str | None,
        elements: list[tuple[int, dict[str, Attribute]]],
    ) -> Reading:
        inputs: list[Input] = []
        media: set[str | None] = set()
        extras: set[str] = set()
        dropped: set[str] = set()
        for offset, attributes in elements:
            if kind == "css":
                rel = attributes.get("rel")
                if rel is None or rel.text("its rel").strip().lower() != "stylesheet":
                    raise Unconvertible(
                        'it holds a <link> that is not rel="stylesheet" (compressor would '
                        "drop it from the page)",
                        offset,
                    )
                url = attributes.get("href")
                value = attributes.get("media")
                media.add(value.text("its media") if value is not None else None)
            else:
                url = attributes.get("src")
                extras.add(
                    "async" if "async" in attributes else "defer" if "defer" in attributes else ""
                )
            if url is None:
                raise Unconvertible(
                    f"a <{'link' if kind == 'css' else 'script'}> has no "
                    f"{'href' if kind == 'css' else 'src'}",
                    offset,
                )
            inputs.append(Input(self.url(url), self.precompiler(kind, attributes, offset), offset))
            dropped.update(set(attributes) - _READ_ATTRIBUTES[kind])
        if len(media) > 1:
            shown = ", ".join(sorted(repr(m) if m else "none" for m in media))
            raise Unconvertible(
                f"its links differ in media ({shown}), so compressor makes one file per media "
                "and assetbuild a bundle per tag: split it into one {% compress css %} block "
                "per media",
                self.block.start,
            )
        if len(extras) > 1:
            raise Unconvertible(
                "its scripts differ in async and defer, so compressor makes one file for each: "
                "split it into one {% compress js %} block per kind of script",
                self.block.start,
            )
        return Reading(
            kind,
            mode,
            name,
            tuple(inputs),
            next(iter(media)) if kind == "css" else None,
            next(iter(extras)) if kind == "js" else "",
            tuple(sorted(dropped)),
        )

    def url(self, attribute: Attribute) -> str:
        """The static name a URL attribute names, as compressor's ``get_basename`` finds it."""
        value, start = attribute.value, attribute.start
        code = [self.tokens[o] for o in range(start, start + len(value)) if o in self.tokens]
        if len(code) == 1 and code[0].start == start and code[0].end == start + len(value):
            name = static_name(code[0])
            if name is not None and len(code[0].bits) == 2:  # not "as var", which writes nothing
                return self.safe(name, start)
        elif len(code) == 1 and code[0].start == start and is_static_url(code[0]):
            rest = value[code[0].end - start :]
            if rest and _CODE not in self.masked[code[0].end : start + len(value)]:
                return self.safe(_path_of(html.unescape(rest)), start)
        elif not code:
            url = html.unescape(value)
            if url.startswith(self.static_url):
                return self.safe(_path_of(url[len(self.static_url) :]), start)
            raise Unconvertible(
                f"{url!r} is not under STATIC_URL {self.static_url!r} (--static-url): "
                "compressor compresses only files under COMPRESS_URL; vendor the file into a "
                "source directory and link it with {% static %}",
                start,
            )
        raise Unconvertible(
            f"its URL {value!r} holds a template variable, so the file it names is known only "
            'when the page renders; name it with {% static "path" %}',
            start,
        )

    def safe(self, name: str, offset: int) -> str:
        while name.startswith("./"):
            name = name[2:]
        reason = unsafe_path_reason(name)
        if reason:
            raise Unconvertible(
                f"the static name {name!r} {reason}; a bundle input is a path inside a source "
                "directory",
                offset,
            )
        return name

    def precompiler(
        self, kind: Kind, attributes: Mapping[str, Attribute], offset: int
    ) -> str | None:
        value = attributes.get("type")
        declared = value.text("its type").strip().lower() if value is not None else ""
        if declared in _PLAIN_TYPES[kind]:
            return None
        if declared == "module":
            raise Unconvertible(
                'it holds a <script type="module">: ES modules are not joined into bundles. '
                "Publish the module on its own and load it with "
                '{% asset_tag "..." type="module" %}',
                offset,
            )
        if declared in PRECOMPILERS:
            return declared
        raise Unconvertible(
            f"type {declared!r} is a precompiler that no webassets filter stands in for; "
            "compile those files before `assetbuild build` and link the output",
            offset,
        )


def _path_of(url: str) -> str:
    """A URL path below STATIC_URL -> the static name: no query (compressor drops it), no
    fragment, percent-escapes decoded (the finders look up ``url2pathname`` of it)."""
    for mark in ("?", "#"):
        url = url.partition(mark)[0]
    return unquote(url)


def _mask(text: str, lexed: Lexed) -> str:
    """``text`` with template code as _CODE and comments as spaces, offsets unchanged."""
    chars = list(text)
    for start, end in lexed.quiet:
        for index in range(start, end):
            if chars[index] not in "\r\n":
                chars[index] = " "
    for token in lexed.tokens:
        chars[token.start : token.end] = _CODE * (token.end - token.start)
    return "".join(chars)


# -- the conversion -----------------------------------------------------------------------------


@dataclass
class _Bundle:
    kind: Kind
    inputs: tuple[str, ...]
    filters: tuple[str, ...]
    blocks: list[tuple[Block, Reading]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    keep_inputs: bool = False
    name: str = ""  # the logical path, chosen once every block is known


@dataclass(frozen=True)
class _Static:
    """A static name a template uses outside the blocks that are converted."""

    name: str
    template: Template
    offset: int


class _Converter:
    def __init__(
        self,
        templates: list[Template],
        sources: tuple[Path, ...],
        static_url: str,
        config_dir: Path,
        release: str,
        django_storage: bool = False,
    ):
        self.django_storage = django_storage
        self.templates = templates
        self.sources = sources
        self.static_url = static_url
        self.config_dir = config_dir
        self.release = release
        self.notes: list[str] = []
        self.unconvertible: list[Problem] = []
        self.bundles: dict[tuple[str, tuple[str, ...], tuple[str, ...]], _Bundle] = {}
        self.places: dict[str, LineIndex] = {}
        self.blocks = 0

    def convert(self) -> TemplateConversion:
        converted: list[list[tuple[Block, Reading]]] = []
        left: list[list[Block]] = []
        statics: list[_Static] = []
        for template in self.templates:
            lexed = lex(template.text)
            masked = _mask(template.text, lexed)
            blocks = find_blocks(template, lexed)
            self.blocks += len(blocks)
            done: list[tuple[Block, Reading]] = []
            kept: list[Block] = []
            for block in blocks:
                try:
                    reading = _BlockReader(block, masked, self.static_url).read()
                    bundle = self.bundle_for(block, reading)
                except Unconvertible as exc:
                    self.problem(block, exc)
                    kept.append(block)
                    continue
                bundle.blocks.append((block, reading))
                done.append((block, reading))
            converted.append(done)
            left.append(kept)
            statics += self.statics(template, lexed, masked, [b for b, _ in done])
        self.name_bundles()
        aliases = self.aliases()
        self.keep_inputs(statics)
        names = {id(b): bundle.name for bundle in self.bundles.values() for b, _ in bundle.blocks}
        rewrites = tuple(
            rewrite
            for template, done, kept in zip(self.templates, converted, left, strict=True)
            if (rewrite := _rewrite(template, done, kept, names)) is not None
        )
        bundles = sorted(self.bundles.values(), key=lambda b: b.name)
        text = self.render(bundles, aliases) if bundles else ""
        if text:
            self.check(text, bundles, aliases)
        notes = list(self.notes)
        for bundle in bundles:
            notes += [f"{bundle.name}: {note}" for note in bundle.notes]
        return TemplateConversion(
            toml=text,
            bundles=tuple(b.name for b in bundles),
            aliases=aliases,
            notes=tuple(notes),
            unconvertible=tuple(self.unconvertible),
            rewrites=rewrites,
            templates=len(self.templates),
            blocks=self.blocks,
        )

    def place(self, template: Template, offset: int) -> tuple[int, int]:
        key = str(template.path)
        if key not in self.places:
            self.places[key] = LineIndex(template.text)
        return self.places[key].place(offset)

    def problem(self, block: Block, exc: Unconvertible) -> None:
        line, column = self.place(block.template, exc.offset)
        opened = self.place(block.template, block.start)[0]
        where = "" if opened == line else f" (the block opens on line {opened})"
        self.unconvertible.append(
            Problem(
                f"{{% {block.opening.contents} %}} left as it is{where}: {exc.message}",
                str(block.template.path),
                line,
                column,
            )
        )

    def bundle_for(self, block: Block, reading: Reading) -> _Bundle:
        names: list[str] = []
        for item in reading.inputs:
            if not any((root / item.name).is_file() for root in self.sources):
                shown = ", ".join(self.relative(root) for root in self.sources)
                raise Unconvertible(
                    f"{item.name!r} is in none of the source directories ({shown}); pass "
                    "--source for each directory Django's finders search",
                    item.offset,
                )
            names.append(item.name)
        filters = self.filters(reading)
        inputs = tuple(dict.fromkeys(names))
        key = (reading.kind, inputs, filters)
        bundle = self.bundles.get(key)
        if bundle is None:
            bundle = self.bundles[key] = _Bundle(reading.kind, inputs, filters)
        template = block.template
        line = self.place(template, block.start)[0]
        where = f"{self.relative(template.path)}:{line}"
        if len(inputs) < len(names):
            _add(bundle.notes, f"{where} links a file twice; the bundle has it once, first place")
        precompiled = {item.precompiler for item in reading.inputs} - {None}
        for declared in sorted(t for t in precompiled if t is not None):
            compiler = PRECOMPILERS[declared]
            _add(
                bundle.notes,
                f"type {declared!r} is compiled by the webassets filter {compiler.filter!r} "
                f"(needs {compiler.needs}); check that COMPRESS_PRECOMPILERS named that compiler",
            )
        if reading.mode == "inline":
            _add(
                bundle.notes,
                f"{where} was an inline block; the page now links the bundle instead of "
                "holding its text (assetbuild has no inline output)",
            )
        if reading.dropped:
            _add(
                bundle.notes,
                f"{where}: attribute{'s' if len(reading.dropped) > 1 else ''} "
                f"{', '.join(reading.dropped)} dropped, as compressor drops them (asset_tag "
                "writes integrity and crossorigin itself)",
            )
        return bundle

    def filters(self, reading: Reading) -> tuple[str, ...]:
        types = {item.precompiler for item in reading.inputs}
        precompiled = sorted(t for t in types if t is not None)
        if not precompiled:
            return ()
        compilers = {PRECOMPILERS[t].filter for t in precompiled}
        first = next(item for item in reading.inputs if item.precompiler is not None)
        if len(compilers) > 1:
            raise Unconvertible(
                f"it mixes {' and '.join(repr(t) for t in precompiled)}: assetbuild runs one "
                "filter chain over every input of a bundle; split the block by language",
                first.offset,
            )
        compiler = PRECOMPILERS[precompiled[0]]
        if None in types and not compiler.takes_plain:
            raise Unconvertible(
                f"it mixes {precompiled[0]!r} with plain files, which {compiler.filter!r} "
                "cannot compile: split the block by language",
                first.offset,
            )
        return (compiler.filter, *_DEFAULT_FILTERS[reading.kind])

    def statics(
        self, template: Template, lexed: Lexed, masked: str, converted: list[Block]
    ) -> Iterator[_Static]:
        """The static names the template uses outside its converted blocks: what it still needs
        published under their own names."""
        spans = [(block.start, block.end) for block in converted]

        def outside(offset: int) -> bool:
            return not any(start <= offset < end for start, end in spans)

        for token in lexed.tokens:
            if not outside(token.start):
                continue
            name = static_name(token)
            if name is not None:
                yield _Static(name, template, token.start)
            elif is_static_url(token):
                rest = re.match(r"[^\s\"'<>()\x01]+", masked[token.end :])
                if rest:
                    yield _Static(_path_of(rest.group()), template, token.start)
        literal = re.compile(
            r"""(?:\b(?:src|href)\s*=\s*["']?|\burl\(\s*["']?)"""
            + re.escape(self.static_url)
            + r"""([^\s"'<>()\x01]+)""",
            re.IGNORECASE,
        )
        for match in literal.finditer(masked):
            if outside(match.start()):
                yield _Static(_path_of(match.group(1)), template, match.start(1))

    def name_bundles(self) -> None:
        """Each bundle's logical path: readable, and the same on every run over the same
        templates (see the README)."""
        labels: dict[int, str] = {}
        for bundle in self.bundles.values():
            ordered = sorted(bundle.blocks, key=lambda item: _block_order(item[0]))
            named = [
                reading.name
                for _, reading in ordered
                if reading.name and _NAME.fullmatch(reading.name)
            ]
            labels[id(bundle)] = named[0] if named else self.template_label(ordered[0][0])
        taken: dict[str, list[_Bundle]] = {}
        for bundle in self.bundles.values():
            path = f"{BUNDLE_DIRECTORY}/{labels[id(bundle)]}.{bundle.kind}"
            taken.setdefault(path, []).append(bundle)
        for path, sharing in taken.items():
            clash = len(sharing) > 1 or any((root / path).exists() for root in self.sources)
            for bundle in sharing:
                if clash:
                    stem = path[: -len(bundle.kind) - 1]
                    bundle.name = f"{stem}-{_digest(bundle)}.{bundle.kind}"
                    bundle.notes.append(
                        f"named with its inputs' digest: {path} would name "
                        + ("other bundles too" if len(sharing) > 1 else "a source file")
                    )
                else:
                    bundle.name = path

    @staticmethod
    def template_label(block: Block) -> str:
        """``accounts/login`` for the first css block of accounts/login.html; ``base-2`` for the
        second js block of base.html."""
        stem = posixpath.splitext(block.template.name)[0]
        return stem if block.ordinal == 1 else f"{stem}-{block.ordinal}"

    def aliases(self) -> dict[str, str]:
        """A named block's name -> its bundle, when the name names one bundle."""
        named: dict[str, dict[str, list[str]]] = {}  # name -> bundle -> places
        for bundle in self.bundles.values():
            for block, reading in bundle.blocks:
                if reading.name:
                    line = self.place(block.template, block.start)[0]
                    where = f"{self.relative(block.template.path)}:{line}"
                    named.setdefault(reading.name, {}).setdefault(bundle.name, []).append(where)
        aliases: dict[str, str] = {}
        for name, targets in sorted(named.items()):
            if len(targets) == 1:
                aliases[name] = next(iter(targets))
                continue
            places = "; ".join(
                f"{target} ({', '.join(where)})" for target, where in sorted(targets.items())
            )
            self.notes.append(
                f"the block name {name!r} names {len(targets)} bundles, so it is no alias: {places}"
            )
        return aliases

    def keep_inputs(self, statics: Iterable[_Static]) -> None:
        inputs: dict[str, list[_Bundle]] = {}
        for bundle in self.bundles.values():
            for name in bundle.inputs:
                inputs.setdefault(name, []).append(bundle)
        for static in statics:
            for bundle in inputs.get(static.name, ()):
                line = self.place(static.template, static.offset)[0]
                bundle.keep_inputs = True
                _add(
                    bundle.notes,
                    f"keep_inputs = true: {self.relative(static.template.path)}:{line} also "
                    f"uses its input {static.name} on its own",
                )

    # -- output

    def relative(self, path: Path) -> str:
        try:
            return Path(os.path.relpath(os.path.abspath(path), self.config_dir)).as_posix()
        except ValueError:  # pragma: no cover - another drive, on Windows
            return path.as_posix()

    def render(self, bundles: list[_Bundle], aliases: Mapping[str, str]) -> str:
        lines = [
            "# assetbuild.toml, converted from the {% compress %} blocks of "
            f"{len(self.templates)} template{'s' if len(self.templates) != 1 else ''}.",
            "# Review the notes below, then run "
            + (
                "`python manage.py collectstatic`."
                if self.django_storage
                else "`assetbuild build` (and `assetbuild verify`)."
            ),
            "# Bundles are minified with rcssmin and rjsmin, compressor's default COMPRESS_FILTERS;",
            "# if your settings name other filters, give those bundles `filters` of their own.",
        ]
        lines += [f"# note: {toml_comment(note)}" for note in self.notes]
        sources = [self.relative(root) for root in self.sources]
        release_keys = [
            f"source = {toml_string(sources[0])}"
            if len(sources) == 1
            else f"source = {toml_array(sources)}",
            f"output = {toml_string(self.release)}",
            f"url = {toml_string(self.static_url)}",
        ]
        lines.append("")
        if self.django_storage:
            # The settings say these (the finders, STATIC_ROOT, STATIC_URL), and a file that
            # says them too is refused: one place says where the release goes.
            lines.append("# source, output and url come from the Django settings (ReleaseStorage);")
            lines.append("# for `assetbuild build` without Django they would be:")
            # A long source array spans lines: each of them is commented out.
            lines += [f"# {line}" for key in release_keys for line in key.splitlines()]
        else:
            lines += release_keys
        for bundle in bundles:
            lines.append("")
            for index, (block, _) in enumerate(
                sorted(bundle.blocks, key=lambda i: _block_order(i[0]))
            ):
                line = self.place(block.template, block.start)[0]
                where = f"{self.relative(block.template.path)}:{line}"
                opening = block.opening.contents
                lines.append(
                    toml_comment(f"# from {{% {opening} %}} in {where}")
                    if index == 0
                    else toml_comment(f"#  and {{% {opening} %}} in {where}")
                )
            lines += [f"# note: {toml_comment(note)}" for note in bundle.notes]
            lines.append(f"[bundles.{toml_string(bundle.name)}]")
            lines.append(f"inputs = {toml_array(bundle.inputs)}")
            if bundle.filters:
                lines.append(f"filters = {toml_array(bundle.filters)}")
            if bundle.keep_inputs:
                lines.append("keep_inputs = true")
        if aliases:
            lines.append("")
            lines.append("# the names of named {% compress %} blocks")
            lines.append("[aliases]")
            lines += [
                f"{toml_string(name)} = {toml_string(path)}" for name, path in aliases.items()
            ]
        return "\n".join(lines) + "\n"

    def check(self, text: str, bundles: list[_Bundle], aliases: Mapping[str, str]) -> None:
        """The text must read back as what was meant: a wrong escape would be a silent change."""
        document = tomllib.loads(text)
        expected = {
            bundle.name: {
                "inputs": list(bundle.inputs),
                **({"filters": list(bundle.filters)} if bundle.filters else {}),
                **({"keep_inputs": True} if bundle.keep_inputs else {}),
            }
            for bundle in bundles
        }
        if document.get("bundles") != expected or document.get("aliases", {}) != dict(aliases):
            raise AssertionError(
                f"the TOML written does not read back:\n{text}"
            )  # pragma: no cover


_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


def _add(notes: list[str], note: str) -> None:
    if note not in notes:
        notes.append(note)


def _block_order(block: Block) -> tuple[str, str, int]:
    return block.template.name, str(block.template.path), block.start


def _digest(bundle: _Bundle) -> str:
    text = "\n".join([bundle.kind, *bundle.inputs, "", *bundle.filters])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


# -- rewriting a template ------------------------------------------------------------------------


def _rewrite(
    template: Template,
    converted: list[tuple[Block, Reading]],
    left: list[Block],
    names: Mapping[int, str],
) -> Rewrite | None:
    """The template with each converted block replaced by its tag and the libraries loaded as
    that needs: ``assetbuild`` once, ``compress`` only while a block is left."""
    edits: list[tuple[int, int, str]] = [
        (block.start, block.end, _tag(names[id(block)], reading)) for block, reading in converted
    ]
    lexed = lex(template.text)
    loads = [t for t in lexed.tokens if is_tag(t, "load") and "from" not in t.bits]
    loading_compress = [t for t in loads if "compress" in t.bits[1:]]
    if not converted and (left or not loading_compress):
        return None
    has_assetbuild = any("assetbuild" in t.bits[1:] for t in loads)
    need = bool(converted) and not has_assetbuild
    for index, token in enumerate(loading_compress):
        libraries = token.bits[1:]
        if left:
            if index == 0 and need:
                at = libraries.index("compress") + 1
                libraries[at:at] = ["assetbuild"]
                need = False
            else:
                continue
        elif index == 0 and need:
            libraries = ["assetbuild" if lib == "compress" else lib for lib in libraries]
            need = False
        else:
            libraries = [lib for lib in libraries if lib != "compress"]
        edits.append(_load_edit(template.text, token, libraries))
    if need:
        edits.append(_insert_load(template.text, lexed, loads))
    text = template.text
    for start, end, replacement in sorted(edits, reverse=True):
        text = text[:start] + replacement + text[end:]
    after = text.encode("utf-8")
    return None if after == template.data else Rewrite(template.path, template.data, after)


def _tag(name: str, reading: Reading) -> str:
    if reading.mode == "preload":
        return f'{{% asset_preload "{name}" %}}'
    attributes = ""
    if reading.media is not None:
        quote = "'" if '"' in reading.media else '"'
        attributes += f" media={quote}{reading.media}{quote}"
    if reading.extra == "async":
        attributes += " async_=True"
    elif reading.extra == "defer":
        attributes += " defer=True"
    return f'{{% asset_tag "{name}"{attributes} %}}'


def _load_edit(text: str, token: Token, libraries: list[str]) -> tuple[int, int, str]:
    if libraries:
        return token.start, token.end, "{% load " + " ".join(libraries) + " %}"
    # Nothing left to load: the tag goes, and its line too when it stood alone on it.
    line_start = text.rfind("\n", 0, token.start) + 1
    line_end = text.find("\n", token.end)
    line_end = len(text) if line_end == -1 else line_end + 1
    alone = not text[line_start : token.start].strip() and not text[token.end : line_end].strip()
    return (line_start, line_end, "") if alone else (token.start, token.end, "")


def _insert_load(text: str, lexed: Lexed, loads: list[Token]) -> tuple[int, int, str]:
    """Where ``{% load assetbuild %}`` goes when no ``{% load compress %}`` can take it (the
    tag came from the ``builtins`` option): into the first load, else right after
    ``{% extends %}`` (which must come first), else at the very start. Adding no newline
    keeps the page's output as it was."""
    if loads:
        first = loads[0]
        return _load_edit(text, first, [*first.bits[1:], "assetbuild"])
    extends = next((t for t in lexed.tokens if is_tag(t, "extends")), None)
    at = extends.end if extends is not None else 0
    return at, at, "{% load assetbuild %}"
