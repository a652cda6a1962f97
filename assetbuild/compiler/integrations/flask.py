"""A Flask app's static folders -> the build's ``Defaults``, for ``flask assetbuild COMMAND``.

Owns: what a Flask app's release is made from and where it goes, read from the app as Flask
serves static files: the app's static folder (logical paths as they are, prefix "") and, in
registration order, each registered blueprint's static folder under the prefix
``<blueprint name>/`` (a nested blueprint's full dotted name, ``parent.child/``, the name
``url_for("parent.child.static", ...)`` uses), so that the same file name in two blueprints is two
logical paths and never one shadowing the other; a folder that does not exist is left out, as
Flask answers 404 there. A blueprint name that cannot be a prefix, and a file of the app's static
folder that would take a blueprint file's logical path, are errors naming the blueprint and the
fix. The release directory is the directory of the manifest the runtime reads (handed over by the
runtime's command, which alone decides that path); its URL, the app's ``static_url_path``; the
bookkeeping, ``ASSETBUILD_STATE`` or beside the release (never inside it); the config file, the
one beside the app (``app.root_path``) if there is one there, else the current directory's.
Must not: write, end the process, or be imported when an app starts: only the runtime's
``flask assetbuild`` command imports it, when it runs.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from flask import Flask

from assetbuild.compiler.config import CONFIG_FILENAME, Defaults, SourceDir, normal_prefix
from assetbuild.compiler.integrations import state_beside
from assetbuild.errors import ConfigError

# Where a release is served when the app has no static route to take the prefix from (Flask's
# own default static_url_path).
DEFAULT_URL = "/static/"
# How many colliding files an error lists before it says how many more there are.
_SHOWN = 3


def defaults(app: Flask, *, manifest: str) -> Defaults:
    """The sources, release directory, URL and state directory of ``app``, whose runtime reads
    ``manifest``; a ``ConfigError`` naming the blueprint or the setting when one cannot be used."""
    output = Path(os.path.abspath(manifest)).parent
    return Defaults(
        sources=sources(app),
        output=output,
        url=url(app),
        state=state_directory(app, output),
        origin=origin(app),
        config_dir=config_directory(app),
    )


def origin(app: Flask) -> str:
    """How messages name where the sources, output and URL came from."""
    return (
        f"the Flask app {app.name!r} (its static folder, its blueprints' static folders and "
        "ASSETBUILD_MANIFEST)"
    )


def sources(app: Flask) -> tuple[SourceDir, ...]:
    """The load path: the app's static folder, then each blueprint's under its own prefix."""
    found: list[SourceDir] = []
    own = _existing(app.static_folder)
    if own is not None:
        found.append(SourceDir(own, ""))
    for name, blueprint in app.blueprints.items():  # registration order, nested ones included
        folder = _existing(blueprint.static_folder)
        if folder is None:
            continue
        prefix = blueprint_prefix(name, folder)
        if own is not None:
            _refuse_collisions(own, folder, name)
        source = SourceDir(folder, prefix)
        if source not in found:
            found.append(source)
    return tuple(found)


def blueprint_prefix(name: str, folder: Path) -> str:
    """``<name>/``, the logical-path prefix of the static files of the blueprint registered as
    ``name``, or a ``ConfigError`` saying why that name cannot be one."""
    try:
        return normal_prefix(f"{name}/")
    except ValueError as exc:
        raise ConfigError(
            f"the blueprint {name!r} (static folder {folder}) gives its files the logical-path "
            f"prefix {name + '/'!r}, which cannot be used: {exc}. Register it under a name that "
            "is a plain relative path (app.register_blueprint(bp, name='...'))",
            key="blueprints",
        ) from None


def _refuse_collisions(own: Path, folder: Path, name: str) -> None:
    """A file of the app's static folder at ``<name>/<path>`` and the blueprint's ``<path>``
    would be one logical path: the app's would win, and ``url_for("<name>.static", ...)`` would
    name the app's file. Refused, rather than noted as a shadowed file."""
    shared = own / name
    if not shared.is_dir():
        return
    clashes = sorted(path for path in _files(folder) if (shared / path).is_file())
    if not clashes:
        return
    shown = ", ".join(f"{name}/{path}" for path in clashes[:_SHOWN])
    more = f" (and {len(clashes) - _SHOWN} more)" if len(clashes) > _SHOWN else ""
    raise ConfigError(
        f"the app's static folder has {shared} and the blueprint {name!r} has the static folder "
        f"{folder}: both hold {shown}{more}, which would be one logical path each, so that "
        f"url_for('{name}.static', ...) named the app's file. Move or rename {shared}, or "
        "register the blueprint under another name (app.register_blueprint(bp, name='...'))",
        key="blueprints",
    )


def _files(root: Path) -> Iterator[str]:
    """The relative paths of the files under ``root`` that a build could publish (no dot
    names, which are never published)."""
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        base = Path(directory).relative_to(root)
        for file in files:
            if not file.startswith("."):
                yield (base / file).as_posix()


def _existing(folder: str | None) -> Path | None:
    """``folder`` as an absolute path if it is a directory; None otherwise (Flask's default
    ``static`` folder often does not exist)."""
    if not folder:
        return None
    path = Path(os.path.abspath(folder))
    return path if path.is_dir() else None


def url(app: Flask) -> str:
    """The prefix of the app's static route: where its static view serves the release."""
    path = app.static_url_path
    if path is None:  # no static folder, so no static route: Flask's default place
        return DEFAULT_URL
    return path.rstrip("/") + "/"


def state_directory(app: Flask, output: Path) -> Path:
    """``ASSETBUILD_STATE`` (config, then environment), else beside the release
    (``build/.static.assetbuild``), which the static routes never reach."""
    configured = app.config.get("ASSETBUILD_STATE") or os.environ.get("ASSETBUILD_STATE")
    return state_beside(output, configured, release_named="the release directory")


def config_directory(app: Flask) -> Path | None:
    """Where the config file is: beside the app (``app.root_path``) if it has an
    ``assetbuild.toml`` or a ``pyproject.toml`` there, else None for the current directory."""
    root = Path(app.root_path)
    if (root / CONFIG_FILENAME).is_file() or (root / "pyproject.toml").is_file():
        return root
    return None
