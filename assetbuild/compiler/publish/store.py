"""The stores a release is published to: object storage through obstore, or a local directory.

Owns: listing a destination, create-only and replacing PUTs with their headers (many in flight),
reading one object, deleting in batches; what counts as an authentication failure (no retry:
the next request would be refused too) and what obstore retries (5xx, 429, timeouts, with
backoff); and, for ``file:///``, writing each object atomically (a temporary file, then a link
that refuses an existing name, or a rename for objects that are replaced).
Must not: decide what to upload or in which order (``plan`` and ``publisher`` do), or take
credentials from anywhere but the standard environment (obstore reads it).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from assetbuild.compiler.publish.destination import Destination
from assetbuild.compiler.publish.headers import Headers
from assetbuild.errors import DestinationError, PublishError

if TYPE_CHECKING:
    from obstore.store import ObjectStore

# S3's DeleteObjects takes up to 1000 keys a request (Azure's batch 256: obstore splits further).
DELETE_BATCH = 1000
# A file:// store's temporary files, never listed as objects.
_TEMPORARY = ".assetbuild-tmp-"


@dataclass(frozen=True)
class RemoteObject:
    key: str  # relative to the destination's prefix, "/"-separated
    size: int
    modified: datetime  # aware, UTC


@dataclass(frozen=True)
class Put:
    key: str
    headers: Headers
    source: Path | bytes  # a release file (read when it is uploaded), or the bytes themselves
    size: int


@dataclass(frozen=True)
class Failure:
    key: str
    reason: str


@dataclass(frozen=True)
class PutReport:
    created: tuple[Put, ...]  # uploaded now
    existed: tuple[Put, ...]  # a create-only PUT found the key taken: uploaded before
    failed: tuple[Failure, ...]
    not_tried: int = 0  # left out after an authentication failure


class Store(Protocol):
    destination: Destination

    def list(self) -> list[RemoteObject]: ...

    def get(self, key: str) -> bytes | None: ...

    def put_all(
        self,
        puts: Sequence[Put],
        *,
        jobs: int,
        create_only: bool,
        advance: Callable[[], None] | None = None,
    ) -> PutReport: ...

    def delete(self, keys: Sequence[str]) -> None: ...


def open_store(destination: Destination) -> Store:
    if destination.directory is not None:
        return DirectoryStore(destination)
    return ObjectStorage(destination)


def _body(put: Put) -> bytes:
    return put.source if isinstance(put.source, bytes) else put.source.read_bytes()


# -- Object storage -------------------------------------------------------------------------------


def _reason(exc: BaseException) -> str:
    # obstore's message is one line, then the request's debug dump: the line is the reason,
    # without the XML body the store sent, which says again what the status says.
    line = str(exc).strip().partition("\n")[0].partition("<?xml")[0].rstrip(": ")
    return line or type(exc).__name__


def _refused(exc: BaseException) -> bool:
    """Whether the store refused the credentials (or their rights): retrying cannot help."""
    from obstore.exceptions import PermissionDeniedError, UnauthenticatedError

    if isinstance(exc, PermissionDeniedError | UnauthenticatedError):
        return True
    text = str(exc)
    signs = ("403 Forbidden", "401 Unauthorized", "InvalidAccessKeyId", "SignatureDoesNotMatch")
    return any(sign in text for sign in signs)


class ObjectStorage:
    """S3 (and S3-compatible stores: R2, MinIO, SeaweedFS), GCS and Azure, through obstore."""

    def __init__(self, destination: Destination):
        self.destination = destination
        self._store = self._open()

    def _open(self) -> ObjectStore:
        try:
            from obstore.store import AzureStore, GCSStore, S3Store
        except ImportError as exc:
            raise DestinationError(
                f"publishing to {self.destination} needs obstore: pip install 'assetbuild[publish]'",
                key="DEST",
            ) from exc
        destination = self.destination
        prefix = destination.prefix or None
        # obstore retries 5xx, 429, connection errors and timeouts with exponential backoff;
        # it never retries 4xx (a refused credential fails at once).
        retry: Any = {
            "max_retries": 5,
            "retry_timeout": timedelta(seconds=120),
            "backoff": {
                "init_backoff": timedelta(milliseconds=100),
                "max_backoff": timedelta(seconds=10),
                "base": 2,
            },
        }
        client: Any = {"timeout": "60s", "connect_timeout": "10s"}
        if destination.scheme == "s3":
            # An http:// endpoint (a private S3-compatible server, a test server) is honoured
            # as given: the user chose it.
            endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
            if endpoint and endpoint.lower().startswith("http://"):
                client["allow_http"] = True
            extra: Any = {"endpoint": endpoint} if endpoint else {}
            return S3Store(
                destination.bucket,
                prefix=prefix,
                client_options=client,
                retry_config=retry,
                **extra,
            )
        if destination.scheme == "gs":
            return GCSStore(
                destination.bucket, prefix=prefix, client_options=client, retry_config=retry
            )
        return AzureStore(
            destination.bucket, prefix=prefix, client_options=client, retry_config=retry
        )

    def _failed(self, doing: str, exc: BaseException) -> PublishError:
        if _refused(exc):
            return PublishError(
                f"{self.destination} refused the credentials for {doing}: {_reason(exc)}; check "
                "the AWS_*/GOOGLE_*/AZURE_* variables and the rights they grant on the bucket"
            )
        return PublishError(f"{doing} {self.destination} failed: {_reason(exc)}")

    def list(self) -> list[RemoteObject]:
        import obstore
        from obstore.exceptions import BaseError

        try:
            return [
                RemoteObject(meta["path"], meta["size"], meta["last_modified"])
                for batch in obstore.list(self._store)
                for meta in batch
            ]
        except BaseError as exc:
            raise self._failed("listing", exc) from exc

    def get(self, key: str) -> bytes | None:
        import obstore
        from obstore.exceptions import BaseError, NotFoundError

        try:
            return obstore.get(self._store, key).bytes().to_bytes()
        except (NotFoundError, FileNotFoundError):  # obstore raises the latter for a 404
            return None
        except BaseError as exc:
            raise self._failed(f"reading {key} from", exc) from exc

    def put_all(
        self,
        puts: Sequence[Put],
        *,
        jobs: int,
        create_only: bool,
        advance: Callable[[], None] | None = None,
    ) -> PutReport:
        return asyncio.run(self._put_all(puts, jobs, create_only, advance))

    async def _put_all(
        self,
        puts: Sequence[Put],
        jobs: int,
        create_only: bool,
        advance: Callable[[], None] | None,
    ) -> PutReport:
        import obstore
        from obstore.exceptions import AlreadyExistsError, BaseError, PreconditionError

        limit = asyncio.Semaphore(jobs)
        created: list[Put] = []
        existed: list[Put] = []
        failed: list[Failure] = []
        stopped = False
        not_tried = 0

        async def upload(put: Put) -> None:
            nonlocal stopped, not_tried
            async with limit:
                if stopped:
                    not_tried += 1
                    return
                try:
                    body = _body(put)
                    await obstore.put_async(
                        self._store,
                        put.key,
                        body,
                        attributes=put.headers.attributes(),
                        mode="create" if create_only else "overwrite",
                        # One PUT: S3 has no create-only multipart upload, and assets are small.
                        use_multipart=False,
                    )
                except (AlreadyExistsError, PreconditionError):
                    existed.append(put)  # content-addressed: the same bytes are there
                except OSError as exc:  # reading the release file
                    failed.append(Failure(put.key, f"cannot read {exc.filename}: {exc.strerror}"))
                except BaseError as exc:
                    failed.append(Failure(put.key, _reason(exc)))
                    if _refused(exc):
                        stopped = True  # every other upload would be refused too
                else:
                    created.append(put)
                if advance is not None:
                    advance()

        await asyncio.gather(*(upload(put) for put in puts))
        order = {put.key: index for index, put in enumerate(puts)}
        return PutReport(
            tuple(sorted(created, key=lambda p: order[p.key])),
            tuple(sorted(existed, key=lambda p: order[p.key])),
            tuple(sorted(failed, key=lambda f: order[f.key])),
            not_tried,
        )

    def delete(self, keys: Sequence[str]) -> None:
        import obstore
        from obstore.exceptions import BaseError

        for start in range(0, len(keys), DELETE_BATCH):
            batch = list(keys[start : start + DELETE_BATCH])
            try:
                obstore.delete(self._store, batch)
            except BaseError as exc:
                raise self._failed(f"deleting {len(batch)} objects from", exc) from exc


# -- A local directory ----------------------------------------------------------------------------


class DirectoryStore:
    """``file:///dir``: a directory that a web server or a sync job serves from. Each object is
    written to a temporary file first, so no reader ever sees a partial one."""

    def __init__(self, destination: Destination):
        assert destination.directory is not None
        self.destination = destination
        self.root = destination.directory

    def list(self) -> list[RemoteObject]:
        found: list[RemoteObject] = []
        try:
            for directory, _, files in os.walk(self.root, onerror=_raise):
                for name in files:
                    if name.startswith(_TEMPORARY):
                        continue
                    path = Path(directory, name)
                    status = path.stat()
                    modified = datetime.fromtimestamp(status.st_mtime, timezone.utc)
                    key = path.relative_to(self.root).as_posix()
                    found.append(RemoteObject(key, status.st_size, modified))
        except FileNotFoundError as exc:
            if Path(exc.filename or "") == self.root:
                return []  # nothing published yet: the first put creates it
            raise PublishError(f"listing {self.destination} failed: {exc}") from exc
        except OSError as exc:
            raise PublishError(f"listing {self.destination} failed: {exc}") from exc
        return sorted(found, key=lambda found_object: found_object.key)

    def get(self, key: str) -> bytes | None:
        try:
            return (self.root / key).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise PublishError(f"reading {self.destination.url_of(key)} failed: {exc}") from exc

    def put_all(
        self,
        puts: Sequence[Put],
        *,
        jobs: int,
        create_only: bool,
        advance: Callable[[], None] | None = None,
    ) -> PutReport:
        # A local disk gains nothing from many writes in flight: one at a time.
        created: list[Put] = []
        existed: list[Put] = []
        failed: list[Failure] = []
        for put in puts:
            try:
                if self._write(put, create_only):
                    created.append(put)
                else:
                    existed.append(put)
            except OSError as exc:
                where = exc.filename or put.key
                failed.append(Failure(put.key, f"{where}: {exc.strerror or exc}"))
            if advance is not None:
                advance()
        return PutReport(tuple(created), tuple(existed), tuple(failed))

    def _write(self, put: Put, create_only: bool) -> bool:
        """Write one object; False if create-only found its name taken."""
        target = self.root / put.key
        body = _body(put)
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=_TEMPORARY, dir=target.parent)
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(body)
            os.chmod(temporary, 0o644)  # what a web server expects to read, not mkstemp's 0600
            if not create_only:
                os.replace(temporary, target)
                return True
            try:
                os.link(temporary, target)  # refuses an existing name, as a create-only PUT does
            except FileExistsError:
                return False
            return True
        finally:
            if os.path.lexists(temporary):
                os.unlink(temporary)

    def delete(self, keys: Sequence[str]) -> None:
        for key in keys:
            try:
                (self.root / key).unlink()
            except FileNotFoundError:
                continue  # already gone: what was asked
            except OSError as exc:
                raise PublishError(
                    f"deleting {self.destination.url_of(key)} failed: {exc}"
                ) from exc


def _raise(exc: OSError) -> None:
    raise exc


def keys_of(objects: Iterable[RemoteObject]) -> set[str]:
    return {found.key for found in objects}
