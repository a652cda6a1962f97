"""The release directory: the only module that writes or removes release files.

Owns: append-only writes (a fingerprinted file is written once, through a temporary name and a
rename, and never modified), precompressed variants, the plain (unfingerprinted) copies, which
are replaced atomically (a temporary name and a rename) whenever their bytes change, the
manifest history that ``clean`` keeps by, the atomic replacement of ``manifest.json`` (always
last), the lock that serializes builds into one release, and ``clean``.
Must not: decide what goes into a release; it is handed finished outputs.

Layout of the bookkeeping, in the state directory: by default beside the release, never in it
(``state_beside``: ``build/static`` -> ``build/.static.assetbuild``), so that a server that hands
out the whole release directory (WhiteNoise, nginx) hands out none of it; an integration or the
user may put it elsewhere (``Config.state``). A release that an older build left with its
bookkeeping inside, in ``.assetbuild/``, has its history moved to the state directory the first
time it is locked (``_adopt_legacy``), and that directory removed. ``lock``
(flock), ``history`` (one manifest digest per build, oldest first) and
``manifests/<digest>.json`` (each manifest, plus the encodings that build tried, so a rebuild
knows a missing ``.gz`` was not worth writing rather than never tried), ``cache.json`` (the
build cache, see ``cache``) and ``build.json`` (the last build as a whole, also ``cache``'s). One
state directory serves one release directory.

Also: whether the release stands as a build left it (``Release.unchanged``: the manifest a
build wrote, and every file it names), for a rebuild with nothing to do; and the temporary
files a worker process stages (``stage_in``), which the session adopts.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import itertools
import json
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, overload

from assetbuild.compiler import compress
from assetbuild.compiler.cache import BUILD_FILENAME as BUILD_FILE
from assetbuild.compiler.cache import FILENAME as CACHE_FILE
from assetbuild.compiler.content_cache import ContentCache
from assetbuild.compiler.fingerprint import Fingerprint, digest_of
from assetbuild.errors import ManifestError, ReleaseError
from assetbuild.manifest import FILENAME, Entry, Manifest, dumps, loads

if TYPE_CHECKING:  # concurrent.futures imports logging: a rebuild with nothing to do need not
    from concurrent.futures import Executor

# Where builds before 0.x kept the bookkeeping: inside the release, where a server reached it.
LEGACY_STATE_DIR = ".assetbuild"


def state_beside(directory: Path) -> Path:
    """The default state directory of the release ``directory``: its sibling
    ``.<name>.assetbuild``, outside every URL the release is served under, and unique to it (two
    releases in one parent directory get two)."""
    # Absolute first: "." or "build/static/" must still name the release directory's parent.
    directory = Path(os.path.abspath(directory))
    return directory.parent / f".{directory.name}.assetbuild"


try:  # POSIX; on Windows builds are not serialized (documented)
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]


@dataclass(frozen=True)
class Output:
    """One finished asset: its name, its release path and what the manifest says of it."""

    logical_path: str
    release_path: str
    fingerprint: Fingerprint
    sources: tuple[str, ...] | None = None
    imports: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Published:
    manifest: Manifest
    manifest_bytes: bytes
    written: tuple[str, ...]  # release paths written by this build (variants included), sorted
    variant_sizes: Mapping[str, Mapping[str, int]] = field(
        default_factory=dict
    )  # logical -> enc -> size
    previous: Manifest | None = None  # the manifest this build replaced


@dataclass(frozen=True)
class Unchanged:
    """A release found as a build left it (``Release.unchanged``)."""

    manifest: Manifest
    manifest_bytes: bytes
    variant_sizes: Mapping[str, Mapping[str, int]]  # logical path -> encoding -> size

    def outputs(self) -> Sequence[Output]:
        """The outputs the build that wrote the manifest had, by logical path; made when first
        looked at (a rebuild with nothing to do prints a summary that needs none of them)."""
        return _ManifestOutputs(self.manifest)


class _ManifestOutputs(Sequence[Output]):
    """A manifest's entries as outputs, made on first use."""

    def __init__(self, manifest: Manifest) -> None:
        self._manifest = manifest
        self._outputs: tuple[Output, ...] | None = None

    def _made(self) -> tuple[Output, ...]:
        if self._outputs is None:
            self._outputs = tuple(
                Output(
                    name,
                    entry.path,
                    Fingerprint(digest_of(name, entry.path) or "", entry.integrity, entry.size),
                    entry.sources,
                    entry.imports,
                )
                for name, entry in sorted(self._manifest.assets.items())
            )
        return self._outputs

    def __len__(self) -> int:
        return len(self._manifest.assets)

    @overload
    def __getitem__(self, index: int) -> Output: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Output]: ...
    def __getitem__(self, index: int | slice) -> Output | Sequence[Output]:
        return self._made()[index]

    def __eq__(self, other: object) -> bool:
        return self._made() == (tuple(other) if isinstance(other, Sequence) else other)

    __hash__ = None  # type: ignore[assignment]  # mutable cache inside; like a list, unhashable


class Release:
    def __init__(self, directory: Path, state: Path | None = None):
        self.directory = directory
        self.state = state_beside(directory) if state is None else state

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """Hold the release directory for one build: staged files are committed by
        ``Session.commit``, or removed again if the build fails before that."""
        with self._locked():
            session = Session(self)
            try:
                yield session
            except BaseException:
                session.discard()
                raise

    def current(self) -> Manifest | None:
        """The manifest in force, or None if there is none yet (or it is unreadable: a build replaces it)."""
        path = self.directory / FILENAME
        try:
            return loads(path.read_bytes(), str(path))
        except (OSError, ManifestError):
            return None

    def unchanged(self, digest: str) -> Unchanged | None:
        """The release as it stands, if the manifest in force has the SHA-256 ``digest`` (hex)
        and every file it names is there: each asset, each variant, each plain copy (by its
        size). None otherwise, or when the manifest cannot be read. Under the lock, so that no
        build is committing meanwhile; writes nothing."""
        with self._locked():
            path = self.directory / FILENAME
            try:
                data = path.read_bytes()
                if _digest(data) != digest:
                    return None
                manifest = loads(data, str(path))
            except (OSError, ManifestError):
                return None
            directory = str(self.directory)
            sizes: dict[str, dict[str, int]] = {}
            for name, entry in manifest.assets.items():
                if not os.path.isfile(os.path.join(directory, entry.path)):
                    return None
                for encoding, variant in entry.encodings.items():
                    try:
                        sizes.setdefault(name, {})[encoding] = os.path.getsize(
                            os.path.join(directory, variant)
                        )
                    except OSError:
                        return None
            for name in manifest.plain:
                try:
                    size = os.path.getsize(os.path.join(directory, name))
                except OSError:
                    return None
                copied = manifest.assets.get(name)
                if copied is None or size != copied.size:
                    return None
            return Unchanged(manifest, data, sizes)

    def previous(self) -> Manifest | None:
        """The manifest of the latest build in the history that differs from the one in force
        (a rebuild that changed nothing is not a build to compare with); None if there is none,
        or its copy is gone. What ``report`` compares against."""
        try:
            in_force = _digest((self.directory / FILENAME).read_bytes())
        except OSError:
            in_force = None
        for digest in reversed(self._history()):
            if digest != in_force:
                return self._history_manifest(digest)
        return None

    # -- clean ------------------------------------------------------------------------------

    def clean(self, keep: int) -> tuple[str, ...]:
        """Remove every file that neither the current manifest nor the ``keep - 1`` builds before
        it name (their plain copies included). Returns the removed paths, relative to the release
        directory; the manifest copies of builds no longer kept go too, wherever the state
        directory is (those outside the release are not listed)."""
        if keep < 1:
            raise ValueError("keep must be at least 1")
        with self._locked():
            history = self._history()
            current = self.directory / FILENAME
            in_force: Manifest | None = None
            kept_digests: list[str] = []
            if current.is_file():
                data = current.read_bytes()
                try:
                    in_force = loads(data, str(current))
                except ManifestError as exc:
                    raise ReleaseError(
                        f"{exc}; clean removes nothing while the manifest in force cannot be read"
                    ) from None
                kept_digests.append(_digest(data))
            for digest in reversed(history):
                if len(kept_digests) >= keep:
                    break
                if digest not in kept_digests:
                    kept_digests.append(digest)
            # Real paths: the state directory may lie inside the release or elsewhere, and may
            # be spelt through a symlink; a file must be recognised as kept either way.
            directory = Path(os.path.realpath(self.directory))
            state = Path(os.path.realpath(self.state))
            named: set[Path] = {directory / FILENAME}
            if in_force is not None:
                # From the manifest itself, not its copy in the state directory: bookkeeping
                # kept apart from the release may be lost (or not shipped with it), and clean
                # must never take the release in force with it.
                named.update(directory / p for p in in_force.release_paths())
            named.update(state / path.relative_to(self.state) for path in self._state_files())
            for digest in kept_digests:
                named.add(state / self._manifest_copy(digest).relative_to(self.state))
                manifest = self._history_manifest(digest)
                if manifest is not None:
                    named.update(directory / p for p in manifest.release_paths())
            removed: list[str] = []
            for path in sorted(directory.rglob("*")):
                if (path.is_file() or path.is_symlink()) and path not in named:
                    path.unlink()
                    removed.append(path.relative_to(directory).as_posix())
            for path in sorted(directory.rglob("*"), reverse=True):
                if path.is_dir() and not any(path.iterdir()):
                    path.rmdir()
            if not state.is_relative_to(directory):
                # Only what this module writes there (the copies of manifests no longer kept,
                # temporary files of a killed build): an outside state directory may hold more.
                for path in sorted([*state.glob("manifests/*"), *state.glob(".tmp-*")]):
                    if path.is_file() and path not in named:
                        path.unlink()
            self._replace(
                self.state / "history",
                "".join(f"{d}\n" for d in reversed(kept_digests) if d).encode("ascii"),
            )
            return tuple(removed)

    # -- internals --------------------------------------------------------------------------

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """One build or clean at a time per release directory; a second one waits its turn."""
        try:
            self.state.mkdir(parents=True, exist_ok=True)
            handle = open(self.state / "lock", "a+b")  # noqa: SIM115 - held for the whole block
        except OSError as exc:
            raise ReleaseError(_explain(exc, self.directory)) from None
        try:
            if fcntl is not None:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            self._adopt_legacy()
            yield
        except OSError as exc:
            raise ReleaseError(_explain(exc, self.directory)) from None
        finally:
            handle.close()  # closing releases the lock

    def _adopt_legacy(self) -> None:
        """Move the history of an older build's ``.assetbuild/`` inside the release (the
        manifests it kept, which ``clean`` keeps by) to the state directory, then remove that
        directory: it held the build cache, with the sizes, times, inodes and devices of the
        build machine's files, which anything serving the release would hand out."""
        legacy = self.directory / LEGACY_STATE_DIR
        if not legacy.is_dir() or os.path.realpath(legacy) == os.path.realpath(self.state):
            return
        old = _read_history(legacy / "history")
        for digest in old:
            source = legacy / "manifests" / f"{digest}.json"
            if source.is_file() and not self._manifest_copy(digest).is_file():
                self._replace(self._manifest_copy(digest), source.read_bytes())
        current = self._history()
        merged = [d for d in old if d not in current] + current
        if merged != current:
            self._replace(self.state / "history", "".join(f"{d}\n" for d in merged).encode())
        # Only once everything it named is kept above: a build killed before this line
        # finds the old directory again and adopts it again, with the same result.
        import shutil  # here: a rebuild with nothing to do imports none of what it needs

        shutil.rmtree(legacy)

    def _state_files(self) -> tuple[Path, ...]:
        """The bookkeeping files that every build keeps: the lock, the history, the cache and
        the record of the last build."""
        return (
            self.state / "lock",
            self.state / "history",
            self.state / CACHE_FILE,
            self.state / BUILD_FILE,
        )

    def _manifest_copy(self, digest: str) -> Path:
        return self.state / "manifests" / f"{digest}.json"

    def _replace(self, target: Path, data: bytes) -> None:
        """Atomically replace a small file (the manifest, a bookkeeping file), durably (fsync
        file, then directory)."""
        target.parent.mkdir(parents=True, exist_ok=True)
        import tempfile  # here: a rebuild with nothing to do writes nothing

        fd, temporary = tempfile.mkstemp(prefix=".tmp-", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temporary, 0o644)
            os.replace(temporary, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        directory_fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(directory_fd)
        finally:
            os.close(directory_fd)

    def _keep_copy(self, manifest_bytes: bytes, encodings: Sequence[str]) -> str:
        """Keep a copy of a manifest (with the encodings its build tried); its digest."""
        digest = _digest(manifest_bytes)
        copy = self._manifest_copy(digest)
        if not copy.is_file():
            record = json.loads(manifest_bytes)
            record["compress"] = list(encodings)
            self._replace(copy, json.dumps(record, sort_keys=True).encode("utf-8"))
        return digest

    def _append_history(self, digest: str) -> None:
        """Count a build for ``clean``: only once its manifest is in force, so a build that
        failed to replace the manifest never pushes a working release out of the kept ones."""
        history = self._history()
        if not history or history[-1] != digest:
            self._replace(
                self.state / "history", "".join(f"{d}\n" for d in (*history, digest)).encode()
            )

    def _history(self) -> list[str]:
        return _read_history(self.state / "history")

    def _history_manifest(self, digest: str) -> Manifest | None:
        path = self._manifest_copy(digest)
        try:
            return loads(path.read_bytes(), str(path))
        except (OSError, ManifestError):
            return None

    def _tried_encodings(self) -> set[tuple[str, str]]:
        """(release path, encoding) pairs an earlier build compressed, kept or not."""
        tried: set[tuple[str, str]] = set()
        for digest in self._history():
            path = self._manifest_copy(digest)
            try:
                record = json.loads(path.read_bytes())
                encodings = [e for e in record.get("compress", []) if e in compress.SUFFIX]
                paths = [a["path"] for a in record["assets"].values()]
            except (OSError, ValueError, KeyError, TypeError, AttributeError):
                continue
            tried.update((p, e) for p in paths for e in encodings)
        return tried


class Session:
    """One build's hold on the release directory (the lock is held for its whole life).

    ``stage`` writes a file under a temporary name next to its final one, so nothing appears
    under a name a manifest could hold until ``commit``; ``discard`` removes what was staged.
    ``stage`` may be called from several threads at once.
    """

    def __init__(self, release: Release):
        self.release = release
        self.directory = release.directory
        self.previous = release.current()
        self._staged: dict[str, str] = {}  # release path -> temporary file
        self._created: list[str] = []  # directories this build made, to remove if it fails
        self._directories: set[str] = set()  # directories known to exist
        self._mutex = threading.Lock()

    def present(self, release_path: str) -> bool:
        return os.path.isfile(os.path.join(self.directory, release_path))

    def stage(self, release_path: str, data: bytes) -> None:
        if self.present(release_path):
            return  # content-addressed: the file there already holds these bytes
        with self._mutex:
            if release_path in self._staged:
                return
            self._staged[release_path] = ""  # claimed: another thread need not write it
        target = os.path.join(self.directory, release_path)
        self._makedirs(os.path.dirname(target))
        temporary = _write_temporary(os.path.dirname(target), data)
        with self._mutex:
            self._staged[release_path] = temporary

    def prepare(self, paths: Iterable[str]) -> str:
        """Make the directories that files at ``paths`` (release paths, or logical paths: they
        share their directory) go into, for worker processes that stage them (``stage_in``);
        returns the release directory, as those take it."""
        for path in paths:
            self._makedirs(os.path.dirname(os.path.join(self.directory, path)))
        return str(self.directory)

    def adopt(self, release_path: str, temporary: str) -> None:
        """Take a file a worker process staged (``stage_in``) as this session's: committed with
        the others, or removed if the build fails."""
        with self._mutex:
            self._staged[release_path] = temporary

    def commit(
        self,
        outputs: Sequence[Output],
        *,
        url: str,
        encodings: Sequence[str],
        importmap: Mapping[str, str] | None = None,
        plain: Sequence[str] = (),
        aliases: Mapping[str, str] | None = None,
        cache: bytes | Callable[[bytes], Mapping[str, bytes]] | None = None,
        pool: Executor | None = None,
        progress: Callable[[int], None] | None = None,
        variant_cache: ContentCache | None = None,
    ) -> Published:
        """Move the staged files into place, write the variants that are missing and the plain
        copies (``plain``: logical paths of ``outputs``) whose bytes changed, then replace the
        manifest (last), then the build cache (``cache``'s bytes). ``pool`` runs the
        compression (the codecs release the GIL); ``variant_cache`` (``cache_dir``) holds the
        codecs' outputs of earlier builds, anywhere, by content."""
        written = []
        for release_path, temporary in sorted(self._staged.items()):
            os.replace(temporary, os.path.join(self.directory, release_path))
            written.append(release_path)
        self._staged.clear()
        tried = self.release._tried_encodings() if encodings else set()
        # Which variants exist already (a stat each, here) and which must be made (in the pool).
        results: list[tuple[dict[str, str], list[str]]] = []
        work: list[tuple[int, str, list[str]]] = []
        for index, output in enumerate(outputs):
            if not encodings:  # compress = []: not even a call per file
                results.append(({}, []))
                continue
            found, missing = self._existing_variants(output.release_path, encodings, tried)
            results.append((found, []))
            if missing:
                work.append((index, output.release_path, missing))
            elif progress is not None:
                progress(1)
        if not encodings and progress is not None:
            progress(len(outputs))

        def make(job: tuple[int, str, list[str]]) -> dict[str, str]:
            return self._make_variants(job[1], job[2], variant_cache)

        # Largest first: brotli 11 takes seconds on a large file, and one started last would
        # leave the other workers idle at the end. The results go back in manifest order, so
        # the scheduling changes nothing but the wall time.
        work.sort(key=lambda job: (-outputs[job[0]].fingerprint.size, job[0]))
        for (index, _, _), made in zip(
            work, (pool.map if pool is not None else map)(make, work), strict=True
        ):
            results[index][0].update(made)
            results[index][1].extend(made.values())
            if progress is not None:
                progress(1)
        entries: dict[str, Entry] = {}
        sizes: dict[str, dict[str, int]] = {}
        for output, (variants, new) in zip(outputs, results, strict=True):
            written.extend(new)
            for encoding, variant in variants.items():
                sizes.setdefault(output.logical_path, {})[encoding] = os.path.getsize(
                    os.path.join(self.directory, variant)
                )
            entries[output.logical_path] = Entry(
                path=output.release_path,
                integrity=output.fingerprint.integrity,
                size=output.fingerprint.size,
                encodings=dict(sorted(variants.items())),
                sources=output.sources,
                imports=output.imports,
            )
        by_name = {output.logical_path: output for output in outputs}
        for name in sorted(plain):
            if self._copy_plain(name, by_name[name].release_path):
                written.append(name)
        manifest = Manifest(
            url=url,
            assets=dict(sorted(entries.items())),
            importmap=dict(importmap or {}),
            plain=tuple(sorted(plain)),
            aliases=dict(sorted((aliases or {}).items())),
        )
        manifest_bytes = dumps(manifest)
        digest = self.release._keep_copy(manifest_bytes, encodings)
        self.release._replace(self.directory / FILENAME, manifest_bytes)
        self.release._append_history(digest)
        if cache is not None:
            # After the manifest: a cache only ever names outputs the release holds. A callable
            # is given the manifest's bytes, which the record of the whole build is tied to, and
            # gives each bookkeeping file to write, by name.
            files = cache(manifest_bytes) if callable(cache) else {CACHE_FILE: cache}
            for name, data in files.items():
                self.release._replace(self.release.state / name, data)
        return Published(manifest, manifest_bytes, tuple(sorted(written)), sizes, self.previous)

    def discard(self) -> None:
        for temporary in self._staged.values():
            if temporary:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
        self._staged.clear()
        for directory in reversed(self._created):
            with contextlib.suppress(OSError):
                os.rmdir(directory)  # only if empty: an earlier build's files stay

    def _existing_variants(
        self, release_path: str, encodings: Sequence[str], tried: set[tuple[str, str]]
    ) -> tuple[dict[str, str], list[str]]:
        """The variants of one file already there, and the encodings still to try."""
        found: dict[str, str] = {}
        missing: list[str] = []
        if not encodings or not compress.worth_compressing(release_path):
            return found, missing
        for encoding in encodings:
            variant = release_path + compress.SUFFIX[encoding]
            if self.present(variant):
                found[encoding] = variant
            elif (release_path, encoding) not in tried:
                missing.append(encoding)
            # else: compressed by an earlier build and not 5% smaller; same bytes, same answer
        return found, missing

    def _copy_plain(self, logical_path: str, release_path: str) -> bool:
        """Make the file at ``logical_path`` hold the bytes of ``release_path``: whether it had
        to be written. Never compressed: a plain name's bytes change from build to build, and a
        variant left behind by one build would then be served with another build's file."""
        data = Path(self.directory, release_path).read_bytes()
        target = os.path.join(self.directory, logical_path)
        try:
            with open(target, "rb") as handle:
                if handle.read(len(data) + 1) == data:
                    return False  # unchanged: keep its mtime, and so every validator a server sent
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            pass
        self._makedirs(os.path.dirname(target))
        # Through a temporary name and a rename: a request during the build gets the old bytes
        # or the new ones, never a partial file.
        os.replace(_write_temporary(os.path.dirname(target), data), target)
        return True

    def _make_variants(
        self, release_path: str, encodings: list[str], cache: ContentCache | None = None
    ) -> dict[str, str]:
        """Write the variants of one file that pay; encoding -> variant's release path. With a
        ``cache``, a codec's output for the same bytes is taken from it (and new ones put in
        it): the same bytes either way, so a release never depends on the cache."""
        made: dict[str, str] = {}
        data = Path(self.directory, release_path).read_bytes()
        for encoding, blob in compress.variants(data, encodings, cache).items():
            variant = release_path + compress.SUFFIX[encoding]
            target = os.path.join(self.directory, variant)
            os.replace(_write_temporary(os.path.dirname(target), blob), target)
            made[encoding] = variant
        return made

    def _makedirs(self, directory: str) -> None:
        if directory in self._directories:
            return
        if os.path.isdir(directory):
            self._directories.add(directory)
            return
        parent = os.path.dirname(directory)
        if parent != directory:
            self._makedirs(parent)
        try:
            os.mkdir(directory)
        except FileExistsError:
            return
        with self._mutex:
            self._created.append(directory)


_temporary_names = itertools.count()


def stage_in(directory: str, release_path: str, data: bytes) -> str | None:
    """Stage ``data`` in a worker process: written under a temporary name beside
    ``release_path`` in the release ``directory``, whose directory ``Session.prepare`` made;
    the temporary's path, for ``Session.adopt``. None when the file is there already (it holds
    these bytes: the name is their digest)."""
    target = os.path.join(directory, release_path)
    if os.path.isfile(target):
        return None
    return _write_temporary(os.path.dirname(target), data)


def unstage(temporaries: Iterable[str]) -> None:
    """Remove what ``stage_in`` wrote, in a worker process whose work failed before it could
    hand the temporaries over to the session."""
    for temporary in temporaries:
        with contextlib.suppress(OSError):
            os.unlink(temporary)


def _write_temporary(directory: str, data: bytes) -> str:
    """Write ``data`` to a new temporary file in ``directory``; its path. Files are readable by
    the web server, as a cp would leave them: created 0644 (``mkstemp`` would make them 0600,
    and a chmod per file is one more journalled metadata change, on the slowest part of a cold
    build), corrected only where the umask took bits away."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    while True:
        temporary = os.path.join(directory, f".tmp-{os.getpid()}-{next(_temporary_names)}")
        try:
            fd = os.open(temporary, flags, 0o644)
            break
        except FileExistsError:  # left by a build that was killed; its name is not reused
            continue
    try:
        try:
            if os.fstat(fd).st_mode & 0o777 != 0o644:
                os.chmod(temporary, 0o644)
            # Straight to the descriptor: a buffered file object per file cost a third of the
            # write itself. os.write may write less than it is given (a signal, a full disk).
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return temporary


def _read_history(path: Path) -> list[str]:
    """The manifest digests a history file lists, oldest first; none if it cannot be read."""
    try:
        lines = path.read_text("ascii").split()
    except (OSError, UnicodeDecodeError):
        return []
    return [
        line for line in lines if len(line) == 64 and all(c in "0123456789abcdef" for c in line)
    ]


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _explain(exc: OSError, directory: Path) -> str:
    reason = {
        errno.ENOSPC: "the disk is full; free space and build again",
        errno.EDQUOT: "the disk quota is exhausted; free space and build again",
        errno.EACCES: "permission denied; make the release directory writable",
        errno.EROFS: "the file system is read-only; choose a writable --output",
        errno.EPERM: "operation not permitted; make the release directory writable",
    }.get(exc.errno or 0, exc.strerror or str(exc))
    where = exc.filename or directory
    if os.path.basename(where).startswith(".tmp-"):
        where = os.path.dirname(where)  # a temporary name means nothing to the user; its place does
    return f"{where}: {reason} (the previous manifest is still in force)"
