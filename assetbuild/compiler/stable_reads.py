"""Reading source files so that a file changing or vanishing under the build is noticed.

Owns: the ``Signature`` of a read (size, mtime, ctime, inode, device) and the checks that a file stayed the same
while it was read and between two reads of one build.
Must not: interpret the bytes.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from assetbuild.errors import BuildError, Problem


@dataclass(frozen=True)
class Signature:
    size: int
    mtime_ns: int
    inode: int
    ctime_ns: int = 0  # changes with every write and cannot be set back (see build.cache)
    device: int = 0

    @classmethod
    def of(cls, path: Path) -> Signature:
        """The signature of the file at ``path`` now, without reading it (``OSError``)."""
        return _signature(os.stat(path))


def read_stable(path: Path | str) -> tuple[bytes, Signature]:
    """The file's bytes, read in one go, and its signature; ``BuildError`` if it cannot be read
    or was written to while being read (an editor saving, a build step still running)."""
    try:
        # The descriptor itself, not a file object (whose buffer and readall's probing read
        # cost a third of reading a small file): one read of the size fstat gave, more only
        # after a short read. A file that grew meanwhile shows in the second fstat.
        if sys.platform == "win32":
            fd = os.open(path, os.O_RDONLY | os.O_BINARY)  # no newline translation
        else:
            fd = os.open(path, os.O_RDONLY)  # close-on-exec, as Python opens every file
        try:
            before = os.fstat(fd)
            size = before.st_size
            data = os.read(fd, size) if size else b""
            while len(data) < size:
                more = os.read(fd, size - len(data))
                if not more:
                    break
                data += more
            after = os.fstat(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise BuildError([_problem(path, f"cannot be read ({exc.strerror or exc})")]) from None
    if len(data) != after.st_size or (before.st_size, before.st_mtime_ns) != (
        after.st_size,
        after.st_mtime_ns,
    ):
        raise BuildError([_problem(path, "changed while it was being read")])
    return data, _signature(after)


def read_again(path: Path, signature: Signature) -> bytes:
    """The bytes of a file read earlier in this build, provided it has not changed since."""
    data, now = read_stable(path)
    if now != signature:
        raise BuildError([_problem(path, "changed during the build")])
    return data


def _signature(st: os.stat_result) -> Signature:
    return Signature(st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns, st.st_dev)


def _problem(path: Path | str, what: str) -> Problem:
    return Problem(f"{what}; build again once it has settled", str(path))
