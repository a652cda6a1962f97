"""Every reference form CSS allows, and every way the peers break, on standalone and bundled CSS,
minified and not: each row is built through the real pipeline and its output read back."""

from __future__ import annotations

import posixpath
import shutil
from pathlib import Path
from urllib.parse import unquote

import pytest

from assetbuild.compiler.assembly import build
from assetbuild.compiler.config import load_config
from assetbuild.compiler.scan import css
from assetbuild.errors import BuildError
from tests.conftest import write

PNG = bytes.fromhex("89504e470d0a1a0a")  # enough of a PNG for the release; never decoded
FILES: dict[str, str | bytes] = {
    "img/a.png": PNG + b"a",
    "img/b.png": PNG + b"b",
    "img/a b.png": PNG + b"space",
    "img/l'o\"g(o).png": PNG + b"quotes",
    "img/été.png": PNG + b"accents",
    "fonts/f.woff2": b"wOF2",
    "fonts/f.eot": b"eot",
    "css/other.css": ".other { color: red }\n",
    "css/page.css.map": '{"version":3}',
}

# (id, css written in css/page.css, logical paths its output must reference in order, text that must survive)
ROWS = [
    ("unquoted", "a { b: url(../img/a.png) }", ["img/a.png"], []),
    ("single quotes", "a { b: url('../img/a.png') }", ["img/a.png"], []),
    ("double quotes", 'a { b: url("../img/a.png") }', ["img/a.png"], []),
    ("spaces inside url() (Django crashes)", "a { b: url(  '../img/a.png'  ) }", ["img/a.png"], []),
    (
        "newlines inside url() (Django leaves it unhashed)",
        "a { b: url(\n  ../img/a.png\n) }",
        ["img/a.png"],
        [],
    ),
    ("upper-case URL()", "a { b: URL(../img/a.png) }", ["img/a.png"], []),
    ("css escapes in the url", r"a { b: url(../img/a\.png) }", ["img/a.png"], []),
    (
        "image-set strings (Django leaves them)",
        'a { b: image-set("../img/a.png" 1x, "../img/b.png" 2x) }',
        ["img/a.png", "img/b.png"],
        [],
    ),
    (
        "-webkit-image-set with url()",
        "a { b: -webkit-image-set(url(../img/a.png) 1x, '../img/b.png' 2x) }",
        ["img/a.png", "img/b.png"],
        [],
    ),
    (
        "image-set type() is not a url",
        'a { b: image-set("../img/a.png" type("image/png")) }',
        ["img/a.png"],
        ['"image/png"'],
    ),
    (
        "font-face src with format",
        '@font-face { font-family: f; src: url(../fonts/f.woff2) format("woff2") }',
        ["fonts/f.woff2"],
        ['format("woff2")'],
    ),
    (
        "?#iefix kept (webassets drops the ?)",
        "@font-face { font-family: f; src: url('../fonts/f.eot?#iefix') }",
        ["fonts/f.eot"],
        ["?#iefix"],
    ),
    ("query and fragment kept", "a { b: url(../img/a.png?v=2#x) }", ["img/a.png"], ["?v=2#x"]),
    ("percent-encoded space", "a { b: url(../img/a%20b.png) }", ["img/a b.png"], []),
    (
        "a space in quotes survives minification (rcssmin eats it)",
        'a { b: url("../img/a b.png") }',
        ["img/a b.png"],
        [],
    ),
    (
        "quotes and parentheses in a file name",
        'a { b: url("../img/l\'o\\"g(o).png") }',
        ["img/l'o\"g(o).png"],
        [],
    ),
    ("non-ASCII file name", "a { b: url(../img/été.png) }", ["img/été.png"], []),
    ("absolute under the url prefix", "a { b: url(/static/img/a.png) }", ["img/a.png"], []),
    (
        "data: left alone",
        "a { b: url(data:image/png;base64,iVBORw0KGgo=) }",
        [],
        ["url(data:image/png;base64,iVBORw0KGgo=)"],
    ),
    (
        "scheme left alone",
        "a { b: url(https://example.com/x.png) }",
        [],
        ["url(https://example.com/x.png)"],
    ),
    (
        "protocol-relative left alone",
        "a { b: url(//cdn.example.com/x.png) }",
        [],
        ["url(//cdn.example.com/x.png)"],
    ),
    ("fragment-only left alone", "a { filter: url(#blur) }", [], ["url(#blur)"]),
    (
        "url() in a comment is ignored (Django crashes)",
        "/* url(../img/missing.png) */ a { b: url(../img/a.png) }",
        ["img/a.png"],
        [],
    ),
    (
        "url() in a string is ignored",
        'a::before { content: "url(../img/missing.png)" }',
        [],
        ['"url(../img/missing.png)"'],
    ),
    (
        "a longer identifier ending in url is not url()",
        "a { b: myurl(../img/missing.png) }",
        [],
        ["myurl(../img/missing.png)"],
    ),
    ("unquoted url containing /*", "a { b: url(//example.com/*) }", [], ["url(//example.com/*)"]),
]


def build_row(tmp_path: Path, source_css: str, mode: str) -> tuple[str, dict[str, str]]:
    """Build ``source_css`` as css/page.css in ``mode``; return the output text and release paths."""
    bundles = {
        "standalone": "",
        "bundle-minified": '[bundles]\n"dist/bundle.css" = ["css/page.css"]\n',
        "bundle-unminified": '[bundles."dist/bundle.css"]\ninputs = ["css/page.css"]\nfilters = []\n',
    }[mode]
    root = tmp_path / mode
    shutil.rmtree(root, ignore_errors=True)
    files = {f"static/{k}": v for k, v in FILES.items()}
    write(
        root,
        {
            **files,
            "static/css/page.css": source_css,
            "assetbuild.toml": f'source = "static"\noutput = "out"\ncompress = []\n{bundles}',
        },
    )
    result = build(load_config(cwd=root, environ={}))
    assets = result.published.manifest.assets
    name = "css/page.css" if mode == "standalone" else "dist/bundle.css"
    text = (root / "out" / assets[name].path).read_text("utf-8")
    return text, {logical: entry.path for logical, entry in assets.items()} | {
        "__self__": assets[name].path
    }


def referenced(text: str, release_paths: dict[str, str]) -> list[str]:
    """The logical paths that the local references of ``text`` reach, in order."""
    by_release = {path: logical for logical, path in release_paths.items() if logical != "__self__"}
    base = posixpath.dirname(release_paths["__self__"])
    found = []
    for ref in css.scan(text):
        url = ref.url
        if not url or url.startswith(("data:", "#", "//")) or "://" in url:
            continue
        path = unquote(url.split("?")[0].split("#")[0])
        target = posixpath.normpath(posixpath.join(base, path))
        assert target in by_release, f"{url} reaches {target}, not a release file"
        found.append(by_release[target])
    return found


@pytest.mark.parametrize("mode", ["standalone", "bundle-minified", "bundle-unminified"])
@pytest.mark.parametrize(
    ("source_css", "targets", "survivors"), [row[1:] for row in ROWS], ids=[row[0] for row in ROWS]
)
def test_each_reference_form_is_rewritten_to_the_fingerprinted_file(
    tmp_path: Path, mode: str, source_css: str, targets: list[str], survivors: list[str]
) -> None:
    text, release_paths = build_row(tmp_path, source_css, mode)
    assert referenced(text, release_paths) == targets
    for survivor in survivors:
        assert survivor in text


@pytest.mark.parametrize("mode", ["standalone", "bundle-minified", "bundle-unminified"])
def test_a_source_map_that_exists_is_published_and_rewritten(tmp_path: Path, mode: str) -> None:
    text, release_paths = build_row(
        tmp_path, "a { b: c }\n/*# sourceMappingURL=page.css.map */\n", mode
    )
    if mode == "standalone":
        assert referenced(text, release_paths) == ["css/page.css.map"]
    else:  # a map describes one input, not the bundle
        assert "sourceMappingURL" not in text


@pytest.mark.parametrize("mode", ["standalone", "bundle-minified", "bundle-unminified"])
def test_a_source_map_that_is_missing_is_a_warning_and_the_comment_goes(
    tmp_path: Path, mode: str
) -> None:
    text, _ = build_row(tmp_path, "a { b: c }\n/*# sourceMappingURL=vendor.css.map */\n", mode)
    assert "sourceMappingURL" not in text
    assert "a" in text


def test_a_standalone_import_points_at_the_fingerprinted_file(tmp_path: Path) -> None:
    text, release_paths = build_row(
        tmp_path, '@import "other.css";\n@import url(other.css) screen;\na { b: c }', "standalone"
    )
    assert referenced(text, release_paths) == ["css/other.css", "css/other.css"]
    assert "screen" in text


@pytest.mark.parametrize("mode", ["bundle-minified", "bundle-unminified"])
def test_a_bundle_inlines_plain_imports_and_hoists_conditional_ones(
    tmp_path: Path, mode: str
) -> None:
    source = '@charset "utf-8";\n@import "other.css";\n@import url("other.css") print;\na { b: url(../img/a.png) }'
    text, release_paths = build_row(tmp_path, source, mode)
    assert referenced(text, release_paths) == ["css/other.css", "img/a.png"]
    assert text.lstrip().startswith("@import")  # the hoisted rule comes first
    assert ".other" in text and text.index(".other") < text.index(
        "a{" if mode == "bundle-minified" else "a {"
    )
    assert "@charset" not in text  # ASCII text needs none


def test_a_reference_outside_the_sources_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BuildError) as caught:
        build_row(tmp_path, "a { b: url(../../../../etc/passwd) }", "standalone")
    (problem,) = caught.value.problems
    assert "outside the source directories" in problem.message
    assert (problem.line, problem.column) == (1, 12)
    assert not (tmp_path / "standalone" / "out" / "manifest.json").exists()


@pytest.mark.parametrize("filters", ["", "filters = []\n"])
def test_a_css_bundle_has_one_charset_first_and_no_byte_order_marks(
    tmp_path: Path, filters: str
) -> None:
    write(
        tmp_path,
        {
            "static/a.css": '\ufeff@charset "utf-8";\n.a::before { content: "é" }\n',
            "static/b.css": '@charset "UTF-8";\n/* c */ @charset "utf-8";\n.b::before { content: "ü" }\n',
            "assetbuild.toml": f'source = "static"\noutput = "out"\ncompress = []\n[bundles."all.css"]\ninputs = ["a.css", "b.css"]\n{filters}',
        },
    )
    result = build(load_config(cwd=tmp_path, environ={}))
    data = (tmp_path / "out" / result.published.manifest.assets["all.css"].path).read_bytes()
    assert data.startswith(b'@charset "UTF-8";')
    assert data.count(b"@charset") == 1
    assert b"\xef\xbb\xbf" not in data
    assert "é" in data.decode("utf-8") and "ü" in data.decode("utf-8")


MINIFIED = "!function(n){n.lib={v:1}}(window);//# sourceMappingURL=lib.min.js.map"


def test_a_minified_script_whose_map_comment_follows_code_points_at_the_fingerprinted_map(
    tmp_path: Path,
) -> None:
    write(tmp_path, {"static/js/lib.min.js": MINIFIED, "static/js/lib.min.js.map": "{}"})
    (tmp_path / "assetbuild.toml").write_text('source = "static"\noutput = "out"\n')
    result = build(load_config(cwd=tmp_path, environ={}), jobs=1)
    paths = {o.logical_path: o.release_path for o in result.outputs}
    published = (tmp_path / "out" / paths["js/lib.min.js"]).read_text()
    map_name = posixpath.basename(paths["js/lib.min.js.map"])
    assert published == MINIFIED.replace("lib.min.js.map", map_name)
    assert not result.warnings


def test_a_minified_script_whose_map_is_missing_warns_and_loses_the_comment(
    tmp_path: Path,
) -> None:
    write(tmp_path, {"static/js/lib.min.js": MINIFIED})
    (tmp_path / "assetbuild.toml").write_text('source = "static"\noutput = "out"\n')
    result = build(load_config(cwd=tmp_path, environ={}), jobs=1)
    (output,) = result.outputs
    assert (tmp_path / "out" / output.release_path).read_text() == MINIFIED.split("//#")[0]
    (warning,) = result.warnings
    assert "sourceMappingURL=lib.min.js.map" in warning.message and warning.line == 1


def test_a_bundle_drops_an_input_s_map_comment_that_follows_code(tmp_path: Path) -> None:
    write(tmp_path, {"static/js/lib.min.js": MINIFIED, "static/js/main.js": "main();\n"})
    (tmp_path / "assetbuild.toml").write_text(
        'source = "static"\noutput = "out"\n[bundles]\n"js/app.js" = ["js/lib.min.js", "js/main.js"]\n'
    )
    result = build(load_config(cwd=tmp_path, environ={}), jobs=1)
    (output,) = [o for o in result.outputs if o.logical_path == "js/app.js"]
    text = (tmp_path / "out" / output.release_path).read_text()
    assert "sourceMappingURL" not in text and "main()" in text
