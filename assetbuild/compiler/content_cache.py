"""The content-addressed cache in ``cache_dir``: a build's expensive outputs, by what made them.

Owns: the directory's layout, its entries' format, the rule for trusting an entry, the counts
of what a build found and made there, and ``prune``. It holds two kinds of results: the text a
webassets filter chain made (``filtered``), under the key the reader computes (the text given,
the chain's identity, the files it may read; never a path or an mtime), and the compressed bytes
of a variant (``gzip``, ``br``), under a key of the input's SHA-256, the codec and its settings,
and the codec library's version.

Layout: ``<cache_dir>/CACHEDIR.TAG`` (so that backup tools skip it) and
``<cache_dir>/v1/<kind>/<first two hex digits>/<key>``. Each entry is ``MAGIC``, the SHA-256 of
its payload, then the payload. Entries are written through a temporary file in their directory
and a rename, so a reader sees a whole entry or none, whatever other builds (other processes,
other machines on a shared disk) do at the same time; a read checks the digest, and an entry
that fails it is a miss, never a result: the caller computes the value again and its new entry
replaces the damaged one. A hit sets the entry's mtime to now, so that ``prune`` removes the
least recently used entries first.

Deleting the directory, or any entry of it, changes no output: every value it holds is one the
build would compute the same from the same inputs.

Must not: decide what a key covers (the reader and ``compress`` do), or know the release.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from assetbuild.errors import CacheError

Kind = Literal["filtered", "gzip", "br"]
KINDS: tuple[Kind, ...] = ("filtered", "gzip", "br")
VERSION = "v1"  # bump when what an entry holds changes; older entries are then never read
MAGIC = b"abcache1"
_DIGEST_SIZE = 32  # SHA-256
_TAG = (
    b"Signature: 8a477f597d28d172789f06886806bc55\n"
    b"# This file marks a cache directory of assetbuild (cache_dir); see https://bford.info/cachedir/\n"
)


@dataclass(frozen=True)
class Counts:
    """What one build found in the cache and what it added, by kind of entry."""

    hits: Mapping[str, int]
    misses: Mapping[str, int]
    damaged: int  # entries that failed their digest (each was a miss, and written again)


@dataclass(frozen=True)
class Pruned:
    """What ``prune`` did: entries and bytes removed, and what is left."""

    removed: int
    removed_bytes: int
    kept: int
    kept_bytes: int


class ContentCache:
    """One ``cache_dir``, for the builds of this process (thread-safe)."""

    def __init__(self, directory: Path):
        self.directory = directory
        self._root = directory / VERSION
        self._mutex = threading.Lock()
        self._hits: dict[str, int] = dict.fromkeys(KINDS, 0)
        self._misses: dict[str, int] = dict.fromkeys(KINDS, 0)
        self._damaged = 0
        self._made: set[Path] = set()  # the fan-out directories known to exist

    # -- entries ------------------------------------------------------------------------------

    def get(self, kind: Kind, key: str) -> bytes | None:
        """The payload stored under ``key``, or None: absent, unreadable or damaged."""
        path = self._path(kind, key)
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError:
            self._count(self._misses, kind)
            return None
        head = len(MAGIC) + _DIGEST_SIZE
        payload = data[head:]
        if (
            len(data) < head
            or not data.startswith(MAGIC)
            or hashlib.sha256(payload).digest() != data[len(MAGIC) : head]
        ):
            with self._mutex:
                self._damaged += 1
            self._count(self._misses, kind)
            return None
        # Recently used: prune keeps it. A cache on a read-only mount still serves.
        with contextlib.suppress(OSError):
            os.utime(path)
        self._count(self._hits, kind)
        return payload

    def put(self, kind: Kind, key: str, payload: bytes) -> None:
        """Store ``payload`` under ``key``, atomically. A cache that cannot be written (a full
        disk, a read-only mount) only makes the next build slower: it never fails this one."""
        path = self._path(kind, key)
        data = MAGIC + hashlib.sha256(payload).digest() + payload
        with contextlib.suppress(OSError):
            self._directory_of(path)
            # Unique among the processes and machines that share the directory.
            temporary = path.with_name(f".tmp-{os.getpid()}-{os.urandom(6).hex()}-{key}")
            try:
                with open(temporary, "wb") as handle:
                    handle.write(data)
                os.replace(temporary, path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
                raise

    def computed(self, kind: Kind, key: str, compute: Callable[[], bytes]) -> bytes:
        """The payload under ``key``, or ``compute()``'s, stored for the next build."""
        known = self.get(kind, key)
        if known is not None:
            return known
        payload = compute()
        self.put(kind, key, payload)
        return payload

    # -- filter results -----------------------------------------------------------------------

    def filtered(self, key: str, identify: Callable[[str], str]) -> str | None:
        """The text a webassets filter chain made under ``key``, if each program its filters
        ran is still what it was then (``identify``: a program -> what it is now)."""
        payload = self.get("filtered", key)
        if payload is None:
            return None
        try:
            entry = json.loads(payload)
            text, programs = entry["text"], entry["programs"]
        except (ValueError, TypeError, KeyError):
            return None
        if not isinstance(text, str) or not isinstance(programs, dict):
            return None
        if any(identify(program) != identity for program, identity in programs.items()):
            return None
        return text

    def record_filtered(self, key: str, text: str, programs: Mapping[str, str]) -> None:
        entry = {"programs": dict(programs), "text": text}
        payload = json.dumps(entry, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        self.put("filtered", key, payload.encode("utf-8", errors="surrogatepass"))

    # -- counts and size ----------------------------------------------------------------------

    def counts(self) -> Counts:
        with self._mutex:
            return Counts(dict(self._hits), dict(self._misses), self._damaged)

    def entries(self) -> Iterator[tuple[Path, os.stat_result]]:
        """Every entry (and every temporary file a killed build left), with its stat."""
        if not self._root.is_dir():
            return
        for kind in KINDS:
            kind_dir = self._root / kind
            if not kind_dir.is_dir():
                continue
            for fan in sorted(kind_dir.iterdir()):
                if not fan.is_dir():
                    continue
                for path in sorted(fan.iterdir()):
                    with contextlib.suppress(OSError):
                        yield path, path.stat()

    def prune(self, max_bytes: int) -> Pruned:
        """Remove the least recently used entries until the entries take ``max_bytes`` at most
        (the directory's own overhead aside). Safe while builds use the cache: an entry removed
        under a build is a miss for it, and a file being read stays readable until closed."""
        listed = sorted(self.entries(), key=lambda item: (item[1].st_mtime_ns, str(item[0])))
        total = sum(st.st_size for _, st in listed)
        removed = removed_bytes = 0
        for path, st in listed:
            if total <= max_bytes:
                break
            try:
                path.unlink()
            except FileNotFoundError:
                pass  # another prune got there first
            except OSError as exc:
                raise CacheError(f"{path}: cannot be removed ({exc.strerror})") from None
            total -= st.st_size
            removed += 1
            removed_bytes += st.st_size
        return Pruned(removed, removed_bytes, len(listed) - removed, total)

    # -- internals ----------------------------------------------------------------------------

    def _path(self, kind: Kind, key: str) -> Path:
        return self._root / kind / key[:2] / key

    def _directory_of(self, path: Path) -> None:
        fan = path.parent
        if fan in self._made:
            return
        if not self.directory.is_dir():
            self.directory.mkdir(parents=True, exist_ok=True)
        tag = self.directory / "CACHEDIR.TAG"
        if not tag.exists():
            temporary = tag.with_name(f".tmp-{os.getpid()}-{os.urandom(6).hex()}-tag")
            temporary.write_bytes(_TAG)
            os.replace(temporary, tag)
        fan.mkdir(parents=True, exist_ok=True)
        with self._mutex:
            self._made.add(fan)

    def _count(self, table: dict[str, int], kind: Kind) -> None:
        with self._mutex:
            table[kind] += 1


def key_of(parts: list[object]) -> str:
    """A key: the SHA-256 of ``parts`` as JSON (they must be JSON values)."""
    text = json.dumps(parts, ensure_ascii=True, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()
