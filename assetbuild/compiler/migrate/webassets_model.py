"""What the webassets readers hand to the converter, and what the converter knows of webassets' filters.

Owns: the model both readers (``webassets_yaml`` for YAML files, ``webassets_env`` for a live
``Environment``) produce: ``WaBundle`` (a webassets bundle, by identity), ``Root`` (a directory
its files come from, and the prefix their logical paths get) and ``WaSource`` (one file or
environment read); the config keys a webassets filter reads; which filters leave the meaning
of other files as it is (so that a nested bundle's own filter can run on its whole parent);
and the ``extra`` keys that are attributes of the tag ``asset_tag`` writes.
Must not: read files or environments (the readers do), or decide what the TOML says.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ENVIRONMENT_ORIGIN = "webassets Environment"
VERSION = "%(version)s"

# Settings of a webassets environment that assetbuild does itself, or needs not: each dropped
# with a note saying why.
DROPPED_SETTINGS = {
    "debug": "assetbuild has no debug mode: templates always get the built bundles",
    "auto_build": "assetbuild never builds at run time; `assetbuild build` is a build step",
    "cache": "assetbuild's build cache is cache_dir (or --cache-dir), outside the release",
    "versions": "assetbuild fingerprints every file by its content",
    "url_expire": "fingerprinted URLs never need a ?query to expire",
    "manifest": "assetbuild writes its own manifest.json in the release directory",
    "updater": "assetbuild rebuilds from the sources every time",
    "expire": "fingerprinted URLs never need a ?query to expire",
    "cache_file_mode": "assetbuild's build cache is its own",
}

# A value that filter_config can carry to a webassets filter, as webassets' own config holds it.
ConfigValue = str | bool | int | list[str]


@dataclass(eq=False)
class WaBundle:
    """A webassets bundle, by identity (the same bundle may be nested in several places)."""

    where: str  # the key, for messages: 'bundles.js-all' or 'bundles.js-all.contents[2]'
    contents: list[str | WaBundle]
    filters: tuple[str, ...]
    output: str | None
    name: str | None = None  # the name it is registered under (top level only): an alias
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # template data, e.g. {"media": "print"}
    depends: tuple[str, ...] = ()  # files its filters read besides its contents (partials)
    # Filter options for this bundle: its own ``config`` and options given to its filters in
    # Python, by webassets config key (upper case).
    config: dict[str, Any] = field(default_factory=dict)
    # What cannot be converted, found while reading it: (key, reason).
    problems: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Root:
    """A directory that a source's contents come from, and the prefix its logical paths get."""

    path: Path
    prefix: str = ""  # "" or a relative path ending in "/"


@dataclass
class WaSource:
    """One YAML file or one ``Environment``, read."""

    origin: str  # the file read, or ENVIRONMENT_ORIGIN
    roots: list[Root]  # where the contents are, in webassets' search order
    # How a bundle's content names a file: "search" - a path relative to the first root that has
    # it (webassets' directory or load path), which gets that root's prefix; "logical" - the
    # item already is the logical path (Flask-Assets: "<blueprint>/<path>", as the prefixes are).
    contents_mode: str
    directory: Path | None  # where webassets wrote the outputs (None: not among the sources)
    url: str | None
    bundles: list[WaBundle]  # top level: named first, in order, then anonymous ones
    notes: list[str]
    stale: list[tuple[Path, bool]]  # webassets' manifest file or cache directory, and which
    # Environment-level filter options (a YAML file's ``config:``, an Environment's config),
    # by webassets config key (upper case).
    config: dict[str, Any] = field(default_factory=dict)


def filter_config_keys(name: str) -> tuple[str, ...]:
    """The config keys a registered webassets filter reads (its options), upper case."""
    from webassets.filter import get_filter, parse_options

    try:
        flt = get_filter(name)
    except ValueError:
        return ()
    keys = []
    for _, configvar, _ in parse_options(type(flt).options).values():
        if isinstance(configvar, str) and configvar:
            keys.append(configvar.upper())
    return tuple(keys)


def config_value(value: Any) -> ConfigValue | None:
    """``value`` as filter_config can hold it, or None if it cannot."""
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, list | tuple) and all(isinstance(item, str) for item in value):
        return list(value)
    return None


# Filters that change no meaning of any file of their language they are given: minifiers,
# prefixers, inliners. A nested bundle's such filter may run on all of its parent's files.
_MEANING_KEEPING = frozenset(
    {
        "autoprefixer",
        "autoprefixer6",
        "closure_js",
        "closure_stylesheets_minifier",
        "cleancss",
        "css_slimmer",
        "cssmin",
        "cssprefixer",
        "cssutils",
        "datauri",
        "jsmin",
        "jspacker",
        "rcssmin",
        "rjsmin",
        "slimit",
        "uglifyjs",
        "yui_css",
        "yui_js",
    }
)
# Compilers whose language contains plain CSS or JavaScript: what else they may be given without
# changing its meaning (SCSS, LESS and Stylus read CSS as it is; Babel and TypeScript read JS).
_SUPERSET_OF = {
    "less": frozenset({".css", ".less"}),
    "libsass": frozenset({".css", ".scss"}),
    "node-scss": frozenset({".css", ".scss"}),
    "pyscss": frozenset({".css", ".scss"}),
    "scss": frozenset({".css", ".scss"}),
    "scss_ruby": frozenset({".css", ".scss"}),
    "stylus": frozenset({".css", ".styl"}),
    "babel": frozenset({".js", ".jsx", ".mjs"}),
    "typescript": frozenset({".js", ".ts"}),
}


def keeps_meaning(filter_name: str, pattern: str) -> bool:
    """Whether ``filter_name`` may run on the files ``pattern`` names without changing what they
    mean; only then can a nested bundle's own filter become a filter of its whole parent."""
    if filter_name in _MEANING_KEEPING:
        return True
    accepted = _SUPERSET_OF.get(filter_name)
    if accepted is None:
        return False
    return posixpath.splitext(pattern.rsplit("/", 1)[-1])[1].lower() in accepted


# Attributes that mean the same on the tag asset_tag writes as on the one a webassets template
# wrote with {{ EXTRA.x }}. Others (rel, href, src, integrity) asset_tag sets itself.
TAG_ATTRIBUTES = frozenset(
    {
        "async",
        "blocking",
        "charset",
        "crossorigin",
        "defer",
        "fetchpriority",
        "media",
        "nomodule",
        "nonce",
        "referrerpolicy",
        "title",
    }
)


def merge_filters(own: Sequence[str], parent: Sequence[str]) -> tuple[str, ...]:
    """webassets' ``merge_filters``: the bundle's own filters, then its parent's not among them."""
    return tuple(own) + tuple(name for name in parent if name not in own)
