"""Bundles: filters by name, and joining inputs so that nothing changes meaning.

Owns: the filter chain (rcssmin and rjsmin called directly, any other name looked up in
webassets' registry, imported only then), the safe JS join, and the CSS join rules (one leading
``@charset`` at most, no byte-order marks, hoisted ``@import`` rules first).
Must not: resolve references or read files; it is given text that is already rewritten.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import rcssmin
import rjsmin

from assetbuild.errors import BuildError, ConfigError, Problem

if TYPE_CHECKING:
    from assetbuild.compiler.config import Config
    from assetbuild.compiler.plan import Plan

# License comments (/*! ... */) are kept: most vendor licenses require the notice to travel with
# the code, and esbuild and terser keep them too.
_DIRECT = {
    "rcssmin": lambda text: rcssmin.cssmin(text, keep_bang_comments=True),
    "rjsmin": lambda text: rjsmin.jsmin(text, keep_bang_comments=True),
}


@dataclass(frozen=True)
class FilterChain:
    """The filters of one bundle, in order. Webassets filters run their ``input`` step on each
    input file and their ``output`` step on the joined bundle, as webassets itself runs them."""

    names: tuple[str, ...]
    _webassets: tuple[Any, ...] = field(default=(), repr=False, compare=False)
    _directory: str = ""  # the first source directory: webassets' environment directory

    @property
    def pure(self) -> bool:
        """Whether the output depends on the inputs' text alone: only assetbuild's own filters
        (rcssmin, rjsmin), none of webassets', whose tools may read more than their input."""
        return not self._webassets

    def input(self, text: str, source_path: str, bundle: str) -> str:
        """Each webassets filter's input step on one input file, given the keyword arguments
        webassets gives it: the input's name and path, the bundle's name and path."""
        source = os.path.relpath(source_path, self._directory) if self._directory else source_path
        paths = {
            "source": source,
            "source_path": source_path,
            "output": bundle,
            "output_path": os.path.join(self._directory, bundle),
        }
        for flt in self._webassets:
            if getattr(flt, "input", None):
                text = _run(flt, "input", text, source_path, **paths)
        return text

    def output(self, text: str, bundle: str) -> str:
        output_path = os.path.join(self._directory, bundle)
        webassets_filters = iter(self._webassets)
        for name in self.names:
            if name in _DIRECT:
                text = _DIRECT[name](text)
                continue
            flt = next(webassets_filters)
            if getattr(flt, "output", None):
                text = _run(flt, "output", text, bundle, output=bundle, output_path=output_path)
        return text


def filter_chain(
    names: Sequence[str], *, bundle: str, config_file: str, source_dir: str
) -> FilterChain:
    """Look up ``names``; an unknown name is a ``ConfigError`` naming the bundle's ``filters`` key."""
    others = [n for n in names if n not in _DIRECT]
    if not others:
        return FilterChain(tuple(names), _directory=source_dir)
    # webassets costs about 100 ms to import: pay it only when a bundle names one of its filters.
    from webassets import Environment
    from webassets.bundle import ContextWrapper
    from webassets.filter import get_filter

    context = ContextWrapper(Environment(directory=source_dir, url="/", auto_build=False))
    instances = []
    for name in others:
        try:
            flt = get_filter(name)
            flt.set_context(context)
            flt.setup()
        except (ValueError, OSError, ImportError) as exc:
            raise ConfigError(
                f"filter {name!r} cannot be used ({exc}); name a webassets filter whose tool is "
                "installed, or use [] for none",
                file=config_file,
                key=f'bundles."{bundle}".filters',
            ) from None
        instances.append(flt)
    return FilterChain(tuple(names), tuple(instances), source_dir)


def filter_chains(plan: Plan, config: Config) -> dict[str, FilterChain]:
    """Every bundle's filter chain, by the bundle's logical path."""
    return {
        asset.logical_path: filter_chain(
            asset.bundle.filters,
            bundle=asset.logical_path,
            config_file=str(config.file),
            source_dir=str(config.sources[0].path),
        )
        for asset in plan.assets.values()
        if asset.bundle is not None
    }


def _run(flt: Any, step: str, text: str, where: str, **kwargs: str) -> str:
    """One step of a webassets filter; whatever it raises is a problem with ``where`` (the
    input file, or the bundle), named with the filter, never a traceback."""
    out = io.StringIO()
    try:
        getattr(flt, step)(io.StringIO(text), out, **kwargs)
    except Exception as exc:
        raise BuildError(
            [
                Problem(
                    f"webassets filter {flt.name!r} failed ({type(exc).__name__}: {exc}); "
                    "fix its input or its tool's setup, or remove it from the bundle's filters",
                    where,
                )
            ]
        ) from exc  # kept for --debug
    return out.getvalue()


def join_js(texts: Sequence[str]) -> str:
    """Join scripts so none changes how the next one parses.

    A newline ends a trailing ``// comment``; the ``;`` ends a statement left open (``foo()``
    followed by ``(function(){...})()`` would otherwise call foo's result). An extra empty
    statement is harmless where the file already ended with one.
    """
    return "\n;\n".join(text.lstrip("\ufeff") for text in texts) + "\n"


def join_css(hoisted: Sequence[str], bodies: Sequence[str]) -> str:
    """Hoisted ``@import`` rules first (browsers ignore an ``@import`` after any other rule),
    then each input's body, in order."""
    parts = [rule.strip() for rule in hoisted]
    parts.extend(body.lstrip("\ufeff") for body in bodies)
    return "\n".join(parts)


def with_charset(css: str) -> str:
    """One leading ``@charset "UTF-8";`` where the bundle needs it: only non-ASCII text depends
    on the encoding, and a ``@charset`` anywhere but the very start is ignored."""
    return css if css.isascii() else '@charset "UTF-8";' + css
