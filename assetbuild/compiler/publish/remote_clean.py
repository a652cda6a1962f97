"""``assetbuild clean --remote DEST``: old fingerprinted objects removed from a destination.

Owns: what may go. An object is deleted only if its name has assetbuild's fingerprinted form
(``<stem>.<hash>.<ext>``, or a ``.gz``/``.br`` variant of one), it is older than ``--min-age``,
and neither the remote ``manifest.json``, nor any of the last N publish records, nor any
publish younger than ``--min-age`` names it. Anything else in the bucket (another app's files,
plain copies, the records, the manifest) is never touched. Deletes go in batches.
Must not: delete when it cannot read the history (a record or the remote manifest that does
not parse stops it), or upload anything.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from assetbuild.compiler.fingerprint import looks_fingerprinted
from assetbuild.compiler.publish.destination import Destination, require_credentials
from assetbuild.compiler.publish.records import Record, is_record, read_record
from assetbuild.compiler.publish.store import RemoteObject, open_store
from assetbuild.errors import ConfigError, ManifestError, PublishError
from assetbuild.manifest import FILENAME, Manifest, loads

DEFAULT_MIN_AGE = "1d"
_DURATION = re.compile(r"(\d+)\s*([smhd])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_duration(text: str, *, key: str = "--min-age") -> timedelta:
    """``30s``, ``10m``, ``1h``, ``7d`` -> a timedelta."""
    match = _DURATION.fullmatch(text.strip().lower())
    if match is None:
        raise ConfigError(
            f"{text!r} is not a duration; write a number and s, m, h or d (7d)", key=key
        )
    return timedelta(**{_UNITS[match[2]]: int(match[1])})


@dataclass(frozen=True)
class Cleaned:
    destination: Destination
    deleted: tuple[RemoteObject, ...]  # with dry_run: what would be deleted
    kept: int  # fingerprinted objects kept: named by a kept publish, or too young
    untouched: int  # objects that are not assetbuild's fingerprinted files
    publishes: int  # publish records read
    dry_run: bool = False

    @property
    def bytes(self) -> int:
        return sum(found.size for found in self.deleted)


def choose(
    objects: Iterable[RemoteObject],
    records: Sequence[Record],
    live: Manifest | None,
    *,
    keep: int,
    min_age: timedelta,
    now: datetime,
) -> tuple[list[RemoteObject], int, int]:
    """The objects to delete, how many fingerprinted ones stay, and how many are not ours."""
    cutoff = now - min_age
    newest_first = sorted(records, key=lambda record: record.published, reverse=True)
    kept_records = [
        record
        for index, record in enumerate(newest_first)
        if index < keep or record.published > cutoff
    ]
    named: set[str] = set(live.release_paths()) if live is not None else set()
    for record in kept_records:
        named |= record.manifest.release_paths()
    delete: list[RemoteObject] = []
    kept = untouched = 0
    history = bool(records) or live is not None
    for found in objects:
        if is_record(found.key) or found.key == FILENAME or not looks_fingerprinted(found.key):
            untouched += 1
        elif not history or found.key in named or found.modified > cutoff:
            kept += 1  # with no history at all, nothing proves an object unused
        else:
            delete.append(found)
    return delete, kept, untouched


def clean_remote(
    destination: Destination,
    *,
    keep: int,
    min_age: timedelta,
    dry_run: bool = False,
    environ: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> Cleaned:
    require_credentials(destination, os.environ if environ is None else environ)
    store = open_store(destination)
    objects = store.list()
    records = []
    for found in objects:
        if is_record(found.key):
            data = store.get(found.key)
            if data is not None:  # deleted since the listing: a record of nothing to keep
                records.append(read_record(found.key, data, destination.url_of(found.key)))
    live_bytes = store.get(FILENAME)
    live = None
    if live_bytes is not None:
        try:
            live = loads(live_bytes, destination.url_of(FILENAME))
        except ManifestError as exc:
            raise PublishError(
                f"{exc}; remote clean deletes nothing it cannot prove unused"
            ) from exc
    when = datetime.now(timezone.utc) if now is None else now
    delete, kept, untouched = choose(objects, records, live, keep=keep, min_age=min_age, now=when)
    if not dry_run and delete:
        store.delete([found.key for found in delete])
    return Cleaned(destination, tuple(delete), kept, untouched, len(records), dry_run)
