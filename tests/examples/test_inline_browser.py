"""A bundle with ``inline_max``, in Chromium: its small images draw from the data: URIs the build
wrote into the stylesheet, and the page asks the server for none of them.

A release is built and served from 127.0.0.1 by a plain file server. Chromium reads each
element's background image out of the stylesheet; that URL is drawn onto a canvas, so the pixels
show what the browser decoded (a data: URI does not taint a canvas).
"""

from __future__ import annotations

import struct
import zlib
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


def solid_png(rgb: tuple[int, int, int], side: int = 4) -> bytes:
    row = b"\0" + bytes(rgb) * side

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * side))
        + chunk(b"IEND", b"")
    )


SOURCES: dict[str, str | bytes] = {
    "static/css/app.css": (
        "#red { width: 4px; height: 4px; background: url(../img/red.png) }\n"
        "#green { width: 4px; height: 4px; background-image: url('../img/green.svg') }\n"
    ),
    "static/img/red.png": solid_png((255, 0, 0)),
    # Quotes, '#' and a newline: what the percent-encoding must carry through CSS and the URI.
    "static/img/green.svg": (
        '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4">\n'
        "  <rect width='4' height='4' fill=\"#00ff00\"/>\n</svg>\n"
    ),
}

# The pixel at the centre of what the element's background image decodes to, as "r,g,b,a".
PIXEL = """async (id) => {
    const css = getComputedStyle(document.getElementById(id)).backgroundImage;
    const url = css.slice(5, -2);  // url("...")
    const image = new Image();
    image.src = url;
    await image.decode();
    const canvas = document.createElement("canvas");
    canvas.width = image.width; canvas.height = image.height;
    const context = canvas.getContext("2d");
    context.drawImage(image, 0, 0);
    return [url.slice(0, 19), context.getImageData(2, 2, 1, 1).data.join(",")];
}"""


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[str, Assets]]:
    write(tmp_path, SOURCES)
    (tmp_path / "assetbuild.toml").write_text(
        'source = "static"\noutput = "release"\nurl = "/static/"\ncompress = []\n'
        '[bundles."css/bundle.css"]\ninputs = ["css/app.css"]\ninline_max = "2 kB"\n'
    )
    build(load_config(cwd=tmp_path, environ={}), jobs=1)
    with serve_release(tmp_path / "release") as origin:
        yield origin, Assets(tmp_path / "release/manifest.json")


def test_embedded_images_draw_from_the_stylesheet_with_no_request_for_them(
    browser: Browser, site: tuple[str, Assets]
) -> None:
    origin, assets = site
    page = (
        f"<!doctype html><html><head>{assets.tag('css/bundle.css')}</head>"
        '<body><div id="red"></div><div id="green"></div></body></html>'
    )
    with visit(browser, f"{origin}/", html=page) as seen:
        assert seen.page.evaluate(PIXEL, "red") == ["data:image/png;base", "255,0,0,255"]
        assert seen.page.evaluate(PIXEL, "green") == ["data:image/svg+xml,", "0,255,0,255"]
        assert seen.errors() == [] and seen.failed == []
        assert [url for url in seen.requested if "/img/" in url] == []
        assert origin + assets.url("css/bundle.css") in seen.requested
    # Still published, for whatever else names them.
    assert "img/red.png" in assets and "img/green.svg" in assets
