"""The stores: retries on 5xx and 429 against the real server, create-only PUTs, file:// writes."""

from __future__ import annotations

import http.client
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from assetbuild.compiler.publish.destination import parse_destination
from assetbuild.compiler.publish.headers import headers_for
from assetbuild.compiler.publish.store import DirectoryStore, ObjectStorage, Put
from assetbuild.manifest import FILENAME, load
from tests.compiler.publish.conftest import SeaweedFS
from tests.conftest import invoke


class Flaky:
    """An HTTP proxy in front of the server that answers the first PUT of each chosen key with
    the given status (503 Slow Down, 429 Too Many Requests), then passes every request on as it
    came, Host header and signature included."""

    def __init__(self, upstream: str, failures: dict[str, int]):
        self.upstream = urlsplit(upstream)
        self.failures = failures  # key (the end of the path) -> status to answer first
        self.seen: Counter[tuple[str, str]] = Counter()
        self.lock = threading.Lock()
        flaky = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def relay(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                key = self.path.partition("?")[0]
                with flaky.lock:
                    flaky.seen[(self.command, key)] += 1
                    first = flaky.seen[(self.command, key)] == 1
                status = next((s for k, s in flaky.failures.items() if key.endswith(k)), None)
                if self.command == "PUT" and first and status is not None:
                    answer = b"<Error><Code>SlowDown</Code></Error>"
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                    return
                assert flaky.upstream.hostname is not None
                connection = http.client.HTTPConnection(
                    flaky.upstream.hostname, flaky.upstream.port, timeout=30
                )
                try:
                    connection.request(self.command, self.path, body, dict(self.headers))
                    response = connection.getresponse()
                    data = response.read()
                finally:
                    connection.close()
                self.send_response(response.status)
                for name, value in response.getheaders():
                    if name.lower() not in ("transfer-encoding", "content-length", "connection"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_PUT = do_HEAD = do_POST = do_DELETE = relay

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def release_keys(release: Path) -> list[str]:
    manifest = load(release / FILENAME)
    return sorted(manifest.release_paths())


@pytest.fixture
def flaky(s3: SeaweedFS, release_keys: list[str]) -> Iterator[Flaky]:
    proxy = Flaky(s3.endpoint, {release_keys[0]: 503, release_keys[-1]: 429})
    thread = threading.Thread(target=proxy.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        proxy.server.shutdown()
        proxy.server.server_close()
        thread.join()


def test_a_5xx_or_429_answer_is_retried_and_the_publish_completes(
    flaky: Flaky,
    s3: SeaweedFS,
    site: Path,
    release_keys: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", flaky.endpoint)

    result = invoke(site, "publish", f"s3://{s3.bucket}/flaky")

    assert result.exit_code == 0, result.output + result.stderr
    puts = {key: count for (method, key), count in flaky.seen.items() if method == "PUT"}
    assert puts[f"/{s3.bucket}/flaky/{release_keys[0]}"] == 2
    assert puts[f"/{s3.bucket}/flaky/{release_keys[-1]}"] == 2
    assert puts[f"/{s3.bucket}/flaky/{FILENAME}"] == 1
    checked = invoke(site, "publish", f"s3://{s3.bucket}/flaky", "--check")
    assert checked.exit_code == 0, checked.stderr


def put(key: str, data: bytes) -> Put:
    return Put(key, headers_for(key, "fingerprinted"), data, len(data))


def test_a_create_only_put_keeps_the_object_that_is_there(s3: SeaweedFS, tmp_path: Path) -> None:
    for store in (
        ObjectStorage(parse_destination(f"s3://{s3.bucket}/create-only")),
        DirectoryStore(parse_destination((tmp_path / "dir").as_uri())),
    ):
        first = store.put_all([put("a/x.0123456789ab.css", b"first")], jobs=4, create_only=True)
        again = store.put_all([put("a/x.0123456789ab.css", b"other")], jobs=4, create_only=True)

        assert [p.key for p in first.created] == ["a/x.0123456789ab.css"]
        assert [p.key for p in again.existed] == ["a/x.0123456789ab.css"]
        assert store.get("a/x.0123456789ab.css") == b"first"
        replaced = store.put_all([put("a/x.0123456789ab.css", b"new")], jobs=1, create_only=False)
        assert replaced.created and store.get("a/x.0123456789ab.css") == b"new"
        assert [o.key for o in store.list()] == ["a/x.0123456789ab.css"]
        store.delete(["a/x.0123456789ab.css", "never/there.txt"])
        assert store.list() == []
        assert store.get("a/x.0123456789ab.css") is None


def test_a_directory_store_leaves_no_temporary_file_and_readable_objects(tmp_path: Path) -> None:
    store = DirectoryStore(parse_destination((tmp_path / "dir").as_uri()))
    blocked = tmp_path / "dir/blocked"
    blocked.parent.mkdir()
    blocked.write_text("a file where a directory must go")

    report = store.put_all(
        [put("ok.0123456789ab.css", b"x"), put("blocked/y.0123456789ab.css", b"y")],
        jobs=1,
        create_only=True,
    )

    assert [f.key for f in report.failed] == ["blocked/y.0123456789ab.css"]
    assert sorted(p.name for p in (tmp_path / "dir").iterdir()) == [
        "blocked",
        "ok.0123456789ab.css",
    ]
    assert (tmp_path / "dir/ok.0123456789ab.css").stat().st_mode & 0o777 == 0o644
