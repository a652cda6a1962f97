from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from assetbuild.compiler.config import BundleSpec, load_config
from assetbuild.errors import ConfigError
from tests.conftest import write


def project(tmp_path: Path, toml: str, name: str = "assetbuild.toml") -> Path:
    write(tmp_path, {name: toml, "static/css/app.css": "a{}"})
    return tmp_path


def test_a_minimal_config_gets_the_documented_defaults(tmp_path: Path) -> None:
    root = project(tmp_path, 'source = "static"\noutput = "build"\n')
    config = load_config(cwd=root, environ={})
    assert config.sources == (root / "static",)
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
    assert config.sources == (root / "static",)
    assert config.output == root / "../out"


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
    assert config.sources == (root / "other", root / "more")
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
