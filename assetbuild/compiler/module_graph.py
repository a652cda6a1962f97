"""ES modules: which published files are modules, and what each one imports.

Owns: the module set (every ``.mjs``, the files the ``modules`` globs match, and whatever a
module imports, transitively), resolving each specifier (relative or ``/``-absolute through
``references``, bare through ``[importmap]``), the ``imports`` a manifest entry records (static
imports, in source order), and the problems of specifiers that resolve to nothing.
Must not: rewrite modules (the browser resolves their imports through the runtime's import map,
so their bytes stay as they are), or write anything.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from assetbuild.compiler.globs import Glob
from assetbuild.compiler.plan import Plan
from assetbuild.compiler.references import Resolver
from assetbuild.compiler.stable_reads import read_stable
from assetbuild.compiler.text import decode_script
from assetbuild.errors import BuildError, Problem

if TYPE_CHECKING:
    from assetbuild.compiler.scan.esm import ModuleImport

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_SCRIPTS = (".js", ".mjs")


@dataclass(frozen=True)
class ModuleGraph:
    imports: Mapping[str, tuple[str, ...]]  # every module -> its static imports, as logical paths
    problems: tuple[Problem, ...]


def module_graph(
    plan: Plan,
    resolver: Resolver,
    globs: tuple[Glob, ...],
    importmap: Mapping[str, str],
    on_missing: str,
) -> ModuleGraph:
    """Find every module and its imports, starting from ``.mjs`` files and the ``modules`` globs."""
    pending = [
        name
        for name, asset in plan.assets.items()
        if asset.bundle is None
        and (name.endswith(".mjs") or any(glob.matches(name) for glob in globs))
    ]
    imports: dict[str, tuple[str, ...]] = {}
    problems: list[Problem] = []
    if not pending:
        return ModuleGraph({}, ())
    # Imported here: a build without modules does not even load the tokenizer.
    from assetbuild.compiler.scan.esm import scan_imports

    seen = set(pending)
    while pending:
        name = pending.pop()
        asset = plan.assets[name]
        if PurePosixPath(name).suffix.lower() not in _SCRIPTS:
            imports[name] = ()  # imported, so in the import map, but not JavaScript (JSON, CSS)
            continue
        source = asset.inputs[0]
        try:
            text = decode_script(read_stable(source.file)[0]).text
        except BuildError as failure:
            problems.extend(failure.problems)
            continue
        static: list[str] = []
        for found in scan_imports(text):
            target = _resolve(
                found, name, resolver, importmap, str(source.file), on_missing, problems
            )
            if target is None:
                continue
            if found.kind != "dynamic" and target not in static:
                static.append(target)
            if target not in seen:
                seen.add(target)
                pending.append(target)
        imports[name] = tuple(static)
    return ModuleGraph({name: imports[name] for name in sorted(imports)}, tuple(problems))


def _resolve(
    found: ModuleImport,
    module: str,
    resolver: Resolver,
    importmap: Mapping[str, str],
    file: str,
    on_missing: str,
    problems: list[Problem],
) -> str | None:
    specifier = found.specifier
    if specifier is None:
        return None  # import(expression): no build can know it; the browser resolves it at run time
    if specifier.startswith(("./", "../", "/")):
        resolution = resolver.resolve(specifier, module)
        if resolution.target is not None:
            return resolution.target
        if resolution.miss is None:
            return None  # /-absolute outside the release's prefix: served by the app
        miss = resolution.miss
    elif _SCHEME.match(specifier) or specifier.startswith("//"):
        return None  # https:, data:, node: ... are not files of this release
    elif specifier in importmap:
        return importmap[specifier]
    else:
        miss = (
            "is a bare specifier with no [importmap] entry; add one mapping it to a logical path, "
            'e.g. [importmap] "'
            + specifier
            + '" = "vendor/'
            + specifier.rsplit("/", 1)[-1]
            + '.js"'
        )
    severity = "error" if on_missing == "error" else "warning"
    problems.append(
        Problem(f"import {specifier!r} {miss}", file, found.line, found.column, severity)
    )
    return None
