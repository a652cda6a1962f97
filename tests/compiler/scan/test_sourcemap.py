"""The ``sourceMappingURL`` comment of a script (assetbuild.compiler.scan.sourcemap)."""

from __future__ import annotations

import pytest

from assetbuild.compiler.scan.reference import Reference
from assetbuild.compiler.scan.sourcemap import sourcemap_references


def test_a_line_comment_at_the_end_is_a_sourcemap_reference() -> None:
    text = "var a = 1;\n  //# sourceMappingURL=app.js.map"
    assert sourcemap_references(text) == [
        Reference("app.js.map", "sourcemap", 34, 44, 13, 44, "", 2, 24)
    ]


@pytest.mark.parametrize(
    "comment",
    [
        "//# sourceMappingURL=a.map",
        "//@ sourceMappingURL=a.map",
        "/*# sourceMappingURL=a.map */",
        "/*@ sourceMappingURL=a.map */",
    ],
)
def test_every_form_browsers_read_is_found(comment: str) -> None:
    assert [ref.url for ref in sourcemap_references(f"x();\n{comment}\n")] == ["a.map"]


@pytest.mark.parametrize(
    ("text", "url"),
    [
        ("!function(){a()}();//# sourceMappingURL=lib.min.js.map", "lib.min.js.map"),
        ("x(); //@ sourceMappingURL=old.map\n\n", "old.map"),
        ('u = "http://example.com/";//# sourceMappingURL=u.map', "u.map"),
        ("x();/*# sourceMappingURL=block.map */", "block.map"),
    ],
)
def test_a_comment_after_code_on_the_last_line_is_one(text: str, url: str) -> None:
    (ref,) = sourcemap_references(text)
    assert ref.url == url
    assert text[ref.token_start : ref.token_end].lstrip().startswith(("//", "/*"))
    assert text[ref.token_end :].strip() == ""


@pytest.mark.parametrize(
    "text",
    [
        'var s = "//# sourceMappingURL=a.map";',  # in a string: its quote follows the URL
        "x(); //# sourceMappingURL=a.map\ny();",  # after code, but not on the last line
        "f(); // see //# sourceMappingURL=a.map",  # inside an earlier comment
        "var a = 1;",
    ],
)
def test_text_that_browsers_do_not_read_as_the_comment_is_not_one(text: str) -> None:
    assert sourcemap_references(text) == []


@pytest.mark.parametrize(
    ("eol", "lines"),
    # U+2028 and U+2029 end a line for JavaScript, not for editors, which number the places.
    [("\r\n", [2, 4]), ("\r", [2, 4]), ("\u2028", [1, 1]), ("\u2029", [1, 1])],
)
def test_every_javascript_line_terminator_ends_the_comment(eol: str, lines: list[int]) -> None:
    text = f"a(){eol}//# sourceMappingURL=a.map{eol}b(){eol}//# sourceMappingURL=z.map{eol}"
    found = sourcemap_references(text)
    assert [(ref.url, ref.line) for ref in found] == [("a.map", lines[0]), ("z.map", lines[1])]


def test_places_count_lines_as_the_other_scanners_do() -> None:
    text = "a\r\nb\r\n\t//# sourceMappingURL=x.map\n//# sourceMappingURL=y.map"
    places = [(ref.url, ref.line, ref.column) for ref in sourcemap_references(text)]
    assert places == [("x.map", 3, 23), ("y.map", 4, 22)]
