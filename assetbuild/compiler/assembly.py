"""The composition root of ``assetbuild build``: the phases, wired in order.

config -> sources -> plan -> documents -> modules -> order -> staged outputs -> release

With ``entries``, documents and modules are read together from the entry points outward, and the
plan is narrowed to what they reach before anything is staged.

Owns: the order of the phases, the one log they all report to, and where a failed build stops:
every phase that finds an error ends the build there (``Log.check``), so a build that fails on
its inputs (config, unreadable sources, missing references, cycles, budgets) raises before the
release is touched.
Must not: hold logic of its own; each step lives in its module (the pool policy in ``workers``,
staging and the build cache's reuse in ``stage``, what a config key may name in ``plan``).

A rebuild from the same config and source files, into a release that still holds what the last
build made, takes the release as it stands (``BuildCache.last_build``, ``Release.unchanged``)
after walking the sources and reads nothing else: so the phases that read, render and write are
imported only when a build goes on to them (their imports cost more than such a rebuild).
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assetbuild.compiler.cache import BuildCache, last_build
from assetbuild.compiler.config import Config
from assetbuild.compiler.content_cache import ContentCache, Counts
from assetbuild.compiler.globs import compile_glob
from assetbuild.compiler.plan import Plan, check_names, entry_points, make_plan
from assetbuild.compiler.problems import Log
from assetbuild.compiler.release import Output, Published, Release
from assetbuild.compiler.sources import Shadowed, SourceTree, collect
from assetbuild.errors import Problem

if TYPE_CHECKING:
    from assetbuild.compiler.bundles import FilterChain
    from assetbuild.compiler.documents import Document
    from assetbuild.compiler.references import Resolver
    from assetbuild.compiler.stage import Progress


@dataclass(frozen=True)
class Prepared:
    """Everything known about a build before anything is written: what each asset is made of,
    what it references, the order to render in, and the log of what is wrong so far."""

    config: Config
    tree: SourceTree
    plan: Plan
    chains: Mapping[str, FilterChain]
    resolver: Resolver
    documents: Mapping[str, Document]
    imports: Mapping[str, tuple[str, ...]]  # each ES module -> its static imports
    ordered: tuple[str, ...]
    log: Log  # the build's one log; staging goes on reporting to it
    timings: Mapping[str, float]  # "read" (sources, CSS and JS references), "modules"

    @property
    def problems(self) -> tuple[Problem, ...]:
        return self.log.errors

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return self.log.warnings


@dataclass(frozen=True)
class BuildResult:
    config: Config
    plan: Plan
    outputs: Sequence[Output]  # by logical path
    published: Published
    warnings: tuple[Problem, ...]
    shadowed: tuple[Shadowed, ...]
    raw_sizes: Mapping[str, int]  # bundle logical path -> total size of its inputs
    timings: Mapping[str, float]  # phase -> wall seconds (see ``build``), for --json and the bench
    cached: Counts | None = None  # what the cache_dir held and was given; None: no cache_dir


def prepare(
    config: Config,
    cache: BuildCache | None = None,
    *,
    jobs: int = 1,
    store: ContentCache | None = None,
    tree: SourceTree | None = None,
) -> Prepared:
    """Read the sources and place every reference; writes nothing. A config that cannot be
    used raises ``ConfigError``, sources that cannot be listed ``BuildError``; the problems of
    what was read are in the log, not raised. With a ``cache``, files it knows unchanged are not
    read again; with ``jobs`` above 1, large scans may go to that many processes. ``tree``: the
    sources, when the caller has walked them already."""
    from assetbuild.compiler.bundles import filter_chains
    from assetbuild.compiler.graph import dependency_order
    from assetbuild.compiler.module_graph import ModuleGraph, module_graph
    from assetbuild.compiler.reader import Reader, read_documents, read_reachable
    from assetbuild.compiler.references import Resolver

    log = Log()
    started = time.perf_counter()
    if tree is None:
        tree = collect(config.sources, map(compile_glob, config.exclude), config.written, log)
    plan = make_plan(config, tree)
    check_names(config, plan)
    entries = entry_points(config, plan)
    chains = filter_chains(plan, config)
    resolver = Resolver(
        plan.assets, config.url, bundle_inputs=plan.bundle_inputs, unpublished=tree.excluded
    )
    policy = config.missing_policy
    reader = Reader(tree, plan, resolver, chains, policy, log, cache, config.sources, store)
    globs = tuple(map(compile_glob, config.modules))
    graph = ModuleGraph(plan, resolver, globs, config.importmap or {}, policy, log)
    if entries is None:  # every file is published: read them all, then the modules
        documents = read_documents(reader, jobs)
        read = time.perf_counter()
        imports = module_graph(graph)
    else:  # only what the entry points reach: modules are read as they are reached
        documents, reached = read_reachable(reader, graph, entries)
        read = time.perf_counter()
        imports = graph.imports()
        plan = plan.only(reached)
    modules = time.perf_counter()
    order = dependency_order({name: doc.dependencies for name, doc in documents.items()})
    log.report_all(order.cycle_problems(lambda name: str(plan.assets[name].inputs[0].file)))
    timings = {"read": read - started, "modules": modules - read}
    return Prepared(
        config, tree, plan, chains, resolver, documents, imports, order.ordered, log, timings
    )


def build(
    config: Config,
    *,
    jobs: int | None = None,
    progress: Progress | None = None,
    use_cache: bool = True,
) -> BuildResult:
    """Build the release. ``BuildError`` lists every problem; the release is then untouched.

    ``jobs`` is the number of worker threads (default: one per core; 1 runs everything in this
    thread). The release is byte-identical whatever ``jobs`` is. ``BuildResult.timings`` has the
    wall time of each phase: "read" and "modules" (``prepare``), "stage" (render, fingerprint,
    write under temporary names) and "commit" (move into place, compress, write the manifest).
    With ``use_cache`` the release's build cache (see ``cache``) spares the work of files that
    have not changed since the last build; the release is the same either way.
    """
    release = Release(config.output, config.state)
    started = time.perf_counter()
    tree = collect(config.sources, map(compile_glob, config.exclude), config.written)
    if use_cache:
        standing = _as_it_stands(config, tree, release, started)
        if standing is not None:
            return standing
    cache = BuildCache.load(release.state) if use_cache else BuildCache()
    from assetbuild.compiler.documents import Bundle
    from assetbuild.compiler.stage import Stager
    from assetbuild.compiler.workers import threads

    # The cache_dir: filter results and compressed variants by content, shared between builds.
    store = ContentCache(config.cache_dir) if use_cache and config.cache_dir else None
    workers = jobs or os.cpu_count() or 1
    prepared = prepare(config, cache, jobs=workers, store=store, tree=tree)
    log = prepared.log
    log.check()
    raw_sizes = {n: d.raw_size for n, d in prepared.documents.items() if isinstance(d, Bundle)}
    if (
        not config.filter_modules
        and all(chain.pure for chain in prepared.chains.values())
        and not log.warnings
    ):
        # Its outputs depend on the config and the source files alone, and it has nothing to
        # say: a rebuild from the same ones may take the release as it stands.
        cache.record_build(repr(config), tree.state, tree.newest_ns, tree.walked_ns, raw_sizes)
    with release.session() as session, threads(workers) as pool:
        started = time.perf_counter()
        stager = Stager(
            prepared.plan,
            prepared.documents,
            prepared.chains,
            prepared.imports,
            config.budgets,
            session,
            pool,
            cache,
            log,
            progress,
            jobs=workers,
        )
        outputs = stager.stage(prepared.ordered)
        log.check()
        # Budgets are checked before anything is committed: an overrun leaves the release as it was.
        log.report_all(stager.overruns(str(config.file)))
        log.check()
        staged = time.perf_counter()
        if progress is not None:
            progress.start("compress", len(outputs))
        published = session.commit(
            outputs,
            url=config.url,
            encodings=config.compress,
            importmap=config.importmap,
            plain=prepared.plan.plain,
            aliases=config.aliases,
            cache=cache.state_files,
            pool=pool,
            progress=progress.advance if progress is not None else None,
            variant_cache=store,
        )
        committed = time.perf_counter()
    timings = {**prepared.timings, "stage": staged - started, "commit": committed - staged}
    return BuildResult(
        config,
        prepared.plan,
        outputs,
        published,
        log.warnings,
        prepared.tree.shadowed,
        raw_sizes,
        timings,
        store.counts() if store is not None else None,
    )


def _as_it_stands(
    config: Config, tree: SourceTree, release: Release, started: float
) -> BuildResult | None:
    """The result of a build that has nothing to do: the last build was made from this config
    and these source files, and the release still holds all it made. None otherwise."""
    last = last_build(release.state, repr(config), tree.state)
    if last is None:
        return None
    standing = release.unchanged(last.manifest)
    if standing is None:
        return None
    plan = make_plan(config, tree)
    if config.entries is not None:
        plan = plan.only(frozenset(standing.manifest.assets))
    published = Published(
        standing.manifest,
        standing.manifest_bytes,
        (),
        standing.variant_sizes,
        standing.manifest,
    )
    timings = {"read": time.perf_counter() - started, "modules": 0.0, "stage": 0.0, "commit": 0.0}
    return BuildResult(
        config, plan, standing.outputs(), published, (), tree.shadowed, last.raw_sizes, timings
    )
