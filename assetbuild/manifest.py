"""The manifest schema, the one module both the build and the runtime use.

Owns: the ``Manifest`` and ``Entry`` values, their JSON form (``dumps``) and the validating reader
(``loads``/``load``) that turns any bad input into a ``ManifestError`` naming the file and key.
Must not: import anything beyond the standard library (the runtime imports it), or know how a
manifest was made.
"""

from __future__ import annotations

import gc
import json
import re
from collections.abc import Iterable, Mapping
from itertools import chain
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple, NoReturn

from assetbuild.errors import ManifestError

if TYPE_CHECKING:
    from os import PathLike

VERSION = 1
FILENAME = "manifest.json"

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_CONTROL = re.compile("[\x00-\x1f\x7f]")
# Non-empty segments of characters that are neither "/", "\" nor control characters. Lone
# surrogates (from a JSON "\udcff" escape) are looked for apart, and only in text that is not
# ASCII: their range in these classes would cost every app a millisecond at start-up to compile.
_SEGMENT = "(?!\\.\\.?(?:/|$))[^/\\\\\x00-\x1f\x7f]+"  # not "." or "..", no "\\"
# A safe path in one match: no scheme, non-empty segments, none of them "." or "..".
_SAFE = re.compile(f"(?![A-Za-z][A-Za-z0-9+.-]*:){_SEGMENT}(?:/{_SEGMENT})*")
_SURROGATE = re.compile("[\ud800-\udfff]")
_INTEGRITY_PREFIXES = ("sha256-", "sha384-", "sha512-")
# For ``_all_safe``: the control characters and the backslash, and each backslash made a slash.
# Multi-byte UTF-8 sequences hold no ASCII byte, so these work on UTF-8 as on ASCII.
_CONTROL_OR_BACKSLASH = bytes([*range(32), 127, 92])
_BACKSLASH_TO_SLASH = bytes.maketrans(b"\\", b"/")
_NOTHING: Mapping[str, str] = MappingProxyType({})  # an empty mapping no one can fill

# The values are NamedTuples, not frozen dataclasses: ``dataclasses`` imports ``inspect`` (with
# ``ast``, ``dis`` and ``tokenize``), which cost ``import assetbuild.runtime`` 10-20 ms, and a
# frozen dataclass is made through ``object.__setattr__``, field by field: 2.5 us an entry, 35 ms
# of loading 14,000 assets. A NamedTuple is as immutable and as typed, and made in 0.2 us.


class Entry(NamedTuple):
    """What the release holds for one logical path."""

    path: str  # the release path, relative to the release directory, "/"-separated
    integrity: str  # "sha384-<base64>" of the file's bytes, for Subresource Integrity
    size: int
    encodings: Mapping[str, str] = _NOTHING  # "gzip"/"br" -> release path
    sources: tuple[str, ...] | None = None  # a bundle's inputs, in order
    imports: tuple[str, ...] | None = None  # an ES module's static imports, as logical paths


class Manifest(NamedTuple):
    url: str  # the URL prefix the release is served under, ending in "/"
    assets: Mapping[str, Entry]
    importmap: Mapping[str, str] = _NOTHING  # bare specifier -> logical path
    # Logical paths also published under their own, unfingerprinted name (favicon.ico): the
    # release path of that copy is the logical path itself. Sorted.
    plain: tuple[str, ...] = ()
    aliases: Mapping[str, str] = _NOTHING  # other name -> logical path

    def release_paths(self) -> set[str]:
        """Every file this manifest names: each asset, each of its encodings, each plain copy."""
        named: set[str] = set(self.plain)
        for entry in self.assets.values():
            named.add(entry.path)
            named.update(entry.encodings.values())
        return named


def unsafe_path_reason(path: str) -> str | None:
    """Why ``path`` may not appear in a manifest, or None if it is a safe relative path.

    A release path is joined to a URL prefix and to a directory, so it must stay below both:
    no absolute paths, no ``..`` or empty segments, no scheme, no backslash (a Windows separator).
    """
    if _SAFE.fullmatch(path) and (path.isascii() or not _SURROGATE.search(path)):
        return None  # the common case, in C
    if not path:
        return "is empty"
    if path.startswith("/"):
        return "is absolute"
    if "\\" in path:
        return "contains a backslash"
    if _SCHEME.match(path):
        return "has a URL scheme"
    if any(segment in ("", ".", "..") for segment in path.split("/")):
        return "has an empty, '.' or '..' segment"
    if _CONTROL.search(path):
        return "contains a control character"
    if _SURROGATE.search(path):  # from a JSON "\udcff" escape
        return "is not valid Unicode (it has a lone surrogate, which no UTF-8 file name has)"
    return None


def _all_safe(names: Iterable[str], paths: list[Any]) -> bool:
    """True only if ``unsafe_path_reason`` is None for every one of ``names`` and ``paths``.

    Four C-level passes over all of them at once, a fifth of what ``_SAFE`` costs path by path
    (36 against 160 million instructions for 28,000 paths): joined by backslashes, which no safe
    path has, each path is delimited on both sides. False is not a verdict: it may also refuse a
    safe path (one with a ":", or a segment starting with "."), which the caller then checks
    one by one.
    """
    every = [*names, *paths]
    if not every:
        return True
    try:
        joined = ("\\" + "\\".join(every) + "\\").encode("utf-8")
    except TypeError:
        return False  # one is not a string (an encoding's path can be anything JSON has)
    except UnicodeEncodeError:
        return False  # a lone surrogate
    if b":" in joined:
        return False  # maybe a scheme
    # No backslash or control character inside a path: the separators are all there is to delete.
    if len(joined) - len(joined.translate(None, _CONTROL_OR_BACKSLASH)) != len(every) + 1:
        return False
    # With every boundary a "/": no empty segment (absolute, "a//b", "a/", ""), and no segment
    # that starts with "." (which covers "." and "..").
    bounded = joined.translate(_BACKSLASH_TO_SLASH)
    return b"//" not in bounded and b"/." not in bounded


def _strings(value: object) -> tuple[str, ...]:
    """A JSON list of strings as a tuple; a TypeError for anything else."""
    if type(value) is not list or not all(type(v) is str for v in value):
        raise TypeError
    return tuple(value)


def to_json(manifest: Manifest) -> dict[str, Any]:
    assets: dict[str, Any] = {}
    for name, entry in manifest.assets.items():
        item: dict[str, Any] = {
            "path": entry.path,
            "integrity": entry.integrity,
            "size": entry.size,
            "encodings": dict(entry.encodings),
        }
        if entry.sources is not None:
            item["sources"] = list(entry.sources)
        if entry.imports is not None:
            item["imports"] = list(entry.imports)
        assets[name] = item
    document: dict[str, Any] = {"version": VERSION, "url": manifest.url, "assets": assets}
    # Each optional key only when it has something: a release without them keeps its bytes.
    if manifest.importmap:
        document["importmap"] = dict(manifest.importmap)
    if manifest.plain:
        document["plain"] = sorted(manifest.plain)
    if manifest.aliases:
        document["aliases"] = dict(manifest.aliases)
    return document


def dumps(manifest: Manifest) -> bytes:
    """The manifest's bytes: UTF-8 JSON, keys sorted, nothing time-dependent, one asset a line.

    One line per asset keeps diffs between releases readable. Each line is what
    ``json.dumps(entry, sort_keys=True, ensure_ascii=False, separators=(", ", ": "))`` gives
    (a test holds them equal), put together from the C string encoder: a ``json.dumps`` call per
    asset costs a quarter of a second for 14,000 assets, and ``indent=`` switches ``json`` to its
    pure-Python encoder (seconds).
    """
    document = to_json(
        Manifest(manifest.url, {}, manifest.importmap, manifest.plain, manifest.aliases)
    )
    lines = ["{"]
    for key in sorted(document):
        if key == "assets" and manifest.assets:
            assets = manifest.assets
            entries = [f"    {_string(name)}: {_entry(assets[name])}" for name in sorted(assets)]
            lines.append('  "assets": {\n' + ",\n".join(entries) + "\n  },")
        else:
            lines.append(f"  {_compact(key)}: {_compact(document[key])},")
    lines[-1] = lines[-1].rstrip(",")
    lines.append("}")
    return ("\n".join(lines) + "\n").encode("utf-8")


# json's own encoder of one string (the C one), as json.dumps(ensure_ascii=False) uses it.
_string = json.encoder.encode_basestring


def _entry(entry: Entry) -> str:
    """``_compact(to_json's item for entry)``, with its keys in sorted order."""
    encodings = ", ".join(
        f"{_string(k)}: {_string(entry.encodings[k])}" for k in sorted(entry.encodings)
    )
    parts = [f'"encodings": {{{encodings}}}']
    if entry.imports is not None:
        parts.append(f'"imports": [{", ".join(map(_string, entry.imports))}]')
    parts.append(f'"integrity": {_string(entry.integrity)}')
    parts.append(f'"path": {_string(entry.path)}')
    parts.append(f'"size": {int(entry.size)}')
    if entry.sources is not None:
        parts.append(f'"sources": [{", ".join(map(_string, entry.sources))}]')
    return "{" + ", ".join(parts) + "}"


def _compact(value: object) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(", ", ": "))


def load(path: str | PathLike[str]) -> Manifest:
    """Read and validate the manifest at ``path``."""
    origin = str(path)
    try:
        with open(path, "rb") as file:
            data = file.read()
    except FileNotFoundError:
        raise ManifestError(
            f"{origin}: no manifest there; run `assetbuild build` first, "
            "or point ASSETBUILD_MANIFEST at the release's manifest.json"
        ) from None
    except OSError as exc:
        raise ManifestError(f"{origin}: cannot be read: {exc.strerror or exc}") from None
    return loads(data, origin)


def loads(data: bytes | str, origin: str = "<manifest>") -> Manifest:
    """Validate ``data`` as a manifest; any defect is a ``ManifestError`` naming ``origin``."""
    # Reading 14,000 assets makes some 100,000 objects, none of them garbage: the collector
    # would walk the app's whole heap several times over for nothing (a third of the time, in
    # an app of Django's size). It is paused, not reconfigured, and only if it was running.
    collecting = gc.isenabled()
    gc.disable()
    try:
        try:
            document = json.loads(data)
        except (
            ValueError,
            RecursionError,
        ) as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
            raise ManifestError(
                f"{origin}: not valid JSON ({exc}); rebuild it with `assetbuild build`"
            ) from None
        return _Reader(origin).manifest(document)
    finally:
        if collecting:
            gc.enable()


class _Reader:
    """Checks a decoded JSON document key by key, naming the first wrong one."""

    def __init__(self, origin: str):
        self.origin = origin

    def fail(self, key: str, problem: str) -> ManifestError:
        return ManifestError(f"{self.origin}: {key} {problem}")

    def manifest(self, document: object) -> Manifest:
        if not isinstance(document, dict):
            raise self.fail("the document", "must be a JSON object")
        version = document.get("version")
        if type(version) is not int or version != VERSION:  # not True, not 1.0
            raise self.fail(
                "version",
                f"is {version!r}, but this assetbuild reads version {VERSION} only; "
                "rebuild the release with the same assetbuild version as the app",
            )
        url = self.string(document.get("url"), "url")
        if not url.endswith("/"):
            raise self.fail("url", f"must end with '/', not {url!r}")
        raw_assets = document.get("assets")
        if not isinstance(raw_assets, dict):
            raise self.fail("assets", "must be an object of logical path -> entry")
        assets = self.assets(raw_assets)
        importmap = self.importmap(document.get("importmap", {}), assets)
        plain = self.plain(document.get("plain", []), assets)
        aliases = self.aliases(document.get("aliases", {}), assets)
        return Manifest(url=url, assets=assets, importmap=importmap, plain=plain, aliases=aliases)

    def assets(self, raw_assets: dict[str, Any]) -> dict[str, Entry]:
        """Every entry, checked: the result of ``assets_in_order``, in half the time or less.

        This runs for every asset at app start (14,000 of them in a large release), so the loop
        is lean: subscripts and exact type tests (JSON gives exact types), entries made by
        ``tuple.__new__`` without ``Entry``'s Python frame, and every name and release path
        checked at the end, all at once (``_all_safe``). On any doubt, the entries are checked
        again one by one, so that the error names the first wrong key of the first wrong entry.
        """
        assets: dict[str, Entry] = {}
        encoded: list[dict[str, Any]] = []  # the encodings that are not empty
        make = tuple.__new__
        prefixes = _INTEGRITY_PREFIXES
        try:
            for name, raw in raw_assets.items():
                path = raw["path"]  # a TypeError if raw is no dict, a KeyError if it lacks it
                integrity = raw["integrity"]
                size = raw["size"]
                encodings = raw["encodings"]
                if not (
                    type(raw) is dict
                    and type(path) is str
                    and type(integrity) is str
                    and integrity.startswith(prefixes)
                    and type(size) is int
                    and size >= 0
                    and type(encodings) is dict
                ):
                    raise TypeError
                if encodings:
                    encoded.append(encodings)
                sources = imports = None
                if len(raw) > 4:  # more than the four keys every entry has
                    sources = raw.get("sources")
                    if sources is not None:
                        sources = _strings(sources)
                    imports = raw.get("imports")
                    if imports is not None:
                        imports = _strings(imports)
                assets[name] = make(Entry, (path, integrity, size, encodings, sources, imports))
        except (KeyError, TypeError):
            return self.assets_in_order(raw_assets)
        paths = [entry[0] for entry in assets.values()]
        paths += chain.from_iterable(map(dict.values, encoded))
        if not _all_safe(raw_assets, paths):
            return self.assets_in_order(raw_assets)
        return assets

    def assets_in_order(self, raw_assets: dict[str, object]) -> dict[str, Entry]:
        """Every entry, checked one after the other: a ``ManifestError`` names the first wrong
        key of the first wrong entry."""
        return {name: self.entry(name, raw) for name, raw in raw_assets.items()}

    def entry(self, name: str, raw: object) -> Entry:
        # The keys for messages are made only on failure, by ``explain``.
        if type(raw) is not dict:
            self.explain(name, raw)
        path = raw.get("path")
        integrity = raw.get("integrity")
        size = raw.get("size")
        encodings = raw.get("encodings")
        if not (
            type(path) is str
            and type(integrity) is str
            and integrity.startswith(_INTEGRITY_PREFIXES)
            and type(size) is int
            and size >= 0
            and type(encodings) is dict
            and (not encodings or all(type(v) is str for v in encodings.values()))
            and unsafe_path_reason(name) is None
            and unsafe_path_reason(path) is None
            and (not encodings or all(unsafe_path_reason(v) is None for v in encodings.values()))
        ):
            self.explain(name, raw)
        sources = raw.get("sources")
        if sources is not None:
            sources = self.string_list(sources, f"assets[{name!r}].sources")
        imports = raw.get("imports")
        if imports is not None:
            imports = self.string_list(imports, f"assets[{name!r}].imports")
        # The decoded JSON object is this entry's own (JSON object keys are strings).
        return Entry(path, integrity, size, encodings, sources, imports)

    def explain(self, name: str, raw: object) -> NoReturn:
        """Raise the ``ManifestError`` that names the first wrong key of an entry."""
        key = f"assets[{name!r}]"
        self.safe_path(name, key)
        if not isinstance(raw, dict):
            raise self.fail(key, "must be an object")
        self.safe_path(self.string(raw.get("path"), f"{key}.path"), f"{key}.path")
        integrity = self.string(raw.get("integrity"), f"{key}.integrity")
        if not integrity.startswith(("sha256-", "sha384-", "sha512-")):
            raise self.fail(f"{key}.integrity", f"must be 'sha384-<base64>', not {integrity!r}")
        size = raw.get("size")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise self.fail(f"{key}.size", f"must be a non-negative integer, not {size!r}")
        raw_encodings = raw.get("encodings")
        if not isinstance(raw_encodings, dict):
            raise self.fail(f"{key}.encodings", "must be an object of encoding -> release path")
        for enc, p in raw_encodings.items():
            self.safe_path(self.string(p, f"{key}.encodings[{enc!r}]"), f"{key}.encodings[{enc!r}]")
        raise AssertionError(f"{key} was refused without a reason")  # pragma: no cover

    def importmap(self, raw: object, assets: Mapping[str, Entry]) -> dict[str, str]:
        if not isinstance(raw, dict):
            raise self.fail("importmap", "must be an object of specifier -> logical path")
        result: dict[str, str] = {}
        for specifier, target in raw.items():
            target = self.string(target, f"importmap[{specifier!r}]")
            if target not in assets:
                raise self.fail(
                    f"importmap[{specifier!r}]", f"names {target!r}, which is not an asset"
                )
            result[specifier] = target
        return result

    def plain(self, raw: object, assets: Mapping[str, Entry]) -> tuple[str, ...]:
        if not isinstance(raw, list):
            raise self.fail("plain", "must be a list of logical paths")
        for index, name in enumerate(raw):
            name = self.string(name, f"plain[{index}]")
            if name not in assets:
                raise self.fail(f"plain[{index}]", f"names {name!r}, which is not an asset")
        return tuple(raw)

    def aliases(self, raw: object, assets: Mapping[str, Entry]) -> dict[str, str]:
        if not isinstance(raw, dict):
            raise self.fail("aliases", "must be an object of alias -> logical path")
        result: dict[str, str] = {}
        for alias, target in raw.items():
            key = f"aliases[{alias!r}]"
            target = self.string(target, key)
            if target not in assets:
                raise self.fail(key, f"names {target!r}, which is not an asset")
            if alias in assets:
                # A lookup by that name would be ambiguous: the asset or the alias's target?
                raise self.fail(key, "is also the logical path of an asset")
            result[alias] = target
        return result

    def string(self, value: object, key: str) -> str:
        if not isinstance(value, str):
            raise self.fail(key, f"must be a string, not {type(value).__name__}")
        return value

    def string_list(self, value: object, key: str) -> tuple[str, ...] | None:
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(key, "must be a list of strings")
        return tuple(value)

    def safe_path(self, path: str, key: str) -> str:
        reason = unsafe_path_reason(path)
        if reason:
            raise self.fail(
                key, f"{reason} ({path!r}); a manifest names files below the release only"
            )
        return path
