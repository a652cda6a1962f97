"""ES modules: which published files are modules, and what each one imports.

Owns: the module set (every ``.mjs``, the files the ``modules`` globs match, and whatever a
module imports, transitively), resolving each specifier (relative or ``/``-absolute through
``references``, bare through ``[importmap]``), the ``imports`` a manifest entry records (static
imports, in source order), and the problems of specifiers that resolve to nothing.
Must not: rewrite modules (the browser resolves their imports through the runtime's import map,
so their bytes stay as they are), or write anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePosixPath

from assetbuild.compiler.config import OnMissing
from assetbuild.compiler.globs import Glob
from assetbuild.compiler.plan import Plan
from assetbuild.compiler.problems import Log
from assetbuild.compiler.references import SCHEME, Resolver
from assetbuild.compiler.scan.reference import ModuleImport
from assetbuild.compiler.stable_reads import read_stable
from assetbuild.compiler.text import decode_script
from assetbuild.errors import Problem, Severity

_SCRIPTS = (".js", ".mjs")


def module_graph(
    plan: Plan,
    resolver: Resolver,
    globs: tuple[Glob, ...],
    importmap: Mapping[str, str],
    on_missing: OnMissing,
    log: Log,
) -> dict[str, tuple[str, ...]]:
    """Every module -> its static imports, as logical paths, starting from ``.mjs`` files and
    the ``modules`` globs. What resolves to nothing is reported to ``log``."""
    pending = [
        name
        for name, asset in plan.assets.items()
        if asset.bundle is None
        and (name.endswith(".mjs") or any(glob.matches(name) for glob in globs))
    ]
    imports: dict[str, tuple[str, ...]] = {}
    if not pending:
        return {}
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
        text = None
        with log.catching():
            text = decode_script(read_stable(source.file)[0]).text
        if text is None:
            continue
        static: list[str] = []
        for found in scan_imports(text):
            target = _resolve(found, name, resolver, importmap, str(source.file), on_missing, log)
            if target is None:
                continue
            if found.kind != "dynamic" and target not in static:
                static.append(target)
            if target not in seen:
                seen.add(target)
                pending.append(target)
        imports[name] = tuple(static)
    return {name: imports[name] for name in sorted(imports)}


def _resolve(
    found: ModuleImport,
    module: str,
    resolver: Resolver,
    importmap: Mapping[str, str],
    file: str,
    on_missing: OnMissing,
    log: Log,
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
    elif SCHEME.match(specifier) or specifier.startswith("//"):
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
    severity: Severity = "error" if on_missing == "error" else "warning"
    log.report(Problem(f"import {specifier!r} {miss}", file, found.line, found.column, severity))
    return None
