"""Jinja2 adapter: the runtime's lookups as template globals, and as tags that cost about what a
page with the URLs written out costs.

Owns: the global names ``asset_url``, ``asset_integrity``, ``asset_tag``, ``asset_preload`` and
``asset_importmap``, and ``AssetExtension``, whose tags of the same names
(``{% asset_tag "js/app.js" defer=True %}``) compile to direct calls of those lookups. ``install``
adds both.
Must not: read settings (the Flask and Django adapters decide which ``Assets`` to use and call
``install``), or let anything read from a manifest into compiled template code: the code holds
logical paths, and the lookup happens at each render, so a bytecode cache never keeps a URL of
another release and a manifest re-read (``reload=True``) shows on the next render.

Why tags: Jinja compiles ``{{ asset_tag("x") }}`` to ``escape(context.call(asset_tag, "x"))``.
``Context.call`` probes its callable for Jinja's markers on every call (failed attribute lookups,
each an exception raised and caught), a few microseconds, ten times the lookup; and escaping the
``Markup`` a lookup returns costs half a microsecond more. A tag compiles to a call of a filter,
which Jinja binds once per render; a filter marked ``pass_context`` is never evaluated at compile
time, so no value reaches the compiled code. Its value is written out as it is: ``Markup`` (every
value in it escaped already), or text escaped by the filter where the template autoescapes, once
per distinct value. Where Jinja's ``Output`` does more than escape, a tag's value goes through it:
after an ``{% extends %}`` (a child template writes nothing outside its blocks) and under an
environment's ``finalize``. The globals are marked ``pass_context`` too, which spares
``Context.call`` half of its probing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, cast

from jinja2 import nodes, pass_context
from jinja2.ext import Extension
from jinja2.lexer import Token, TokenStream
from markupsafe import Markup, escape

from assetbuild.errors import ManifestError
from assetbuild.runtime._assets import Assets

if TYPE_CHECKING:
    from jinja2 import Environment
    from jinja2.parser import Parser
    from jinja2.runtime import Context

Lookups = dict[str, Callable[..., Any]]

# The tags, each with the number of positional arguments it takes (at least, at most).
_TAGS: dict[str, tuple[int, int]] = {
    "asset_url": (1, 1),
    "asset_integrity": (1, 1),
    "asset_tag": (1, 1),
    "asset_preload": (1, 2),
    "asset_importmap": (0, 0),
}
# The tags whose lookup gives text, not Markup: written out as they are, they are escaped by
# their filter (once per value: ``_escaped``) where the template autoescapes.
_TEXT = frozenset(("asset_url", "asset_integrity"))
_ESCAPED = ":escaped"
_ESCAPED_KEPT = 4096  # escaped values kept; more (a long-running `reload=True`) start afresh
# What a tag is renamed to, in the token stream, after an {% extends %}: its output must then go
# through Jinja's Output node. No template can spell these names (a name has no spaces).
_AFTER_EXTENDS = " after extends"
# The filters the tags call: names no template can spell either (a filter name has no ":").
_FILTER = "assetbuild:{}"


def install(env: Environment, assets: Assets | Callable[[], Assets]) -> None:
    """Add the asset globals and the asset tags (``AssetExtension``) to ``env``.

    ``assets`` is an ``Assets``, or a function returning one that is called on every lookup
    (Django's, which follows the settings of the moment).
    """
    lookups = _lookups(assets)
    env.globals.update(lookups)
    env.add_extension(AssetExtension)
    env.filters.update(_filters(lookups))


class AssetExtension(Extension):
    """``{% asset_url "css/app.css" %}``, ``{% asset_integrity "css/app.css" %}``,
    ``{% asset_tag "js/app.js" defer=True %}``, ``{% asset_preload "fonts/inter.woff2" %}`` and
    ``{% asset_importmap %}``: the globals' lookups, with the globals' arguments (commas between
    them are optional), as statements.

    ``install(env, assets)`` adds it and says which ``Assets`` it reads; an environment made
    with ``extensions=[AssetExtension]`` and no ``install`` raises ``ManifestError`` at render.
    """

    tags = set(_TAGS) | {tag + _AFTER_EXTENDS for tag in _TAGS}

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        for name, function in _filters(_not_installed()).items():
            environment.filters.setdefault(name, function)

    def filter_stream(self, stream: TokenStream) -> Iterable[Token]:
        """The tokens as they are, but for this extension's tags after an ``{% extends %}``,
        which are renamed so that ``parse`` writes their output through an ``Output`` node."""
        extended = False
        statement = False  # the token before was the start of a statement
        for token in stream:
            if statement and token.type == "name":
                if token.value == "extends":
                    extended = True
                elif extended and token.value in _TAGS:
                    token = Token(token.lineno, token.type, token.value + _AFTER_EXTENDS)
            statement = token.type == "block_begin"  # line statements' too, as the lexer gives them
            yield token

    def parse(self, parser: Parser) -> nodes.Node:
        token = next(parser.stream)
        tag = token.value.removesuffix(_AFTER_EXTENDS)
        least, most = _TAGS[tag]
        args: list[nodes.Expr] = []
        kwargs: list[nodes.Keyword] = []
        while parser.stream.current.type != "block_end":
            if args or kwargs:
                parser.stream.skip_if("comma")
            if parser.stream.current.type == "name" and parser.stream.look().type == "assign":
                key = next(parser.stream).value
                next(parser.stream)  # "="
                kwargs.append(nodes.Keyword(key, parser.parse_expression(), lineno=token.lineno))
            elif kwargs:
                parser.fail(f"{tag}: a positional argument after a keyword one", token.lineno)
            else:
                args.append(parser.parse_expression())
        if not least <= len(args) <= most:
            wanted = f"{least}" if least == most else f"{least} or {most}"
            parser.fail(f"{tag} takes {wanted} positional arguments, not {len(args)}", token.lineno)
        # The first argument is the one a filter is applied to; asset_importmap has none.
        subject, rest = (args[0], args[1:]) if args else (nodes.Const(None), [])
        if token.value != tag or self.environment.finalize is not None:
            call = nodes.Filter(subject, _FILTER.format(tag), rest, kwargs, None, None)
            return nodes.Output([call.set_lineno(token.lineno)], lineno=token.lineno)
        # Written out as it is: Jinja writes a FilterBlock's filtered value with a bare
        # ``yield``; with a subject of its own, the filter does not read the block's (empty) body.
        name = _FILTER.format(tag + _ESCAPED if tag in _TEXT else tag)
        call = nodes.Filter(subject, name, rest, kwargs, None, None, lineno=token.lineno)
        return nodes.FilterBlock([], call, lineno=token.lineno)


def _lookups(assets: Assets | Callable[[], Assets]) -> Lookups:
    """The globals: each a function of the template context (unused) and the lookup's arguments."""
    if isinstance(assets, Assets):
        url, integrity, tag = assets.url, assets.integrity, assets.tag
        preload, importmap = assets.preload, assets.importmap

        @pass_context
        def asset_url(context: Context, name: str) -> str:
            return url(name)

        @pass_context
        def asset_integrity(context: Context, name: str) -> str:
            return integrity(name)

        @pass_context
        def asset_tag(context: Context, name: str, **attrs: object) -> Markup:
            return tag(name, **attrs)

        @pass_context
        def asset_preload(
            context: Context, name: str, as_: str | None = None, **attrs: object
        ) -> Markup:
            return preload(name, as_, **attrs)

        @pass_context
        def asset_importmap(context: Context, **attrs: object) -> Markup:
            return importmap(**attrs)

    else:
        current = assets

        @pass_context
        def asset_url(context: Context, name: str) -> str:
            return current().url(name)

        @pass_context
        def asset_integrity(context: Context, name: str) -> str:
            return current().integrity(name)

        @pass_context
        def asset_tag(context: Context, name: str, **attrs: object) -> Markup:
            return current().tag(name, **attrs)

        @pass_context
        def asset_preload(
            context: Context, name: str, as_: str | None = None, **attrs: object
        ) -> Markup:
            return current().preload(name, as_, **attrs)

        @pass_context
        def asset_importmap(context: Context, **attrs: object) -> Markup:
            return current().importmap(**attrs)

    return {
        "asset_url": asset_url,
        "asset_integrity": asset_integrity,
        "asset_tag": asset_tag,
        "asset_preload": asset_preload,
        "asset_importmap": asset_importmap,
    }


def _filters(lookups: Lookups) -> Lookups:
    """The filters the tags call: the globals, but for asset_importmap, which is handed the
    ``None`` its tag has for a first argument; and for the text lookups, escaping ones too."""
    importmap = lookups["asset_importmap"]

    @pass_context
    def asset_importmap(context: Context, nothing: None, **attrs: object) -> Markup:
        return cast(Markup, importmap(context, **attrs))

    filters = {_FILTER.format(name): lookup for name, lookup in lookups.items()}
    filters[_FILTER.format("asset_importmap")] = asset_importmap
    for name in _TEXT:
        filters[_FILTER.format(name + _ESCAPED)] = _escaped(lookups[name])
    return filters


def _escaped(lookup: Callable[..., str]) -> Callable[..., str]:
    """``lookup``, whose value is escaped where the template autoescapes, as Jinja's ``Output``
    would; each value escaped once. Keyed by the value (a URL, an integrity), not by the logical
    path: a new manifest's value is a new key, never an old release's answer."""
    escaped: dict[str, Markup] = {}

    @pass_context
    def lookup_escaped(context: Context, name: str) -> str:
        value = lookup(context, name)
        if not context.eval_ctx.autoescape:
            return value
        html = escaped.get(value)
        if html is None:
            if len(escaped) >= _ESCAPED_KEPT:
                escaped.clear()
            html = escaped[value] = escape(value)
        return html

    return lookup_escaped


def _not_installed() -> Lookups:
    """Lookups that say ``install`` has not been called: for an environment made with the
    extension alone."""

    def missing() -> Assets:
        raise ManifestError(
            "the asset tags have no manifest to read: call "
            "assetbuild.runtime.jinja.install(env, assets) on this environment"
        )

    return _lookups(missing)
