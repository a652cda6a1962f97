from __future__ import annotations

import gzip
import random

import brotli

from assetbuild.compiler.compress import (
    brotli_bytes,
    decode,
    gzip_bytes,
    variants,
    worth_compressing,
)

TEXT = b"body { color: red; background: blue; }\n" * 200


def test_gzip_has_no_timestamp_no_file_name_and_a_fixed_os_byte() -> None:
    blob = gzip_bytes(TEXT)
    assert blob[:4] == b"\x1f\x8b\x08\x00"  # magic, deflate, FLG 0: no FNAME, no FCOMMENT
    assert blob[4:8] == b"\x00\x00\x00\x00"  # MTIME 0
    assert blob[9] == 0xFF  # OS unknown, whatever platform zlib was built for
    assert gzip.decompress(blob) == TEXT


def test_compression_is_deterministic() -> None:
    assert gzip_bytes(TEXT) == gzip_bytes(TEXT)
    assert brotli_bytes(TEXT) == brotli_bytes(TEXT)
    assert brotli.decompress(brotli_bytes(TEXT)) == TEXT


def test_a_variant_is_kept_only_when_at_least_five_percent_smaller() -> None:
    assert set(variants(TEXT, ["gzip", "br"])) == {"gzip", "br"}
    incompressible = random.Random(0).randbytes(2000)
    assert variants(incompressible, ["gzip", "br"]) == {}


def test_already_compressed_formats_are_never_compressed() -> None:
    for name in (
        "a.png",
        "a.JPG",
        "a.woff2",
        "a.woff",
        "a.gz",
        "a.br",
        "a.webp",
        "a.avif",
        "a.zip",
    ):
        assert not worth_compressing(name), name
    for name in ("a.css", "a.js", "a.svg", "a.map", "a.json", "a.ttf", "a.txt"):
        assert worth_compressing(name), name


def test_decode_reverses_each_encoding() -> None:
    assert decode("gzip", gzip_bytes(TEXT)) == TEXT
    assert decode("br", brotli_bytes(TEXT)) == TEXT
