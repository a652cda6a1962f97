"""Real backing services for the tests: Debian's ``redis-server`` and ``memcached``
(``scripts/system-deps.sh`` installs them), each on 127.0.0.1 and a free port, in the
foreground, with nothing written outside its own temporary directory, stopped at the end.

A test that needs one and cannot start it is skipped, except in CI (``CI=true``), where it fails.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import unavailable

STARTUP_SECONDS = 10.0
_POLL_SECONDS = 0.02
_ATTEMPTS = 3  # a free port can be taken between asking for it and binding it: try another


@dataclass(frozen=True)
class Service:
    """A running server: what it is and where it listens."""

    name: str
    port: int
    host: str = "127.0.0.1"

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def redis_server(directory: Path) -> Iterator[Service]:
    """``redis-server`` keeping nothing on disk (no RDB, no AOF), in ``directory``."""

    def command(port: int) -> list[str]:
        return [
            _executable("redis-server"),
            *("--port", str(port), "--bind", "127.0.0.1", "--dir", str(directory)),
            *("--save", "", "--appendonly", "no", "--daemonize", "no", "--protected-mode", "no"),
        ]

    with _serve("redis-server", command, directory, b"PING\r\n", b"+PONG") as service:
        yield service


@contextmanager
def memcached_server(directory: Path) -> Iterator[Service]:
    """``memcached``, TCP only, 16 MB."""

    def command(port: int) -> list[str]:
        # memcached refuses to run as root unless told which user to be.
        user = ["-u", "root"] if os.geteuid() == 0 else []
        return [
            _executable("memcached"),
            "-l",
            "127.0.0.1",
            "-p",
            str(port),
            "-U",
            "0",
            "-m",
            "16",
        ] + user

    with _serve("memcached", command, directory, b"version\r\n", b"VERSION") as service:
        yield service


def _executable(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin")
    if found is None:
        unavailable(f"{name} is not installed; `bash scripts/system-deps.sh` installs it (as root)")
    return found


@contextmanager
def _serve(
    name: str, command: Callable[[int], list[str]], directory: Path, ping: bytes, pong: bytes
) -> Iterator[Service]:
    log = directory / f"{name}.log"
    for _ in range(_ATTEMPTS):
        port = free_port()
        with open(log, "wb") as output:
            process = subprocess.Popen(
                command(port), cwd=directory, stdout=output, stderr=subprocess.STDOUT
            )
        try:
            if _answers(process, port, ping, pong):
                yield Service(name, port)
                return
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
    raise RuntimeError(f"{name} did not start:\n{log.read_text(errors='replace')[-2000:]}")


def _answers(process: subprocess.Popen[bytes], port: int, ping: bytes, pong: bytes) -> bool:
    """Whether the server answers ``ping`` with ``pong`` within the startup time; False if it
    exited (its port was taken)."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
                connection.sendall(ping)
                if connection.recv(64).startswith(pong):
                    return True
        except OSError:
            pass
        time.sleep(_POLL_SECONDS)
    raise TimeoutError(f"port {port}: no answer to {ping!r} within {STARTUP_SECONDS}s")
