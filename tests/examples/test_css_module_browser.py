"""A module that imports a stylesheet ``with { type: "css" }``, in Chromium.

The runtime preloads what a module imports; a ``modulepreload`` fetches as a script, so one for
the stylesheet would be refused for its MIME type (a console error) and fetched a second time.
Here a release is built and served from 127.0.0.1 by a plain file server; the page is made with
the runtime's own ``importmap()`` and ``tag(..., type="module")``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from assetbuild.compiler.assembly import build
from assetbuild.compiler.config import load_config
from assetbuild.runtime import Assets
from tests.conftest import write
from tests.examples.browsing import serve_release, visit

pytestmark = pytest.mark.browser

SOURCES = {
    "static/js/app.js": (
        'import sheet from "../css/theme.css" with { type: "css" };\n'
        'import { mark } from "./mark.js";\n'
        "document.adoptedStyleSheets = [sheet];\n"
        'mark("ran");\n'
    ),
    "static/js/mark.js": "export function mark(v) { document.documentElement.dataset.app = v; }\n",
    "static/css/theme.css": "body { background-color: rgb(1, 2, 3); }\n",
}


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[str, Assets]]:
    write(tmp_path, SOURCES)
    (tmp_path / "assetbuild.toml").write_text(
        'source = "static"\noutput = "release"\nurl = "/static/"\nmodules = ["js/**/*.js"]\n'
        "compress = []\n"
    )
    build(load_config(cwd=tmp_path, environ={}), jobs=1)
    with serve_release(tmp_path / "release") as origin:
        yield origin, Assets(tmp_path / "release/manifest.json")


def test_a_css_module_is_not_preloaded_as_a_script_and_loads_once(
    browser: Browser, site: tuple[str, Assets]
) -> None:
    origin, assets = site
    tag = str(assets.tag("js/app.js", type="module"))
    assert "theme" not in tag and tag.count('rel="modulepreload"') == 1  # mark.js only
    page = f"<!doctype html><html><head>{assets.importmap()}{tag}</head><body></body></html>"
    with visit(browser, f"{origin}/", html=page) as seen:
        seen.page.wait_for_function("document.documentElement.dataset.app === 'ran'")
        background = seen.page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert seen.errors() == [] and seen.failed == []
        assert background == "rgb(1, 2, 3)"
        css = assets.url("css/theme.css")
        assert [url for url in seen.requested if url.endswith(css)] == [origin + css]
