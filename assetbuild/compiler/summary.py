"""What a build tells its user: the size table on stdout, or the same facts as JSON.

Owns: the summary's content and layout.
Must not: print (the CLI decides where text goes) or compute anything the build did not.
"""

from __future__ import annotations

from typing import Any

from assetbuild.compiler.assembly import BuildResult
from assetbuild.compiler.sizes import format_size


def summary_data(result: BuildResult) -> dict[str, Any]:
    published = result.published
    manifest = published.manifest
    previous = published.previous
    bundles: dict[str, Any] = {}
    for name, asset in result.plan.assets.items():
        if asset.bundle is None:
            continue
        entry = manifest.assets[name]
        variants = published.variant_sizes.get(name, {})
        before = previous.assets.get(name) if previous is not None else None
        bundles[name] = {
            "path": entry.path,
            "inputs": len(asset.inputs),
            "raw": result.raw_sizes[name],
            "minified": entry.size,
            "gzip": variants.get("gzip"),
            "br": variants.get("br"),
            "change": entry.size - before.size if before is not None else None,
        }
    return {
        "output": str(result.config.output),
        "manifest": str(result.config.output / "manifest.json"),
        "url": manifest.url,
        "assets": len(manifest.assets),
        "bytes": sum(e.size for e in manifest.assets.values()),
        "written": list(published.written),
        "bundles": bundles,
        "shadowed": [
            {"logical_path": s.logical_path, "hidden": str(s.hidden), "by": str(s.by)}
            for s in result.shadowed
        ],
        "warnings": [str(w) for w in result.warnings],
        # Wall seconds per phase; the one part of the summary that differs between runs.
        "timings": {phase: round(seconds, 4) for phase, seconds in result.timings.items()},
        # With a cache_dir: what it held (hits), what was made and put there (misses), by kind.
        "cache_dir": None
        if result.cached is None
        else {
            "directory": str(result.config.cache_dir),
            "hits": dict(result.cached.hits),
            "misses": dict(result.cached.misses),
            "damaged": result.cached.damaged,
        },
    }


def summary_text(result: BuildResult) -> str:
    data = summary_data(result)
    lines: list[str] = []
    if data["bundles"]:
        header = ("bundle", "raw", "minified", "gzip", "br", "change")
        rows = [
            (
                name,
                _size(b["raw"]),
                _size(b["minified"]),
                _size(b["gzip"]),
                _size(b["br"]),
                _change(b["change"]),
            )
            for name, b in data["bundles"].items()
        ]
        widths = [max(len(str(row[i])) for row in (header, *rows)) for i in range(len(header))]
        for row in (header, *rows):
            cells = [
                row[0].ljust(widths[0]),
                *(str(c).rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)),
            ]
            lines.append("  ".join(cells).rstrip())
        lines.append("")
    for shadow in data["shadowed"]:
        lines.append(
            f"note: {shadow['logical_path']}: {shadow['hidden']} is shadowed by {shadow['by']}"
        )
    written = len(data["written"])
    kept = "" if written else "; every file was already there"
    lines.append(
        f"{data['assets']} assets ({_size(data['bytes'])}) in {data['output']}; "
        f"{written} file{'s' if written != 1 else ''} written{kept}"
    )
    cached = data["cache_dir"]
    if cached is not None and sum(cached["hits"].values()) + sum(cached["misses"].values()):
        hits, misses = sum(cached["hits"].values()), sum(cached["misses"].values())
        lines.append(f"cache_dir: {hits} results reused, {misses} made")
    return "\n".join(lines)


def _size(value: int | None) -> str:
    return "-" if value is None else format_size(value)


def _change(value: int | None) -> str:
    if value is None:
        return "new"
    if value == 0:
        return "="
    return ("+" if value > 0 else "-") + _size(abs(value))
