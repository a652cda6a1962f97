"""Embedding small images as data: URIs: the encoding on its own, then bundles with ``inline_max``
built through the real assembly and their release read back (URIs decoded with the standard
library and compared with the files' bytes)."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import struct
import sys
import zlib
from pathlib import Path
from urllib.parse import unquote_to_bytes

import pytest

from assetbuild.compiler.assembly import BuildResult, build
from assetbuild.compiler.config import load_config
from assetbuild.compiler.inline import data_uri, embeddable, image_type
from assetbuild.compiler.scan import css
from tests.conftest import assetbuild, write


def png(width: int, height: int, seed: str) -> bytes:
    """A real PNG (8-bit RGB) of noise: it does not compress, so its size follows its area."""
    noise = hashlib.shake_256(seed.encode()).digest(width * height * 3)
    rows = b"".join(b"\0" + noise[y * width * 3 : (y + 1) * width * 3] for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


# Every character an SVG's URI must not carry as it is: quotes of both kinds, # and %, < >,
# parentheses, a backslash, whitespace runs (tabs and newlines), and text beyond ASCII.
SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 8">\n'
    "\t<!-- 100% \\ (café) -->\n"
    "  <rect width='8' height='8' fill=\"#0a0\"/>\n"
    "</svg>\n"
).encode()


# -- The encoding ----------------------------------------------------------------------------------


def test_a_png_becomes_base64_under_its_own_type_and_decodes_to_its_bytes() -> None:
    image = png(2, 2, "red")
    uri = data_uri("img/dot.png", image)
    assert uri.startswith("data:image/png;base64,")
    assert base64.b64decode(uri.partition(",")[2], validate=True) == image


def test_an_svg_is_percent_encoded_and_decodes_to_exactly_its_bytes() -> None:
    uri = data_uri("img/mark.svg", SVG)
    head, _, body = uri.partition(",")
    assert head == "data:image/svg+xml"
    assert unquote_to_bytes(body) == SVG
    # Nothing a URI or a CSS url() token of any form would read differently: no escapes needed.
    assert not set(body) & set("\"'()\\#<> \t\n\r") and body.isascii()
    assert "<svg" not in body and "%3Csvg" in body


@pytest.mark.parametrize(
    ("name", "mime"),
    [
        ("img/a.png", "image/png"),
        ("img/a.JPG", "image/jpeg"),
        ("img/a.jpeg", "image/jpeg"),
        ("a.gif", "image/gif"),
        ("img/a.webp", "image/webp"),
        ("img/a.avif", "image/avif"),
        ("img/a.svg", "image/svg+xml"),
        ("favicon.ico", "image/x-icon"),
        ("fonts/a.woff2", None),  # fonts are never embedded (see inline's docstring)
        ("fonts/a.woff", None),
        ("fonts/a.ttf", None),
        ("img/a.svgz", None),  # gzipped: not a type a data: URI would be decoded as
        ("img/png", None),
        ("img/.png", None),
        ("css/a.css", None),
    ],
)
def test_the_type_comes_from_the_projects_own_table(name: str, mime: str | None) -> None:
    assert image_type(name) == mime


def test_a_fragment_or_an_import_keeps_its_reference_and_a_query_does_not() -> None:
    assert embeddable("url", "")
    assert embeddable("image-set", "")
    assert embeddable("url", "?v=2")
    assert not embeddable("url", "#home")
    assert not embeddable("url", "?v=2#home")
    assert not embeddable("import", "")
    assert not embeddable("sourcemap", "")


def test_a_file_that_is_no_image_has_no_data_uri() -> None:
    with pytest.raises(ValueError, match="fonts/a.woff2"):
        data_uri("fonts/a.woff2", b"wOF2")


# -- Through the build ----------------------------------------------------------------------------

SMALL = png(4, 4, "small")  # about 100 bytes
BIG = png(24, 24, "big")  # about 1.8 kB
APP = (
    ".small { background: url(../img/small.png) }\n"
    '.big { background: url("../img/big.png") }\n'
    ".mark { background-image: url('../img/mark.svg') }\n"
    ".sprite { background: url(../img/icons.svg#home) }\n"
    ".busted { background: url(../img/small.png?v=2) }\n"
    ".hidpi { background: image-set('../img/small.png' 1x, '../img/big.png' 2x) }\n"
    '@font-face { font-family: F; src: url(../fonts/f.woff2) format("woff2") }\n'
)


def project(root: Path, inline_max: str | None = '"1 kB"') -> Path:
    write(
        root,
        {
            "static/css/app.css": APP,
            "static/css/page.css": ".page { background: url(../img/small.png) }\n",
            "static/img/small.png": SMALL,
            "static/img/big.png": BIG,
            "static/img/mark.svg": SVG,
            "static/img/icons.svg": SVG,
            "static/fonts/f.woff2": b"wOF2 small enough to embed, were it an image",
        },
    )
    option = f"inline_max = {inline_max}\n" if inline_max is not None else ""
    (root / "assetbuild.toml").write_text(
        'source = "static"\noutput = "build/static"\ncompress = []\n'
        f'[bundles."css/bundle.css"]\ninputs = ["css/app.css"]\n{option}'
    )
    return root


def built(root: Path) -> tuple[BuildResult, dict[str, str]]:
    """The build, and each asset's release path."""
    result = build(load_config(cwd=root, environ={}), jobs=1)
    return result, {name: entry.path for name, entry in result.published.manifest.assets.items()}


def urls(root: Path, release_path: str) -> list[str]:
    """The URLs a stylesheet of the release names, read back by the scanner, in order."""
    text = (root / "build/static" / release_path).read_text("utf-8")
    return [reference.url for reference in css.scan(text)]


def test_images_smaller_than_the_limit_are_embedded_and_the_rest_stay_references(
    tmp_path: Path,
) -> None:
    root = project(tmp_path)
    assert len(SMALL) < 1000 < len(BIG) and len(SVG) < 1000
    _, paths = built(root)
    # In the order written: .small, .big, .mark, .sprite, .busted, image-set's 1x and 2x, @font-face
    small, big, mark, sprite, busted, one, two, font = urls(root, paths["css/bundle.css"])

    assert small.startswith("data:image/png;base64,")
    assert base64.b64decode(small.partition(",")[2]) == SMALL
    assert mark.startswith("data:image/svg+xml,")
    assert unquote_to_bytes(mark.partition(",")[2]) == SVG
    assert sprite == "../" + paths["img/icons.svg"] + "#home"  # a sprite's part stays a reference
    assert big == "../" + paths["img/big.png"]
    assert font == "../" + paths["fonts/f.woff2"]
    assert busted == one == small  # the query goes with the URL
    assert two == big


def test_every_file_is_still_published_and_another_stylesheet_references_it(
    tmp_path: Path,
) -> None:
    root = project(tmp_path)
    _, paths = built(root)
    for name, data in [("img/small.png", SMALL), ("img/mark.svg", SVG)]:
        assert (root / "build/static" / paths[name]).read_bytes() == data
    assert urls(root, paths["css/page.css"]) == ["../" + paths["img/small.png"]]
    _, without = built(project(tmp_path / "without", inline_max=None))
    assert sorted(without) == sorted(paths)
    assert {n: p for n, p in without.items() if n != "css/bundle.css"} == {
        n: p for n, p in paths.items() if n != "css/bundle.css"
    }


def test_an_image_exactly_at_the_limit_stays_a_reference(tmp_path: Path) -> None:
    root = project(tmp_path, inline_max=str(len(SMALL)))  # an integer is a number of bytes
    _, paths = built(root)
    assert urls(root, paths["css/bundle.css"])[0] == "../" + paths["img/small.png"]

    root = project(tmp_path / "one-more", inline_max=str(len(SMALL) + 1))
    _, paths = built(root)
    assert urls(root, paths["css/bundle.css"])[0].startswith("data:image/png;base64,")


def test_the_bundle_fingerprint_changes_with_an_embedded_image_and_the_cache_sees_it(
    tmp_path: Path,
) -> None:
    root = project(tmp_path)
    _, first = built(root)
    (root / "static/img/small.png").write_bytes(png(4, 4, "changed"))
    _, second = built(root)  # the same release directory: its build cache is used
    assert second["css/bundle.css"] != first["css/bundle.css"]
    embedded = urls(root, second["css/bundle.css"])[0]
    assert base64.b64decode(embedded.partition(",")[2]) == png(4, 4, "changed")


def test_setting_the_limit_changes_the_bundle_though_no_file_changed(tmp_path: Path) -> None:
    root = project(tmp_path, inline_max=None)
    _, before = built(root)
    assert urls(root, before["css/bundle.css"])[0] == "../" + before["img/small.png"]
    project(root)  # the same files, and now inline_max
    _, after = built(root)
    assert urls(root, after["css/bundle.css"])[0].startswith("data:image/png;base64,")


def test_two_builds_in_different_directories_give_the_same_release(tmp_path: Path) -> None:
    one = project(tmp_path / "one")
    other = tmp_path / "elsewhere/two"
    shutil.copytree(one, other)
    built(one)
    built(other)
    for root in (one, other):
        assert (root / "build/static/manifest.json").is_file()
    files = [p for p in (one / "build/static").rglob("*") if p.is_file()]
    assert len(files) == 8  # 7 assets (the bundle's input is not published) and the manifest
    for file in files:
        assert (other / file.relative_to(one)).read_bytes() == file.read_bytes()
    assert sorted(p.relative_to(other) for p in (other / "build/static").rglob("*")) == sorted(
        p.relative_to(one) for p in (one / "build/static").rglob("*")
    )


def test_a_url_a_webassets_filter_writes_is_embedded_too(tmp_path: Path) -> None:
    root = project(tmp_path)
    write(
        root,
        {
            "adds_a_url.py": (
                "from webassets.filter import Filter, register_filter\n\n"
                "class AddsAUrl(Filter):\n"
                '    name = "test-adds-a-url"\n\n'
                "    def output(self, _in, out, **kwargs):\n"
                '        out.write(_in.read() + ".added { background: url(../img/mark.svg) }")\n\n'
                "register_filter(AddsAUrl)\n"
            )
        },
    )
    (root / "assetbuild.toml").write_text(
        'source = "static"\noutput = "build/static"\ncompress = []\n'
        'filter_modules = ["adds_a_url"]\n'
        '[bundles."css/bundle.css"]\ninputs = ["css/app.css"]\n'
        'filters = ["test-adds-a-url", "rcssmin"]\ninline_max = "1 kB"\n'
    )
    try:
        _, paths = built(root)  # the build imports it from the config file's directory
    finally:
        sys.modules.pop("adds_a_url", None)
    written = urls(root, paths["css/bundle.css"])
    assert unquote_to_bytes(written[-1].partition(",")[2]) == SVG
    assert written[0].startswith("data:image/png;base64,")


def test_a_bad_inline_max_is_a_config_error_with_exit_status_2(tmp_path: Path) -> None:
    root = project(tmp_path, inline_max='"two kilobytes"')
    done = assetbuild("build", cwd=root)
    assert done.returncode == 2, done.stderr
    assert 'bundles."css/bundle.css".inline_max' in done.stderr
    assert "assetbuild.toml" in done.stderr and "'two kilobytes' is not a size" in done.stderr
    assert not (root / "build").exists()


def test_the_manifest_says_nothing_new(tmp_path: Path) -> None:
    root = project(tmp_path)
    built(root)
    entry = json.loads((root / "build/static/manifest.json").read_text())["assets"][
        "css/bundle.css"
    ]
    assert sorted(entry) == ["encodings", "integrity", "path", "size", "sources"]
