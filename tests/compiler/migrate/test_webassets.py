"""`assetbuild import webassets` and ``from_environment``: webassets bundles -> assetbuild.toml.

The fixture in fixtures/webassets is a webassets YAML environment with sources. Each test converts
it (or a variation), builds the result with `assetbuild build`, and compares the bundles with what
webassets itself would join.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from webassets import Bundle, Environment
from webassets.bundle import get_all_bundle_files
from webassets.filter import get_filter
from webassets.loaders import YAMLLoader

from assetbuild.compiler.config import load_config
from assetbuild.compiler.migrate.toml_text import toml_string
from assetbuild.compiler.migrate.webassets import convert_yaml, from_environment
from assetbuild.errors import ConfigError
from tests.conftest import FIXTURES, invoke, unavailable, write

REPO = FIXTURES.parent

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

# webassets bundle name -> the assetbuild bundle the conversion makes of it
BUNDLES = {
    "css-all": "gen/packed.css",
    "css-print": "gen/print.css",
    "js-all": "gen/packed.js",
    "js-settings": "gen/settings.js",
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A private copy of fixtures/webassets: bundles.yaml and its static directory."""
    target = tmp_path / "project"
    shutil.copytree(FIXTURES / "webassets", target)
    return target


def import_and_build(project: Path) -> dict[str, Any]:
    converted = invoke(project, "import", "webassets", "bundles.yaml")
    assert converted.exit_code == 0, converted.output
    built = invoke(project, "build")
    assert built.exit_code == 0, built.output
    manifest: dict[str, Any] = json.loads(
        (project / "build/static/manifest.json").read_text("utf-8")
    )
    return manifest


def bundle_text(project: Path, manifest: dict[str, Any], name: str) -> str:
    return (project / "build/static" / manifest["assets"][name]["path"]).read_text("utf-8")


def webassets_inputs(yaml_file: Path, bundle: str) -> list[str]:
    """The files webassets itself joins into ``bundle``, relative to its directory, in order."""
    env = YAMLLoader(str(yaml_file)).load_environment()
    files = get_all_bundle_files(env[bundle])
    return list(dict.fromkeys(Path(f).relative_to(env.directory).as_posix() for f in files))


def test_each_converted_bundle_joins_the_files_webassets_joins_in_the_same_order(
    project: Path,
) -> None:
    manifest = import_and_build(project)
    for webassets_name, name in BUNDLES.items():
        expected = webassets_inputs(project / "bundles.yaml", webassets_name)
        assert manifest["assets"][name]["sources"] == expected, webassets_name
    # Nested bundles, bundle references and globs are all flattened in order.
    assert manifest["assets"]["gen/packed.js"]["sources"] == [
        "js/vendor/a-dom.js",
        "js/vendor/b-events.js",
        "js/app.js",
        "js/widgets/clock.js",
        "js/widgets/menu.js",
    ]


def test_bundles_hold_their_inputs_minified_by_the_mapped_filters(project: Path) -> None:
    manifest = import_and_build(project)
    js = bundle_text(project, manifest, "gen/packed.js")
    order = ["window.dom=", "window.events=", "startApplication(", "startClock(", "startMenu("]
    positions = [js.index(marker) for marker in order]
    assert positions == sorted(positions)
    assert "a tiny stand-in" not in js and "\n    " not in js  # rjsmin ran

    css = bundle_text(project, manifest, "gen/packed.css")
    assert css.startswith("html,body{margin:0;padding:0}.masthead{")  # rcssmin ran
    assert "dropped by the minifier" not in css


def test_cssrewrite_is_not_needed_because_references_point_to_the_fingerprinted_file(
    project: Path,
) -> None:
    manifest = import_and_build(project)
    css = bundle_text(project, manifest, "gen/packed.css")
    logo = manifest["assets"]["img/logo.svg"]["path"]
    assert f'url("../{logo}")' in css


def test_a_bundle_without_filters_in_webassets_stays_as_written(project: Path) -> None:
    manifest = import_and_build(project)
    source = (project / "static/css/print.css").read_text("utf-8")
    assert bundle_text(project, manifest, "gen/print.css") == source


def test_a_webassets_filter_name_passes_through_and_runs(project: Path) -> None:
    manifest = import_and_build(project)
    # jinja2 rendered the template ({{ 5 * 5 }}), then rjsmin minified it.
    assert bundle_text(project, manifest, "gen/settings.js") == "var SETTINGS={pageSize:25};"


def test_old_webassets_outputs_among_the_sources_are_not_published(project: Path) -> None:
    manifest = import_and_build(project)
    assert sorted(manifest["assets"]) == sorted([*BUNDLES.values(), "img/logo.svg"])


def test_the_config_says_what_was_dropped_and_why(project: Path) -> None:
    result = invoke(project, "import", "webassets", "bundles.yaml")
    assert result.exit_code == 0
    notes = result.stderr
    text = (project / "assetbuild.toml").read_text("utf-8")
    for said in (
        "'gen/packed.%(version)s.css' is now 'gen/packed.css'",
        "filter 'cssrewrite' dropped",
        'asset_tag("gen/packed.css", media="screen")',
        "'versions' dropped",
        "stays unminified (filters = [])",
    ):
        assert said in notes
        assert said in text
    assert result.stdout == (
        "wrote assetbuild.toml: 4 bundles, 4 aliases; review it, then run: assetbuild build\n"
    )


def test_the_config_has_the_directory_url_and_bundles_of_the_yaml(project: Path) -> None:
    assert invoke(project, "import", "webassets", "bundles.yaml").exit_code == 0
    config = tomllib.loads((project / "assetbuild.toml").read_text("utf-8"))
    assert config["source"] == "static"
    assert config["output"] == "build/static"
    assert config["url"] == "/static/"
    assert config["exclude"] == [
        "gen/packed.*.css",
        "gen/print.css",
        "gen/packed.js",
        "gen/settings.js",
    ]
    assert config["bundles"]["gen/packed.css"] == {
        "inputs": ["css/reset.css", "css/layout.css"],
        "filters": ["rcssmin"],
    }
    assert config["bundles"]["gen/packed.js"] == {
        "inputs": ["js/vendor/*.js", "js/app.js", "js/widgets/*.js"],
        "filters": ["rjsmin"],
    }


def test_paths_in_the_config_are_relative_to_where_it_is_written(project: Path) -> None:
    (project / "deploy").mkdir()
    result = invoke(
        project,
        "import",
        "webassets",
        "bundles.yaml",
        "-o",
        "deploy/assets.toml",
        "--release",
        "out",
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith("run: assetbuild build --config deploy/assets.toml\n")
    config = load_config(project / "deploy/assets.toml")
    assert [source.path for source in config.sources] == [
        project / "static"
    ]  # named without the ".."
    assert config.output == project / "deploy/out"


def test_dash_prints_the_config_instead_of_writing_it(project: Path) -> None:
    result = invoke(project, "import", "webassets", "bundles.yaml", "-o", "-")
    assert result.exit_code == 0
    assert tomllib.loads(result.stdout)["source"] == "static"
    assert not (project / "assetbuild.toml").exists()


def test_an_existing_config_is_replaced_only_with_force(project: Path) -> None:
    (project / "assetbuild.toml").write_text("# mine\n", encoding="utf-8")
    refused = invoke(project, "import", "webassets", "bundles.yaml")
    assert refused.exit_code == 2
    assert "assetbuild.toml: already exists; pass --force" in refused.stderr
    assert (project / "assetbuild.toml").read_text("utf-8") == "# mine\n"
    assert invoke(project, "import", "webassets", "bundles.yaml", "--force").exit_code == 0
    assert "[bundles." in (project / "assetbuild.toml").read_text("utf-8")


def test_a_container_bundle_becomes_one_bundle_per_child_with_the_container_filters(
    tmp_path: Path,
) -> None:
    write(tmp_path, {"static/a.js": "var a = 1;\n", "static/b.js": "var b = {{ 1 + 1 }};\n"})
    write(
        tmp_path,
        {
            "assets.yml": """
directory: static
url: /static
bundles:
  all-js:
    filters: rjsmin
    contents:
      - output: gen/a.js
        contents: a.js
      - output: gen/b.js
        filters: jinja2
        contents: b.js
"""
        },
    )
    config = tomllib.loads(convert_yaml(tmp_path / "assets.yml", config_dir=tmp_path).toml)
    assert config["bundles"] == {
        "gen/a.js": {"inputs": ["a.js"], "filters": ["rjsmin"]},
        "gen/b.js": {"inputs": ["b.js"], "filters": ["jinja2", "rjsmin"]},
    }


def test_a_load_path_becomes_the_list_of_sources(tmp_path: Path) -> None:
    write(tmp_path, {"app/a.css": "a{}", "vendor/b.css": "b{}", "assets.yml": ""})
    (tmp_path / "assets.yml").write_text(
        "load_path: [app, vendor]\ndirectory: out\nurl: /s\n"
        "bundles:\n  css:\n    output: all.css\n    contents: [a.css, b.css]\n",
        encoding="utf-8",
    )
    config = tomllib.loads(convert_yaml(tmp_path / "assets.yml", config_dir=tmp_path).toml)
    assert config["source"] == ["app", "vendor"]
    assert config["url"] == "/s/"
    assert "exclude" not in config  # webassets writes into 'out', which is no source


def test_names_with_quotes_backslashes_and_accents_are_escaped_in_the_toml(tmp_path: Path) -> None:
    write(tmp_path, {'static/say "hi" é.js': "var x;\n", "static/t\\ab.js": "var y;\n"})
    (tmp_path / "assets.yml").write_text(
        'directory: static\nurl: "/st\\"atic"\nbundles:\n  x:\n'
        "    output: 'gen/say \"hi\" é.js'\n"
        "    contents: ['say \"hi\" é.js']\n",
        encoding="utf-8",
    )
    conversion = convert_yaml(tmp_path / "assets.yml", config_dir=tmp_path)
    config = tomllib.loads(conversion.toml)
    assert config["url"] == '/st"atic/'
    assert config["bundles"] == {'gen/say "hi" é.js': {"inputs": ['say "hi" é.js'], "filters": []}}
    (tmp_path / "assetbuild.toml").write_text(conversion.toml, encoding="utf-8")
    assert [b.name for b in load_config(tmp_path / "assetbuild.toml").bundles] == [
        'gen/say "hi" é.js'
    ]


@given(st.text(alphabet=st.characters(exclude_categories=("Cs",))))
def test_any_text_survives_as_a_toml_string_and_key(text: str) -> None:
    assert tomllib.loads(f"value = {toml_string(text)}")["value"] == text
    assert tomllib.loads(f"[table.{toml_string(text)}]\nx = 1")["table"] == {text: {"x": 1}}


SOURCES = {
    "static/a.js": "var a;\n",
    "static/b.js": "var b;\n",
    "static/c.css": "c{}\n",
}


@pytest.mark.parametrize(
    ("yaml_text", "key", "says"),
    [
        pytest.param(
            "bundles:\n  x:\n    output: gen/x.js\n    filters: rjsmin\n    contents:\n"
            "      - a.js\n      - contents: b.js\n        filters: jinja2\n",
            "bundles.x.contents[1].filters",
            "jinja2 runs only on this nested bundle's files",
            id="a nested bundle with filters of its own",
        ),
        pytest.param(
            "bundles:\n  x:\n    output: gen/x.js\n    contents: https://cdn.example.com/lib.js\n",
            "bundles.x.contents[0]",
            "is remote",
            id="a remote input",
        ),
        pytest.param(
            "bundles:\n  x:\n    output: gen/x.js\n    contents: ../secret.js\n",
            "bundles.x.contents[0]",
            "inputs must stay inside the static directory",
            id="an input outside the directory",
        ),
        pytest.param(
            "bundles:\n  x:\n    outptu: gen/x.js\n    contents: a.js\n",
            "bundles.x.outptu",
            "is not a bundle key",
            id="a misspelt bundle key",
        ),
        pytest.param(
            "bundles:\n  x:\n    contents: a.js\n",
            "bundles.x.output",
            "is missing",
            id="a bundle of files without an output",
        ),
        pytest.param(
            "bundles:\n  x:\n    output: gen/x.coffee\n    contents: a.js\n",
            "bundles.x.output",
            "a .css or a .js file",
            id="an output that is neither CSS nor JS",
        ),
        pytest.param(
            "bundles:\n  x:\n    output: gen/x.js\n    filters: jsminn\n    contents: a.js\n",
            "bundles.x.filters",
            "'jsminn' is not a filter webassets knows",
            id="an unknown filter",
        ),
        pytest.param(
            "filters: [mypackage.filters.Shout]\nbundles: {}\n",
            "filters",
            "custom filter classes cannot be named",
            id="custom filter classes",
        ),
        pytest.param(
            "config:\n  jinja2_context: {a: 1}\nbundles:\n  x:\n    output: gen/x.js\n"
            "    filters: jinja2\n    contents: a.js\n",
            "config.JINJA2_CONTEXT",
            "filter_config holds strings, lists of strings, booleans and integers",
            id="a filter option that filter_config cannot hold",
        ),
        pytest.param(
            "url_mapping: {}\nbundles: {}\n",
            "url_mapping",
            "is not a webassets setting that can be converted",
            id="an unknown setting",
        ),
        pytest.param(
            "bundles:\n  x:\n    output: gen/x.js\n    contents: [y]\n"
            "  y:\n    output: gen/y.js\n    contents: [x]\n",
            "bundles.x",
            "contains itself: bundles.x -> bundles.y -> bundles.x",
            id="bundles that contain each other",
        ),
        pytest.param(
            "bundles:\n  x:\n    contents: [y]\n  y:\n    contents: [x]\n",
            "bundles.x",
            "contains itself: bundles.x -> bundles.y -> bundles.x",
            id="containers that contain each other",
        ),
        pytest.param(
            "bundles:\n  all:\n    contents:\n      - contents: a.js\n",
            "bundles.all.contents[0].output",
            "is missing: bundles.all has no output either",
            id="a container's bundle without an output",
        ),
        pytest.param(
            "bundles:\n  x:\n    output: gen/x.js\n    contents: a.js\n"
            "  y:\n    output: gen/x.js\n    contents: b.js\n",
            "bundles.y.output",
            "is also the output of bundles.x",
            id="two bundles with one output",
        ),
    ],
)
def test_what_cannot_be_mapped_is_an_error_naming_the_key(
    tmp_path: Path, yaml_text: str, key: str, says: str
) -> None:
    write(tmp_path, {**SOURCES, "assets.yml": "directory: static\nurl: /static\n" + yaml_text})
    result = invoke(tmp_path, "import", "webassets", "assets.yml")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: assets.yml: {key}: ")
    assert says in result.stderr
    assert "Traceback" not in result.output
    assert not (tmp_path / "assetbuild.toml").exists()


def test_yaml_that_does_not_parse_is_a_clear_error(tmp_path: Path) -> None:
    write(tmp_path, {"assets.yml": "bundles: [unclosed\n"})
    result = invoke(tmp_path, "import", "webassets", "assets.yml")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: assets.yml: is not valid YAML")


# -- from_environment: the same conversion from a webassets Environment built in Python ----------


@pytest.fixture
def environment(project: Path) -> Environment:
    """The fixture's bundles, declared in Python as a Flask-Assets app would."""
    env = Environment(directory=str(project / "static"), url="/static")
    env.register(
        "css-all",
        "css/reset.css",
        "css/layout.css",
        filters="cssrewrite,rcssmin",
        output="gen/packed.%(version)s.css",
    )
    vendor = Bundle("js/vendor/*.js")
    env.register(
        "js-all",
        vendor,
        "js/app.js",
        Bundle("js/widgets/*.js"),
        filters=[get_filter("rjsmin")],
        output="gen/packed.js",
    )
    return env


def test_from_environment_gives_a_config_that_builds_what_webassets_would_join(
    project: Path, environment: Environment
) -> None:
    text = from_environment(environment, config_dir=project)
    (project / "assetbuild.toml").write_text(text, encoding="utf-8")
    result = invoke(project, "build")
    assert result.exit_code == 0, result.output
    manifest = json.loads((project / "build/static/manifest.json").read_text("utf-8"))
    for webassets_name, name in (("css-all", "gen/packed.css"), ("js-all", "gen/packed.js")):
        files = get_all_bundle_files(environment[webassets_name])
        expected = [Path(f).relative_to(project / "static").as_posix() for f in files]
        assert manifest["assets"][name]["sources"] == list(dict.fromkeys(expected))
    assert "startMenu(){" in bundle_text(project, manifest, "gen/packed.js")


def test_from_environment_writes_paths_relative_to_the_config_directory(
    project: Path, environment: Environment
) -> None:
    config = tomllib.loads(from_environment(environment, config_dir=project / "deploy"))
    assert config["source"] == "../static"
    assert config["url"] == "/static/"


def test_filter_options_given_in_python_go_to_the_bundles_filter_config(project: Path) -> None:
    env = Environment(directory=str(project / "static"), url="/static")
    env.register(
        "css",
        "css/layout.css",
        filters=[get_filter("cleancss", extra_args=["--skip-rebase"])],
        output="gen/app.css",
    )
    config = tomllib.loads(from_environment(env, config_dir=project))
    assert config["bundles"]["gen/app.css"]["filter_config"] == {
        "CLEANCSS_EXTRA_ARGS": ["--skip-rebase"]  # a list, not a string split per character
    }


def test_a_filter_option_that_filter_config_cannot_hold_is_refused_naming_its_key(
    project: Path,
) -> None:
    env = Environment(directory=str(project / "static"), url="/static")
    env.register(
        "js", "js/settings.js", filters=[get_filter("jinja2", context={"x": 1})], output="s.js"
    )
    with pytest.raises(ConfigError) as caught:
        from_environment(env)
    message = str(caught.value)
    assert "webassets Environment: bundles.js.JINJA2_CONTEXT: is {'x': 1}" in message
    assert "filter_config holds strings" in message


def test_a_function_used_as_a_filter_is_refused(project: Path) -> None:
    def shout(_in: Any, out: Any) -> None:
        out.write(_in.read().upper())

    env = Environment(directory=str(project / "static"), url="/static")
    env.register("js", "js/app.js", filters=[shout], output="app.js")
    with pytest.raises(ConfigError, match=re.escape("bundles.js.filters[0]: ")):
        from_environment(env)


def test_the_migration_guide_shows_what_from_environment_writes_for_its_example(
    tmp_path: Path,
) -> None:
    write(
        tmp_path,
        {"static/css/reset.css": "", "static/css/site.css": "", "static/js/main.js": ""},
    )
    # The guide's Flask-Assets example, with webassets' own Environment (Flask-Assets subclasses it).
    assets = Environment(directory=str(tmp_path / "static"), url="/static")
    assets.register(
        "css_all",
        Bundle(
            "css/reset.css",
            "css/site.css",
            filters="cssrewrite,rcssmin",
            output="gen/packed.%(version)s.css",
        ),
    )
    assets.register(
        "js_all", Bundle("js/vendor/*.js", "js/main.js", filters="rjsmin", output="gen/packed.js")
    )
    guide = (REPO / "docs/migrating.md").read_text("utf-8")
    shown = guide[guide.index("For the app above:") :].split("```toml\n", 1)[1].split("```", 1)[0]
    assert from_environment(assets, config_dir=tmp_path) == shown


# -- names: the version placeholder, aliases ----------------------------------------------------


@pytest.mark.parametrize(
    ("output", "name"),
    [
        ("gen/packed.%(version)s.css", "gen/packed.css"),
        ("vendor/%(version)s_jquery.js", "vendor/jquery.js"),
        ("gen/app-%(version)s.min.js", "gen/app.min.js"),
        ("gen/%(version)s/app.js", "gen/app.js"),
        ("assets/%(version)s.js", "assets/js_all.js"),  # no stem left: the bundle's name
    ],
)
def test_the_version_placeholder_goes_with_its_separator(
    tmp_path: Path, output: str, name: str
) -> None:
    write(tmp_path, {"static/a.js": "var a;\n"})
    write(
        tmp_path,
        {
            "assets.yml": f"directory: static\nbundles:\n  js_all:\n    output: '{output}'\n"
            "    contents: a.js\n"
        },
    )
    config = tomllib.loads(convert_yaml(tmp_path / "assets.yml", config_dir=tmp_path).toml)
    assert list(config["bundles"]) == [name]
    assert config["aliases"] == {"js_all": name}


def test_bundles_that_webassets_told_apart_by_the_version_alone_get_their_own_names(
    tmp_path: Path,
) -> None:
    # A Flask app's Environment subclass gives every bundle output='assets/%(version)s.js'.
    write(tmp_path, {"static/a.js": "var a;\n", "static/b.js": "var b;\n"})
    env = Environment(directory=str(tmp_path / "static"), url="/static")
    env.register("editor", "a.js", filters="rjsmin", output="assets/%(version)s.js")
    env.register("viewer", "b.js", filters="rjsmin", output="assets/%(version)s.js")
    config = tomllib.loads(from_environment(env, config_dir=tmp_path))
    assert config["aliases"] == {"editor": "assets/editor.js", "viewer": "assets/viewer.js"}
    assert config["exclude"] == ["assets/*.js"]  # webassets' old outputs


def test_files_in_one_directory_share_it_and_a_shared_name_is_qualified_by_each_file(
    tmp_path: Path,
) -> None:
    write(tmp_path, {"static/a.css": "a{}\n", "static/b.css": "b{}\n"})
    write(tmp_path, {"assets/site.yml": "main:\n  output: gen/site.css\n  contents: a.css\n"})
    write(tmp_path, {"assets/admin.yml": "main:\n  output: gen/admin.css\n  contents: b.css\n"})
    result = invoke(
        tmp_path,
        "import",
        "webassets",
        "assets/site.yml",
        "assets/admin.yml",
        "--directory",
        "static",
        "--url",
        "/assets",
    )
    assert result.exit_code == 0, result.output
    config = tomllib.loads((tmp_path / "assetbuild.toml").read_text("utf-8"))
    assert config["source"] == "static"
    assert config["url"] == "/assets/"
    assert config["aliases"] == {"site/main": "gen/site.css", "admin/main": "gen/admin.css"}
    # With --directory, webassets wrote its outputs there: they are old build output.
    assert config["exclude"] == ["gen/site.css", "gen/admin.css"]
    assert invoke(tmp_path, "build").exit_code == 0
    manifest = json.loads((tmp_path / "build/static/manifest.json").read_text("utf-8"))
    assert manifest["aliases"] == config["aliases"]


def test_an_alias_that_is_also_the_name_of_a_file_is_left_out_with_a_note(tmp_path: Path) -> None:
    write(tmp_path, {"static/app.js": "var a;\n", "static/robots.txt": "x\n"})
    write(
        tmp_path,
        {
            "assets.yml": "directory: static\nbundles:\n  robots.txt:\n    output: gen/app.js\n"
            "    contents: app.js\n"
        },
    )
    conversion = convert_yaml(tmp_path / "assets.yml", config_dir=tmp_path)
    assert "aliases" not in tomllib.loads(conversion.toml)
    assert "bundle 'robots.txt' gets no alias: the name is also the name of an asset" in (
        conversion.toml
    )


# -- nested bundles with filters of their own ---------------------------------------------------


def test_a_nested_compiler_that_reads_the_parents_other_files_as_they_are_joins_its_chain(
    tmp_path: Path,
) -> None:
    write(tmp_path, {"static/reset.css": "a{}\n", "static/site.less": "@c: red; b{color:@c}\n"})
    write(
        tmp_path,
        {
            "assets.yml": "directory: static\nbundles:\n  css:\n    output: gen/all.css\n"
            "    filters: rcssmin\n    contents:\n      - reset.css\n"
            "      - contents: site.less\n        filters: less\n"
        },
    )
    config = tomllib.loads(convert_yaml(tmp_path / "assets.yml", config_dir=tmp_path).toml)
    # LESS reads plain CSS as it is; webassets ran it on site.less before the parent's rcssmin.
    assert config["bundles"]["gen/all.css"] == {
        "inputs": ["reset.css", "site.less"],
        "filters": ["less", "rcssmin"],
    }


def test_a_nested_bundle_that_holds_every_file_converts_whatever_its_filter(tmp_path: Path) -> None:
    write(tmp_path, {"static/app.coffee": "x = 1\n"})
    write(
        tmp_path,
        {
            "assets.yml": "directory: static\nbundles:\n  app:\n    output: gen/app.js\n"
            "    filters: rjsmin\n    contents:\n      - output: gen/app.coffee.js\n"
            "        filters: coffeescript\n        contents: app.coffee\n"
        },
    )
    config = tomllib.loads(convert_yaml(tmp_path / "assets.yml", config_dir=tmp_path).toml)
    assert config["bundles"]["gen/app.js"]["filters"] == ["coffeescript", "rjsmin"]


def test_a_nested_filter_that_would_change_the_parents_other_files_is_listed(
    tmp_path: Path,
) -> None:
    write(tmp_path, {"static/jquery.js": "var $;\n", "static/app.coffee": "x = 1\n"})
    write(
        tmp_path,
        {
            "assets.yml": "directory: static\nbundles:\n  app:\n    output: gen/app.js\n"
            "    contents:\n      - jquery.js\n      - filters: coffeescript\n"
            "        contents: app.coffee\n"
        },
    )
    result = invoke(tmp_path, "import", "webassets", "assets.yml")
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "error: assets.yml: bundles.app.contents[1].filters: coffeescript runs only on this "
        "nested bundle's files, and an assetbuild bundle runs one filter chain on all its "
        "inputs: coffeescript would also run on 'jquery.js'"
    )
    assert not (tmp_path / "assetbuild.toml").exists()


# -- filter options, extra, depends -------------------------------------------------------------


def test_filter_options_go_to_the_bundles_whose_filters_read_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, {"static/site.less": ".a{color:@accent}\n", "static/app.js": "var a;\n"})
    write(
        tmp_path,
        {
            "assets.yml": "directory: static\nconfig:\n  less_extra_args: ['--global-var=accent=#c00']\n"
            "  compass_bin: /opt/compass\nbundles:\n  css:\n    output: gen/site.css\n"
            "    filters: less\n    contents: site.less\n  js:\n    output: gen/app.js\n"
            "    filters: rjsmin\n    config: {rjsmin_keep_bang_comments: true}\n"
            "    contents: app.js\n"
        },
    )
    conversion = convert_yaml(tmp_path / "assets.yml", config_dir=tmp_path)
    config = tomllib.loads(conversion.toml)
    assert config["bundles"]["gen/site.css"]["filter_config"] == {
        "LESS_EXTRA_ARGS": ["--global-var=accent=#c00"]
    }
    assert config["bundles"]["gen/app.js"]["filter_config"] == {"RJSMIN_KEEP_BANG_COMMENTS": True}
    assert "config COMPASS_BIN dropped: no filter of the converted bundles reads it" in (
        conversion.toml
    )
    lessc = REPO / "scripts/node-tools/node_modules/.bin/lessc"
    if not lessc.exists():
        unavailable("lessc is not installed; `make node-tools` (scripts/node-tools.sh) installs it")
    monkeypatch.setenv("PATH", f"{lessc.parent}{os.pathsep}{os.environ.get('PATH', '')}")
    (tmp_path / "assetbuild.toml").write_text(conversion.toml, encoding="utf-8")
    built = invoke(tmp_path, "build")
    assert built.exit_code == 0, built.output
    manifest = json.loads((tmp_path / "build/static/manifest.json").read_text("utf-8"))
    css = (tmp_path / "build/static" / manifest["assets"]["gen/site.css"]["path"]).read_text()
    assert "#c00" in css  # lessc got the list as arguments, not one character at a time


def test_extra_becomes_tag_attributes_or_a_note_never_an_attribute_that_breaks(
    tmp_path: Path,
) -> None:
    write(tmp_path, {"static/a.css": "a{}\n"})
    write(
        tmp_path,
        {
            "assets.yml": "directory: static\nbundles:\n  css:\n    output: gen/a.css\n"
            "    contents: a.css\n    extra:\n      media: print\n      rel: stylesheet/less\n"
            "      preload: [vendor/jquery]\n"
        },
    )
    text = convert_yaml(tmp_path / "assets.yml", config_dir=tmp_path).toml
    assert '\'extra\' becomes attributes of the tag: asset_tag("gen/a.css", media="print")' in text
    assert (
        "'extra' rel='stylesheet/less' dropped: asset_tag writes rel=\"stylesheet\" itself" in text
    )
    assert "'extra' preload=['vendor/jquery'] has no counterpart in assetbuild" in text
    assert "preload=[" not in text.replace("'extra' preload=[", "")


def test_depends_are_excluded_as_the_files_the_filters_read(tmp_path: Path) -> None:
    write(
        tmp_path,
        {"static/app.scss": "@import 'mixins';\n", "static/_mixins.scss": "", "static/x.png": ""},
    )
    write(
        tmp_path,
        {
            "assets.yml": "directory: static\nbundles:\n  css:\n    output: gen/app.css\n"
            "    filters: libsass\n    contents: app.scss\n    depends: ['_*.scss']\n"
        },
    )
    text = convert_yaml(tmp_path / "assets.yml", config_dir=tmp_path).toml
    config = tomllib.loads(text)
    assert config["exclude"] == ["gen/app.css", "_*.scss", "**/*.scss"]
    assert "'depends' dropped: it told webassets which files its filters read" in text


# -- what it proposes not to publish ------------------------------------------------------------


def test_yaml_files_partials_tests_and_demos_among_the_sources_are_proposed_for_exclude(
    tmp_path: Path,
) -> None:
    write(
        tmp_path,
        {
            "static/webassets.yml": "js:\n  output: gen/app.js\n  contents: js/app.js\n",
            "static/js/app.js": "var a;\n",
            "static/vendor/select2/tests/unit.js": "QUnit.test();\n",
            "static/vendor/select2/docs/demo/index.css": "a{background:url(missing.png)}\n",
            "static/css/_partial.scss": "",
        },
    )
    result = invoke(tmp_path, "import", "webassets", "static/webassets.yml")
    assert result.exit_code == 0, result.output
    text = (tmp_path / "assetbuild.toml").read_text("utf-8")
    assert tomllib.loads(text)["exclude"] == [
        "**/*.yml",
        "**/*.scss",
        "vendor/select2/docs/demo/**",
        "vendor/select2/tests/**",
    ]
    assert "# tests and demos (of vendored libraries): no page loads them" in text
    built = invoke(tmp_path, "build")  # the demo's missing image would fail it
    assert built.exit_code == 0, built.output
    manifest = json.loads((tmp_path / "build/static/manifest.json").read_text("utf-8"))
    assert sorted(manifest["assets"]) == ["gen/app.js"]


# -- from_environment: url_mapping ------------------------------------------------------------


def test_a_load_path_directory_that_url_mapping_serves_under_the_url_gets_its_prefix(
    tmp_path: Path,
) -> None:
    write(
        tmp_path,
        {
            "app/css/site.css": "a{background:url(../vendor/img/x.png)}\n",
            "lib/img/x.png": "",
        },
    )
    env = Environment(directory=str(tmp_path / "out"), url="/static")
    env.load_path = [str(tmp_path / "app"), str(tmp_path / "lib")]
    env.url_mapping = {str(tmp_path / "lib"): "/static/vendor"}
    env.register("css", "css/site.css", output="gen/site.css")
    text = from_environment(env, config_dir=tmp_path)
    config = tomllib.loads(text)
    assert config["source"] == ["app", {"path": "lib", "prefix": "vendor/"}]
    (tmp_path / "assetbuild.toml").write_text(text, encoding="utf-8")
    built = invoke(tmp_path, "build")  # ../vendor/img/x.png resolves as it did in a browser
    assert built.exit_code == 0, built.output


def test_a_filter_of_the_project_is_converted_once_its_module_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from webassets import filter as webassets_filters

    registered = dict(webassets_filters._FILTERS)
    write(
        tmp_path,
        {
            "shop_filters.py": "from webassets.filter import Filter, register_filter\n\n\n"
            "class Banner(Filter):\n    name = 'shop_banner'\n\n"
            "    def output(self, _in, out, **kw):\n"
            "        out.write('/* shop */' + _in.read())\n\n\nregister_filter(Banner)\n",
            "static/a.css": "a{}\n",
            "assets.yml": "directory: static\nbundles:\n  css:\n    output: gen/a.css\n"
            "    filters: shop_banner\n    contents: a.css\n",
        },
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        refused = invoke(tmp_path, "import", "webassets", "assets.yml")
        assert refused.exit_code == 2
        assert "convert again with --filter-module MODULE" in refused.stderr
        result = invoke(
            tmp_path, "import", "webassets", "assets.yml", "--filter-module", "shop_filters"
        )
        assert result.exit_code == 0, result.output
        config = tomllib.loads((tmp_path / "assetbuild.toml").read_text("utf-8"))
        assert config["filter_modules"] == ["shop_filters"]
        assert config["bundles"]["gen/a.css"]["filters"] == ["shop_banner"]
        built = invoke(tmp_path, "build")
        assert built.exit_code == 0, built.output
    finally:
        webassets_filters._FILTERS.clear()
        webassets_filters._FILTERS.update(registered)
        sys.modules.pop("shop_filters", None)
