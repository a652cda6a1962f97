"""The real-world conformance corpus: 14 pinned npm packages, laid out for a build; and beside
it the module corpus: ES-module packages whose modules import each other.

    python scripts/corpus.py OUT_DIR [--copies N]
    python scripts/corpus.py OUT_DIR --modules [--config FILE]

Owns: the package list (npm spec, sha256 of the tarball, which parts of the package are kept), the
tarball cache (``$ASSETBUILD_CORPUS_CACHE``, default ``~/.cache/assetbuild/corpus-npm``), laying
the kept parts out in ``OUT_DIR/<package>/`` (or ``OUT_DIR/copy-NNN/<package>/`` with
``--copies N``, for the benchmark), and the ``assetbuild.toml`` that builds it: one CSS and one JS
bundle per package, as the webassets figures in the project's notes were measured. Likewise the
module corpus (``MODULE_PACKAGES``: chart.js with ``@kurkle/color``, three with addons from
``examples/jsm``, ``bootstrap.esm.js`` with ``@popperjs/core``, preact's module builds) and its
config: ``modules`` globs for every module and an ``[importmap]`` for every bare specifier.

The list, its checksums and the selection rules are those of the shared ``corpus/fetch.sh``, copied
here because the project must not need anything outside its own tree.

Must not: import assetbuild (the corpus is the build's input, not its product), run anything a
package ships (``npm pack`` only downloads; ``--ignore-scripts`` makes sure), trust a tarball that
does not match its checksum, let a member of one escape the extraction directory, or leave half a
corpus behind: it is built in a temporary directory beside ``OUT_DIR`` and renamed into place,
with a stamp file that names the exact spec it was built from.

Importing this module has no side effects: tests call ``ensure_corpus`` and ``write_config``
(``ensure_module_corpus`` and ``write_module_config`` for the module corpus).
"""

from __future__ import annotations

import argparse
import collections
import fnmatch
import glob
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import NamedTuple

__all__ = [
    "BUNDLES",
    "BUNDLE_DIR",
    "CORPUS_MODULES",
    "IMPORTMAP",
    "MODULE_GLOBS",
    "MODULE_PACKAGES",
    "PACKAGES",
    "STAMP",
    "Bundles",
    "CorpusError",
    "FetchError",
    "Package",
    "Take",
    "bundles",
    "cache_dir",
    "ensure_corpus",
    "ensure_module_corpus",
    "fetch_tarball",
    "main",
    "module_globs",
    "module_stamp",
    "stamp",
    "stats",
    "tarball_name",
    "write_config",
    "write_module_config",
]

STAMP = ".corpus-stamp"  # a dotfile, so a build of the corpus never publishes it
LAYOUT_VERSION = 1  # bump when the code that lays packages out changes what it produces
COPY_FORMAT = "copy-{:03d}"


class CorpusError(Exception):
    """The corpus cannot be built: a checksum differs, a rule matched nothing, npm failed."""


class FetchError(CorpusError):
    """npm could not fetch a package: not installed, offline, or the registry failed. (A tarball
    that arrives but does not match its checksum is a plain ``CorpusError``: never skippable.)"""


class Take(NamedTuple):
    """Copy what ``patterns`` match in ``root`` (both relative to the unpacked package) into the
    package's corpus directory, keeping each match's path relative to ``root``. A pattern is a
    shell glob that, like the shell's, never matches a dotfile; a matched directory comes whole."""

    root: str
    patterns: tuple[str, ...]


class Package(NamedTuple):
    """One pinned npm package and the parts of it the corpus keeps.

    (A named tuple rather than a dataclass: a dataclass cannot be created while this file is
    imported by path without being registered in ``sys.modules``.)
    """

    name: str  # the directory in the corpus
    spec: str  # what ``npm pack`` is given
    sha256: str  # of the tarball
    take: tuple[Take, ...]
    drop: tuple[str, ...] = ()  # file-name globs removed anywhere after taking (like find -name)


# File names no package keeps: documentation and npm's own metadata are not assets.
DROPPED_EVERYWHERE = ("*.md", "package.json")

PACKAGES: tuple[Package, ...] = (
    Package(
        "bootstrap",
        "bootstrap@5.3.3",
        "38cee936dbd80138de6775683149f22e9226fc2d654392337a921f53000c789e",
        (Take("dist", ("css", "js")),),
    ),
    Package(
        "jquery",
        "jquery@3.7.1",
        "68a9f787516da47c680e09c187bcbac4536b6f85d90eb882844e12919e583f53",
        (Take("dist", ("*",)),),
    ),
    Package(
        "lodash",
        "lodash@4.17.21",
        "6a087ac9e5702a0c9d60fbcd48696012646ec8df1491dea472b150e79fcaf804",
        # 632 CommonJS modules and lodash(.min).js; fp.js requires fp/, which is not taken.
        (Take("", ("*.js",)),),
        drop=("fp.js",),
    ),
    Package(
        "font-awesome",
        "font-awesome@4.7.0",
        "92042b715919e17499ded134884b0318fd88041efac9b0f3204069df52222a61",
        (Take("", ("css", "fonts")),),
    ),
    Package(
        "fontawesome-free",
        "@fortawesome/fontawesome-free@6.5.2",
        "1622d514686c299db3ffe9405c4f124778ce812658f66282d4524247e66fff9c",
        (Take("", ("css", "js", "webfonts", "sprites")),),  # svgs/ (2045 icons) left out
    ),
    Package(
        "d3",
        "d3@7.9.0",
        "7e36605710a2ba54846797c8c6d888911341b215ae53257dc32a49a0b824355e",
        (Take("dist", ("*",)),),
    ),
    Package(
        "chart.js",
        "chart.js@4.4.3",
        "412a272252a72eace5bbe65dd31f0332a317d8bf879880b8535c2633b45b6546",
        (Take("dist", ("*.js", "*.cjs", "*.map", "chunks")),),
        drop=("*.d.ts",),
    ),
    Package(
        "leaflet",
        "leaflet@1.9.4",
        "84c65a256e50657896f54c33bd857b6849ebe94c817803be818bf32a3dde0b77",
        (Take("dist", ("*",)),),
    ),
    Package(
        "three",
        "three@0.164.1",
        "3798b9631ab02167095f0be742981da98a8d6f2cde1f1bb9b27ad44fe2e58771",
        (Take("build", ("three.module.js", "three.module.min.js", "three.cjs")),),
    ),
    Package(
        "bulma",
        "bulma@1.0.1",
        "4fdbca06a925956567c6dce2e4a27a9125e7b3802d6b30d7dbce488e915fc466",
        (Take("", ("css",)),),
    ),
    Package(
        "normalize.css",
        "normalize.css@8.0.1",
        "5cc172e0d5d062bc2a1a4bf85443e2eb260d3720e16527a0c1ac03b642f1de39",
        (Take("", ("normalize.css",)),),
    ),
    Package(
        "animate.css",
        "animate.css@4.1.1",
        "c51565d3706f687a14b5d919a9743a2feb45d7b7915823d67e6a3ab30759fa75",
        (Take("", ("animate.css", "animate.min.css", "animate.compat.css")),),
    ),
    Package(
        "katex",
        "katex@0.16.10",
        "310e8fca9c87f79ade90dc63f2d18ad9a8c9c1f221a7cd5ba55d4b66fd05cf95",
        (Take("dist", ("katex.css", "katex.min.css", "fonts")),),
    ),
    Package(
        "jquery-ui",
        "jquery-ui@1.13.3",
        "8323e5d570f94a3441e300741d1b55c6fcd83cf4cf9194f05cb41e5fe6923c2d",
        (Take("dist", ("jquery-ui.js", "jquery-ui.min.js")), Take("", ("themes/base",))),
    ),
)


class Bundles(NamedTuple):
    """A package's bundle inputs, relative to its corpus directory; empty for no bundle."""

    css: tuple[str, ...] = ()
    js: tuple[str, ...] = ()


# One CSS and one JS bundle per package, where the package ships something a page would load
# with <link> or a classic <script>. Not bundled: ES modules (bootstrap.esm.js, chart.js's
# chart.js, leaflet-src.esm.js, three.module.js), which a classic bundle cannot hold; lodash's
# per-function CommonJS modules; minified copies of what is bundled. three ships no browser
# script since r160, so its bundle is the CommonJS build: valid script syntax, which is what a
# bundler is asked to keep. jquery-ui's themes/base/all.css only @imports base.css and
# theme.css, and base.css only @imports the widgets: a bundle of all.css is one of nested
# @import inlining.
BUNDLES: dict[str, Bundles] = {
    "animate.css": Bundles(css=("animate.css",)),
    "bootstrap": Bundles(css=("css/bootstrap.css",), js=("js/bootstrap.bundle.js",)),
    "bulma": Bundles(css=("css/bulma.css",)),
    "chart.js": Bundles(js=("chart.umd.js",)),
    "d3": Bundles(js=("d3.js",)),
    "font-awesome": Bundles(css=("css/font-awesome.css",)),
    "fontawesome-free": Bundles(css=("css/all.css",), js=("js/all.js",)),
    "jquery": Bundles(js=("jquery.js",)),
    "jquery-ui": Bundles(css=("themes/base/all.css",), js=("jquery-ui.js",)),
    "katex": Bundles(css=("katex.css",)),
    "leaflet": Bundles(css=("leaflet.css",), js=("leaflet-src.js",)),
    "lodash": Bundles(js=("lodash.js",)),
    "normalize.css": Bundles(css=("normalize.css",)),
    "three": Bundles(js=("three.cjs",)),
}
BUNDLE_DIR = "bundles"  # bundles/<package>.css and bundles/<package>.js; no package has bundles/

# The ES modules the corpus ships, by package, relative to its corpus directory: what a user
# would declare as ``modules`` to publish them with an import map (the benchmark builds the
# corpus once with them declared, to show what reading them costs). bootstrap.esm.js imports
# "@popperjs/core" and chart.js's chunk "@kurkle/color", which the corpus does not have: a build
# with them declared needs ``on_missing = "warn"`` (the module corpus below has both).
CORPUS_MODULES: dict[str, tuple[str, ...]] = {
    "bootstrap": ("js/bootstrap.esm.js", "js/bootstrap.esm.min.js"),
    "chart.js": ("chart.js", "helpers.js", "chunks/helpers.segment.js"),
    "leaflet": ("leaflet-src.esm.js",),
    "three": ("three.module.js", "three.module.min.js"),
}


# --- The module corpus -------------------------------------------------------------------------
#
# Real ES-module packages whose modules import each other, relatively and through bare
# specifiers, laid out by ``ensure_module_corpus`` in a corpus of their own (the corpus above and
# its bundles stay as they are) and built with ``modules`` globs and an ``[importmap]`` by the
# config of ``write_module_config``. chart.js, three and bootstrap are the tarballs pinned above,
# taken for their modules only.


def _pinned(name: str) -> Package:
    """The package of ``PACKAGES`` called ``name``: its spec and checksum are pinned once."""
    return next(p for p in PACKAGES if p.name == name)


MODULE_PACKAGES: tuple[Package, ...] = (
    # dist/chart.js imports ./chunks/helpers.segment.js, which imports "@kurkle/color".
    _pinned("chart.js")._replace(
        take=(
            Take(
                "dist",
                (
                    "chart.js",
                    "chart.js.map",
                    "helpers.js",
                    "helpers.js.map",
                    "chunks/helpers.segment.js",
                    "chunks/helpers.segment.js.map",
                ),
            ),
        ),
        drop=(),
    ),
    Package(
        "kurkle-color",
        "@kurkle/color@0.3.2",
        "af9eaac0ecbb472fe2093d2a4525629f96541f4e6422c031d9c86d4dc8fc7511",
        (Take("dist", ("color.esm.js",)),),
    ),
    # Addons of examples/jsm import "three" (the package's "three/addons/" export maps there),
    # and GLTFLoader also ../utils/BufferGeometryUtils.js: these three files and everything they
    # import relatively.
    _pinned("three")._replace(
        take=(
            Take("build", ("three.module.js",)),
            Take(
                "examples",
                (
                    "jsm/controls/OrbitControls.js",
                    "jsm/loaders/GLTFLoader.js",
                    "jsm/utils/BufferGeometryUtils.js",
                ),
            ),
        ),
    ),
    # bootstrap.esm.js imports "@popperjs/core" (a peer dependency); popper's ES build is 61
    # modules that import each other with export * and export {...} from.
    _pinned("bootstrap")._replace(
        take=(Take("dist", ("js/bootstrap.esm.js", "js/bootstrap.esm.js.map")),),
    ),
    Package(
        "popperjs-core",
        "@popperjs/core@2.11.8",
        "8e09bdfa912035668e62cea61321bce27cbd011b85672055db25d271bd63af49",
        (Take("dist", ("esm",)),),
    ),
    # Minified module builds that import "preact", "preact/hooks" and "preact/devtools"; each
    # also ships as an identical .mjs, which is a module without being declared. Not taken:
    # preact.min.module.js (despite its name a script that sets module.exports or self.preact),
    # and compat's top-level .mjs files, which import packages outside the corpus.
    Package(
        "preact",
        "preact@10.22.0",
        "0e4ff39b2a63f38a860205485efecfd4025d52d51cc139b8f70f9fa3abe15479",
        (
            Take(
                "",
                (
                    "dist/preact.module.js",
                    "dist/preact.module.js.map",
                    "dist/preact.mjs",
                    "*/dist/*.module.js",
                    "*/dist/*.module.js.map",
                    "*/dist/*.mjs",
                ),
            ),
        ),
    ),
)

# The ``modules`` globs of each package, relative to its corpus directory: every ES module taken
# (an .mjs is one anyway). Not one is left to be found only because another module imports it.
MODULE_GLOBS: dict[str, tuple[str, ...]] = {
    "bootstrap": ("js/bootstrap.esm.js",),
    "chart.js": ("chart.js", "helpers.js", "chunks/*.js"),
    "kurkle-color": ("color.esm.js",),
    "popperjs-core": ("esm/**/*.js",),
    "preact": ("**/*.module.js",),
    "three": ("three.module.js", "jsm/**/*.js"),
}

# The ``[importmap]``: every bare specifier the module corpus imports -> a logical path in it.
IMPORTMAP: dict[str, str] = {
    "@kurkle/color": "kurkle-color/color.esm.js",
    "@popperjs/core": "popperjs-core/esm/index.js",
    "preact": "preact/dist/preact.module.js",
    "preact/devtools": "preact/devtools/dist/devtools.module.js",
    "preact/hooks": "preact/hooks/dist/hooks.module.js",
    "three": "three/three.module.js",
}

Log = Callable[[str], None]


def _quiet(message: str) -> None:
    pass


# --- Tarballs ----------------------------------------------------------------------------------


def cache_dir() -> Path:
    """Where verified tarballs are kept between runs."""
    configured = os.environ.get("ASSETBUILD_CORPUS_CACHE")
    if configured:
        return Path(configured)
    return Path.home() / ".cache" / "assetbuild" / "corpus-npm"


def tarball_name(spec: str) -> str:
    """The file name ``npm pack`` gives a spec: ``@scope/name@1.0`` -> ``scope-name-1.0.tgz``."""
    name, _, version = spec.removeprefix("@").rpartition("@")
    return f"{name.replace('/', '-')}-{version}.tgz"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch_tarball(package: Package, cache: Path, log: Log = _quiet) -> Path:
    """The package's tarball in ``cache``, downloaded with ``npm pack`` unless a verified copy is
    there already. A download that does not match the pinned sha256 is an error and is not kept."""
    target = cache / tarball_name(package.spec)
    if target.is_file() and _sha256(target) == package.sha256:
        return target
    log(f"fetching {package.spec}")
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".npm-pack-", dir=cache) as scratch:
        command = ["npm", "pack", "--loglevel=error", "--ignore-scripts", package.spec]
        try:
            result = subprocess.run(
                command, cwd=scratch, capture_output=True, text=True, check=False
            )
        except FileNotFoundError:
            raise FetchError(
                f"npm is not installed; it fetches {package.spec} (or put a tarball with sha256 "
                f"{package.sha256} at {target})"
            ) from None
        if result.returncode != 0:
            lines = (result.stderr or result.stdout).strip().splitlines()
            detail = [line for line in lines if line.startswith("npm error")][:4] or lines[-4:]
            raise FetchError(
                f"`{' '.join(command)}` failed with exit status {result.returncode}: "
                + (" / ".join(detail) or "no output")
            )
        packed = sorted(Path(scratch).glob("*.tgz"))
        if len(packed) != 1:
            raise CorpusError(f"`npm pack {package.spec}` left {len(packed)} tarballs, not one")
        actual = _sha256(packed[0])
        if actual != package.sha256:
            raise CorpusError(
                f"checksum mismatch for {package.spec}: the tarball npm fetched has sha256 "
                f"{actual}, the pinned sum is {package.sha256}; refusing to use it"
            )
        os.replace(packed[0], target)
    return target


# --- Layout ------------------------------------------------------------------------------------


def _takes(package: Package, path: tuple[str, ...]) -> bool:
    """Whether a file at ``path`` (relative to the unpacked package) is one that a rule of
    ``package`` takes: a prefix of it lies under a rule's root and matches one of its patterns,
    component by component, the way the shell matches a glob (no dotfiles for ``*``)."""
    for rule in package.take:
        root = PurePosixPath(rule.root).parts
        if path[: len(root)] != root:
            continue
        rest = path[len(root) :]
        for pattern in rule.patterns:
            parts = pattern.split("/")
            if len(rest) >= len(parts) and all(
                fnmatch.fnmatchcase(name, part) and (part[:1] == "." or name[:1] != ".")
                for name, part in zip(rest[: len(parts)], parts, strict=True)
            ):
                return True
    return False


def _members(package: Package, archive: tarfile.TarFile) -> list[tarfile.TarInfo]:
    """The archive's files that ``package`` takes; the archive is refused if any member is a link
    or a device, lies outside npm's single top directory, or has an absolute or ``..`` path.

    The pinned packages hold only files and directories, so anything else is a sign that the
    tarball is not the one pinned. Extracting only what is taken saves creating thousands of
    files nobody reads (lodash's fp/, three's examples).
    """
    members, tops = [], set()
    for member in archive.getmembers():
        path = PurePosixPath(member.name)
        if not (member.isfile() or member.isdir()):
            raise CorpusError(f"{archive.name}: {member.name!r} is not a file or a directory")
        if path.is_absolute() or ".." in path.parts or "\\" in member.name or not path.parts:
            raise CorpusError(f"{archive.name}: {member.name!r} has an unsafe path")
        tops.add(path.parts[0])
        if member.isfile() and _takes(package, path.parts[1:]):
            members.append(member)
    if len(tops) != 1:
        raise CorpusError(f"{archive.name}: expected one top-level directory, found {len(tops)}")
    return members


def _extract(package: Package, tarball: Path, into: Path) -> Path:
    """Unpack what ``package`` takes from ``tarball`` into ``into``; return the package's root
    (npm's ``package/``). The ``data`` extraction filter (Python 3.12, 3.11.4, 3.10.12) checks
    again that nothing lands outside ``into`` and clears odd permission bits."""
    into.mkdir(parents=True)
    with tarfile.open(tarball, "r:gz") as archive:
        members = _members(package, archive)
        if hasattr(tarfile, "data_filter"):
            archive.extractall(into, members=members, filter="data")
        else:  # pragma: no cover - Python releases older than the extraction filters
            archive.extractall(into, members=members)
    return into / PurePosixPath(members[0].name).parts[0] if members else into


def _take(package: Package, unpacked: Path, destination: Path) -> None:
    """Move what each rule matches from ``unpacked`` to ``destination``. Every pattern must match
    something; the rules of a package never match the same file twice."""
    moves: list[tuple[Path, Path]] = []
    for rule in package.take:
        base = unpacked / rule.root
        for pattern in rule.patterns:
            matches = sorted(glob.glob(pattern, root_dir=base))
            if not matches:
                where = f"{rule.root}/{pattern}" if rule.root else pattern
                raise CorpusError(f"{package.spec}: {where} matches nothing in the package")
            moves += [(base / match, destination / match) for match in matches]
    for source, target in moves:
        target.parent.mkdir(parents=True, exist_ok=True)
        source.rename(target)
    dropped = (*DROPPED_EVERYWHERE, *package.drop)
    for path in sorted(destination.rglob("*")):
        if path.is_file() and any(fnmatch.fnmatchcase(path.name, p) for p in dropped):
            path.unlink()


def stamp(copies: int = 1) -> str:
    """What a corpus built from this exact spec records: changes with any package, checksum,
    selection rule or the number of copies."""
    spec = {
        "layout": LAYOUT_VERSION,
        "copies": copies,
        "dropped": DROPPED_EVERYWHERE,
        "packages": [p._asdict() for p in PACKAGES],
    }
    encoded = json.dumps(spec, sort_keys=True).encode()
    return hashlib.sha256(encoded).hexdigest()[:16]


def _is_current(out: Path, want: str) -> bool:
    try:
        return (out / STAMP).read_text(encoding="utf-8").strip() == want
    except OSError:
        return False


def _remove_abandoned(out: Path) -> None:
    """Remove the staging directories of builds that were killed (their process is gone)."""
    if os.name != "posix":  # os.kill(pid, 0) is a liveness probe only on POSIX
        return
    for leftover in out.parent.glob(f".{out.name}.partial-*"):
        pid = leftover.name.removeprefix(f".{out.name}.partial-").partition("-")[0]
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(leftover, ignore_errors=True)
        except OSError:
            pass  # alive, but someone else's


def ensure_corpus(
    out: Path, copies: int = 1, *, cache: Path | None = None, log: Log = _quiet
) -> Path:
    """Build the corpus in ``out`` unless it is already there for this spec; return ``out``.

    With ``copies == 1`` the packages sit directly in ``out``; with more, in ``out/copy-000/``,
    ``out/copy-001/`` and so on. Every tarball is fetched and verified before anything is laid
    out, and ``out`` is replaced in one rename, so it is only ever absent, the old corpus, or the
    new one.
    """
    if copies < 1:
        raise CorpusError(f"copies must be at least 1, not {copies}")
    return _lay_out(Path(out), PACKAGES, copies, stamp(copies), cache, log)


def _lay_out(
    out: Path,
    packages: tuple[Package, ...],
    copies: int,
    want: str,
    cache: Path | None,
    log: Log,
) -> Path:
    """Lay ``packages`` out in ``out`` (``copies`` times) unless a corpus stamped ``want`` is
    there already; return ``out``, absolute. What ``ensure_corpus`` and ``ensure_module_corpus``
    share: fetch and verify every tarball first, build beside ``out``, rename into place."""
    out = out.absolute()
    if _is_current(out, want):
        log(f"corpus already built at {out} (stamp {want})")
        return out
    if out.exists() and not (out / STAMP).is_file() and (not out.is_dir() or any(out.iterdir())):
        # Only a corpus (or nothing) is ever replaced: OUT_DIR may be a typo for something dear.
        raise CorpusError(f"{out} exists and is not a corpus (it has no {STAMP}); not replacing it")
    cache = cache_dir() if cache is None else cache
    tarballs = {p.name: fetch_tarball(p, cache, log) for p in packages}

    out.parent.mkdir(parents=True, exist_ok=True)
    _remove_abandoned(out)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-{os.getpid()}-", dir=out.parent))
    try:
        fresh = staging / "corpus"
        first = fresh / COPY_FORMAT.format(0) if copies > 1 else fresh
        for package in packages:
            log(f"laying out {package.name}")
            scratch = staging / "unpacked" / package.name
            unpacked = _extract(package, tarballs[package.name], scratch)
            _take(package, unpacked, first / package.name)
            shutil.rmtree(scratch)
        for index in range(1, copies):
            shutil.copytree(first, fresh / COPY_FORMAT.format(index))
        (fresh / STAMP).write_text(want + "\n", encoding="utf-8")
        if out.exists():
            out.rename(staging / "previous")
        try:
            fresh.rename(out)
        except OSError:
            if not _is_current(out, want):  # a concurrent run that got there first is fine
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out


def module_stamp() -> str:
    """What a module corpus built from this exact spec records (never equal to a ``stamp``)."""
    spec = {
        "layout": LAYOUT_VERSION,
        "corpus": "modules",
        "dropped": DROPPED_EVERYWHERE,
        "packages": [p._asdict() for p in MODULE_PACKAGES],
    }
    encoded = json.dumps(spec, sort_keys=True).encode()
    return hashlib.sha256(encoded).hexdigest()[:16]


def ensure_module_corpus(out: Path, *, cache: Path | None = None, log: Log = _quiet) -> Path:
    """Build the module corpus (``MODULE_PACKAGES``) in ``out`` unless it is already there for
    this spec; return ``out``. As ``ensure_corpus`` does, and sharing its tarball cache."""
    return _lay_out(Path(out), MODULE_PACKAGES, 1, module_stamp(), cache, log)


# --- Stats -------------------------------------------------------------------------------------

_KINDS = {
    ".css": "css",
    ".js": "js",
    ".cjs": "js",
    ".mjs": "js",
    ".map": "map",
    ".woff": "font",
    ".woff2": "font",
    ".ttf": "font",
    ".eot": "font",
    ".otf": "font",
    ".png": "image",
    ".gif": "image",
    ".jpg": "image",
    ".svg": "image",
}


def stats(root: Path) -> str:
    """Files and bytes by kind and by package (top-level directory), as ``fetch.sh`` prints."""
    by_kind: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
    by_top: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
    for path in root.rglob("*"):
        if not path.is_file() or path.name == STAMP:
            continue
        size = path.stat().st_size
        for counter in (
            by_kind[_KINDS.get(path.suffix.lower(), "other")],
            by_top[path.relative_to(root).parts[0]],
        ):
            counter[0] += 1
            counter[1] += size
    lines = [f"corpus: {root}", f"{'type':10} {'files':>7} {'bytes':>12} {'MiB':>8}"]
    for kind in ("css", "js", "map", "font", "image", "other"):
        if kind in by_kind:
            files, size = by_kind[kind]
            lines.append(f"{kind:10} {files:7d} {size:12d} {size / 2**20:8.2f}")
    files = sum(v[0] for v in by_kind.values())
    size = sum(v[1] for v in by_kind.values())
    lines += [f"{'TOTAL':10} {files:7d} {size:12d} {size / 2**20:8.2f}", ""]
    lines.append(f"{'package':18} {'files':>7} {'MiB':>8}")
    for top in sorted(by_top):
        lines.append(f"{top:18} {by_top[top][0]:7d} {by_top[top][1] / 2**20:8.2f}")
    return "\n".join(lines)


# --- Config ------------------------------------------------------------------------------------


def _toml_string(value: str) -> str:
    """A TOML basic string: backslash, quote and control characters escaped."""
    escaped = []
    for char in value:
        if char in '"\\':
            escaped.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            escaped.append(f"\\u{ord(char):04x}")
        else:
            escaped.append(char)
    return '"' + "".join(escaped) + '"'


def _toml_path(path: Path, base: Path) -> str:
    """``path`` relative to ``base`` (the config's directory) when it lies inside it, else
    absolute: assetbuild reads a relative path in the file against the file's directory."""
    path, base = path.absolute(), base.absolute()
    if path.is_relative_to(base):
        return _toml_string(path.relative_to(base).as_posix() or ".")
    return _toml_string(str(path))


def _package_roots(corpus: Path) -> list[str]:
    """The logical-path prefixes under which the packages sit: ``""`` for one copy, else
    ``copy-000/``, ``copy-001/``, ..."""
    if any((corpus / p.name).is_dir() for p in PACKAGES):
        return [""]
    copies = sorted(d.name + "/" for d in corpus.glob("copy-[0-9][0-9][0-9]") if d.is_dir())
    if not copies:
        raise CorpusError(f"{corpus} holds none of the corpus packages; build it first")
    return copies


def bundles(corpus: Path) -> dict[str, list[str]]:
    """Bundle logical path -> inputs, for each package present in ``corpus`` (each copy)."""
    if (corpus / BUNDLE_DIR).exists():
        raise CorpusError(f"{corpus / BUNDLE_DIR} exists: bundle names would collide with it")
    table: dict[str, list[str]] = {}
    for root in _package_roots(corpus):
        for package in PACKAGES:
            if not (corpus / root / package.name).is_dir():
                continue
            choice = BUNDLES[package.name]
            for extension, inputs in (("css", choice.css), ("js", choice.js)):
                if not inputs:
                    continue
                paths = [f"{root}{package.name}/{i}" for i in inputs]
                missing = [p for p in paths if not (corpus / p).is_file()]
                if missing:
                    raise CorpusError(f"bundle input missing from the corpus: {missing[0]}")
                table[f"{BUNDLE_DIR}/{root}{package.name}.{extension}"] = paths
    return table


def write_config(
    corpus: Path,
    output: Path,
    compress: list[str],
    *,
    config: Path | None = None,
    modules: bool = False,
) -> Path:
    """Write the ``assetbuild.toml`` that builds ``corpus`` into ``output``; return its path.

    The file goes to ``config`` (default: ``assetbuild.toml`` beside ``output``). Every package
    present gets its bundles from ``BUNDLES``, keyed ``bundles/<package>.css`` and
    ``bundles/<package>.js`` (``bundles/copy-NNN/<package>.*`` in a corpus of several copies).
    With ``modules``, the ES modules of ``CORPUS_MODULES`` are declared as ``modules`` (with
    ``on_missing = "warn"``: two of their bare specifiers name packages the corpus lacks).
    """
    config = (output.parent / "assetbuild.toml") if config is None else config
    base = config.absolute().parent
    lines = [
        "# Written by scripts/corpus.py: the conformance corpus, one CSS and one JS bundle per",
        "# package.",
        f"source = {_toml_path(corpus, base)}",
        f"output = {_toml_path(output, base)}",
        f"compress = [{', '.join(_toml_string(c) for c in compress)}]",
    ]
    if modules:
        declared = [
            f"{root}{package}/{path}"
            for root in _package_roots(corpus)
            for package, paths in CORPUS_MODULES.items()
            if (corpus / root / package).is_dir()
            for path in paths
        ]
        missing = [p for p in declared if not (corpus / p).is_file()]
        if missing:
            raise CorpusError(f"ES module missing from the corpus: {missing[0]}")
        lines.append(f"modules = [{', '.join(_toml_string(p) for p in declared)}]")
        lines.append('on_missing = "warn"')
    lines += ["", "[bundles]"]
    for name, inputs in bundles(corpus).items():
        lines.append(f"{_toml_string(name)} = [{', '.join(_toml_string(i) for i in inputs)}]")
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config


def module_globs(corpus: Path) -> list[str]:
    """The ``modules`` globs of the module corpus in ``corpus``, as logical paths; every package
    of it must be there."""
    missing = [p.name for p in MODULE_PACKAGES if not (corpus / p.name).is_dir()]
    if missing:
        raise CorpusError(f"{corpus} is not a module corpus: {missing[0]}/ is missing")
    return [f"{package}/{glob}" for package, globs in MODULE_GLOBS.items() for glob in globs]


def write_module_config(
    corpus: Path, output: Path, compress: list[str], *, config: Path | None = None
) -> Path:
    """Write the ``assetbuild.toml`` that builds the module corpus ``corpus`` into ``output``,
    with its ``modules`` globs and ``[importmap]``; return its path (default: ``assetbuild.toml``
    beside ``output``). No bundles: a classic bundle cannot hold an ES module."""
    config = (output.parent / "assetbuild.toml") if config is None else config
    base = config.absolute().parent
    globs = module_globs(corpus)
    missing = [t for t in IMPORTMAP.values() if not (corpus / t).is_file()]
    if missing:
        raise CorpusError(f"import map target missing from the module corpus: {missing[0]}")
    lines = [
        "# Written by scripts/corpus.py: the module corpus, its ES modules and the import map",
        "# of the bare specifiers they import.",
        f"source = {_toml_path(corpus, base)}",
        f"output = {_toml_path(output, base)}",
        f"compress = [{', '.join(_toml_string(c) for c in compress)}]",
        "modules = [",
        *(f"    {_toml_string(glob)}," for glob in globs),
        "]",
        "",
        "[importmap]",
        *(f"{_toml_string(s)} = {_toml_string(t)}" for s, t in IMPORTMAP.items()),
    ]
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config


# --- Command line ------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="corpus.py",
        description="Build the conformance corpus (14 pinned npm packages), or with --modules "
        "the module corpus, into OUT_DIR.",
    )
    parser.add_argument("out", type=Path, metavar="OUT_DIR")
    parser.add_argument(
        "--copies",
        type=int,
        default=1,
        metavar="N",
        help="make N copies in OUT_DIR/copy-000/... (default 1: the packages in OUT_DIR)",
    )
    parser.add_argument(
        "--modules",
        action="store_true",
        help="build the module corpus instead (chart.js with @kurkle/color, three with addons, "
        "bootstrap.esm.js with @popperjs/core, preact); with --config, also write its config",
    )
    parser.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="with --modules: write FILE, the assetbuild.toml that builds the module corpus into "
        "the directory 'release' beside FILE",
    )
    args = parser.parse_args(argv)
    if args.copies < 1:
        parser.error("--copies must be at least 1")
    if args.modules and args.copies != 1:
        parser.error("--modules makes one copy; --copies does not apply")
    if args.config is not None and not args.modules:
        parser.error("--config needs --modules")

    def log(message: str) -> None:
        print(message, file=sys.stderr)

    try:
        if args.modules:
            out = ensure_module_corpus(args.out, log=log)
            if args.config is not None:
                release = args.config.absolute().parent / "release"
                written = write_module_config(out, release, [], config=args.config)
                log(f"wrote {written}")
        else:
            out = ensure_corpus(args.out, args.copies, log=log)
    except CorpusError as exc:
        print(f"corpus: error: {exc}", file=sys.stderr)
        return 1
    print(stats(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
