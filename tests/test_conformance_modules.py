"""Conformance of ES modules on real-world packages: the module corpus of ``scripts/corpus.py``.

Owns: building the module corpus (chart.js with ``@kurkle/color``, three with addons from
``examples/jsm``, ``bootstrap.esm.js`` with ``@popperjs/core``, preact's module builds) through
the real command line, with its ``modules`` globs and ``[importmap]``, and checking what must hold
of any correct release of it: no problem at all; every script of the corpus a module, and only
those; each module's ``imports`` exactly what its source imports statically, resolved here
independently (relative to its logical path, bare specifiers through the import map) from what
``scan_imports`` finds, which in turn is what V8 itself reads as the module's requests; every
import a fingerprinted file of the release; the import map in the manifest; a browser that
resolves each import through the runtime's import map reaching the right file; module bytes left
alone but for the source map comment; every published module parsing as a module in node; and
``assetbuild verify`` agreeing.

Bootstrap's ``bootstrap.esm.js`` imports ``@popperjs/core``: the module corpus has popper's ES
build too (61 modules), so it is declared and its whole graph is checked. (In the corpus of
``tests/test_conformance.py`` it is not declared, and so published as a plain file.)

Like that test, it fetches with npm into ``$ASSETBUILD_CORPUS_CACHE`` (only the first run
downloads) and needs node; without either it skips, except in CI (``CI=true``), where it fails.
"""

from __future__ import annotations

import collections
import json
import posixpath
import re
import shutil
import subprocess
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest

from assetbuild.compiler.scan.esm import scan_imports
from assetbuild.compiler.scan.reference import ModuleImport
from assetbuild.runtime import Assets
from tests.conftest import assetbuild, unavailable
from tests.corpus_script import corpus

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
FINGERPRINTED = re.compile(r"^(?:.*/)?[^/]+\.[0-9a-f]{12}(?:\.[^./]+)?$")
JS_SOURCE_MAP = re.compile(r"^[ \t]*//[#@][ \t]*sourceMappingURL=(\S+)[ \t]*$", re.MULTILINE)
ORIGIN = "https://app.example"  # where a browser is taken to load the release from

# Each file parsed by V8 as a module (source text of the Module goal, early errors included, as
# `node --input-type=module --check` parses it, but all in one process), through node:vm, and
# its module requests (static imports and export-froms, each specifier once, in source order):
# an engine's answer to what scan_imports finds. A file that does not parse gets its error.
MODULE_REQUESTS = """
import { readFileSync } from "node:fs";
import vm from "node:vm";
const parsed = {};
for (const file of process.argv.slice(1)) {
  try {
    const module = new vm.SourceTextModule(readFileSync(file, "utf8"), { identifier: file });
    const requests = module.moduleRequests
      ? module.moduleRequests.map((request) => request.specifier)
      : module.dependencySpecifiers;
    parsed[file] = { requests };
  } catch (error) {
    parsed[file] = { error: String(error) };
  }
}
process.stdout.write(JSON.stringify(parsed));
"""


# --- Building ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Built:
    corpus: Path
    release: Path
    manifest: dict[str, Any]
    summary: dict[str, Any]  # what --json printed
    stderr: str
    seconds: float

    @property
    def assets(self) -> dict[str, dict[str, Any]]:
        return self.manifest["assets"]

    @property
    def modules(self) -> dict[str, list[str]]:
        """Each module's ``imports``, from the manifest."""
        return {name: e["imports"] for name, e in self.assets.items() if "imports" in e}

    def source(self, name: str) -> str:
        return (self.corpus / name).read_text(encoding="utf-8")

    def published(self, name: str) -> Path:
        return self.release / self.assets[name]["path"]


@pytest.fixture(scope="module")
def module_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    started = time.perf_counter()
    try:
        out = corpus.ensure_module_corpus(tmp_path_factory.mktemp("modules") / "corpus")
    except corpus.FetchError as exc:
        unavailable(f"the module corpus cannot be fetched: {exc}")
    print(f"\nmodule corpus ready in {time.perf_counter() - started:.1f} s: {out}")
    return out


@pytest.fixture(scope="module")
def built(module_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The module corpus built from another directory than the config's, as CI would."""
    workdir = tmp_path_factory.mktemp("module-conformance")
    config = corpus.write_module_config(module_corpus, workdir / "release", [])
    elsewhere = workdir / "cwd"
    elsewhere.mkdir()
    started = time.perf_counter()
    result = assetbuild("build", "--config", str(config), "--json", cwd=elsewhere)
    seconds = time.perf_counter() - started
    assert result.returncode == 0, f"build failed ({result.returncode}):\n{result.stderr}"
    manifest = json.loads((workdir / "release/manifest.json").read_text(encoding="utf-8"))
    summary = json.loads(result.stdout)
    built = Built(module_corpus, workdir / "release", manifest, summary, result.stderr, seconds)
    print(f"\nmodule corpus built in {seconds:.1f} s: {len(built.assets)} assets")
    return built


@pytest.fixture(scope="module")
def parsed(built: Built) -> dict[str, dict[str, Any]]:
    """Each module's published file as V8 parses it: ``{"requests": [...]}`` or ``{"error": ...}``;
    keyed by logical path. (Publishing changes a module's source map comment only.)"""
    node = shutil.which("node")
    if node is None:
        unavailable("node is not installed; it parses the modules")
    names = sorted(built.modules)
    command = [node, "--no-warnings", "--experimental-vm-modules", "--input-type=module"]
    command += ["-e", MODULE_REQUESTS, *(built.assets[name]["path"] for name in names)]
    result = subprocess.run(command, cwd=built.release, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    by_path = json.loads(result.stdout)
    return {name: by_path[built.assets[name]["path"]] for name in names}


@pytest.fixture(scope="module")
def found(built: Built) -> dict[str, list[ModuleImport]]:
    """What ``scan_imports`` finds in each module's source, by logical path."""
    return {name: scan_imports(built.source(name)) for name in built.modules}


# --- Imports, resolved here --------------------------------------------------------------------


def static_specifiers(found: Iterable[ModuleImport]) -> list[str]:
    """The specifiers of the static imports and export-froms, each once, in source order."""
    return list(dict.fromkeys(i.specifier for i in found if i.kind != "dynamic" and i.specifier))


def resolve(module: str, specifier: str) -> str:
    """The logical path that ``specifier``, imported by the module ``module``, names: relative to
    the module's own logical path, or a bare specifier through the corpus's import map."""
    if specifier.startswith(("./", "../")):
        return posixpath.normpath(posixpath.join(posixpath.dirname(module), specifier))
    if specifier.startswith("/"):
        raise AssertionError(f"{module}: no module of the corpus imports {specifier!r}")
    return corpus.IMPORTMAP[specifier]


def expected_imports(module: str, found: Iterable[ModuleImport]) -> list[str]:
    """What the manifest must record as ``module``'s imports: its static imports, each resolved
    here, each target once, in source order."""
    return list(dict.fromkeys(resolve(module, s) for s in static_specifiers(found)))


# --- The build ---------------------------------------------------------------------------------


def test_the_module_corpus_builds_with_no_error_and_no_warning(built: Built) -> None:
    assert built.summary["warnings"] == []
    assert not [line for line in built.stderr.splitlines() if line.startswith(("error", "warn"))]
    assert built.summary["bundles"] == {}


def test_every_script_of_the_corpus_is_a_module_and_nothing_else_is(built: Built) -> None:
    scripts = {
        p.relative_to(built.corpus).as_posix()
        for p in built.corpus.rglob("*")
        if p.is_file() and p.suffix in (".js", ".mjs")
    }
    assert set(built.modules) == scripts
    assert {name for name in built.assets if name not in scripts} == {
        name for name in built.assets if name.endswith(".map")
    }
    print(f"\nmodules: {len(built.modules)} of {len(built.assets)} assets")


def test_each_modules_imports_are_what_its_source_imports_as_logical_paths(
    built: Built, found: dict[str, list[ModuleImport]]
) -> None:
    problems, edges = [], 0
    for module, imports in sorted(built.modules.items()):
        wanted = expected_imports(module, found[module])
        if imports != wanted:
            problems.append(f"{module}: manifest imports {imports}, its source {wanted}")
        edges += len(imports)
    statements = collections.Counter(i.kind for imports in found.values() for i in imports)
    print(
        f"\nmodules: {len(built.modules)}; imports resolved: {edges} (statements: "
        f"{statements['static']} import, {statements['export']} export-from, "
        f"{statements['dynamic']} import())"
    )
    assert not problems, "\n".join(problems)
    assert len(built.modules) > 80 and edges > 190  # the corpus is really there, and really read


@pytest.mark.parametrize(
    ("module", "imports"),
    [
        (
            "chart.js/chart.js",
            ["chart.js/chunks/helpers.segment.js", "kurkle-color/color.esm.js"],
        ),
        ("chart.js/chunks/helpers.segment.js", ["kurkle-color/color.esm.js"]),
        ("kurkle-color/color.esm.js", []),
        ("three/jsm/controls/OrbitControls.js", ["three/three.module.js"]),
        (
            "three/jsm/loaders/GLTFLoader.js",
            ["three/three.module.js", "three/jsm/utils/BufferGeometryUtils.js"],
        ),
        ("three/three.module.js", []),
        ("bootstrap/js/bootstrap.esm.js", ["popperjs-core/esm/index.js"]),
        (
            "preact/compat/dist/compat.mjs",
            ["preact/dist/preact.module.js", "preact/hooks/dist/hooks.module.js"],
        ),
        (
            "preact/debug/dist/debug.module.js",
            ["preact/dist/preact.module.js", "preact/devtools/dist/devtools.module.js"],
        ),
    ],
)
def test_a_module_of_each_package_imports_what_its_package_is_known_to(
    built: Built, module: str, imports: list[str]
) -> None:
    assert built.modules[module] == imports


def test_v8_reads_the_same_static_imports_from_every_module_as_the_scanner(
    found: dict[str, list[ModuleImport]], parsed: dict[str, dict[str, Any]]
) -> None:
    requests = {name: parsed[name].get("requests") for name in found}
    assert requests == {name: static_specifiers(imports) for name, imports in found.items()}


def test_every_import_is_a_fingerprinted_file_of_the_release(built: Built) -> None:
    problems = []
    for module, imports in sorted(built.modules.items()):
        for target in imports:
            if target not in built.assets:
                problems.append(f"{module} imports {target}, which is not in the manifest")
            elif not FINGERPRINTED.match(built.assets[target]["path"]):
                problems.append(f"{module} imports {target}, published unfingerprinted")
            elif not built.published(target).is_file():
                problems.append(f"{module} imports {target}, whose release file is missing")
    assert not problems, "\n".join(problems)


def test_the_manifest_carries_the_import_map_of_every_bare_specifier(
    built: Built, found: dict[str, list[ModuleImport]]
) -> None:
    assert built.manifest["importmap"] == corpus.IMPORTMAP
    assert set(corpus.IMPORTMAP) == {
        "@kurkle/color",
        "three",
        "@popperjs/core",
        "preact",
        "preact/hooks",
        "preact/devtools",
    }
    bare = {
        i.specifier
        for imports in found.values()
        for i in imports
        if i.specifier and not i.specifier.startswith((".", "/"))
    }
    assert bare == set(corpus.IMPORTMAP)  # each entry used, and none missing


def test_a_browser_resolving_each_import_through_the_runtime_import_map_reaches_its_file(
    built: Built, found: dict[str, list[ModuleImport]]
) -> None:
    """What the browser does: a relative specifier against the importing module's release URL
    (a fingerprinted name, in the directory of its logical URL), a bare one as is, then the
    import map; the URL reached must be the release URL of the file the source meant, and the
    import map must hold its integrity."""
    assets = Assets(str(built.release / "manifest.json"))
    document = re.fullmatch(r'<script type="importmap">(.*)</script>', str(assets.importmap()))
    assert document is not None
    importmap = json.loads(document.group(1))
    problems, followed = [], 0
    for module in sorted(built.modules):
        base = ORIGIN + assets.url(module)
        for specifier in static_specifiers(found[module]):
            relative = specifier.startswith(("./", "../", "/"))
            key = urlsplit(urljoin(base, specifier)).path if relative else specifier
            reached = importmap["imports"].get(key)
            target = resolve(module, specifier)
            if reached != assets.url(target):
                problems.append(f"{module}: {specifier!r} -> {key} -> {reached}, not {target}")
            elif importmap["integrity"].get(reached) != assets.integrity(target):
                problems.append(f"{module}: {specifier!r} -> {reached} has no integrity")
            followed += 1
    print(f"\nimports followed through the runtime import map: {followed}")
    assert not problems, "\n".join(problems)


# --- The release -------------------------------------------------------------------------------


def test_a_module_is_published_byte_for_byte_but_for_its_source_map_comment(built: Built) -> None:
    changed = []
    for module in sorted(built.modules):
        source = built.source(module)
        published = built.published(module).read_text(encoding="utf-8")
        if JS_SOURCE_MAP.sub("", published) != JS_SOURCE_MAP.sub("", source):
            changed.append(module)
        for url in JS_SOURCE_MAP.findall(published):  # rewritten to the fingerprinted map
            target = posixpath.normpath(
                posixpath.join(posixpath.dirname(built.assets[module]["path"]), url)
            )
            assert (built.release / target).is_file() and FINGERPRINTED.match(target), url
    assert changed == []


def test_every_published_module_parses_as_a_module_in_node(
    built: Built, parsed: dict[str, dict[str, Any]]
) -> None:
    failed = [
        f"{name}: {parsed[name]['error']}" for name in built.modules if "error" in parsed[name]
    ]
    print(f"\nmodules parsed as modules by node: {len(built.modules) - len(failed)}")
    assert not failed, "\n".join(failed)


def test_assetbuild_verify_accepts_the_module_release(built: Built) -> None:
    result = assetbuild("verify", str(built.release), cwd=built.release)
    assert result.returncode == 0, result.stderr
    assert f"{len(built.assets)} assets verified" in result.stdout
