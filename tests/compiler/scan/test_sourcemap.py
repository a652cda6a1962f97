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
    "text",
    [
        "x(); //# sourceMappingURL=a.map",  # not at the start of a line
        'var s = "//# sourceMappingURL=a.map";',
        "var a = 1;",
    ],
)
def test_a_comment_that_does_not_start_a_line_is_not_one(text: str) -> None:
    assert sourcemap_references(text) == []


def test_places_count_lines_as_the_other_scanners_do() -> None:
    text = "a\r\nb\r\n\t//# sourceMappingURL=x.map\n//# sourceMappingURL=y.map"
    places = [(ref.url, ref.line, ref.column) for ref in sourcemap_references(text)]
    assert places == [("x.map", 3, 23), ("y.map", 4, 22)]
