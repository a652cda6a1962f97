"""The ES module scanner against real JavaScript parsers, on real ES modules.

Owns: the oracle corpus (pinned npm packages: chart.js with @kurkle/color, three with its
examples/jsm, lit-html, preact; each tarball checked against a pinned sha256), the two oracles
(acorn, a full ECMAScript parser, and es-module-lexer, the lexer es-module-shims and Vite use;
both pinned by version and sha256) and the comparison: for every file, ``scan_imports`` must
report exactly the imports the parsers report -- static imports, ``export ... from``, and
``import()`` with its specifier (or with none, for an argument that is not a literal) -- at the
same offsets. The texts of test_jsmodules.py's table that acorn accepts are checked as well.

Tarballs and the installed tools live in ``$ASSETBUILD_NODE_TOOLS`` (default
``~/.cache/assetbuild/node-tools``), never in the repository: the first run downloads them with
``npm pack`` (and installs the tools with ``npm install --prefix`` from their verified
tarballs), later runs only check the checksums. The corpus is read from the tarballs in memory.
Without node, npm or a network the tests skip, except in CI (``CI=true``), where they fail: CI
must always run them. A checksum mismatch always fails.

Offsets: acorn and es-module-lexer count UTF-16 code units, ``scan_imports`` code points; the
scanner's offsets are converted before comparing.
"""

from __future__ import annotations

import bisect
import fnmatch
import hashlib
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
import timeit
from collections import Counter
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any, NamedTuple

import pytest

from assetbuild.compiler.scan.esm import scan_imports
from assetbuild.compiler.scan.reference import ModuleImport
from tests.compiler.scan.test_esm import CASES
from tests.conftest import unavailable

pytestmark = pytest.mark.slow


class Tarball(NamedTuple):
    spec: str  # what `npm pack` is given
    sha256: str


class Package(NamedTuple):
    """A tarball and the files of it that are read. Patterns are ``fnmatch`` patterns over the
    path inside the package, where ``*`` also matches ``/``."""

    tarball: Tarball
    include: tuple[str, ...]
    exclude: tuple[str, ...] = ()


ACORN = Tarball("acorn@8.14.0", "04c1f5545e4e9140e288bb56b4cbbc4ffd730213e6331330e2bcefc649462104")
ES_MODULE_LEXER = Tarball(
    "es-module-lexer@1.7.0", "e41b2e74ac3cc5871fc5bfbc108c114f95f4f743a5b7bb1e0793d0bb57fe25f9"
)
TOOLS = (ACORN, ES_MODULE_LEXER)

THREE = Tarball("three@0.164.1", "3798b9631ab02167095f0be742981da98a8d6f2cde1f1bb9b27ad44fe2e58771")
CORPUS = (
    Package(
        Tarball(
            "chart.js@4.4.3", "412a272252a72eace5bbe65dd31f0332a317d8bf879880b8535c2633b45b6546"
        ),
        (
            "dist/chart.js",
            "dist/chunks/helpers.segment.js",  # imports @kurkle/color
            "dist/helpers.js",
            "auto/auto.js",
            "helpers/helpers.js",
        ),
    ),
    Package(
        Tarball(
            "@kurkle/color@0.3.2",
            "af9eaac0ecbb472fe2093d2a4525629f96541f4e6422c031d9c86d4dc8fc7511",
        ),
        ("dist/color.esm.js",),
    ),
    # The 1.2 MB library (readable and minified) and all of examples/jsm, whose files import
    # "three" and each other; examples/jsm/libs adds third-party and minified code.
    Package(THREE, ("build/three.module.js", "build/three.module.min.js", "examples/jsm/*.js")),
    # lit-html: minified production modules and their development builds.
    Package(
        Tarball(
            "lit-html@3.1.4", "a39fe79766d0aa45fc90794ff005a0aae051c3ab2bfb09c9dd30f569552d7a70"
        ),
        ("*.js",),
    ),
    # preact: the ES module builds (minified) and the unbundled sources.
    Package(
        Tarball(
            "preact@10.22.0", "0e4ff39b2a63f38a860205485efecfd4025d52d51cc139b8f70f9fa3abe15479"
        ),
        ("*.module.js", "*.mjs", "*src/*.js"),
        exclude=("*dist/*.mjs",),  # copies of the *.module.js files
    ),
)

# Run by node with the tools directory as its argument; reads {name: source} as JSON on stdin
# and writes {name: {"acorn": [...], "lexer": [...]}} (or "...Error" keys) on stdout.
ORACLE_JS = r"""
"use strict";
const path = require("path");
const tools = path.join(process.argv[2], "node_modules");
const acorn = require(path.join(tools, "acorn"));
const lexer = require(path.join(tools, "es-module-lexer"));

function collect(node, out) {
  if (Array.isArray(node)) {
    for (const child of node) collect(child, out);
    return;
  }
  if (node === null || typeof node !== "object") return;
  if (node.type === "ImportDeclaration" || node.type === "ExportAllDeclaration"
      || (node.type === "ExportNamedDeclaration" && node.source)) {
    const kind = node.type === "ImportDeclaration" ? "static" : "export";
    out.push([kind, node.source.value, node.source.start + 1, node.source.end - 1]);
  } else if (node.type === "ImportExpression") {
    const s = node.source;
    if (s.type === "Literal" && typeof s.value === "string") {
      out.push(["dynamic", s.value, s.start + 1, s.end - 1]);
    } else if (s.type === "TemplateLiteral" && s.expressions.length === 0) {
      out.push(["dynamic", s.quasis[0].value.cooked, s.start + 1, s.end - 1]);
    } else {
      out.push(["dynamic", null, s.start, s.end]);
    }
  }
  for (const key of Object.keys(node)) {
    if (key !== "type") collect(node[key], out);
  }
}

async function main() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  const sources = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  await lexer.init;
  const results = {};
  for (const [name, source] of Object.entries(sources)) {
    const result = {};
    try {
      const ast = acorn.parse(source, { ecmaVersion: "latest", sourceType: "module" });
      const found = [];
      collect(ast, found);
      found.sort((a, b) => a[2] - b[2]);
      result.acorn = found;
    } catch (error) {
      result.acornError = String(error);
    }
    try {
      const [imports] = lexer.parse(source, name);
      result.lexer = imports
        .filter((i) => i.d !== -2)  // import.meta
        .map((i) => [
          i.d === -1 ? (source.startsWith("export", i.ss) ? "export" : "static") : "dynamic",
          i.n === undefined ? null : i.n,
          i.s,
          i.e,
        ]);
    } catch (error) {
      result.lexerError = String(error);
    }
    results[name] = result;
  }
  process.stdout.write(JSON.stringify(results));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
"""


# --- Fetching ----------------------------------------------------------------------------------


class FetchError(Exception):
    """npm or node is missing, offline, or the registry failed: skippable outside CI."""


def cache_dir() -> Path:
    configured = os.environ.get("ASSETBUILD_NODE_TOOLS")
    if configured:
        return Path(configured)
    return Path.home() / ".cache" / "assetbuild" / "node-tools"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _run(command: list[str], cwd: Path) -> None:
    try:
        result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise FetchError(f"{command[0]} is not installed") from None
    if result.returncode != 0:
        lines = (result.stderr or result.stdout).strip().splitlines()
        detail = [line for line in lines if line.startswith("npm error")][:4] or lines[-4:]
        raise FetchError(
            f"`{' '.join(command)}` failed with exit status {result.returncode}: "
            + (" / ".join(detail) or "no output")
        )


def fetch(tarball: Tarball, cache: Path) -> Path:
    """The verified tarball in ``cache/tarballs``, downloaded with ``npm pack`` if needed. A
    download that does not match the pinned sha256 fails the test and is not kept."""
    name = tarball.spec.rsplit("@", 1)[0].lstrip("@").replace("/", "-")
    target = cache / "tarballs" / f"{name}-{tarball.spec.rsplit('@', 1)[1]}.tgz"
    if target.is_file() and _sha256(target) == tarball.sha256:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".npm-pack-", dir=target.parent) as scratch:
        _run(["npm", "pack", "--loglevel=error", "--ignore-scripts", tarball.spec], Path(scratch))
        packed = sorted(Path(scratch).glob("*.tgz"))
        assert len(packed) == 1, f"npm pack {tarball.spec} left {len(packed)} tarballs"
        actual = _sha256(packed[0])
        if actual != tarball.sha256:
            pytest.fail(
                f"checksum mismatch for {tarball.spec}: npm fetched sha256 {actual}, the pinned "
                f"sum is {tarball.sha256}; refusing to use it",
                pytrace=False,
            )
        os.replace(packed[0], target)
    return target


def _installed_version(prefix: Path, package: str) -> str | None:
    try:
        manifest = json.loads((prefix / "node_modules" / package / "package.json").read_text())
    except (OSError, ValueError):
        return None
    version = manifest.get("version")
    return version if isinstance(version, str) else None


def install_tools(cache: Path) -> Path:
    """A directory whose node_modules holds exactly the pinned tools, installed (once) with
    ``npm install --prefix`` from their verified tarballs; neither has dependencies, so the
    install itself needs no network. Built beside its final name and renamed into place."""
    prefix = cache / "lib" / "+".join(t.spec.replace("/", "-") for t in TOOLS)

    def ready() -> bool:
        return all(
            _installed_version(prefix, t.spec.rsplit("@", 1)[0]) == t.spec.rsplit("@", 1)[1]
            for t in TOOLS
        )

    if ready():
        return prefix
    tarballs = [str(fetch(t, cache)) for t in TOOLS]
    prefix.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".install-", dir=prefix.parent))
    try:
        command = ["npm", "install", "--prefix", str(scratch), "--ignore-scripts", "--no-audit"]
        _run([*command, "--no-fund", "--loglevel=error", *tarballs], scratch)
        if prefix.exists():
            shutil.rmtree(prefix)  # an incomplete earlier install
        os.replace(scratch, prefix)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    assert ready(), f"npm did not install {[t.spec for t in TOOLS]} into {prefix}"
    return prefix


def read_package(package: Package, tarball: Path) -> dict[str, str]:
    """The files of ``package`` that its patterns select, by ``<spec>/<path in package>``."""
    files: dict[str, str] = {}
    unmatched = set(package.include)
    with tarfile.open(tarball, "r:gz") as archive:
        for member in archive.getmembers():
            parts = PurePosixPath(member.name).parts
            if not member.isfile() or len(parts) < 2:
                continue
            path = "/".join(parts[1:])  # under npm's single top directory
            patterns = [p for p in package.include if fnmatch.fnmatchcase(path, p)]
            if not patterns or any(fnmatch.fnmatchcase(path, p) for p in package.exclude):
                continue
            unmatched -= set(patterns)
            stream = archive.extractfile(member)
            assert stream is not None
            files[f"{package.tarball.spec}/{path}"] = stream.read().decode("utf-8")
    assert not unmatched, f"{package.tarball.spec}: {sorted(unmatched)} match no file"
    return dict(sorted(files.items()))


# --- The oracle --------------------------------------------------------------------------------


class Oracle(NamedTuple):
    sources: dict[str, str]  # the corpus, then the texts of the unit tests' table
    results: dict[str, dict[str, Any]]  # what node reported for each
    scanned: dict[str, list[ModuleImport]]  # what scan_imports reported for each


# The texts of test_jsmodules.py's table: those that acorn accepts as modules are checked too,
# so that the expectations written there are the parser's, not only the scanner's.
TABLE = {f"table/{case.id}": str(case.values[0]) for case in CASES}


@pytest.fixture(scope="module")
def corpus() -> dict[str, str]:
    cache = cache_dir()
    sources: dict[str, str] = {}
    try:
        for package in CORPUS:
            sources.update(read_package(package, fetch(package.tarball, cache)))
    except FetchError as exc:
        problem = str(exc)
    else:
        return sources
    unavailable(f"the JS module corpus cannot be fetched: {problem}")


@pytest.fixture(scope="module")
def oracle(corpus: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Oracle:
    if shutil.which("node") is None:
        unavailable("node is not installed; it runs the JS parsers")
    try:
        tools = install_tools(cache_dir())
    except FetchError as exc:
        problem = str(exc)
    else:
        return _run_oracle(tools, corpus, tmp_path_factory.mktemp("oracle"))
    unavailable(f"the JS parsers cannot be installed: {problem}")


def _run_oracle(tools: Path, corpus: dict[str, str], workdir: Path) -> Oracle:
    script = workdir / "oracle.cjs"
    script.write_text(ORACLE_JS, encoding="utf-8")
    sources = {**corpus, **TABLE}
    done = subprocess.run(
        ["node", str(script), str(tools)],
        input=json.dumps(sources),
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )
    assert done.returncode == 0, f"the oracle failed:\n{done.stderr}"
    results: dict[str, dict[str, Any]] = json.loads(done.stdout)
    assert results.keys() == sources.keys()
    scanned = {name: scan_imports(text) for name, text in sources.items()}
    return Oracle(sources, results, scanned)


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")

Row = tuple[str, str | None, int, int]


def utf16(text: str) -> Callable[[int], int]:
    """Converts an offset in code points into one in UTF-16 code units, as JavaScript counts."""
    astral = [m.start() for m in _ASTRAL.finditer(text)]
    return lambda offset: offset + bisect.bisect_left(astral, offset)


def acorn_view(text: str, imports: list[ModuleImport]) -> list[Row]:
    to16 = utf16(text)
    return [(i.kind, i.specifier, to16(i.start), to16(i.end)) for i in imports]


def lexer_view(text: str, imports: list[ModuleImport]) -> list[Row]:
    """es-module-lexer gives a dynamic import's span with its quotes, and no value for a
    template literal: the scanner's imports in that form."""
    to16 = utf16(text)
    view: list[Row] = []
    for i in imports:
        if i.kind == "dynamic" and i.specifier is not None:
            value = None if text[i.start - 1] == "`" else i.specifier
            view.append(("dynamic", value, to16(i.start) - 1, to16(i.end) + 1))
        else:
            view.append((i.kind, i.specifier, to16(i.start), to16(i.end)))
    return view


def rows(found: list[list[Any]]) -> list[Row]:
    return [(kind, specifier, start, end) for kind, specifier, start, end in found]


def mismatch(name: str, ours: list[Row], theirs: list[Row]) -> str:
    only_ours = [r for r in ours if r not in theirs]
    only_theirs = [r for r in theirs if r not in ours]
    return f"{name}:\n  only scan_imports: {only_ours[:5]}\n  only the parser: {only_theirs[:5]}"


def test_every_corpus_file_is_an_es_module_both_parsers_read(oracle: Oracle) -> None:
    errors = [
        f"{name}: {result.get('acornError') or result.get('lexerError')}"
        for name, result in oracle.results.items()
        if not name.startswith("table/") and ("acornError" in result or "lexerError" in result)
    ]
    assert not errors, "\n".join(errors)


def test_the_scanner_agrees_with_acorn_on_the_corpus(oracle: Oracle) -> None:
    mismatches = []
    kinds: Counter[str] = Counter()
    files = [name for name in oracle.sources if not name.startswith("table/")]
    for name in files:
        text, imports = oracle.sources[name], oracle.scanned[name]
        ours, theirs = acorn_view(text, imports), rows(oracle.results[name].get("acorn", []))
        if ours != theirs:
            mismatches.append(mismatch(name, ours, theirs))
        kinds.update("unresolvable" if i.specifier is None else i.kind for i in imports)
    size = sum(len(oracle.sources[name]) for name in files) / 1e6
    print(
        f"\nacorn agrees on {len(files) - len(mismatches)} of {len(files)} files "
        f"({size:.1f} M characters): {sum(kinds.values())} imports, {dict(sorted(kinds.items()))}"
    )
    assert not mismatches, "\n".join(mismatches)


def test_the_scanner_agrees_with_es_module_lexer_on_the_corpus(oracle: Oracle) -> None:
    mismatches = []
    compared = 0
    files = [name for name in oracle.sources if not name.startswith("table/")]
    for name in files:
        text, imports = oracle.sources[name], oracle.scanned[name]
        ours, theirs = lexer_view(text, imports), rows(oracle.results[name].get("lexer", []))
        compared += len(theirs)
        if ours != theirs:
            mismatches.append(mismatch(name, ours, theirs))
    print(f"\nes-module-lexer agrees on {compared} imports in {len(files)} files")
    assert not mismatches, "\n".join(mismatches)


def test_the_unit_test_table_agrees_with_acorn(oracle: Oracle) -> None:
    """Every text of the table that is a valid module (many traps are deliberately not, such as
    a top-level ``return``) is checked against acorn."""
    mismatches = []
    valid = [name for name in TABLE if "acorn" in oracle.results[name]]
    for name in valid:
        text, imports = oracle.sources[name], oracle.scanned[name]
        ours, theirs = acorn_view(text, imports), rows(oracle.results[name]["acorn"])
        if ours != theirs:
            mismatches.append(mismatch(name, ours, theirs))
    print(f"\nacorn parses {len(valid)} of the {len(TABLE)} table texts and agrees on them")
    assert not mismatches, "\n".join(mismatches)
    assert len(valid) > len(TABLE) // 2


def specifiers(corpus: dict[str, str], name: str) -> list[str | None]:
    return [i.specifier for i in scan_imports(corpus[name])]


def test_the_corpus_has_the_imports_a_build_must_resolve(corpus: dict[str, str]) -> None:
    # The packages of the contract's import map example, and what the pipeline relies on.
    assert specifiers(corpus, "chart.js@4.4.3/dist/chart.js") == [
        "./chunks/helpers.segment.js",
        "@kurkle/color",
    ]
    assert specifiers(corpus, "chart.js@4.4.3/dist/chunks/helpers.segment.js") == ["@kurkle/color"]
    assert specifiers(corpus, "@kurkle/color@0.3.2/dist/color.esm.js") == []
    assert specifiers(corpus, "three@0.164.1/examples/jsm/controls/OrbitControls.js") == ["three"]
    assert specifiers(corpus, "three@0.164.1/build/three.module.js") == []
    assert len(corpus) > 700


def test_scanning_speed(corpus: dict[str, str]) -> None:
    """Reported, not a benchmark: the floor only catches a scan gone quadratic."""
    text = corpus["three@0.164.1/build/three.module.js"]
    seconds = min(timeit.repeat(lambda: scan_imports(text), number=1, repeat=5))
    speed = len(text.encode("utf-8")) / seconds / 1e6
    print(
        f"\nscan_imports on three.module.js ({len(text) / 1e6:.2f} M characters): "
        f"{seconds * 1000:.0f} ms, {speed:.1f} MB/s"
    )
    assert speed > 0.5
