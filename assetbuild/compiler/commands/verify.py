"""``assetbuild verify``: does the release hold exactly what its manifest says?

Owns: the checks of every manifest entry (file present, size and integrity match the bytes,
each encoding decodes to the same bytes) and of every plain copy (the same bytes as the
fingerprinted file of its asset).
Must not: write or repair anything; it reports.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

from assetbuild.compiler import compress
from assetbuild.errors import Problem
from assetbuild.manifest import FILENAME, Manifest, load

_DIGESTS = {"sha256": hashlib.sha256, "sha384": hashlib.sha384, "sha512": hashlib.sha512}


def verify(directory: Path) -> tuple[Manifest, list[Problem]]:
    """Check the release in ``directory``; a ``ManifestError`` if its manifest is unusable."""
    manifest = load(directory / FILENAME)
    problems: list[Problem] = []
    for name, entry in manifest.assets.items():
        path = directory / entry.path
        try:
            data = path.read_bytes()
        except OSError as exc:
            problems.append(Problem(f"{name}: {entry.path} is missing ({exc.strerror})", str(path)))
            continue
        if len(data) != entry.size:
            problems.append(
                Problem(f"{name}: size is {len(data)}, the manifest says {entry.size}", str(path))
            )
        algorithm, _, expected = entry.integrity.partition("-")
        actual = base64.b64encode(_DIGESTS[algorithm](data).digest()).decode("ascii")
        if actual != expected:
            problems.append(
                Problem(
                    f"{name}: integrity does not match the bytes (the file changed after the build)",
                    str(path),
                )
            )
        for encoding, variant in sorted(entry.encodings.items()):
            variant_path = directory / variant
            try:
                decoded = compress.decode(encoding, variant_path.read_bytes())
            except OSError as exc:
                problems.append(
                    Problem(
                        f"{name}: {encoding} variant is missing ({exc.strerror})", str(variant_path)
                    )
                )
                continue
            except Exception as exc:  # zlib.error, brotli.error, ValueError: all mean "corrupt"
                problems.append(
                    Problem(
                        f"{name}: {encoding} variant does not decode ({exc})", str(variant_path)
                    )
                )
                continue
            if decoded != data:
                problems.append(
                    Problem(
                        f"{name}: {encoding} variant decodes to other bytes than {entry.path}",
                        str(variant_path),
                    )
                )
    for name in manifest.plain:
        path = directory / name
        fingerprinted = directory / manifest.assets[name].path
        try:
            data = path.read_bytes()
        except OSError as exc:
            problems.append(
                Problem(f"{name}: the plain copy is missing ({exc.strerror})", str(path))
            )
            continue
        try:
            same = data == fingerprinted.read_bytes()
        except OSError:
            continue  # reported above, as the asset's own file
        if not same:
            problems.append(
                Problem(
                    f"{name}: the plain copy differs from {manifest.assets[name].path}; "
                    "build again to replace it",
                    str(path),
                )
            )
    return manifest, problems
