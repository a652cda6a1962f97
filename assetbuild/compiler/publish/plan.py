"""What a publish uploads: every file the manifest names and every encoding, and nothing else.

Owns: turning a verified release into the objects to put (fingerprinted files and their
variants, create-only; plain copies, replaced; the manifest, last), and the difference between
them and a listing of the destination.
Must not: read the release files' bytes (the store reads each as it uploads it), or talk to a
store; no other local file (the build's bookkeeping, files of older builds) is ever named.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from assetbuild.compiler.publish.headers import headers_for
from assetbuild.compiler.publish.store import Put
from assetbuild.manifest import FILENAME, Manifest


@dataclass(frozen=True)
class Plan:
    objects: tuple[Put, ...]  # fingerprinted files and variants: content-addressed, create-only
    plain: tuple[Put, ...]  # plain copies (favicon.ico): the same name, new bytes; replaced
    manifest: Put  # uploaded last, after every other object is there

    def named(self) -> tuple[Put, ...]:
        """Every object the manifest names (not the manifest itself)."""
        return self.objects + self.plain


def plan_release(directory: Path, manifest: Manifest, manifest_bytes: bytes) -> Plan:
    """The objects of the release in ``directory``, whose manifest ``verify`` has passed."""
    objects: dict[str, Put] = {}
    for _, entry in sorted(manifest.assets.items()):
        objects.setdefault(
            entry.path,
            Put(
                entry.path,
                headers_for(entry.path, "fingerprinted", integrity=entry.integrity),
                directory / entry.path,
                entry.size,
            ),
        )
        for encoding, variant in sorted(entry.encodings.items()):
            path = directory / variant
            headers = headers_for(
                variant,
                "fingerprinted",
                base=entry.path,
                encoding=encoding,
                integrity=entry.integrity,  # of the decoded bytes: what a browser checks
            )
            objects.setdefault(variant, Put(variant, headers, path, path.stat().st_size))
    plain = tuple(
        Put(
            name,
            headers_for(name, "plain", integrity=manifest.assets[name].integrity),
            directory / name,
            manifest.assets[name].size,
        )
        for name in manifest.plain
    )
    top = Put(FILENAME, headers_for(FILENAME, "manifest"), manifest_bytes, len(manifest_bytes))
    return Plan(tuple(objects.values()), plain, top)


def missing(puts: Sequence[Put], remote: Iterable[str]) -> tuple[list[Put], list[Put]]:
    """``puts`` split into those whose key the destination lacks and those it has."""
    there = set(remote)
    return [p for p in puts if p.key not in there], [p for p in puts if p.key in there]
