"""The reading phase: each stylesheet and script of the plan -> a document, references placed.

Owns: decoding, the webassets ``input`` step and (on the joined bundle) ``output`` step, finding
references (through ``scan``), resolving them (through ``references``), what a bundle does with
a leading ``@import`` (inlined in place when it is an unconditional local import, hoisted
otherwise), the use of the build cache's scans and filter results (or, with a cache_dir, of
``content_cache``'s; kept there only once reading ends with no file changed under it), the key a
filter's result is found by (with which source files an import can name), handing large scans
to worker processes (``workers`` decides when), and the report to the build's log of every
missing reference, every undecodable file, and every path of the build machine that a filter
wrote.
Must not: know fingerprints or write anything; it only describes what ``render`` will produce.

What webassets filters write is checked as the sources are: their output is scanned, and each
reference in it resolved. A reference that a filter wrote (it was not in the text the filter
was given) and that names a file of the build machine (a ``file:`` URL, an absolute path inside
a source directory, or a file that exists outside the release's URLs) is an error naming the
bundle and the filter; the path of a source directory anywhere else in a bundle's final text
(a comment a filter wrote) is a warning. A result that holds either is never cached, so that
the next build says so again.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from assetbuild.compiler import workers
from assetbuild.compiler.bundles import (
    FilterChain,
    Filtered,
    Scope,
    embeds,
    imported_stems,
    stems_of,
    tool_identity,
)
from assetbuild.compiler.cache import BuildCache, output_key
from assetbuild.compiler.compress import ALREADY_COMPRESSED
from assetbuild.compiler.config import MissingPolicy, SourceDir
from assetbuild.compiler.content_cache import ContentCache
from assetbuild.compiler.documents import Bundle, Document, Link, Piece, Standalone
from assetbuild.compiler.module_graph import ModuleGraph
from assetbuild.compiler.plan import SCRIPTS, STYLESHEETS, Asset, AssetKind, Plan
from assetbuild.compiler.problems import Log
from assetbuild.compiler.references import Resolution, Resolver
from assetbuild.compiler.render import joined
from assetbuild.compiler.scan import css, sourcemap
from assetbuild.compiler.scan.reference import Reference, Scan
from assetbuild.compiler.sources import Source, SourceTree
from assetbuild.compiler.stable_reads import Signature, read_stable
from assetbuild.compiler.text import decode_css, decode_script, decode_script_strictly
from assetbuild.errors import BuildError, Problem, Severity

_STRAY_CHARSET = re.compile(r'@charset\s*"[^"]*"\s*;', re.IGNORECASE)
_DRIVE = re.compile(r"[A-Za-z]:[\\/]")  # C:\ or C:/, a Windows path a filter may write
# What an import in a stylesheet cannot name: a script, or an image, font, archive or medium (the
# formats that carry their own compression); and the other way round for a script.
_NOT_IMPORTED = {
    "css": SCRIPTS | {f".{extension}" for extension in ALREADY_COMPRESSED},
    "js": STYLESHEETS | {f".{extension}" for extension in ALREADY_COMPRESSED},
}


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
    reader.finish()
    return documents


def read_reachable(
    reader: Reader, graph: ModuleGraph, entries: tuple[str, ...]
) -> tuple[dict[str, Document], frozenset[str]]:
    """The reading phase of a build with ``entries``: from the entry points outward, each
    reached stylesheet and script read, each reached module's imports read, and what they
    reference or import reached in turn. Returns the documents (in the plan's order) and the
    logical paths reached, which are what the release publishes.

    A file never reached is never opened: a vendored demo's broken reference, or a file that
    cannot be read, outside the reach of the entry points does not fail the build. Reached in
    waves, each in logical-path order, so problems come in the same order at every build.
    """
    plan = reader.plan
    reached = set(entries)
    modules = {name for name in entries if graph.is_module(name)}
    read: set[str] = set()
    visited: set[str] = set()  # the modules whose imports were read
    documents: dict[str, Document] = {}
    wave = sorted(reached)
    while wave:
        found: set[str] = set()
        for name in wave:
            asset = plan.assets[name]
            if name not in read:
                read.add(name)
                document = reader.read(asset) if asset.kind != "file" else None
                if document is not None:
                    documents[name] = document
                    found.update(document.dependencies)
            if name in modules and name not in visited:
                visited.add(name)
                imported = graph.visit(name)
                modules.update(imported)  # a file a module imports is a module too
                found.update(imported)
        new = found - reached
        reached |= new
        modules.update(name for name in new if graph.is_module(name))
        # A file reached before a module imported it is read again, as a module, next wave.
        wave = sorted(new | (modules - visited))
    reader.finish()
    return {name: documents[name] for name in plan.assets if name in documents}, frozenset(reached)


class Reader:
    """Reads one asset at a time into a document, reporting what is wrong to ``log``."""

    def __init__(
        self,
        tree: SourceTree,
        plan: Plan,
        resolver: Resolver,
        chains: Mapping[str, FilterChain],
        on_missing: MissingPolicy,
        log: Log,
        cache: BuildCache | None = None,
        sources: Sequence[SourceDir] = (),
        store: ContentCache | None = None,
    ):
        self.tree = tree
        self.cache = cache if cache is not None else BuildCache()
        # Where filter results are kept: the cache_dir when there is one, else the build cache.
        self.store = store
        self._pending: list[tuple[str, str, dict[str, str]]] = []  # results for the store
        self.plan = plan
        self.resolver = resolver
        self.chains = chains
        self.on_missing = on_missing
        self.log = log
        self._reads: list[tuple[str, Signature]] = []  # the files read for the current bundle
        # The source directories as a filter may write them: as configured and as resolved.
        self._roots = sorted(
            {os.path.abspath(s.path) for s in sources} | {os.path.realpath(s.path) for s in sources}
        )
        self._first_root = str(sources[0].path) if sources else ""
        # What the current bundle's filters wrote that names the build machine, and which
        # filter wrote it: references by URL, and source directories' paths (see the docstring).
        self._machine_urls: dict[str, tuple[str, str]] = {}  # URL -> (filter, why)
        self._machine_text: dict[str, str] = {}  # a source directory's path -> filter
        self._stamps: dict[str, str | None] = {}  # a scope of files -> the digest of their bytes
        self._stamped: dict[Path, Signature] = {}  # each file a stamp digested, as it was then
        self._identities: dict[str, str] = {}  # a program filters ran -> what it is
        self._read_signatures: dict[Path, Signature] = {}  # each bundle input, as it was read
        self._stem_indexes: dict[str, dict[str, list[tuple[str, Path]]]] = {}
        self._named_files: dict[str, tuple[str, frozenset[str]] | Scope] = {}

    def read(self, asset: Asset, scanned: Scanned | None = None) -> Document | None:
        """The asset's document; None when it has no reference to rewrite (it is copied as it
        is) or could not be read (a problem says why). ``scanned``: a worker process read and
        scanned the file already."""
        self._reads = []
        self._machine_urls, self._machine_text = {}, {}
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
        pieces = []
        raw_size = 0
        for source in asset.inputs:
            data = self._read(source)
            raw_size += len(data)
            text = decode_script_strictly(data, str(source.file)).text
            text = self._filter_input(asset, source, text)
            # An input's source map describes that file alone, not the joined, minified bundle.
            links = tuple(
                Link(ref, Resolution(), drop=True) for ref in sourcemap.sourcemap_references(text)
            )
            pieces.append(Piece(source.logical_path, text, links))
        bundle = Bundle(asset, tuple(pieces), raw_size=raw_size, reads=self._take_reads())
        return self._filter_output(bundle)

    def _css_bundle(self, asset: Asset) -> Bundle:
        pieces: list[Piece] = []
        hoisted: list[Piece] = []
        raw_size = 0
        for source in asset.inputs:
            raw_size += self._css_input(asset, source, pieces, hoisted, (source.logical_path,))
        bundle = Bundle(asset, tuple(pieces), tuple(hoisted), raw_size, self._take_reads())
        return self._filter_output(bundle)

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
        text = self._filter_input(asset, source, text)
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
            elif ref.url in self._machine_urls:
                links.append(self._machine_link(asset, ref, str(source.file)))
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
            if rule.reference.url in self._machine_urls:
                link = self._machine_link(asset, rule.reference, str(source.file))
            else:
                link = self._link(source, rule.reference)  # reported at its place in the source
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

    # -- webassets filters: run once per text, cached by content, their output checked ------------

    def _filter_input(self, asset: Asset, source: Source, text: str) -> str:
        """``text`` (an input of ``asset``) after its chain's input step: the cached result of an
        earlier run on the same text, or a new run's."""
        chain = self.chains[asset.logical_path]
        if chain.pure:
            return text  # no webassets filter: no input step
        given = os.path.relpath(source.file, self._first_root) if self._first_root else ""
        key = self._filter_key(chain, asset, ["input", source.logical_path, given], text)
        if key is not None:
            known = self._known_filtered(key)
            if known is not None:
                return known
        filtered = chain.input(text, str(source.file), asset.logical_path)
        # A filter may read the file itself (libsass compiles it by name): were it saved since it
        # was read here, the result would not be that of ``text`` (see ``finish``).
        self._stamped[source.file] = self._read_signatures[source.file]
        self._record(key, filtered, asset.kind, source.logical_path)
        return filtered.text

    def _filter_output(self, bundle: Bundle) -> Bundle:
        """A bundle with webassets filters, their output step run now (see ``documents.Bundle``);
        other bundles as they are, their filters left to rendering."""
        asset = bundle.asset
        name = asset.logical_path
        chain = self.chains[name]
        if chain.pure:
            return bundle
        # The references point at logical paths: the filters see the bundle's text as it will
        # be but for the fingerprints, which are not known yet.
        text = joined(bundle, {target: target for target in bundle.dependencies})
        key = self._filter_key(chain, asset, ["output"], text)
        known = self._known_filtered(key) if key is not None else None
        if known is None:
            filtered = chain.output(text, name)
            self._record(key, filtered, asset.kind, name)
            known = filtered.text
        # What the inputs' links kept as written (a miss, a path of the build machine) was
        # reported at its place in its source; it is kept again, and not reported twice.
        kept = {
            link.reference.url
            for piece in (*bundle.hoisted, *bundle.pieces)
            for link in piece.links
            if link.resolution.miss is not None and not link.drop
        }
        found = _references(known, asset.kind)
        links: list[Link] = []
        for ref in found:
            if ref.url in kept:
                links.append(Link(ref, Resolution()))
            elif ref.url in self._machine_urls:
                links.append(self._machine_link(asset, ref, name))
            else:
                links.append(self._output_link(name, ref))
        self._warn_machine_text(name, known)
        filtered_piece = Piece(name, known, tuple(links))
        return Bundle(
            asset, bundle.pieces, bundle.hoisted, bundle.raw_size, bundle.reads, filtered_piece
        )

    def _filter_key(
        self, chain: FilterChain, asset: Asset, names: list[str], text: str
    ) -> str | None:
        """What a filter result is found by: the chain, what it is given (the text's digest, the
        names webassets passes with it) and the digest of the files it may read; None when
        those cannot all be read. No signature and no absolute path: the same key holds in any
        checkout, on any machine."""
        scope = chain.scope(text)
        stamp = None
        if scope == "text":
            stamp, scope = self._named_stamp(text, asset.kind)
        if stamp is None:
            stamp = self._stamp(scope, asset.kind)
        if stamp is None:
            return None
        digest = hashlib.sha256(text.encode("utf-8", errors="surrogatepass")).hexdigest()
        return output_key([chain.identity, stamp, asset.logical_path, *names, digest])

    def _record(self, key: str | None, filtered: Filtered, kind: AssetKind, base: str) -> None:
        """Note what the filters wrote that names the build machine; cache the result unless
        they wrote any such thing (or it cannot be keyed)."""
        clean = self._note_machine(filtered, kind, base)
        if key is not None and clean:
            programs = {program: self._identify(program) for program in filtered.programs}
            if self.store is None:
                self.cache.record_filtered(key, filtered.text, programs)
            else:
                self._pending.append((key, filtered.text, programs))

    def _known_filtered(self, key: str) -> str | None:
        if self.store is None:
            return self.cache.filtered(key, self._identify)
        return self.store.filtered(key, self._identify)

    def _identify(self, program: str) -> str:
        identity = self._identities.get(program)
        if identity is None:
            identity = self._identities[program] = tool_identity(program)
        return identity

    def _stamp(self, scope: Scope, kind: AssetKind) -> str | None:
        """The digest of every source file a step may read (``scope``, for a bundle of ``kind``):
        "" for none; the text files of the source directories that an import in a stylesheet
        (or a script) can name; or all their files. Computed once per build per scope."""
        if scope == "none":
            return ""
        key = "all" if scope == "all" else kind
        if key in self._stamps:
            return self._stamps[key]
        excluded = frozenset() if scope == "all" else _NOT_IMPORTED.get(kind, frozenset())
        entries: list[list[str]] = []
        stamp: str | None = None
        for name, file in self._scope_files():
            if os.path.splitext(name.partition("\n")[0])[1].lower() in excluded:
                continue
            digest = self._digest(name, file)
            if digest is None:
                break  # a file that cannot be read: no key, the filters run (and say why)
            entries.append([name, digest])
        else:
            text = json.dumps(entries, ensure_ascii=True, separators=(",", ":"))
            stamp = hashlib.sha256(text.encode("ascii")).hexdigest()
        self._stamps[key] = stamp
        return stamp

    def _named_stamp(self, text: str, kind: AssetKind) -> tuple[str | None, Scope]:
        """The digest of the files a step of a compiler that reads only what its text names
        may read (``bundles.imported_stems``): each source text file whose stem an import of
        ``text`` names, and, in turn, those their imports name. So saving one input compiles
        that input again, and the inputs that import it by name, not every input that imports
        anything. When that cannot be known, no digest, and the scope to count in instead:
        every text file (an import whose name is made while compiling, an unreadable file), or
        every file (a file it imports embeds one: an image is no text file)."""
        wanted = imported_stems(text)
        if wanted is None:
            return None, "text"
        index = self._stem_index(kind)
        seen: set[str] = set()
        todo = set(wanted)
        entries: dict[str, str] = {}
        while todo:
            stem = todo.pop()
            seen.add(stem)
            for name, file in index.get(stem, ()):
                if name in entries:
                    continue
                read = self._named_file(name, file)
                if isinstance(read, str):
                    return None, read
                entries[name], more = read
                todo |= more - seen
        listed = json.dumps(sorted(entries.items()), ensure_ascii=True, separators=(",", ":"))
        return "named " + hashlib.sha256(listed.encode("ascii")).hexdigest(), "text"

    def _stem_index(self, kind: AssetKind) -> dict[str, list[tuple[str, Path]]]:
        """The files an import in a bundle of ``kind`` can name, by stem (once per build)."""
        index = self._stem_indexes.get(kind)
        if index is None:
            index = {}
            excluded = _NOT_IMPORTED.get(kind, frozenset())
            for name, file in self._scope_files():
                logical = name.partition("\n")[0]
                if os.path.splitext(logical)[1].lower() in excluded:
                    continue
                for stem in stems_of(logical):
                    index.setdefault(stem, []).append((name, file))
            self._stem_indexes[kind] = index
        return index

    def _named_file(self, name: str, file: Path) -> tuple[str, frozenset[str]] | Scope:
        """A file an import may name: its digest and the stems its own imports name (once per
        build); else the scope a step that imports it reads (see ``_named_stamp``)."""
        if name in self._named_files:
            return self._named_files[name]
        found: tuple[str, frozenset[str]] | Scope = "text"
        try:
            data, signature = read_stable(file)
        except BuildError:
            data = None
        if data is not None:
            self._stamped[file] = signature  # see ``finish``
            # Latin-1 never fails and keeps every ASCII byte, which is all an import name needs.
            text = data.decode("latin-1")
            stems = imported_stems(text)
            digest = hashlib.sha256(data).hexdigest()
            # Kept by signature, as ``_digest`` keeps it: a wider scope needs it too.
            self.cache.record_digest(name, signature, digest)
            if embeds(text):
                found = "all"
            elif stems is not None:
                found = (digest, stems)
        self._named_files[name] = found
        return found

    def _scope_files(self) -> Iterator[tuple[str, Path]]:
        """Every source file a filter could read, each under a name that says which it is: the
        published and the excluded files by logical path, and the files a directory earlier in
        the load path shadows (a compiler's relative import still reaches them)."""
        for name, source in sorted({**self.tree.excluded, **self.tree.files}.items()):
            yield name, source.file
        for index, shadowed in enumerate(self.tree.shadowed):
            yield f"{shadowed.logical_path}\n{index}", shadowed.hidden

    def _digest(self, name: str, file: Path) -> str | None:
        try:
            signature = Signature.of(file)
        except OSError:
            return None
        known = self.cache.digest(name, signature)
        if known is None:
            try:
                data, signature = read_stable(file)
            except BuildError:
                return None
            known = hashlib.sha256(data).hexdigest()
            self.cache.record_digest(name, signature, known)
        self._stamped[file] = signature
        return known

    def finish(self) -> None:
        """The end of reading: if a file a stamp digested (or a filter was given) has changed
        since, a filter may have read it changed, so the results this build made are not kept."""
        for file, signature in self._stamped.items():
            try:
                now = Signature.of(file)
            except OSError:
                now = None
            if now != signature:
                self.cache.forget_filtered()
                self._pending.clear()
                return
        if self.store is not None:
            for key, text, programs in self._pending:
                self.store.record_filtered(key, text, programs)
        self._pending.clear()

    def _note_machine(self, filtered: Filtered, kind: AssetKind, base: str) -> bool:
        """Note each reference to a file of the build machine, and each source directory's path,
        that a step wrote (it was not in what the step was given), with the filter that wrote
        it. ``base``: the logical path the references are read from. Whether there was none."""
        clean = True
        for step in filtered.steps:
            before = {ref.url for ref in _references(step.before, kind)}
            for ref in _references(step.after, kind):
                if ref.url in before or ref.url in self._machine_urls:
                    continue
                why = self._machine_path(ref.url, base)
                if why is not None:
                    self._machine_urls[ref.url] = (step.filter, why)
                    clean = False
            for root in self._roots:
                if root in step.after and root not in step.before:
                    self._machine_text.setdefault(root, step.filter)
                    clean = False
        return clean

    def _machine_path(self, url: str, base: str) -> str | None:
        """Why ``url`` names a file of the build machine rather than one of the release, or None."""
        url = url.strip()
        if url[:5].lower() == "file:":
            return "a file: URL"
        if _DRIVE.match(url):
            return "a Windows path"
        path = unquote(re.split(r"[?#]", url, maxsplit=1)[0])
        if not path.startswith("/") or path.startswith("//"):
            return None
        for root in self._roots:
            if path == root or path.startswith(root.rstrip("/") + "/"):
                return f"an absolute path inside the source directory {root}"
        if self.resolver.resolve(url, base).target is not None:
            return None  # a URL of the release that happens to be a path here too
        try:
            exists = os.path.isfile(path)
        except (OSError, ValueError):  # a NUL, a name too long
            exists = False
        return "an absolute path of a file on this machine" if exists else None

    def _machine_link(self, asset: Asset, ref: Reference, where: str) -> Link:
        """A reference a filter wrote that names a file of the build machine: an error naming
        the bundle and the filter; the reference is kept as written (the build fails anyway)."""
        written_by, why = self._machine_urls[ref.url]
        name = asset.logical_path
        self.log.report(
            Problem(
                f"webassets filter {written_by!r} of bundle {name} wrote {ref.url}, {why}: a "
                "release must not name a file of the build machine (it breaks wherever the "
                "release is served, and leaks the path); have the filter keep URLs as they are "
                "or relative (its rebase or root-path option, set in "
                f'bundles."{name}".filter_config), or remove it from the bundle\'s filters',
                where,
            )
        )
        return Link(ref, Resolution(miss=f"names {why} (written by filter {written_by!r})"))

    def _warn_machine_text(self, name: str, text: str) -> None:
        """A warning for each source directory's path that a filter wrote and that is still in
        the bundle's final text, outside the references reported as errors already."""
        for url in self._machine_urls:
            text = text.replace(url, "")
        for root, written_by in sorted(self._machine_text.items()):
            if root in text:
                self.log.report(
                    Problem(
                        f"bundle {name} contains {root}, the path of a source directory on this "
                        f"machine, which webassets filter {written_by!r} wrote (a comment, say): "
                        "it leaks the path and makes the bundle's bytes depend on where the "
                        "project is checked out; have the filter leave it out, or put a minifier "
                        "after it (rcssmin and rjsmin drop comments)",
                        name,
                        severity="warning",
                    )
                )

    def _output_link(self, name: str, ref: Reference) -> Link:
        """A reference in a bundle's filtered text, read from the bundle's own place."""
        resolution = self.resolver.resolve(ref.url, name)
        if resolution.miss is None:
            return Link(ref, resolution)
        written = "in what the bundle's webassets filters wrote"
        if ref.kind == "sourcemap":
            self.log.report(
                Problem(
                    f"sourceMappingURL={ref.url} {written} {resolution.miss}; the comment is "
                    "dropped",
                    name,
                    severity="warning",
                )
            )
            return Link(ref, resolution, drop=True)
        severity, kept = self._severity(name)
        self.log.report(
            Problem(f"{ref.url} {written} {resolution.miss}{kept}", name, None, None, severity)
        )
        return Link(ref, resolution)

    def _read(self, source: Source) -> bytes:
        data, signature = read_stable(source.file)
        self._reads.append((str(source.file), signature))
        self._read_signatures[source.file] = signature
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
        severity, kept = self._severity(source.logical_path)
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

    def _severity(self, referrer: str) -> tuple[Severity, str]:
        """What a miss in the file at logical path ``referrer`` is, and what its message adds."""
        if self.on_missing.for_file(referrer) == "error":
            return "error", ""
        return "warning", '; kept as written (on_missing = "warn")'


def _references(text: str, kind: AssetKind) -> list[Reference]:
    """The references of a stylesheet's or a script's text, as for a file of its kind."""
    return css.scan(text) if kind == "css" else sourcemap.sourcemap_references(text)


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
