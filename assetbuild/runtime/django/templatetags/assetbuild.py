"""``{% load assetbuild %}``: asset_url, asset_integrity, asset_tag, asset_preload, asset_importmap.

Owns: the Django template tags, each a thin call on ``get_assets()``:
``{% asset_url "css/app.css" %}``, ``{% asset_integrity "css/app.css" %}``,
``{% asset_tag "js/app.js" defer=True %}``, ``{% asset_preload "fonts/inter.woff2" %}``,
``{% asset_importmap %}``; each also takes ``as name`` to store its value instead.
Must not: catch errors: an unknown name raises ``MissingAssetError`` and an unusable manifest
``ManifestError``, in every environment.

The tags take their arguments the way ``simple_tag`` does (Django's own ``parse_bits``, so the
same syntax and the same error messages), but render through a node of their own: a page has
many asset tags, and ``simple_tag``'s node resolves every argument and looks up the tag's
signature on every render. Here arguments that are literals (the usual ``"css/app.css"``) are
resolved once, when the template is compiled, and the node keeps its last value for as long as
``get_assets()`` returns the same ``Assets`` without reload (one that never changes): a new
manifest (``DEBUG``'s reload, or changed settings) is always followed. A node with such a value
answers from ``render_annotated``, the method Django calls, without the two calls below it.
"""

from __future__ import annotations

from collections.abc import Callable
from inspect import getfullargspec
from typing import Any, cast

from django import template
from django.template.base import FilterExpression, Parser, Token
from django.template.context import Context
from django.template.library import parse_bits
from django.utils.html import conditional_escape

from assetbuild.runtime._assets import Assets
from assetbuild.runtime.django import _current
from assetbuild.runtime.django._current import get_assets

register = template.Library()


class AssetNode(template.Node):
    """One asset tag in a compiled template."""

    def __init__(
        self,
        method: Callable[..., str],
        safe: bool,
        args: list[FilterExpression],
        kwargs: dict[str, FilterExpression],
        target_var: str | None,
    ) -> None:
        self.method = method  # an Assets method, called on get_assets()
        self.safe = safe  # whether it returns HTML that needs no escaping (Markup)
        self.args = args
        self.kwargs = kwargs
        self.target_var = target_var
        # Literal positional arguments and no keywords: known now, not resolved per render.
        literal = not kwargs and all(not a.is_var and not a.filters for a in args)
        self.literal: tuple[Any, ...] | None = tuple(a.var for a in args) if literal else None
        # The last value of a literal call, the Assets it came from, and the value as it is
        # written where the template autoescapes. An Assets without reload always gives the
        # same answer, so while get_assets() returns the same one the value is reused; new
        # settings make a new Assets. One tuple, replaced whole, so threads rendering the same
        # template never see half of it.
        self.cached: tuple[Assets, str, str] | None = None

    def render_annotated(self, context: Context) -> str:
        # The common case without a call: a value made before, from the Assets in use now
        # (``_current._current`` is what get_assets() returns once it has loaded them).
        cached = self.cached
        if cached is not None and cached[0] is _current._current and self.target_var is None:
            return cached[2] if context.autoescape else cached[1]
        return cast(str, super().render_annotated(context))

    def render(self, context: Context) -> str:
        if self.literal is not None:
            assets = get_assets()
            cached = self.cached
            if cached is not None and cached[0] is assets:
                value = cached[1]
            else:
                value = self.method(assets, *self.literal)
                if not assets.reload:
                    escaped = value if self.safe else conditional_escape(value)
                    self.cached = (assets, value, escaped)
        else:
            args = [a.resolve(context) for a in self.args]
            kwargs = {k: v.resolve(context) for k, v in self.kwargs.items()}
            value = self.method(get_assets(), *args, **kwargs)
        if self.target_var is not None:
            context[self.target_var] = value
            return ""
        if self.safe or not context.autoescape:
            return value
        return conditional_escape(value)


def _asset_tag(
    signature: Callable[..., object], method: Callable[..., str], *, safe: bool = False
) -> None:
    """Register a tag named and shaped like ``signature`` that renders ``method`` (an ``Assets``
    method) through ``AssetNode``. ``safe``: ``method`` returns ``Markup`` (it escapes every
    value it puts in), so its HTML goes out as it is."""
    name = signature.__name__
    params, varargs, varkw, defaults, kwonly, kwonly_defaults, _ = getfullargspec(signature)

    def compile_tag(parser: Parser, token: Token) -> AssetNode:
        bits = token.split_contents()[1:]
        target_var = None
        if len(bits) >= 2 and bits[-2] == "as":
            target_var = bits[-1]
            bits = bits[:-2]
        # django-stubs leave out the takes_context parameter that Django has had since 2.0.
        args, kwargs = cast(Any, parse_bits)(
            parser,
            bits,
            params,
            varargs,
            varkw,
            defaults,
            kwonly,
            kwonly_defaults,
            False,  # takes_context
            name,
        )
        return AssetNode(method, safe, args, kwargs, target_var)

    register.tag(name, compile_tag)


# What each tag takes, as simple_tag would read it from these signatures.


def asset_url(name: str) -> None: ...
def asset_integrity(name: str) -> None: ...
def asset_tag(name: str, **attrs: object) -> None: ...
def asset_preload(name: str, as_: str | None = None, **attrs: object) -> None: ...
def asset_importmap(**attrs: object) -> None: ...


_asset_tag(asset_url, Assets.url)
_asset_tag(asset_integrity, Assets.integrity)
_asset_tag(asset_tag, Assets.tag, safe=True)
_asset_tag(asset_preload, Assets.preload, safe=True)
_asset_tag(asset_importmap, Assets.importmap, safe=True)
