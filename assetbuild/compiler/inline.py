"""Embedding: a small image a CSS bundle references -> the ``data:`` URI that replaces the reference.

Owns: the table of image types that may be embedded (the project's own, not ``mimetypes``,
whose answers differ between systems and Python versions: a release must not), which references
may be embedded, and the encoding: base64 for binary images, percent-encoded bytes for SVG.
Must not: read files or decide the size limit; staging hands over the bytes of what is smaller
than the bundle's ``inline_max``, and rendering puts the URI where the reference was.

Fonts are not in the table, on purpose: a browser downloads a font only when text uses it, and
``font-display`` lets text show before it arrives; embedded, every font's bytes, used or not,
would be in the stylesheet that blocks the first paint, and a font file, cached once, serves
every stylesheet that names it.
"""

from __future__ import annotations

import base64
from urllib.parse import quote

from assetbuild.compiler.scan.reference import ReferenceKind

# Extension (lowercase, without the dot) -> the type a browser decodes it by.
IMAGE_TYPES = {
    "apng": "image/apng",
    "avif": "image/avif",
    "bmp": "image/bmp",
    "gif": "image/gif",
    "ico": "image/x-icon",  # the spelling every browser accepts for favicons and cursors
    "jpeg": "image/jpeg",
    "jpg": "image/jpeg",
    "png": "image/png",
    "svg": "image/svg+xml",
    "webp": "image/webp",
}

# The references an image may be embedded at: url(), image-set() strings and src(). Not an
# @import (it names a stylesheet) and not a source map comment.
_EMBEDDABLE: frozenset[ReferenceKind] = frozenset({"url", "image-set", "src"})

# What stays literal in an SVG's URI: characters that mean nothing special in a data: URI body
# and need no escape in any form of CSS url() token (unquoted, "..." or '...'), so the URI is
# written as it is whatever the token, and a minifier has no whitespace to squeeze. Everything
# else is percent-encoded: % and # (a URI's own syntax: # would start a fragment), < > and
# quotes, parentheses, backslashes, whitespace, and bytes beyond ASCII (the stylesheet's
# encoding then cannot matter). Percent-escapes decode back to the file's exact bytes.
_SVG_LITERAL = "/:=;,.!~*@+$&?_-"


def image_type(logical_path: str) -> str | None:
    """The type of the image at ``logical_path``, or None if it is not an image to embed."""
    name = logical_path.rpartition("/")[2]
    stem, dot, extension = name.rpartition(".")
    return IMAGE_TYPES.get(extension.lower()) if dot and stem else None


def embeddable(kind: ReferenceKind, suffix: str) -> bool:
    """Whether a reference of ``kind`` with ``suffix`` (its ``?query#fragment`` as written) may
    become a data: URI. Not with a fragment: ``icons.svg#home`` names one part of a sprite,
    and a data: URI has no parts to name. A query alone does not stop it: it only reaches a
    server (a cache buster, which the fingerprint makes redundant), and it is dropped."""
    return kind in _EMBEDDABLE and "#" not in suffix


def data_uri(logical_path: str, data: bytes) -> str:
    """The ``data:`` URI of the image at ``logical_path`` whose bytes are ``data``.

    SVG is text, so it is percent-encoded: a little longer than base64 as it is, but gzip and
    brotli still see the markup, and compressed it is smaller (by 10-30% on small icons).
    Every other type is base64, whose alphabet needs no escape in CSS either.
    """
    mime = image_type(logical_path)
    if mime is None:
        raise ValueError(f"{logical_path} is not an image that can be embedded")
    if mime == "image/svg+xml":
        return f"data:{mime},{quote(data, safe=_SVG_LITERAL)}"
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
