"""The reading phase: each stylesheet and script of the plan -> a document, references placed.

Owns: decoding, the webassets ``input`` step, finding references (through ``scan``), resolving
them (through ``references``), what a bundle does with a leading ``@import`` (inlined in place
when it is an unconditional local import, hoisted otherwise), the use of the build cache's scans,
handing large scans to worker processes (``workers`` decides when), and the report of every
missing reference and undecodable file to the build's log.
Must not: know fingerprints or write anything; it only describes what ``render`` will produce.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from assetbuild.compiler import workers
from assetbuild.compiler.bundles import FilterChain
from assetbuild.compiler.cache import BuildCache
from assetbuild.compiler.config import OnMissing
from assetbuild.compiler.documents import Bundle, Document, Link, Piece, Standalone
from assetbuild.compiler.plan import Asset, AssetKind, Plan
from assetbuild.compiler.problems import Log
from assetbuild.compiler.references import Resolution, Resolver
from assetbuild.compiler.scan import css, sourcemap
from assetbuild.compiler.scan.reference import Reference, Scan
from assetbuild.compiler.sources import Source, SourceTree
from assetbuild.compiler.stable_reads import Signature, read_stable
from assetbuild.compiler.text import decode_css, decode_script, decode_script_strictly
from assetbuild.errors import BuildError, Problem, Severity

_STRAY_CHARSET = re.compile(r'@charset\s*"[^"]*"\s*;', re.IGNORECASE)


def scan_file(kind: AssetKind, file: Path) -> tuple[Signature, Scan]:
    """Read a stylesheet or script published on its own and find its references. A plain
    function of picklable values, so that worker processes can run it."""
    data, signature = read_stable(file)
    if kind == "css":
        decoded = decode_css(data, str(file))
        references = css.scan(decoded.text)
    else:
        if b"sourceMappingURL" not in data:  # most scripts: no decoding, no scanning
            return signature, Scan(())
        decoded = decode_script(data)
        references = sourcemap.sourcemap_references(decoded.text)
    return signature, Scan(tuple(references), decoded.encoding, decoded.bom)


@dataclass(frozen=True)
class ScanFailure:
    """What a worker process hands back for a file it could not read or decode: it cannot
    report to the build's log, so its problems come back as a value."""

    problems: tuple[Problem, ...]


Scanned = tuple[Signature, Scan] | ScanFailure


def scanned_or_problems(kind: AssetKind, file: Path) -> Scanned:
    """``scan_file`` in a worker process."""
    try:
        return scan_file(kind, file)
    except BuildError as failure:
        return ScanFailure(failure.problems)


def read_documents(reader: Reader, jobs: int) -> dict[str, Document]:
    """The reading phase: every stylesheet and script of the plan, in the plan's order (so its
    problems are too), each one's document. With ``jobs`` above 1, the files published on their
    own are scanned ahead by worker processes when there are enough bytes of them to pay."""
    readable = [asset for asset in reader.plan.assets.values() if asset.kind != "file"]
    todo: list[Asset] = []
    size = 0
    if workers.can_fork(jobs):  # else not even a stat per file to find out
        for asset in readable:
            unscanned = reader.unscanned(asset)
            if unscanned is not None:
                todo.append(asset)
                size += unscanned
    documents: dict[str, Document] = {}
    with workers.scanning_processes(jobs, size) as processes:
        ahead: Iterator[Scanned] = iter(())
        pending: set[str] = set()
        if processes is not None:
            kinds = [asset.kind for asset in todo]
            files = [asset.inputs[0].file for asset in todo]
            ahead = processes.map(scanned_or_problems, kinds, files, chunksize=16)
            pending = {asset.logical_path for asset in todo}
        for asset in readable:
            # Bundles are read here while the workers scan ahead; their results come in the
            # order of ``todo``, which follows this one.
            scanned = next(ahead) if asset.logical_path in pending else None
            document = reader.read(asset, scanned)
            if document is not None:
                documents[asset.logical_path] = document
    return documents


class Reader:
    """Reads one asset at a time into a document, reporting what is wrong to ``log``."""

    def __init__(
        self,
        tree: SourceTree,
        plan: Plan,
        resolver: Resolver,
        chains: Mapping[str, FilterChain],
        on_missing: OnMissing,
        log: Log,
        cache: BuildCache | None = None,
    ):
        self.tree = tree
        self.cache = cache if cache is not None else BuildCache()
        self.plan = plan
        self.resolver = resolver
        self.chains = chains
        self.on_missing = on_missing
        self.log = log
        self._reads: list[tuple[str, Signature]] = []  # the files read for the current bundle

    def read(self, asset: Asset, scanned: Scanned | None = None) -> Document | None:
        """The asset's document; None when it has no reference to rewrite (it is copied as it
        is) or could not be read (a problem says why). ``scanned``: a worker process read and
        scanned the file already."""
        self._reads = []
        with self.log.catching():
            if asset.bundle is None:
                return self._standalone(asset, scanned)
            if asset.kind == "css":
                return self._css_bundle(asset)
            return self._js_bundle(asset)
        return None

    # -- files published on their own: their bytes stay, except the references --------------

    def _standalone(self, asset: Asset, scanned: Scanned | None) -> Standalone | None:
        source = asset.inputs[0]
        if scanned is not None:  # read and scanned already, by a worker process
            if isinstance(scanned, ScanFailure):
                raise BuildError(scanned.problems)
            signature, scan = scanned
            self.cache.record_scan(asset.logical_path, signature, scan)
        else:
            known_signature, known = self._known_scan(asset)
            if known is None or known_signature is None:
                signature, scan = scan_file(asset.kind, source.file)
                self.cache.record_scan(asset.logical_path, signature, scan)
            else:
                signature, scan = known_signature, known
        if not scan.references:
            return None
        links = tuple(self._link(source, ref) for ref in scan.references)
        return Standalone(asset, links, scan.codec, scan.bom, signature)

    def _known_scan(self, asset: Asset) -> tuple[Signature | None, Scan | None]:
        if not self.cache.knows(asset.logical_path):
            return None, None
        try:
            signature = Signature.of(asset.inputs[0].file)
        except OSError:
            return None, None  # reading it says why
        return signature, self.cache.scan(asset.logical_path, signature)

    def unscanned(self, asset: Asset) -> int | None:
        """The size of a file published on its own that reading it would scan (the cache does
        not know it), or None: such files may be scanned ahead by worker processes."""
        if asset.bundle is not None or asset.kind == "file":
            return None
        signature, scan = self._known_scan(asset)
        if scan is not None:
            return None
        if signature is None:
            try:
                signature = Signature.of(asset.inputs[0].file)
            except OSError:
                return None  # reading it says why
        return signature.size

    # -- bundles ------------------------------------------------------------------------------

    def _js_bundle(self, asset: Asset) -> Bundle:
        chain = self.chains[asset.logical_path]
        pieces = []
        raw_size = 0
        for source in asset.inputs:
            data = self._read(source)
            raw_size += len(data)
            text = decode_script_strictly(data, str(source.file)).text
            text = chain.input(text, str(source.file), asset.logical_path)
            # An input's source map describes that file alone, not the joined, minified bundle.
            links = tuple(
                Link(ref, Resolution(), drop=True) for ref in sourcemap.sourcemap_references(text)
            )
            pieces.append(Piece(source.logical_path, text, links))
        return Bundle(asset, tuple(pieces), raw_size=raw_size, reads=self._take_reads())

    def _css_bundle(self, asset: Asset) -> Bundle:
        pieces: list[Piece] = []
        hoisted: list[Piece] = []
        raw_size = 0
        for source in asset.inputs:
            raw_size += self._css_input(asset, source, pieces, hoisted, (source.logical_path,))
        return Bundle(asset, tuple(pieces), tuple(hoisted), raw_size, self._take_reads())

    def _css_input(
        self,
        asset: Asset,
        source: Source,
        pieces: list[Piece],
        hoisted: list[Piece],
        chain: tuple[str, ...],
    ) -> int:
        """Add ``source``'s pieces (and those of what it imports); returns its size in bytes."""
        data = self._read(source)
        text = decode_css(data, str(source.file)).text
        text = self.chains[asset.logical_path].input(text, str(source.file), asset.logical_path)
        prelude = css.prelude(text)
        cut = [(0, prelude.charset_end)]
        for rule in prelude.imports:
            cut.append((rule.start, rule.end))
            self._import(asset, source, text, rule, pieces, hoisted, chain)
        links = []
        for ref in css.scan(text):
            if ref.start < prelude.body_start:
                if ref.kind == "sourcemap":
                    cut.append((ref.token_start, ref.token_end))
                continue  # the @import rules, handled above
            if ref.kind == "sourcemap":
                links.append(Link(ref, Resolution(), drop=True))
            else:
                links.append(self._link(source, ref))
        # A second @charset is ignored by browsers; in a bundle it would no longer be first.
        head = _STRAY_CHARSET.sub("", _without(text[: prelude.body_start], cut))
        pieces.append(Piece(source.logical_path, text, tuple(links), head, prelude.body_start))
        return len(data)

    def _import(
        self,
        asset: Asset,
        source: Source,
        text: str,
        rule: css.ImportRule,
        pieces: list[Piece],
        hoisted: list[Piece],
        chain: tuple[str, ...],
    ) -> None:
        target = self.resolver.resolve(rule.reference.url, source.logical_path).target
        asset_imported = self.plan.assets.get(target) if target is not None else None
        # Only an unconditional import of a plain local stylesheet is inlined.
        imported = (
            asset_imported.inputs[0]
            if asset_imported is not None
            and asset_imported.bundle is None
            and asset_imported.kind == "css"
            and not rule.condition
            else None
        )
        if imported is None:
            # Conditional (media, supports, layer), remote, or a bundle: keep the rule, at the top.
            rule_text = text[rule.start : rule.end]
            link = self._link(source, rule.reference)  # reported at its place in the source file
            # The same reference, at its offset in the rule's text (a comment may precede it).
            local = next(r for r in css.scan(rule_text) if r.kind != "sourcemap")
            links = (Link(local, link.resolution, link.drop),)
            hoisted.append(Piece(source.logical_path, rule_text, links))
            return
        if imported.logical_path in chain:
            cycle = " -> ".join((*chain, imported.logical_path))
            self.log.report(
                Problem(
                    f"@import cycle: {cycle}",
                    str(source.file),
                    rule.reference.line,
                    rule.reference.column,
                )
            )
            return
        self._css_input(asset, imported, pieces, hoisted, (*chain, imported.logical_path))

    def _read(self, source: Source) -> bytes:
        data, signature = read_stable(source.file)
        self._reads.append((str(source.file), signature))
        return data

    def _take_reads(self) -> tuple[tuple[str, Signature], ...]:
        reads, self._reads = tuple(self._reads), []
        return reads

    # -- references -----------------------------------------------------------------------------

    def _link(self, source: Source, ref: Reference) -> Link:
        resolution = self.resolver.resolve(ref.url, source.logical_path)
        if resolution.miss is None:
            return Link(ref, resolution)
        if ref.kind == "sourcemap":
            self.log.report(
                Problem(
                    f"sourceMappingURL={ref.url} {resolution.miss}; the comment is dropped",
                    str(source.file),
                    ref.line,
                    ref.column,
                    severity="warning",
                )
            )
            return Link(ref, resolution, drop=True)
        severity: Severity = "error" if self.on_missing == "error" else "warning"
        kept = "" if severity == "error" else '; kept as written (on_missing = "warn")'
        self.log.report(
            Problem(
                f"{ref.url} {resolution.miss}{kept}",
                str(source.file),
                ref.line,
                ref.column,
                severity,
            )
        )
        return Link(ref, resolution)


def _without(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with the ``spans`` (which may overlap or lie beyond it) cut out."""
    kept: list[str] = []
    position = 0
    for start, end in sorted(spans):
        if start > position:
            kept.append(text[position:start])
        position = max(position, end)
    kept.append(text[position:])
    return "".join(kept)
