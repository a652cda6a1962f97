"""Faults while a build writes: killed, disk full, read-only output, two builds at once, a
source changing under the build. Whatever happens, the manifest in force names only complete
files, and what a failed build leaves behind is removed by ``clean``.

The real-disk cases mount file systems (a 2 MB tmpfs, read-only remounts and bind mounts), so
they need root; without it they skip, and the in-process fault injections below still cover
disk-full. Every mount is unmounted in a finalizer. The builds run as ``python -m assetbuild``
in subprocesses (a kill must hit a real process), except where a hook inside the build decides
the timing: those run the command line in-process, with the hook monkeypatched in.
"""

from __future__ import annotations

import base64
import contextlib
import errno
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from assetbuild.compiler import assembly, release, stage, workers
from assetbuild.compiler.commands.verify import verify
from assetbuild.manifest import loads
from tests.conftest import assetbuild, environment, in_ci, invoke
from tests.corpus_script import corpus

ROOT = Path(__file__).resolve().parent.parent.parent
FIXTURES = ROOT / "fixtures"
DISK_FULL = "the disk is full; free space and build again (the previous manifest is still in force)"
READ_ONLY = "the file system is read-only; choose a writable --output"


# --- Helpers -----------------------------------------------------------------------------------


def snapshot(root: Path, *, bookkeeping: bool = True) -> dict[str, bytes | str]:
    """Every name under ``root`` -> its bytes (files) or ``"directory"``; without
    ``bookkeeping``, a ``.assetbuild/`` inside (an older build's) is left out."""
    found: dict[str, bytes | str] = {}
    for directory, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(directory, name)
            relative = path.relative_to(root).as_posix()
            if not bookkeeping and relative.split("/")[0] == release.LEGACY_STATE_DIR:
                continue
            found[relative] = "directory" if path.is_dir() else path.read_bytes()
    return found


def intact(directory: Path, manifest_bytes: bytes) -> list[str]:
    """Problems with the files ``manifest_bytes`` names in ``directory``: missing, or not the
    bytes its integrity says (encodings: present). Empty when every file is complete."""
    manifest = loads(manifest_bytes, "manifest")
    problems = []
    for name, entry in manifest.assets.items():
        try:
            data = (directory / entry.path).read_bytes()
        except OSError as exc:
            problems.append(f"{name}: {entry.path}: {exc.strerror}")
            continue
        digest = base64.b64encode(hashlib.sha384(data).digest()).decode()
        if entry.integrity != f"sha384-{digest}" or len(data) != entry.size:
            problems.append(f"{name}: {entry.path} is not the file the manifest describes")
        for variant in entry.encodings.values():
            if not (directory / variant).is_file():
                problems.append(f"{name}: {variant} is missing")
    return problems


def assert_verifies(directory: Path, context: str = "") -> None:
    _, problems = verify(directory)
    assert problems == [], f"{context}: {[str(p) for p in problems]}"


def temporary_files(directory: Path) -> list[str]:
    return sorted(p.relative_to(directory).as_posix() for p in directory.rglob(".tmp-*"))


def unnamed_files(directory: Path) -> list[str]:
    """Files of the release that its manifest does not name (bookkeeping aside)."""
    manifest = loads((directory / "manifest.json").read_bytes(), "manifest")
    named = manifest.release_paths() | {"manifest.json"}
    return sorted(
        relative
        for path in directory.rglob("*")
        if path.is_file()
        and (relative := path.relative_to(directory).as_posix()) not in named
        and not relative.startswith(f"{release.LEGACY_STATE_DIR}/")
    )


def sample_site(root: Path, *, output: str = "build/static", compress: str = '["gzip"]') -> Path:
    """The sample site's sources under ``root``, with a config that writes ``output``."""
    shutil.copytree(FIXTURES / "site/static", root / "static")
    (root / "assetbuild.toml").write_text(
        f'source = "static"\noutput = "{output}"\ncompress = {compress}\n'
        'exclude = ["scss/**"]\n\n[bundles]\n'
        '"css/app.css" = ["css/reset.css", "css/site.css"]\n'
        '"js/app.js" = ["js/vendor/*.js", "js/main.js"]\n'
    )
    return root


def edit(path: Path, note: str) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(f"\n/* {note} */\n")


# --- Mounts ------------------------------------------------------------------------------------

Mount = Callable[..., Path]


@pytest.fixture
def mount(tmp_path: Path) -> Iterator[Mount]:
    """``mount(where, *options)``: run ``mount OPTIONS... WHERE``; every mount made is undone
    (in reverse order) when the test ends. Skips the test where mounting is not allowed."""
    mounted: list[Path] = []

    def do(where: Path, *options: str) -> Path:
        where.mkdir(parents=True, exist_ok=True)
        if os.geteuid() != 0 or shutil.which("mount") is None:
            pytest.skip("mounting needs root; the injected faults cover this without it")
        done = subprocess.run(
            ["mount", *options, str(where)], capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            pytest.skip(f"mount {' '.join(options)} is refused here: {done.stderr.strip()}")
        if "remount" not in ",".join(options):
            mounted.append(where)
        return where

    yield do
    for where in reversed(mounted):
        done = subprocess.run(["umount", str(where)], capture_output=True, text=True, check=False)
        if done.returncode != 0:  # still busy: detach it now, the kernel frees it when idle
            subprocess.run(["umount", "--lazy", str(where)], check=True, capture_output=True)


# --- Killed at a random moment -----------------------------------------------------------------


# A subset of the corpus keeps each build short enough for 30+ kills in about a minute, while
# keeping what makes it real: bootstrap's and katex's stylesheets full of references, nested
# @import inlining (jquery-ui), 600 small modules (lodash) and large scripts (d3, leaflet).
KILL_PACKAGES = (
    "animate.css",
    "bootstrap",
    "d3",
    "font-awesome",
    "jquery",
    "jquery-ui",
    "katex",
    "leaflet",
    "lodash",
    "normalize.css",
)
KILLS = 32
EDITS_PER_BUILD = 8


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    try:
        return Path(corpus.ensure_corpus(tmp_path_factory.mktemp("corpus") / "corpus"))
    except corpus.FetchError as exc:
        if in_ci():
            pytest.fail(f"the corpus cannot be fetched: {exc}; CI must run this test")
        pytest.skip(f"the corpus cannot be fetched: {exc}")


def timed_build(workdir: Path) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.perf_counter()
    done = assetbuild("build", cwd=workdir)
    return done, time.perf_counter() - started


@pytest.mark.slow
def test_a_build_killed_at_any_moment_leaves_a_complete_release_that_clean_tidies(
    corpus_dir: Path, tmp_path: Path
) -> None:
    seed = int(os.environ.get("ASSETBUILD_FAULT_SEED") or random.randrange(2**32))
    print(f"\nkill test seed: {seed} (replay with ASSETBUILD_FAULT_SEED={seed})")
    rng = random.Random(seed)
    sources = tmp_path / "corpus"
    for package in KILL_PACKAGES:
        shutil.copytree(corpus_dir / package, sources / package)
    corpus.write_config(sources, tmp_path / "release", ["gzip"])
    out = tmp_path / "release"
    texts = sorted(p for p in sources.rglob("*") if p.suffix in (".css", ".js") and p.is_file())
    started = time.perf_counter()

    first, first_seconds = timed_build(tmp_path)
    assert first.returncode == 0, first.stderr
    for path in rng.sample(texts, EDITS_PER_BUILD):
        edit(path, "calibration")
    calibration, seconds = timed_build(tmp_path)  # how long a build with edits lasts
    assert calibration.returncode == 0, calibration.stderr
    print(
        f"first build {first_seconds:.1f} s; a rebuild after {EDITS_PER_BUILD} edits {seconds:.2f} s"
    )

    previous = (out / "manifest.json").read_bytes()
    outcomes: dict[str, int] = {}
    for attempt in range(KILLS):
        for path in rng.sample(texts, EDITS_PER_BUILD):
            edit(path, f"edit {attempt}")
        delay = rng.uniform(0.0, 1.2 * seconds)
        process = subprocess.Popen(
            [sys.executable, "-m", "assetbuild", "build"],
            cwd=tmp_path,
            env=environment(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            time.sleep(delay)
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
            _, stderr = process.communicate(timeout=120)
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
        current = (out / "manifest.json").read_bytes()
        killed = process.returncode == -signal.SIGKILL
        outcome = (
            ("killed, manifest replaced" if current != previous else "killed")
            if killed
            else "finished"
        )
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        context = f"seed {seed}, build {attempt} killed after {delay:.3f} s ({outcome})"
        if not killed:
            assert process.returncode == 0, f"{context}: {stderr.decode(errors='replace')}"

        assert_verifies(out, context)  # manifest.json parses; each file it names is complete
        assert intact(out, previous) == [], context  # and the release before it lost nothing
        if killed and current != previous:
            # Killed after replacing the manifest: it must be the new complete one, which is
            # what a build of the same sources run to the end writes, byte for byte.
            done = assetbuild("build", cwd=tmp_path)
            assert done.returncode == 0, f"{context}: {done.stderr}"
            assert (out / "manifest.json").read_bytes() == current, context
        previous = current

    leftovers = temporary_files(out)
    final = assetbuild("build", cwd=tmp_path)
    assert final.returncode == 0, final.stderr
    assert assetbuild("verify", cwd=tmp_path).returncode == 0
    cleaned = assetbuild("clean", "--keep", "1", cwd=tmp_path)
    assert cleaned.returncode == 0, cleaned.stderr
    verified = assetbuild("verify", cwd=tmp_path)
    assert verified.returncode == 0, verified.stderr
    assert temporary_files(out) == []
    assert unnamed_files(out) == []
    print(
        f"{KILLS} builds: {outcomes}; {len(leftovers)} .tmp- files left by kills, removed by "
        f"clean; {time.perf_counter() - started:.1f} s in all"
    )
    assert outcomes.get("killed", 0) >= KILLS // 3, "too few kills landed inside a build"


# --- Disk full ---------------------------------------------------------------------------------


def fill_while_staging(site: Path) -> None:
    """One file bigger than the whole disk: the build fails writing it under its .tmp- name."""
    (site / "static/img/huge.bin").write_bytes(random.Random(1).randbytes(3 * 2**20))


def fill_while_compressing(site: Path) -> None:
    """Files that fit, whose gzip variants do not: the disk fills after the files are in place."""
    noise = random.Random(2)
    for index in range(15):
        text = base64.encodebytes(noise.randbytes(75_000)).decode("ascii")
        (site / f"static/css/noise{index}.css").write_text(f"/*\n{text}*/\n")


@pytest.mark.parametrize(
    ("fill", "files_left_in_place"),
    [
        pytest.param(fill_while_staging, False, id="while staging"),
        pytest.param(fill_while_compressing, True, id="while compressing"),
    ],
)
def test_a_full_disk_fails_the_build_with_one_message_and_keeps_the_previous_release(
    tmp_path: Path, mount: Mount, fill: Callable[[Path], None], files_left_in_place: bool
) -> None:
    site = sample_site(tmp_path / "site", output="out")
    out = mount(site / "out", "-t", "tmpfs", "-o", "size=2m", "tmpfs")
    assert assetbuild("build", cwd=site).returncode == 0  # a first, small build fits
    before = snapshot(out, bookkeeping=False)
    fill(site)

    done = assetbuild("build", cwd=site)

    assert done.returncode == 1, done.stderr
    assert done.stderr.splitlines() == [f"error: {out}: {DISK_FULL}"]
    assert done.stdout == ""
    assert_verifies(out)
    assert (out / "manifest.json").read_bytes() == before["manifest.json"]
    assert temporary_files(out) == []
    # Which phase the disk filled up in: while compressing, the new files were in place already.
    assert bool(unnamed_files(out)) == files_left_in_place, unnamed_files(out)
    assert assetbuild("clean", "--keep", "1", cwd=site).returncode == 0
    assert snapshot(out, bookkeeping=False) == before
    assert_verifies(out)


def test_an_injected_disk_full_while_staging_keeps_the_previous_release(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same without root: the third staged write fails with ENOSPC."""
    site = sample_site(tmp_path / "site")
    out = site / "build/static"
    assert invoke(site, "build").exit_code == 0
    before = snapshot(out)
    (site / "static/img/logo.png").write_bytes(b"a new logo")
    (site / "static/img/bg.png").write_bytes(b"a new background")
    edit(site / "static/css/print.css", "a new print stylesheet")
    real = release._write_temporary
    writes: list[str] = []

    def write_until_the_disk_is_full(directory: str, data: bytes) -> str:
        writes.append(directory)
        if len(writes) >= 3:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(directory, data)

    monkeypatch.setattr(release, "_write_temporary", write_until_the_disk_is_full)

    result = invoke(site, "build", "--jobs", "1")

    assert result.exit_code == 1
    assert result.stderr.splitlines() == [f"error: {out}: {DISK_FULL}"]
    assert result.stdout == ""
    assert snapshot(out) == before  # the staged files were removed again


def test_a_disk_full_in_a_worker_process_keeps_the_previous_release_and_leaves_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same when the files published as they are go to worker processes (forked, so they
    carry the injected fault): what each wrote before the failure is removed too."""
    site = sample_site(tmp_path / "site")
    out = site / "build/static"
    assert invoke(site, "build").exit_code == 0
    before = snapshot(out)
    (site / "static/img/logo.png").write_bytes(b"a new logo")
    (site / "static/img/bg.png").write_bytes(b"a new background")
    (site / "static/fonts/new.woff2").write_bytes(b"a new font")
    real = release._write_temporary
    writes: list[str] = []

    def write_until_the_disk_is_full(directory: str, data: bytes) -> str:
        writes.append(directory)
        if len(writes) >= 3:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(directory, data)

    monkeypatch.setattr(release, "_write_temporary", write_until_the_disk_is_full)
    monkeypatch.setattr(workers, "PARALLEL_STAGE_FILES", 0)
    forked: list[bool] = []
    real_processes = workers.staging_processes

    @contextlib.contextmanager
    def counted(jobs: int, files: int) -> Iterator[object]:
        with real_processes(jobs, files) as processes:
            forked.append(processes is not None)
            yield processes

    monkeypatch.setattr(workers, "staging_processes", counted)

    result = invoke(site, "build", "--jobs", "2", "--no-cache")

    assert forked == [True]
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [f"error: {out}: {DISK_FULL}"]
    assert snapshot(out) == before
    assert temporary_files(out) == []


STAGING_SLOWLY = """
import sys, time
from pathlib import Path
from assetbuild.compiler import release, workers
from assetbuild.compiler.cli import main
workers.PARALLEL_STAGE_FILES = 0
real = release.stage_in
def slowly(*args):
    Path("staging").touch()  # the workers have started
    time.sleep(0.5)
    return real(*args)
release.stage_in = slowly
sys.argv = ["assetbuild", "build", "--jobs", "2"]
main()
"""


def test_a_build_killed_while_worker_processes_stage_leaves_none_of_them_behind(
    tmp_path: Path,
) -> None:
    """Forked workers hold copies of the build's descriptors (the release's lock, its stderr):
    they die with it, so the next build neither waits for them nor finds the lock taken."""
    site = sample_site(tmp_path / "site")
    process = subprocess.Popen(
        [sys.executable, "-c", STAGING_SLOWLY],
        cwd=site,
        env=environment(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while not (site / "staging").exists() and process.poll() is None:
            assert time.monotonic() < deadline, "the workers never started"
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=20)  # every holder of its stderr is gone: the workers too
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == -signal.SIGKILL
    again = assetbuild("build", cwd=site)
    assert again.returncode == 0, again.stderr
    assert_verifies(site / "build/static")


def test_a_build_that_failed_to_write_its_manifest_does_not_count_as_a_build_for_clean(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``clean --keep 2`` keeps the current release and the one before it, for pages rendered
    by the previous deploy, even when a build in between failed on its last write."""
    site = sample_site(tmp_path / "site")
    out = site / "build/static"
    logo = site / "static/img/logo.png"
    original = logo.read_bytes()
    paths = []
    for version in range(2):
        logo.write_bytes(original + bytes([version]))
        assert invoke(site, "build").exit_code == 0
        manifest = json.loads((out / "manifest.json").read_text("utf-8"))
        paths.append(manifest["assets"]["img/logo.png"]["path"])
    real = release.Release._replace

    def fail_on_the_manifest(self: release.Release, target: Path, data: bytes) -> None:
        if target == self.directory / "manifest.json":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(self, target, data)

    monkeypatch.setattr(release.Release, "_replace", fail_on_the_manifest)
    logo.write_bytes(original + b"\x02")
    assert invoke(site, "build").exit_code == 1
    monkeypatch.undo()

    assert invoke(site, "clean", "--keep", "2").exit_code == 0

    assert_verifies(out)
    missing = [p for p in paths if not (out / p).is_file()]
    assert missing == [], "clean removed a file of the release before the current one"


# --- Read-only output --------------------------------------------------------------------------


def remounted_read_only(site: Path, mount: Mount) -> Path:
    out = mount(site / "out", "-t", "tmpfs", "-o", "size=16m", "tmpfs")
    assert assetbuild("build", cwd=site).returncode == 0
    mount(out, "-o", "remount,ro")
    return out


def bound_read_only(site: Path, mount: Mount) -> Path:
    writable = site / "writable"
    (site / "assetbuild.toml").write_text(
        (site / "assetbuild.toml").read_text().replace('output = "out"', 'output = "writable"')
    )
    assert assetbuild("build", cwd=site).returncode == 0
    (site / "assetbuild.toml").write_text(
        (site / "assetbuild.toml").read_text().replace('output = "writable"', 'output = "out"')
    )
    out = mount(site / "out", "--bind", str(writable))
    mount(out, "-o", "remount,bind,ro")
    return out


@pytest.mark.parametrize(
    "make_read_only",
    [
        pytest.param(remounted_read_only, id="a tmpfs remounted read-only"),
        pytest.param(bound_read_only, id="a read-only bind mount"),
    ],
)
def test_a_read_only_output_fails_the_build_with_one_clear_message(
    tmp_path: Path, mount: Mount, make_read_only: Callable[[Path, Mount], Path]
) -> None:
    site = sample_site(tmp_path / "site", output="out")
    out = make_read_only(site, mount)
    before = snapshot(out)
    edit(site / "static/css/site.css", "a change to publish")

    done = assetbuild("build", cwd=site)

    assert done.returncode == 1, done.stderr
    assert done.stderr.splitlines() == [
        f"error: {out}: {READ_ONLY} (the previous manifest is still in force)"
    ]
    assert done.stdout == ""
    assert snapshot(out) == before
    assert_verifies(out)


# --- Two builds at once ------------------------------------------------------------------------


def start_build(site: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "assetbuild", "build", *args],
        cwd=site,
        env=environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(processes: list[subprocess.Popen[str]]) -> list[tuple[int, str]]:
    results = []
    try:
        for process in processes:
            _, stderr = process.communicate(timeout=120)
            results.append((process.returncode, stderr))
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.communicate()
    return results


@pytest.mark.parametrize("same_sources", [True, False], ids=["same sources", "other sources"])
def test_two_builds_into_one_release_at_once_take_turns_and_both_succeed(
    tmp_path: Path, same_sources: bool
) -> None:
    site = sample_site(tmp_path / "site")
    for index in range(100):  # enough work that the two builds overlap
        (site / f"static/css/page{index}.css").write_text(
            f".page{index} {{ background: url(../img/logo.png) }}\n" * 40
        )
    out = site / "build/static"
    config = site / "assetbuild.toml"
    other = site / "other.toml"
    other.write_text(config.read_text().replace('source = "static"', 'source = "other"'))
    for round_ in range(3):
        edit(site / "static/css/site.css", f"round {round_}")
        shutil.rmtree(site / "other", ignore_errors=True)
        shutil.copytree(site / "static", site / "other")
        edit(site / "other/css/page0.css", f"only in the other tree, round {round_}")
        second = () if same_sources else ("--config", str(other))

        results = finish([start_build(site), start_build(site, *second)])

        assert [status for status, _ in results] == [0, 0], results
        assert_verifies(out, f"round {round_}")
        history = (release.state_beside(out) / "history").read_text().split()
        for digest in history[-1 if same_sources else -2 :]:
            copy = json.loads((release.state_beside(out) / f"manifests/{digest}.json").read_bytes())
            copy.pop("compress")
            assert intact(out, json.dumps(copy).encode()) == [], f"round {round_}"


# --- A source changing under the build ---------------------------------------------------------


def edit_print_css_before_rendering(site: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The stylesheet is read (and its references resolved) with the rest; just before it is
    rendered with its fingerprinted references, it is saved again."""
    changed = site / "static/css/print.css"
    real = stage.render

    def render_after_an_edit(document: Any, *args: Any) -> bytes:
        if document.asset.logical_path == "css/print.css":
            edit(changed, "saved by an editor while the build runs")
        return real(document, *args)

    monkeypatch.setattr(stage, "render", render_after_an_edit)
    return changed


def delete_a_file_after_the_scan(site: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The font license is found by the scan and planned; then it is deleted."""
    deleted = site / "static/fonts/LICENSE.txt"
    real = assembly.make_plan

    def plan_then_delete(*args: Any) -> Any:
        plan = real(*args)
        deleted.unlink()
        return plan

    monkeypatch.setattr(assembly, "make_plan", plan_then_delete)
    return deleted


@pytest.mark.parametrize(
    ("meddle", "message"),
    [
        pytest.param(
            edit_print_css_before_rendering,
            "changed during the build; build again once it has settled",
            id="edited between reading and rendering",
        ),
        pytest.param(
            delete_a_file_after_the_scan,
            "cannot be read (No such file or directory); build again once it has settled",
            id="deleted between scanning and reading",
        ),
    ],
)
def test_a_source_changing_during_the_build_fails_it_and_leaves_the_release_untouched(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    meddle: Callable[[Path, pytest.MonkeyPatch], Path],
    message: str,
) -> None:
    site = sample_site(tmp_path / "site")
    out = site / "build/static"
    assert invoke(site, "build").exit_code == 0
    edit(site / "static/css/print.css", "a change, so the build has something to write")
    before = snapshot(out)
    changed = meddle(site, monkeypatch)

    result = invoke(site, "build")

    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"error: {changed}: {message}",
        "build failed: 1 problem; the release is untouched",
    ]
    assert result.stdout == ""
    assert snapshot(out) == before
