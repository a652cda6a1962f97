"""What the converters write: the ``-o`` config file, and templates rewritten in place.

Owns: writing a converted ``assetbuild.toml`` (never replacing a file without ``force``), and
replacing templates' bytes for ``--rewrite``: each through a temporary file beside it and a
rename, keeping the file's permissions, and only if the file still holds the bytes the
conversion read (an editor saving it meanwhile wins, and the run says so).
Must not: decide what to write (the converters hand over the text and bytes), or write anything
else. It is the only module of the migration that changes a file.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from assetbuild.errors import ConfigError


@dataclass(frozen=True)
class Rewrite:
    """A template's new bytes, and the bytes it must still hold when they are written."""

    path: Path
    before: bytes
    after: bytes


def write_config(text: str, target: Path, *, force: bool = False) -> None:
    """Write ``text`` to ``target``; an existing file is kept unless ``force``."""
    if not target.parent.is_dir():
        raise ConfigError(f"cannot be written: no directory {target.parent}", file=target)
    try:
        with target.open("w" if force else "x", encoding="utf-8") as handle:
            handle.write(text)
    except FileExistsError:
        raise ConfigError(
            "already exists; pass --force to replace it, or -o another path", file=target
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot be written: {exc.strerror or exc}", file=target) from None


def rewrite_files(rewrites: Sequence[Rewrite]) -> None:
    """Give each file its new bytes, all or (as far as a file system allows) none.

    Every new file is written under a temporary name first; only when all of them are written
    are they renamed over the originals, each after checking that the original still holds what
    was read. A failure before the renames leaves every template as it was.
    """
    staged: list[tuple[Rewrite, str, str]] = []  # (rewrite, real path, temporary path)
    try:
        for rewrite in rewrites:
            # Through a symlink, the file it points to is rewritten and the link stays a link.
            real = os.path.realpath(rewrite.path)
            staged.append((rewrite, real, _stage(rewrite, real)))
        for rewrite, real, _ in staged:
            if _current(real) != rewrite.before:
                raise ConfigError(
                    "changed while it was being converted; nothing was rewritten: run the "
                    "command again",
                    file=rewrite.path,
                )
        while staged:
            rewrite, real, temporary = staged[0]
            try:
                os.replace(temporary, real)
            except OSError as exc:
                raise ConfigError(
                    f"cannot be replaced: {exc.strerror or exc}", file=rewrite.path
                ) from None
            staged.pop(0)
    finally:
        for _, _, temporary in staged:
            with contextlib.suppress(OSError):
                os.unlink(temporary)


def _stage(rewrite: Rewrite, real: str) -> str:
    directory, name = os.path.split(real)
    # A dot name, so that no template loader or static finder takes it for a file of the project
    # if a run is killed before it renames it.
    temporary = os.path.join(directory, f".{name}.assetbuild-{os.getpid()}.tmp")
    try:
        mode = stat.S_IMODE(os.stat(real).st_mode)
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise ConfigError(
            f"cannot be rewritten: {exc.strerror or exc}", file=rewrite.path
        ) from None
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(rewrite.after)
        os.chmod(temporary, mode)  # the template's own permissions, not the umask's
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise ConfigError(
            f"cannot be rewritten: {exc.strerror or exc}", file=rewrite.path
        ) from None
    return temporary


def _current(real: str) -> bytes | None:
    try:
        with open(real, "rb") as handle:
            return handle.read()
    except OSError:
        return None
