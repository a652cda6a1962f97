"""The manifest schema, the one module both the build and the runtime use.

Owns: the ``Manifest`` and ``Entry`` values, their JSON form (``dumps``) and the validating reader
(``loads``/``load``) that turns any bad input into a ``ManifestError`` naming the file and key.
Must not: import anything beyond the standard library (the runtime imports it), or know how a
manifest was made.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from assetbuild.errors import ManifestError

VERSION = 1
FILENAME = "manifest.json"

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_CONTROL = re.compile("[\x00-\x1f\x7f]")
# Non-empty segments of characters that are neither "/", "\", control characters nor surrogates.
_SEGMENT = "(?!\\.\\.?(?:/|$))[^/\\\\\x00-\x1f\x7f\ud800-\udfff]+"  # not "." or "..", no "\\"
# A safe path in one match: no scheme, non-empty segments, none of them "." or "..".
_SAFE = re.compile(f"(?![A-Za-z][A-Za-z0-9+.-]*:){_SEGMENT}(?:/{_SEGMENT})*")
_SURROGATE = re.compile("[\ud800-\udfff]")
_INTEGRITY_PREFIXES = ("sha256-", "sha384-", "sha512-")


@dataclass(frozen=True)
class Entry:
    """What the release holds for one logical path."""

    path: str  # the release path, relative to the release directory, "/"-separated
    integrity: str  # "sha384-<base64>" of the file's bytes, for Subresource Integrity
    size: int
    encodings: Mapping[str, str] = field(default_factory=dict)  # "gzip"/"br" -> release path
    sources: tuple[str, ...] | None = None  # a bundle's inputs, in order
    imports: tuple[str, ...] | None = None  # an ES module's static imports, as logical paths


@dataclass(frozen=True)
class Manifest:
    url: str  # the URL prefix the release is served under, ending in "/"
    assets: Mapping[str, Entry]
    importmap: Mapping[str, str] = field(default_factory=dict)  # bare specifier -> logical path
    # Logical paths also published under their own, unfingerprinted name (favicon.ico): the
    # release path of that copy is the logical path itself. Sorted.
    plain: tuple[str, ...] = ()
    aliases: Mapping[str, str] = field(default_factory=dict)  # other name -> logical path

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
    if _SAFE.fullmatch(path):
        return None  # the common case in one C-level match: a manifest of 14,000 assets loads fast
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


def load(path: Path | str) -> Manifest:
    """Read and validate the manifest at ``path``."""
    origin = str(path)
    try:
        data = Path(path).read_bytes()
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
        assets = {name: self.entry(name, raw) for name, raw in raw_assets.items()}
        importmap = self.importmap(document.get("importmap", {}), assets)
        plain = self.plain(document.get("plain", []), assets)
        aliases = self.aliases(document.get("aliases", {}), assets)
        return Manifest(url=url, assets=assets, importmap=importmap, plain=plain, aliases=aliases)

    def entry(self, name: str, raw: object) -> Entry:
        # This runs for every asset at app start (14,000 of them in a large release), so the
        # checks are one expression of exact type tests, and the keys for messages are made
        # only on failure, by ``explain``. ``type(x) is dict``: JSON gives exact types.
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
            and (_SAFE.fullmatch(name) or unsafe_path_reason(name) is None)
            and (_SAFE.fullmatch(path) or unsafe_path_reason(path) is None)
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
