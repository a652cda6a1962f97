"""The Flask example as `make demo` shows it: the home page's table of what it loads, read from the
manifest, and the build's HTML report, written beside the release and served at ``/report``."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from tests.examples import copy_example, environment, serve

ROW = re.compile(
    r"<tr>\s*<td><code>(?P<name>[^<]*)</code></td>\s*<td><code>(?P<url>[^<]*)</code></td>\s*"
    r"<td>(?P<size>\d+) B</td>\s*<td>(?P<encodings>[^<]*)</td>\s*"
    r"<td><code>(?P<integrity>[^<]*)</code></td>\s*</tr>"
)
TAG_URL = re.compile(r'(?:href|src)="(/static/[^"]+)"')


def flask_assetbuild(root: Path, *args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "assetbuild", *args],
        cwd=root,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"


def test_the_page_lists_what_it_loads_and_links_the_report_once_there_is_one(
    tmp_path: Path,
) -> None:
    example = copy_example("flask_app", tmp_path / "flask_app")
    flask_assetbuild(example.root, "build")
    manifest = json.loads((example.release / "manifest.json").read_bytes())
    with serve(example, example.release, tmp_path / "gunicorn.log") as server:
        page = server.get("/").text
        rows = [match.groupdict() for match in ROW.finditer(page)]
        # Every file the page's tags name: the modules the entry point imports have their
        # <link rel="modulepreload">, so the table is exactly that.
        loaded = set(TAG_URL.findall(page))
        assert {row["url"] for row in rows} == loaded
        for row in rows:
            entry = manifest["assets"][row["name"]]
            assert row["url"] == "/static/" + entry["path"]
            assert row["integrity"] == entry["integrity"]
            assert int(row["size"]) == entry["size"]
            variants = {
                encoding: (example.release / variant).stat().st_size
                for encoding, variant in sorted(entry["encodings"].items())
            }
            shown = ", ".join(f"{e} {size} B" for e, size in variants.items())
            assert row["encodings"] == (shown or "none (served as it is)")
        assert 'href="/report"' not in page and "No report yet" in page
        assert server.get("/report").status == 404

        # `flask assetbuild report` (or `build --report`, as `make demo` runs it) writes it.
        flask_assetbuild(example.root, "report", "-o", "build/report.html")
        page = server.get("/").text
        assert '<a href="/report">' in page
        report = server.get("/report")
        assert report.status == 200
        assert report.headers.get_content_type() == "text/html"
        assert report.body == (example.root / "build/report.html").read_bytes()
        # Beside the release, never in it: the static routes do not know it.
        assert not list(example.release.rglob("report*"))
        assert server.get("/static/report.html").status == 404
        assert server.get("/static/../report.html").status == 404
