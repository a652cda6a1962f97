"""Properties of loading a config: whatever the file holds, ``load_config`` returns a ``Config``
or raises ``ConfigError`` (which the command line turns into one line and exit status 2), never
another exception; and a config that loads keeps its paths where the README says they are.

Inputs: arbitrary text and bytes as the file, arbitrary TOML documents (nested tables, arrays,
strings, integers and booleans, written out by the small emitter below, under both
``assetbuild.toml`` and ``pyproject.toml``'s ``[tool.assetbuild]``), and documents shaped like a
config whose values are drawn from path-like strings (relative, absolute, ``..``, globs,
backslashes, schemes, NUL, too long for the file system), so that validation gets past
``source`` (a path, or a list of paths and ``{path, prefix}`` tables) to every other key
(``plain`` and ``aliases`` included).

Each example gets its own directory (with a ``static/`` source directory in it) under a
module-wide scratch directory, and no environment: ``ASSETBUILD_*`` variables never apply.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assetbuild.compiler.config import _KEYS, Config, load_config
from assetbuild.compiler.globs import compile_glob
from assetbuild.compiler.migrate import toml_string
from assetbuild.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

EXAMPLES = settings(max_examples=300, deadline=None)


# --- A tiny TOML emitter (strings escaped by the migration writer, round-trip tested) ----------


def toml_value(value: Any) -> str:
    if isinstance(value, bool):  # before int: a bool is an int
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    assert isinstance(value, dict)
    pairs = (f"{toml_string(key)} = {toml_value(item)}" for key, item in value.items())
    return "{" + ", ".join(pairs) + "}"


def toml_document(table: dict[str, Any]) -> str:
    """Top-level keys one per line; nested tables inline."""
    return "".join(f"{toml_string(key)} = {toml_value(value)}\n" for key, value in table.items())


# --- Strategies --------------------------------------------------------------------------------

PATH_LIKE = st.sampled_from(
    [
        "static",
        "out",
        "build/static",
        "static/out",
        "./static",
        "static/",
        "static//css",
        "../elsewhere",
        "static/../static",
        "/tmp",
        "/abs/x.css",
        ".",
        "..",
        "",
        "css/*.css",
        "**/*.js",
        "css/app.css",
        "js/app.js",
        "a\\b",
        "C:/x",
        "https://cdn.example.com/",
        "//host/x",
        "café/ü.css",
        "s" * 300,
        "o\x00x",
        "line\nbreak",
    ]
) | st.text(max_size=12)
SCALARS = st.booleans() | st.integers(min_value=-(2**63), max_value=2**63 - 1) | PATH_LIKE
KEYS = st.sampled_from(sorted(_KEYS)) | st.text(max_size=10)
VALUES = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(KEYS | PATH_LIKE, children, max_size=4)
    ),
    max_leaves=12,
)
DOCUMENTS = st.dictionaries(KEYS, VALUES, max_size=6)

# webassets config keys as a bundle's filter_config may write them, good and bad.
SETTINGS = st.dictionaries(
    st.sampled_from(
        ["LESS_BIN", "less_bin", "CLEANCSS_EXTRA_ARGS", "directory", "URL", "1X", "a-b", "", "é"]
    )
    | st.text(max_size=8),
    VALUES,
    max_size=3,
)
BUNDLE = (
    st.lists(PATH_LIKE, max_size=3)
    | st.fixed_dictionaries(
        {"inputs": st.lists(PATH_LIKE, max_size=3) | VALUES},
        optional={
            "filters": st.lists(st.sampled_from(["rcssmin", "rjsmin", "sass", ""]), max_size=2)
            | VALUES,
            "filter_config": SETTINGS | VALUES,
            "extra": VALUES,
        },
    )
    | VALUES
)
MODULE_NAMES = st.sampled_from(["myproject.asset_filters", "a..b", "", "1x", ".rel", "os"])
SOURCE_TABLE = st.fixed_dictionaries(
    {"path": st.just("static") | PATH_LIKE},
    optional={
        "prefix": st.sampled_from(["wiki", "wiki/", "a/b/", "", "/", ".w/", "w//", "../w"])
        | PATH_LIKE
        | VALUES,
        "extra": VALUES,
    },
)
# ``on_missing`` as a table: "default" and globs of the referencing file, any of them bad.
ON_MISSING_TABLE = st.dictionaries(
    st.just("default") | PATH_LIKE,
    st.sampled_from(["error", "warn", "ignore"]) | VALUES,
    max_size=3,
)
SHAPED = st.fixed_dictionaries(
    {
        "source": st.just("static") | PATH_LIKE | st.lists(PATH_LIKE | SOURCE_TABLE, max_size=3),
        "output": st.sampled_from(["out", "static/out", "build/static"]) | PATH_LIKE,
    },
    optional={
        "url": PATH_LIKE | VALUES,
        "exclude": st.lists(PATH_LIKE, max_size=3) | VALUES,
        "compress": st.lists(st.sampled_from(["gzip", "br", "zstd", ""]), max_size=3) | VALUES,
        "on_missing": st.sampled_from(["error", "warn", "ignore"]) | ON_MISSING_TABLE | VALUES,
        "entries": st.lists(PATH_LIKE, max_size=3) | VALUES,
        "modules": st.lists(PATH_LIKE, max_size=3) | VALUES,
        "bundles": st.dictionaries(
            st.sampled_from(["css/app.css", "js/app.js", "app.txt", "/x.css", "../x.js"])
            | PATH_LIKE,
            BUNDLE,
            max_size=3,
        )
        | VALUES,
        "importmap": st.dictionaries(st.text(max_size=8), PATH_LIKE, max_size=3) | VALUES,
        "plain": st.lists(PATH_LIKE, max_size=3) | VALUES,
        "aliases": st.dictionaries(PATH_LIKE | st.text(max_size=8), PATH_LIKE, max_size=3) | VALUES,
        "filter_modules": st.lists(MODULE_NAMES | st.text(max_size=8), max_size=3) | VALUES,
    },
)


# --- Loading -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("configs")


class Directory:
    """A fresh directory per example, with a ``static/`` source directory in it."""

    def __init__(self, scratch: Path):
        self.scratch = scratch

    def __enter__(self) -> Path:
        self._temporary = tempfile.TemporaryDirectory(dir=self.scratch)
        path = Path(self._temporary.name)
        (path / "static").mkdir()
        return path

    def __exit__(self, *exc: object) -> None:
        self._temporary.cleanup()


def load(directory: Path, name: str, data: bytes) -> Config | ConfigError:
    """Write ``data`` as ``directory/name`` and load it: the Config, or the ConfigError."""
    path = directory / name
    path.write_bytes(data)
    try:
        return load_config(path, cwd=directory, environ={})
    except ConfigError as exc:
        assert str(exc), "a ConfigError with no message"
        return exc


def text_bytes(text: str) -> bytes:
    return text.encode("utf-8", errors="surrogatepass")


@EXAMPLES
@given(text=st.text())
def test_any_text_loads_or_is_a_config_error(scratch: Path, text: str) -> None:
    with Directory(scratch) as directory:
        assert isinstance(
            load(directory, "assetbuild.toml", text_bytes(text)), Config | ConfigError
        )


@EXAMPLES
@given(data=st.binary())
def test_any_bytes_load_or_are_a_config_error(scratch: Path, data: bytes) -> None:
    with Directory(scratch) as directory:
        assert isinstance(load(directory, "assetbuild.toml", data), Config | ConfigError)


def emitted(document: dict[str, Any], nested: bool) -> tuple[str, bytes]:
    """The file name and bytes of ``document`` as an assetbuild.toml or a pyproject.toml."""
    table = {"tool": {"assetbuild": document}} if nested else document
    text = toml_document(table)
    assert tomllib.loads(text) == table, "the emitter wrote something else"
    return ("pyproject.toml" if nested else "assetbuild.toml"), text.encode("utf-8")


@EXAMPLES
@given(document=DOCUMENTS, nested=st.booleans())
def test_any_toml_document_loads_or_is_a_config_error(
    scratch: Path, document: dict[str, Any], nested: bool
) -> None:
    with Directory(scratch) as directory:
        assert isinstance(load(directory, *emitted(document, nested)), Config | ConfigError)


# --- Where the paths of a config that loads point ----------------------------------------------


def relative_inside(path: str) -> bool:
    """A source-relative path that stays inside the source: not absolute, no ``..`` segment,
    no backslash (a Windows separator), no control character."""
    return (
        not path.startswith("/")
        and ".." not in PurePosixPath(path).parts
        and "\\" not in path
        and not any(ord(c) < 0x20 or ord(c) == 0x7F for c in path)
    )


def raw_sources(document: dict[str, Any]) -> list[str]:
    """The directories of ``source`` as written (a table's ``path``)."""
    raw = document["source"]
    items = list(raw) if isinstance(raw, list) else [raw]
    return [item["path"] if isinstance(item, dict) else item for item in items]


def source_relative_strings(config: Config) -> Iterator[tuple[str, str]]:
    for pattern in config.exclude:
        yield "exclude", pattern
    for pattern in config.modules:
        yield "modules", pattern
    for bundle in config.bundles:
        yield "bundles", bundle.name
        for pattern in bundle.inputs:
            yield f'bundles."{bundle.name}".inputs', pattern
    for specifier, target in (config.importmap or {}).items():
        yield f'importmap."{specifier}"', target
    for pattern in config.plain:
        yield "plain", pattern
    for pattern in config.entries or ():
        yield "entries", pattern
    for pattern, _ in config.on_missing_by_glob:
        yield f'on_missing."{pattern}"', pattern
    for alias, target in config.aliases.items():
        yield f'aliases."{alias}"', alias
        yield f'aliases."{alias}"', target
    for index, source in enumerate(config.sources):
        if source.prefix:
            yield f"source[{index}].prefix", source.prefix


# Configs whose source and output are usable, so that most load and the later keys are what
# varies: source tables with every kind of prefix, ``plain`` and ``aliases``.
LOADING = st.fixed_dictionaries(
    {
        "source": st.lists(
            st.just("static")
            | st.fixed_dictionaries(
                {"path": st.just("static")},
                optional={
                    "prefix": st.sampled_from(["wiki", "wiki/", "a/b/", "", "/", ".w/", "w//"])
                    | PATH_LIKE
                },
            ),
            min_size=1,
            max_size=3,
        ),
        "output": st.just("out"),
    },
    optional={
        "plain": st.lists(PATH_LIKE, max_size=3),
        "aliases": st.dictionaries(PATH_LIKE | st.text(max_size=8), PATH_LIKE, max_size=3),
    },
)


@EXAMPLES
@given(document=SHAPED | LOADING, nested=st.booleans())
def test_a_config_that_loads_keeps_its_paths_where_the_readme_says(
    scratch: Path, document: dict[str, Any], nested: bool
) -> None:
    """What is checked, for every config that loads:

    - ``source`` and ``output`` are read against the config file's directory (never the
      current directory): each is ``config_dir / value`` with ``.`` and ``..`` segments
      folded (``os.path.normpath``, so messages name files as a user would write them), which
      is ``value`` itself when absolute; a relative value with no ``..`` segment therefore lies inside the config
      directory. (A relative value with ``..`` may leave it: a load path like
      ``../shared/static`` is legitimate, as with Django's ``STATICFILES_DIRS``.)
    - every path that names files inside the source (``exclude``, ``modules``, bundle names,
      bundle inputs, ``importmap`` targets, ``plain``, aliases and their targets, prefixes) is
      relative and cannot climb out of it.
    - a prefix is "" or a path of non-dot segments ending in "/", so that prefix + path is a
      logical path; one written without the "/" gets it.
    - ``output`` is never one of the source directories; ``url`` ends with ``/``.
    """
    with Directory(scratch) as directory:
        loaded = load(directory, *emitted(document, nested))
        if isinstance(loaded, ConfigError):
            return
        sources = raw_sources(document)
        paths = tuple(source.path for source in loaded.sources)
        assert paths == tuple(Path(os.path.normpath(directory / s)) for s in sources)
        assert loaded.output == Path(os.path.normpath(directory / document["output"]))
        assert all(".." not in path.parts for path in (*paths, loaded.output))
        pairs = [*zip(sources, paths, strict=True), (document["output"], loaded.output)]
        for raw, path in pairs:
            if not os.path.isabs(raw) and ".." not in PurePosixPath(raw).parts:
                assert Path(os.path.normpath(path)).is_relative_to(directory), raw
        for key, value in source_relative_strings(loaded):
            assert relative_inside(value), f"{key}: {value!r} climbs out of the source"
        assert all(s.resolve() != loaded.output.resolve() for s in paths)
        assert loaded.url.endswith("/")
        raw = document["source"]
        items = raw if isinstance(raw, list) else [raw]
        for item, source in zip(items, loaded.sources, strict=True):
            written = item.get("prefix", "") if isinstance(item, dict) else ""
            assert source.prefix in ("", written, written + "/")
            if source.prefix:
                assert source.prefix.endswith("/") and not source.prefix.endswith("//")
                assert not any(part.startswith(".") for part in source.prefix[:-1].split("/"))


# Configs that load but for their filter settings.
FILTERING = st.fixed_dictionaries(
    {
        "source": st.just("static"),
        "output": st.just("out"),
        "bundles": st.dictionaries(
            st.sampled_from(["css/app.css", "js/app.js"]),
            st.fixed_dictionaries({"inputs": st.just(["x.css"]), "filter_config": SETTINGS}),
            max_size=2,
        ),
    },
    optional={"filter_modules": st.lists(MODULE_NAMES | st.text(max_size=8), max_size=3)},
)
WEBASSETS_OWN = {"directory", "url", "debug", "cache", "auto_build", "manifest", "versions"}


@EXAMPLES
@given(document=SHAPED | FILTERING, nested=st.booleans())
def test_a_config_that_loads_gives_filters_only_what_webassets_takes(
    scratch: Path, document: dict[str, Any], nested: bool
) -> None:
    """A bundle's filter_config holds webassets config keys (names, none of webassets' own
    environment settings, no two the same but for case) and values of the types its YAML config
    gives (a list as a tuple); ``filter_modules`` are module names as ``import`` takes them."""
    with Directory(scratch) as directory:
        loaded = load(directory, *emitted(document, nested))
        if isinstance(loaded, ConfigError):
            return
        for bundle in loaded.bundles:
            keys = [key for key, _ in bundle.filter_config]
            assert len({key.lower() for key in keys}) == len(keys)
            for key, value in bundle.filter_config:
                assert key.isidentifier() and key.isascii() and key.lower() not in WEBASSETS_OWN
                assert isinstance(value, (str, int, bool)) or (
                    isinstance(value, tuple) and all(isinstance(v, str) for v in value)
                )
        for name in loaded.filter_modules:
            assert all(part.isidentifier() and part.isascii() for part in name.split("."))


# --- The crashes hypothesis found --------------------------------------------------------------


def test_a_source_path_too_long_for_the_file_system_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "assetbuild.toml").write_text(f'source = "{"s" * 300}"\noutput = "out"\n')
    with pytest.raises(ConfigError, match="source"):
        load_config(tmp_path / "assetbuild.toml", cwd=tmp_path, environ={})


def test_an_output_path_with_a_nul_character_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "static").mkdir()
    (tmp_path / "assetbuild.toml").write_text('source = "static"\noutput = "o\\u0000x"\n')
    with pytest.raises(ConfigError, match="output"):
        load_config(tmp_path / "assetbuild.toml", cwd=tmp_path, environ={})


@EXAMPLES
@given(document=SHAPED, nested=st.booleans())
def test_entries_and_an_on_missing_table_load_as_written_or_are_a_config_error(
    scratch: Path, document: dict[str, Any], nested: bool
) -> None:
    """``entries`` loads as the list written (None when left out); ``on_missing`` as a table
    keeps its globs in the order written, "default" apart (else "error"), and every file gets
    the value of the first glob that matches it. A value other than "error" or "warn" never loads."""
    with Directory(scratch) as directory:
        loaded = load(directory, *emitted(document, nested))
        if isinstance(loaded, ConfigError):
            return
        written = document.get("entries")
        assert loaded.entries == (None if written is None else tuple(written))
        raw = document.get("on_missing", "error")
        if not isinstance(raw, dict):
            assert (loaded.on_missing, loaded.on_missing_by_glob) == (raw, ())
            return
        assert loaded.on_missing == raw.get("default", "error")
        rules = [(glob, value) for glob, value in raw.items() if glob != "default"]
        assert list(loaded.on_missing_by_glob) == rules
        policy = loaded.missing_policy
        for glob, value in rules:
            if compile_glob(glob).matches(glob):  # the glob read as a logical path
                first = next(v for g, v in rules if compile_glob(g).matches(glob))
                assert policy.for_file(glob) == first
            assert value in ("error", "warn")
