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
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass

from assetbuild.compiler.bundles import FilterChain, filter_chains
from assetbuild.compiler.cache import BuildCache
from assetbuild.compiler.config import Config
from assetbuild.compiler.documents import Bundle, Document
from assetbuild.compiler.globs import compile_glob
from assetbuild.compiler.graph import dependency_order
from assetbuild.compiler.module_graph import ModuleGraph, module_graph
from assetbuild.compiler.plan import Plan, check_names, entry_points, make_plan
from assetbuild.compiler.problems import Log
from assetbuild.compiler.reader import Reader, read_documents, read_reachable
from assetbuild.compiler.references import Resolver
from assetbuild.compiler.release import Output, Published, Release
from assetbuild.compiler.sources import Shadowed, SourceTree, collect
from assetbuild.compiler.stage import Progress, Stager
from assetbuild.compiler.workers import threads
from assetbuild.errors import Problem


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
    outputs: tuple[Output, ...]
    published: Published
    warnings: tuple[Problem, ...]
    shadowed: tuple[Shadowed, ...]
    raw_sizes: Mapping[str, int]  # bundle logical path -> total size of its inputs
    timings: Mapping[str, float]  # phase -> wall seconds (see ``build``), for --json and the bench


def prepare(config: Config, cache: BuildCache | None = None, *, jobs: int = 1) -> Prepared:
    """Read the sources and place every reference; writes nothing. A config that cannot be
    used raises ``ConfigError``, sources that cannot be listed ``BuildError``; the problems of
    what was read are in the log, not raised. With a ``cache``, files it knows unchanged are not
    read again; with ``jobs`` above 1, large scans may go to that many processes."""
    log = Log()
    started = time.perf_counter()
    tree = collect(config.sources, map(compile_glob, config.exclude), config.written, log)
    plan = make_plan(config, tree)
    check_names(config, plan)
    entries = entry_points(config, plan)
    chains = filter_chains(plan, config)
    resolver = Resolver(
        plan.assets, config.url, bundle_inputs=plan.bundle_inputs, unpublished=tree.excluded
    )
    policy = config.missing_policy
    reader = Reader(tree, plan, resolver, chains, policy, log, cache, config.sources)
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
    cache = BuildCache.load(release.state) if use_cache else BuildCache()
    workers = jobs or os.cpu_count() or 1
    prepared = prepare(config, cache, jobs=workers)
    log = prepared.log
    log.check()
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
            cache=cache.dumps(),
            pool=pool,
            progress=progress.advance if progress is not None else None,
        )
        committed = time.perf_counter()
    raw_sizes = {n: d.raw_size for n, d in prepared.documents.items() if isinstance(d, Bundle)}
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
    )
