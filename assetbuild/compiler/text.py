"""Bytes <-> text for stylesheets and scripts, without losing a byte that is not rewritten.

Owns: the encoding rules (a byte-order mark, then a leading ``@charset``, then UTF-8, as CSS
Syntax 3 section 3.2 determines a stylesheet's encoding) and the round trip back to bytes.
Must not: change anything but the encoding layer; it never touches the text itself.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from assetbuild.compiler.scan.positions import line_columns
from assetbuild.errors import BuildError, Problem

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# The spec reads the @charset rule as exact ASCII bytes at offset 0: `@charset "name";`.
_SURROGATE = re.compile("[\ud800-\udfff]")
_CHARSET = re.compile(rb'@charset "([\x21\x23-\x7e]{1,40})";')


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # the Python codec that round-trips ``text`` to the original bytes
    bom: bytes  # the byte-order mark the file started with, if any


def decode_css(data: bytes, file: str) -> Decoded:
    """A stylesheet's text, or ``BuildError`` naming the file, the offset and the fix."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _strict(data[len(bom) :], encoding, bom, file)
    match = _CHARSET.match(data)
    if match:
        name = match.group(1).decode("ascii")
        try:
            encoding = codecs.lookup(name).name
        except LookupError:
            raise BuildError(
                [
                    Problem(
                        f'@charset "{name}" names an encoding Python does not know; use "UTF-8"',
                        file,
                        1,
                        1,
                    )
                ]
            ) from None
        # A stylesheet cannot really be UTF-16 and start with ASCII @charset; the spec maps it to UTF-8.
        if encoding.startswith("utf-16"):
            encoding = "utf-8"
        return _strict(data, encoding, b"", file)
    return _strict(data, "utf-8", b"", file)


def decode_script(data: bytes) -> Decoded:
    """A script's text for finding comments in it; undecodable bytes survive the round trip as-is."""
    if data.startswith(codecs.BOM_UTF8):
        return Decoded(data[3:].decode("utf-8", errors="surrogateescape"), "utf-8", codecs.BOM_UTF8)
    return Decoded(data.decode("utf-8", errors="surrogateescape"), "utf-8", b"")


def decode_script_strictly(data: bytes, file: str) -> Decoded:
    """A script that goes into a bundle: minifiers need real text, so it must be UTF-8."""
    bom = codecs.BOM_UTF8 if data.startswith(codecs.BOM_UTF8) else b""
    return _strict(data[len(bom) :], "utf-8", bom, file, "save the file as UTF-8")


_CSS_ADVICE = 'save the file as UTF-8, or declare its encoding with a leading @charset "...";'


def _strict(
    data: bytes, encoding: str, bom: bytes, file: str, advice: str = _CSS_ADVICE
) -> Decoded:
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        # Counted in bytes, not characters: the text could not be decoded (LF only, as a
        # hex editor or ``sed -n`` numbers the lines of an undecodable file).
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise BuildError(
            [
                Problem(
                    f"is not valid {encoding} (byte 0x{data[exc.start]:02x}); {advice}",
                    file,
                    line,
                    column,
                )
            ]
        ) from None
    # A strict UTF-8 decode never yields a lone surrogate; UTF-7 and friends can, and neither the
    # minifiers (which crash) nor the UTF-8 encoder survive one.
    surrogate = _SURROGATE.search(text) if encoding != "utf-8" else None
    if surrogate is not None:
        line, column = next(line_columns(text, [surrogate.start()]))
        raise BuildError(
            [
                Problem(
                    f"decodes ({encoding}) to a lone surrogate, which is not text; save the file as UTF-8",
                    file,
                    line,
                    column,
                )
            ]
        )
    return Decoded(text, encoding, bom)
