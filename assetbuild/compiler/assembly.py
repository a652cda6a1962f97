"""The composition root of ``assetbuild build``: config -> sources -> plan -> documents -> order ->
staged outputs -> release.

Owns: wiring the steps in order; the rule that a build which fails on its inputs (config,
unreadable sources, missing references, cycles) raises before the release is touched; the
thread pool that lets both cores work (hashing, file writes, rcssmin, rjsmin and the compression
codecs all release the GIL, so threads give the parallelism of processes without pickling or
worker start-up); the forked processes that scan large builds' stylesheets and scripts (the
scan holds the GIL); and the use of the build cache.
Must not: hold logic of its own beyond that wiring; each step lives in its module.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol, TypeVar

from assetbuild.compiler.budgets import measure, overruns
from assetbuild.compiler.bundles import FilterChain, filter_chain
from assetbuild.compiler.cache import BuildCache, Scan, output_key, signature_fields, trustworthy
from assetbuild.compiler.config import Config
from assetbuild.compiler.documents import Bundle, Document, Reader, Standalone, scan_or_problems
from assetbuild.compiler.fingerprint import fingerprint, release_path
from assetbuild.compiler.globs import compile_glob
from assetbuild.compiler.graph import dependency_order
from assetbuild.compiler.module_graph import module_graph
from assetbuild.compiler.plan import Asset, Plan, make_plan
from assetbuild.compiler.references import Resolver
from assetbuild.compiler.release import Output, Published, Release, Session
from assetbuild.compiler.render import render
from assetbuild.compiler.sources import Shadowed, SourceTree, collect
from assetbuild.compiler.stable_reads import Signature, read_stable
from assetbuild.errors import BuildError, ConfigError, Problem

T = TypeVar("T")
R = TypeVar("R")


class Progress(Protocol):
    """Where a long build reports how far it got (the CLI draws a bar on a terminal)."""

    def start(self, phase: str, total: int) -> None: ...
    def advance(self, count: int = 1) -> None: ...


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


@dataclass(frozen=True)
class Prepared:
    """Everything known about a build before anything is written: what each asset is made of,
    what it references, the order to render in, and what is wrong."""

    config: Config
    tree: SourceTree
    plan: Plan
    chains: Mapping[str, FilterChain]
    resolver: Resolver
    documents: Mapping[str, Document]
    imports: Mapping[str, tuple[str, ...]]  # each ES module -> its static imports
    ordered: tuple[str, ...]
    problems: tuple[Problem, ...]  # errors: the build cannot go on
    warnings: tuple[Problem, ...]
    timings: Mapping[str, float]  # "read" (sources, CSS and JS references), "modules"


# Scanning stylesheets and scripts holds the GIL (Python's ``re``): past this many bytes to
# scan, worker processes do it, which costs a fork and pickling the references back.
PARALLEL_SCAN_BYTES = 8 << 20


def prepare(config: Config, cache: BuildCache | None = None, *, jobs: int = 1) -> Prepared:
    """Read the sources and place every reference; writes nothing. A config that cannot be
    used raises ``ConfigError``; problems with the sources are collected, not raised. With a
    ``cache``, files it knows unchanged are not read again; with ``jobs`` above 1, many bytes
    of stylesheets and scripts to scan are scanned by that many processes."""
    started = time.perf_counter()
    tree = collect(config.sources, [compile_glob(p) for p in config.exclude], skip=config.output)
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
    for name in config.budgets:
        if name not in plan.assets:
            raise ConfigError(
                "names no asset of the release; use a logical path (a bundle's key, or a file's path under source)",
                file=config.file,
                key=f'budgets."{name}"',
            )
    for specifier, target in (config.importmap or {}).items():
        if target not in plan.assets:
            raise ConfigError(
                f"maps {specifier!r} to {target!r}, which is not an asset of the release; "
                "use a published logical path",
                file=config.file,
                key=f'importmap."{specifier}"',
            )
    resolver = Resolver(
        plan.assets, config.url, bundle_inputs=plan.bundle_inputs, unpublished=tree.excluded
    )
    reader = Reader(tree, plan, resolver, chains, config.on_missing, cache)
    read: dict[str, tuple[Document | None, list[Problem]]] = {}

    def read_one(asset: Asset) -> None:
        found = len(reader.problems)
        document = reader.read(asset)
        # A bundle's text is read again when it is rendered: see Bundle.
        outline = document.outline() if isinstance(document, Bundle) else document
        read[asset.logical_path] = (outline, reader.problems[found:])
        del reader.problems[found:]

    readable = [asset for asset in plan.assets.values() if asset.kind != "file"]
    with _ProcessScan(reader, readable, jobs) as scanning:
        # Bundles here while worker processes (if any) scan the files published on their own.
        for asset in readable:
            if asset.bundle is not None:
                read_one(asset)
        reader.scanned = scanning.results()
        for asset in readable:
            if asset.bundle is None:
                read_one(asset)
    documents: dict[str, Document] = {}
    for asset in readable:  # in the plan's order, problems too, whoever read what first
        document, problems = read[asset.logical_path]
        reader.problems.extend(problems)
        if document is not None:
            documents[asset.logical_path] = document
    module_globs = tuple(compile_glob(p) for p in config.modules)
    for glob in module_globs:
        if not any(glob.matches(name) for name in plan.assets):
            raise ConfigError(
                f"{glob.pattern!r} matches no published file; fix the pattern or remove it",
                file=config.file,
                key="modules",
            )
    modules_started = time.perf_counter()
    modules = module_graph(
        plan,
        resolver,
        module_globs,
        config.importmap or {},
        config.on_missing,
    )
    reader.problems.extend(modules.problems)
    modules_seconds = time.perf_counter() - modules_started
    order = dependency_order({name: doc.dependencies for name, doc in documents.items()})
    # A stylesheet inlined into a bundle and also published on its own is read twice; its
    # problems are reported once.
    found = list(dict.fromkeys(reader.problems))
    problems = [p for p in found if p.severity == "error"]
    for cycle in order.cycles:
        first = documents[cycle[0]].asset.inputs[0]
        problems.append(
            Problem(
                f"reference cycle: {' -> '.join(cycle)}; remove one of these references",
                str(first.file),
            )
        )
    warnings = tuple(p for p in found if p.severity != "error")
    return Prepared(
        config,
        tree,
        plan,
        chains,
        resolver,
        documents,
        modules.imports,
        order.ordered,
        tuple(problems),
        warnings,
        {
            "read": time.perf_counter() - started - modules_seconds,
            "modules": modules_seconds,
        },
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
    release = Release(config.output)
    cache = BuildCache.load(release.state) if use_cache else BuildCache()
    workers = jobs or os.cpu_count() or 1
    prepared = prepare(config, cache, jobs=workers)
    if prepared.problems:
        raise BuildError([*prepared.problems, *prepared.warnings])
    plan, documents, warnings = prepared.plan, prepared.documents, prepared.warnings

    with release.session() as session, _pool(workers) as pool:
        stager = _Stager(prepared, session, pool, progress, cache)
        started = time.perf_counter()
        outputs = stager.stage(prepared.ordered)
        staged = time.perf_counter()
        # Budgets are checked before anything is committed: an overrun leaves the release as it was.
        problems = [
            problem
            for name, sizes in sorted(stager.measured.items())
            for problem in overruns(name, sizes, config.budgets[name], str(config.file))
        ]
        if problems:
            raise BuildError(problems)
        if progress is not None:
            progress.start("compress", len(outputs))
        published = session.commit(
            outputs,
            url=config.url,
            encodings=config.compress,
            importmap=config.importmap,
            cache=cache.dumps(),
            pool=pool,
            progress=progress.advance if progress is not None else None,
        )
        committed = time.perf_counter()
    raw_sizes = {
        name: document.raw_size
        for name, document in documents.items()
        if isinstance(document, Bundle)
    }
    timings = {**prepared.timings, "stage": staged - started, "commit": committed - staged}
    return BuildResult(
        config, plan, outputs, published, warnings, prepared.tree.shadowed, raw_sizes, timings
    )


class _ProcessScan:
    """The files published on their own that ``reader`` would scan, read and scanned by
    ``jobs`` forked processes while the ``with`` block goes on, when there are enough bytes of
    them to pay for it. Only where a fork is cheap and safe: Linux (macOS's system libraries do
    not survive a fork), and no other thread in this process (``watch`` has some)."""

    def __init__(self, reader: Reader, assets: Sequence[Asset], jobs: int):
        self.todo: list[Asset] = []
        self.pool: ProcessPoolExecutor | None = None
        self.found: Iterator[tuple[Signature, Scan] | BuildError] = iter(())
        if jobs < 2 or threading.active_count() > 1 or not sys.platform.startswith("linux"):
            return
        total = 0
        for asset in assets:
            size = reader.unscanned(asset)
            if size is not None:
                self.todo.append(asset)
                total += size
        if total < PARALLEL_SCAN_BYTES:
            self.todo = []
            return
        context = multiprocessing.get_context("fork")
        self.pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context)
        kinds = [asset.kind for asset in self.todo]
        files = [asset.inputs[0].file for asset in self.todo]
        self.found = self.pool.map(scan_or_problems, kinds, files, chunksize=16)

    def __enter__(self) -> _ProcessScan:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)

    def results(self) -> dict[str, tuple[Signature, Scan] | BuildError]:
        return {a.logical_path: r for a, r in zip(self.todo, self.found, strict=True)}


def reread(prepared: Prepared, outline: Bundle) -> Bundle:
    """An outlined bundle's text again, from the same bytes as when ``prepare`` read it."""
    reader = Reader(
        prepared.tree, prepared.plan, prepared.resolver, prepared.chains, prepared.config.on_missing
    )
    document = reader.read(outline.asset)
    if isinstance(document, Bundle) and document.reads == outline.reads:
        return document
    changed = outline.asset.logical_path
    if isinstance(document, Bundle):
        pairs = zip(outline.reads, document.reads, strict=False)
        changed = next((file for (file, a), (_, b) in pairs if a != b), changed)
    raise BuildError(
        [Problem("changed during the build; build again once it has settled", changed)]
    )


class _Serial(Executor):
    """Runs each call in the calling thread, in order: what ``jobs=1`` means."""

    def map(
        self,
        fn: Callable[[T], R],
        *iterables: Iterable[T],
        timeout: float | None = None,
        chunksize: int = 1,
    ) -> Iterator[R]:
        return map(fn, *iterables)


def _pool(workers: int) -> Executor:
    return (
        _Serial()
        if workers <= 1
        else ThreadPoolExecutor(max_workers=workers, thread_name_prefix="assetbuild")
    )


_CHUNK = 8  # items per worker task; see _Stager._run


class _Stager:
    """Fingerprints every asset and stages its bytes: leaves (files copied as they are) all at
    once, then documents level by level of the dependency order, so each is rendered after
    every asset it references has its release path."""

    def __init__(
        self,
        prepared: Prepared,
        session: Session,
        pool: Executor,
        progress: Progress | None,
        cache: BuildCache,
    ):
        self.prepared = prepared
        self.cache = cache
        self.plan = prepared.plan
        self.documents = prepared.documents
        self.chains = prepared.chains
        self.session = session
        self.pool = pool
        self.progress = progress
        self.budgets = prepared.config.budgets
        self.imports = prepared.imports
        self.measured: dict[str, dict[str, int]] = {}  # budgeted logical path -> its sizes
        self.release_paths: dict[str, str] = {}
        self.outputs: dict[str, Output] = {}
        self.problems: list[Problem] = []

    def stage(self, ordered: Sequence[str]) -> tuple[Output, ...]:
        if self.progress is not None:
            self.progress.start("fingerprint", len(self.plan.assets))
        leaves = [asset for name, asset in self.plan.assets.items() if name not in self.documents]
        self._run(self._leaf, leaves)
        for level in self._levels(ordered):
            self._run(self._document, level)
        if self.problems:
            raise BuildError(self.problems)
        return tuple(self.outputs[name] for name in sorted(self.outputs))

    def _levels(self, ordered: Sequence[str]) -> list[list[Document]]:
        """Documents grouped so that each group depends only on earlier groups and leaves."""
        depth: dict[str, int] = {}
        for name in ordered:  # dependencies come first in ``ordered``
            document = self.documents.get(name)
            if document is not None:
                depth[name] = 1 + max((depth.get(d, 0) for d in document.dependencies), default=0)
        levels: list[list[Document]] = [[] for _ in range(max(depth.values(), default=0))]
        for name, level in depth.items():
            levels[level - 1].append(self.documents[name])
        return levels

    def _run(self, work: Callable[[T], Output], items: Sequence[T]) -> None:
        def attempt(chunk: Sequence[T]) -> list[Output | BuildError]:
            results: list[Output | BuildError] = []
            for item in chunk:
                try:
                    results.append(work(item))
                except BuildError as failure:
                    results.append(failure)
            return results

        # A few items per task: an unchanged file known to the cache costs a stat, far less
        # than handing it to a worker thread (a future, two locks and a wake-up each).
        chunks = [items[i : i + _CHUNK] for i in range(0, len(items), _CHUNK)]
        for results in self.pool.map(attempt, chunks):
            for result in results:
                if isinstance(result, BuildError):
                    self.problems.extend(result.problems)
                    continue
                self.outputs[result.logical_path] = result
                self.release_paths[result.logical_path] = result.release_path
                if self.progress is not None:
                    self.progress.advance()

    def _leaf(self, asset: Asset) -> Output:
        source = asset.inputs[0]
        known = None
        if self.cache.knows(asset.logical_path):
            with contextlib.suppress(OSError):  # reading it says why
                known = self._known(asset, Signature.of(source.file), "")
        if known is not None:
            return known
        data, signature = read_stable(source.file)
        output = self._finish(asset, data)
        self.cache.record_output(asset.logical_path, signature, "", output.fingerprint)
        return output

    def _document(self, document: Document) -> Output:
        name = document.asset.logical_path
        if isinstance(document, Standalone):
            # Its output is its bytes (the signature) with each reference rewritten to where
            # the link says: the same links to the same release paths give the same output.
            key = output_key(
                [document.codec, document.bom.hex()]
                + [
                    [
                        link.drop,
                        link.resolution.target,
                        link.resolution.suffix,
                        link.resolution.miss,
                        self.release_paths.get(link.resolution.target or ""),
                    ]
                    for link in document.links
                ]
            )
            known = self._known(document.asset, document.signature, key)
            if known is not None:
                return known
            output = self._finish(document.asset, render(document, self.release_paths, None))
            self.cache.record_output(name, document.signature, key, output.fingerprint)
            return output
        chain = self.chains[name]
        bundle_key = None
        if chain.pure:
            # Joined and minified by assetbuild's own code: the same files read (signatures) and
            # the same release paths for its references give the same bundle.
            bundle_key = output_key(
                [document.asset.kind, list(chain.names)]
                + [[path, *signature_fields(signature)] for path, signature in document.reads]
                + [[d, self.release_paths.get(d)] for d in document.dependencies]
            )
            known = self._known(document.asset, None, bundle_key)
            if known is not None:
                return known
        if document.outline_of is not None:
            document = reread(self.prepared, document)
        output = self._finish(document.asset, render(document, self.release_paths, chain))
        if bundle_key is not None and all(trustworthy(s) for _, s in document.reads):
            self.cache.record_output(name, None, bundle_key, output.fingerprint)
        return output

    def _known(self, asset: Asset, signature: Signature | None, key: str) -> Output | None:
        """The output an earlier build made from these bytes and this key, if its file is still
        in the release. Not for a budgeted asset: its budget needs the bytes."""
        name = asset.logical_path
        if name in self.budgets:
            return None
        fingerprint = self.cache.output(name, signature, key)
        if fingerprint is None:
            return None
        path = release_path(name, fingerprint.digest)
        if not self.session.present(path):
            return None
        sources = tuple(s.logical_path for s in asset.inputs) if asset.bundle is not None else None
        return Output(name, path, fingerprint, sources, self.imports.get(name))

    def _finish(self, asset: Asset, data: bytes) -> Output:
        print_ = fingerprint(data)
        path = release_path(asset.logical_path, print_.digest)
        self.session.stage(path, data)
        budget = self.budgets.get(asset.logical_path)
        if budget is not None:
            self.measured[asset.logical_path] = measure(data, budget)
        sources = tuple(s.logical_path for s in asset.inputs) if asset.bundle is not None else None
        return Output(
            asset.logical_path, path, print_, sources, self.imports.get(asset.logical_path)
        )
