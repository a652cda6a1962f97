"""The HTTP headers each published object carries, from the project's own table.

Owns: Content-Type by extension (the same on every machine, unlike ``mimetypes``, which reads
the machine's /etc/mime.types), Cache-Control by kind of object, Content-Encoding from the
manifest's ``encodings`` (never from a file name: a ``.tar.gz`` asset is a gzip file, not gzipped
bytes), and the integrity metadata.
Must not: read files or talk to a store.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

# Text types are served with their charset: release text is UTF-8, and a browser guessing
# otherwise garbles it.
_TEXT = {
    "css": "text/css",
    "csv": "text/csv",
    "htm": "text/html",
    "html": "text/html",
    "js": "text/javascript",  # RFC 9239: text/javascript for classic scripts and modules alike
    "json": "application/json",
    "map": "application/json",  # source maps
    "md": "text/markdown",
    "mjs": "text/javascript",
    "svg": "image/svg+xml",
    "txt": "text/plain",
    "webmanifest": "application/manifest+json",
    "xml": "application/xml",
}
_BINARY = {
    "avif": "image/avif",
    "bmp": "image/bmp",
    "br": "application/x-brotli",  # a .br asset of its own, not a variant
    "eot": "application/vnd.ms-fontobject",
    "gif": "image/gif",
    "gz": "application/gzip",  # a .gz asset of its own (any .tar.gz), not a variant
    "ico": "image/vnd.microsoft.icon",
    "jpeg": "image/jpeg",
    "jpg": "image/jpeg",
    "mp3": "audio/mpeg",
    "mp4": "video/mp4",
    "ogg": "audio/ogg",
    "otf": "font/otf",
    "pdf": "application/pdf",
    "png": "image/png",
    "ttf": "font/ttf",
    "wasm": "application/wasm",
    "wav": "audio/wav",
    "webm": "video/webm",
    "webp": "image/webp",
    "woff": "font/woff",
    "woff2": "font/woff2",
    "zip": "application/zip",
}
CONTENT_TYPES: Mapping[str, str] = {
    **{extension: f"{kind}; charset=utf-8" for extension, kind in _TEXT.items()},
    **_BINARY,
}
DEFAULT_TYPE = "application/octet-stream"

# A year, immutable: the name changes whenever the bytes do (what WhiteNoise and Propshaft send).
IMMUTABLE = "public, max-age=31536000, immutable"
# Revalidate every time: the manifest and plain copies change under the same name.
NO_CACHE = "no-cache"

Kind = Literal["fingerprinted", "plain", "manifest", "record"]
# The manifest names encodings by their HTTP content-coding, so the key is the header value.
_CONTENT_ENCODINGS: Mapping[str, str] = {"gzip": "gzip", "br": "br"}


@dataclass(frozen=True)
class Headers:
    content_type: str
    cache_control: str
    content_encoding: str | None = None
    integrity: str | None = None  # SRI of the decoded bytes, as x-amz-meta-integrity

    def attributes(self) -> dict[str, str]:
        """The object's attributes as object stores take them; ``integrity`` becomes user
        metadata (``x-amz-meta-integrity``, ``x-goog-meta-integrity``, ``x-ms-meta-integrity``)."""
        found = {"Content-Type": self.content_type, "Cache-Control": self.cache_control}
        if self.content_encoding is not None:
            found["Content-Encoding"] = self.content_encoding
        if self.integrity is not None:
            found["integrity"] = self.integrity
        return found


def content_type(path: str) -> str:
    """The type of a release path, by its last extension; the table's, never the machine's."""
    name = posixpath.basename(path)
    extension = name.rpartition(".")[2].lower() if "." in name else ""
    return CONTENT_TYPES.get(extension, DEFAULT_TYPE)


def headers_for(
    path: str,
    kind: Kind,
    *,
    base: str | None = None,
    encoding: str | None = None,
    integrity: str | None = None,
) -> Headers:
    """The headers of ``path``. A variant names its ``base`` (the release path it encodes) and
    its ``encoding`` (the manifest's key: "gzip" or "br"): it takes the base's type."""
    cache = IMMUTABLE if kind == "fingerprinted" else NO_CACHE
    if encoding is not None:
        if base is None:
            raise ValueError(f"the variant {path} needs its base path")
        return Headers(
            content_type(base), cache, _CONTENT_ENCODINGS.get(encoding, encoding), integrity
        )
    return Headers(content_type(path), cache, None, integrity)
