"""``assetbuild import webassets``: webassets and Flask-Assets bundles -> ``assetbuild.toml`` text.

Owns: reading a webassets YAML file (the ``YAMLLoader.load_environment`` format) or a live
webassets / Flask-Assets ``Environment``, mapping what has an assetbuild equivalent (directory or
load path, url, bundles with their inputs and filters), and the TOML text of the result.
Must not: build anything, write a file (``output`` does, for the command line), or map anything
approximately. What has no equivalent is a
``ConfigError`` naming the key; what webassets needed and assetbuild does itself (version
placeholders in output names, ``cssrewrite``, caches, ``auto_build``) is dropped with a note, and
every note is also a comment in the TOML, next to what it is about.

The model is webassets' own (``Bundle._merge_and_apply``): a bundle with an ``output`` joins its
files and nested bundles, every file getting the bundle's filters; a bundle without an output
whose contents are all bundles is a *container*, whose children are built on their own with the
container's filters added. An assetbuild bundle has one filter chain for all its inputs, so a
nested bundle may only use filters that its parent also runs.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assetbuild.compiler.migrate.toml_text import toml_array, toml_comment, toml_string
from assetbuild.errors import ConfigError
from assetbuild.manifest import unsafe_path_reason

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

DEFAULT_RELEASE = "build/static"
DEFAULT_URL = "/static/"
ENVIRONMENT_ORIGIN = "webassets Environment"

_VERSION = "%(version)s"
_VERSION_IN_NAME = re.compile(r"[.\-_]?%\(version\)s")
_REMOTE = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.\-]*:)?//")
_GLOB_SPECIAL = re.compile(r"([*?\[])")
_DROPPED_SETTINGS = {
    "debug": "assetbuild has no debug mode: templates always get the built bundles",
    "auto_build": "assetbuild never builds at run time; `assetbuild build` is a build step",
    "cache": "assetbuild keeps no filter cache; a build starts from the sources",
    "versions": "assetbuild fingerprints every file by its content",
    "url_expire": "fingerprinted URLs never need a ?query to expire",
    "manifest": "assetbuild writes its own manifest.json in the release directory",
    "updater": "assetbuild rebuilds from the sources every time",
    "expire": "fingerprinted URLs never need a ?query to expire",
    "cache_file_mode": "assetbuild keeps no filter cache",
}
_SELF_CONTAINED = {"rcssmin", "rjsmin", "cssrewrite"}  # filters that take no options
_YAML_KEYS = {"directory", "url", "load_path", "filters", "config", "bundles", *_DROPPED_SETTINGS}
_BUNDLE_KEYS = {"contents", "filters", "output", "debug", "extra", "config", "depends"}


@dataclass(frozen=True)
class Conversion:
    """The ``assetbuild.toml`` text, the bundles it defines, and what the user should review."""

    toml: str
    bundles: tuple[str, ...]  # assetbuild bundle names (logical paths), in webassets' order
    notes: tuple[str, ...]  # what was dropped or changed; also comments in ``toml``


def convert_yaml(
    path: Path, *, config_dir: Path | None = None, release: str = DEFAULT_RELEASE
) -> Conversion:
    """Convert a webassets YAML file; paths in the result are relative to ``config_dir``
    (where the ``assetbuild.toml`` will live; default: the current directory)."""
    source = _YamlReader(path).read()
    return _Converter(source, _directory(config_dir), release).convert()


def convert_environment(
    env: Any, *, config_dir: Path | None = None, release: str = DEFAULT_RELEASE
) -> Conversion:
    """Convert a webassets (or Flask-Assets) ``Environment`` and the bundles registered on it."""
    source = _EnvironmentReader(env).read()
    return _Converter(source, _directory(config_dir), release).convert()


def from_environment(
    env: Any, *, config_dir: Path | str | None = None, release: str = DEFAULT_RELEASE
) -> str:
    """The ``assetbuild.toml`` text equivalent to ``env``; the notes are comments in it.

    ``python -c "from myapp import assets; from assetbuild.compiler.migrate import from_environment;
    print(from_environment(assets), end='')" > assetbuild.toml``
    """
    directory = None if config_dir is None else Path(config_dir)
    return convert_environment(env, config_dir=directory, release=release).toml


# -- the model both readers produce -------------------------------------------------------------


@dataclass(eq=False)
class _Bundle:
    """A webassets bundle, by identity (the same bundle may be nested in several places)."""

    where: str  # the key, for messages: 'bundles.js-all' or 'bundles.js-all.contents[2]'
    contents: list[str | _Bundle]
    filters: tuple[str, ...]
    output: str | None
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # template data, e.g. {"media": "print"}


@dataclass
class _Source:
    origin: str  # the file read, or ENVIRONMENT_ORIGIN
    directory: Path | None  # where webassets writes outputs (and reads sources, without load_path)
    load_path: tuple[Path, ...]
    url: str | None
    bundles: list[_Bundle]  # top level: named first, in order, then anonymous ones
    notes: list[str]
    stale: list[tuple[Path, bool]]  # webassets' manifest file or cache directory, and which


def _directory(config_dir: Path | None) -> Path:
    return Path(os.path.abspath(Path.cwd() if config_dir is None else config_dir))


def _split_filters(
    value: Any, where: str, fail: Callable[[str, str], ConfigError]
) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        names = [name.strip() for name in value.split(",")]
    elif isinstance(value, list) and all(isinstance(name, str) for name in value):
        names = [name.strip() for name in value]
    else:
        raise fail(where, "must be a filter name, a comma-separated string or a list of names")
    return tuple(name for name in names if name)


def _stale_file(setting: str, value: Any, directory: Path | None) -> tuple[Path, bool] | None:
    """The file (``manifest``) or directory (``cache``) that a webassets setting names, if any."""
    if directory is None or not isinstance(value, str):
        return None
    if setting == "manifest":
        kind, _, name = value.partition(":")
        if kind not in ("file", "json") or not name:
            return None
        value = name
    return Path(os.path.abspath(directory / value)), setting == "cache"


# -- reading a YAML file ------------------------------------------------------------------------


class _YamlReader:
    def __init__(self, path: Path):
        self.path = path
        self.notes: list[str] = []

    def fail(self, key: str | None, message: str) -> ConfigError:
        return ConfigError(message, file=self.path, key=key)

    def read(self) -> _Source:
        document = self.load()
        if "bundles" not in document and not {"directory", "load_path"} & set(document):
            raise self.fail(
                None,
                "has no 'bundles' and no 'directory': it looks like a file of bundles only "
                "(YAMLLoader.load_bundles), which does not say where the sources are. Put the "
                "bundles under 'bundles:' and add 'directory:' (the static directory, relative to "
                "this file) and 'url:' (the URL it is served under)",
            )
        unknown = sorted(set(document) - _YAML_KEYS, key=str)
        if unknown:
            raise self.fail(
                str(unknown[0]),
                f"is not a webassets setting that can be converted; the keys are "
                f"{', '.join(sorted(_YAML_KEYS))}",
            )
        if "filters" in document:
            raise self.fail(
                "filters",
                "custom filter classes cannot be named in assetbuild.toml: assetbuild looks "
                "filters up by name among those webassets registers itself, and never imports "
                "your modules. Compile those files before `assetbuild build` instead, and remove "
                "the key",
            )
        base = self.path.parent
        directory = self.path_value(document, "directory", base)
        load_path = self.load_path(document, base)
        if directory is None and not load_path:
            raise self.fail("directory", "is required: the static directory webassets reads from")
        url = document.get("url")
        if url is not None and (not isinstance(url, str) or not url):
            raise self.fail("url", "must be a URL prefix such as /static")
        stale: list[tuple[Path, bool]] = []
        for setting, reason in _DROPPED_SETTINGS.items():
            if setting in document:
                self.notes.append(f"webassets setting {setting!r} dropped: {reason}")
        for setting in ("manifest", "cache"):
            found = _stale_file(setting, document.get(setting), directory)
            if found is not None:
                stale.append(found)
        self.config(document.get("config"))
        bundles = self.bundles(document.get("bundles"))
        return _Source(str(self.path), directory, load_path, url, bundles, self.notes, stale)

    def load(self) -> dict[str, Any]:
        try:
            import yaml
        except ImportError:  # pragma: no cover - webassets 3 depends on PyYAML
            raise self.fail(
                None, "reading webassets YAML needs PyYAML: pip install pyyaml"
            ) from None
        try:
            text = self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise self.fail(None, f"cannot be read: {exc}") from None
        try:
            document = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise self.fail(None, f"is not valid YAML: {exc}") from None
        if document is None:
            return {}
        if not isinstance(document, dict):
            raise self.fail(None, "must be a YAML mapping with 'directory', 'url' and 'bundles'")
        return document

    def path_value(self, document: Mapping[str, Any], key: str, base: Path) -> Path | None:
        value = document.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value:
            raise self.fail(key, "must be a directory path")
        return Path(os.path.abspath(base / value))

    def load_path(self, document: Mapping[str, Any], base: Path) -> tuple[Path, ...]:
        value = document.get("load_path")
        if value is None:
            return ()
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(p, str) and p for p in items):
            raise self.fail("load_path", "must be a directory path or a list of them")
        if any(not os.path.isabs(p) for p in items):
            self.notes.append(
                "relative 'load_path' entries are taken relative to the YAML file (webassets "
                "takes them relative to the working directory of the app): check 'source'"
            )
        return tuple(Path(os.path.abspath(base / p)) for p in items)

    def config(self, value: Any) -> None:
        if value is None:
            return
        if not isinstance(value, dict):
            raise self.fail("config", "must be a mapping of filter option -> value")
        exports = []
        for option, setting in value.items():
            if isinstance(setting, list) and all(isinstance(v, str) for v in setting):
                setting = ",".join(setting)
            if not isinstance(setting, str):
                raise self.fail(
                    f"config.{option}",
                    "has no place in assetbuild.toml, and only a string (or a list of strings) "
                    "can be passed to a webassets filter through the environment",
                )
            exports.append(f"{str(option).upper()}={setting}")
        if exports:
            self.notes.append(
                "webassets filter options are read from the environment: run `assetbuild build` "
                f"with {' '.join(exports)}"
            )

    def bundles(self, value: Any) -> list[_Bundle]:
        if value is None:
            return []
        if not isinstance(value, dict):
            raise self.fail("bundles", "must be a mapping of bundle name -> bundle")
        named = {str(name): self.bundle(data, f"bundles.{name}") for name, data in value.items()}
        # As webassets' loader does: a string among a top-level bundle's contents that names a
        # bundle of the same file is that bundle (nested bundles' contents are not looked up).
        for bundle in named.values():
            bundle.contents = [
                named[item] if isinstance(item, str) and item in named else item
                for item in bundle.contents
            ]
        return list(named.values())

    def bundle(self, data: Any, where: str) -> _Bundle:
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise self.fail(where, "must be a mapping with 'contents', 'filters' and 'output'")
        unknown = sorted(set(data) - _BUNDLE_KEYS, key=str)
        if unknown:
            raise self.fail(
                f"{where}.{unknown[0]}",
                f"is not a bundle key; a bundle has {', '.join(sorted(_BUNDLE_KEYS))}",
            )
        raw = data.get("contents", [])
        items = [raw] if isinstance(raw, str) else raw
        if not isinstance(items, list):
            raise self.fail(f"{where}.contents", "must be a path, a bundle, or a list of them")
        contents: list[str | _Bundle] = []
        for index, item in enumerate(items):
            key = f"{where}.contents[{index}]"
            if isinstance(item, str):
                contents.append(item)
            elif isinstance(item, dict):
                contents.append(self.bundle(item, key))
            else:
                raise self.fail(key, "must be a path (or glob) or a nested bundle")
        output = data.get("output")
        if output is not None and (not isinstance(output, str) or not output):
            raise self.fail(f"{where}.output", "must be a path relative to 'directory'")
        bundle = _Bundle(
            where,
            contents,
            _split_filters(data.get("filters"), f"{where}.filters", self.fail),
            output,
        )
        if data.get("config"):
            raise self.fail(
                f"{where}.config",
                "per-bundle webassets settings have no assetbuild equivalent; remove the key",
            )
        _note_bundle_extras(bundle, data.get("debug"), data.get("extra"), data.get("depends"))
        return bundle


def _note_bundle_extras(bundle: _Bundle, debug: Any, extra: Any, depends: Any) -> None:
    if debug is not None:
        bundle.notes.append(f"'debug: {debug}' dropped: {_DROPPED_SETTINGS['debug']}")
    if extra:
        bundle.extra = dict(extra)
    if depends:
        bundle.notes.append(
            "'depends' dropped: assetbuild rebuilds from the sources every time, so it needs "
            "no list of files to watch"
        )


# -- reading a live Environment -----------------------------------------------------------------


class _EnvironmentReader:
    def __init__(self, env: Any):
        self.env = env
        self.seen: dict[int, _Bundle] = {}

    @staticmethod
    def fail(key: str | None, message: str) -> ConfigError:
        return ConfigError(message, file=ENVIRONMENT_ORIGIN, key=key)

    def read(self) -> _Source:
        directory = self.setting("directory")
        load_path = tuple(Path(os.path.abspath(p)) for p in (self.env.load_path or ()))
        if directory is None and not load_path:
            raise self.fail("directory", "is not set: the static directory webassets reads from")
        url = self.setting("url")
        if self.env.config.get("url_mapping"):
            raise self.fail(
                "url_mapping",
                "has no assetbuild equivalent: the release is served under one URL prefix",
            )
        directory_path = None if directory is None else Path(os.path.abspath(directory))
        stale = [
            found
            for setting in ("manifest", "cache")
            if (found := _stale_file(setting, self.env.config.get(setting), directory_path))
        ]
        named: Mapping[str, Any] = getattr(self.env, "_named_bundles", {})
        anonymous: Sequence[Any] = getattr(self.env, "_anon_bundles", [])
        bundles = [self.bundle(b, f"bundles.{name}") for name, b in named.items()]
        bundles += [self.bundle(b, f"bundles[{i}]") for i, b in enumerate(anonymous, 1)]
        notes = []
        if any(set(b.filters) - _SELF_CONTAINED for b in self.seen.values()):
            notes.append(
                "filter options set in Python (assets.config[...] or Flask's app.config) are not "
                "copied: webassets filters also read them from environment variables of the same "
                "name, so export those for `assetbuild build`"
            )
        return _Source(
            ENVIRONMENT_ORIGIN,
            directory_path,
            load_path,
            url if isinstance(url, str) else None,
            bundles,
            notes,
            stale,
        )

    def setting(self, name: str) -> Any:
        try:
            return getattr(self.env, name)
        except (OSError, KeyError):  # webassets: "The environment has no ... configured"
            return None
        except RuntimeError as exc:  # Flask-Assets outside an application context
            raise self.fail(
                name,
                f"cannot be read ({exc}); bind the Environment to the app or push an app context",
            ) from None

    def bundle(self, bundle: Any, where: str) -> _Bundle:
        from webassets.bundle import Bundle

        known = self.seen.get(id(bundle))
        if known is not None:
            return known
        result = _Bundle(where, [], (), bundle.output)
        self.seen[id(bundle)] = result
        result.filters = tuple(
            self.filter_name(flt, f"{where}.filters[{i}]") for i, flt in enumerate(bundle.filters)
        )
        for index, item in enumerate(bundle.contents):
            key = f"{where}.contents[{index}]"
            if isinstance(item, Bundle):
                result.contents.append(self.bundle(item, key))
            elif isinstance(item, str):
                result.contents.append(item)
            else:
                raise self.fail(key, f"{item!r} is neither a path nor a Bundle")
        if result.output is not None and not isinstance(result.output, str):
            raise self.fail(f"{where}.output", "must be a path relative to the directory")
        settings = [k for k in getattr(bundle.config, "_dict", {}) if k != "debug"]
        if settings:
            raise self.fail(
                f"{where}.config",
                f"per-bundle webassets settings ({', '.join(map(str, settings))}) have no "
                "assetbuild equivalent",
            )
        _note_bundle_extras(result, bundle.debug, getattr(bundle, "_extra", None), bundle.depends)
        return result

    def filter_name(self, flt: Any, where: str) -> str:
        from webassets.filter import Filter, get_filter

        name = getattr(flt, "name", None)
        registered: Any = None
        if isinstance(flt, Filter) and isinstance(name, str) and name:
            try:
                registered = get_filter(name)
            except ValueError:
                registered = None
        if not isinstance(name, str) or type(registered) is not type(flt):
            raise self.fail(
                where,
                f"{flt!r} is not a filter webassets registers itself (a function, or a class of "
                "your own): assetbuild names filters in its config and never imports your "
                "modules. Compile those files before `assetbuild build` instead",
            )
        options = getattr(flt, "_options", {})
        given = [attr for attr in options if getattr(flt, attr, None) is not None]
        if given:
            variables = ", ".join(str(options[attr][1] or attr) for attr in given)
            raise self.fail(
                where,
                f"filter {name!r} is given options in Python ({', '.join(given)}); assetbuild "
                f"names filters without options. Set them as environment variables ({variables}) "
                "for `assetbuild build` and create the filter by name",
            )
        return name


# -- the conversion -----------------------------------------------------------------------------


@dataclass
class _Out:
    name: str  # the assetbuild bundle's logical path
    where: str
    inputs: list[str]
    filters: list[str]
    notes: list[str]


class _Converter:
    def __init__(self, source: _Source, config_dir: Path, release: str):
        self.source = source
        self.config_dir = config_dir
        self.release = release
        self.roots = source.load_path or ((source.directory,) if source.directory else ())
        self.outputs: dict[str, _Out] = {}
        self.excludes: list[str] = []
        self.known_filters: set[str] = set()

    def fail(self, key: str | None, message: str) -> ConfigError:
        return ConfigError(message, file=self.source.origin, key=key)

    def convert(self) -> Conversion:
        self.check_release()
        nested = {id(item) for b in self.source.bundles for item in _nested(b)}
        for bundle in self.source.bundles:
            self.top(bundle, (), nested, ())
        if not self.outputs:
            raise self.fail(
                "bundles", "defines no bundle with an output; there is nothing to convert"
            )
        try:
            text = self.render()
        except ValueError as exc:  # a lone surrogate, which no TOML file can hold
            raise self.fail(None, str(exc)) from None
        self.check(text)
        notes = list(self.source.notes)
        for out in self.outputs.values():
            notes += [f"{out.name} ({out.where}): {note}" for note in out.notes]
        return Conversion(text, tuple(self.outputs), tuple(notes))

    def check_release(self) -> None:
        reason = None if self.release else "is empty"
        release = Path(os.path.abspath(self.config_dir / self.release)) if self.release else None
        if release is not None and any(release == root for root in self.roots):
            reason = f"is the source directory {release}; the release needs its own"
        if reason:
            raise ConfigError(f"{reason} (the release directory, --release)", key="output")

    # bundles

    def top(
        self,
        bundle: _Bundle,
        extra: tuple[str, ...],
        nested: set[int],
        containers: tuple[_Bundle, ...],
    ) -> None:
        if any(bundle is seen for seen in containers):
            cycle = " -> ".join(b.where for b in [*containers, bundle])
            raise self.fail(bundle.where, f"contains itself: {cycle}")
        chain = _merge_filters(bundle.filters, extra)
        if bundle.output is not None:
            self.merged(bundle, chain)
            return
        buildable = all(
            isinstance(item, _Bundle) and (item.output is not None or _is_container(item))
            for item in bundle.contents
        )
        if _is_container(bundle) and (buildable or id(bundle) not in nested):
            for item in bundle.contents:  # a container: each child is built on its own
                assert isinstance(item, _Bundle)
                if item.output is None and not _is_container(item):
                    raise self.fail(
                        f"{item.where}.output",
                        f"is missing: {bundle.where} has no output either, so webassets builds "
                        "each of its bundles on its own and this one has nowhere to go",
                    )
                self.top(item, chain, nested, (*containers, bundle))
            return
        if id(bundle) in nested:
            return  # only a building block of other bundles, as in webassets
        raise self.fail(
            f"{bundle.where}.output",
            "is missing: webassets cannot build a bundle of files without an output either. "
            "Give it one (it becomes the assetbuild bundle's name), or remove the bundle",
        )

    def merged(self, bundle: _Bundle, chain: tuple[str, ...]) -> None:
        assert bundle.output is not None
        if not bundle.contents:
            raise self.fail(f"{bundle.where}.contents", "is empty: there is nothing to bundle")
        notes = list(bundle.notes)
        name = self.name(bundle.output, f"{bundle.where}.output", notes)
        if bundle.extra:
            attributes = ", ".join(f"{k}={json.dumps(v)}" for k, v in bundle.extra.items())
            notes.append(
                "'extra' dropped: it is template data; pass it to the tag instead: "
                f"asset_tag({json.dumps(name)}, {attributes})"
            )
        inputs: list[str] = []
        self.flatten(bundle, chain, [bundle], inputs, notes)
        filters = self.filters(chain, f"{bundle.where}.filters", notes)
        if not filters:
            notes.append(
                "webassets ran no filter on it, so it stays unminified (filters = []); delete "
                "the 'filters' line to have assetbuild minify it"
            )
        out = _Out(name, bundle.where, list(dict.fromkeys(inputs)), filters, notes)
        previous = self.outputs.get(name)
        if previous is not None:
            if (previous.inputs, previous.filters) == (out.inputs, out.filters):
                return
            raise self.fail(
                f"{bundle.where}.output",
                f"is also the output of {previous.where}, with other inputs or filters; "
                "webassets would overwrite one with the other. Give them different outputs",
            )
        self.outputs[name] = out
        self.exclude_stale(bundle.output, name)

    def flatten(
        self,
        bundle: _Bundle,
        chain: tuple[str, ...],
        stack: list[_Bundle],
        inputs: list[str],
        notes: list[str],
    ) -> None:
        for index, item in enumerate(bundle.contents):
            if isinstance(item, str):
                inputs.append(self.pattern(item, f"{bundle.where}.contents[{index}]", notes))
                continue
            if any(item is seen for seen in stack):
                cycle = " -> ".join(b.where for b in [*stack[stack.index(item) :], item])
                raise self.fail(item.where, f"contains itself: {cycle}")
            own = [name for name in item.filters if name not in chain and name != "cssrewrite"]
            if own:
                raise self.fail(
                    f"{item.where}.filters",
                    f"{', '.join(own)} {'runs' if len(own) == 1 else 'run'} only on this nested "
                    "bundle's files, and assetbuild "
                    f"runs one filter chain on every input of a bundle. Add them to the filters "
                    f"of {stack[0].where} if all its inputs can go through them, or compile these "
                    "files before the build",
                )
            notes += [note for note in item.notes if note not in notes]
            self.flatten(item, chain, [*stack, item], inputs, notes)

    def pattern(self, item: str, key: str, notes: list[str]) -> str:
        if _REMOTE.match(item):
            raise self.fail(
                key,
                f"{item!r} is remote; assetbuild builds from local files only. Download it into "
                "the static directory (vendor it) and name that file",
            )
        pattern = item
        if os.path.isabs(pattern):
            pattern = self.relative_to_sources(pattern, key)
        while pattern.startswith("./"):
            pattern = pattern[2:]
        reason = unsafe_path_reason(pattern)
        if reason:
            raise self.fail(key, f"{item!r} {reason}; inputs must stay inside the static directory")
        segments = pattern.split("/")
        if "**" in segments:
            pattern = "/".join("*" if s == "**" else s for s in segments)
            notes.append(
                f"{item!r} became {pattern!r}: webassets' glob is not recursive, so its '**' "
                "matches one directory level, like '*'; write '**' to match any depth"
            )
        return pattern

    def relative_to_sources(self, path: str, key: str) -> str:
        absolute = Path(os.path.abspath(path))
        for root in self.roots:
            if absolute.is_relative_to(root):
                return absolute.relative_to(root).as_posix()
        raise self.fail(key, f"{path!r} lies outside the static directory; copy it inside")

    def name(self, output: str, key: str, notes: list[str]) -> str:
        name = output
        if os.path.isabs(name):
            if self.source.directory is None:
                raise self.fail(key, f"{output!r} is absolute and there is no 'directory'")
            absolute = Path(os.path.abspath(name))
            if not absolute.is_relative_to(self.source.directory):
                raise self.fail(key, f"{output!r} lies outside 'directory'")
            name = absolute.relative_to(self.source.directory).as_posix()
        if _VERSION in name:
            name = "/".join(s for s in _VERSION_IN_NAME.sub("", name).split("/") if s)
            notes.append(
                f"output {output!r} is now {name!r}: assetbuild puts a content hash in every "
                "file name itself, so the version placeholder is gone"
            )
        while name.startswith("./"):
            name = name[2:]
        reason = unsafe_path_reason(name)
        if reason:
            raise self.fail(
                key, f"{output!r} {reason}; an output is a path relative to the release"
            )
        if posixpath.splitext(name)[1].lower() not in (".css", ".js"):
            raise self.fail(
                key,
                f"{output!r}: an assetbuild bundle is a .css or a .js file, named by its output",
            )
        return name

    def filters(self, chain: Iterable[str], key: str, notes: list[str]) -> list[str]:
        from webassets.filter import get_filter

        result = []
        for name in chain:
            if name == "cssrewrite":
                notes.append(
                    "filter 'cssrewrite' dropped: assetbuild rewrites url() and @import "
                    "references to the fingerprinted files itself"
                )
                continue
            if name not in self.known_filters:
                try:
                    get_filter(name)
                except ValueError:
                    raise self.fail(key, f"{name!r} is not a filter webassets knows") from None
                self.known_filters.add(name)
            result.append(name)
        return result

    def exclude_stale(self, output: str, name: str) -> None:
        """Webassets wrote its bundles into ``directory``; if that is a source directory, the old
        outputs are there too, and must not be published (or clash with the bundle's name)."""
        if self.source.directory is None or self.source.directory not in self.roots:
            return
        if os.path.isabs(output):
            output = Path(os.path.abspath(output)).relative_to(self.source.directory).as_posix()
        while output.startswith("./"):
            output = output[2:]
        pattern = _GLOB_SPECIAL.sub(r"[\1]", output).replace(_VERSION, "*")
        for glob in (pattern,) if _VERSION in output else (name,):
            if glob not in self.excludes:
                self.excludes.append(glob)

    # output

    def render(self) -> str:
        source = self.source
        lines = [
            f"# assetbuild.toml, converted from {toml_comment(_title(source.origin))}.",
            "# Review the notes below, then run `assetbuild build` (and `assetbuild verify`).",
        ]
        lines += [f"# note: {toml_comment(note)}" for note in source.notes]
        sources = [self.relative(root) for root in self.roots]
        lines.append("")
        lines.append(
            f"source = {toml_string(sources[0])}"
            if len(sources) == 1
            else f"source = {toml_array(sources)}"
        )
        lines.append(f"output = {toml_string(self.release)}")
        url = source.url if source.url is not None else DEFAULT_URL
        if source.url is None:
            lines.append("# webassets had no 'url'; this is assetbuild's default")
        lines.append(f"url = {toml_string(url if url.endswith('/') else url + '/')}")
        excludes = list(self.excludes)
        for stale, is_directory in source.stale:
            for root in self.roots:
                if stale.is_relative_to(root) and stale != root:
                    relative = _GLOB_SPECIAL.sub(r"[\1]", stale.relative_to(root).as_posix())
                    excludes.append(f"{relative}/**" if is_directory else relative)
        if excludes:
            lines.append(
                "# webassets wrote its bundles (and manifest or cache) among the sources; "
                "they are old build output, not sources"
            )
            lines.append(f"exclude = {toml_array(excludes)}")
        for out in self.outputs.values():
            lines.append("")
            lines.append(f"# from webassets: {toml_comment(out.where)}")
            lines += [f"# note: {toml_comment(note)}" for note in out.notes]
            lines.append(f"[bundles.{toml_string(out.name)}]")
            lines.append(f"inputs = {toml_array(out.inputs)}")
            lines.append(f"filters = {toml_array(out.filters)}")
        return "\n".join(lines) + "\n"

    def relative(self, path: Path) -> str:
        try:
            return Path(os.path.relpath(path, self.config_dir)).as_posix()
        except ValueError:  # pragma: no cover - another drive, on Windows
            return path.as_posix()

    def check(self, text: str) -> None:
        """The text must read back as what was meant: a wrong escape would be a silent change."""
        document = tomllib.loads(text)
        expected = {
            out.name: {"inputs": out.inputs, "filters": out.filters}
            for out in self.outputs.values()
        }
        if document.get("bundles") != expected:  # pragma: no cover - a bug in this module
            raise AssertionError(f"the TOML written does not read back:\n{text}")


def _title(origin: str) -> str:
    return "a webassets Environment" if origin == ENVIRONMENT_ORIGIN else origin


def _nested(bundle: _Bundle) -> Iterable[_Bundle]:
    seen: set[int] = set()
    stack = [item for item in bundle.contents if isinstance(item, _Bundle)]
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        stack += [child for child in item.contents if isinstance(child, _Bundle)]


def _is_container(bundle: _Bundle) -> bool:
    return bool(bundle.contents) and all(isinstance(item, _Bundle) for item in bundle.contents)


def _merge_filters(own: Sequence[str], parent: Sequence[str]) -> tuple[str, ...]:
    """webassets' ``merge_filters``: the bundle's own filters, then its parent's not among them."""
    return tuple(own) + tuple(name for name in parent if name not in own)
