"""The release directory: the only module that writes or removes release files.

Owns: append-only writes (a fingerprinted file is written once, through a temporary name and a
rename, and never modified), precompressed variants, the manifest history that ``clean`` keeps
by, the atomic replacement of ``manifest.json`` (always last), the lock that serializes builds
into one directory, and ``clean``.
Must not: decide what goes into a release; it is handed finished outputs.

Layout of the bookkeeping, inside the release so that it travels with it:
``.assetbuild/lock`` (flock), ``.assetbuild/history`` (one manifest digest per build, oldest
first) and ``.assetbuild/manifests/<digest>.json`` (each manifest, plus the encodings that build
tried, so a rebuild knows a missing ``.gz`` was not worth writing rather than never tried).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from assetbuild.build import compress
from assetbuild.build.fingerprint import Fingerprint
from assetbuild.errors import ManifestError, ReleaseError
from assetbuild.manifest import FILENAME, Entry, Manifest, dumps, loads

STATE_DIR = ".assetbuild"

try:  # POSIX; on Windows builds are not serialized (documented)
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]


@dataclass(frozen=True)
class Output:
    """One asset, finished: its bytes (or the source file holding exactly them) and its name."""

    logical_path: str
    release_path: str
    fingerprint: Fingerprint
    content: bytes | Path
    sources: tuple[str, ...] | None = None
    imports: tuple[str, ...] | None = None

    def data(self) -> bytes:
        return self.content if isinstance(self.content, bytes) else self.content.read_bytes()


@dataclass(frozen=True)
class Published:
    manifest: Manifest
    manifest_bytes: bytes
    written: tuple[str, ...]  # release paths written by this build (variants included)
    variant_sizes: Mapping[str, Mapping[str, int]] = field(
        default_factory=dict
    )  # logical -> enc -> size
    previous: Manifest | None = None  # the manifest this build replaced


class Release:
    def __init__(self, directory: Path):
        self.directory = directory
        self.state = directory / STATE_DIR

    # -- build ------------------------------------------------------------------------------

    def publish(
        self,
        outputs: Sequence[Output],
        *,
        url: str,
        encodings: Sequence[str],
        importmap: Mapping[str, str] | None = None,
    ) -> Published:
        with self._locked():
            previous = self.current()
            tried = self._tried_encodings()
            written: list[str] = []
            entries: dict[str, Entry] = {}
            sizes: dict[str, dict[str, int]] = {}
            for output in outputs:
                data: bytes | None = None
                if not self._exists(output.release_path):
                    data = output.data()
                    self._write_once(output.release_path, data)
                    written.append(output.release_path)
                variants: dict[str, str] = {}
                if compress.worth_compressing(output.release_path):
                    for encoding in encodings:
                        variant = output.release_path + compress.SUFFIX[encoding]
                        if self._exists(variant):
                            variants[encoding] = variant
                            continue
                        if (output.release_path, encoding) in tried:
                            continue  # compressed before and not 5% smaller: same bytes, same answer
                        data = output.data() if data is None else data
                        for kept, blob in compress.variants(data, [encoding]).items():
                            self._write_once(variant, blob)
                            written.append(variant)
                            variants[kept] = variant
                for encoding, variant in variants.items():
                    sizes.setdefault(output.logical_path, {})[encoding] = (
                        (self.directory / variant).stat().st_size
                    )
                entries[output.logical_path] = Entry(
                    path=output.release_path,
                    integrity=output.fingerprint.integrity,
                    size=output.fingerprint.size,
                    encodings=dict(sorted(variants.items())),
                    sources=output.sources,
                    imports=output.imports,
                )
            manifest = Manifest(
                url=url, assets=dict(sorted(entries.items())), importmap=dict(importmap or {})
            )
            manifest_bytes = dumps(manifest)
            self._record(manifest_bytes, encodings)
            self._replace(FILENAME, manifest_bytes)
            return Published(manifest, manifest_bytes, tuple(written), sizes, previous)

    def current(self) -> Manifest | None:
        """The manifest in force, or None if there is none yet (or it is unreadable: a build replaces it)."""
        path = self.directory / FILENAME
        try:
            return loads(path.read_bytes(), str(path))
        except (OSError, ManifestError):
            return None

    # -- clean ------------------------------------------------------------------------------

    def clean(self, keep: int) -> tuple[str, ...]:
        """Remove every file that neither the current manifest nor the ``keep - 1`` builds before
        it name. Returns the removed paths, relative to the release directory."""
        if keep < 1:
            raise ValueError("keep must be at least 1")
        with self._locked():
            history = self._history()
            current = self.directory / FILENAME
            current_digest = _digest(current.read_bytes()) if current.is_file() else None
            kept_digests: list[str] = [current_digest] if current_digest else []
            for digest in reversed(history):
                if len(kept_digests) >= keep:
                    break
                if digest not in kept_digests:
                    kept_digests.append(digest)
            named: set[str] = {FILENAME, f"{STATE_DIR}/lock", f"{STATE_DIR}/history"}
            for digest in kept_digests:
                named.add(f"{STATE_DIR}/manifests/{digest}.json")
                manifest = self._history_manifest(digest)
                if manifest is not None:
                    named.update(manifest.release_paths())
            removed: list[str] = []
            for path in sorted(self.directory.rglob("*")):
                relative = path.relative_to(self.directory).as_posix()
                if (path.is_file() or path.is_symlink()) and relative not in named:
                    path.unlink()
                    removed.append(relative)
            for path in sorted(self.directory.rglob("*"), reverse=True):
                if path.is_dir() and not any(path.iterdir()):
                    path.rmdir()
            self._replace(
                f"{STATE_DIR}/history",
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
            yield
        except OSError as exc:
            raise ReleaseError(_explain(exc, self.directory)) from None
        finally:
            handle.close()  # closing releases the lock

    def _exists(self, release_path: str) -> bool:
        return os.path.isfile(self.directory / release_path)

    def _write_once(self, release_path: str, data: bytes) -> None:
        """Write under a temporary name, then rename: a reader (or a crash) never sees a partial
        file under a name a manifest could hold."""
        target = self.directory / release_path
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=".tmp-", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            # Files are readable by the web server, like a cp would leave them (mkstemp uses 0600).
            os.chmod(temporary, 0o644)
            os.replace(temporary, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise

    def _replace(self, relative: str, data: bytes) -> None:
        """Atomically replace a small bookkeeping file, durably (fsync file, then directory)."""
        target = self.directory / relative
        target.parent.mkdir(parents=True, exist_ok=True)
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

    def _record(self, manifest_bytes: bytes, encodings: Sequence[str]) -> None:
        digest = _digest(manifest_bytes)
        copy = f"{STATE_DIR}/manifests/{digest}.json"
        if not (self.directory / copy).is_file():
            record = json.loads(manifest_bytes)
            record["compress"] = list(encodings)
            self._replace(copy, json.dumps(record, sort_keys=True).encode("utf-8"))
        history = self._history()
        if not history or history[-1] != digest:
            self._replace(
                f"{STATE_DIR}/history", "".join(f"{d}\n" for d in (*history, digest)).encode()
            )

    def _history(self) -> list[str]:
        try:
            lines = (self.state / "history").read_text("ascii").split()
        except (OSError, UnicodeDecodeError):
            return []
        return [
            line for line in lines if len(line) == 64 and all(c in "0123456789abcdef" for c in line)
        ]

    def _history_manifest(self, digest: str) -> Manifest | None:
        path = self.state / "manifests" / f"{digest}.json"
        try:
            return loads(path.read_bytes(), str(path))
        except (OSError, ManifestError):
            return None

    def _tried_encodings(self) -> set[tuple[str, str]]:
        """(release path, encoding) pairs an earlier build compressed, kept or not."""
        tried: set[tuple[str, str]] = set()
        for digest in self._history():
            path = self.state / "manifests" / f"{digest}.json"
            try:
                record = json.loads(path.read_bytes())
                encodings = [e for e in record.get("compress", []) if e in compress.SUFFIX]
                paths = [a["path"] for a in record["assets"].values()]
            except (OSError, ValueError, KeyError, TypeError, AttributeError):
                continue
            tried.update((p, e) for p in paths for e in encodings)
        return tried


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
    return f"{where}: {reason} (the previous manifest is still in force)"
