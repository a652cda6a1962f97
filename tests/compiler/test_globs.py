from __future__ import annotations

import pytest

from assetbuild.compiler.globs import compile_glob, is_glob


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("css/*.css", "css/app.css", True),
        ("css/*.css", "css/vendor/app.css", False),
        ("**/*.css", "app.css", True),
        ("**/*.css", "a/b/c/app.css", True),
        ("js/**/*.js", "js/main.js", True),
        ("js/**/*.js", "js/a/b/main.js", True),
        ("js/**/*.js", "jsx/main.js", False),
        ("scss/**", "scss/a/_b.scss", True),
        ("scss/**", "scss2/a.scss", False),
        ("img/?.png", "img/a.png", True),
        ("img/?.png", "img/ab.png", False),
        ("img/[ab].png", "img/b.png", True),
        ("img/[!ab].png", "img/c.png", True),
        ("img/[!ab].png", "img/a.png", False),
        ("a+b (1).css", "a+b (1).css", True),
        ("css/app.css", "css/app.css", True),
        ("css/app.css", "css/appXcss", False),
    ],
)
def test_a_glob_matches_logical_paths_segment_by_segment(
    pattern: str, path: str, expected: bool
) -> None:
    assert compile_glob(pattern).matches(path) is expected


def test_a_plain_path_is_not_a_glob() -> None:
    assert not is_glob("css/app.css")
    assert is_glob("css/*.css")
