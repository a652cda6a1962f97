"""Conformance on real-world assets: the 14 pinned npm packages of ``scripts/corpus.py``.

Owns: building that corpus through the real command line (one CSS and one JS bundle per package,
no compression) and checking what must hold of any correct release of it: only source map
warnings, every local reference in every published stylesheet and every script's source map
comment resolving to a fingerprinted file of the release (the file its source named), every JS
bundle parsing, a manifest that names every published file, and ``assetbuild verify`` agreeing.
One package (jquery-ui) is also built with compression on, which is too slow for the whole corpus.

The corpus is fetched with npm into ``$ASSETBUILD_CORPUS_CACHE`` (default
``~/.cache/assetbuild/corpus-npm``), so only the first run downloads. Without npm or a network
the tests skip, except in CI (``CI=true``), where they fail: CI must always run them.
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from assetbuild.compiler.scan.css import prelude, scan
from assetbuild.compiler.scan.reference import Reference
from tests.conftest import assetbuild, unavailable
from tests.corpus_script import corpus

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
FINGERPRINTED = re.compile(r"^(?:.*/)?[^/]+\.[0-9a-f]{12}(?:\.[^./]+)?$")
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
JS_SOURCE_MAP = re.compile(r"^[ \t]*//[#@][ \t]*sourceMappingURL=(\S+)[ \t]*$", re.MULTILINE)
SOURCE_MAP_WARNING = re.compile(r"^warning: .*\bsourceMappingURL=")


# --- Building ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Built:
    corpus: Path
    release: Path
    manifest: dict[str, Any]
    summary: dict[str, Any]  # what --json printed
    stderr_lines: list[str]
    seconds: float

    @property
    def assets(self) -> dict[str, dict[str, Any]]:
        return self.manifest["assets"]

    def release_paths(self) -> set[str]:
        return {entry["path"] for entry in self.assets.values()}


def build(source: Path, workdir: Path, compress: list[str]) -> Built:
    """Write the corpus config in ``workdir`` and build ``workdir/release`` from another
    directory, so that the config's relative output is read against the config's directory."""
    config = corpus.write_config(source, workdir / "release", compress)
    # Node reads a .js file as CommonJS or as an ES module by the nearest package.json; pin it,
    # so `node --check` parses bundles as scripts wherever the temporary directory lies.
    (workdir / "package.json").write_text('{"type": "commonjs"}\n', encoding="utf-8")
    elsewhere = workdir / "cwd"
    elsewhere.mkdir()
    started = time.perf_counter()
    result = assetbuild("build", "--config", str(config), "--json", cwd=elsewhere)
    seconds = time.perf_counter() - started
    assert result.returncode == 0, f"build failed ({result.returncode}):\n{result.stderr}"
    release = workdir / "release"
    summary = json.loads(result.stdout)
    assert Path(summary["output"]).resolve() == release.resolve()
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    return Built(source, release, manifest, summary, result.stderr.splitlines(), seconds)


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    started = time.perf_counter()
    try:
        out = corpus.ensure_corpus(tmp_path_factory.mktemp("corpus") / "corpus")
    except corpus.FetchError as exc:
        unavailable(f"the conformance corpus cannot be fetched: {exc}")
    print(f"\ncorpus ready in {time.perf_counter() - started:.1f} s: {out}")
    return out


@pytest.fixture(scope="module")
def built(corpus_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Built:
    result = build(corpus_dir, tmp_path_factory.mktemp("conformance"), compress=[])
    print(f"\ncorpus built in {result.seconds:.1f} s: {len(result.assets)} assets")
    return result


# --- References --------------------------------------------------------------------------------


def is_local(url: str) -> bool:
    """Whether a URL names a file of the site: not ``data:``, a scheme, ``//host`` or ``#id``."""
    return bool(url) and not (SCHEME.match(url) or url.startswith(("//", "#")))


def split_url(url: str) -> tuple[str, str]:
    """``font.eot?#iefix`` -> (``font.eot``, ``?#iefix``): the path, percent-decoded, and the
    query and fragment as written."""
    cut = min((i for i in (url.find("?"), url.find("#")) if i >= 0), default=len(url))
    return unquote(url[:cut]), url[cut:]


def resolve(base: str, path: str) -> str:
    """The release (or logical) path that ``path``, written in the file ``base``, names."""
    return posixpath.normpath(posixpath.join(posixpath.dirname(base), path))


def where(file: str, reference: Reference) -> str:
    return f"{file}:{reference.line}:{reference.column}: {reference.kind} {reference.url!r}"


def published_css(built: Built) -> Iterator[tuple[str, dict[str, Any], str]]:
    """(logical path, manifest entry, published text) of every stylesheet in the release."""
    for name, entry in sorted(built.assets.items()):
        if entry["path"].endswith(".css"):
            yield name, entry, (built.release / entry["path"]).read_text(encoding="utf-8")


def test_the_corpus_builds_with_no_warnings_but_missing_source_maps(built: Built) -> None:
    warnings = [line for line in built.stderr_lines if line.startswith("warning: ")]
    assert all(SOURCE_MAP_WARNING.match(line) for line in built.stderr_lines), built.stderr_lines
    assert len(built.summary["warnings"]) == len(warnings)
    print(f"\nwarnings: {len(warnings)} (all for source maps the packages name but do not ship)")


def test_every_local_reference_in_published_css_resolves_to_a_fingerprinted_file(
    built: Built,
) -> None:
    paths = built.release_paths()
    problems, files, resolved = [], 0, 0
    for _, entry, text in published_css(built):
        files += 1
        for reference in scan(text):
            if not is_local(reference.url):
                continue
            path, _ = split_url(reference.url)
            target = resolve(entry["path"], path)
            if target.startswith(("../", "/")) or target == "..":
                problems.append(f"{where(entry['path'], reference)} leaves the release")
            elif not (built.release / target).is_file():
                problems.append(f"{where(entry['path'], reference)} -> {target}: no such file")
            elif target not in paths or not FINGERPRINTED.match(target):
                problems.append(f"{where(entry['path'], reference)} -> {target}: not in manifest")
            else:
                resolved += 1
    print(f"\nCSS files: {files}; local references resolved: {resolved}")
    assert not problems, "\n".join(problems)
    assert files > 70 and resolved > 250  # the corpus is really there, and really scanned


def test_a_stylesheet_outside_bundles_keeps_its_references_each_to_the_file_its_source_named(
    built: Built,
) -> None:
    problems, checked = [], 0
    for name, entry, text in published_css(built):
        if "sources" in entry:
            continue
        original = [
            r
            for r in scan((built.corpus / name).read_text(encoding="utf-8"))
            if r.kind != "sourcemap" or resolve(name, split_url(r.url)[0]) in built.assets
        ]  # a comment naming a map that is not there is dropped, with a warning
        rewritten = scan(text)
        if [r.kind for r in original] != [r.kind for r in rewritten]:
            problems.append(f"{name}: references {len(original)} -> {len(rewritten)} in release")
            continue
        for before, after in zip(original, rewritten, strict=True):
            if not is_local(before.url):
                if after.url != before.url:
                    problems.append(f"{where(name, before)} became {after.url!r}")
                continue
            path, suffix = split_url(before.url)
            wanted = built.assets.get(resolve(name, path), {}).get("path")
            got, got_suffix = split_url(after.url)
            if resolve(entry["path"], got) != wanted or got_suffix != suffix:
                problems.append(f"{where(name, before)} became {after.url!r}, not {wanted}{suffix}")
            checked += 1
    print(f"\nreferences checked against their sources: {checked}")
    assert not problems, "\n".join(problems)


def test_every_source_map_comment_in_published_js_names_a_map_in_the_release(
    built: Built,
) -> None:
    paths, problems, checked = built.release_paths(), [], 0
    for entry in built.assets.values():
        if not entry["path"].endswith((".js", ".cjs", ".mjs")):
            continue
        text = (built.release / entry["path"]).read_text(encoding="utf-8")
        for url in JS_SOURCE_MAP.findall(text):
            target = resolve(entry["path"], split_url(url)[0])
            if target not in paths:
                problems.append(
                    f"{entry['path']}: sourceMappingURL={url} -> {target}: not in manifest"
                )
            checked += 1
    print(f"\nJS source map comments resolved: {checked}")
    assert not problems, "\n".join(problems)


def test_a_bundle_of_jquery_ui_all_css_inlines_every_nested_import(built: Built) -> None:
    bundle = built.assets["bundles/jquery-ui.css"]
    text = (built.release / bundle["path"]).read_text(encoding="utf-8")
    assert [r for r in scan(text) if r.kind == "import"] == []
    for widget in ("ui-accordion", "ui-datepicker", "ui-tooltip", "ui-widget-header"):
        assert f".{widget}" in text, widget  # from accordion.css ... theme.css, two imports deep
    assert bundle["size"] > 20_000


def test_a_css_bundle_has_one_charset_at_its_start_exactly_when_it_is_not_ascii(
    built: Built,
) -> None:
    for name, entry, text in published_css(built):
        if "sources" not in entry:
            continue
        assert "\ufeff" not in text, name
        assert text.count("@charset") == (0 if text.isascii() else 1), name
        assert text.isascii() or text.startswith('@charset "UTF-8";'), name
        assert len(prelude(text).imports) == sum(r.kind == "import" for r in scan(text)), name


def test_every_js_bundle_parses(built: Built) -> None:
    if shutil.which("node") is None:
        unavailable("node is not installed; it checks the syntax of JS bundles")
    bundles = sorted(e["path"] for e in built.assets.values() if "sources" in e)
    scripts = [built.release / p for p in bundles if p.endswith(".js")]

    def check(script: Path) -> tuple[Path, subprocess.CompletedProcess[str]]:
        command = ["node", "--check", str(script)]
        return script, subprocess.run(command, capture_output=True, text=True, check=False)

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        failed = [
            f"{s.name}: {r.stderr.strip()}" for s, r in pool.map(check, scripts) if r.returncode
        ]
    print(f"\nJS bundles checked with node --check: {len(scripts)}")
    assert not failed, "\n".join(failed)
    assert len(scripts) == sum(1 for b in corpus.BUNDLES.values() if b.js)


# --- The release -------------------------------------------------------------------------------


def test_the_manifest_names_every_published_file_and_nothing_else(built: Built) -> None:
    named = set()
    for entry in built.assets.values():
        named |= {entry["path"], *entry["encodings"].values()}
    on_disk = {
        p.relative_to(built.release).as_posix()
        for p in built.release.rglob("*")
        if p.is_file() and p.relative_to(built.release).parts[0] != ".assetbuild"
    }
    assert on_disk - named == {"manifest.json"}  # nothing published that the manifest omits
    assert named - on_disk == set()  # nothing named that is not there
    every_source = {
        p.relative_to(built.corpus).as_posix()
        for p in built.corpus.rglob("*")
        if p.is_file() and not p.name.startswith(".")
    }
    inputs = {i for e in built.assets.values() for i in e.get("sources", [])}
    assert set(built.assets) == (every_source - inputs) | {
        name for name, e in built.assets.items() if "sources" in e
    }


def test_assetbuild_verify_accepts_the_release(built: Built) -> None:
    result = assetbuild("verify", str(built.release), cwd=built.release)
    assert result.returncode == 0, result.stderr
    assert f"{len(built.assets)} assets verified" in result.stdout


def test_a_copy_of_the_corpus_elsewhere_builds_to_the_same_bytes(
    built: Built, tmp_path: Path
) -> None:
    moved = tmp_path / "elsewhere" / "corpus"
    shutil.copytree(built.corpus, moved)
    again = build(moved, tmp_path, compress=[])

    def files(release: Path) -> dict[str, str]:
        return {
            p.relative_to(release).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in release.rglob("*")
            if p.is_file() and p.relative_to(release).parts[0] != ".assetbuild"
        }

    assert again.manifest == built.manifest
    assert files(again.release) == files(built.release)
    assert str(moved) not in (again.release / "manifest.json").read_text(encoding="utf-8")


def test_one_package_built_with_compression_verifies(corpus_dir: Path, tmp_path: Path) -> None:
    one = tmp_path / "corpus"
    shutil.copytree(corpus_dir / "jquery-ui", one / "jquery-ui")
    result = build(one, tmp_path, compress=["gzip", "br"])
    print(f"\njquery-ui built with gzip and brotli in {result.seconds:.1f} s")
    assert all(SOURCE_MAP_WARNING.match(line) for line in result.stderr_lines), result.stderr_lines
    encodings = {name: set(e["encodings"]) for name, e in result.assets.items()}
    assert encodings["bundles/jquery-ui.js"] == {"gzip", "br"}
    assert encodings["bundles/jquery-ui.css"] == {"gzip", "br"}
    assert encodings["jquery-ui/themes/base/images/ui-icons_444444_256x240.png"] == set()
    verified = assetbuild("verify", str(result.release), cwd=tmp_path)
    assert verified.returncode == 0, verified.stderr
