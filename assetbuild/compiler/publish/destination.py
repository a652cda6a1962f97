"""Where a release is published: ``s3://``, ``gs://``, ``az://`` or ``file:///`` URLs.

Owns: parsing a destination (from ``DEST`` or ``[publish] dest``) into a value, and telling
whether the standard environment holds credentials for it.
Must not: contact the store; ``store`` does that.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlsplit

from assetbuild.errors import DestinationError

Scheme = Literal["s3", "gs", "az", "file"]
_FORMS = "s3://BUCKET/PREFIX, gs://BUCKET/PREFIX, az://CONTAINER/PREFIX or file:///DIRECTORY"
# S3 and GCS bucket names, and Azure container names (a subset of S3's: no dots).
_BUCKET = {
    "s3": re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]"),
    "gs": re.compile(r"[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]"),
    "az": re.compile(r"[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}"),
}


@dataclass(frozen=True)
class Destination:
    scheme: Scheme
    bucket: str  # the bucket or container; "" for file://
    prefix: str  # the key prefix, no leading or trailing "/"; "" for the bucket's root
    directory: Path | None = None  # file:// only

    def __str__(self) -> str:
        if self.directory is not None:
            return self.directory.as_uri()
        return f"{self.scheme}://{self.bucket}" + (f"/{self.prefix}" if self.prefix else "")

    def url_of(self, key: str) -> str:
        """Where an object is, to name it in a message."""
        return f"{self}/{key}"


def parse_destination(text: str, *, key: str = "DEST") -> Destination:
    """``s3://bucket/static`` -> Destination; a ``DestinationError`` naming what is wrong."""

    def bad(problem: str) -> DestinationError:
        return DestinationError(f"{text!r} {problem}; write {_FORMS}", key=key)

    parts = urlsplit(text.strip())
    scheme = parts.scheme.lower()
    if parts.query or parts.fragment:
        raise bad("has a ?query or #fragment")
    if scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise bad(
                f"names the host {parts.netloc!r} (file:// takes an absolute path, three slashes)"
            )
        path = unquote(parts.path)
        if not path.startswith("/"):
            raise bad("is not an absolute path")
        return Destination("file", "", "", Path(os.path.normpath(path)))
    if scheme not in _BUCKET:
        raise bad("is not a destination assetbuild can publish to")
    bucket = parts.netloc
    if not bucket:
        raise bad("names no bucket")
    if not _BUCKET[scheme].fullmatch(bucket):
        raise bad(f"names {bucket!r}, which is not a valid bucket or container name")
    prefix = parts.path.strip("/")
    segments = prefix.split("/") if prefix else []
    if any(segment in ("", ".", "..") for segment in segments):
        raise bad("has an empty, '.' or '..' segment in its prefix")
    return Destination(scheme, bucket, prefix)  # type: ignore[arg-type]  # checked above


# Each scheme's credentials in the standard environment, as its own SDKs read them: any one
# group complete is enough. What the store's client would look for beyond them (an instance
# metadata service) is not counted: a CI job without credentials should hear so, not time out.
_CREDENTIALS: Mapping[str, tuple[tuple[str, ...], ...]] = {
    "s3": (
        ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"),
        ("AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN"),  # GitHub Actions OIDC, EKS
        ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",),  # ECS tasks
        ("AWS_CONTAINER_CREDENTIALS_FULL_URI",),
    ),
    "gs": (
        ("GOOGLE_SERVICE_ACCOUNT",),
        ("GOOGLE_SERVICE_ACCOUNT_PATH",),
        ("GOOGLE_SERVICE_ACCOUNT_KEY",),
        ("GOOGLE_APPLICATION_CREDENTIALS",),
    ),
    "az": (
        ("AZURE_STORAGE_ACCOUNT_NAME", "AZURE_STORAGE_ACCOUNT_KEY"),
        ("AZURE_STORAGE_ACCOUNT_NAME", "AZURE_STORAGE_SAS_KEY"),
        ("AZURE_STORAGE_ACCOUNT_NAME", "AZURE_STORAGE_TOKEN"),
        ("AZURE_STORAGE_ACCOUNT_NAME", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_TENANT_ID"),
        ("AZURE_STORAGE_ACCOUNT_NAME", "AZURE_CLIENT_ID", "AZURE_FEDERATED_TOKEN_FILE"),
        ("AZURE_STORAGE_ACCOUNT_NAME", "AZURE_USE_AZURE_CLI"),
        ("AZURE_STORAGE_USE_EMULATOR",),
    ),
}


def require_credentials(destination: Destination, environ: Mapping[str, str]) -> None:
    """A ``DestinationError`` unless the standard environment holds credentials for it."""
    groups = _CREDENTIALS.get(destination.scheme)
    if groups is None or any(all(environ.get(name) for name in group) for group in groups):
        return
    if destination.scheme == "gs":
        gcloud = Path(environ.get("HOME", "~")).expanduser() / ".config/gcloud"
        if (gcloud / "application_default_credentials.json").is_file():
            return
    wanted = " or ".join("+".join(group) for group in groups[:2])
    raise DestinationError(
        f"no credentials for {destination} in the environment: set {wanted} (the standard "
        "variables; assetbuild takes no credentials as arguments)",
        key="DEST",
    )
