"""The cache_dir (CONTRACT section 2; README, "The cache directory"): filter results and
compressed variants by content, shared between builds, checkouts, processes and machines.

Real builds of a small project with a CSS bundle through a webassets filter of the project's
own (registered by ``filter_modules``; it notes each run in a file), a JS bundle, stylesheets
that reference images, and gzip + brotli. The release built with a cache_dir, cold, warm or with
damaged entries, serially, threaded or with scans in worker processes, is compared byte for byte
with the one built without.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from assetbuild.compiler import assembly, workers
from assetbuild.compiler.assembly import BuildResult
from assetbuild.compiler.config import load_config
from assetbuild.compiler.content_cache import KINDS, MAGIC, ContentCache
from assetbuild.errors import ConfigError
from tests.conftest import assetbuild, environment, write

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))
LOG = "COUNTING_FILTER_LOG"  # where the project's filter notes its runs
_names = itertools.count()

FILTER_MODULE = """\
import os
from webassets.filter import Filter, register_filter

class Counting(Filter):
    name = NAME
    # What the filter reads besides its text: only the files its @import statements name.
    assetbuild_reads = "named"

    def input(self, _in, out, source, **kw):
        with open(os.environ["COUNTING_FILTER_LOG"], "a") as log:
            log.write("input " + source + "\\n")
        out.write(_in.read().replace("$brand", "#336699"))

    def output(self, _in, out, **kw):
        with open(os.environ["COUNTING_FILTER_LOG"], "a") as log:
            log.write("output " + kw["output"] + "\\n")
        out.write(_in.read())

register_filter(Counting)
"""


def rule(n: int) -> str:
    return f".rule-{n} {{ color: $brand; margin: {n}px; background: url(../img/bg.png) }}\n"


def project(root: Path, module: str) -> Path:
    """A project whose bundle css/app.css runs the filter of ``module`` (registered as ``module``)."""
    return write(
        root,
        {
            f"{module}.py": FILTER_MODULE.replace("NAME", repr(module)),
            "static/css/base.css": '@import "partials/colors.css";\n'
            + "".join(rule(n) for n in range(300)),
            "static/css/partials/colors.css": ".brand { color: $brand }\n",
            "static/css/theme.css": "".join(rule(n) for n in range(300, 500)),
            "static/css/page.css": "body { background: url(../img/bg.png) }\n" * 50,
            "static/js/a.js": "".join(
                f"function f{n}(x) {{ return x + {n}; }}\n" for n in range(400)
            ),
            "static/js/b.js": "var app = { start: function () { return f1(2); } };\n" * 40,
            "static/img/bg.png": PNG,
            "assetbuild.toml": 'source = "static"\noutput = "build/static"\n'
            f'filter_modules = ["{module}"]\n'
            '[bundles."css/app.css"]\ninputs = ["css/base.css", "css/theme.css"]\n'
            f'filters = ["{module}", "rcssmin"]\n'
            '[bundles."js/app.js"]\ninputs = ["js/a.js", "js/b.js"]\n',
        },
    )


def new_module() -> str:
    return f"counting_filter_{next(_names)}"


def build(
    root: Path,
    output: Path,
    cache_dir: Path | None = None,
    jobs: int = 1,
) -> BuildResult:
    config = load_config(cwd=root, environ={}, output=output, cache_dir=cache_dir)
    return assembly.build(config, jobs=jobs)


def release_files(release: Path) -> dict[str, bytes]:
    return {
        path.relative_to(release).as_posix(): path.read_bytes()
        for path in sorted(release.rglob("*"))
        if path.is_file()
    }


def runs(log: Path) -> list[str]:
    """The filter's runs since the last call, and forget them."""
    if not log.exists():
        return []
    ran = log.read_text().splitlines()
    log.unlink()
    return ran


def entries(cache_dir: Path) -> list[Path]:
    return sorted(p for p in (cache_dir / "v1").rglob("*") if p.is_file())


@pytest.fixture
def log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "filter-runs.log"
    monkeypatch.setenv(LOG, str(path))
    return path


# -- the release is the same with the cache or without -------------------------------------------


@pytest.mark.parametrize("mode", ["serial", "threaded", "scanned by processes"])
def test_cached_and_uncached_builds_are_byte_identical_cold_warm_and_damaged(
    tmp_path: Path, log: Path, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    jobs = 1 if mode == "serial" else 2
    if mode == "scanned by processes":
        monkeypatch.setattr(workers, "PARALLEL_SCAN_BYTES", 0)  # the project is small
    site = project(tmp_path / "site", new_module())
    cache_dir = tmp_path / "cache"
    plain = build(site, tmp_path / "plain", jobs=jobs)
    uncached = release_files(plain.config.output)
    assert {"css/app.css", "js/app.js"} <= set(plain.published.manifest.assets)
    assert any(name.endswith(".br") for name in uncached)
    assert any(name.endswith(".gz") for name in uncached)

    cold = build(site, tmp_path / "cold", cache_dir, jobs=jobs)
    assert release_files(cold.config.output) == uncached
    assert cold.cached is not None and sum(cold.cached.hits.values()) == 0
    assert cold.cached.misses["br"] > 0 and cold.cached.misses["filtered"] > 0

    warm = build(site, tmp_path / "warm", cache_dir, jobs=jobs)
    assert release_files(warm.config.output) == uncached
    assert warm.cached is not None and sum(warm.cached.misses.values()) == 0
    assert warm.cached.hits == cold.cached.misses

    # Every entry damaged a different way: a flipped byte, cut short, emptied, a wrong header.
    stored = entries(cache_dir)
    for index, path in enumerate(stored):
        data = path.read_bytes()
        path.write_bytes(
            [
                data[:-1] + bytes([data[-1] ^ 1]),
                data[: len(data) // 2],
                b"",
                b"x" * len(MAGIC) + data[len(MAGIC) :],
            ][index % 4]
        )
    damaged = build(site, tmp_path / "damaged", cache_dir, jobs=jobs)
    assert release_files(damaged.config.output) == uncached
    assert damaged.cached is not None and damaged.cached.damaged == len(stored)
    # Each damaged entry was made again, and holds a good result now.
    again = build(site, tmp_path / "again", cache_dir, jobs=jobs)
    assert again.cached is not None and again.cached.damaged == 0
    assert sum(again.cached.misses.values()) == 0
    assert release_files(again.config.output) == uncached


def test_deleting_the_cache_dir_changes_no_output(tmp_path: Path, log: Path) -> None:
    site = project(tmp_path / "site", new_module())
    cache_dir = tmp_path / "cache"
    first = build(site, tmp_path / "one", cache_dir)
    shutil.rmtree(cache_dir)
    second = build(site, tmp_path / "two", cache_dir)
    assert release_files(first.config.output) == release_files(second.config.output)
    assert second.published.manifest == first.published.manifest


# -- filters once, their results in the cache_dir ------------------------------------------------


def test_each_input_filter_runs_once_per_input_and_a_warm_cache_runs_none(
    tmp_path: Path, log: Path
) -> None:
    site = project(tmp_path / "site", new_module())
    cache_dir = tmp_path / "cache"
    build(site, tmp_path / "one", cache_dir, jobs=2)
    # base.css's @import of a plain stylesheet is inlined: that file is an input of the bundle.
    assert sorted(runs(log)) == [
        "input css/base.css",
        "input css/partials/colors.css",
        "input css/theme.css",
        "output css/app.css",
    ]
    # A new release directory, so no build cache: the results come from the cache_dir.
    build(site, tmp_path / "two", cache_dir, jobs=2)
    assert runs(log) == []


def test_saving_one_input_runs_the_filter_of_that_input_and_of_those_that_import_it(
    tmp_path: Path, log: Path
) -> None:
    site = project(tmp_path / "site", new_module())
    cache_dir = tmp_path / "cache"
    output = tmp_path / "release"
    build(site, output, cache_dir)
    runs(log)
    with (site / "static/css/theme.css").open("a") as handle:
        handle.write(".saved { color: $brand }\n")
    changed = build(site, output, cache_dir)
    assert runs(log) == ["input css/theme.css", "output css/app.css"]
    assert ".saved{color:#336699}" in released(changed, "css/app.css")
    # The partial that base.css imports by name: base.css is compiled again, theme.css is not.
    (site / "static/css/partials/colors.css").write_text(".brand { color: red }\n")
    build(site, output, cache_dir)
    assert runs(log) == [
        "input css/base.css",
        "input css/partials/colors.css",
        "output css/app.css",
    ]


def test_a_partial_that_embeds_an_image_ties_its_importers_to_every_file(
    tmp_path: Path, log: Path
) -> None:
    site = project(tmp_path / "site", new_module())
    (site / "static/css/partials/colors.css").write_text(
        '.brand { background: data-uri("../../img/bg.png") }\n'
    )
    output = tmp_path / "release"
    build(site, output, tmp_path / "cache")
    runs(log)
    (site / "static/img/bg.png").write_bytes(PNG + b"changed")
    build(site, output, tmp_path / "cache")
    # base.css imports the partial, which embeds: an image may be read. theme.css imports none.
    assert runs(log) == [
        "input css/base.css",
        "input css/partials/colors.css",
        "output css/app.css",
    ]


def released(result: BuildResult, name: str) -> str:
    entry = result.published.manifest.assets[name]
    return (result.config.output / entry.path).read_text("utf-8")


# -- shared between checkouts, processes and machines -------------------------------------------


def test_a_fresh_checkout_elsewhere_with_a_warm_cache_compresses_and_filters_nothing(
    tmp_path: Path, log: Path
) -> None:
    module = new_module()
    first = project(tmp_path / "ci" / "run-1" / "project", module)
    cache_dir = tmp_path / "cache"
    cold = build(first, first / "build/static", cache_dir)
    runs(log)
    # Another directory, other mtimes and inodes, no release and no build cache: a CI runner's
    # fresh checkout with the cache restored.
    fresh = tmp_path / "elsewhere" / "checkout"
    shutil.copytree(first, fresh, ignore=shutil.ignore_patterns("build", ".build*", "__pycache__"))
    os.utime(fresh / "static/css/base.css", (1, 1))
    warm = build(fresh, fresh / "build/static", cache_dir)
    assert runs(log) == []
    assert warm.cached is not None
    assert warm.cached.misses == {"filtered": 0, "gzip": 0, "br": 0}
    assert warm.cached.hits["br"] > 0 and warm.cached.hits["filtered"] > 0
    assert release_files(fresh / "build/static") == release_files(first / "build/static")
    assert warm.published.manifest == cold.published.manifest


def test_two_builds_in_two_processes_sharing_one_cache_dir_give_identical_releases(
    tmp_path: Path,
) -> None:
    module = new_module()
    sites = [project(tmp_path / name, module) for name in ("one", "two")]
    cache_dir = tmp_path / "shared-cache"
    env = {**environment(), LOG: str(tmp_path / "runs.log")}
    builds = [
        subprocess.Popen(
            [sys.executable, "-m", "assetbuild", "build", "--cache-dir", str(cache_dir)],
            cwd=site,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for site in sites
    ]
    for process in builds:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    one, two = (release_files(site / "build/static") for site in sites)
    assert one == two
    reference = subprocess.run(
        [
            sys.executable,
            "-m",
            "assetbuild",
            "build",
            "--no-cache",
            "--output",
            str(tmp_path / "ref"),
        ],
        cwd=sites[0],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert reference.returncode == 0, reference.stderr
    assert release_files(tmp_path / "ref") == one
    # Every entry whole and verified; no temporary file left behind.
    store = ContentCache(cache_dir)
    for path in entries(cache_dir):
        assert not path.name.startswith(".tmp-")
        kind = next(k for k in KINDS if k == path.parent.parent.name)
        assert store.get(kind, path.name) is not None
    assert store.counts().damaged == 0


# -- the directory itself ------------------------------------------------------------------------


def test_an_entry_is_verified_on_read_and_a_damaged_one_is_computed_again(tmp_path: Path) -> None:
    store = ContentCache(tmp_path / "cache")
    store.put("br", "ab" * 32, b"compressed bytes")
    assert store.get("br", "ab" * 32) == b"compressed bytes"
    (path,) = entries(tmp_path / "cache")
    assert path.relative_to(tmp_path / "cache").as_posix() == f"v1/br/ab/{'ab' * 32}"
    assert (tmp_path / "cache/CACHEDIR.TAG").read_bytes().startswith(b"Signature: 8a477f597d28")
    path.write_bytes(path.read_bytes().replace(b"compressed", b"Compressed"))
    assert store.get("br", "ab" * 32) is None
    assert store.counts().damaged == 1
    assert store.computed("br", "ab" * 32, lambda: b"compressed bytes") == b"compressed bytes"
    assert store.get("br", "ab" * 32) == b"compressed bytes"


def test_prune_removes_the_least_recently_used_entries_until_the_limit(tmp_path: Path) -> None:
    store = ContentCache(tmp_path / "cache")
    keys = [f"{n:02x}" * 32 for n in range(10)]
    for age, key in enumerate(keys):
        store.put("gzip", key, bytes(1000))
        path = tmp_path / "cache/v1/gzip" / key[:2] / key
        os.utime(path, ns=(age * 10**9, age * 10**9))
    store.get("gzip", keys[0])  # used just now: the oldest entry becomes the newest
    size = (tmp_path / "cache/v1/gzip" / keys[0][:2] / keys[0]).stat().st_size
    pruned = store.prune(4 * size)
    assert (pruned.removed, pruned.kept, pruned.kept_bytes) == (6, 4, 4 * size)
    left = {path.name for path in entries(tmp_path / "cache")}
    assert left == {keys[0], *keys[7:]}
    assert store.prune(0).kept == 0 and entries(tmp_path / "cache") == []


def test_cache_prune_on_the_command_line_bounds_the_size(tmp_path: Path, log: Path) -> None:
    site = project(tmp_path / "site", new_module())
    build(site, site / "build/static", site / ".cache/assetbuild")
    before = sum(p.stat().st_size for p in entries(site / ".cache/assetbuild"))
    (site / "assetbuild.toml").write_text(
        'cache_dir = ".cache/assetbuild"\n' + (site / "assetbuild.toml").read_text()
    )
    pruned = assetbuild("cache", "prune", "--max-size", "2 kB", cwd=site)
    assert pruned.returncode == 0, pruned.stderr
    after = sum(p.stat().st_size for p in entries(site / ".cache/assetbuild"))
    assert after <= 2000 < before
    assert "removed" in pruned.stdout and ".cache/assetbuild" in pruned.stdout
    nothing = assetbuild("cache", "prune", cwd=tmp_path / "site" / "static")
    assert nothing.returncode == 2 and "no config found" in nothing.stderr
    bad = assetbuild("cache", "prune", "--max-size", "lots", cwd=site)
    assert bad.returncode == 2 and "--max-size" in bad.stderr


# -- where the cache_dir is ----------------------------------------------------------------------


def test_cache_dir_is_relative_to_the_config_file_and_the_environment_and_flag_override_it(
    tmp_path: Path,
) -> None:
    site = project(tmp_path / "site", new_module())
    config = site / "assetbuild.toml"
    config.write_text('cache_dir = "../shared/cache"\n' + config.read_text())
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    loaded = load_config(config, cwd=elsewhere, environ={})
    assert loaded.cache_dir == tmp_path / "shared/cache"
    from_env = load_config(config, cwd=elsewhere, environ={"ASSETBUILD_CACHE_DIR": "env-cache"})
    assert from_env.cache_dir == elsewhere / "env-cache"
    flagged = load_config(
        config,
        cwd=elsewhere,
        environ={"ASSETBUILD_CACHE_DIR": "env-cache"},
        cache_dir=Path("flag-cache"),
    )
    assert flagged.cache_dir == elsewhere / "flag-cache"
    assert load_config(site / "assetbuild.toml", cwd=site, environ={}).cache_dir is not None


def test_a_cache_dir_inside_the_release_or_not_a_path_is_a_config_error(tmp_path: Path) -> None:
    site = project(tmp_path / "site", new_module())
    config = site / "assetbuild.toml"
    with pytest.raises(ConfigError, match="inside the release directory"):
        load_config(config, cwd=site, environ={}, cache_dir=Path("build/static/cache"))
    config.write_text("cache_dir = 3\n" + config.read_text())
    with pytest.raises(ConfigError, match="cache_dir: must be a directory"):
        load_config(config, cwd=site, environ={})
    result = assetbuild("build", "--cache-dir", "build/static", cwd=site)
    assert result.returncode == 2 and "--cache-dir" in result.stderr


def test_a_cache_dir_inside_a_source_directory_is_never_published(
    tmp_path: Path, log: Path
) -> None:
    site = project(tmp_path / "site", new_module())
    first = build(site, site / "build/static", site / "static/cache")
    assert entries(site / "static/cache")
    second = build(site, site / "build/static", site / "static/cache")
    assert not any(name.startswith("cache/") for name in second.published.manifest.assets)
    assert second.published.manifest == first.published.manifest


# -- the documented recipes ----------------------------------------------------------------------


def recipe_commands() -> list[list[str]]:
    """The assetbuild commands of the cache recipes in docs/github-actions.md and docs/docker.md,
    as written there (each without its leading ``assetbuild``)."""
    docs = Path(__file__).resolve().parents[2] / "docs"
    actions = (docs / "github-actions.md").read_text("utf-8")
    section = actions[actions.index("## A shared `cache_dir`") :]
    block = section[section.index("```yaml") : section.index("```\n", section.index("```yaml") + 3)]
    commands = [line.split("run: ", 1)[1] for line in block.splitlines() if "run: " in line]
    docker = (docs / "docker.md").read_text("utf-8")
    start = docker.index("RUN --mount=type=cache")
    run = docker[start : docker.index("```", start)].replace("\\\n", " ")
    commands.append(run.split(None, 2)[2])  # what follows RUN --mount=...
    split = [c.split() for command in commands for c in command.split("&&")]
    assert all(words[0] == "assetbuild" for words in split), split
    return [[w.strip("\"'") for w in words[1:]] for words in split]


def test_the_documented_cache_recipes_run_and_reuse_the_cache(tmp_path: Path) -> None:
    commands = recipe_commands()
    assert commands[1][:2] == ["cache", "prune"]
    fixtures = Path(__file__).resolve().parents[2] / "fixtures" / "site"
    releases = []
    for name in ("first", "second"):
        site = tmp_path / name
        shutil.copytree(fixtures, site, ignore=shutil.ignore_patterns("build"))
        for words in commands:
            # The Docker recipe's mount point, here a directory shared by both checkouts.
            words = [str(tmp_path / "cache") if w.startswith("/root/") else w for w in words]
            words = [str(tmp_path / "cache") if w == ".cache/assetbuild" else w for w in words]
            done = assetbuild(*words, cwd=site)
            assert done.returncode == 0, (words, done.stderr)
        releases.append(release_files(site / "build/static"))
    assert releases[0] == releases[1]
    assert entries(tmp_path / "cache")
