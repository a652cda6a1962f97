"""The build cache: what an earlier build learnt about each unchanged source file.

Owns: the cache's content and its JSON form (``cache.json`` in the release's state directory,
beside the release, written by ``release.Session.commit``), and the rule for trusting it. For
each file published on its own it records the file's ``Signature`` (size, mtime, ctime, inode,
device) as a stamp (see Privacy) and, from the build that
read it: the references found in it (or that it has none), and the fingerprint of what was
published for it together with a key of everything else that output depended on (the release
paths its references were rewritten to). A later build that finds the same signature, the same
key and the release file still there reuses the fingerprint instead of reading, scanning,
rewriting and hashing the file again: a rebuild with nothing changed reads no source file that
is published on its own. A bundle whose filters are assetbuild's own has a record too, without a
signature: its key holds the signatures of every file it read and the release paths of its
references, so an unchanged bundle is not joined and minified again (its inputs are still read,
to find its references).

Trust: a record is made only for a file whose mtime and ctime were more than
``RACY_SECONDS`` old when it was read. A file changed within the same tick of the file system's
clock as its previous change can keep its size and mtime; one read long after its last change
cannot be changed again without a new mtime or ctime (ctime cannot be set back by ``touch`` or
``utime``). This is git's "racily clean" rule. The cache of another version of assetbuild,
rcssmin or rjsmin, or an unreadable one, is ignored as a whole; ``build --no-cache`` ignores it too.

Webassets filters' results are kept apart, content-addressed: the text a chain's input or output
step made, under a key of everything it was made from (the text's digest, the chain's identity,
the digests of the files the filters may read, the names webassets passes), with the programs the
filters ran and what each was then (``bundles.tool_identity``); a later build reuses the text
only if each of those programs is still the same. The key holds no signature and no absolute
path, so that a directory shared between checkouts and machines could hold these records as
they are. Beside them, the digests of source files by signature (trusted by the rule above), so
that the digests a key needs are not all read again at each build.

The last build, as a whole: when its outputs depended only on the config and the source files
(assetbuild's own filters, no filter_modules) and it warned of nothing, a record of what it was
made from (a stamp of the config and of ``SourceTree.state``, every file walked with its
signature) and of the manifest it wrote (its SHA-256), and the bundles' raw sizes for the
summary, in ``build.json`` (small, read first, under a salt of its own). A rebuild from the same
inputs, with that manifest still in force and every file it names still there, is the release
as it stands: it reads, renders and writes nothing (``last_build``), not even ``cache.json``.
Recorded only when every file walked had settled (the rule above) before the walk.

Privacy: the cache holds nothing about the build machine (contract, section 4): no absolute
path, and no signature as it is. A signature is stored only as its stamp, a keyed BLAKE2b
(a MAC, as HMAC is, and a tenth of its cost: a cold build stamps every file twice) of its
fields under the cache's own random ``salt`` (made by the first build, kept by the next ones),
so a build can tell an unchanged file by it, and no one can read a size, time, inode or device
back out of it, nor test a guess of one without guessing all five to the nanosecond.

Must not: read source files or write anything (``release`` writes the bytes ``dumps`` gives),
or decide what is built; it only answers whether a result is known.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import rcssmin
import rjsmin

from assetbuild import __version__
from assetbuild.compiler.fingerprint import DIGEST_LENGTH, Fingerprint
from assetbuild.compiler.scan.reference import REFERENCE_KINDS, Reference, Scan
from assetbuild.compiler.stable_reads import Signature

FILENAME = "cache.json"  # inside the release's bookkeeping directory
BUILD_FILENAME = "build.json"  # beside it: the last build as a whole
FORMAT = 3  # bump when what a record means changes (2: salted stamps; 3: keyed BLAKE2b)
# What made the recorded outputs: another version of any of these may make other bytes.
MADE_BY = {"assetbuild": __version__, "rcssmin": rcssmin.__version__, "rjsmin": rjsmin.__version__}
RACY_SECONDS = 2  # covers the 2-second mtimes of FAT and the coarse clocks of others


@dataclass(frozen=True)
class LastBuild:
    """What the last build made from the inputs it was asked about (``BuildCache.last_build``)."""

    manifest: str  # the SHA-256 (hex) of the manifest.json it wrote
    raw_sizes: Mapping[str, int]  # bundle logical path -> total size of its inputs


def output_key(parts: Sequence[object]) -> str:
    """A short, stable key of everything besides a file's bytes that its output depends on."""
    text = json.dumps(list(parts), ensure_ascii=True, separators=(",", ":"), default=repr)
    return hashlib.sha256(text.encode("ascii")).hexdigest()[:32]


class BuildCache:
    """The records of the last build (read) and of this one (made as it goes, thread-safe)."""

    def __init__(
        self,
        records: dict[str, dict[str, Any]] | None = None,
        filtered: dict[str, Any] | None = None,
        digests: dict[str, Any] | None = None,
        salt: bytes | None = None,
    ) -> None:
        # Kept from build to build: a new salt makes every stamp new, and every record useless.
        self._salt = os.urandom(SALT_BYTES) if salt is None else salt  # secrets.token_bytes
        self._old = records or {}
        self._new: dict[str, dict[str, Any]] = {}
        self._old_filtered = filtered or {}
        self._new_filtered: dict[str, dict[str, Any]] = {}
        self._made_filtered: set[str] = set()  # keys of results this build ran a filter for
        self._old_digests = digests or {}
        self._new_digests: dict[str, list[Any]] = {}
        self._mutex = threading.Lock()
        self._stamps: dict[Signature, str] = {}  # each signature is stamped once per build
        self._new_build: tuple[str, str, dict[str, int]] | None = None  # see record_build

    @classmethod
    def load(cls, state_dir: Path) -> BuildCache:
        """The cache in a release's bookkeeping directory; empty if there is none, it cannot be
        read, or another version of assetbuild (or of rcssmin, rjsmin) wrote it: a cache is only
        ever an optimisation."""
        try:
            document = json.loads((state_dir / FILENAME).read_bytes())
        except (OSError, ValueError, RecursionError):
            return cls()
        if (
            not isinstance(document, dict)
            or document.get("format") != FORMAT
            or document.get("made_by") != MADE_BY
            or not isinstance(document.get("files"), dict)
        ):
            return cls()
        filtered, digests, salt = (document.get(k) for k in ("filtered", "digests", "salt"))
        if not (isinstance(salt, str) and _SALT.fullmatch(salt)):
            return cls()  # no stamp could be recognised
        return cls(
            document["files"],
            filtered if isinstance(filtered, dict) else None,
            digests if isinstance(digests, dict) else None,
            bytes.fromhex(salt),
        )

    # -- lookups ------------------------------------------------------------------------------

    def knows(self, logical_path: str) -> bool:
        """Whether the last build left a record for ``logical_path``: if not, asking needs no
        ``stat`` of the file (a cold build asks for every file)."""
        return logical_path in self._old

    def scan(self, logical_path: str, signature: Signature) -> Scan | None:
        record = self._record(logical_path, signature)
        if record is None or "references" not in record:
            return None
        try:
            raw = record["references"]
            if not all(_is_reference(fields) for fields in raw):
                return None  # a damaged record: the file is read again
            references = tuple(Reference(*fields) for fields in raw)
            scan = Scan(references, str(record["codec"]), bytes.fromhex(record["bom"]))
        except (TypeError, ValueError, KeyError):
            return None
        self._keep(logical_path, record, ("signature", "references", "codec", "bom"))
        return scan

    def output(
        self, logical_path: str, signature: Signature | None, key: str
    ) -> Fingerprint | None:
        """The fingerprint recorded for this signature (None: a bundle, whose key says it all)
        and key."""
        record = self._record(logical_path, signature)
        if record is None or record.get("key") != key:
            return None
        try:
            fingerprint = Fingerprint(**record["fingerprint"])
        except (TypeError, KeyError):
            return None
        if not (
            isinstance(fingerprint.digest, str)
            and _DIGEST.fullmatch(fingerprint.digest)
            and isinstance(fingerprint.integrity, str)
            and type(fingerprint.size) is int
        ):
            return None  # a damaged record: the file is read again
        self._keep(logical_path, record, ("signature", "key", "fingerprint"))
        return fingerprint

    def filtered(self, key: str, identify: Callable[[str], str]) -> str | None:
        """The text a webassets filter chain made under ``key``, if every program it ran is
        what it was then (``identify``: a program's name -> what it is now)."""
        entry = self._old_filtered.get(key)
        if not isinstance(entry, dict):
            return None
        text, programs = entry.get("text"), entry.get("programs")
        if not isinstance(text, str) or not isinstance(programs, dict):
            return None  # a damaged record: the filters run again
        for program, identity in programs.items():
            if identify(program) != identity:
                return None
        with self._mutex:
            self._new_filtered[key] = entry
        return text

    def digest(self, name: str, signature: Signature) -> str | None:
        """The SHA-256 recorded for a source file (by its logical path, or another name that
        says which file) with this signature."""
        recorded = self._old_digests.get(name)
        if not isinstance(recorded, list) or len(recorded) != 2:
            return None
        stamp, digest = recorded
        if stamp != self._stamp(signature) or not isinstance(digest, str):
            return None
        with self._mutex:
            self._new_digests[name] = recorded
        return digest

    # -- records of this build ----------------------------------------------------------------

    def record_filtered(self, key: str, text: str, programs: dict[str, str]) -> None:
        with self._mutex:
            self._new_filtered[key] = {"text": text, "programs": programs}
            self._made_filtered.add(key)

    def forget_filtered(self) -> None:
        """Drop the filter results this build made: a file they may depend on changed while
        the build ran, so the key they were recorded under may not be what they were made from."""
        with self._mutex:
            for key in self._made_filtered:
                self._new_filtered.pop(key, None)
            self._made_filtered.clear()

    def record_digest(self, name: str, signature: Signature, digest: str) -> None:
        if trustworthy(signature):
            with self._mutex:
                self._new_digests[name] = [self._stamp(signature), digest]

    def record_scan(self, logical_path: str, signature: Signature, scan: Scan) -> None:
        self._put(
            logical_path,
            signature,
            {
                "references": [list(_fields(r)) for r in scan.references],
                "codec": scan.codec,
                "bom": scan.bom.hex(),
            },
        )

    def record_output(
        self, logical_path: str, signature: Signature | None, key: str, fingerprint: Fingerprint
    ) -> None:
        self._put(
            logical_path,
            signature,
            {
                "key": key,
                "fingerprint": {
                    "digest": fingerprint.digest,
                    "integrity": fingerprint.integrity,
                    "size": fingerprint.size,
                },
            },
        )

    def record_build(
        self,
        config: str,
        sources: str,
        newest_ns: int,
        walked_ns: int,
        raw_sizes: Mapping[str, int],
    ) -> None:
        """This build's inputs, for ``last_build``: its ``config`` (repr) and ``sources``
        (``SourceTree.state``), provided no file had changed within ``RACY_SECONDS`` of the walk
        (``newest_ns``: the latest change, ``walked_ns``: the walk); ``dumps`` adds the manifest
        it wrote."""
        if sources and walked_ns - newest_ns > RACY_SECONDS * 1_000_000_000:
            self._new_build = (config, sources, dict(sorted(raw_sizes.items())))

    def state_files(self, manifest: bytes) -> dict[str, bytes]:
        """The files of the bookkeeping this build leaves, once ``manifest`` is in force: the
        cache, and the record of the build as a whole (``BUILD_FILENAME``, when there is one),
        apart from it so that a rebuild with nothing to do reads that small file only."""
        files = {FILENAME: self.dumps()}
        if self._new_build is not None:
            config, sources, raw_sizes = self._new_build
            salt = os.urandom(SALT_BYTES)  # the record is new at every build
            record = {
                "format": FORMAT,
                "made_by": MADE_BY,
                "salt": salt.hex(),
                "inputs": _inputs(salt, config, sources),
                "manifest": hashlib.sha256(manifest).hexdigest(),
                "raw_sizes": raw_sizes,
            }
            files[BUILD_FILENAME] = json.dumps(record, sort_keys=True).encode("ascii")
        return files

    def dumps(self) -> bytes:
        """This build's records (those of files it no longer has are gone)."""
        with self._mutex:
            files = {name: self._new[name] for name in sorted(self._new)}
            filtered = dict(self._new_filtered)
            digests = dict(self._new_digests)
        document = {
            "salt": self._salt.hex(),
            "format": FORMAT,
            "made_by": MADE_BY,
            "files": files,
            "filtered": filtered,
            "digests": digests,
        }
        return json.dumps(document, sort_keys=True, separators=(",", ":")).encode("utf-8")

    # -- internals ----------------------------------------------------------------------------

    def _record(self, logical_path: str, signature: Signature | None) -> dict[str, Any] | None:
        record = self._old.get(logical_path)
        stamp = None if signature is None else self._stamp(signature)
        if not isinstance(record, dict) or record.get("signature") != stamp:
            return None
        return record

    def _stamp(self, signature: Signature) -> str:
        """What the cache stores of a signature: equal for equal signatures, and nothing of
        the machine readable from it (see Privacy in the module's docstring)."""
        stamp = self._stamps.get(signature)
        if stamp is None:
            fields = ",".join(map(str, _fields(signature))).encode("ascii")
            stamp = hashlib.blake2b(fields, key=self._salt, digest_size=16).hexdigest()
            self._stamps[signature] = stamp  # a race only computes the same value twice
        return stamp

    def _keep(self, logical_path: str, record: dict[str, Any], keys: Sequence[str]) -> None:
        with self._mutex:
            kept = self._new.setdefault(logical_path, {})
            for key in keys:
                kept[key] = record[key]

    def _put(self, logical_path: str, signature: Signature | None, values: dict[str, Any]) -> None:
        if signature is None:
            stamp = None  # a bundle: its key holds the signatures, which the caller trusted
        elif not trustworthy(signature):
            return
        else:
            stamp = self._stamp(signature)
        with self._mutex:
            kept = self._new.get(logical_path)
            if kept is None or kept.get("signature") != stamp:
                kept = self._new[logical_path] = {"signature": stamp}
            kept.update(values)


def last_build(state_dir: Path, config: str, sources: str) -> LastBuild | None:
    """What the last build made, if it was recorded (see the module's docstring) and made from
    the same ``config`` (its repr) and ``sources`` (``SourceTree.state``)."""
    try:
        record = json.loads((state_dir / BUILD_FILENAME).read_bytes())
    except (OSError, ValueError, RecursionError):
        return None
    if not (
        sources
        and isinstance(record, dict)
        and record.get("format") == FORMAT
        and record.get("made_by") == MADE_BY
        and isinstance(record.get("salt"), str)
        and _SALT.fullmatch(record["salt"])
    ):
        return None
    if record.get("inputs") != _inputs(bytes.fromhex(record["salt"]), config, sources):
        return None
    manifest, raw_sizes = record.get("manifest"), record.get("raw_sizes")
    if not (
        isinstance(manifest, str)
        and _SHA256.fullmatch(manifest)
        and isinstance(raw_sizes, dict)
        and all(type(size) is int for size in raw_sizes.values())
    ):
        return None  # a damaged record: the release is built
    return LastBuild(manifest, raw_sizes)


def _inputs(salt: bytes, config: str, sources: str) -> str:
    """The stamp of a build's inputs: keyed as signatures are, and standing for them all."""
    text = f"{config}\0{sources}".encode("utf-8", "surrogateescape")
    return hashlib.blake2b(text, key=salt, digest_size=16).hexdigest()


def trustworthy(signature: Signature, now_ns: int | None = None) -> bool:
    """Whether a file read with this signature can be recognised again by it: its last change
    is more than ``RACY_SECONDS`` in the past (see the module's docstring)."""
    now = time.time_ns() if now_ns is None else now_ns
    return now - max(signature.mtime_ns, signature.ctime_ns) > RACY_SECONDS * 1_000_000_000


SALT_BYTES = 32
_SALT = re.compile(f"[0-9a-f]{{{SALT_BYTES * 2}}}")
_DIGEST = re.compile(f"[0-9a-f]{{{DIGEST_LENGTH}}}")
_SHA256 = re.compile("[0-9a-f]{64}")
_REFERENCE_TYPES = (str, str, int, int, int, int, str, int, int)  # the fields of a Reference


def _is_reference(fields: object) -> bool:
    return (
        isinstance(fields, list)
        and len(fields) == len(_REFERENCE_TYPES)
        and all(type(v) is t for v, t in zip(fields, _REFERENCE_TYPES, strict=True))
        and fields[1] in REFERENCE_KINDS  # a Reference's kind is one of a closed set
    )


def signature_fields(signature: Signature) -> tuple[int, ...]:
    """A signature as plain numbers, for a key."""
    return tuple(_fields(signature))


def _fields(value: Signature | Reference) -> tuple[Any, ...]:
    if isinstance(value, Signature):
        return (value.size, value.mtime_ns, value.ctime_ns, value.inode, value.device)
    return (
        value.url,
        value.kind,
        value.start,
        value.end,
        value.token_start,
        value.token_end,
        value.quote,
        value.line,
        value.column,
    )
