"""Reading a live webassets or Flask-Assets ``Environment``: its bundles, paths and filter options.

Owns: where a Python-configured environment's files are: its ``directory`` or ``load_path``
(each load-path directory that ``url_mapping`` serves under ``url`` gets the prefix of its URL,
so references between directories keep resolving), and for Flask-Assets without a load path
the app's static folder and each blueprint's static folder under ``<blueprint>/``, which is how
Flask-Assets names a blueprint's files (``"home_bp/less/home.less"``) and how assetbuild's
Flask integration prefixes them; the bundles registered on it, by name; and the filter options
webassets would hand their filters: the environment's config (Flask's ``app.config``) for the
keys each filter reads, a bundle's own config, and options given to a filter instance.
Must not: import Flask or Flask-Assets (an environment of theirs has loaded them already), build
anything, or decide what the bundles become.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from assetbuild.compiler.migrate.webassets_model import (
    ENVIRONMENT_ORIGIN,
    Root,
    WaBundle,
    WaSource,
    filter_config_keys,
)
from assetbuild.compiler.migrate.webassets_yaml import bundle_extras, stale_file
from assetbuild.errors import ConfigError


def read_environment(env: Any) -> WaSource:
    """Read a webassets (or Flask-Assets) ``Environment`` and the bundles registered on it."""
    return _EnvironmentReader(env).read()


class _EnvironmentReader:
    def __init__(self, env: Any):
        self.env = env
        self.seen: dict[int, WaBundle] = {}
        self.notes: list[str] = []

    @staticmethod
    def fail(key: str | None, message: str) -> ConfigError:
        return ConfigError(message, file=ENVIRONMENT_ORIGIN, key=key)

    def read(self) -> WaSource:
        flask_app = self.flask_app()
        url = self.setting("url")
        load_path = tuple(Path(os.path.abspath(p)) for p in (self.env.load_path or ()))
        directory = self.setting("directory")
        directory_path = None if directory is None else Path(os.path.abspath(directory))
        mode = "search"
        if load_path:
            # Flask-Assets too: "If a load_path is set, it is used to look up source files,
            # replacing the Flask system. Blueprint prefixes are no longer resolved."
            roots = self.mapped_roots(load_path, url)
        elif flask_app is not None:
            roots = self.flask_roots(flask_app)
            mode = "logical"
        elif directory_path is not None:
            roots = [Root(directory_path)]
        else:
            raise self.fail("directory", "is not set: the static directory webassets reads from")
        stale = [
            found
            for setting in ("manifest", "cache")
            if (found := stale_file(setting, self.env.config.get(setting), directory_path))
        ]
        named: Mapping[str, Any] = getattr(self.env, "_named_bundles", {})
        anonymous: Sequence[Any] = getattr(self.env, "_anon_bundles", [])
        bundles = [self.bundle(b, f"bundles.{name}", name) for name, b in named.items()]
        bundles += [self.bundle(b, f"bundles[{i}]") for i, b in enumerate(anonymous, 1)]
        return WaSource(
            origin=ENVIRONMENT_ORIGIN,
            roots=roots,
            contents_mode=mode,
            directory=directory_path,
            url=url if isinstance(url, str) else None,
            bundles=bundles,
            notes=self.notes,
            stale=stale,
            config=self.config(),
        )

    def flask_app(self) -> Any:
        """The app of a Flask-Assets environment, or None for a plain webassets one."""
        flask_assets = sys.modules.get("flask_assets")
        if flask_assets is None or not isinstance(self.env, flask_assets.Environment):
            return None
        try:
            return self.env._app
        except RuntimeError as exc:  # not bound to an app, and no app context
            raise self.fail(
                "app",
                f"cannot be found ({exc}); bind the Environment to the app, or push an app "
                "context (with app.app_context(): ...)",
            ) from None

    def flask_roots(self, app: Any) -> list[Root]:
        # Blueprints first: Flask-Assets looks "<blueprint>/x" up in that blueprint's static
        # folder before the app's, whatever the app's folder holds.
        roots = []
        for name, blueprint in app.blueprints.items():
            if blueprint.has_static_folder:
                roots.append(Root(Path(os.path.abspath(blueprint.static_folder)), f"{name}/"))
        if app.static_folder is not None:
            roots.append(Root(Path(os.path.abspath(app.static_folder))))
        if not roots:
            raise self.fail(
                "directory",
                "is not set, and neither the app nor a blueprint has a static folder: there is "
                "no directory for the sources",
            )
        return roots

    def mapped_roots(self, load_path: Sequence[Path], url: Any) -> list[Root]:
        """The load path, each directory that ``url_mapping`` serves under ``url`` prefixed by
        the rest of its URL: /static/vendor for /static gives vendor/."""
        mapping: Mapping[str, str] = self.env.config.get("url_mapping") or {}
        served = {Path(os.path.abspath(d)): str(u) for d, u in mapping.items()}
        base = str(url or "").rstrip("/") + "/"
        roots = []
        for directory in load_path:
            mapped = served.get(directory)
            if mapped is None:
                roots.append(Root(directory))
                continue
            mapped = mapped.rstrip("/") + "/"
            if mapped.startswith(base):
                roots.append(Root(directory, mapped[len(base) :]))
            else:
                self.notes.append(
                    f"url_mapping serves {directory} at {mapped}, outside url {base}: the release "
                    f"is served under one URL prefix, so its files are published under {base}"
                )
                roots.append(Root(directory))
        return roots

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

    def config(self) -> dict[str, Any]:
        """The environment's value for each config key that a filter of its bundles reads; Flask's
        app.config holds every other setting of the app too, so only those keys are read."""
        keys = {key for b in self.seen.values() for f in b.filters for key in filter_config_keys(f)}
        found = {}
        for key in sorted(keys):
            value = self.env.config.get(key)
            if value is not None:  # webassets treats None as not set
                found[key] = value
        return found

    def bundle(self, bundle: Any, where: str, name: str | None = None) -> WaBundle:
        from webassets.bundle import Bundle

        known = self.seen.get(id(bundle))
        if known is not None:
            if name is not None and known.name is None:
                known.name, known.where = name, where
            return known
        result = WaBundle(where, [], (), bundle.output, name=name)
        self.seen[id(bundle)] = result
        result.filters = tuple(
            name
            for i, flt in enumerate(bundle.filters)
            if (name := self.filter_name(flt, f"{where}.filters[{i}]", result)) is not None
        )
        for index, item in enumerate(bundle.contents):
            key = f"{where}.contents[{index}]"
            if isinstance(item, Bundle):
                result.contents.append(self.bundle(item, key))
            elif isinstance(item, str):
                result.contents.append(item)
            else:
                result.problems.append((key, f"{item!r} is neither a path nor a Bundle"))
        if result.output is not None and not isinstance(result.output, str):
            result.problems.append((f"{where}.output", "must be a path relative to the directory"))
        own = getattr(bundle.config, "_dict", {})
        result.config.update({str(k).upper(): v for k, v in own.items() if k != "debug"})
        bundle_extras(result, bundle.debug, getattr(bundle, "_extra", None), bundle.depends)
        return result

    def filter_name(self, flt: Any, where: str, bundle: WaBundle) -> str | None:
        """The registered name of a filter instance; the options it was given in Python go to the
        bundle's config under the keys webassets would read them from."""
        from webassets.filter import Filter, get_filter

        name = getattr(flt, "name", None)
        registered: Any = None
        if isinstance(flt, Filter) and isinstance(name, str) and name:
            try:
                registered = get_filter(name)
            except ValueError:
                registered = None
        if not isinstance(name, str) or type(registered) is not type(flt):
            bundle.problems.append(
                (
                    where,
                    f"{flt!r} is not a filter registered by name (a function, or a class that is "
                    "not registered): assetbuild names filters in its config. Make it a Filter "
                    "class, register it (webassets.filter.register_filter) in a module that "
                    "filter_modules names, and use its name",
                )
            )
            return None
        for attribute, (_, configvar, _) in getattr(flt, "_options", {}).items():
            value = getattr(flt, attribute, None)
            if value is None:
                continue
            if not configvar:
                bundle.problems.append(
                    (
                        where,
                        f"filter {name!r} is given the option {attribute!r} in Python, which "
                        "webassets reads from no config key; filter_config cannot carry it",
                    )
                )
                continue
            bundle.config[str(configvar).upper()] = value
        return name
