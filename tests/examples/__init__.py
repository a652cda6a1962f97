"""Tests of the example apps in examples/: built as their READMEs say (`flask assetbuild build`,
collectstatic), served by gunicorn, in a browser.

Here: building an example into a private copy (``build``), serving a release of it with gunicorn
on a free port of 127.0.0.1 (``serve``), and plain HTTP requests to it (``Server.get``). Every
wait is bounded in count and in time; every request goes to 127.0.0.1, never through a proxy.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import Any

import gunicorn

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

# Each example, and its WSGI application as gunicorn names it (from the example's directory).
WSGI_APPS = {"flask_app": "app:app", "django_project": "example_site.wsgi"}

# What each example's server sends with a fingerprinted file, and with manifest.json: the Flask
# app's own static routes (AssetBuild, as docs/serving.md asks), and WhiteNoise's middleware in
# the Django project.
IMMUTABLE = {
    "flask_app": "public, max-age=31536000, immutable",
    "django_project": "max-age=315360000, public, immutable",
}
MANIFEST_CACHE = {"flask_app": "no-cache", "django_project": "max-age=60, public"}

# The ES modules of both examples (their assetbuild.toml's `modules`, and every .mjs), the entry
# point first, and the bare specifier their [importmap] maps to one of them.
MODULES = (
    "js/modules/main.mjs",
    "js/modules/greeting.js",
    "js/modules/lazy.js",
    "vendor/palette.js",
)
ENTRY_POINT = "js/modules/main.mjs"
BARE_SPECIFIERS = {"@example/palette": "vendor/palette.js"}

# The path of a release file's URL: /static/<dir>/<stem>.<12 hex digits>.<ext>.
FINGERPRINTED = re.compile(r"/static/(?:[^/]+/)*[^/]+\.[0-9a-f]{12}\.[^./]+")

# The page's import map: <script type="importmap">{JSON}</script>, as Assets.importmap() writes it.
IMPORT_MAP = re.compile(r'<script type="importmap">(?P<json>.*?)</script>', re.DOTALL)

# Direct connections only: a proxy from the environment must never see these requests.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))

# gunicorn's log line once its socket listens: "Listening at: http://127.0.0.1:40231 (1234)".
_LISTENING = re.compile(r"Listening at: (http://127\.0\.0\.1:\d+) ")

# gunicorn 25.1+ opens a control socket in ~/.gunicorn unless told not to; these servers need none.
_NO_CONTROL_SOCKET = ["--no-control-socket"] if gunicorn.version_info >= (25, 1) else []

STARTUP_SECONDS = 20.0  # a generous bound: gunicorn is up in well under a second
_POLL_SECONDS = 0.05


@dataclass(frozen=True)
class Example:
    """A private copy of ``examples/<name>``, built."""

    name: str
    root: Path

    @property
    def release(self) -> Path:
        return self.root / "build" / "static"

    @property
    def wsgi_app(self) -> str:
        return WSGI_APPS[self.name]


@dataclass(frozen=True)
class Response:
    status: int
    headers: Message
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


@dataclass(frozen=True)
class Server:
    """One gunicorn serving an example's app with the release at ``release``."""

    url: str  # http://127.0.0.1:<port>, no trailing slash
    release: Path

    def manifest(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.release / "manifest.json").read_bytes())
        return data

    def entry(self, name: str) -> dict[str, Any]:
        """The manifest entry of logical path ``name``."""
        entry: dict[str, Any] = self.manifest()["assets"][name]
        return entry

    def get(self, path: str, headers: Mapping[str, str] | None = None) -> Response:
        return get(self.url + path, headers)


def get(url: str, headers: Mapping[str, str] | None = None) -> Response:
    """GET ``url`` (an http://127.0.0.1 URL) with exactly ``headers``; errors are responses too."""
    assert url.startswith("http://127.0.0.1:"), url
    # urllib adds no Accept-Encoding of its own, so a request without one asks for identity.
    request = urllib.request.Request(url, headers=dict(headers or {}))
    try:
        with _OPENER.open(request, timeout=10) as response:
            return Response(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        with error:
            return Response(error.code, error.headers, error.read())


def import_map(html: str) -> dict[str, Any]:
    """The JSON of the page's one import map."""
    found = IMPORT_MAP.findall(html)
    assert len(found) == 1, f"{len(found)} import maps in the page"
    document: dict[str, Any] = json.loads(found[0])
    return document


# How each example is built, as its README says: the Flask app by `flask assetbuild build` (the
# sources from its static folders), the Django project by its own collectstatic (ReleaseStorage).
BUILD_COMMANDS = {
    "flask_app": ["-m", "flask", "--app", "app", "assetbuild", "build"],
    "django_project": ["manage.py", "collectstatic", "--noinput"],
}


def copy_example(name: str, into: Path) -> Example:
    """A copy of ``examples/<name>`` at ``into``: its sources, no release, no database."""
    shutil.copytree(
        EXAMPLES / name,
        into,
        ignore=shutil.ignore_patterns("build", "__pycache__", "*.pyc", "db.sqlite3"),
    )
    return Example(name, into)


def build(name: str, into: Path) -> Example:
    """Copy ``examples/<name>`` (its sources, not a release) to ``into`` and build it there."""
    example = copy_example(name, into)
    rebuild(example)
    return example


def rebuild(example: Example) -> None:
    """Build the example's release again, as its README says."""
    into = example.root
    done = subprocess.run(
        [sys.executable, *BUILD_COMMANDS[example.name]],
        cwd=into,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"the build failed:\n{done.stdout}\n{done.stderr}"


@contextmanager
def serve(
    example: Example, release: Path, log: Path, *, wait: bool = True, **env: str
) -> Iterator[Server]:
    """gunicorn, 2 workers, serving ``example`` with the release at ``release``, until the end;
    ``env``, more environment variables for it (``ASSETBUILD_RELOAD="1"``).

    The port is gunicorn's to choose (``:0``) and read back from its log, so two servers never
    race for one. Unless ``wait`` is false (for an app whose pages fail until something is
    done), the block starts once a worker has answered ``/`` with 200. The server is stopped
    however the block ends.
    """
    command = [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", "127.0.0.1:0"]
    command += ["--chdir", str(example.root), *_NO_CONTROL_SOCKET, example.wsgi_app]
    env = environment(ASSETBUILD_MANIFEST=str(release / "manifest.json"), **env)
    with open(log, "wb") as output:  # the child keeps its own descriptor
        process = subprocess.Popen(
            command, cwd=example.root, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        url = _wait_for_listening(process, log)
        if wait:
            _wait_for_a_page(process, log, url)
        yield Server(url, release)
    finally:
        process.terminate()  # graceful: idle workers exit at once
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def environment(**overrides: str) -> dict[str, str]:
    """This environment without anything that would change what the examples do, plus overrides."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("ASSETBUILD_", "DJANGO_"))
    }
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # no __pycache__ in the copies
    env.update(overrides)
    return env


def _wait_for_listening(process: subprocess.Popen[bytes], log: Path) -> str:
    deadline = time.monotonic() + STARTUP_SECONDS
    for _ in range(int(STARTUP_SECONDS / _POLL_SECONDS)):
        _check_alive(process, log)
        found = _LISTENING.search(log.read_text(errors="replace"))
        if found:
            return found[1]
        if time.monotonic() > deadline:
            break
        time.sleep(_POLL_SECONDS)
    raise TimeoutError(f"gunicorn did not listen within {STARTUP_SECONDS}s:\n{_tail(log)}")


def _wait_for_a_page(process: subprocess.Popen[bytes], log: Path, url: str) -> None:
    """Until a worker answers / with 200 (the socket listens before the workers have booted)."""
    deadline = time.monotonic() + STARTUP_SECONDS
    last = "no answer"
    for _ in range(int(STARTUP_SECONDS / _POLL_SECONDS)):
        _check_alive(process, log)
        try:
            response = get(url + "/")
        except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
            last = repr(error)
        else:
            if response.status == 200:
                return
            last = f"status {response.status}"
        if time.monotonic() > deadline:
            break
        time.sleep(_POLL_SECONDS)
    raise TimeoutError(f"{url}/ did not answer 200 ({last}):\n{_tail(log)}")


def _check_alive(process: subprocess.Popen[bytes], log: Path) -> None:
    if process.poll() is not None:
        raise RuntimeError(f"gunicorn exited with status {process.returncode}:\n{_tail(log)}")


def _tail(log: Path) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-40:])
