"""Precompressed variants: deterministic gzip and brotli, kept only where they pay.

Owns: the codecs and their settings, the table of formats never worth compressing (by kind,
each with its reason), the 5% rule, and what a codec's output is cached by in ``cache_dir``.
Must not: decide file names beyond the suffix, or write anything.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from collections.abc import Iterable
from functools import partial

import brotli

from assetbuild.compiler.content_cache import ContentCache, Kind, key_of

SUFFIX = {"gzip": ".gz", "br": ".br"}

# Formats that carry their own compression, by what they are: a second pass only adds bytes and
# CPU (brotli at quality 11 runs under 1 MB/s, to throw its result away). Decided by what a format
# is, not by how often it is seen: a format that is not compressed inside (WebAssembly, ICO's
# bitmaps, EOT, TTF and OTF fonts, SVG, every text) is not listed, and the 5% rule decides for it.
ALREADY_COMPRESSED_BY_KIND: dict[str, frozenset[str]] = {
    # Lossy or deflate/LZ-coded pixels (PNG is deflate; GIF is LZW; the rest are lossy codecs).
    "images": frozenset(
        [
            "png",
            "apng",
            "jpg",
            "jpeg",
            "jpe",
            "jfif",
            "pjpeg",
            "pjp",
            "gif",
            "webp",
            "avif",
            "heic",
            "heif",
            "jxl",
            "jp2",
            "j2k",
            "jpx",
        ]
    ),
    # WOFF wraps each table in zlib, WOFF2 in brotli.
    "web fonts": frozenset(["woff", "woff2"]),
    # Archives and compressed streams, and the formats that are zip files under another name.
    "archives": frozenset(
        [
            "zip",
            "gz",
            "tgz",
            "bz2",
            "tbz",
            "tbz2",
            "xz",
            "txz",
            "lz",
            "lzma",
            "tlz",
            "lz4",
            "zst",
            "tzst",
            "7z",
            "rar",
            "br",
            "jar",
            "war",
            "apk",
            "whl",
            "egg",
            "nupkg",
            "docx",
            "xlsx",
            "pptx",
            "odt",
            "ods",
            "odp",
            "epub",
        ]
    ),
    # Audio codecs are lossy or entropy-coded (FLAC).
    "audio": frozenset(["mp3", "m4a", "aac", "oga", "ogg", "opus", "flac", "weba", "wma", "amr"]),
    # Video containers hold compressed streams; SWF is zlib- or LZMA-compressed (CWS, ZWS).
    "video": frozenset(
        [
            "mp4",
            "m4v",
            "webm",
            "mov",
            "avi",
            "mkv",
            "ogv",
            "flv",
            "f4v",
            "swf",
            "3gp",
            "3gpp",
            "3g2",
            "asf",
            "wmv",
            "mpeg",
            "mpg",
            "mpe",
            "m2ts",
            "mts",
        ]
    ),
    # PDF content streams are deflate-coded; what is left is too little to pay for brotli 11.
    "documents": frozenset(["pdf"]),
}
ALREADY_COMPRESSED = frozenset[str]().union(*ALREADY_COMPRESSED_BY_KIND.values())

# Keep a variant only when it saves at least 5%, as WhiteNoise does: below that, the extra file
# and the Content-Encoding negotiation cost more than they save.
MAX_RATIO = 0.95


def worth_compressing(release_path: str) -> bool:
    extension = release_path.rpartition(".")[2].lower()
    return extension not in ALREADY_COMPRESSED


def gzip_bytes(data: bytes) -> bytes:
    """gzip at level 9 with a fixed header: mtime 0, no file name, OS "unknown".

    Python's gzip module writes the OS byte that zlib was compiled for; writing the header
    ourselves makes the bytes depend only on the content.
    """
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS, 9)
    body = compressor.compress(data) + compressor.flush()
    header = (
        b"\x1f\x8b\x08\x00" + b"\x00\x00\x00\x00" + b"\x02\xff"
    )  # magic, deflate, no flags, mtime 0, XFL=max, OS=255
    trailer = struct.pack("<II", zlib.crc32(data) & 0xFFFFFFFF, len(data) & 0xFFFFFFFF)
    return header + body + trailer


def brotli_bytes(data: bytes) -> bytes:
    # Quality 11 is slow (under 1 MB/s) but runs once per content, at build time, never per request.
    return bytes(brotli.compress(data, quality=11))


CODECS = {"gzip": gzip_bytes, "br": brotli_bytes}
# What a codec's bytes depend on besides the input: its settings here (bump the number when
# they change) and the library that runs it. A cached variant is found by these and the input's
# digest, so another zlib or brotli makes new entries rather than mixing outputs.
CODEC_IDENTITY = {
    "gzip": f"gzip 1: level 9, memLevel 9, fixed header; zlib {zlib.ZLIB_RUNTIME_VERSION}",
    "br": f"br 1: quality 11; brotli {getattr(brotli, '__version__', '?')}",
}


def variants(
    data: bytes, encodings: Iterable[str], cache: ContentCache | None = None
) -> dict[str, bytes]:
    """The encodings of ``data`` that are at least 5% smaller, by encoding name. With a
    ``cache`` (``cache_dir``), a codec's output for the same bytes is taken from it, and a new
    one stored there: brotli 11 runs under 1 MB/s, a digest and a read at over 1 GB/s."""
    kept: dict[str, bytes] = {}
    digest = hashlib.sha256(data).hexdigest() if cache is not None else ""
    for encoding in encodings:
        codec = CODECS[encoding]
        if cache is None:
            compressed = codec(data)
        else:
            key = key_of([CODEC_IDENTITY[encoding], digest])
            compressed = cache.computed(_KINDS[encoding], key, partial(codec, data))
        if len(compressed) <= len(data) * MAX_RATIO:
            kept[encoding] = compressed
    return kept


_KINDS: dict[str, Kind] = {"gzip": "gzip", "br": "br"}


def decode(encoding: str, data: bytes) -> bytes:
    """The original bytes of a variant (for ``verify``)."""
    if encoding == "gzip":
        return zlib.decompress(data, 16 + zlib.MAX_WBITS)
    if encoding == "br":
        return bytes(brotli.decompress(data))
    raise ValueError(f"unknown encoding {encoding!r}")
