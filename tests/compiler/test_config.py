from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from assetbuild.compiler.config import BundleSpec, Defaults, SourceDir, load_config
from assetbuild.errors import ConfigError
from tests.conftest import write


def project(tmp_path: Path, toml: str, name: str = "assetbuild.toml") -> Path:
    write(tmp_path, {name: toml, "static/css/app.css": "a{}"})
    return tmp_path


def test_a_minimal_config_gets_the_documented_defaults(tmp_path: Path) -> None:
    root = project(tmp_path, 'source = "static"\noutput = "build"\n')
    config = load_config(cwd=root, environ={})
    assert config.sources == (SourceDir(root / "static"),)
    assert config.output == root / "build"
    assert config.url == "/static/"
    assert config.compress == ("gzip", "br")
    assert config.on_missing == "error"
    assert config.bundles == ()


def test_on_missing_is_one_of_its_two_values_as_written(tmp_path: Path) -> None:
    root = project(tmp_path, 'source = "static"\noutput = "build"\non_missing = "warn"\n')
    assert load_config(cwd=root, environ={}).on_missing == "warn"


def test_reading_the_config_does_not_load_a_compressor() -> None:
    # Budgets are read with the config, but measured (with brotli) only by a build.
    code = "import sys, assetbuild.compiler.config; print('brotli' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_relative_paths_are_relative_to_the_config_file_not_the_current_directory(
    tmp_path: Path,
) -> None:
    root = project(tmp_path / "app", 'source = "static"\noutput = "../out"\n')
    config = load_config(Path("app/assetbuild.toml"), cwd=tmp_path, environ={})
    assert config.sources == (SourceDir(root / "static"),)
    assert config.output == tmp_path / "out"  # named without the ".."


def test_pyproject_keys_sit_under_tool_assetbuild(tmp_path: Path) -> None:
    root = project(
        tmp_path, '[tool.assetbuild]\nsource = "static"\noutput = "build"\n', "pyproject.toml"
    )
    assert load_config(cwd=root, environ={}).output == root / "build"


def test_assetbuild_toml_wins_over_pyproject(tmp_path: Path) -> None:
    root = project(tmp_path, 'source = "static"\noutput = "from-own-file"\n')
    write(
        root,
        {"pyproject.toml": '[tool.assetbuild]\nsource = "static"\noutput = "from-pyproject"\n'},
    )
    assert load_config(cwd=root, environ={}).output == root / "from-own-file"


def test_bundles_in_both_forms_are_read_and_sorted(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        'source = "static"\noutput = "b"\n'
        '[bundles."css/app.css"]\ninputs = ["css/*.css"]\nfilters = []\n'
        '[bundles]\n"js/app.js" = ["js/*.js"]\n',
    )
    assert load_config(cwd=root, environ={}).bundles == (
        BundleSpec("css/app.css", ("css/*.css",), ()),
        BundleSpec("js/app.js", ("js/*.js",), ("rjsmin",)),
    )


def test_the_environment_overrides_the_file_relative_to_the_current_directory(
    tmp_path: Path,
) -> None:
    root = project(tmp_path, 'source = "static"\noutput = "build"\nurl = "/static/"\n')
    write(root, {"other/x.css": "", "more/y.css": ""})
    environ = {
        "ASSETBUILD_SOURCE": f"other{os.pathsep}more",
        "ASSETBUILD_OUTPUT": "elsewhere",
        "ASSETBUILD_URL": "https://cdn.example.com/s",
    }
    config = load_config(cwd=root, environ=environ)
    assert config.sources == (SourceDir(root / "other"), SourceDir(root / "more"))
    assert config.output == root / "elsewhere"
    assert config.url == "https://cdn.example.com/s/"


def test_the_output_flag_wins_over_the_environment(tmp_path: Path) -> None:
    root = project(tmp_path, 'source = "static"\noutput = "build"\n')
    config = load_config(cwd=root, environ={"ASSETBUILD_OUTPUT": "env"}, output=Path("flag"))
    assert config.output == root / "flag"


@pytest.mark.parametrize(
    ("toml", "key", "words"),
    [
        ('source = "static"\noutput = "b"\nsorce = 1\n', "sorce", "unknown key"),
        ('output = "b"\n', "source", "required"),
        ('source = "nope"\noutput = "b"\n', "source", "does not exist"),
        ('source = 3\noutput = "b"\n', "source", "directory path"),
        ('source = "static"\n', "output", "required"),
        ('source = "static"\noutput = "static"\n', "output", "is the source directory"),
        ('source = "static"\noutput = "b"\ncompress = ["zip"]\n', "compress", "unknown encoding"),
        ('source = "static"\noutput = "b"\ncompress = "gzip"\n', "compress", "must be a list"),
        (
            'source = "static"\noutput = "b"\non_missing = "ignore"\n',
            "on_missing",
            "must be one of",
        ),
        ('source = "static"\noutput = "b"\nexclude = "*.scss"\n', "exclude", "list of glob"),
        ('source = "static"\noutput = "b"\nexclude = ["../x"]\n', "exclude", "inside it"),
        (
            'source = "static"\noutput = "b"\n[bundles]\n"app.txt" = ["a"]\n',
            'bundles."app.txt"',
            ".css or .js",
        ),
        (
            'source = "static"\noutput = "b"\n[bundles]\n"a.css" = []\n',
            'bundles."a.css".inputs',
            "non-empty",
        ),
        (
            'source = "static"\noutput = "b"\n[bundles]\n"a.css" = ["../x.css"]\n',
            'bundles."a.css".inputs',
            "inside it",
        ),
        (
            'source = "static"\noutput = "b"\n[bundles]\n"a.css" = ["/etc/x.css"]\n',
            'bundles."a.css".inputs',
            "absolute",
        ),
        (
            'source = "static"\noutput = "b"\n[bundles."a.css"]\ninputs = ["x"]\nfilter = []\n',
            'bundles."a.css".filter',
            "unknown key",
        ),
        (
            'source = "static"\noutput = "b"\n[bundles."a.css"]\ninputs = ["x"]\nfilters = "rcssmin"\n',
            'bundles."a.css".filters',
            "filter names",
        ),
        ('source = "static"\noutput = "b"\n[importmap]\nx = 1\n', "importmap", "specifier"),
        (
            'source = "static"\noutput = "b"\n[importmap]\n"three/addons/" = "jsm/"\n',
            'importmap."three/addons/"',
            "maps a prefix",
        ),
        ('source = "static"\noutput = = "b"\n', None, "not valid TOML"),
        (
            'source = ["static", {path = "static", prefx = "w/"}]\noutput = "b"\n',
            "source[1].prefx",
            "unknown key",
        ),
        ('source = [{prefix = "w/"}]\noutput = "b"\n', "source[0].path", "is required"),
        ('source = [{path = "nope"}]\noutput = "b"\n', "source[0].path", "does not exist"),
        ('source = [{path = "static", prefix = 1}]\noutput = "b"\n', "source[0].prefix", "string"),
        (
            'source = [{path = "static", prefix = "../w"}]\noutput = "b"\n',
            "source[0].prefix",
            "'..' segment",
        ),
        (
            'source = [{path = "static", prefix = "/w/"}]\noutput = "b"\n',
            "source[0].prefix",
            "is absolute",
        ),
        (
            'source = [{path = "static", prefix = "w//"}]\noutput = "b"\n',
            "source[0].prefix",
            "empty",
        ),
        (
            'source = [{path = "static", prefix = ".w/"}]\noutput = "b"\n',
            "source[0].prefix",
            "starts with '.'",
        ),
        ('source = [{path = "static", prefix = "/"}]\noutput = "b"\n', "source[0].prefix", "empty"),
        ('source = "static"\noutput = "b"\nplain = "favicon.ico"\n', "plain", "list of glob"),
        ('source = "static"\noutput = "b"\nplain = ["../robots.txt"]\n', "plain", "inside it"),
        ('source = "static"\noutput = "b"\naliases = ["x"]\n', "aliases", "table of alias"),
        (
            'source = "static"\noutput = "b"\n[aliases]\nhome = 1\n',
            'aliases."home"',
            "logical path of an asset",
        ),
        (
            'source = "static"\noutput = "b"\n[aliases]\n"../home" = "css/app.css"\n',
            'aliases."../home"',
            "the alias '../home' has an empty, '.' or '..' segment",
        ),
        (
            'source = "static"\noutput = "b"\n[aliases]\nhome = "/css/app.css"\n',
            'aliases."home"',
            "is absolute",
        ),
    ],
)
def test_a_bad_config_names_the_file_and_the_key(
    tmp_path: Path, toml: str, key: str | None, words: str
) -> None:
    root = project(tmp_path, toml)
    with pytest.raises(ConfigError) as caught:
        load_config(cwd=root, environ={})
    assert str(root / "assetbuild.toml") in str(caught.value)
    if key is not None:
        assert caught.value.key == key
    assert words in str(caught.value)


def test_a_pyproject_key_is_named_with_its_table(tmp_path: Path) -> None:
    root = project(
        tmp_path, '[tool.assetbuild]\nsource = "static"\noutput = "b"\nurl = 5\n', "pyproject.toml"
    )
    with pytest.raises(ConfigError) as caught:
        load_config(cwd=root, environ={})
    assert caught.value.key == "tool.assetbuild.url"


def test_no_config_at_all_says_where_it_looked_and_what_to_write(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no config found.*assetbuild.toml"):
        load_config(cwd=tmp_path, environ={})


def test_a_pyproject_without_the_table_is_no_config(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": '[project]\nname = "x"\n'})
    with pytest.raises(ConfigError, match=r"no \[tool.assetbuild\] table"):
        load_config(cwd=tmp_path, environ={})


def test_a_missing_config_flag_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(Path("nope.toml"), cwd=tmp_path, environ={})


# --- source entries with a prefix ---------------------------------------------------------------


def test_a_source_entry_may_be_a_table_with_a_prefix_normalised_to_end_with_a_slash(
    tmp_path: Path,
) -> None:
    root = project(
        tmp_path,
        'output = "b"\nsource = ["static", {path = "wiki/static", prefix = "wiki"}, '
        '{path = "blog/static", prefix = "blog/posts/"}, {path = "more"}]\n',
    )
    write(root, {"wiki/static/js/editor.js": "", "blog/static/x.css": "", "more/y.css": ""})
    assert load_config(cwd=root, environ={}).sources == (
        SourceDir(root / "static"),
        SourceDir(root / "wiki/static", "wiki/"),
        SourceDir(root / "blog/static", "blog/posts/"),
        SourceDir(root / "more"),
    )


def test_the_source_environment_variable_names_directories_without_prefixes(
    tmp_path: Path,
) -> None:
    root = project(tmp_path, 'source = [{path = "static", prefix = "s/"}]\noutput = "b"\n')
    config = load_config(cwd=root, environ={"ASSETBUILD_SOURCE": "static"})
    assert config.sources == (SourceDir(root / "static"),)


# --- plain and aliases ----------------------------------------------------------------------------


def test_plain_and_aliases_are_read_as_written(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        'source = "static"\noutput = "b"\nplain = ["favicon.ico", "img/email/*.png"]\n'
        '[aliases]\nhome_style_bundle = "css/home.css"\n"admin/base" = "css/admin.css"\n',
    )
    config = load_config(cwd=root, environ={})
    assert config.plain == ("favicon.ico", "img/email/*.png")
    assert config.aliases == {"home_style_bundle": "css/home.css", "admin/base": "css/admin.css"}


def test_without_the_new_keys_there_is_nothing_plain_no_alias_and_no_outside_state(
    tmp_path: Path,
) -> None:
    config = load_config(cwd=project(tmp_path, 'source = "static"\noutput = "b"\n'), environ={})
    assert (config.plain, config.aliases, config.state) == ((), {}, None)


# --- defaults from a framework integration --------------------------------------------------------


def django_defaults(root: Path, **changes: object) -> Defaults:
    values: dict[str, object] = {
        "sources": (SourceDir(Path("static")), SourceDir(root / "app/static", "app")),
        "output": Path("staticfiles"),
        "url": "/assets",
        "exclude": ("**/CVS", "**/*~"),
        "state": Path("var/assetbuild"),
        "origin": "Django's settings",
    }
    values.update(changes)
    return Defaults(**values)  # type: ignore[arg-type]


def test_with_defaults_no_config_file_is_needed(tmp_path: Path) -> None:
    root = write(tmp_path, {"static/a.css": "", "app/static/b.css": ""})
    config = load_config(cwd=root, environ={}, defaults=django_defaults(root))
    assert config.file == root / "assetbuild.toml"  # where it would be, for messages
    assert config.sources == (SourceDir(root / "static"), SourceDir(root / "app/static", "app/"))
    assert config.output == root / "staticfiles"  # relative to the current directory
    assert config.url == "/assets/"
    assert config.exclude == ("**/CVS", "**/*~")
    assert config.state == root / "var/assetbuild"
    assert config.bundles == () and config.compress == ("gzip", "br")


def test_with_defaults_the_config_file_is_looked_for_in_their_config_dir(
    tmp_path: Path,
) -> None:
    root = write(tmp_path, {"static/a.css": "", "app/static/b.css": "", "elsewhere/x": ""})
    write(root, {"assetbuild.toml": 'compress = ["gzip"]\n'})
    write(root, {"elsewhere/assetbuild.toml": "compress = []\n"})
    defaults = django_defaults(root, config_dir=root, sources=(SourceDir(root / "static"),))
    config = load_config(cwd=root / "elsewhere", environ={}, defaults=defaults)
    assert config.file == root / "assetbuild.toml" and config.compress == ("gzip",)


def test_with_defaults_a_pyproject_without_the_table_is_no_config_either(tmp_path: Path) -> None:
    root = write(tmp_path, {"static/a.css": "", "app/static/b.css": ""})
    write(root, {"pyproject.toml": '[project]\nname = "site"\n'})
    config = load_config(cwd=root, environ={}, defaults=django_defaults(root))
    assert config.file == root / "assetbuild.toml"


def test_with_defaults_the_file_gives_everything_but_where_the_release_goes(
    tmp_path: Path,
) -> None:
    root = write(tmp_path, {"static/a.css": "", "app/static/b.css": ""})
    write(
        root,
        {
            "pyproject.toml": '[tool.assetbuild]\nexclude = ["scss/**"]\ncompress = []\n'
            'plain = ["favicon.ico"]\n[tool.assetbuild.bundles]\n"css/app.css" = ["a.css"]\n'
            '[tool.assetbuild.aliases]\nhome = "css/app.css"\n'
        },
    )
    config = load_config(cwd=root, environ={}, defaults=django_defaults(root))
    assert config.file == root / "pyproject.toml"
    assert config.exclude == ("scss/**", "**/CVS", "**/*~")  # the file's, then the framework's
    assert config.compress == ()
    assert config.plain == ("favicon.ico",)
    assert config.aliases == {"home": "css/app.css"}
    assert [b.name for b in config.bundles] == ["css/app.css"]


@pytest.mark.parametrize("key", ["source", "output", "url"])
def test_with_defaults_the_file_may_not_say_where_the_release_goes(
    tmp_path: Path, key: str
) -> None:
    root = write(tmp_path, {"static/a.css": "", "app/static/b.css": ""})
    write(root, {"assetbuild.toml": f'{key} = "static"\n'})
    with pytest.raises(ConfigError) as caught:
        load_config(cwd=root, environ={}, defaults=django_defaults(root))
    assert caught.value.key == key
    assert str(caught.value) == (
        f"{root / 'assetbuild.toml'}: {key}: is set by Django's settings; remove it from the file"
    )


def test_with_defaults_the_output_flag_and_the_environment_still_override(tmp_path: Path) -> None:
    root = write(tmp_path, {"static/a.css": "", "app/static/b.css": "", "other/c.css": ""})
    environ = {
        "ASSETBUILD_OUTPUT": "env-out",
        "ASSETBUILD_URL": "https://cdn.example.com/s",
        "ASSETBUILD_SOURCE": "other",  # the framework knows its sources: not overridden
    }
    config = load_config(cwd=root, environ=environ, defaults=django_defaults(root))
    assert config.output == root / "env-out"
    assert config.url == "https://cdn.example.com/s/"
    assert [s.path for s in config.sources] == [root / "static", root / "app/static"]
    flagged = load_config(
        cwd=root, environ=environ, output=Path("flag-out"), defaults=django_defaults(root)
    )
    assert flagged.output == root / "flag-out"


def test_with_defaults_an_explicit_config_file_must_still_exist(tmp_path: Path) -> None:
    root = write(tmp_path, {"static/a.css": "", "app/static/b.css": ""})
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(Path("nope.toml"), cwd=root, environ={}, defaults=django_defaults(root))


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        (
            {"sources": (SourceDir(Path("missing")),)},
            "source directory 'ROOT/missing' (from "
            "Django's settings) does not exist; create it or fix the setting",
        ),
        ({"sources": ()}, "Django's settings name no source directory"),
        ({"sources": (SourceDir(Path("static"), "../up"),)}, "has an empty, '.' or '..' segment"),
        ({"output": Path("static")}, "output: is the source directory"),
        ({"url": ""}, "the URL prefix from Django's settings is empty"),
        ({"exclude": ("/etc/**",)}, "'/etc/**' (from Django's settings) is absolute"),
        ({"state": Path("staticfiles")}, "state: the state directory ROOT/staticfiles (from "),
    ],
)
def test_unusable_defaults_are_a_config_error_naming_where_they_came_from(
    tmp_path: Path, changes: dict[str, object], words: str
) -> None:
    root = write(tmp_path, {"static/a.css": "", "app/static/b.css": ""})
    with pytest.raises(ConfigError) as caught:
        load_config(cwd=root, environ={}, defaults=django_defaults(root, **changes))
    assert words.replace("ROOT", str(root)) in str(caught.value)


def test_paths_are_named_without_dot_dot_segments(tmp_path: Path) -> None:
    # A config two levels down naming its sources the long way round (seen in a real project).
    root = write(tmp_path, {"ckan/public/a.css": "", "ckan/config/x/.keep": ""})
    write(
        root,
        {
            "ckan/config/x/assetbuild.toml": 'source = "../../../ckan/public"\noutput = "../../../out"\n'
        },
    )
    config = load_config(Path("ckan/../ckan/config/x/assetbuild.toml"), cwd=root, environ={})
    assert config.file == root / "ckan/config/x/assetbuild.toml"
    assert config.sources == (SourceDir(root / "ckan/public"),)
    assert config.output == root / "out"
    assert ".." not in str(config.sources[0].path) + str(config.output) + str(config.file)


@pytest.mark.parametrize(
    ("written", "limit"),
    [('"2 kB"', 2000), ('"1.5 KiB"', 1536), ("512", 512), ('"0 B"', 0), (None, None)],
)
def test_inline_max_is_a_size_in_bytes_as_budgets_write_it(
    tmp_path: Path, written: str | None, limit: int | None
) -> None:
    option = f"inline_max = {written}\n" if written is not None else ""
    root = project(
        tmp_path,
        f'source = "static"\noutput = "b"\n[bundles."css/app.css"]\ninputs = ["a.css"]\n{option}',
    )
    (spec,) = load_config(cwd=root, environ={}).bundles
    assert spec.inline_max == limit


@pytest.mark.parametrize(
    ("bundle", "written", "words"),
    [
        ("css/app.css", '"two kilobytes"', "'two kilobytes' is not a size; write it like"),
        ("css/app.css", '"-1 kB"', "is not a size"),
        ("css/app.css", "true", 'must be a size like "2 kB", not True'),
        ("css/app.css", "2.5", 'must be a size like "2 kB", not 2.5'),
        ("js/app.js", '"2 kB"', "embeds images in a stylesheet; a script bundle has none"),
    ],
)
def test_a_bad_inline_max_names_the_file_and_the_bundle_key(
    tmp_path: Path, bundle: str, written: str, words: str
) -> None:
    root = project(
        tmp_path,
        f'source = "static"\noutput = "b"\n[bundles."{bundle}"]\ninputs = ["a"]\n'
        f"inline_max = {written}\n",
    )
    with pytest.raises(ConfigError) as caught:
        load_config(cwd=root, environ={})
    assert caught.value.key == f'bundles."{bundle}".inline_max'
    assert str(root / "assetbuild.toml") in str(caught.value)
    assert words in str(caught.value)
