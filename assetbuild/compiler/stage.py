"""Staging: every asset of the plan -> its final bytes, fingerprinted, under a temporary name.

Owns: the order of the work (files copied as they are all at once, then documents level by
level of the dependency order, so each is rendered after everything it references has its
release path), reusing an earlier build's output where the build cache knows its inputs
unchanged and its file is still in the release, and the sizes that budgets are checked against.
Must not: write release files itself (``release.Session`` does) or decide what the release
holds (the plan did); it reports each asset it cannot stage to the build's log.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from typing import Protocol, TypeVar

from assetbuild.compiler.budgets import measure, overruns
from assetbuild.compiler.bundles import FilterChain
from assetbuild.compiler.cache import BuildCache, output_key, signature_fields, trustworthy
from assetbuild.compiler.documents import Bundle, Document, Standalone
from assetbuild.compiler.fingerprint import Fingerprint, fingerprint, release_path
from assetbuild.compiler.plan import Asset, Plan
from assetbuild.compiler.problems import Log
from assetbuild.compiler.release import Output, Session
from assetbuild.compiler.render import render
from assetbuild.compiler.sizes import Budget
from assetbuild.compiler.stable_reads import Signature, read_stable
from assetbuild.errors import BuildError, Problem

T = TypeVar("T")

_CHUNK = 8  # items per worker task; see Stager._run


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
        self.measured: dict[str, dict[str, int]] = {}  # budgeted logical path -> its sizes
        self.release_paths: dict[str, str] = {}
        self.outputs: dict[str, Output] = {}

    def stage(self, ordered: Sequence[str]) -> tuple[Output, ...]:
        """Every asset's output, by logical path; ``ordered`` is the dependency order. An asset
        that cannot be staged is reported to the log, and the others are staged all the same."""
        if self.progress is not None:
            self.progress.start("fingerprint", len(self.plan.assets))
        leaves = [asset for name, asset in self.plan.assets.items() if name not in self.documents]
        self._run(self._leaf, leaves)
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
            for result in results:
                if isinstance(result, BuildError):
                    self.log.report_all(result.problems)
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
        if chain.pure:
            # Joined and minified by assetbuild's own code: the same files read (signatures) and
            # the same release paths for its references give the same bundle.
            key = output_key(
                [bundle.asset.kind, list(chain.names)]
                + [[path, *signature_fields(signature)] for path, signature in bundle.reads]
                + [[d, self.release_paths.get(d)] for d in bundle.dependencies]
            )
            known = self._known(bundle.asset, None, key)
            if known is not None:
                return known
        output = self._finish(bundle.asset, render(bundle, self.release_paths, chain))
        if key is not None and all(trustworthy(s) for _, s in bundle.reads):
            self.cache.record_output(name, None, key, output.fingerprint)
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
