"""The performance benchmark: assetbuild and its peers side by side, on the real-world corpus.

    .venv/bin/python bench/run.py [--rounds 5] [--scales 1,4,16] [--tools a,b] [--packages p,q]
    make bench           # the whole thing (20-40 minutes on 2 cores: WhiteNoise and brotli 11)
    make bench-smoke     # --smoke: 1 round, x1, assetbuild + floor + Django, 2 packages

Owns: the harness. It lays out the corpus of ``scripts/corpus.py`` (x1, and x16 = 16 copies),
installs the peers (``bench/requirements-peers.txt`` into ``bench/.venv-peers``, esbuild from
``bench/package.json`` into ``bench/node_modules``), then, for each scale and each of several
rounds, runs every tool once, each as a separate process writing into a fresh empty directory
(a cold build) from the same corpus, and records its wall time (``time.perf_counter``), CPU time
(user + sys) and peak memory (``ru_maxrss``), both from ``os.wait4`` on the child. Tools run
interleaved within a round, after an ``os.sync()``, so that drifting load and the previous tool's
writeback fall on all of them alike. Then the runtime figures (``bench/runtime.py``, and the cold
import of ``assetbuild.runtime`` from here). It prints one table of medians and ratios and one of
runtime figures, and writes both, with every sample, to ``bench/results.json``.

Peak memory is the largest single process of the tool's tree (what ``wait4`` reports), not a sum
over its worker processes. CPU time includes the workers the tool waited for.

A peer that cannot be installed or fails is reported, with the reason, and the run goes on.
Exit status: 0 when every requested assetbuild measurement was made; 1 when one failed; 2 bad
usage; 3 the corpus cannot be fetched (no npm or no network: tests/test_bench.py skips on it
outside CI).

Must not: import assetbuild (it runs ``python -m assetbuild`` like a user), read ``../shared``,
or leave anything behind but ``bench/results.json``, the peers' venv and ``bench/node_modules``:
its work directory is a temporary one, removed at the end (``--keep-work`` keeps it).
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import importlib.util
import json
import os
import platform
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PEERS_VENV = BENCH / ".venv-peers"
REQUIREMENTS = BENCH / "requirements-peers.txt"
DEFAULT_JSON = BENCH / "results.json"
SMOKE_JSON = BENCH / "results-smoke.json"
EXIT_NO_CORPUS = 3
LOCK_WAIT = 900.0  # seconds to wait for another run that is installing the same peers
INSTALL_TIMEOUT = 900.0
EDIT_CANDIDATE = "jquery-ui/themes/base/button.css"  # @imported by base.css, then all.css
EDIT_TEXT = b"\n.assetbuild-bench-edit{color:#c00}\n"
SETTLE_SECONDS = 2.5  # past assetbuild's RACY_SECONDS (2) after the corpus is laid out
SMOKE = {
    "rounds": 1,
    "scales": "1",
    "tools": "assetbuild,assetbuild-modules,floor,django",
    "packages": "jquery-ui,leaflet",  # leaflet ships an ES module
    "runtime_budget": 0.02,
}


def _load_corpus_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("assetbuild_corpus", ROOT / "scripts/corpus.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


corpus = _load_corpus_module()


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- What is measured --------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One line of the table: what a timed step of a tool measures."""

    key: str
    label: str
    compresses: bool = False  # writes gzip/brotli variants: also compared with assetbuild's


@dataclass(frozen=True)
class Tool:
    key: str  # what --tools names
    rows: tuple[Row, ...]
    runner: str  # "main" (.venv), "peers" (bench/.venv-peers) or "esbuild"
    modules: tuple[str, ...] = ()  # what the peers' venv must import for it
    slow: bool = False  # x1 only unless --slow-everywhere
    what: str = ""


TOOLS: tuple[Tool, ...] = (
    Tool(
        "assetbuild",
        (
            Row("assetbuild", "assetbuild build"),
            Row("assetbuild-rebuild", "assetbuild rebuild, nothing changed"),
            Row("assetbuild-edit", "assetbuild rebuild, 1 CSS file changed"),
        ),
        "main",
        what="compress = [], one CSS + one JS bundle per package; then a rebuild into the same "
        "release, then one with one stylesheet changed",
    ),
    Tool(
        "assetbuild-modules",
        (Row("assetbuild-modules", "assetbuild build, ES modules declared"),),
        "main",
        what="the same, with the corpus's 8 ES modules (bootstrap, chart.js, leaflet, three) "
        "declared as modules; the note gives the time spent reading them (the build's "
        '"modules" phase, from its --json timings) and its share of the build',
    ),
    Tool(
        "assetbuild-br",
        (
            Row("assetbuild-br", "assetbuild build, gzip + br", True),
            Row("assetbuild-br-rebuild", "assetbuild gzip+br rebuild, nothing changed", True),
            Row("assetbuild-br-edit", "assetbuild gzip+br rebuild, 1 CSS changed", True),
        ),
        "main",
        slow=True,
        what='compress = ["gzip", "br"] (gzip 9, brotli 11)',
    ),
    Tool(
        "assetbuild-cache",
        (
            Row("assetbuild-cache", "assetbuild gzip+br, empty cache_dir", True),
            Row("assetbuild-cache-fresh", "assetbuild gzip+br, fresh checkout, warm cache", True),
            Row("assetbuild-cache-edit", "assetbuild gzip+br, warm cache, 1 CSS changed", True),
        ),
        "main",
        slow=True,
        what="gzip + br with a cache_dir: a cold build that fills it, then a fresh checkout "
        "(the corpus at another path, a new release and no build cache, as a CI runner or a "
        "Docker build stage) with the cache warm, then the same with one stylesheet changed; "
        "the note gives the cache's hits and misses",
    ),
    Tool(
        "django",
        (Row("django", "Django 5.2 collectstatic, Manifest"),),
        "peers",
        ("django",),
        what="ManifestStaticFilesStorage: copy + md5 + CSS/JS url rewriting; no minify/compress",
    ),
    Tool(
        "whitenoise",
        (Row("whitenoise", "WhiteNoise 6 CompressedManifest", True),),
        "peers",
        ("django", "whitenoise"),
        slow=True,
        what="the above + gzip 9 + brotli 11 of originals and hashed copies, threads",
    ),
    Tool(
        "webassets",
        (Row("webassets", "webassets 3.0 bundles"),),
        "peers",
        ("webassets", "rcssmin", "rjsmin"),
        what="the same bundles: cssrewrite + rcssmin / rjsmin + md5 version; publishes bundles only",
    ),
    Tool(
        "flask-static-digest",
        (Row("flask-static-digest", "Flask-Static-Digest compile", True),),
        "peers",
        ("flask_static_digest",),
        slow=True,
        what="md5-named copy + gzip 9 of every file, in the static folder; no url rewriting",
    ),
    Tool(
        "esbuild",
        (Row("esbuild", "esbuild bundles, 2 cores"),),
        "esbuild",
        what="each bundle's entry, --bundle --minify, file loader for fonts/images, hashed names, "
        "GOMAXPROCS=2",
    ),
    Tool(
        "floor",
        (Row("floor", "floor: read+minify+sha256+write"),),
        "peers",
        ("rjsmin", "rcssmin"),
        what="bench/floor.py, 2 processes: no rewriting, no bundling, no manifest",
    ),
    Tool(
        "floor-compress",
        (Row("floor-compress", "compression floor: gzip 9 + br 11", True),),
        "peers",
        ("brotli",),
        slow=True,
        what="the same codecs on the same output bytes: bench/floor.py --compress, 2 processes, "
        "writes gzip 9 and brotli 11 of every file of assetbuild's uncompressed release (built "
        "untimed before it) that assetbuild would compress; its wall time is all compression",
    ),
)
TOOL_BY_KEY = {tool.key: tool for tool in TOOLS}
ROW_BY_KEY = {row.key: row for tool in TOOLS for row in tool.rows}


@dataclass(frozen=True)
class Sample:
    wall: float
    cpu: float
    maxrss_kib: int
    load: float  # 1-minute load average just before the run


@dataclass
class Result:
    row: str
    scale: int
    samples: list[Sample] = field(default_factory=list)
    note: str = ""
    error: str | None = None
    timings: list[dict[str, float]] = field(default_factory=list)  # assetbuild's, per round
    files: int | None = None
    bytes: int | None = None


@dataclass(frozen=True)
class Step:
    """One process a round runs: timed into ``row``, with what to read from it afterwards."""

    row: str
    command: list[str]
    cwd: Path
    env: dict[str, str]
    output: Path  # what to count afterwards
    note: Callable[[Path, Path], str] | None = None  # (stdout file, stderr file) -> note
    keep: tuple[tuple[str, Path], ...] = ()  # (file in output, copy to) for the runtime figures


@dataclass(frozen=True)
class Corpus:
    """The inputs at one scale."""

    scale: int
    source: Path
    edited: Path  # a hard-linked copy with one stylesheet changed
    edited_name: str
    config: Path  # compress = []
    config_br: Path  # compress = ["gzip", "br"]
    config_modules: Path  # compress = [], the corpus's ES modules declared
    bundles: dict[str, list[str]]
    bundles_json: Path
    files: int
    bytes: int


@dataclass
class Context:
    args: argparse.Namespace
    work: Path
    keep: Path  # manifests kept for the runtime figures
    peers_python: Path | None = None
    esbuild: Path | None = None
    unavailable: dict[str, str] = field(default_factory=dict)  # tool key -> why
    versions: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    results: dict[tuple[str, int], Result] = field(default_factory=dict)


# --- Processes ---------------------------------------------------------------------------------


def child_env(**extra: str) -> dict[str, str]:
    """The environment of a measured process: ours without ``ASSETBUILD_*`` or ``PYTHONPATH``."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("ASSETBUILD_") and k != "PYTHONPATH"
    }
    env.update(extra)
    return env


def measure(
    command: list[str],
    *,
    cwd: Path,
    env: dict[str, str],
    stdout: Path,
    stderr: Path,
    timeout: float,
) -> tuple[int, Sample]:
    """Run ``command`` to its end as a process of its own; its exit status and its figures.

    ``os.wait4`` reaps the child and returns its resource usage: user and system time of it and
    of every descendant it waited for, and the largest ``ru_maxrss`` among them. A timer kills
    the child's process group (it runs in a session of its own) after ``timeout`` seconds, and so
    does an exception here (Ctrl-C), so no measured process outlives the harness.
    """
    load = os.getloadavg()[0]
    with stdout.open("wb") as out, stderr.open("wb") as err:
        started = time.perf_counter()
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            start_new_session=True,
        )
        reaped = threading.Event()
        lock = threading.Lock()

        def kill() -> None:
            with lock:
                if not reaped.is_set():
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(process.pid, signal.SIGKILL)

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
            wall = time.perf_counter() - started
        except BaseException:
            kill()
            with contextlib.suppress(ChildProcessError):
                os.wait4(process.pid, 0)
            raise
        finally:
            with lock:
                reaped.set()
            timer.cancel()
    code = os.waitstatus_to_exitcode(status)
    process.returncode = code  # reaped here: Popen must not wait for it again
    if code == -signal.SIGKILL and wall >= timeout:
        code = 124
    cpu = usage.ru_utime + usage.ru_stime
    return code, Sample(wall, cpu, usage.ru_maxrss, load)


def tail(path: Path, lines: int = 3) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return ""
    return " / ".join(line.strip() for line in text[-lines:])


def count(output: Path, *, dotfiles: bool = True) -> tuple[int, int]:
    """Files and bytes under ``output``, assetbuild's ``.assetbuild`` bookkeeping left out (and
    every dotfile, such as the corpus's stamp, with ``dotfiles=False``)."""
    files = size = 0
    for directory, subdirs, names in os.walk(output):
        subdirs[:] = [d for d in subdirs if d != ".assetbuild"]
        for name in names:
            if not dotfiles and name.startswith("."):
                continue
            with contextlib.suppress(OSError):
                size += os.lstat(os.path.join(directory, name)).st_size
                files += 1
    return files, size


@contextlib.contextmanager
def locked(path: Path, what: str) -> Iterator[None]:
    """An exclusive lock on ``path``, waited for at most ``LOCK_WAIT`` seconds."""
    with path.open("a") as handle:
        deadline = time.monotonic() + LOCK_WAIT
        told = False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError(
                        f"{what}: {path} stayed locked for {LOCK_WAIT:.0f} s"
                    ) from None
                if not told:
                    log(f"{what}: waiting for another run that holds {path}")
                    told = True
                time.sleep(0.5)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def run_quiet(command: list[str], *, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command,
        cwd=cwd,
        env=child_env(),
        capture_output=True,
        text=True,
        check=False,
        timeout=INSTALL_TIMEOUT,
    )


def last_lines(result: subprocess.CompletedProcess[str], lines: int = 3) -> str:
    text = (result.stderr or result.stdout or "").strip().splitlines()
    useful = [line for line in text if "error" in line.lower()] or text
    return " / ".join(line.strip() for line in useful[-lines:]) or f"exit {result.returncode}"


# --- Peers -------------------------------------------------------------------------------------

PROBE = """
import importlib, importlib.metadata as md, json, sys
out = {"modules": {}, "versions": {}}
for name in sys.argv[1:]:
    try:
        importlib.import_module(name)
        out["modules"][name] = ""
    except Exception as exc:
        out["modules"][name] = f"{type(exc).__name__}: {exc}"
for dist in ("Django", "whitenoise", "webassets", "Flask", "Flask-Static-Digest", "rjsmin",
             "rcssmin", "Brotli", "Jinja2", "MarkupSafe"):
    try:
        out["versions"][dist] = md.version(dist)
    except md.PackageNotFoundError:
        pass
print(json.dumps(out))
"""


def _requirements() -> list[str]:
    lines = REQUIREMENTS.read_text(encoding="utf-8").splitlines()
    return [line.split("#")[0].strip() for line in lines if line.split("#")[0].strip()]


def ensure_peers() -> tuple[Path | None, dict[str, str]]:
    """The peers' venv, created and filled from ``requirements-peers.txt`` unless it already is
    (a stamp records the requirements it was filled from); its python, and the requirements that
    failed to install (each tried alone once the whole file failed), with why."""
    python = PEERS_VENV / "bin" / "python"
    stamp = PEERS_VENV / ".bench-stamp"
    base = Path(getattr(sys, "_base_executable", sys.executable))
    want = hashlib.sha256(REQUIREMENTS.read_bytes() + str(base).encode()).hexdigest()[:16]
    with locked(BENCH / ".venv-peers.lock", "peers"):
        if python.exists() and stamp.is_file() and stamp.read_text().strip() == want:
            return python, {}
        log(
            f"peers: installing {REQUIREMENTS.relative_to(ROOT)} into {PEERS_VENV.relative_to(ROOT)}"
        )
        if not python.exists():
            created = run_quiet([str(base), "-m", "venv", str(PEERS_VENV)])
            if created.returncode != 0:
                return None, {"venv": f"python -m venv failed: {last_lines(created)}"}
        pip = [str(python), "-m", "pip", "install", "--disable-pip-version-check", "--quiet"]
        installed = run_quiet([*pip, "-r", str(REQUIREMENTS)])
        failures: dict[str, str] = {}
        if installed.returncode != 0:
            log(f"peers: pip failed ({last_lines(installed, 1)}); installing one at a time")
            for requirement in _requirements():
                alone = run_quiet([*pip, requirement])
                if alone.returncode != 0:
                    failures[requirement] = last_lines(alone)
        if not failures:
            stamp.write_text(want + "\n")
        return python, failures


def _find_esbuild() -> Path | None:
    for candidate in sorted(BENCH.glob("node_modules/@esbuild/*/bin/esbuild")):
        if os.access(candidate, os.X_OK):
            return candidate
    return None


def ensure_esbuild() -> tuple[Path | None, str]:
    """esbuild's native binary from ``bench/node_modules``, installed with ``npm ci`` (pinned by
    ``package.json`` and ``package-lock.json``, no install scripts) unless it already is."""
    lock_file = BENCH / "package-lock.json"
    want = hashlib.sha256(
        (BENCH / "package.json").read_bytes()
        + (lock_file.read_bytes() if lock_file.exists() else b"")
    ).hexdigest()[:16]
    stamp = BENCH / "node_modules" / ".bench-stamp"
    with locked(BENCH / ".node-modules.lock", "esbuild"):
        binary = _find_esbuild()
        if binary is not None and stamp.is_file() and stamp.read_text().strip() == want:
            return binary, ""
        npm = shutil.which("npm")
        if npm is None:
            return None, "npm is not installed"
        log("esbuild: npm ci in bench/")
        verb = "ci" if lock_file.exists() else "install"
        flags = ["--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"]
        try:
            result = run_quiet([npm, verb, *flags], cwd=BENCH)
        except subprocess.TimeoutExpired:
            return None, f"npm {verb} took more than {INSTALL_TIMEOUT:.0f} s"
        if result.returncode != 0:
            return None, f"npm {verb} failed: {last_lines(result)}"
        binary = _find_esbuild()
        if binary is None:
            return None, "npm installed no esbuild binary for this platform"
        stamp.write_text(want + "\n")
        return binary, ""


def prepare_tools(ctx: Context, tools: list[Tool]) -> None:
    """Install what the chosen tools need; note in ``ctx.unavailable`` what cannot run and why."""
    needs_peers = any(t.runner == "peers" for t in tools) or ctx.args.runtime
    if needs_peers:
        try:
            python, failures = ensure_peers()
        except (OSError, TimeoutError, subprocess.TimeoutExpired) as exc:
            python, failures = None, {"venv": str(exc)}
        for requirement, why in failures.items():
            ctx.notes.append(f"peers: {requirement} failed to install: {why}")
        ctx.peers_python = python
        modules = sorted({m for t in tools for m in t.modules})
        probe: dict[str, Any] = {"modules": {}, "versions": {}}
        if python is not None:
            result = run_quiet([str(python), "-c", PROBE, *modules])
            if result.returncode == 0:
                probe = json.loads(result.stdout)
            else:
                failures["probe"] = last_lines(result)
        ctx.versions.update(probe["versions"])
        for tool in tools:
            if tool.runner != "peers":
                continue
            if python is None:
                ctx.unavailable[tool.key] = "no peers venv: " + "; ".join(failures.values())
                continue
            broken = {m: probe["modules"].get(m, "not probed") for m in tool.modules}
            broken = {m: why for m, why in broken.items() if why}
            if broken:
                ctx.unavailable[tool.key] = "not installed: " + "; ".join(
                    f"import {m}: {why}" for m, why in broken.items()
                )
    if any(t.runner == "esbuild" for t in tools):
        try:
            binary, why = ensure_esbuild()
        except (OSError, TimeoutError) as exc:
            binary, why = None, str(exc)
        ctx.esbuild = binary
        if binary is None:
            ctx.unavailable["esbuild"] = f"not installed: {why}"
        else:
            version = run_quiet([str(binary), "--version"])
            ctx.versions["esbuild"] = version.stdout.strip() or "?"


# --- Corpus ------------------------------------------------------------------------------------


def link_tree(source: Path, target: Path) -> None:
    """A copy of ``source`` at ``target`` made of hard links (real copies across filesystems).
    Whoever changes a file in it must replace the file, never write into it."""
    for directory, subdirs, names in os.walk(source):
        subdirs.sort()
        destination = target / os.path.relpath(directory, source)
        destination.mkdir(parents=True, exist_ok=True)
        for name in names:
            origin = os.path.join(directory, name)
            try:
                os.link(origin, destination / name)
            except OSError:
                shutil.copy2(origin, destination / name)


def prepare_corpus(ctx: Context, scale: int) -> Corpus:
    """The corpus at ``scale`` copies, its edited twin, its configs and its bundle table."""
    args = ctx.args
    root = args.corpus_root or ctx.work / "corpus"
    here = ctx.work / f"x{scale}"
    here.mkdir(parents=True, exist_ok=True)
    if args.packages:
        full = corpus.ensure_corpus(root / "x1", 1, log=log)
        source = here / "corpus"
        for index in range(scale):
            prefix = source if scale == 1 else source / corpus.COPY_FORMAT.format(index)
            for package in args.packages:
                link_tree(full / package, prefix / package)
    else:
        source = corpus.ensure_corpus(root / f"x{scale}", scale, log=log)
    bundles = corpus.bundles(source)
    prefix = "" if scale == 1 else corpus.COPY_FORMAT.format(0) + "/"
    edited_name = prefix + EDIT_CANDIDATE
    if not (source / edited_name).is_file():
        stylesheets = sorted(p for p in source.rglob("*.css") if p.is_file())
        edited_name = stylesheets[0].relative_to(source).as_posix()
    edited = here / "edited"
    link_tree(source, edited)
    changed = edited / edited_name
    data = changed.read_bytes()
    changed.unlink()  # a hard link: replace it, never write through it into the corpus
    changed.write_bytes(data + EDIT_TEXT)
    config = corpus.write_config(source, here / "release", [], config=here / "assetbuild.toml")
    config_br = corpus.write_config(
        source, here / "release", ["gzip", "br"], config=here / "assetbuild-br.toml"
    )
    config_modules = corpus.write_config(
        source, here / "release", [], config=here / "assetbuild-modules.toml", modules=True
    )
    bundles_json = here / "bundles.json"
    bundles_json.write_text(json.dumps(bundles, indent=1), encoding="utf-8")
    files, size = count(source, dotfiles=False)
    return Corpus(
        scale,
        source,
        edited,
        edited_name,
        config,
        config_br,
        config_modules,
        bundles,
        bundles_json,
        files,
        size,
    )


# --- Steps of each tool ------------------------------------------------------------------------


def _written_note(stdout: Path, stderr: Path) -> str:
    try:
        summary = json.loads(stdout.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "no JSON summary"
    return f"{len(summary['written'])} files written, {summary['assets']} assets"


def _cache_note(stdout: Path, stderr: Path) -> str:
    summary = json.loads(stdout.read_text(encoding="utf-8"))
    cached = summary.get("cache_dir") or {}
    hits, misses = cached.get("hits", {}), cached.get("misses", {})
    return (
        f"{_written_note(stdout, stderr)}; cache_dir: {sum(hits.values())} hits, "
        f"{sum(misses.values())} misses (br {misses.get('br', 0)}, gzip {misses.get('gzip', 0)})"
    )


def _timings(stdout: Path) -> dict[str, float] | None:
    """The phase timings of an assetbuild build's --json summary, if it has them."""
    try:
        timings = json.loads(stdout.read_text(encoding="utf-8")).get("timings")
    except (OSError, ValueError, AttributeError):
        return None
    return {str(k): float(v) for k, v in timings.items()} if isinstance(timings, dict) else None


def _django_note(stdout: Path, stderr: Path) -> str:
    found = re.search(r"^bench-django: (.*)$", stderr.read_text(errors="replace"), re.MULTILINE)
    copied = re.search(r"(\d+) static files? copied.*?(\d+) post-processed", stdout.read_text())
    parts = []
    if copied:
        parts.append(f"{copied.group(1)} copied, {copied.group(2)} post-processed")
    if found:
        parts.append(found.group(1).rstrip(": "))
    return "; ".join(parts)


def _already_compressed() -> list[str]:
    """The extensions assetbuild never compresses, asked of assetbuild in a child process (this
    harness does not import it)."""
    code = "from assetbuild.compiler import compress; print(*sorted(compress.ALREADY_COMPRESSED))"
    result = run_quiet([sys.executable, "-c", code])
    if result.returncode != 0:
        raise OSError(f"cannot ask assetbuild what it compresses: {last_lines(result)}")
    return result.stdout.split()


def steps_for(ctx: Context, tool: Tool, data: Corpus, round_dir: Path) -> list[Step]:
    """The processes one round of ``tool`` runs; any untimed preparation is done here."""
    peers = str(ctx.peers_python)
    scale = data.scale
    out = round_dir / "out"
    if tool.key == "assetbuild-modules":
        command = [
            sys.executable,
            "-m",
            "assetbuild",
            "build",
            "--config",
            str(data.config_modules),
        ]
        command += ["--output", str(out), "--json"]
        return [Step(tool.key, command, round_dir, child_env(), out, _written_note)]
    if tool.key in ("assetbuild", "assetbuild-br"):
        config = data.config_br if tool.key == "assetbuild-br" else data.config
        command = [sys.executable, "-m", "assetbuild", "build", "--config", str(config)]
        command += ["--output", str(out), "--json"]
        keep: tuple[tuple[str, Path], ...] = ()
        if tool.key == "assetbuild":
            keep = (("manifest.json", ctx.keep / f"assetbuild-x{scale}.json"),)
        cold, rebuild, edit = (row.key for row in tool.rows)
        edited = child_env(ASSETBUILD_SOURCE=str(data.edited))
        return [
            Step(cold, command, round_dir, child_env(), out, _written_note, keep),
            Step(rebuild, command, round_dir, child_env(), out, _written_note),
            Step(edit, command, round_dir, edited, out, _written_note),
        ]
    if tool.key == "assetbuild-cache":
        cache_dir = round_dir / "cache"
        checkout = round_dir / "checkout"
        link_tree(data.source, checkout)  # another path: a key holding a path would miss
        command = [sys.executable, "-m", "assetbuild", "build", "--config", str(data.config_br)]
        command += ["--cache-dir", str(cache_dir), "--json"]
        cold, fresh, edit = (row.key for row in tool.rows)
        # Each into a release of its own: no release and no build cache, only the cache_dir.
        return [
            Step(cold, [*command, "--output", str(out)], round_dir, child_env(), out, _cache_note),
            Step(
                fresh,
                [*command, "--output", str(round_dir / "fresh")],
                round_dir,
                child_env(ASSETBUILD_SOURCE=str(checkout)),
                round_dir / "fresh",
                _cache_note,
            ),
            Step(
                edit,
                [*command, "--output", str(round_dir / "edit")],
                round_dir,
                child_env(ASSETBUILD_SOURCE=str(data.edited)),
                round_dir / "edit",
                _cache_note,
            ),
        ]
    if tool.key in ("django", "whitenoise"):
        env = child_env(
            BENCH_DJANGO_SOURCE=str(data.source),
            BENCH_DJANGO_OUTPUT=str(out),
            BENCH_DJANGO_STORAGE="manifest" if tool.key == "django" else "whitenoise",
        )
        command = [peers, str(BENCH / "django_manage.py"), "collectstatic", "--noinput"]
        keep = ()
        if tool.key == "django":
            keep = (("staticfiles.json", ctx.keep / f"django-x{scale}" / "staticfiles.json"),)
        return [Step(tool.key, command, round_dir, env, out, _django_note, keep)]
    if tool.key == "webassets":
        command = [peers, str(BENCH / "webassets_build.py"), str(data.source), str(out)]
        return [Step(tool.key, [*command, str(data.bundles_json)], round_dir, child_env(), out)]
    if tool.key == "flask-static-digest":
        link_tree(data.source, out)  # it writes into the static folder: a fresh copy per round
        command = [peers, "-m", "flask", "--app", str(BENCH / "flask_digest_app.py")]
        command += ["digest", "compile"]
        keep = (("cache_manifest.json", ctx.keep / f"fsd-x{scale}" / "cache_manifest.json"),)
        env = child_env(BENCH_STATIC=str(out))
        return [Step(tool.key, command, round_dir, env, out, None, keep)]
    if tool.key == "esbuild":
        entries = [str(data.source / i) for inputs in data.bundles.values() for i in inputs]
        loaders = ("woff", "woff2", "ttf", "eot", "otf", "svg", "png", "gif", "jpg", "jpeg")
        command = [str(ctx.esbuild), *entries, "--bundle", "--minify", "--log-level=error"]
        command += [f"--outbase={data.source}", f"--outdir={out}"]
        command += ["--entry-names=[dir]/[name].[hash]", "--asset-names=[dir]/[name].[hash]"]
        command += [f"--loader:.{extension}=file" for extension in loaders]
        return [Step(tool.key, command, round_dir, child_env(GOMAXPROCS="2"), out)]
    if tool.key == "floor":
        command = [peers, str(BENCH / "floor.py"), str(data.source), str(out), "--processes", "2"]
        return [Step(tool.key, command, round_dir, child_env(), out)]
    if tool.key == "floor-compress":
        release = round_dir / "release"
        build = [sys.executable, "-m", "assetbuild", "build", "--config", str(data.config)]
        made = run_quiet([*build, "--output", str(release)], cwd=round_dir)
        if made.returncode != 0:
            raise OSError(f"assetbuild build for the compression floor: {last_lines(made)}")
        command = [peers, str(BENCH / "floor.py"), "--compress", str(release), str(out)]
        command += ["--processes", "2", "--skip", ",".join(_already_compressed())]
        return [Step(tool.key, command, round_dir, child_env(), out)]
    raise AssertionError(tool.key)


def run_round(ctx: Context, tool: Tool, data: Corpus, index: int) -> None:
    """One round of ``tool`` at ``data.scale``: its steps, in order, in a fresh directory."""
    round_dir = ctx.work / "runs" / f"x{data.scale}" / tool.key
    shutil.rmtree(round_dir, ignore_errors=True)
    round_dir.mkdir(parents=True)
    try:
        try:
            steps = steps_for(ctx, tool, data, round_dir)
        except OSError as exc:  # preparing its round (a copy of the corpus) failed
            first = ctx.results.setdefault(
                (tool.rows[0].key, data.scale), Result(tool.rows[0].key, data.scale)
            )
            first.error = f"could not prepare the round: {exc}"
            log(f"  x{data.scale} {tool.key}: FAILED ({first.error})")
            return
        for number, step in enumerate(steps):
            result = ctx.results.setdefault((step.row, data.scale), Result(step.row, data.scale))
            os.sync()  # the previous tool's writeback is not this one's cost
            stdout, stderr = round_dir / f"{number}.stdout", round_dir / f"{number}.stderr"
            code, sample = measure(
                step.command,
                cwd=step.cwd,
                env=step.env,
                stdout=stdout,
                stderr=stderr,
                timeout=ctx.args.timeout,
            )
            if code != 0:
                why = (
                    f"timed out after {ctx.args.timeout:g} s"
                    if code == 124
                    else f"exit status {code}"
                )
                result.error = f"{why}: {tail(stderr) or tail(stdout)}"
                log(f"  x{data.scale} {step.row}: FAILED ({result.error})")
                return
            result.samples.append(sample)
            if tool.runner == "main":
                timings = _timings(stdout)
                if timings is not None:
                    result.timings.append(timings)
            result.files, result.bytes = count(step.output)
            if step.note is not None:
                try:
                    result.note = step.note(stdout, stderr)
                except (OSError, ValueError, KeyError) as exc:
                    result.note = f"(no note: {exc})"
            for name, target in step.keep:
                target.parent.mkdir(parents=True, exist_ok=True)
                with contextlib.suppress(OSError):  # the runtime figure will say it is missing
                    shutil.copyfile(step.output / name, target)
            log(
                f"  x{data.scale} round {index + 1} {step.row}: {sample.wall:.3f} s wall, "
                f"{sample.cpu:.3f} s cpu, {sample.maxrss_kib / 1024:.0f} MiB"
                + (f" ({result.note})" if result.note else "")
            )
    finally:
        shutil.rmtree(round_dir, ignore_errors=True)


def failed(ctx: Context, tool: Tool, scale: int) -> bool:
    return any(
        (r := ctx.results.get((row.key, scale))) is not None and r.error for row in tool.rows
    )


# --- Runtime figures ---------------------------------------------------------------------------


def import_figures(ctx: Context) -> list[dict[str, Any]]:
    """Cold-process figures for ``import assetbuild.runtime``: wall time over ``python -c pass``
    (the two run in turn, so that load falls on both alike), and ``-X importtime``'s cumulative
    time for the package, medians of several processes.

    In the peers' venv, with the working tree on ``PYTHONPATH``: an interpreter whose start-up is
    an installed package's. The main venv has assetbuild installed editable, whose finder (a .pth
    file) imports pathlib and more into every interpreter, before any import is timed.
    """
    runs = 3 if ctx.args.runtime_budget < 0.1 else 21
    scratch = ctx.work / "import"
    scratch.mkdir(exist_ok=True)
    python = ctx.peers_python or Path(sys.executable)
    # Bytecode as an installed package has it (pip compiles it at install): written by one
    # unmeasured run into the work directory, and read there by the measured ones, whatever
    # PYTHONDONTWRITEBYTECODE says. Compiling is not what an app pays at each start.
    env = child_env(PYTHONPYCACHEPREFIX=str(scratch / "pycache"))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if ctx.peers_python:
        env["PYTHONPATH"] = str(ROOT)
    where = "peers' venv, the tree on PYTHONPATH" if ctx.peers_python else "editable install"

    def wall(code: str) -> Sample:
        status, sample = measure(
            [str(python), "-c", code],
            cwd=scratch,
            env=env,
            stdout=scratch / "out",
            stderr=scratch / "err",
            timeout=60,
        )
        if status != 0:
            raise RuntimeError(tail(scratch / "err"))
        return sample

    rows: list[dict[str, Any]] = []
    try:
        bare: list[Sample] = []
        loaded: list[Sample] = []
        wall("import assetbuild.runtime")  # compiles the bytecode; not measured
        for _ in range(runs):
            bare.append(wall("pass"))
            loaded.append(wall("import assetbuild.runtime"))
        empty = statistics.median(s.wall for s in bare)
        full = statistics.median(s.wall for s in loaded)
        rows.append(
            {
                "name": "python -c 'import assetbuild.runtime', cold process",
                "value": full * 1e3,
                "unit": "ms",
                "note": f"{(full - empty) * 1e3:.1f} ms over `python -c pass` ({empty * 1e3:.1f} "
                f"ms), side by side, {runs} each ({where}); peak "
                f"{max(s.maxrss_kib for s in loaded) / 1024:.1f} MiB",
            }
        )
        cumulative = []
        for _ in range(runs):
            result = subprocess.run(
                [str(python), "-X", "importtime", "-c", "import assetbuild.runtime"],
                cwd=scratch,
                env=env,
                capture_output=True,
                text=True,
                check=True,
                timeout=60,
            )
            for line in result.stderr.splitlines():
                parts = [p.strip() for p in line.removeprefix("import time:").split("|")]
                if len(parts) == 3 and parts[2] == "assetbuild.runtime":
                    cumulative.append(int(parts[1]) / 1e3)
        if cumulative:
            rows.append(
                {
                    "name": "import assetbuild.runtime (-X importtime, cumulative)",
                    "value": statistics.median(cumulative),
                    "unit": "ms",
                    "note": "markupsafe included",
                }
            )
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        rows.append({"name": "import assetbuild.runtime", "error": str(exc)})
    return rows


def publish_figures(ctx: Context, data: Corpus) -> dict[str, Any]:
    """bench/publish.py on the x1 corpus: ``assetbuild publish`` against an ``aws s3 sync``-style
    boto3 upload to the same local SeaweedFS server; its rows and its table."""
    out = ctx.work / "publish.json"
    log("publish figures")
    status, _ = measure(
        [sys.executable, str(BENCH / "publish.py"), "--config", str(data.config_br)]
        + ["--out", str(out)],
        cwd=ctx.work,
        env=child_env(),
        stdout=ctx.work / "publish.stdout",
        stderr=ctx.work / "publish.stderr",
        timeout=ctx.args.timeout,
    )
    if not out.exists():
        why = tail(ctx.work / "publish.stderr") or f"exit status {status}"
        row = {"name": "bench/publish.py", "error": why}
        return {"rows": [row], "table": f"publish figures: not measured: {why}"}
    result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return result


def runtime_figures(ctx: Context, scales: list[int]) -> list[dict[str, Any]]:
    rows = import_figures(ctx)
    python = ctx.peers_python or Path(sys.executable)
    large = max(scales)
    out = ctx.work / "runtime.json"
    command = [str(python), str(BENCH / "runtime.py"), "--out", str(out)]
    command += ["--budget", str(ctx.args.runtime_budget)]
    paths = {
        "--assetbuild": ctx.keep / "assetbuild-x1.json",
        "--django-root": ctx.keep / "django-x1",
        "--fsd-static": ctx.keep / "fsd-x1",
    }
    if large > 1:
        paths["--assetbuild-large"] = ctx.keep / f"assetbuild-x{large}.json"
        paths["--django-large"] = ctx.keep / f"django-x{large}"
    for flag, path in paths.items():
        if path.exists():
            command += [flag, str(path)]
    log("runtime figures")
    status, _ = measure(
        command,
        cwd=ctx.work,
        env=child_env(PYTHONPATH=str(ROOT)),
        stdout=ctx.work / "runtime.stdout",
        stderr=ctx.work / "runtime.stderr",
        timeout=ctx.args.timeout,
    )
    if status != 0 or not out.exists():
        why = tail(ctx.work / "runtime.stderr") or f"exit status {status}"
        return [*rows, {"name": "bench/runtime.py", "error": why}]
    figures: list[dict[str, Any]] = json.loads(out.read_text(encoding="utf-8"))
    return rows + figures


# --- Report ------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.partition(":")[2].strip()
                break
    memory = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 2**20:.1f} GiB"
    return {
        "nproc": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)),
        "cpu": model,
        "memory": memory,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "load_average_start": list(os.getloadavg()),
    }


def summarize(ctx: Context, result: Result) -> dict[str, Any]:
    row = ROW_BY_KEY[result.row]
    entry: dict[str, Any] = {
        "row": result.row,
        "label": row.label,
        "scale": result.scale,
        "rounds": len(result.samples),
        "error": result.error,
        "note": result.note,
        "files": result.files,
        "bytes": result.bytes,
        "wall": [s.wall for s in result.samples],
        "cpu": [s.cpu for s in result.samples],
        "maxrss_mib": [s.maxrss_kib / 1024 for s in result.samples],
        "load": [s.load for s in result.samples],
    }
    if result.samples:
        entry["median_wall"] = statistics.median(entry["wall"])
        entry["median_cpu"] = statistics.median(entry["cpu"])
        entry["peak_mib"] = max(entry["maxrss_mib"])
        entry["median_load"] = statistics.median(entry["load"])
        if len(result.timings) == len(result.samples):
            entry["timings"] = result.timings
            modules = [t.get("modules", 0.0) for t in result.timings]
            entry["median_modules_s"] = statistics.median(modules)
            pairs = zip(modules, result.samples, strict=True)
            entry["modules_share"] = statistics.median(m / s.wall for m, s in pairs)
        for key, reference in (("ratio", "assetbuild"), ("ratio_gzip_br", "assetbuild-br")):
            if key == "ratio_gzip_br" and not row.compresses:
                continue
            base = ctx.results.get((reference, result.scale))
            if base is not None and base.samples:
                entry[key] = entry["median_wall"] / statistics.median(s.wall for s in base.samples)
                if len(base.samples) == len(result.samples):  # round by round: less drift
                    pairs = zip(result.samples, base.samples, strict=True)
                    entry[key + "_paired"] = statistics.median(a.wall / b.wall for a, b in pairs)
    return entry


def _number(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def builds_table(entries: list[dict[str, Any]]) -> str:
    header = (
        f"{'tool':44} {'scale':>5} {'wall s':>8} {'cpu s':>8} {'peak MiB':>9} "
        f"{'x ab':>6} {'x ab-gz':>7} {'files':>6} {'load':>5}  note"
    )
    lines = [header, "-" * len(header)]
    for e in entries:
        name = f"{e['label']:44} {'x' + str(e['scale']):>5}"
        if not e.get("median_wall"):
            lines.append(f"{name} {'':>8} FAILED: {e['error']}")
            continue
        wall = e["median_wall"]
        note = e["note"]
        if e["row"] == "assetbuild-modules" and "modules_share" in e:
            note = (
                f"ES modules read in {e['median_modules_s']:.3f} s, "
                f"{e['modules_share']:.1%} of the build; {note}"
            )
        lines.append(
            f"{name} {_number(wall, 3 if wall < 10 else 1):>8} "
            f"{_number(e['median_cpu'], 3 if e['median_cpu'] < 10 else 1):>8} "
            f"{_number(e['peak_mib'], 0):>9} {_number(e.get('ratio')):>6} "
            f"{_number(e.get('ratio_gzip_br')):>7} {e['files'] if e['files'] is not None else '-':>6} "
            f"{_number(e['median_load'], 1):>5}  {note}"
        )
    return "\n".join(lines)


def headline(entries: list[dict[str, Any]]) -> list[str]:
    """The targets of issue 18 at each scale: the cold build against the floor, and the rebuild
    with nothing changed as a share of the cold build; each a median of the rounds' own ratios
    (taken round by round, so both sides of a ratio ran under the same load) where there are
    as many rounds of both, else the ratio of the medians."""
    by_key = {(e["row"], e["scale"]): e for e in entries if e.get("median_wall")}

    def ratio(top: str, bottom: str, scale: int) -> float | None:
        a, b = by_key.get((top, scale)), by_key.get((bottom, scale))
        if a is None or b is None:
            return None
        if len(a["wall"]) == len(b["wall"]):
            return statistics.median(x / y for x, y in zip(a["wall"], b["wall"], strict=True))
        return float(a["median_wall"] / b["median_wall"])

    lines = []
    for scale in sorted({e["scale"] for e in entries}):
        floor = ratio("assetbuild", "floor", scale)
        if floor is not None:
            lines.append(f"x{scale}: cold build / floor = {floor:.2f} (target: within 2)")
        noop = ratio("assetbuild-rebuild", "assetbuild", scale)
        if noop is not None:
            lines.append(
                f"x{scale}: rebuild, nothing changed / cold build = {noop:.1%} (target: under 10%)"
            )
        fresh = ratio("assetbuild-cache-fresh", "assetbuild-cache", scale)
        if fresh is not None:
            lines.append(
                f"x{scale}: gzip+br fresh checkout, warm cache_dir / cold = {fresh:.1%} "
                "(target: under 10%)"
            )
    return lines


def runtime_table(rows: list[dict[str, Any]]) -> str:
    header = f"{'runtime figure':68} {'median':>10}  unit  note"
    lines = [header, "-" * len(header)]
    for row in rows:
        if "error" in row:
            lines.append(f"{row['name']:68} {'-':>10}        not measured: {row['error']}")
            continue
        value = row["value"]
        digits = 3 if value < 1 else 2 if value < 100 else 0
        lines.append(
            f"{row['name']:68} {value:>10.{digits}f}  {row['unit']:4}  {row.get('note', '')}"
        )
    return "\n".join(lines)


# --- Command line ------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/run.py", description="assetbuild against its peers, side by side."
    )
    parser.add_argument("--rounds", type=int, help="rounds of every tool (default 5)")
    parser.add_argument(
        "--slow-rounds", type=int, help="rounds of the slow tools (default: --rounds)"
    )
    parser.add_argument("--scales", help="corpus copies to build, comma-separated (default 1,4,16)")
    parser.add_argument(
        "--tools",
        help=f"comma-separated, in the order given (default all: {','.join(TOOL_BY_KEY)})",
    )
    parser.add_argument(
        "--packages", help="build only these corpus packages, comma-separated (default all 14)"
    )
    parser.add_argument(
        "--slow-everywhere",
        action="store_true",
        help="run the slow tools (compression, Flask-Static-Digest) at every scale, not x1 only",
    )
    parser.add_argument(
        "--no-runtime", dest="runtime", action="store_false", help="skip the runtime figures"
    )
    parser.add_argument(
        "--no-publish",
        dest="publish",
        action="store_false",
        help="skip the publish figures (bench/publish.py: x1 release to a local S3 server)",
    )
    parser.add_argument(
        "--runtime-budget",
        type=float,
        help="seconds per timing repeat of a runtime figure (default 0.2)",
    )
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per process")
    parser.add_argument("--json", type=Path, help=f"results file (default {DEFAULT_JSON})")
    parser.add_argument(
        "--corpus-root",
        type=Path,
        help="keep the laid-out corpora here between runs (default: in the work directory)",
    )
    parser.add_argument("--workdir", type=Path, help="where the temporary work directory goes")
    parser.add_argument("--keep-work", action="store_true", help="do not remove the work directory")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="defaults for a quick check: "
        + " ".join(f"--{k.replace('_', '-')} {v}" for k, v in SMOKE.items()),
    )
    args = parser.parse_args(argv)
    defaults: dict[str, Any] = {
        "rounds": 5,
        "scales": "1,4,16",
        "tools": ",".join(TOOL_BY_KEY),
        "packages": None,
        "runtime_budget": 0.2,
    }
    if args.smoke:
        defaults.update(SMOKE)
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.json is None:
        args.json = SMOKE_JSON if args.smoke else DEFAULT_JSON
    if args.slow_rounds is None:
        args.slow_rounds = args.rounds
    try:
        args.scales = sorted({int(s) for s in str(args.scales).split(",") if s.strip()})
    except ValueError:
        parser.error(f"--scales: not a list of integers: {args.scales}")
    if not args.scales or min(args.scales) < 1 or max(args.scales) > 999:
        parser.error("--scales: each scale must be between 1 and 999")
    if args.rounds < 1 or args.slow_rounds < 1:
        parser.error("--rounds and --slow-rounds must be at least 1")
    args.tools = [t.strip() for t in str(args.tools).split(",") if t.strip()]
    unknown = [t for t in args.tools if t not in TOOL_BY_KEY]
    if unknown:
        parser.error(f"--tools: unknown {', '.join(unknown)} (known: {', '.join(TOOL_BY_KEY)})")
    if args.packages is not None:
        args.packages = [p.strip() for p in str(args.packages).split(",") if p.strip()]
        known = {p.name for p in corpus.PACKAGES}
        wrong = [p for p in args.packages if p not in known]
        if wrong or not args.packages:
            parser.error(
                f"--packages: unknown {', '.join(wrong)} (known: {', '.join(sorted(known))})"
            )
    return args


def _interrupted(signum: int, frame: object) -> None:
    """SIGTERM and SIGINT end the run through its ``finally`` blocks: the measured process group
    is killed and the work directory removed. (A background job started by a shell without job
    control ignores SIGINT; taking it back makes Ctrl-C and ``kill -INT`` work everywhere.)"""
    raise KeyboardInterrupt(signal.Signals(signum).name)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupted)
    signal.signal(signal.SIGINT, _interrupted)
    command_line = shlex.join([sys.executable, *sys.argv]) if argv is None else shlex.join(argv)
    info = machine()
    print(f"command: {command_line}")
    print(
        f"machine: nproc {info['nproc']} (usable {info['usable_cpus']}), {info['cpu']}, "
        f"{info['memory']}; Python {info['python']}; {info['platform']}"
    )
    print(
        "load average at start (1, 5, 15 min): "
        + ", ".join(f"{x:.2f}" for x in info["load_average_start"])
        + f" on {info['nproc']} cores (other jobs on the machine count)"
    )
    sys.stdout.flush()
    tools = [TOOL_BY_KEY[key] for key in args.tools]
    if args.workdir is not None:
        args.workdir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="assetbuild-bench-", dir=args.workdir))
    ctx = Context(args, work, work / "keep")
    ctx.keep.mkdir()
    started = time.perf_counter()
    status = 0
    runtime: list[dict[str, Any]] = []
    published: dict[str, Any] = {}
    try:
        prepare_tools(ctx, tools)
        for key, why in ctx.unavailable.items():
            log(f"{key}: {why}")
        for scale in args.scales:
            try:
                data = prepare_corpus(ctx, scale)
            except corpus.FetchError as exc:
                print(f"error: the corpus cannot be fetched: {exc}", file=sys.stderr)
                return EXIT_NO_CORPUS
            except corpus.CorpusError as exc:
                print(f"error: the corpus cannot be built: {exc}", file=sys.stderr)
                return 1
            log(f"x{scale}: {data.files} files, {data.bytes / 2**20:.0f} MiB in {data.source}")
            # Hard-linking the edited twin set every source file's ctime to now, and a build
            # rightly trusts no record of a file changed within the last 2 seconds (git's
            # "racily clean" rule): wait them out, as any rebuild after an edit would.
            time.sleep(SETTLE_SECONDS)
            ctx.notes.append(
                f"x{scale}: {data.files} files, {data.bytes / 2**20:.1f} MiB, "
                f"{len(data.bundles)} bundles; the '1 CSS changed' rebuilds change {data.edited_name}"
            )
            here = [t for t in tools if scale == 1 or not t.slow or args.slow_everywhere]
            for index in range(max(args.rounds, args.slow_rounds)):
                for tool in here:
                    rounds = args.slow_rounds if tool.slow else args.rounds
                    if index >= rounds or tool.key in ctx.unavailable or failed(ctx, tool, scale):
                        continue
                    run_round(ctx, tool, data, index)
            if args.publish and scale == 1:
                published = publish_figures(ctx, data)
            if args.corpus_root is None:
                shutil.rmtree(ctx.work / "corpus" / f"x{scale}", ignore_errors=True)
            shutil.rmtree(ctx.work / f"x{scale}", ignore_errors=True)
        if args.runtime:
            runtime = runtime_figures(ctx, args.scales)
    finally:
        elapsed = time.perf_counter() - started
        if args.keep_work:
            log(f"work directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    order = {row.key: i for i, row in enumerate(ROW_BY_KEY.values())}
    results = sorted(ctx.results.values(), key=lambda r: (r.scale, order[r.row]))
    entries = [summarize(ctx, r) for r in results]
    for tool in tools:
        if tool.key in ctx.unavailable:
            for row in tool.rows:
                entries.append(
                    {
                        "row": row.key,
                        "label": row.label,
                        "scale": 1,
                        "error": ctx.unavailable[tool.key],
                    }
                )
    info["load_average_end"] = list(os.getloadavg())
    print()
    print(builds_table(entries))
    print()
    print(
        "wall/cpu: medians of the rounds; peak MiB: the largest single process (ru_maxrss), max "
        "over rounds; x ab: median wall / assetbuild build's at the same scale; x ab-gz: / "
        "assetbuild gzip + br's (rows that compress); files: in the output after the run; "
        "load: 1-min load average before the runs (median). results.json also has every sample "
        "and the ratios taken round by round (*_paired), which drift less on a busy machine."
    )
    for tool in tools:
        print(f"  {tool.key}: {tool.what}")
    for note in ctx.notes:
        print(f"  note: {note}")
    targets = headline(entries)
    if targets:
        print()
        print("\n".join(targets))
    if args.runtime:
        print()
        print(runtime_table(runtime))
    if published:
        print()
        print(published["table"])
    print()
    print(
        "load average at end (1, 5, 15 min): "
        + ", ".join(f"{x:.2f}" for x in info["load_average_end"])
        + f"; total {elapsed / 60:.1f} min"
    )
    report = {
        "command": command_line,
        "machine": info,
        "versions": {"assetbuild": _assetbuild_version(), **ctx.versions},
        "rounds": args.rounds,
        "slow_rounds": args.slow_rounds,
        "scales": args.scales,
        "packages": args.packages,
        "builds": entries,
        "headline": headline(entries),
        "runtime": runtime,
        "publish": published.get("rows", []),
        "unavailable": ctx.unavailable,
        "notes": ctx.notes,
        "seconds": elapsed,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(f"results: {args.json}")
    if any(e["row"].startswith("assetbuild") and e.get("error") for e in entries):
        status = 1
    return status


def _assetbuild_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("assetbuild")
    except PackageNotFoundError:
        return "?"


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt as stop:
        print(f"bench: interrupted ({stop or 'SIGINT'}); work directory removed", file=sys.stderr)
        sys.exit(130)
