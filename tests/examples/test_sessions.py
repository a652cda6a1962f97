"""Proof that the doctor's advice on sessions is right, with real servers: a Django project
(``sessions_project``) served by two gunicorn processes of one worker each, on two ports, so each
request goes to the worker the test chooses. A session written through one is read through the
other, and after both restart, when it is kept in Redis (Django's ``RedisCache``) or Memcached
(``PyMemcacheCache``), each a real server on 127.0.0.1; kept in each process's memory
(``LocMemCache``), it is lost across workers. ``assetbuild doctor`` says so: it reports the
LocMem setup and is silent on the other two.
"""

from __future__ import annotations

import json
import re
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gunicorn
import pytest

from tests.examples import STARTUP_SECONDS, environment, get
from tests.examples.services import Service, memcached_server, redis_server

PROJECT = Path(__file__).resolve().parent / "sessions_project"

# gunicorn's log line once its socket listens: "Listening at: http://127.0.0.1:40231 (1234)".
_LISTENING = re.compile(r"Listening at: (http://127\.0\.0\.1:\d+) ")
_NO_CONTROL_SOCKET = ["--no-control-socket"] if gunicorn.version_info >= (25, 1) else []


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Service]]:
    """A Redis and a Memcached server for this module's tests, stopped at its end."""
    with (
        redis_server(tmp_path_factory.mktemp("redis")) as redis,
        memcached_server(tmp_path_factory.mktemp("memcached")) as memcached,
    ):
        yield {"redis": redis, "memcached": memcached}


def store_environment(store: str, services: dict[str, Service]) -> dict[str, str]:
    """What selects the project's session store: its name and, for a server, its location."""
    locations = {
        "redis": f"redis://{services['redis'].address}/0",
        "memcached": services["memcached"].address,
        "locmem": "",
    }
    return environment(SESSION_STORE=store, CACHE_LOCATION=locations[store])


@dataclass(frozen=True)
class Worker:
    """One gunicorn process with one worker: an address that reaches exactly that worker."""

    url: str

    def call(self, path: str, cookie: str | None = None) -> tuple[dict[str, Any], str | None]:
        """The JSON answer of ``path``, and the session cookie it set, if it set one."""
        response = get(self.url + path, {"Cookie": cookie} if cookie else None)
        assert response.status == 200, response.text
        found = re.search(r"sessionid=([^;]+)", response.headers.get("Set-Cookie", ""))
        document: dict[str, Any] = json.loads(response.body)
        return document, f"sessionid={found[1]}" if found else None


@contextmanager
def worker(env: dict[str, str], log: Path) -> Iterator[Worker]:
    """``gunicorn --workers 1`` serving the project on a port of its choosing, until the end."""
    command = [sys.executable, "-m", "gunicorn", "--workers", "1", "--bind", "127.0.0.1:0"]
    command += [*_NO_CONTROL_SOCKET, "sessions_site.wsgi"]
    with open(log, "wb") as output:
        process = subprocess.Popen(
            command, cwd=PROJECT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        yield Worker(_listening(process, log))
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _listening(process: subprocess.Popen[bytes], log: Path) -> str:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{log.read_text(errors='replace')}")
        found = _LISTENING.search(log.read_text(errors="replace"))
        if found:
            return found[1]
        time.sleep(0.05)
    raise TimeoutError(f"gunicorn did not listen:\n{log.read_text(errors='replace')}")


@contextmanager
def two_workers(env: dict[str, str], logs: Path) -> Iterator[tuple[Worker, Worker]]:
    with ExitStack() as stack:
        first = stack.enter_context(worker(env, logs / "first.log"))
        second = stack.enter_context(worker(env, logs / "second.log"))
        yield first, second


@pytest.mark.parametrize("store", ["redis", "memcached"])
def test_a_session_in_a_shared_store_is_read_by_the_other_worker_and_survives_a_restart(
    store: str, services: dict[str, Service], tmp_path: Path
) -> None:
    env = store_environment(store, services)
    value = secrets.token_hex(8)
    with two_workers(env, tmp_path) as (first, second):
        written, cookie = first.call(f"/write?value={value}")
        assert cookie is not None
        read, _ = second.call("/read", cookie)
        assert read["pid"] != written["pid"]  # two processes, each with its own memory
        assert read["value"] == value
    with two_workers(env, tmp_path) as (first, second):  # both restarted: new processes
        assert first.call("/read", cookie)[0]["value"] == value
        assert second.call("/read", cookie)[0]["value"] == value


def test_a_session_in_process_memory_is_lost_across_workers_and_restarts(
    services: dict[str, Service], tmp_path: Path
) -> None:
    env = store_environment("locmem", services)
    with two_workers(env, tmp_path) as (first, second):
        written, cookie = first.call("/write?value=lost")
        assert cookie is not None
        assert first.call("/read", cookie)[0]["value"] == "lost"  # its own process has it
        read, _ = second.call("/read", cookie)
        assert read["pid"] != written["pid"]
        assert read["value"] is None
    with two_workers(env, tmp_path) as (first, _):
        assert first.call("/read", cookie)[0]["value"] is None


@pytest.mark.parametrize(
    ("store", "status", "ids"),
    [
        ("redis", 0, []),
        ("memcached", 0, []),
        ("locmem", 1, ["assetbuild.W021", "assetbuild.W030"]),
    ],
)
def test_the_doctor_reports_the_locmem_setup_and_is_silent_on_the_shared_stores(
    store: str, status: int, ids: list[str], services: dict[str, Service]
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "assetbuild", "doctor"]
        + ["--django-settings", "sessions_site.settings", "--json"],
        cwd=PROJECT,
        env=store_environment(store, services),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == status, done.stderr
    assert [finding["id"] for finding in json.loads(done.stdout)["findings"]] == ids
