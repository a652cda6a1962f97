"""The README's picture of ``assetbuild report``: docs/report.png, from a real report.

    python scripts/report_screenshot.py [OUT.png]

Owns: making the picture the same way each time: a private copy of examples/flask_app built twice
(the second time with one stylesheet grown, and a budget, so that the change and the budget have
something to show) by ``flask assetbuild build --report``, and its report opened from disk in
headless Chromium (Debian's /usr/bin/chromium, as the browser tests drive it) at 1000x700, then
made smaller by optipng where it is installed.
Must not: write anything but OUT.png (everything else goes to a temporary directory).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
VIEWPORT = {"width": 1000, "height": 700}


def flask_build(app: Path, *args: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSETBUILD_")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    command = [sys.executable, "-m", "flask", "--app", "app", "assetbuild", "build", *args]
    subprocess.run(command, cwd=app, env=env, check=True, capture_output=True)


def main(argv: list[str]) -> int:
    target = Path(argv[0]) if argv else REPO / "docs" / "report.png"
    with tempfile.TemporaryDirectory() as scratch:
        app = Path(scratch) / "flask_app"
        shutil.copytree(
            REPO / "examples/flask_app", app, ignore=shutil.ignore_patterns("build", "__pycache__")
        )
        flask_build(app)
        with (app / "static/css/site.css").open("a", encoding="utf-8") as handle:
            handle.write("\nh2 { letter-spacing: 0.02em; }\n")
        with (app / "assetbuild.toml").open("a", encoding="utf-8") as handle:
            handle.write('\n[budgets]\n"css/app.css" = { gzip = "1 kB" }\n')
        report = app / "build" / "report.html"
        flask_build(app, "--report", str(report))
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
            )
            try:
                page = browser.new_page(viewport=VIEWPORT)  # type: ignore[arg-type]
                page.goto(report.as_uri(), wait_until="load")
                page.screenshot(path=str(target))
            finally:
                browser.close()
    optipng = shutil.which("optipng")  # lossless; about a fifth smaller (Debian: optipng)
    if optipng is not None:
        subprocess.run([optipng, "-o5", "-quiet", str(target)], check=True)
    print(f"wrote {target} ({target.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
