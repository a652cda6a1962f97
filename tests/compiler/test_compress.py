from __future__ import annotations

import gzip
import random
from pathlib import Path

import brotli
import pytest

from assetbuild.compiler.compress import (
    ALREADY_COMPRESSED,
    ALREADY_COMPRESSED_BY_KIND,
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


@pytest.mark.parametrize(
    "name",
    [
        "a.png", "a.JPG", "a.woff2", "a.woff", "a.gz", "a.br", "a.webp", "a.avif", "a.zip",
        # media and archives that were compressed at quality 11 only to be thrown away
        "a.tbz", "a.swf", "a.flv", "a.3gp", "a.3gpp", "a.asf", "a.mpeg", "a.mpg", "a.wmv",
        "a.mkv", "a.aac", "a.docx", "a.epub", "a.jar",
    ],
)  # fmt: skip
def test_formats_that_carry_their_own_compression_are_never_compressed(name: str) -> None:
    assert not worth_compressing(name)


@pytest.mark.parametrize(
    "name",
    [
        "a.css", "a.js", "a.mjs", "a.svg", "a.map", "a.json", "a.txt", "a.html", "a.xml",
        # not compressed inside: WebAssembly, ICO's bitmaps, EOT, TrueType and OpenType fonts,
        # and TypeScript sources (".ts" is not an MPEG transport stream here)
        "a.wasm", "a.ico", "a.eot", "a.ttf", "a.otf", "a.ts",
    ],
)  # fmt: skip
def test_formats_that_are_not_compressed_inside_are_compressed(name: str) -> None:
    assert worth_compressing(name)


def test_each_format_is_in_one_kind_of_the_table() -> None:
    kinds = list(ALREADY_COMPRESSED_BY_KIND.values())
    assert sum(len(kind) for kind in kinds) == len(ALREADY_COMPRESSED)
    assert all(name == name.lower() and "." not in name for name in ALREADY_COMPRESSED)


def test_a_real_webassembly_module_shrinks_and_gets_its_variants() -> None:
    # Playwright's WebP codec (a dev dependency): a real .wasm file no one here wrote.
    import playwright

    wasm = Path(playwright.__file__).parent / "driver/package/lib/webp_codec.wasm"
    data = wasm.read_bytes()
    assert data[:4] == b"\0asm"
    kept = variants(data, ["gzip"])
    assert len(kept["gzip"]) < len(data) * 0.8


def test_decode_reverses_each_encoding() -> None:
    assert decode("gzip", gzip_bytes(TEXT)) == TEXT
    assert decode("br", brotli_bytes(TEXT)) == TEXT
