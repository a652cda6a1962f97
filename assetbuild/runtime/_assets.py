"""``Assets``: one release's manifest, turned into URLs and tags once, at load.

Owns: reading the manifest (through ``assetbuild.manifest``) when constructed and, with
``reload=True``, again when the file changes; the URL prefix (the manifest's ``url`` or an
override such as a CDN); percent-encoding release paths; the precomputed URL and default tag of
every asset; the manifest's aliases, resolved once, at load, so that every lookup takes an alias
where it takes a logical path at no cost; ``MissingAssetError`` with close matches (aliases
included) for a name the manifest does not have.
Must not: write or create any file, compile anything, import the build side (``assetbuild.compiler``,
webassets, rcssmin, rjsmin, click, brotli) or a template engine or framework, or touch the
filesystem on a lookup unless ``reload=True`` asked for it.
"""

from __future__ import annotations

import json
import os
import re
from itertools import compress, repeat
from operator import attrgetter, is_not
from typing import TYPE_CHECKING

from markupsafe import Markup

from assetbuild.errors import ManifestError, MissingAssetError
from assetbuild.manifest import Manifest, load
from assetbuild.runtime import _html

if TYPE_CHECKING:
    from collections.abc import Iterator

# The element tag() makes for a logical path, by its extension.
_KINDS = {"css": "stylesheet", "js": "script", "mjs": "script"}
# What a modulepreload may name: modules that are JavaScript.
_SCRIPT_EXTENSIONS = frozenset(("js", "mjs", "cjs"))

# What a preload is for, by extension, when preload() is not told with as_=.
_DESTINATIONS = {
    **dict.fromkeys(("woff", "woff2", "ttf", "otf", "eot"), "font"),
    "css": "style",
    **dict.fromkeys(("js", "mjs"), "script"),
    **dict.fromkeys(("png", "jpg", "jpeg", "gif", "webp", "avif", "svg", "ico", "bmp"), "image"),
}

# Release paths made only of these need no percent-encoding (the common case, checked in C).
_URL_SAFE = re.compile(r"[A-Za-z0-9_.~/-]*")
_URL_SAFE_BYTES = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.~/-"
# Entry.path and Entry.imports, read in C: each is looked at for all 14,000 assets of a large
# release at every load.
_path = attrgetter("path")
_imports = attrgetter("imports")
_NONE = repeat(None)

_Stamp = tuple[int, int, int]  # the manifest file's mtime_ns, size and inode


# Plain classes rather than dataclasses: the dataclass decorator costs milliseconds at import.
class _Asset:
    __slots__ = ("integrity", "kind", "preloads", "tag", "url")

    def __init__(self, url: str, integrity: str, kind: str | None, tag: Markup | None) -> None:
        self.url = url
        self.integrity = integrity
        self.kind = kind  # "stylesheet", "script", or None when tag() does not apply
        self.tag = tag  # the tag with no extra attributes, made on first use and kept
        # For an ES module: <link rel="modulepreload"> for everything it imports statically,
        # transitively, so the browser fetches the whole graph at once instead of level by level.
        self.preloads: Markup | None = None


class _Release:
    """Everything a lookup needs from one reading of the manifest; never changed once made."""

    __slots__ = ("aliases", "assets", "importmap", "manifest", "stamp", "urls")

    def __init__(
        self,
        manifest: Manifest,
        urls: dict[str, str],
        assets: dict[str, _Asset],
        stamp: _Stamp | None,
        importmap: str,
    ) -> None:
        self.manifest = manifest
        self.aliases = manifest.aliases  # alias -> logical path
        # Logical path (or alias) -> URL, apart from ``assets`` so url(), the hot path, is one
        # dict access, for an alias too.
        self.urls = urls
        # Made on first use (see ``asset``): a manifest of 14,000 assets loads faster, and a
        # page uses a few dozen of them.
        self.assets = assets
        self.stamp = stamp
        self.importmap = importmap  # the import map's JSON, escaped for a <script> element

    def asset(self, name: str) -> _Asset | None:
        """The record of ``name``, a logical path or an alias (None if the manifest has neither).
        Two threads may make the same record at once; they are equal, and either one is kept."""
        asset = self.assets.get(name)
        if asset is None:
            entry = self.manifest.assets.get(name)
            if entry is None:
                target = self.aliases.get(name)
                if target is None:
                    return None
                # An alias shares its asset's record, so a tag made for one serves both.
                found = self.asset(target)
                if found is not None:  # always: the reader checked that targets are assets
                    self.assets[name] = found
                return found
            asset = self.assets[name] = _Asset(
                self.urls[name], entry.integrity, _KINDS.get(_extension(name)), None
            )
        return asset

    def canonical(self, name: str) -> str:
        """The logical path ``name`` stands for: itself, or an alias's target."""
        return self.aliases.get(name, name)


class Assets:
    """The assets of one release, looked up by logical path.

    ``url`` replaces the manifest's URL prefix (a CDN, say); ``reload=True`` (for development)
    re-reads the manifest whenever the file changes, at the cost of a ``stat`` per lookup.
    """

    __slots__ = ("_origin", "_path", "_prefix", "_release", "_reload")

    def __init__(
        self, path: str | os.PathLike[str], *, url: str | None = None, reload: bool = False
    ) -> None:
        self._path = os.fspath(path)
        # Errors name the absolute path: a server's working directory is rarely obvious.
        self._origin = os.path.abspath(self._path)
        self._prefix = url if url is None or url.endswith("/") else url + "/"
        self._reload = reload
        self._release = self._read(self._stamp() if reload else None)

    @classmethod
    def from_env(cls, *, reload: bool = False) -> Assets:
        """``ASSETBUILD_MANIFEST`` (required) and ``ASSETBUILD_URL`` (optional prefix override)."""
        path = os.environ.get("ASSETBUILD_MANIFEST")
        if not path:
            raise ManifestError(
                "ASSETBUILD_MANIFEST is not set; set it to the manifest.json that "
                "`assetbuild build` wrote (for example build/static/manifest.json)"
            )
        return cls(path, url=os.environ.get("ASSETBUILD_URL") or None, reload=reload)

    @property
    def path(self) -> str:
        """The manifest's path, as given."""
        return self._path

    @property
    def reload(self) -> bool:
        """Whether the manifest is read again when its file changes (``reload=True``); if not,
        every lookup gives the same answer for the life of this object."""
        return self._reload

    @property
    def manifest(self) -> Manifest:
        """The manifest as last read."""
        return self._current().manifest

    def url(self, name: str) -> str:
        """The URL of the asset at logical path ``name``."""
        release = self._current() if self._reload else self._release
        try:
            return release.urls[name]
        except KeyError:
            raise self._missing(name, release) from None

    def integrity(self, name: str) -> str:
        """The Subresource Integrity value (``sha384-...``) of ``name``."""
        return self._asset(name).integrity

    def tag(self, name: str, **attrs: object) -> Markup:
        """``<link rel="stylesheet">`` for CSS or ``<script>`` for JS, then ``attrs``."""
        # The hot path of every page, spelt out: a tag made before, no attributes.
        release = self._current() if self._reload else self._release
        asset = release.assets.get(name) or release.asset(name)
        if asset is None:
            raise self._missing(name, release)
        if not attrs and asset.tag is not None:
            return asset.tag
        if asset.kind is None:
            raise ValueError(
                f'tag() makes <link rel="stylesheet"> and <script> tags only (.css, .js, .mjs); '
                f"for {name!r} use url() in the element you need"
            )
        make = _html.stylesheet if asset.kind == "stylesheet" else _html.script
        if not attrs:
            if asset.tag is None:
                # Made on first use rather than at load, so that a manifest of thousands of
                # assets loads in a few milliseconds; the same Markup every time after that.
                asset.tag = make(asset.url, asset.integrity, {})
            return asset.tag
        tag = make(asset.url, asset.integrity, attrs)
        if asset.preloads is not None and attrs.get("type") == "module":
            nonce = attrs.get("nonce")
            if nonce is None:
                return asset.preloads + tag
            # Under a CSP, each preload needs the nonce too, or the browser refuses to fetch it.
            release = self._current()
            return (
                Markup("").join(
                    _html.modulepreload(
                        release.urls[dep], release.manifest.assets[dep].integrity, nonce
                    )
                    for dep in _static_closure(release.manifest, release.canonical(name))
                )
                + tag
            )
        return tag

    def importmap(self, **attrs: object) -> Markup:
        """``<script type="importmap">`` mapping each ES module's logical URL, and each bare
        specifier of ``[importmap]``, to its release URL, with each one's integrity.

        Put it before the first module script: a browser ignores an import map that comes
        after a module has started loading. ``attrs`` are added to the element (``nonce=``).
        """
        body = self._current().importmap
        return (
            Markup(
                f'<script type="importmap"{_html.attributes(_html.merge({}, attrs, ("type",)))}>'
            )
            + Markup(body)
            + Markup("</script>")
        )

    def preload(self, name: str, as_: str | None = None, **attrs: object) -> Markup:
        """``<link rel="preload">``; ``as`` is inferred from the extension unless given."""
        asset = self._asset(name)
        spelled = attrs.pop("as", None)  # a template may write as="font"
        if spelled is not None:
            if as_ is not None:
                raise ValueError("give the preload destination once, as as_= or as=")
            as_ = str(spelled)
        if as_ is None:
            as_ = _DESTINATIONS.get(_extension(self._current().canonical(name)))
            if as_ is None:
                raise ValueError(
                    f"cannot tell what kind of file {name!r} is from its extension; "
                    "pass as_= (font, style, script, image, fetch, ...)"
                )
        return _html.preload(asset.url, as_, asset.integrity, attrs)

    def __contains__(self, name: object) -> bool:
        """Whether ``name`` is a logical path or an alias of the release."""
        return name in self._current().urls

    def __len__(self) -> int:
        return len(self._current().manifest.assets)

    def __iter__(self) -> Iterator[str]:
        """The logical paths, in manifest order (sorted); not the aliases."""
        return iter(self._current().manifest.assets)

    def __repr__(self) -> str:
        options = "" if self._prefix is None else f", url={self._prefix!r}"
        options += ", reload=True" if self._reload else ""
        return f"{type(self).__name__}({self._path!r}{options})"

    def _asset(self, name: str) -> _Asset:
        release = self._current()
        asset = release.asset(name)
        if asset is None:
            raise self._missing(name, release)
        return asset

    def _current(self) -> _Release:
        release = self._release
        if self._reload:
            stamp = self._stamp()
            if stamp is None or stamp != release.stamp:
                # A failed re-read raises and keeps the old release, so the next lookup retries.
                release = self._release = self._read(stamp)
        return release

    def _stamp(self) -> _Stamp | None:
        try:
            st = os.stat(self._origin)
        except OSError:
            return None  # reading it will say why
        # The build replaces the manifest by renaming a new file over it, which changes the inode
        # even when mtime and size happen to match.
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    def _read(self, stamp: _Stamp | None) -> _Release:
        manifest = load(self._origin)
        prefix = manifest.url if self._prefix is None else self._prefix
        assets: dict[str, _Asset] = {}
        # Percent-encode all but the unreserved characters and "/": a space, quote, "+" or "#"
        # in a file name must reach the file, whatever server or CDN decodes the URL. Usually
        # no path needs it, which deleting the safe bytes from all of them at once shows.
        entries = manifest.assets
        paths = "".join(map(_path, entries.values())).encode("utf-8", "surrogatepass")
        if not paths.translate(None, _URL_SAFE_BYTES):
            urls = dict(
                zip(entries, map(prefix.__add__, map(_path, entries.values())), strict=True)
            )
        else:
            urls = {name: prefix + _url_path(entry.path) for name, entry in entries.items()}
        for alias, target in manifest.aliases.items():
            urls[alias] = urls[target]  # the reader checked that every target is an asset
        modules = list(compress(entries, map(is_not, map(_imports, entries.values()), _NONE)))
        importmap = _importmap(manifest, modules, prefix, urls)
        release = _Release(manifest, urls, assets, stamp, importmap)
        for name in modules:
            asset = release.asset(name)
            assert asset is not None
            asset.preloads = Markup("").join(
                _html.modulepreload(urls[dep], entries[dep].integrity)
                for dep in _static_closure(manifest, name)
            )
        return release

    def _missing(self, name: str, release: _Release) -> MissingAssetError:
        import difflib  # only on the error path, to keep `import assetbuild.runtime` cheap

        close = difflib.get_close_matches(name, release.urls, n=3) if isinstance(name, str) else []
        return MissingAssetError(name, self._origin, tuple(close))


def _extension(name: str) -> str:
    """The part of the file name after its last dot, lowercased; "" if it has none."""
    stem, dot, extension = name.rpartition("/")[2].rpartition(".")
    return extension.lower() if dot and stem else ""


def _url_path(path: str) -> str:
    """``path`` with all but the unreserved characters and "/" percent-encoded."""
    if _URL_SAFE.fullmatch(path):
        return path
    # Imported here: few releases need it, and urllib.parse (with ipaddress) costs an app a few
    # milliseconds at start-up.
    from urllib.parse import quote

    return quote(path, safe="/")


def _importmap(manifest: Manifest, modules: list[str], prefix: str, urls: dict[str, str]) -> str:
    """The import map's JSON: ``imports`` (logical URL or bare specifier -> release URL) and
    ``integrity`` (release URL -> SRI), so modules that other modules import are checked too.
    ``modules``: the logical paths of the ES modules."""
    imports: dict[str, str] = {}
    integrity: dict[str, str] = {}
    for name in modules:
        # A relative import resolves against the importing module's release URL, which sits
        # in the same directory as its logical URL: mapping logical URLs is enough.
        imports[prefix + _url_path(name)] = urls[name]
        integrity[urls[name]] = manifest.assets[name].integrity
    for specifier, target in manifest.importmap.items():
        imports[specifier] = urls[target]
        integrity[urls[target]] = manifest.assets[target].integrity
    document = json.dumps(
        {"imports": imports, "integrity": integrity}, sort_keys=True, separators=(",", ":")
    )
    # JSON may escape any character; escaping "<" means no "</script>" or "<!--" in a file name
    # can end or confuse the element early.
    return document.replace("<", "\\u003c")


def _static_closure(manifest: Manifest, name: str) -> list[str]:
    """The scripts ``name`` imports statically, transitively, each once, in first-seen order.

    Only JavaScript is preloaded: ``modulepreload`` fetches as a script, so a stylesheet or JSON
    imported ``with { type: "css" }`` (or ``"json"``) would be fetched a second time, refused
    for its MIME type, and reported in the console; those the import itself fetches.
    """
    seen: set[str] = {name}
    order: list[str] = []
    stack = [iter(manifest.assets[name].imports or ())]
    while stack:
        dep = next(stack[-1], None)
        if dep is None:
            stack.pop()
            continue
        if dep in seen or dep not in manifest.assets:
            continue
        seen.add(dep)
        if _extension(dep) not in _SCRIPT_EXTENSIONS:
            continue  # imports nothing (the build records none for it): nothing under it either
        order.append(dep)
        stack.append(iter(manifest.assets[dep].imports or ()))
    return order
