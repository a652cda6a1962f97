"""``assetbuild watch``: rebuild on every save, survive a broken one, and stop cleanly.

Most tests run ``watch()`` in a thread of this process and read the ``Rebuild`` it reports after
each build; the last ones run ``python -m assetbuild watch`` and read what it prints. Waits are
bounded (a rebuild takes well under a second here); nothing asserts how fast anything is.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

import pytest
from click.testing import CliRunner
from jinja2 import Environment

from assetbuild.compiler.cli import main
from assetbuild.compiler.commands.watch import Changed, Rebuild, Scope, watch
from assetbuild.compiler.config import Defaults, SourceDir, load_config
from assetbuild.errors import BuildError, ConfigError
from assetbuild.runtime import Assets
from assetbuild.runtime.jinja import install
from tests.compiler.test_content_cache import LOG, new_module, project, released, runs

WAIT = 15.0  # seconds: a generous bound for anything to happen, never a measure of speed


class Watching:
    """``watch()`` on a site, in a thread; ``next()`` is its next ``Rebuild``."""

    def __init__(self, site: Path, on_build: Callable[[Rebuild], None] | None = None) -> None:
        self.site = site
        self.on_build = on_build
        self.stop = threading.Event()
        self.builds: queue.Queue[Rebuild] = queue.Queue()
        self.failure: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="watch")

    def _run(self) -> None:
        def report(rebuild: Rebuild) -> None:
            if self.on_build is not None:
                self.on_build(rebuild)
            self.builds.put(rebuild)

        try:
            watch(self.site / "assetbuild.toml", report, cwd=self.site, stop_event=self.stop)
        except BaseException as exc:  # handed to the test in __exit__
            self.failure = exc

    def __enter__(self) -> Watching:
        self.thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop.set()
        self.thread.join(WAIT)
        assert not self.thread.is_alive(), "watch() did not return after stop_event was set"
        if self.failure is not None and value is None:
            raise self.failure

    def next(self) -> Rebuild:
        try:
            return self.builds.get(timeout=WAIT)
        except queue.Empty:
            raise AssertionError(f"no build within {WAIT} s (failure: {self.failure!r})") from None


def real(path: Path) -> Path:
    return Path(os.path.realpath(path))


def manifest(site: Path, output: str = "build/static") -> dict[str, Any]:
    data: dict[str, Any] = json.loads((site / output / "manifest.json").read_text("utf-8"))
    return data


def append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(text)


def replace_by_rename(path: Path, text: str) -> None:
    """Save the way many editors do: write a new file, then rename it over the old one."""
    temporary = path.with_name(path.name + ".new")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


# -- rebuilding ----------------------------------------------------------------------------------


def test_the_first_build_happens_at_once_and_says_what_is_watched(site: Path) -> None:
    with Watching(site) as watching:
        first = watching.next()
    assert first.first and first.ok and first.changed == ()
    assert first.watching == (real(site / "static"), real(site / "assetbuild.toml"))
    assert (site / "build/static/manifest.json").is_file()


def test_a_css_change_rebuilds_and_reports_the_new_fingerprints(site: Path) -> None:
    with Watching(site) as watching:
        watching.next()
        before = manifest(site)["assets"]
        append(site / "static/css/theme.css", ".added { color: blue; }\n")
        rebuild = watching.next()
    after = manifest(site)["assets"]
    assert rebuild.ok
    assert rebuild.changed == (Changed(real(site / "static/css/theme.css"), "modified"),)
    # theme.css changed; app.css inlines it and print.css imports it by its fingerprinted name.
    changed = ["css/app.css", "css/print.css", "css/theme.css"]
    assert [(f.logical_path, f.before, f.after) for f in rebuild.fingerprints] == [
        (name, before[name]["path"], after[name]["path"]) for name in changed
    ]
    assert all(before[name]["path"] != after[name]["path"] for name in changed)


def test_saving_one_input_of_a_filtered_bundle_runs_that_input_s_filter_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "filter-runs.log"
    monkeypatch.setenv(LOG, str(log))
    site = project(tmp_path / "site", new_module())
    config = site / "assetbuild.toml"
    # Inside the source directory, where its writes would be changes if they were not ignored.
    config.write_text('cache_dir = "static/cache"\n' + config.read_text())
    with Watching(site) as watching:
        assert watching.next().ok
        assert len(runs(log)) == 4  # three inputs (one an inlined @import), one output step
        append(site / "static/css/theme.css", ".saved { color: $brand }\n")
        rebuild = watching.next()
        assert rebuild.ok
        assert runs(log) == ["input css/theme.css", "output css/app.css"]
        assert (site / "static/cache/v1/filtered").is_dir()
        # The cache_dir's new entries cause no rebuild of their own.
        with pytest.raises(queue.Empty):
            watching.builds.get(timeout=2.0)
    assert ".saved{color:#336699}" in released(rebuild.result, "css/app.css")  # type: ignore[arg-type]


def test_a_broken_save_is_reported_the_release_stays_and_the_fixing_save_recovers(
    site: Path,
) -> None:
    stylesheet = site / "static/css/site.css"
    good = stylesheet.read_text("utf-8")
    with Watching(site) as watching:
        watching.next()
        last_good = (site / "build/static/manifest.json").read_bytes()
        stylesheet.write_text(good + ".oops { background: url(../img/missing.png); }\n", "utf-8")
        broken = watching.next()
        assert not broken.ok and isinstance(broken.error, BuildError)
        line = good.count("\n") + 1
        assert [str(p) for p in broken.problems] == [
            f"{stylesheet}:{line}:25: ../img/missing.png resolves to no file "
            "(looked for img/missing.png); fix the reference or add the file"
        ]
        assert (site / "build/static/manifest.json").read_bytes() == last_good

        stylesheet.write_text(good + ".fixed { color: green; }\n", "utf-8")
        fixed = watching.next()
    assert fixed.ok
    assert [f.logical_path for f in fixed.fingerprints] == ["css/app.css"]
    assert manifest(site)["assets"]["css/app.css"]["path"] == fixed.fingerprints[0].after


def test_a_crash_inside_a_build_is_reported_and_the_watch_goes_on(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assetbuild.compiler.commands import watch as module

    real_build = module.build
    calls = []

    def build_that_crashes_once(config: Any) -> Any:
        calls.append(config)
        if len(calls) == 2:
            raise RuntimeError("a filter fell over")
        return real_build(config)

    monkeypatch.setattr(module, "build", build_that_crashes_once)
    with Watching(site) as watching:
        watching.next()
        append(site / "static/css/theme.css", ".a { color: red; }\n")
        crashed = watching.next()
        assert isinstance(crashed.error, RuntimeError) and crashed.result is None
        append(site / "static/css/theme.css", ".b { color: red; }\n")
        assert watching.next().ok


def test_a_config_change_reloads_the_config(site: Path) -> None:
    config = site / "assetbuild.toml"
    with Watching(site) as watching:
        watching.next()
        config.write_text(config.read_text("utf-8").replace('"/static/"', '"/assets/"'), "utf-8")
        rebuild = watching.next()
    assert rebuild.ok and rebuild.config_reloaded
    assert rebuild.changed == (Changed(real(config), "modified"),)
    assert manifest(site)["url"] == "/assets/"


def test_a_broken_config_is_reported_until_it_is_fixed(site: Path) -> None:
    config = site / "assetbuild.toml"
    good = config.read_text("utf-8")
    with Watching(site) as watching:
        watching.next()
        last_good = (site / "build/static/manifest.json").read_bytes()
        config.write_text(good.replace('url = "/static/"', "url = 42"), "utf-8")
        broken = watching.next()
        assert isinstance(broken.error, ConfigError)
        assert str(broken.error) == f"{config}: url: must be a URL prefix such as '/static/'"
        # A source change while the config is broken says so again: no build from a config
        # that is no longer on disk.
        append(site / "static/css/theme.css", ".x { color: red; }\n")
        still = watching.next()
        assert isinstance(still.error, ConfigError)
        assert (site / "build/static/manifest.json").read_bytes() == last_good

        config.write_text(good, "utf-8")
        fixed = watching.next()
    assert fixed.ok and fixed.config_reloaded
    assert "css/theme.css" in [f.logical_path for f in fixed.fingerprints]


def test_a_config_saved_by_renaming_is_followed_across_saves(site: Path) -> None:
    config = site / "assetbuild.toml"
    good = config.read_text("utf-8")
    with Watching(site) as watching:
        watching.next()
        replace_by_rename(config, good.replace('"/static/"', '"/one/"'))
        assert watching.next().config_reloaded
        assert manifest(site)["url"] == "/one/"
        replace_by_rename(config, good.replace('"/static/"', '"/two/"'))
        assert watching.next().config_reloaded
    assert manifest(site)["url"] == "/two/"


def test_a_config_naming_other_sources_watches_them(site: Path) -> None:
    config = site / "assetbuild.toml"
    (site / "more").mkdir()
    (site / "more" / "extra.css").write_text(".extra { color: red; }\n", "utf-8")
    with Watching(site) as watching:
        watching.next()
        config.write_text(
            config.read_text("utf-8").replace('source = "static"', 'source = ["static", "more"]'),
            "utf-8",
        )
        reloaded = watching.next()
        assert real(site / "more") in reloaded.watching
        append(site / "more" / "extra.css", ".more { color: blue; }\n")
        rebuild = watching.next()
    assert rebuild.changed == (Changed(real(site / "more/extra.css"), "modified"),)
    assert [f.logical_path for f in rebuild.fingerprints] == ["extra.css"]


def test_the_output_directory_inside_a_source_and_dotfiles_cause_no_rebuild(site: Path) -> None:
    config = site / "assetbuild.toml"
    config.write_text(
        config.read_text("utf-8").replace('"build/static"', '"static/_release"'), "utf-8"
    )
    with Watching(site) as watching:
        watching.next()
        (site / "static/.notes.swp").write_text("editor state", "utf-8")
        (site / "static/css/.cache").mkdir()
        (site / "static/css/.cache/x.css").write_text("x", "utf-8")
        append(site / "static/css/theme.css", ".a { color: red; }\n")
        # Had the dotfiles counted, they would be in this build or an earlier one.
        assert watching.next().changed == (
            Changed(real(site / "static/css/theme.css"), "modified"),
        )
        # That build wrote into static/_release; had that counted, it would be the next build.
        append(site / "static/css/reset.css", ".b { color: red; }\n")
        assert watching.next().changed == (
            Changed(real(site / "static/css/reset.css"), "modified"),
        )
    assert "css/app.css" in manifest(site, "static/_release")["assets"]


def test_a_change_made_before_the_watcher_is_ready_is_not_lost(site: Path) -> None:
    theme = site / "static/css/theme.css"

    def save_during_the_first_report(rebuild: Rebuild) -> None:
        if rebuild.first:  # the watcher is not armed yet: only the snapshot can see this
            append(theme, ".early { color: red; }\n")

    with Watching(site, on_build=save_during_the_first_report) as watching:
        watching.next()
        rebuild = watching.next()
    assert rebuild.changed == (Changed(real(theme), "modified"),)
    assert ".early" in (
        site / "build/static" / manifest(site)["assets"]["css/theme.css"]["path"]
    ).read_text("utf-8")


def test_a_change_made_while_the_watcher_restarts_for_a_new_config_is_not_lost(site: Path) -> None:
    config = site / "assetbuild.toml"
    theme = site / "static/css/theme.css"

    def save_during_the_reload(rebuild: Rebuild) -> None:
        if rebuild.config_reloaded:
            append(theme, ".late { color: red; }\n")

    with Watching(site, on_build=save_during_the_reload) as watching:
        watching.next()
        config.write_text(config.read_text("utf-8").replace('"/static/"', '"/s/"'), "utf-8")
        assert watching.next().config_reloaded
        rebuild = watching.next()
    assert rebuild.changed == (Changed(real(theme), "modified"),)


def test_the_runtime_with_reload_serves_the_new_url_after_a_rebuild(site: Path) -> None:
    with Watching(site) as watching:
        watching.next()
        assets = Assets(site / "build/static/manifest.json", reload=True)
        env = Environment(autoescape=True)
        install(env, assets)
        page = env.from_string('<link href="{{ asset_url("css/theme.css") }}">')
        before = page.render()
        append(site / "static/css/theme.css", ".new { color: red; }\n")
        rebuild = watching.next()
    (theme,) = [f for f in rebuild.fingerprints if f.logical_path == "css/theme.css"]
    assert before != page.render() == f'<link href="/static/{theme.after}">'


# -- what is watched -----------------------------------------------------------------------------


@pytest.fixture
def scope(tmp_path: Path) -> Scope:
    root = str(real(tmp_path))
    return Scope(
        sources=(f"{root}/static",),
        config=f"{root}/assetbuild.toml",
        output=f"{root}/static/out",
        state=f"{root}/static/bookkeeping",  # a framework's state directory, kept outside the release
    )


@pytest.mark.parametrize(
    ("path", "accepted"),
    [
        ("static/css/site.css", True),
        ("static/css", True),
        ("static", True),
        ("assetbuild.toml", True),
        ("static/out", False),
        ("static/out/css/site.0123456789ab.css", False),
        ("static/outside.css", True),
        ("static/bookkeeping/cache.json", False),
        ("static/bookkeeping", False),
        ("static/bookkeeping.css", True),
        ("static/.env", False),
        ("static/css/.site.css.swp", False),
        ("static/.git/index", False),
        ("other/file.css", False),
    ],
)
def test_the_scope_accepts_sources_and_the_config_but_not_the_output_state_or_dotfiles(
    scope: Scope, tmp_path: Path, path: str, accepted: bool
) -> None:
    assert scope.accepts(None, f"{real(tmp_path)}/{path}") is accepted


def test_the_scope_of_an_integrations_config_watches_its_sources_and_skips_its_state(
    tmp_path: Path,
) -> None:
    root = real(tmp_path)
    (root / "static").mkdir()
    (root / "plugin/static").mkdir(parents=True)
    defaults = Defaults(
        sources=(SourceDir(root / "static"), SourceDir(root / "plugin/static", "plugin/")),
        output=root / "public",
        url="/static/",
        state=root / "static/.state",
    )
    scope = Scope.of(load_config(cwd=root, environ={}, defaults=defaults))
    assert scope.sources == (f"{root}/static", f"{root}/plugin/static")
    assert scope.config == f"{root}/assetbuild.toml"  # not there (yet): not handed to the watcher
    assert scope.state == f"{root}/static/.state"
    assert scope.paths() == (f"{root}/static", f"{root}/plugin/static")


# -- the command ---------------------------------------------------------------------------------


def test_without_watchfiles_the_message_says_how_to_install_it(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "watchfiles", None)
    with pytest.raises(ConfigError, match="pip install watchfiles"):
        watch(site / "assetbuild.toml", lambda rebuild: None)


def test_a_config_that_cannot_be_read_at_the_start_is_bad_usage(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["watch", "--config", str(tmp_path / "nope.toml")])
    assert result.exit_code == 2
    assert "no such config file" in result.stderr


class Process:
    """``python -m assetbuild watch`` in a site, with its output lines as they come."""

    def __init__(self, site: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "assetbuild", "watch"],
            cwd=site,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[tuple[str, str]] = queue.Queue()
        self.seen: list[tuple[str, str]] = []
        assert self.process.stdout is not None and self.process.stderr is not None
        self.readers = [
            threading.Thread(target=self._read, args=("out", self.process.stdout)),
            threading.Thread(target=self._read, args=("err", self.process.stderr)),
        ]
        for reader in self.readers:
            reader.start()

    def _read(self, stream: str, handle: Any) -> None:
        for line in handle:
            self.lines.put((stream, line.rstrip("\n")))

    def expect(self, stream: str, predicate: Callable[[str], bool]) -> str:
        """Wait for a line of ``stream`` for which ``predicate`` holds."""
        while True:
            try:
                item = self.lines.get(timeout=WAIT)
            except queue.Empty:
                raise AssertionError(f"no such line within {WAIT} s; saw {self.seen}") from None
            self.seen.append(item)
            if item[0] == stream and predicate(item[1]):
                return item[1]

    def interrupt(self) -> tuple[int, list[tuple[str, str]]]:
        """Ctrl-C; the exit status and every line not yet expected."""
        self.process.send_signal(signal.SIGINT)
        status = self.process.wait(WAIT)
        for reader in self.readers:
            reader.join(WAIT)
        rest = []
        while not self.lines.empty():
            rest.append(self.lines.get())
        return status, rest

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(WAIT)
        for reader in self.readers:
            reader.join(WAIT)
        assert self.process.stdout is not None and self.process.stderr is not None
        self.process.stdout.close()
        self.process.stderr.close()


@pytest.fixture
def process(site: Path) -> Iterator[Process]:
    running = Process(site)
    try:
        yield running
    finally:
        running.close()


def test_the_command_prints_changes_fingerprints_and_errors_and_stops_quietly_on_ctrl_c(
    site: Path, process: Process
) -> None:
    process.expect(
        "out", lambda line: line == "watching static, assetbuild.toml for changes (Ctrl-C stops)"
    )

    append(site / "static/css/theme.css", ".added { color: blue; }\n")
    process.expect("out", lambda line: line == "changed: static/css/theme.css")
    line = process.expect("out", lambda line: line.startswith("  css/theme.css -> "))
    assert line == f"  css/theme.css -> {manifest(site)['assets']['css/theme.css']['path']}"
    process.expect("out", lambda line: line.startswith("rebuilt: 3 fingerprints changed, "))

    stylesheet = site / "static/css/site.css"
    good = stylesheet.read_text("utf-8")
    stylesheet.write_text(good + ".oops { background: url(../img/missing.png); }\n", "utf-8")
    error = process.expect("err", lambda line: line.startswith("error: "))
    assert error == (
        f"error: {stylesheet}:{good.count(chr(10)) + 1}:25: ../img/missing.png resolves to no "
        "file (looked for img/missing.png); fix the reference or add the file"
    )
    process.expect(
        "err", lambda line: line == "build failed: 1 problem; the last good release stays in force"
    )

    stylesheet.write_text(good, "utf-8")
    process.expect("out", lambda line: line.startswith("rebuilt: "))

    status, rest = process.interrupt()
    assert status == 0
    assert rest == []  # nothing more: no traceback, no "Aborted!"
