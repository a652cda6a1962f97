"""The record of each publish, kept beside the release in the destination.

Owns: the key prefix ``.assetbuild/publishes/`` (one object per distinct manifest, named by its
digest, refreshed at each publish of it: a rollback is a publish of the old release), its JSON
(``version``, ``published``: when, in UTC, and ``manifest``: the manifest's contents, nothing
else), and reading it back for remote clean.
Must not: hold anything that manifest.json does not, besides the time; or name the build machine.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone

from assetbuild.errors import ManifestError, PublishError
from assetbuild.manifest import Manifest, loads

RECORDS_PREFIX = ".assetbuild/publishes/"
VERSION = 1


@dataclass(frozen=True)
class Record:
    key: str
    published: datetime  # aware, UTC
    manifest: Manifest


def record_key(manifest_bytes: bytes) -> str:
    return f"{RECORDS_PREFIX}{hashlib.sha256(manifest_bytes).hexdigest()[:16]}.json"


def is_record(key: str) -> bool:
    return key.startswith(RECORDS_PREFIX)


def record_bytes(manifest_bytes: bytes, published: datetime) -> bytes:
    when = published.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    document = {"manifest": json.loads(manifest_bytes), "published": when, "version": VERSION}
    return (json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode()


def read_record(key: str, data: bytes, where: str) -> Record:
    """A record read back; a ``PublishError`` naming it if it is not one (clean then stops:
    without the history it cannot tell what live pages still use)."""

    def bad(problem: str) -> PublishError:
        return PublishError(
            f"{where}: {problem}; remote clean needs every publish record to be readable: "
            "delete this one if it is not assetbuild's, then run clean again"
        )

    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise bad(f"is not JSON ({exc})") from exc
    if not isinstance(document, dict) or document.get("version") != VERSION:
        raise bad(f"is not a publish record of version {VERSION}")
    try:
        published = datetime.strptime(str(document.get("published")), "%Y-%m-%dT%H:%M:%SZ")
        manifest = loads(json.dumps(document.get("manifest")), where)
    except ValueError as exc:
        raise bad(f"has no valid time ({exc})") from exc
    except ManifestError as exc:
        raise bad(f"holds no valid manifest ({exc})") from exc
    return Record(key, published.replace(tzinfo=timezone.utc), manifest)
