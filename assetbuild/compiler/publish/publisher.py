"""``assetbuild publish``: the release copied to a destination in the order that keeps readers safe.

Owns: the order. Credentials, then the local release verified, then one listing of the
destination; then every missing object uploaded (create-only, many in flight); then, only after
every upload succeeded, the plain copies, the publish record and ``manifest.json`` last. A
failure stops before the manifest, so the remote one still names only objects that are there, and
a rerun uploads just what is still missing. ``--check`` and ``--dry-run`` stop after the listing.
Must not: print or exit (the command line does), or upload any file the manifest does not name.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from assetbuild.compiler.commands.verify import verify
from assetbuild.compiler.publish.destination import Destination, require_credentials
from assetbuild.compiler.publish.headers import headers_for
from assetbuild.compiler.publish.plan import Plan, missing, plan_release
from assetbuild.compiler.publish.records import record_bytes, record_key
from assetbuild.compiler.publish.store import Put, PutReport, Store, keys_of, open_store
from assetbuild.compiler.stage import Progress
from assetbuild.errors import ConfigError, ManifestError, Problem, PublishError
from assetbuild.manifest import FILENAME, Manifest, loads

DEFAULT_JOBS = 32  # uploads in flight: a PUT waits on the network, not on a core


@dataclass(frozen=True)
class Published:
    destination: Destination
    uploaded: tuple[Put, ...]  # with dry_run: what would be uploaded
    already_there: int  # objects the destination held (content-addressed: the same bytes)
    manifest_changed: bool  # whether manifest.json was (or would be) replaced
    dry_run: bool = False

    @property
    def bytes(self) -> int:
        return sum(put.size for put in self.uploaded)


@dataclass(frozen=True)
class Checked:
    destination: Destination
    missing: tuple[str, ...]  # keys the manifest names that the destination lacks
    checked: int


@dataclass(frozen=True)
class _Prepared:
    manifest: Manifest
    plan: Plan
    store: Store
    remote: set[str]


def _prepare(
    directory: Path, destination: Destination, environ: Mapping[str, str] | None
) -> _Prepared:
    require_credentials(destination, os.environ if environ is None else environ)
    try:
        manifest_bytes = (directory / FILENAME).read_bytes()
        manifest = loads(manifest_bytes, str(directory / FILENAME))
    except FileNotFoundError as exc:
        raise ConfigError(
            f"no {FILENAME} in {directory}: nothing to publish; run `assetbuild build` first, "
            "or give the release directory with --output",
            key="--output",
        ) from exc
    except ManifestError as exc:
        raise ConfigError(f"{exc}; build the release again", key="--output") from exc
    _, problems = verify(directory)
    if problems:
        raise PublishError(
            f"the release in {directory} does not match its manifest ({len(problems)} "
            f"problem{'s' if len(problems) != 1 else ''}); nothing was uploaded: build it again",
            problems,
        )
    plan = plan_release(directory, manifest, manifest_bytes)
    store = open_store(destination)
    return _Prepared(manifest, plan, store, keys_of(store.list()))


def publish(
    directory: Path,
    destination: Destination,
    *,
    jobs: int = DEFAULT_JOBS,
    dry_run: bool = False,
    progress: Progress | None = None,
    environ: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> Published:
    prepared = _prepare(directory, destination, environ)
    plan, store = prepared.plan, prepared.store
    absent, present = missing(plan.objects, prepared.remote)
    plain = [put for put in plan.plain if _changed(store, put, prepared.remote)]
    manifest_changed = _changed(store, plan.manifest, prepared.remote)
    last = [plan.manifest] if manifest_changed else []
    already = len(present) + len(plan.plain) - len(plain)
    if dry_run:
        return Published(destination, (*absent, *plain, *last), already, manifest_changed, True)

    if progress is not None:
        progress.start("publish", len(absent) + len(plain))
    advance = progress.advance if progress is not None else None
    report = store.put_all(absent, jobs=jobs, create_only=True, advance=advance)
    _require_all(destination, report, len(absent))
    replaced = store.put_all(plain, jobs=jobs, create_only=False, advance=advance)
    _require_all(destination, replaced, len(plain))

    # The record first: once manifest.json names this release, remote clean must already know it.
    when = datetime.now(timezone.utc) if now is None else now
    manifest_bytes = plan.manifest.source
    assert isinstance(manifest_bytes, bytes)
    record = record_bytes(manifest_bytes, when)
    bookkeeping = [
        Put(
            record_key(manifest_bytes),
            headers_for(record_key(manifest_bytes), "record"),
            record,
            len(record),
        )
    ]
    _require_all(destination, store.put_all(bookkeeping, jobs=1, create_only=False), 1)
    if manifest_changed:
        _require_all(destination, store.put_all(last, jobs=1, create_only=False), 1)
    return Published(
        destination,
        (*report.created, *replaced.created, *last),
        already + len(report.existed),
        manifest_changed,
    )


def check(
    directory: Path, destination: Destination, *, environ: Mapping[str, str] | None = None
) -> Checked:
    """Which objects the local manifest names are missing at the destination (a gate before a
    rolling deploy: no page may name an object the CDN cannot fetch)."""
    prepared = _prepare(directory, destination, environ)
    named = prepared.plan.named()
    absent, _ = missing(named, prepared.remote)
    return Checked(destination, tuple(put.key for put in absent), len(named))


def _changed(store: Store, put: Put, remote: set[str]) -> bool:
    """Whether an object that is replaced in place (a plain copy, the manifest) differs."""
    if put.key not in remote:
        return True
    local = put.source if isinstance(put.source, bytes) else put.source.read_bytes()
    return store.get(put.key) != local


def _require_all(destination: Destination, report: PutReport, attempted: int) -> None:
    if not report.failed:
        return
    skipped = f"; {report.not_tried} not tried after that" if report.not_tried else ""
    raise PublishError(
        f"{len(report.failed)} of {attempted} uploads to {destination} failed{skipped}; the "
        f"remote {FILENAME} is unchanged: fix the cause and publish again (what is there is "
        "not uploaded again)",
        [Problem(failure.reason, destination.url_of(failure.key)) for failure in report.failed],
    )
