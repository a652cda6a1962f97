"""``assetbuild watch``: build once, then rebuild whenever a source file or the config changes.

Owns: the watch loop; what is watched (the source directories and the config file) and what is
ignored (the output directory, the bookkeeping directory and the cache_dir, wherever they lie,
and dotfiles and dot-directories, which are never published); reloading the config when its
file changes; and describing each build's outcome as a ``Rebuild`` value: the changes that
caused it, and the new fingerprints or the error that kept the last good release in force.
Must not: print or know exit statuses (the CLI reports each ``Rebuild``), write anything itself
(builds go through the pipeline, and a failed build writes nothing), or import ``watchfiles``
before ``watch()`` is called: ``assetbuild build`` does not pay for it.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from assetbuild.compiler.assembly import BuildResult, build
from assetbuild.compiler.config import Config, Defaults, load_config
from assetbuild.errors import BuildError, ConfigError, Problem
from assetbuild.manifest import Manifest

# How often (ms) the watcher wakes without an event, to notice a config file that an editor
# replaced by a rename (the watch on the old file then sees nothing more) and, after (re)starting,
# to learn that it is armed.
TICK_MS = 250

_Stamp = tuple[int, int, int]  # mtime_ns, size, inode


@dataclass(frozen=True)
class Changed:
    """One changed path, as the watcher saw it."""

    path: Path  # absolute, with symlinks resolved
    kind: str  # "added", "modified" or "deleted"


@dataclass(frozen=True)
class Refingerprinted:
    """An asset whose release path differs from the one in the manifest the build replaced."""

    logical_path: str
    before: str | None  # None: the asset is new
    after: str | None  # None: the asset is gone


@dataclass(frozen=True)
class Rebuild:
    """The outcome of one build of a watch."""

    changed: tuple[Changed, ...]  # what caused it, sorted; () for the first build
    first: bool
    config_reloaded: bool  # the config file changed and was read again (successfully)
    watching: tuple[Path, ...]  # the source directories and config file now watched
    result: BuildResult | None = None  # None: the build failed, the last good release stays
    fingerprints: tuple[Refingerprinted, ...] = ()
    error: Exception | None = None  # BuildError, ConfigError, ReleaseError, OSError, ...

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def problems(self) -> tuple[Problem, ...]:
        """A failed build's problems (errors and warnings), or a successful one's warnings."""
        if isinstance(self.error, BuildError):
            return self.error.problems
        return self.result.warnings if self.result is not None else ()


@dataclass(frozen=True)
class Scope:
    """What a watch looks at, as real paths: the sources and the config file, minus the output
    (and the bookkeeping, when it lives outside the release)."""

    sources: tuple[str, ...]
    config: str
    output: str
    state: str | None = None
    cache_dir: str | None = None

    @classmethod
    def of(cls, config: Config) -> Scope:
        return cls(
            sources=tuple(os.path.realpath(s.path) for s in config.sources),
            config=os.path.realpath(config.file),
            output=os.path.realpath(config.output),
            state=None if config.state is None else os.path.realpath(config.state),
            cache_dir=None if config.cache_dir is None else os.path.realpath(config.cache_dir),
        )

    def ignored(self, path: str) -> bool:
        """The build's own writes, even when the output (the state, the cache_dir) lies inside
        a source."""
        return any(
            path == place or path.startswith(place + os.sep)
            for place in (self.output, self.state, self.cache_dir)
            if place is not None
        )

    def paths(self) -> tuple[str, ...]:
        """The paths to hand the watcher (it refuses one that does not exist)."""
        return tuple(p for p in (*self.sources, self.config) if os.path.exists(p))

    def accepts(self, _change: object, path: str) -> bool:
        """Whether a change at ``path`` can change the build (a ``watchfiles`` filter)."""
        if path == self.config:
            return True
        if self.ignored(path):
            return False
        for root in self.sources:
            if path == root:
                return True
            if path.startswith(root + os.sep):
                parts = path[len(root) + 1 :].split(os.sep)
                if not any(part.startswith(".") for part in parts):
                    return True
        return False  # dotfiles, editors' swap files, .git: never published

    def snapshot(self) -> dict[str, _Stamp]:
        """Every accepted file's stamp: compared across a (re)start of the watcher, it finds the
        changes made while no watcher was armed."""
        stamps: dict[str, _Stamp] = {}
        config = _stamp(self.config)
        if config is not None:
            stamps[self.config] = config
        for root in self.sources:
            for directory, dirs, files in os.walk(root):
                dirs[:] = [
                    d
                    for d in dirs
                    if not d.startswith(".") and not self.ignored(os.path.join(directory, d))
                ]
                for name in files:
                    path = os.path.join(directory, name)
                    if self.accepts(None, path):
                        stamp = _stamp(path)
                        if stamp is not None:
                            stamps[path] = stamp
        return stamps


def watch(
    config_path: Path | None,
    on_build: Callable[[Rebuild], None],
    *,
    output: Path | None = None,
    defaults: Defaults | None = None,
    cache_dir: Path | None = None,
    cwd: Path | None = None,
    environ: Mapping[str, str] | None = None,
    stop_event: threading.Event | None = None,
    step_ms: int = 50,
    debounce_ms: int = 1600,
) -> None:
    """Build, then rebuild on every change, calling ``on_build`` after each build.

    Returns when ``stop_event`` is set; Ctrl-C raises ``KeyboardInterrupt``. A config that cannot
    be loaded at the start is a ``ConfigError`` (there is nothing to watch yet); after that, every
    failure is reported through ``on_build`` and the watch goes on with the last good config.
    Changes are grouped until none has come for ``step_ms`` (at most ``debounce_ms``).
    ``defaults`` are a framework integration's (see ``config.Defaults``), used at every reload;
    ``cache_dir`` is the ``--cache-dir`` flag. Each rebuild runs the webassets filters of the
    inputs that changed (and of those that import them) only: the others' results are cached.
    """
    try:
        import watchfiles
    except ImportError:
        raise ConfigError(
            "assetbuild watch needs the watchfiles package: pip install watchfiles"
        ) from None

    cwd = Path.cwd() if cwd is None else cwd

    def load() -> Config:
        return load_config(
            config_path,
            cwd=cwd,
            environ=environ,
            output=output,
            defaults=defaults,
            cache_dir=cache_dir,
        )

    config = load()
    config_stamp = _stamp(config.file)
    scope = Scope.of(config)
    config_broken = False
    unwatched: dict[str, _Stamp] | None = scope.snapshot()
    on_build(_build(config, (), scope, first=True, config_reloaded=False))
    while stop_event is None or not stop_event.is_set():
        batches = watchfiles.watch(
            *scope.paths(),
            watch_filter=scope.accepts,
            debounce=debounce_ms,
            step=step_ms,
            stop_event=stop_event,
            rust_timeout=TICK_MS,
            yield_on_timeout=True,
        )
        with contextlib.closing(batches):
            for batch in batches:
                changes = {path: change.name for change, path in batch}
                if unwatched is not None:
                    # The first batch (or tick) after a start: the watcher is armed, and anything
                    # changed while it was not is in the difference of the snapshots.
                    changes = {**_difference(unwatched, scope.snapshot()), **changes}
                    unwatched = None
                stamp = _stamp(config.file)
                if stamp != config_stamp:
                    changes.setdefault(scope.config, "modified" if stamp else "deleted")
                if not changes:
                    continue
                changed = tuple(Changed(Path(p), k) for p, k in sorted(changes.items()))
                if scope.config not in changes and not config_broken:
                    on_build(_build(config, changed, scope, first=False, config_reloaded=False))
                    continue
                # The config changed (or is still broken: say so again rather than build with a
                # config that is no longer on disk). Read it again, then restart the watcher, which
                # may have to look at other directories, and whose watch on a config file that an
                # editor replaced by a rename sees nothing more. The snapshot, taken first, finds
                # what changes in between.
                config_stamp = stamp
                try:
                    config = load()
                except ConfigError as exc:
                    config_broken = True
                    unwatched = scope.snapshot()
                    on_build(_failed(changed, scope, exc))
                else:
                    config_broken = False
                    scope = Scope.of(config)
                    unwatched = scope.snapshot()
                    on_build(_build(config, changed, scope, first=False, config_reloaded=True))
                break
            else:
                return  # stop_event


def _build(
    config: Config,
    changed: tuple[Changed, ...],
    scope: Scope,
    *,
    first: bool,
    config_reloaded: bool,
) -> Rebuild:
    watching = tuple(Path(p) for p in scope.paths())
    try:
        result = build(config)
    except Exception as exc:  # a watch outlives any one broken state, a filter's crash included
        return Rebuild(changed, first, config_reloaded, watching, error=exc)
    published = result.published
    return Rebuild(
        changed,
        first,
        config_reloaded,
        watching,
        result=result,
        fingerprints=_refingerprinted(published.previous, published.manifest),
    )


def _failed(changed: tuple[Changed, ...], scope: Scope, exc: Exception) -> Rebuild:
    watching = tuple(Path(p) for p in scope.paths())
    return Rebuild(changed, False, False, watching, error=exc)


def _refingerprinted(before: Manifest | None, after: Manifest) -> tuple[Refingerprinted, ...]:
    old = {} if before is None else {name: e.path for name, e in before.assets.items()}
    new = {name: e.path for name, e in after.assets.items()}
    return tuple(
        Refingerprinted(name, old.get(name), new.get(name))
        for name in sorted(old.keys() | new.keys())
        if old.get(name) != new.get(name)
    )


def _difference(before: Mapping[str, _Stamp], after: Mapping[str, _Stamp]) -> dict[str, str]:
    changes = dict.fromkeys(before.keys() - after.keys(), "deleted")
    for path, stamp in after.items():
        if path not in before:
            changes[path] = "added"
        elif before[path] != stamp:
            changes[path] = "modified"
    return changes


def _stamp(path: str | Path) -> _Stamp | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)
