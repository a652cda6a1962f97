"""Reading a webassets YAML file: a full environment, or a file of bundles only.

Owns: the two formats of webassets' ``YAMLLoader``: ``load_environment`` (``directory``,
``url``, ``load_path``, ``config``, ``bundles`` and the settings assetbuild drops) and
``load_bundles`` (every top-level key a bundle, as CKAN's and pyramid_webassets' files are), told
apart by their keys; where a file's contents are (its ``directory`` or ``load_path``, relative to
the file as webassets takes ``directory``; for a file of bundles only, ``--directory`` or else
the file's own directory, as CKAN reads them); and each bundle with its ``config``, ``extra``
and ``depends``.
Must not: decide what the bundles become (``webassets`` does), or read anything but the file. A
file it cannot read (not YAML, a key of the wrong type) is a ``ConfigError`` naming the key.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from assetbuild.compiler.migrate.webassets_model import (
    DROPPED_SETTINGS,
    Root,
    WaBundle,
    WaSource,
)
from assetbuild.errors import ConfigError

_ENVIRONMENT_KEYS = {"directory", "url", "load_path", "filters", "config", "bundles"}
_YAML_KEYS = _ENVIRONMENT_KEYS | set(DROPPED_SETTINGS)
_BUNDLE_KEYS = {"contents", "filters", "output", "debug", "extra", "config", "depends"}


def read_yaml(path: Path, *, directory: Path | None = None) -> WaSource:
    """Read the webassets YAML file ``path``; ``directory`` (``--directory``) is where its contents
    are when the file does not say (a file of bundles only, or an environment without one)."""
    return _YamlReader(path, directory).read()


def split_filters(
    value: Any, where: str, fail: Callable[[str, str], ConfigError]
) -> tuple[str, ...]:
    """A bundle's ``filters``: a name, a comma-separated string, or a list of names."""
    if value is None:
        return ()
    if isinstance(value, str):
        names = [name.strip() for name in value.split(",")]
    elif isinstance(value, list) and all(isinstance(name, str) for name in value):
        names = [name.strip() for name in value]
    else:
        raise fail(where, "must be a filter name, a comma-separated string or a list of names")
    return tuple(name for name in names if name)


def stale_file(setting: str, value: Any, directory: Path | None) -> tuple[Path, bool] | None:
    """The file (``manifest``) or directory (``cache``) that a webassets setting names, if any."""
    if directory is None or not isinstance(value, str):
        return None
    if setting == "manifest":
        kind, _, name = value.partition(":")
        if kind not in ("file", "json") or not name:
            return None
        value = name
    return Path(os.path.abspath(directory / value)), setting == "cache"


def bundle_extras(bundle: WaBundle, debug: Any, extra: Any, depends: Any) -> None:
    """What a bundle carries besides its files: ``debug`` (dropped), ``extra``, ``depends``."""
    if debug is not None:
        bundle.notes.append(f"'debug: {debug}' dropped: {DROPPED_SETTINGS['debug']}")
    if extra:
        bundle.extra = dict(extra)
    if isinstance(depends, str):
        bundle.depends = (depends,)
    elif depends:
        bundle.depends = tuple(str(item) for item in depends)


class _YamlReader:
    def __init__(self, path: Path, directory: Path | None):
        self.path = path
        self.given_directory = None if directory is None else Path(os.path.abspath(directory))
        self.notes: list[str] = []

    def fail(self, key: str | None, message: str) -> ConfigError:
        return ConfigError(message, file=self.path, key=key)

    def read(self) -> WaSource:
        document = self.load()
        if not _is_environment(document):
            return self.bundles_only(document)
        unknown = sorted(set(document) - _YAML_KEYS, key=str)
        if unknown:
            raise self.fail(
                str(unknown[0]),
                f"is not a webassets setting that can be converted; the keys are "
                f"{', '.join(sorted(_YAML_KEYS))} (or, in a file of bundles only, bundle names)",
            )
        if "filters" in document:
            raise self.fail(
                "filters",
                "custom filter classes cannot be named in assetbuild.toml: assetbuild looks "
                "filters up by name, among webassets' own and those that the modules of "
                "filter_modules register. Register yours there (webassets.filter.register_filter "
                "in a module of your project), and remove the key",
            )
        base = self.path.parent
        directory = self.path_value(document, "directory", base)
        load_path = self.load_path(document, base)
        if directory is None and not load_path:
            if self.given_directory is None:
                raise self.fail(
                    "directory",
                    "is required: the static directory webassets reads from (relative to this "
                    "file), or pass --directory",
                )
            directory = self.given_directory
        url = document.get("url")
        if url is not None and (not isinstance(url, str) or not url):
            raise self.fail("url", "must be a URL prefix such as /static")
        stale: list[tuple[Path, bool]] = []
        for setting, reason in DROPPED_SETTINGS.items():
            if setting in document:
                self.notes.append(f"webassets setting {setting!r} dropped: {reason}")
        for setting in ("manifest", "cache"):
            found = stale_file(setting, document.get(setting), directory)
            if found is not None:
                stale.append(found)
        if load_path:
            roots = [Root(p) for p in load_path]
        else:
            assert directory is not None  # required above
            roots = [Root(directory)]
        return WaSource(
            origin=str(self.path),
            roots=roots,
            contents_mode="search",
            directory=directory,
            url=url,
            bundles=self.bundles(document.get("bundles"), "bundles."),
            notes=self.notes,
            stale=stale,
            config=self.config(document.get("config")),
        )

    def bundles_only(self, document: dict[str, Any]) -> WaSource:
        """A file of bundles only: contents relative to ``--directory`` (where webassets would
        then write the outputs too), else to the file's directory, as CKAN loads its files
        (it writes the outputs elsewhere, so none is among the sources)."""
        root = self.given_directory or Path(os.path.abspath(self.path.parent))
        return WaSource(
            origin=str(self.path),
            roots=[Root(root)],
            contents_mode="search",
            directory=self.given_directory,
            url=None,
            bundles=self.bundles(document, ""),
            notes=self.notes,
            stale=[],
        )

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
            # PyYAML's message spans lines (where, what, where again): one line per problem.
            raise self.fail(None, f"is not valid YAML: {' '.join(str(exc).split())}") from None
        if document is None:
            return {}
        if not isinstance(document, dict):
            raise self.fail(
                None,
                "must be a YAML mapping: bundle names -> bundles, or a webassets environment "
                "with 'directory', 'url' and 'bundles'",
            )
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

    def config(self, value: Any, key: str = "config") -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(key, "must be a mapping of filter option -> value")
        # webassets' config is case-insensitive; Flask's app.config, and filter_config, upper case.
        return {str(option).upper(): setting for option, setting in value.items()}

    def bundles(self, value: Any, prefix: str) -> list[WaBundle]:
        if value is None:
            return []
        if not isinstance(value, dict):
            raise self.fail("bundles", "must be a mapping of bundle name -> bundle")
        named = {
            str(name): self.bundle(data, f"{prefix}{name}", str(name))
            for name, data in value.items()
        }
        # As webassets' loader does: a string among a top-level bundle's contents that names a
        # bundle of the same file is that bundle (nested bundles' contents are not looked up).
        for bundle in named.values():
            bundle.contents = [
                named[item] if isinstance(item, str) and item in named else item
                for item in bundle.contents
            ]
        return list(named.values())

    def bundle(self, data: Any, where: str, name: str | None = None) -> WaBundle:
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
        contents: list[str | WaBundle] = []
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
        depends = data.get("depends")
        if depends is not None and not (
            isinstance(depends, str)
            or (isinstance(depends, list) and all(isinstance(d, str) for d in depends))
        ):
            raise self.fail(f"{where}.depends", "must be a path (or glob) or a list of them")
        bundle = WaBundle(
            where,
            contents,
            split_filters(data.get("filters"), f"{where}.filters", self.fail),
            output,
            name=name,
            config=self.config(data.get("config"), f"{where}.config"),
        )
        bundle_extras(bundle, data.get("debug"), data.get("extra"), depends)
        return bundle


def _is_environment(document: Mapping[str, Any]) -> bool:
    """``load_environment``'s format, rather than ``load_bundles``': a ``bundles`` key, or a
    setting whose value is no bundle (every bundle is a mapping, or empty)."""
    if "bundles" in document:
        return True
    return any(
        key in _YAML_KEYS and not isinstance(value, dict | None) for key, value in document.items()
    )
