from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

import pytest
from webassets.filter import Filter, register_filter

from assetbuild.compiler import assembly, cache
from assetbuild.compiler.bundles import (
    filter_chain,
    imported_stems,
    join_css,
    join_js,
    stems_of,
    with_charset,
)
from assetbuild.compiler.config import load_config
from assetbuild.errors import BuildError, ConfigError


def run_node(script: str) -> list[str]:
    program = f"global.window = global; window.ran = [];\n{script}\nconsole.log(JSON.stringify(window.ran));"
    done = subprocess.run(["node", "-e", program], capture_output=True, text=True, check=True)
    return list(json.loads(done.stdout))


@pytest.mark.parametrize(
    "first",
    [
        'window.ran.push("a"); function foo() { return function () {}; }\nfoo()',  # no semicolon
        'window.ran.push("a")\n// a trailing line comment with no newline',
        'window.ran.push("a");',
        '\ufeffwindow.ran.push("a")',  # a byte-order mark
    ],
)
def test_joined_scripts_run_as_if_loaded_one_after_the_other(first: str) -> None:
    second = '(function () { window.ran.push("b"); })()'
    assert run_node(join_js([first, second])) == ["a", "b"]


def test_joined_and_minified_scripts_still_run() -> None:
    chain = filter_chain(["rjsmin"], bundle="app.js", config_file="x.toml", source_dir=".")
    joined = join_js(
        [
            'window.ran.push("a")\nfoo = function(){}\nfoo()',
            '(function(){ window.ran.push("b") })()',
        ]
    )
    assert run_node(chain.output(joined, "app.js").text) == ["a", "b"]


def test_hoisted_imports_come_first_and_bodies_keep_their_order() -> None:
    css = join_css(['@import url("x.css") print;'], ["a { b: c }", "\ufeffd { e: f }"])
    assert css.startswith('@import url("x.css") print;')
    assert css.index("a {") < css.index("d {")
    assert "\ufeff" not in css


def test_a_charset_is_added_only_where_the_text_needs_one() -> None:
    assert with_charset("a{content:'x'}") == "a{content:'x'}"
    assert with_charset("a{content:'é'}") == "@charset \"UTF-8\";a{content:'é'}"


def test_license_comments_survive_minification() -> None:
    chain = filter_chain(["rcssmin"], bundle="app.css", config_file="x.toml", source_dir=".")
    assert (
        chain.output("/*! MIT licensed */\n/* plain */\na {  color : red ; }", "app.css").text
        == "/*! MIT licensed */a{color:red}"
    )


def test_any_webassets_filter_runs_by_name(tmp_path: object) -> None:
    chain = filter_chain(
        ["jinja2", "rcssmin"], bundle="app.css", config_file="x.toml", source_dir="."
    )
    text = chain.input("a { width: {{ 2 * 3 }}px; }", "a.css", "app.css").text
    assert chain.output(text, "app.css").text == "a{width:6px}"


def test_an_unknown_filter_is_a_config_error_naming_the_bundle() -> None:
    with pytest.raises(ConfigError, match="'no-such-filter'") as caught:
        filter_chain(["no-such-filter"], bundle="app.css", config_file="x.toml", source_dir=".")
    assert caught.value.key == 'bundles."app.css".filters'


class Recording(Filter):  # type: ignore[misc]
    """A webassets filter that records what webassets would hand it, or fails."""

    name = "assetbuild-test-recording"
    seen: list[dict[str, str]] = []

    def input(self, _in: io.StringIO, out: io.StringIO, **kwargs: str) -> None:
        if "boom" in (text := _in.read()):
            raise ValueError("boom")
        Recording.seen.append(kwargs)
        out.write(text)


register_filter(Recording)


def test_a_webassets_filter_gets_the_names_and_paths_webassets_gives_it(tmp_path: Path) -> None:
    Recording.seen.clear()
    chain = filter_chain(
        [Recording.name], bundle="css/app.css", config_file="x.toml", source_dir=str(tmp_path)
    )
    source = str(tmp_path / "css/site.css")
    assert chain.input("a {}", source, "css/app.css").text == "a {}"
    assert Recording.seen == [
        {
            "source": "css/site.css",
            "source_path": source,
            "output": "css/app.css",
            "output_path": str(tmp_path / "css/app.css"),
        }
    ]


def test_a_failing_webassets_filter_is_a_problem_with_the_file_not_a_traceback() -> None:
    chain = filter_chain([Recording.name], bundle="app.css", config_file="x.toml", source_dir=".")
    with pytest.raises(BuildError) as caught:
        chain.input("a { boom }", "css/site.css", "app.css")
    [problem] = caught.value.problems
    assert problem.file == "css/site.css"
    assert problem.message.startswith(
        f"webassets filter '{Recording.name}' failed (ValueError: boom); fix its input"
    )


def test_webassets_cssrewrite_builds_the_sample_site_and_is_never_cached(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache, "RACY_SECONDS", 0)  # the fixture's files were just copied
    config = site / "assetbuild.toml"
    text = config.read_text().replace(
        'inputs = ["css/reset.css", "css/site.css"]',
        'inputs = ["css/reset.css", "css/site.css"]\nfilters = ["cssrewrite", "rcssmin"]',
    )
    config.write_text(text)
    first = assembly.build(load_config(cwd=site, environ={}), use_cache=True)
    app = first.published.manifest.assets["css/app.css"]
    css = (site / "build/static" / app.path).read_text()
    assert "url(../img/bg." in css.replace("'", "").replace(" ", "")
    again = assembly.build(load_config(cwd=site, environ={}), use_cache=True)
    assert again.published.manifest == first.published.manifest
    records = json.loads((site / "build/.static.assetbuild/cache.json").read_bytes())["files"]
    assert "js/app.js" in records  # rjsmin only: cached
    assert "css/app.css" not in records  # a webassets filter: built every time


# -- what a compiler's imports can name ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "stems"),
    [
        ('@import "partials/_colors.less";\n.a { b: c }', {"colors"}),
        ("@use 'theme' with ($primary: blue);", {"theme"}),
        ('@import (reference) url("mixins.less");', {"mixins"}),
        ("@import url(print.css) print;", {"print"}),
        ('@import "a",\n        "b";', {"a", "b"}),  # a list over lines is read to its end
        ("@import colors, grid\n.a\n  color: red", {"colors", "grid"}),  # indented syntax
        ("@require 'nib'", {"nib"}),
        (".a { color: red }", set()),
    ],
)
def test_the_names_an_import_gives_are_found_as_stems(text: str, stems: set[str]) -> None:
    assert imported_stems(text) == stems


@pytest.mark.parametrize(
    "text",
    ['@import "@{theme}/vars.less";', '@import "#{$dir}/x";', "@import 'mixins/*'", "@import $x"],
)
def test_an_import_whose_name_is_made_when_compiling_cannot_be_known(text: str) -> None:
    assert imported_stems(text) is None


def test_a_file_is_found_by_its_stem_and_an_index_by_its_directory_too() -> None:
    assert stems_of("less/partials/_Colors.less") == ("colors",)
    assert stems_of("scss/theme/_index.scss") == ("index", "theme")
    assert stems_of("css/bootstrap.min.css") == ("bootstrap.min",)
    assert stems_of("img/logo.png") == ("logo.png",)
    assert stems_of("scss/_theme.import.scss") == ("theme.import", "theme")
