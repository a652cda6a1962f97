"""``assetbuild build --archive FILE.tar.gz``: one release as a reproducible tarball.

Owns: what the archive holds (``manifest.json`` and every file that manifest names, encodings
and plain copies included, with the directories above them: not the bookkeeping, nor an older
build's ``.assetbuild/``, and not the files of earlier builds), the fixed metadata that makes its bytes the same on every machine (entries sorted by
path, directories before their contents; mtime 0 or ``SOURCE_DATE_EPOCH``; uid and gid 0, empty
owner names; mode 0644 for files and 0755 for directories; PAX format; a gzip header with mtime 0,
no file name and OS "unknown"), and writing it atomically (a temporary file, then a rename).
Must not: decide what a release holds (the manifest it is given does), or change the release.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import os
import tarfile
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from assetbuild.errors import ConfigError, ReleaseError
from assetbuild.manifest import FILENAME, Manifest

FILE_MODE = 0o644
DIRECTORY_MODE = 0o755


@dataclass(frozen=True)
class Archived:
    path: Path
    entries: tuple[str, ...]  # member names, in archive order (directories without the "/")
    size: int  # bytes of the .tar.gz


def source_date_epoch(environ: Mapping[str, str] | None = None) -> int:
    """The entries' mtime: ``SOURCE_DATE_EPOCH`` when set (reproducible-builds.org), else 0."""
    environ = os.environ if environ is None else environ
    raw = environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not raw:
        return 0
    if not raw.isdigit():
        raise ConfigError(
            f"must be a whole number of seconds since 1970 (not {raw!r})", key="SOURCE_DATE_EPOCH"
        )
    return int(raw)


def members(manifest: Manifest) -> tuple[str, ...]:
    """The archive's entries, in order: the manifest, every file it names, and the directories
    above them, sorted by path segments, so that a directory comes right before its contents."""
    files = {FILENAME, *manifest.release_paths()}
    directories = {
        "/".join(parts[:depth])
        for parts in (name.split("/") for name in files)
        for depth in range(1, len(parts))
    }
    return tuple(sorted(files | directories, key=lambda name: name.split("/")))


def write_archive(
    target: Path,
    release: Path,
    manifest: Manifest,
    manifest_bytes: bytes,
    *,
    mtime: int = 0,
) -> Archived:
    """Write the release that ``manifest`` describes (its files read from ``release``) to
    ``target``, replacing it atomically. ``manifest_bytes`` are the manifest.json stored."""
    entries = members(manifest)
    files = manifest.release_paths()
    sizes = {entry.path: entry.size for entry in manifest.assets.values()}  # encodings: unknown
    sizes.update((name, manifest.assets[name].size) for name in manifest.plain)
    target = Path(os.path.abspath(target))
    try:
        fd, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=".tar.gz", dir=target.parent)
    except OSError as exc:
        raise ReleaseError(f"{target}: cannot write the archive: {exc.strerror or exc}") from None
    try:
        with (
            os.fdopen(fd, "wb") as raw,
            # filename="" keeps the temporary name out of the header; mtime=0 the clock.
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as zipped,
            tarfile.open(fileobj=zipped, mode="w", format=tarfile.PAX_FORMAT) as tar,
        ):
            for name in entries:
                if name == FILENAME:
                    tar.addfile(_info(name, mtime, len(manifest_bytes)), io.BytesIO(manifest_bytes))
                elif name in files:
                    _add_file(tar, release, name, mtime, sizes.get(name))
                else:
                    tar.addfile(_info(name, mtime, None))
            raw.flush()
            os.fsync(raw.fileno())
        os.chmod(temporary, FILE_MODE)
        os.replace(temporary, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(exc, OSError):
            where = exc.filename or target
            raise ReleaseError(
                f"{where}: cannot write the archive {target}: {exc.strerror or exc}"
            ) from None
        raise
    return Archived(target, entries, target.stat().st_size)


def _info(name: str, mtime: int, size: int | None) -> tarfile.TarInfo:
    """A member's header with nothing of the machine in it; ``size`` None: a directory."""
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE if size is None else tarfile.REGTYPE
    info.mode = DIRECTORY_MODE if size is None else FILE_MODE
    info.size = 0 if size is None else size
    info.mtime = mtime
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def _add_file(
    tar: tarfile.TarFile, release: Path, name: str, mtime: int, expected: int | None
) -> None:
    with open(release / name, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if expected is not None and size != expected:
            raise ReleaseError(
                f"{release / name}: is {size} bytes, the manifest says {expected}: the release "
                "changed after the build; run `assetbuild verify`"
            )
        tar.addfile(_info(name, mtime, size), handle)
