"""The composition root of ``assetbuild build``: config -> sources -> plan -> documents -> order ->
rendered outputs -> release.

Owns: wiring the steps in order, and the rule that a build which fails on its inputs (config,
unreadable sources, missing references, cycles) raises before the release is touched.
Must not: hold logic of its own beyond that wiring; each step lives in its module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from assetbuild.build.bundles import FilterChain, filter_chain
from assetbuild.build.config import Config
from assetbuild.build.documents import Document, Reader
from assetbuild.build.fingerprint import fingerprint, release_path
from assetbuild.build.globs import compile_glob
from assetbuild.build.graph import dependency_order
from assetbuild.build.plan import Asset, Plan, make_plan
from assetbuild.build.references import Resolver
from assetbuild.build.release import Output, Published, Release
from assetbuild.build.render import render
from assetbuild.build.sources import Shadowed, collect
from assetbuild.errors import BuildError, Problem


@dataclass(frozen=True)
class BuildResult:
    config: Config
    plan: Plan
    outputs: tuple[Output, ...]
    published: Published
    warnings: tuple[Problem, ...]
    shadowed: tuple[Shadowed, ...]
    raw_sizes: dict[str, int]  # logical path -> total size of its inputs


Progress = Callable[[str], None]


def build(config: Config) -> BuildResult:
    """Build the release. ``BuildError`` lists every problem; the release is then untouched."""
    excluded = [compile_glob(p) for p in config.exclude]
    tree = collect(config.sources, excluded, skip=config.output)
    plan = make_plan(config, tree)
    chains = {
        asset.logical_path: filter_chain(
            asset.bundle.filters,
            bundle=asset.logical_path,
            config_file=str(config.file),
            source_dir=str(config.sources[0]),
        )
        for asset in plan.assets.values()
        if asset.bundle is not None
    }
    resolver = Resolver(
        plan.assets,
        config.url,
        bundle_inputs=plan.bundle_inputs,
        unpublished=tree.excluded,
    )
    reader = Reader(tree, plan, resolver, chains, config.on_missing)
    documents: dict[str, Document] = {}
    for asset in plan.assets.values():
        if asset.kind != "file":
            document = reader.read(asset)
            if document is not None:
                documents[asset.logical_path] = document
    order = dependency_order({name: doc.dependencies for name, doc in documents.items()})
    problems = [p for p in reader.problems if p.severity == "error"]
    for cycle in order.cycles:
        first = documents[cycle[0]].asset.inputs[0]
        problems.append(Problem(f"reference cycle: {' -> '.join(cycle)}", str(first.file)))
    warnings = tuple(p for p in reader.problems if p.severity != "error")
    if problems:
        raise BuildError([*problems, *warnings])

    outputs = _render_all(plan, documents, order.ordered, chains)
    published = Release(config.output).publish(
        outputs, url=config.url, encodings=config.compress, importmap=config.importmap
    )
    raw_sizes = {
        asset.logical_path: sum(s.file.stat().st_size for s in asset.inputs)
        for asset in plan.assets.values()
    }
    return BuildResult(config, plan, outputs, published, warnings, tree.shadowed, raw_sizes)


def _render_all(
    plan: Plan,
    documents: dict[str, Document],
    ordered: tuple[str, ...],
    chains: dict[str, FilterChain],
) -> tuple[Output, ...]:
    release_paths: dict[str, str] = {}
    outputs: dict[str, Output] = {}

    def add(asset: Asset, content: bytes | None) -> None:
        """``content`` None: the asset is its one source file, byte for byte."""
        data = asset.inputs[0].file.read_bytes() if content is None else content
        print_ = fingerprint(data)
        path = release_path(asset.logical_path, print_.digest)
        release_paths[asset.logical_path] = path
        sources = tuple(s.logical_path for s in asset.inputs) if asset.bundle is not None else None
        body = asset.inputs[0].file if content is None else content
        outputs[asset.logical_path] = Output(asset.logical_path, path, print_, body, sources)

    # Leaves first (anything without a document: images, fonts, ...), then documents in
    # dependency order, so every reference's release path is known when its referrer renders.
    for name, asset in plan.assets.items():
        if name not in documents:
            add(asset, None)
    for name in ordered:
        if name in documents and name not in outputs:
            document = documents[name]
            add(document.asset, render(document, release_paths, chains.get(name)))
    return tuple(outputs[name] for name in sorted(outputs))
