"""The publish figures: ``assetbuild publish`` against an ``aws s3 sync``-style upload, same server.

Owns: building the bench corpus's release (gzip + br variants, from the config ``bench/run.py``
writes), starting a SeaweedFS S3 server on 127.0.0.1 (``weed mini``, every port given, no
telemetry, a temporary data directory; stopped after), and timing, each as its own process:

- ``assetbuild publish``: the first publish, a republish of the same release, and a republish
  after the release was built again in a fresh checkout (new mtimes, the same bytes);
- the baseline, what ``aws s3 sync build/static s3://...`` does, written with boto3 (``aws`` is
  not a dependency): one listing, then every file whose size differs or whose mtime is newer
  than the object's, uploaded with ``mimetypes``' guess as its type, 10 at a time (the CLI's
  default ``max_concurrent_requests``); the same three runs.

Each row: wall seconds, objects uploaded, bytes. ``bench/run.py`` runs this after its x1 rounds
and prints the table; run alone: ``python bench/publish.py --config CONFIG [--out FILE]``.
Must not: reach anything but 127.0.0.1.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Any

BUCKET = "bench"
KEY, SECRET = "benchkey", "benchsecret"


def _load_launcher() -> ModuleType:
    # scripts/seaweedfs.py is a script, loaded by path (as bench/run.py loads corpus.py).
    launcher = Path(__file__).resolve().parent.parent / "scripts" / "seaweedfs.py"
    spec = importlib.util.spec_from_file_location("assetbuild_seaweedfs", launcher)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


seaweed = _load_launcher()


def _bucket_ready(endpoint: str) -> bool:
    try:
        sync_client(endpoint).head_bucket(Bucket=BUCKET)
    except Exception:  # made a moment after the gateway answers
        return False
    return True


def sync_client(endpoint: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=KEY,
        aws_secret_access_key=SECRET,
        region_name="us-east-1",
        # boto3 >= 1.36 sends CRC checksums many S3-compatible stores refuse; aws-cli users set this.
        config=Config(
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            max_pool_connections=10,
        ),
    )


def sync(release: Path, endpoint: str, prefix: str) -> dict[str, int]:
    """``aws s3 sync RELEASE s3://bench/PREFIX``, as the CLI decides: size and mtime."""
    import mimetypes
    from concurrent.futures import ThreadPoolExecutor

    client = sync_client(endpoint)
    remote: dict[str, tuple[int, float]] = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix):
        for item in page.get("Contents", []):
            remote[item["Key"]] = (item["Size"], item["LastModified"].timestamp())
    uploads: list[tuple[Path, str]] = []
    for path in sorted(p for p in release.rglob("*") if p.is_file()):
        key = f"{prefix}/{path.relative_to(release).as_posix()}"
        status = path.stat()
        there = remote.get(key)
        if there is None or there[0] != status.st_size or status.st_mtime > there[1]:
            uploads.append((path, key))

    def upload(item: tuple[Path, str]) -> int:
        path, key = item
        guessed, encoding = mimetypes.guess_type(path.name)
        extra = {"ContentType": guessed or "application/octet-stream"}
        if encoding:  # what aws-cli does: a .gz gets Content-Encoding: gzip and its base's type
            extra["ContentEncoding"] = encoding
        client.put_object(Bucket=BUCKET, Key=key, Body=path.read_bytes(), **extra)
        return path.stat().st_size

    with ThreadPoolExecutor(10) as pool:
        sent = sum(pool.map(upload, uploads))
    return {"objects": len(uploads), "bytes": sent}


def timed(command: list[str], env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:4])}...: {done.stderr.strip()[-500:]}")
    return elapsed, done.stdout


def touch_all(release: Path) -> None:
    """A fresh checkout's build: the same bytes, every mtime new (later than any upload)."""
    later = time.time() + 5
    for path in release.rglob("*"):
        if path.is_file():
            os.utime(path, (later, later))


def figures(config: Path, work: Path) -> list[dict[str, Any]]:
    release = work / "release"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASSETBUILD_", "AWS_"))}
    built = subprocess.run(
        [sys.executable, "-m", "assetbuild", "build", "--config", str(config)]
        + ["--output", str(release)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if built.returncode != 0:
        raise RuntimeError(f"build: {built.stderr.strip()[-500:]}")
    files = sum(1 for p in release.rglob("*") if p.is_file())
    identities = [seaweed.identity("bench", KEY, SECRET, ["Admin", "Read", "Write", "List"])]
    with seaweed.running(work, BUCKET, identities, _bucket_ready) as endpoint:
        env |= {
            "AWS_ACCESS_KEY_ID": KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET,
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_REGION": "us-east-1",
        }
        publish = [sys.executable, "-m", "assetbuild", "publish", f"s3://{BUCKET}/assetbuild"]
        publish += ["--output", str(release), "--json"]
        baseline = [sys.executable, __file__, "--sync", str(release), "--endpoint", endpoint]
        rows: list[dict[str, Any]] = []
        # SeaweedFS allocates its volumes on the first writes: make them before any timing, so
        # that neither side pays for it.
        client = sync_client(endpoint)
        for index in range(32):
            client.put_object(Bucket=BUCKET, Key=f"warm-up/{index}", Body=b"x" * 1024)
        for run in ("first", "again", "fresh checkout"):
            if run == "fresh checkout":
                touch_all(release)
            seconds, out = timed(publish, env)
            result = json.loads(out)
            rows.append(
                {
                    "name": f"assetbuild publish, {run}",
                    "value": seconds,
                    "unit": "s",
                    "objects": result["uploaded"]["objects"],
                    "bytes": result["uploaded"]["bytes"],
                    "note": f"{result['uploaded']['objects']} objects uploaded of {files}",
                }
            )
            seconds, out = timed(baseline, env)
            result = json.loads(out)
            rows.append(
                {
                    "name": f"aws s3 sync-style (boto3), {run}",
                    "value": seconds,
                    "unit": "s",
                    "objects": result["objects"],
                    "bytes": result["bytes"],
                    "note": f"{result['objects']} objects uploaded of {files}",
                }
            )
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    header = f"{'publish figure (x1 corpus release, gzip + br)':50} {'seconds':>8}  note"
    lines = [header, "-" * len(header)]
    for row in rows:
        if "error" in row:
            lines.append(f"{row['name']:50} {'-':>8}  not measured: {row['error']}")
        else:
            lines.append(f"{row['name']:50} {row['value']:>8.2f}  {row['note']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/publish.py", description=__doc__)
    parser.add_argument("--config", type=Path, help="assetbuild.toml of the corpus (gzip + br)")
    parser.add_argument("--out", type=Path, help="write the rows as JSON here")
    parser.add_argument("--sync", type=Path, help=argparse.SUPPRESS)  # the baseline's process
    parser.add_argument("--endpoint", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.sync is not None:
        print(json.dumps(sync(args.sync, args.endpoint, "sync")))
        return 0
    if args.config is None:
        parser.error("--config is required")
    with tempfile.TemporaryDirectory(prefix="assetbuild-bench-publish-") as work:
        try:
            rows = figures(args.config.resolve(), Path(work))
        except RuntimeError as exc:
            rows = [{"name": "publish", "error": str(exc)}]
    print(table(rows))
    if args.out is not None:
        args.out.write_text(json.dumps({"rows": rows, "table": table(rows)}, indent=1) + "\n")
    return 1 if any("error" in row for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
