"""Content fingerprints: release paths and Subresource Integrity values from final bytes.

Owns: the digest that names a release file, the ``<dir>/<stem>.<hash>.<ext>`` pattern, and the
``sha384-`` integrity value browsers check.
Must not: read or write files; it is given bytes.
"""

from __future__ import annotations

import base64
import hashlib
import posixpath
import re
from dataclasses import dataclass

# 12 hex digits = 48 bits: a collision needs ~16 million versions of one logical path.
DIGEST_LENGTH = 12

_DIGEST = re.compile(f"[0-9a-f]{{{DIGEST_LENGTH}}}")
# The last segment of a release path, or of one of its variants: <stem>.<digest>.<ext> or
# <name>.<digest>, then perhaps .gz or .br.
_FINGERPRINTED = re.compile(
    rf"[^/]+\.[0-9a-f]{{{DIGEST_LENGTH}}}(?:\.[^./]*)?(?:\.(?:gz|br))?", re.ASCII
)


@dataclass(frozen=True)
class Fingerprint:
    digest: str  # first DIGEST_LENGTH hex digits of the SHA-256 of the bytes
    integrity: str  # "sha384-<base64>"
    size: int


def fingerprint(data: bytes) -> Fingerprint:
    # SHA-256 names the file (fast here, 1.5 GB/s); SHA-384 is what SRI recommends.
    digest = hashlib.sha256(data).hexdigest()[:DIGEST_LENGTH]
    integrity = "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode("ascii")
    return Fingerprint(digest, integrity, len(data))


def release_path(logical_path: str, digest: str) -> str:
    """``css/app.css`` -> ``css/app.<digest>.css``; a name without a dot gets ``.<digest>`` appended."""
    directory, name = posixpath.split(logical_path)
    stem, dot, extension = name.rpartition(".")
    fingerprinted = f"{stem}.{digest}.{extension}" if dot and stem else f"{name}.{digest}"
    return posixpath.join(directory, fingerprinted) if directory else fingerprinted


def digest_of(logical_path: str, path: str) -> str | None:
    """The digest in ``path`` if it is ``logical_path``'s release path for some digest (the
    inverse of ``release_path``), else None."""
    # Where release_path puts the digest: before the extension, or after a name that has none
    # (or only a leading dot). Plain slicing: a rebuild with nothing to do calls this per asset.
    dot = logical_path.rfind(".")
    cut = dot if dot > logical_path.rfind("/") + 1 else len(logical_path)
    digest = path[cut + 1 : cut + 1 + DIGEST_LENGTH]
    if path == f"{logical_path[:cut]}.{digest}{logical_path[cut:]}" and _DIGEST.fullmatch(digest):
        return digest
    return None


def looks_fingerprinted(path: str) -> bool:
    """Whether ``path`` has the form of a release path (or of a variant of one): a name that
    some asset's content could give, and so one no unfingerprinted copy may take."""
    return _FINGERPRINTED.fullmatch(posixpath.basename(path)) is not None
