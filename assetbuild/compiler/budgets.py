"""Size budgets: ``[budgets]`` limits on an asset's final, gzip or brotli size.

Owns: parsing sizes (``"120 kB"``, ``"1.5 MiB"``, ``"900 B"``), measuring an asset the way the
release will hold it (the same codecs and settings as its variants), and the wording of an
overrun. Must not: write anything; a budget that fails stops the build before the release is
touched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assetbuild.compiler import compress
from assetbuild.errors import Problem

MEASURES = ("size", "gzip", "br")
_UNITS = {"b": 1, "kb": 1000, "kib": 1024, "mb": 1000**2, "mib": 1024**2}
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


def measure(data: bytes, budget: Budget) -> dict[str, int]:
    """The sizes the budget limits, measured on the asset's final bytes."""
    sizes: dict[str, int] = {}
    for measure_name in budget.limits():
        if measure_name == "size":
            sizes["size"] = len(data)
        else:
            sizes[measure_name] = len(compress.CODECS[measure_name](data))
    return sizes


def overruns(name: str, sizes: dict[str, int], budget: Budget, config_file: str) -> list[Problem]:
    problems = []
    for measure_name, limit in budget.limits().items():
        actual = sizes[measure_name]
        if actual > limit:
            what = {"size": "size", "gzip": "gzip size", "br": "brotli size"}[measure_name]
            problems.append(
                Problem(
                    f"{name}: {what} {format_size(actual)} is over its budget of {format_size(limit)} "
                    f'(budgets."{name}"); shrink the asset or raise the budget',
                    config_file,
                )
            )
    return problems


def format_size(value: int) -> str:
    if value < 1000:
        return f"{value} B"
    if value < 1_000_000:
        return f"{value / 1000:.1f} kB"
    return f"{value / 1_000_000:.2f} MB"
