"""``assetbuild inspect NAME``: where a logical path comes from and what it is tied to.

Owns: gathering, for one asset, its inputs (with the load-path directory each came from), its
filters, its references out (as written, where, and what they resolve to), the assets that
reference it, and what the release in force says of it (release path, sizes, encodings), and
laying that out as text.
Must not: build or write anything; it reads the sources the way a build would and the manifest.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from assetbuild.compiler.assembly import Prepared
from assetbuild.compiler.documents import Bundle, Link
from assetbuild.compiler.release import Release
from assetbuild.compiler.sizes import format_size
from assetbuild.errors import Problem, UnknownNameError
from assetbuild.manifest import Entry


@dataclass(frozen=True)
class OutgoingReference:
    """A reference out of the inspected asset, as ``inspect`` reports it."""

    written: str  # the URL as written
    place: str  # file:line:column
    target: str | None  # the logical path it resolves to
    outcome: str  # "rewritten", "dropped", "left alone" or why it misses


@dataclass(frozen=True)
class Inspection:
    name: str
    kind: Literal["bundle", "file"]
    inputs: tuple[tuple[str, Path, int], ...]  # logical path, file, size
    filters: tuple[str, ...] | None
    references: tuple[OutgoingReference, ...]
    referenced_by: tuple[str, ...]
    shadowed: tuple[Path, ...]  # files of later source directories hidden by this one
    entry: Entry | None  # what the manifest in force says, if it names the asset
    problems: tuple[Problem, ...]  # this asset's own problems, if the sources have any


def inspect_asset(prepared: Prepared, name: str) -> Inspection:
    """What ``name`` (a logical path, or an alias of one) is made of and tied to; an unknown
    name is an ``UnknownNameError`` naming the close matches."""
    name = prepared.config.aliases.get(name, name)
    asset = prepared.plan.assets.get(name)
    if asset is None:
        known = [*prepared.plan.assets, *prepared.config.aliases]
        close = difflib.get_close_matches(name, known, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        bundle = prepared.plan.bundle_inputs.get(name)
        if bundle is not None:
            hint = f"; it is an input of the bundle {bundle}: inspect that"
        raise UnknownNameError(
            f"{name!r} is not a logical path or alias of this release "
            f"(built from {prepared.config.file}){hint}"
        )
    document = prepared.documents.get(name)
    links: list[tuple[Link, str]] = []
    if isinstance(document, Bundle):
        for piece in (*document.hoisted, *document.pieces):
            origin = prepared.plan.assets.get(piece.origin) or None
            where = str(origin.inputs[0].file) if origin else piece.origin
            links.extend((link, where) for link in piece.links)
    elif document is not None:
        links.extend((link, str(asset.inputs[0].file)) for link in document.links)
    references = tuple(_reference(link, where) for link, where in links)
    files = {str(s.file) for s in asset.inputs}
    return Inspection(
        name=name,
        kind="bundle" if asset.bundle is not None else "file",
        inputs=tuple((s.logical_path, s.file, s.file.stat().st_size) for s in asset.inputs),
        filters=asset.bundle.filters if asset.bundle is not None else None,
        references=references,
        referenced_by=tuple(
            sorted(other for other, doc in prepared.documents.items() if name in doc.dependencies)
        ),
        shadowed=tuple(s.hidden for s in prepared.tree.shadowed if s.logical_path == name),
        entry=_current_entry(prepared, name),
        # The input step reports at the input's file, the output step at the bundle's name.
        problems=tuple(
            p for p in (*prepared.problems, *prepared.warnings) if p.file in files or p.file == name
        ),
    )


def _reference(link: Link, where: str) -> OutgoingReference:
    ref, resolution = link.reference, link.resolution
    place = f"{where}:{ref.line}:{ref.column}"
    if link.drop:
        outcome = "dropped"
    elif resolution.target is not None:
        outcome = "rewritten"
    elif resolution.miss is not None:
        outcome = resolution.miss
    else:
        outcome = "left alone (not a local file)"
    return OutgoingReference(ref.url, place, resolution.target, outcome)


def _current_entry(prepared: Prepared, name: str) -> Entry | None:
    config = prepared.config
    manifest = Release(config.output, config.state).current()
    return manifest.assets.get(name) if manifest is not None else None


def describe(inspection: Inspection, output: Path) -> str:
    lines = [f"{inspection.name} ({inspection.kind})"]
    if inspection.filters is not None:
        lines.append(f"  filters: {', '.join(inspection.filters) or '(none)'}")
    lines.append("  inputs:")
    for logical, file, input_size in inspection.inputs:
        lines.append(f"    {logical}  {file}  {format_size(input_size)}")
    for hidden in inspection.shadowed:
        lines.append(f"  shadows: {hidden}")
    unread = any(p.severity == "error" for p in inspection.problems)
    if inspection.references:
        lines.append("  references:")
    else:
        # With an error, nothing was read to say there are none.
        lines.append(
            "  references: not known (it could not be read; see below)"
            if unread
            else "  references: none"
        )
    for ref in inspection.references:
        arrow = f" -> {ref.target}" if ref.target else ""
        lines.append(f"    {ref.written}{arrow}  ({ref.outcome})  {ref.place}")
    referenced = ", ".join(inspection.referenced_by) or "nothing"
    lines.append(f"  referenced by: {referenced}")
    entry = inspection.entry
    if entry is None:
        lines.append(f"  in the release: not in {output / 'manifest.json'} (build to publish it)")
    else:
        lines.append(f"  in the release: {entry.path}  {format_size(entry.size)}")
        for encoding, variant in sorted(entry.encodings.items()):
            path = output / variant
            shown = format_size(path.stat().st_size) if path.is_file() else "missing"
            lines.append(f"    {encoding}: {variant}  {shown}")
        lines.append(f"    integrity: {entry.integrity}")
        if entry.imports is not None:
            lines.append(f"    imports: {', '.join(entry.imports) or '(none)'}")
    for problem in inspection.problems:
        lines.append(f"  {problem.severity}: {problem}")
    return "\n".join(lines)
