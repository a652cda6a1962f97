"""Size budgets as the configuration states them: ``[budgets]`` limits, read from text.

Owns: the ``Budget`` value (limits in bytes on an asset's final, gzip and brotli size), the
measures a budget may limit, and sizes as text: parsing (``"120 kB"``, ``"1.5 MiB"``, ``"900 B"``)
and showing them (``format_size``).
Must not: measure or compress anything, or import beyond the standard library: the
configuration imports this module, and reading a config must not load a compressor (``budgets``
measures, with ``compress``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MEASURES = ("size", "gzip", "br")
_UNITS = {
    "b": 1,
    "kb": 1000,
    "kib": 1024,
    "mb": 1000**2,
    "mib": 1024**2,
    "gb": 1000**3,  # for a cache_dir's limit (cache prune --max-size)
    "gib": 1024**3,
}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$")


@dataclass(frozen=True)
class Budget:
    """Limits in bytes; None where no limit is set. ``size`` is the file's final size."""

    size: int | None = None
    gzip: int | None = None
    br: int | None = None

    def limits(self) -> dict[str, int]:
        return {m: limit for m in MEASURES if (limit := getattr(self, m)) is not None}


def parse_size(text: str) -> int:
    """Bytes in ``text``; ``ValueError`` with the accepted forms if it is not a size."""
    match = _SIZE.match(text)
    unit = match.group(2).lower() if match else ""
    if match is None or unit not in _UNITS and unit != "":
        raise ValueError(f'{text!r} is not a size; write it like "120 kB", "1.5 MiB" or "900 B"')
    return round(float(match.group(1)) * _UNITS[unit or "b"])


def format_size(value: int) -> str:
    if value < 1000:
        return f"{value} B"
    if value < 1_000_000:
        return f"{value / 1000:.1f} kB"
    return f"{value / 1_000_000:.2f} MB"
