"""Size budgets: is an asset within its ``[budgets]`` limits on final, gzip and brotli size?

Owns: measuring an asset the way the release will hold it (the same codecs and settings as its
variants), and the wording of an overrun. Must not: write anything (a budget that fails stops
the build before the release is touched), or be imported by the configuration: measuring loads
the compressors, so the limits as configured (``Budget``, ``parse_size``) live in ``sizes``.
"""

from __future__ import annotations

from assetbuild.compiler import compress
from assetbuild.compiler.sizes import Budget, format_size
from assetbuild.errors import Problem


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
