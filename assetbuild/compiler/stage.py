"""Staging: every asset of the plan -> its final bytes, fingerprinted, under a temporary name.

Owns: the order of the work (files copied as they are all at once, by worker processes when
there are many (``workers``), then documents level by level of the dependency order, so each is
rendered after everything it references has its release path), reusing an earlier build's output where the build cache knows its inputs
unchanged and its file is still in the release, the sizes that budgets are checked against,
and the bytes of the small images a bundle with ``inline_max`` embeds (``inline`` encodes them).
Must not: write release files itself (``release.Session`` does, and ``release.stage_in`` in a
worker process) or decide what the release
holds (the plan did); it reports each asset it cannot stage to the build's log.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import CancelledError, Executor
from dataclasses import dataclass
from typing import Protocol, TypeVar

from assetbuild.compiler import workers
from assetbuild.compiler.budgets import measure, overruns
from assetbuild.compiler.bundles import FilterChain
from assetbuild.compiler.cache import BuildCache, output_key, signature_fields, trustworthy
from assetbuild.compiler.documents import Bundle, Document, Standalone
from assetbuild.compiler.fingerprint import Fingerprint, fingerprint, release_path
from assetbuild.compiler.inline import data_uri, image_type
from assetbuild.compiler.plan import Asset, Plan
from assetbuild.compiler.problems import Log
from assetbuild.compiler.release import Output, Session, stage_in, unstage
from assetbuild.compiler.render import render
from assetbuild.compiler.sizes import Budget
from assetbuild.compiler.stable_reads import Signature, read_stable
from assetbuild.errors import BuildError, Problem

T = TypeVar("T")

_CHUNK = 8  # items per worker task; see Stager._run
_FORKED_CHUNK = 32  # files per task of a worker process: fewer round trips, still balanced


@dataclass(frozen=True)
class _Staged:
    """What a worker process made of a file published as it is."""

    release_path: str
    fingerprint: Fingerprint
    signature: Signature  # as it was read
    temporary: str | None  # where it was written; None: the release had it already


def _stage_files(
    directory: str, files: Sequence[tuple[str, str]]
) -> list[_Staged | tuple[Problem, ...]]:
    """In a worker process: each (logical path, file) read, fingerprinted and written under a
    temporary name in the release ``directory`` (``release.stage_in``). A file that cannot be
    read comes back as its problems; a failure to write (a full disk) removes what this call
    wrote and raises."""
    done: list[_Staged | tuple[Problem, ...]] = []
    try:
        for name, file in files:
            try:
                data, signature = read_stable(file)
            except BuildError as failure:
                done.append(failure.problems)
                continue
            print_ = fingerprint(data)
            path = release_path(name, print_.digest)
            done.append(_Staged(path, print_, signature, stage_in(directory, path, data)))
    except BaseException:
        unstage(i.temporary for i in done if isinstance(i, _Staged) and i.temporary is not None)
        raise
    return done


class Progress(Protocol):
    """Where a long build reports how far it got (the CLI draws a bar on a terminal)."""

    def start(self, phase: str, total: int) -> None: ...
    def advance(self, count: int = 1) -> None: ...


class Stager:
    """Stages a plan's assets into a release session, on a pool of worker threads."""

    def __init__(
        self,
        plan: Plan,
        documents: Mapping[str, Document],
        chains: Mapping[str, FilterChain],
        imports: Mapping[str, tuple[str, ...]],
        budgets: Mapping[str, Budget],
        session: Session,
        pool: Executor,
        cache: BuildCache,
        log: Log,
        progress: Progress | None = None,
        *,
        jobs: int = 1,
    ):
        self.plan = plan
        self.documents = documents
        self.chains = chains
        self.imports = imports
        self.budgets = budgets
        self.session = session
        self.pool = pool
        self.cache = cache
        self.log = log
        self.progress = progress
        self.jobs = jobs  # worker processes the files published as they are may go to
        self.measured: dict[str, dict[str, int]] = {}  # budgeted logical path -> its sizes
        self.release_paths: dict[str, str] = {}
        self.outputs: dict[str, Output] = {}

    def stage(self, ordered: Sequence[str]) -> tuple[Output, ...]:
        """Every asset's output, by logical path; ``ordered`` is the dependency order. An asset
        that cannot be staged is reported to the log, and the others are staged all the same."""
        if self.progress is not None:
            self.progress.start("fingerprint", len(self.plan.assets))
        leaves = [asset for name, asset in self.plan.assets.items() if name not in self.documents]
        self._leaves(leaves)
        for level in self._levels(ordered):
            self._run(self._document, level)
        return tuple(self.outputs[name] for name in sorted(self.outputs))

    def overruns(self, config_file: str) -> list[Problem]:
        """What exceeds its budget among the assets staged, by logical path."""
        return [
            problem
            for name, sizes in sorted(self.measured.items())
            for problem in overruns(name, sizes, self.budgets[name], config_file)
        ]

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
        # Problems come back as values: the log is this thread's, and reporting them here, in
        # the items' order, keeps the report the same whatever the number of threads.
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
            self._take(results)

    def _take(self, results: Sequence[Output | BuildError]) -> None:
        """Each asset's output, or its problems reported, in the order of ``results``."""
        for result in results:
            if isinstance(result, BuildError):
                self.log.report_all(result.problems)
                continue
            self.outputs[result.logical_path] = result
            self.release_paths[result.logical_path] = result.release_path
            if self.progress is not None:
                self.progress.advance()

    def _leaves(self, leaves: Sequence[Asset]) -> None:
        """The files published as they are: those the build cache knows reused here, the others
        read, fingerprinted and written by worker processes when there are enough of them (see
        ``workers``), else by the thread pool. The same outputs and the same problems, in the
        same order, either way."""
        with workers.staging_processes(self.jobs, len(leaves)) as processes:
            if processes is None:
                self._run(self._leaf, leaves)
                return
            results: list[Output | BuildError | None] = []
            for asset in leaves:
                if asset.logical_path not in self.budgets:
                    results.append(self._reused(asset))
                    continue
                try:  # its budget needs its bytes here
                    results.append(self._leaf(asset))
                except BuildError as failure:
                    results.append(failure)
            todo = [i for i, result in enumerate(results) if result is None]
            directory = self.session.prepare(leaves[i].logical_path for i in todo)
            batches = [todo[i : i + _FORKED_CHUNK] for i in range(0, len(todo), _FORKED_CHUNK)]
            futures = [
                processes.submit(
                    _stage_files,
                    directory,
                    [(leaves[i].logical_path, leaves[i].inputs[0].location) for i in batch],
                )
                for batch in batches
            ]
            failed: BaseException | None = None
            # Each batch taken as it comes back, while the workers go on with the next ones.
            for batch, future in zip(batches, futures, strict=True):
                try:
                    staged = future.result()
                except CancelledError:
                    continue  # never started: it wrote nothing
                except BaseException as exc:  # a full disk, Ctrl-C: what runs still ends, and
                    failed = failed or exc  # is adopted (so removed); what has not, never starts
                    for waiting in futures:
                        waiting.cancel()
                    continue
                for index, item in zip(batch, staged, strict=True):
                    if isinstance(item, tuple):
                        results[index] = BuildError(item)
                        continue
                    if item.temporary is not None:
                        self.session.adopt(
                            item.release_path, item.temporary
                        )  # committed or removed
                    asset = leaves[index]
                    self.cache.record_output(
                        asset.logical_path, item.signature, "", item.fingerprint
                    )
                    results[index] = self._output(asset, item.release_path, item.fingerprint)
            if failed is not None:
                raise failed
        self._take([result for result in results if result is not None])

    def _reused(self, asset: Asset) -> Output | None:
        """A leaf's output as an earlier build made it, if the build cache knows it unchanged."""
        if not self.cache.knows(asset.logical_path):
            return None  # not even a stat
        try:
            return self._known(asset, Signature.of(asset.inputs[0].file), "")
        except OSError:
            return None  # reading it says why

    def _leaf(self, asset: Asset) -> Output:
        source = asset.inputs[0]
        known = self._reused(asset)
        if known is not None:
            return known
        data, signature = read_stable(source.file)
        output = self._finish(asset, data)
        self.cache.record_output(asset.logical_path, signature, "", output.fingerprint)
        return output

    def _document(self, document: Document) -> Output:
        if isinstance(document, Standalone):
            return self._standalone(document)
        return self._bundle(document)

    def _standalone(self, document: Standalone) -> Output:
        # Its output is its bytes (the signature) with each reference rewritten to where the
        # link says: the same links to the same release paths give the same output.
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
        self.cache.record_output(
            document.asset.logical_path, document.signature, key, output.fingerprint
        )
        return output

    def _bundle(self, bundle: Bundle) -> Output:
        name = bundle.asset.logical_path
        chain = self.chains[name]
        key = None
        limit = bundle.asset.bundle.inline_max if bundle.asset.bundle is not None else None
        if chain.pure:
            # Joined and minified by assetbuild's own code: the same files read (signatures) and
            # the same release paths for its references give the same bundle (an embedded
            # image's bytes are named by its release path, so only the limit is added).
            key = output_key(
                [bundle.asset.kind, list(chain.names), *([limit] if limit is not None else [])]
                + [[path, *signature_fields(signature)] for path, signature in bundle.reads]
                + [[d, self.release_paths.get(d)] for d in bundle.dependencies]
            )
            known = self._known(bundle.asset, None, key)
            if known is not None:
                return known
        embedded = self._embedded(bundle, limit) if limit is not None else {}
        output = self._finish(bundle.asset, render(bundle, self.release_paths, chain, embedded))
        if key is not None and all(trustworthy(s) for _, s in bundle.reads):
            self.cache.record_output(name, None, key, output.fingerprint)
        return output

    def _embedded(self, bundle: Bundle, limit: int) -> dict[str, str]:
        """The data: URIs of the images ``bundle`` references whose final bytes are fewer than
        ``limit``, by logical path. They were staged (leaves come first) and stay published: a
        template or another stylesheet may still name them."""
        embedded: dict[str, str] = {}
        for name in bundle.dependencies:
            staged = self.outputs.get(name)
            if staged is None or image_type(name) is None or staged.fingerprint.size >= limit:
                continue
            # A file is published as it is, so its bytes are its source's; read again (it is
            # small), and checked against the fingerprint its release path has.
            file = self.plan.assets[name].inputs[0].file
            data, _ = read_stable(file)
            if fingerprint(data).digest != staged.fingerprint.digest:
                settle = "changed during the build; build again once it has settled"
                raise BuildError([Problem(settle, str(file))])
            embedded[name] = data_uri(name, data)
        return embedded

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
        return self._output(asset, path, fingerprint)

    def _finish(self, asset: Asset, data: bytes) -> Output:
        print_ = fingerprint(data)
        path = release_path(asset.logical_path, print_.digest)
        self.session.stage(path, data)
        budget = self.budgets.get(asset.logical_path)
        if budget is not None:
            self.measured[asset.logical_path] = measure(data, budget)
        return self._output(asset, path, print_)

    def _output(self, asset: Asset, path: str, print_: Fingerprint) -> Output:
        sources = tuple(s.logical_path for s in asset.inputs) if asset.bundle is not None else None
        return Output(
            asset.logical_path, path, print_, sources, self.imports.get(asset.logical_path)
        )
