"""``assetbuild report`` and ``build --report FILE``: one HTML page of what a release holds.

Owns: the report's data, read from a release (its manifest and files), the history beside it (or
the manifest given with ``--against``) and, when there is a config, the sources and ``[budgets]``:
each asset's sizes raw, minified, gzip and brotli (gzip and brotli from the release's variants
where they exist, else measured with ``compress``'s codecs; a format that carries its own
compression is served as it is), each bundle input's share measured on the input itself (after
the bundle's filters where those are assetbuild's own, rcssmin or rjsmin; else its raw bytes),
what each asset references (read from the release's CSS and scripts, and the manifest's module
imports) and what references it, the change against the previous build, every budget with how
close it is; and the page: the template, stylesheet and script beside this module, with the data
embedded as JSON that no file name can break out of, written through a temporary file and a
rename. The same release gives the same bytes: nothing of the time or the machine goes in.
Must not: build, or change the release (the report is written only where the user said, never
inside the release directory, which a server hands out).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import posixpath
import tempfile
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote

from assetbuild.compiler import compress
from assetbuild.compiler.budgets import measure
from assetbuild.compiler.bundles import filter_chain
from assetbuild.compiler.config import Config
from assetbuild.compiler.globs import compile_glob
from assetbuild.compiler.release import Release
from assetbuild.compiler.scan import css
from assetbuild.compiler.scan.sourcemap import sourcemap_references
from assetbuild.compiler.sources import SourceTree, collect
from assetbuild.errors import ConfigError, ReleaseError
from assetbuild.manifest import FILENAME, Entry, Manifest

# The filters whose result on one input says what that input weighs in the bundle: assetbuild's
# own, which read nothing but their text (``FilterChain.pure``). Any other chain (Sass, a
# compiler) may need the whole bundle, so an input is then measured by its raw bytes.
_PURE_FILTERS = frozenset({"rcssmin", "rjsmin"})

Measured = Literal["filtered", "raw"]
# Where a gzip or brotli size comes from: the release's variant file, the codec run here (the
# release has no variant: compress = [], or it saved under 5%), or the file itself (a format that
# carries its own compression is served as it is).
SizeOrigin = Literal["variant", "computed", "as is"]
ChangeKind = Literal["added", "removed", "grown", "shrunk", "changed"]


@dataclass(frozen=True)
class Sizes:
    raw: int  # before minifying: a bundle's inputs added up, else the file's size
    minified: int  # the file in the release
    gzip: int
    br: int


@dataclass(frozen=True)
class Part:
    """One input of a bundle, measured on its own."""

    logical_path: str
    sizes: Sizes
    measured: Measured  # "filtered": after the bundle's filters; "raw": its bytes as they are


@dataclass(frozen=True)
class Row:
    """One asset of the release."""

    logical_path: str
    release_path: str
    integrity: str
    sizes: Sizes
    origins: Mapping[str, SizeOrigin]  # "gzip", "br" -> where that size comes from
    encodings: tuple[str, ...]  # the variants the release holds
    sources: tuple[str, ...] | None  # a bundle's inputs, in order
    parts: tuple[Part, ...]  # the inputs measured (empty where they could not be)
    references: tuple[str, ...]  # logical paths it references or imports, sorted
    referenced_by: tuple[str, ...]


@dataclass(frozen=True)
class Change:
    logical_path: str
    kind: ChangeKind  # "changed": new bytes of the same size
    before: int | None
    after: int | None


@dataclass(frozen=True)
class BudgetLine:
    logical_path: str
    measure: str  # "size", "gzip" or "br"
    limit: int
    actual: int | None  # None: the release does not hold the asset


@dataclass(frozen=True)
class Report:
    url: str
    assets: tuple[Row, ...]
    compared: Literal["history", "against", "none"]
    changes: tuple[Change, ...]
    unchanged: int
    budgets: tuple[BudgetLine, ...] | None  # None: no config was read
    notes: tuple[str, ...]


def gather(
    manifest: Manifest,
    release: Path,
    *,
    previous: Manifest | None,
    compared: Literal["history", "against", "none"],
    config: Config | None = None,
) -> Report:
    """The report of the release in ``release`` that ``manifest`` describes. With ``config``,
    bundle inputs are measured from the sources and the budgets read; without, neither."""
    notes: list[str] = []
    tree = _sources(config) if config is not None else None
    if config is None and any(e.sources for e in manifest.assets.values()):
        notes.append(
            "the bundles' inputs are not measured: this report was made from a manifest alone "
            "(give --config to read the sources)"
        )
    by_release_path = {entry.path: name for name, entry in manifest.assets.items()}
    contents: dict[str, bytes | None] = {}
    references: dict[str, set[str]] = {}
    for name, entry in manifest.assets.items():
        data = _read(release / entry.path)
        contents[name] = data
        if data is None:
            notes.append(f"{name}: {entry.path} is missing from the release; run assetbuild verify")
            references[name] = set(entry.imports or ())
            continue
        found = _references(entry.path, data, manifest.url, by_release_path)
        references[name] = (found | set(entry.imports or ())) - {name}
    referenced_by: dict[str, set[str]] = {name: set() for name in manifest.assets}
    for name, targets in references.items():
        for target in targets:
            referenced_by.setdefault(target, set()).add(name)
    rows = []
    for name, entry in manifest.assets.items():
        parts = _parts(name, entry, config, tree, notes) if entry.sources else ()
        sizes, origins = _sizes(entry, release, contents[name], parts)
        rows.append(
            Row(
                logical_path=name,
                release_path=entry.path,
                integrity=entry.integrity,
                sizes=sizes,
                origins=origins,
                encodings=tuple(sorted(entry.encodings)),
                sources=entry.sources,
                parts=parts,
                references=tuple(sorted(references[name])),
                referenced_by=tuple(sorted(referenced_by[name])),
            )
        )
    changes, unchanged = _changes(previous, manifest)
    budgets = None if config is None else _budgets(config, manifest, contents)
    return Report(manifest.url, tuple(rows), compared, changes, unchanged, budgets, tuple(notes))


def report_release(
    release: Path,
    *,
    config: Config | None = None,
    state: Path | None = None,
    against: Path | None = None,
) -> Report:
    """The report of the release directory ``release``: its ``manifest.json`` (a ``ConfigError``
    if there is none: there is no release to report on), compared with ``against`` (a manifest
    file or release directory) or else the previous build in the history kept in ``state``."""
    from assetbuild.manifest import load

    path = release / FILENAME
    if not path.is_file():
        raise ConfigError(f"no release: {path} does not exist; run `assetbuild build` first")
    manifest = load(path)
    if against is not None:
        old_path = against / FILENAME if against.is_dir() else against
        if not old_path.is_file():
            raise ConfigError(f"{old_path} does not exist; name a manifest.json", key="--against")
        previous: Manifest | None = load(old_path)
        compared: Literal["history", "against", "none"] = "against"
    else:
        previous = Release(release, state).previous()
        compared = "history" if previous is not None else "none"
    return gather(manifest, release, previous=previous, compared=compared, config=config)


def to_data(report: Report) -> dict[str, Any]:
    """The report as the page's script reads it: JSON values only."""
    return asdict(report)


def render(report: Report) -> bytes:
    """The page: one self-contained HTML file, its data inline, nothing to fetch."""
    package = resources.files("assetbuild.compiler.commands")
    template = package.joinpath("report.html").read_text("utf-8")
    style = package.joinpath("report.css").read_text("utf-8")
    script = package.joinpath("report.js").read_text("utf-8")
    data = json.dumps(to_data(report), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    # File names are user input: inside <script type="application/json"> a "</script>" or
    # "<!--" would end or change the element, so "<", ">" and "&" are written as JSON escapes,
    # which JSON.parse reads back as the same characters. U+2028 and U+2029 likewise, for any
    # reader that takes the text as JavaScript.
    for char in "<>&\u2028\u2029":
        data = data.replace(char, f"\\u{ord(char):04x}")
    # The page's policy allows its own style and script by digest, and nothing else: no
    # request leaves it, and an element that a name did manage to create would run no handler.
    page = (
        template.replace("@@STYLE_HASH@@", _csp_hash(style))
        .replace("@@SCRIPT_HASH@@", _csp_hash(script))
        .replace("/*STYLE*/", style)
        .replace("/*SCRIPT*/", script)
    )
    return page.replace("@@DATA@@", data).encode("utf-8")


def _csp_hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


def check_target(target: Path, release: Path) -> None:
    """Refuse a report path inside the release directory (a server would hand it out), before
    anything is built."""
    where = Path(os.path.abspath(target))
    if where.is_relative_to(Path(os.path.abspath(release))) or where.is_relative_to(
        Path(os.path.realpath(release))
    ):
        raise ConfigError(
            f"{target} is inside the release directory {release}, which is served as it is; "
            "write the report elsewhere",
            key="--report",
        )


def write_report(target: Path, page: bytes) -> Path:
    """Write ``page`` to ``target``, replacing it atomically (a temporary file, then a rename).
    Its directory is made if need be: ``build/report.html`` beside a release in ``build/static``
    is named before the first build makes ``build/``."""
    target = Path(os.path.abspath(target))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=".html", dir=target.parent)
    except OSError as exc:
        raise ReleaseError(f"{target}: cannot write the report: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(page)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(exc, OSError):
            raise ReleaseError(
                f"{target}: cannot write the report: {exc.strerror or exc}"
            ) from None
        raise
    return target


# -- the pieces -------------------------------------------------------------------------------


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _sources(config: Config) -> SourceTree:
    return collect(config.sources, map(compile_glob, config.exclude), config.written)


def _references(
    release_path: str, data: bytes, url: str, by_release_path: Mapping[str, str]
) -> set[str]:
    """The assets a stylesheet's URLs or a script's source map comment name, read from the
    release's own bytes: their URLs are the release paths the build wrote there."""
    extension = release_path.rpartition(".")[2].lower()
    if extension not in ("css", "js", "mjs", "cjs"):
        return set()
    text = data.decode("utf-8", "replace")
    found = css.scan(text) if extension == "css" else sourcemap_references(text)
    names: set[str] = set()
    for reference in found:
        target = _release_path_of(reference.url, release_path, url)
        if target is not None and target in by_release_path:
            names.add(by_release_path[target])
    return names


def _release_path_of(written: str, referrer: str, url: str) -> str | None:
    """The release path a URL in the release file ``referrer`` names; None if it names none."""
    written = written.split("#", 1)[0].split("?", 1)[0]
    if not written or ":" in written.split("/", 1)[0] or written.startswith("//"):
        return None  # empty, fragment-only, a scheme (data:, https:) or another host
    path = unquote(written)
    if path.startswith("/"):
        prefix = url if url.startswith("/") else None
        if prefix is None or not path.startswith(prefix):
            return None
        return posixpath.normpath(path[len(prefix) :])
    return posixpath.normpath(posixpath.join(posixpath.dirname(referrer), path))


def _parts(
    name: str,
    entry: Entry,
    config: Config | None,
    tree: SourceTree | None,
    notes: list[str],
) -> tuple[Part, ...]:
    """Each input of a bundle, measured; none if the sources are not at hand."""
    if config is None or tree is None or not entry.sources:
        return ()
    spec = next((b for b in config.bundles if b.name == name), None)
    chain = None
    if spec is not None and set(spec.filters) <= _PURE_FILTERS:
        chain = filter_chain(
            spec.filters,
            bundle=name,
            config_file=str(config.file),
            source_dir=str(config.sources[0].path),
        )
    parts = []
    for logical in entry.sources:
        source = tree.get(logical) or tree.excluded.get(logical)
        data = _read(source.file) if source is not None else None
        if data is None:
            notes.append(
                f"{name}: its input {logical} is no longer among the sources; its inputs are "
                "not measured"
            )
            return ()
        measured: Measured = "raw"
        final = data
        if chain is not None:
            # Each input on its own through the bundle's filters: what it adds to the bundle,
            # short of the joins and of its references rewritten to release paths.
            final = chain.output(data.decode("utf-8", "surrogateescape"), name).text.encode(
                "utf-8", "surrogateescape"
            )
            measured = "filtered"
        sizes = Sizes(
            raw=len(data),
            minified=len(final),
            gzip=len(compress.gzip_bytes(final)),
            br=len(compress.brotli_bytes(final)),
        )
        parts.append(Part(logical, sizes, measured))
    return tuple(parts)


def _sizes(
    entry: Entry, release: Path, data: bytes | None, parts: tuple[Part, ...]
) -> tuple[Sizes, dict[str, SizeOrigin]]:
    origins: dict[str, SizeOrigin] = {}
    encoded: dict[str, int] = {}
    for encoding in ("gzip", "br"):
        variant = entry.encodings.get(encoding)
        size = _size_of(release / variant) if variant is not None else None
        if size is not None:
            encoded[encoding], origins[encoding] = size, "variant"
        elif data is None or not compress.worth_compressing(entry.path):
            encoded[encoding], origins[encoding] = entry.size, "as is"
        else:
            encoded[encoding] = len(compress.CODECS[encoding](data))
            origins[encoding] = "computed"
    raw = sum(p.sizes.raw for p in parts) if parts else entry.size
    return Sizes(raw, entry.size, encoded["gzip"], encoded["br"]), origins


def _size_of(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None


def _changes(previous: Manifest | None, current: Manifest) -> tuple[tuple[Change, ...], int]:
    if previous is None:
        return (), 0
    changes: list[Change] = []
    unchanged = 0
    for name in sorted({*previous.assets, *current.assets}):
        before, after = previous.assets.get(name), current.assets.get(name)
        if before is None and after is not None:
            changes.append(Change(name, "added", None, after.size))
        elif after is None and before is not None:
            changes.append(Change(name, "removed", before.size, None))
        elif before is not None and after is not None:
            if before.path == after.path:
                unchanged += 1
                continue
            kind: ChangeKind = (
                "grown"
                if after.size > before.size
                else "shrunk"
                if after.size < before.size
                else "changed"
            )
            changes.append(Change(name, kind, before.size, after.size))
    return tuple(changes), unchanged


def _budgets(
    config: Config, manifest: Manifest, contents: Mapping[str, bytes | None]
) -> tuple[BudgetLine, ...]:
    """Every limit of ``[budgets]``, measured as the build measures it (``budgets.measure``)."""
    lines: list[BudgetLine] = []
    for name, budget in sorted(config.budgets.items()):
        data = contents.get(manifest.aliases.get(name, name))
        actual = measure(data, budget) if data is not None else {}
        for measure_name, limit in budget.limits().items():
            lines.append(BudgetLine(name, measure_name, limit, actual.get(measure_name)))
    return tuple(lines)
