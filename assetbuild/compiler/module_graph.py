"""ES modules: which published files are modules, and what each one imports.

Owns: the module set (every ``.mjs``, the files the ``modules`` globs match, and whatever a
module imports, transitively; with ``entries``, only those reading reaches), resolving each specifier (relative or ``/``-absolute through
``references``, bare through ``[importmap]``), the ``imports`` a manifest entry records (static
imports, in source order), and the problems of specifiers that resolve to nothing.
Must not: rewrite modules (the browser resolves their imports through the runtime's import map,
so their bytes stay as they are), or write anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePosixPath

from assetbuild.compiler.config import MissingPolicy
from assetbuild.compiler.globs import Glob
from assetbuild.compiler.plan import Plan
from assetbuild.compiler.problems import Log
from assetbuild.compiler.references import SCHEME, Resolver
from assetbuild.compiler.scan.reference import ModuleImport
from assetbuild.compiler.stable_reads import read_stable
from assetbuild.compiler.text import decode_script
from assetbuild.errors import Problem, Severity

_SCRIPTS = (".js", ".mjs")


def module_graph(graph: ModuleGraph) -> dict[str, tuple[str, ...]]:
    """Every module of the plan -> its static imports, as logical paths, starting from ``.mjs``
    files and the ``modules`` globs. What resolves to nothing is reported to the graph's log."""
    pending = [name for name in graph.plan.assets if graph.is_module(name)]
    seen = set(pending)
    while pending:
        for target in graph.visit(pending.pop()):
            if target not in seen:
                seen.add(target)
                pending.append(target)
    return graph.imports()


class ModuleGraph:
    """The module graph, one module at a time: ``module_graph`` visits every module of the
    plan, a build with ``entries`` only those it reaches (see ``reader.read_reachable``)."""

    def __init__(
        self,
        plan: Plan,
        resolver: Resolver,
        globs: tuple[Glob, ...],
        importmap: Mapping[str, str],
        on_missing: MissingPolicy,
        log: Log,
    ):
        self.plan = plan
        self.resolver = resolver
        self.globs = globs
        self.importmap = importmap
        self.on_missing = on_missing
        self.log = log
        self._imports: dict[str, tuple[str, ...]] = {}

    def is_module(self, name: str) -> bool:
        """Whether ``name`` is a module by itself (not only because a module imports it)."""
        asset = self.plan.assets[name]
        return asset.bundle is None and (
            name.endswith(".mjs") or any(glob.matches(name) for glob in self.globs)
        )

    def visit(self, name: str) -> tuple[str, ...]:
        """Read module ``name`` and record its static imports; returns everything it imports
        (dynamic imports too), each a module in turn."""
        asset = self.plan.assets[name]
        if PurePosixPath(name).suffix.lower() not in _SCRIPTS:
            self._imports[
                name
            ] = ()  # imported, so in the import map, but not JavaScript (JSON, CSS)
            return ()
        # Imported here: a build without modules does not even load the tokenizer.
        from assetbuild.compiler.scan.esm import scan_imports

        source = asset.inputs[0]
        text = None
        with self.log.catching():
            text = decode_script(read_stable(source.file)[0]).text
        if text is None:
            return ()
        static: list[str] = []
        targets: list[str] = []
        severity: Severity = "error" if self.on_missing.for_file(name) == "error" else "warning"
        for found in scan_imports(text):
            target = _resolve(
                found, name, self.resolver, self.importmap, str(source.file), severity, self.log
            )
            if target is None:
                continue
            if found.kind != "dynamic" and target not in static:
                static.append(target)
            if target not in targets:
                targets.append(target)
        self._imports[name] = tuple(static)
        return tuple(targets)

    def imports(self) -> dict[str, tuple[str, ...]]:
        """Every module visited -> its static imports, sorted by logical path."""
        return {name: self._imports[name] for name in sorted(self._imports)}


def _resolve(
    found: ModuleImport,
    module: str,
    resolver: Resolver,
    importmap: Mapping[str, str],
    file: str,
    severity: Severity,
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
    log.report(Problem(f"import {specifier!r} {miss}", file, found.line, found.column, severity))
    return None
