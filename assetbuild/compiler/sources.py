"""The load path: source directories -> logical path -> file, sorted the same everywhere.

Owns: walking the source directories, each under its prefix (a directory with the prefix
"wiki/" gives logical paths wiki/...), the rules for what is never published (dotfiles and
dot-directories, excluded globs, the output and bookkeeping directories when they lie inside a
source), shadowing between directories of the load path (by logical path, prefix included), and
symlink containment; and the state of everything walked (``SourceTree.state``), by which a
rebuild knows that no source file has changed since the last build without opening one.
Must not: read file contents, or write anything.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from assetbuild.compiler.config import SourceDir
from assetbuild.compiler.globs import Glob
from assetbuild.compiler.problems import Log
from assetbuild.errors import Problem
from assetbuild.manifest import unsafe_path_reason


@dataclass(frozen=True)
class Source:
    logical_path: str  # its directory's prefix, then its path in it, "/"-separated
    directory: Path  # the directory it was found in
    name: str  # its name there

    @cached_property
    def file(self) -> Path:
        """Where to read it (through any symlink, which is known to stay inside). Made when it
        is first asked for: a rebuild with nothing to do walks every file and reads none."""
        return self.directory / self.name

    @property
    def location(self) -> str:
        """``file`` as a string, without making the Path (for a worker process to open)."""
        return os.path.join(self.directory, self.name)


@dataclass(frozen=True)
class Shadowed:
    logical_path: str
    hidden: Path  # the file a later directory of the load path had
    by: Path  # the file that won, from an earlier directory


@dataclass(frozen=True)
class SourceTree:
    files: Mapping[str, Source]  # logical path -> source, in sorted order
    shadowed: tuple[Shadowed, ...] = ()
    # Files that 'exclude' keeps out of the release: they may still be bundle inputs (a Sass entry
    # point whose partials are excluded too), and they make a better message for a reference.
    excluded: Mapping[str, Source] = field(default_factory=dict)
    # A digest of every file walked (published, excluded, shadowed): its directory of the load
    # path, its logical path, and its size, mtime, ctime, inode and device, as stat gave them.
    # Equal states: the same files, none written to since (but see ``newest_ns``).
    state: str = ""
    # The latest mtime or ctime among them: a file changed within the file system's clock tick
    # of the walk may still look the same (git's "racily clean" files).
    newest_ns: int = 0
    walked_ns: int = 0  # when the walk began (time.time_ns)

    def get(self, logical_path: str) -> Source | None:
        return self.files.get(logical_path)


def collect(
    roots: Iterable[SourceDir],
    exclude: Iterable[Glob],
    skip: Path | Iterable[Path] | None = None,
    log: Log | None = None,
) -> SourceTree:
    """Every publishable file under ``roots``; the first root that has a logical path wins.

    ``skip`` is the output directory (and the bookkeeping directory, when it is elsewhere):
    when it lies inside a source directory, it is left out, so a release never publishes an
    earlier release. A phase of its own: what is wrong goes to ``log`` (a new one by default),
    and ``BuildError`` is raised at its end if anything is.
    """
    log = log if log is not None else Log()
    roots = tuple(roots)
    excludes = tuple(exclude)
    # Containment is by real directory: a symlink may point into any directory of the load
    # path, whatever prefix that directory's files get.
    real_roots = tuple(os.path.realpath(r.path) for r in roots)
    skips = () if skip is None else (skip,) if isinstance(skip, Path) else tuple(skip)
    skip_real = frozenset(os.path.realpath(s) for s in skips)
    files: dict[str, Source] = {}
    shadowed: list[Shadowed] = []
    excluded: dict[str, Source] = {}
    state = hashlib.blake2b(digest_size=32)
    newest, walked = 0, time.time_ns()
    for index, root in enumerate(roots):
        walker = _Walker(root, real_roots, skip_real, log)
        for logical, directory, entry in walker.walk():
            st = entry.stat()
            state.update(
                f"{index}\0{logical}\0{st.st_size},{st.st_mtime_ns},{st.st_ctime_ns},"
                f"{st.st_ino},{st.st_dev}\n".encode("utf-8", "surrogateescape")
            )
            newest = max(newest, st.st_mtime_ns, st.st_ctime_ns)
            source = Source(logical, directory, entry.name)
            if any(g.matches(logical) for g in excludes):
                excluded.setdefault(logical, source)
                continue
            if logical in files:
                shadowed.append(Shadowed(logical, source.file, files[logical].file))
                continue
            files[logical] = source
    log.check()
    # Sorting by code point, not locale, keeps the order (and so bundle contents) machine-independent.
    ordered = {name: files[name] for name in sorted(files)}
    hidden = {name: excluded[name] for name in sorted(excluded) if name not in files}
    return SourceTree(ordered, tuple(shadowed), hidden, state.hexdigest(), newest, walked)


class _Walker:
    def __init__(
        self, root: SourceDir, real_roots: tuple[str, ...], skip: frozenset[str], log: Log
    ):
        self.root = root
        self.real_roots = real_roots
        self.skip = skip
        self.log = log

    def inside_sources(self, real: str) -> bool:
        return any(real == r or real.startswith(r.rstrip(os.sep) + os.sep) for r in self.real_roots)

    def walk(self) -> Iterator[tuple[str, Path, os.DirEntry[str]]]:
        """Each publishable file: its logical path, its directory, and its directory entry
        (whose ``stat`` follows a symlink, known by then to stay inside the sources)."""
        real = os.path.realpath(self.root.path)
        yield from self._walk(self.root.path, real, self.root.prefix, {real})

    def _walk(
        self, directory: Path, real_directory: str, prefix: str, active: set[str]
    ) -> Iterator[tuple[str, Path, os.DirEntry[str]]]:
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as exc:
            self.log.report(Problem(f"cannot list directory: {exc.strerror}", str(directory)))
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue  # dotfiles and dot-directories (.git, .DS_Store, .env) are never published
            path = entry.path  # a Path is made for each directory only (see Source.file)
            logical = prefix + entry.name
            unsafe = _unsafe_name(entry.name)
            if unsafe:
                self.log.report(Problem(f"{unsafe}; rename it (or add it to 'exclude')", str(path)))
                continue
            if entry.is_symlink():
                real = os.path.realpath(path)
                if not self.inside_sources(real):
                    self.log.report(
                        Problem(
                            f"symlink points outside the source directories (to {real}); "
                            "copy the file in, or add its directory to 'source'",
                            str(path),
                        )
                    )
                    continue
                if not os.path.exists(real):
                    self.log.report(Problem("symlink is broken (its target is missing)", str(path)))
                    continue
            if entry.is_dir():
                # Only a symlink needs resolving: a plain directory's real path is its name in
                # its parent's (realpath would lstat every component of every directory).
                if entry.is_symlink():
                    real = os.path.realpath(path)
                else:
                    real = os.path.join(real_directory, entry.name)
                if real in self.skip:
                    continue
                if real in active:
                    self.log.report(Problem("symlink makes a directory loop", str(path)))
                    continue
                # A child of a Path parses only its own name (Path(entry.path) would parse it
                # all again).
                yield from self._walk(directory / entry.name, real, logical + "/", active | {real})
            elif entry.is_file():
                yield logical, directory, entry


def _unsafe_name(name: str) -> str | None:
    """Why a file name cannot become part of a logical path (and so of a manifest and a URL)."""
    if not name.isascii() and any(0xDC80 <= ord(ch) <= 0xDCFF for ch in name):
        return "the file name is not valid UTF-8"
    reason = unsafe_path_reason(name)
    return f"the file name {reason}" if reason else None
