"""A Flask app's assetbuild settings, and the mark ``flask assetbuild`` leaves while it runs.

Owns: reading ``ASSETBUILD_MANIFEST``, ``ASSETBUILD_URL`` and ``ASSETBUILD_RELOAD`` from the app's
config, each falling back to the environment variable of the same name, with their defaults: the
manifest at ``<app.root_path>/build/static/manifest.json`` (where ``flask assetbuild build``
writes it: the build side is handed this same path, so the two always agree), the manifest's own
URL prefix, and reload when ``app.debug``. And the key under which a running ``flask assetbuild``
command marks its click context before it loads the app, which ``AssetBuild`` reads to let a
missing manifest be (that command is what makes it).
Must not: import Flask or click when imported (it is handed the app; by then Flask has loaded
click), or read any file.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from assetbuild.errors import ConfigError

if TYPE_CHECKING:
    from flask import Flask

# The release's default place, relative to the app's root_path (the directory of its module).
DEFAULT_MANIFEST = ("build", "static", "manifest.json")
# click's Context.meta is shared by a context and every context below it: the command sets this
# key before it loads the app, and init_app, called while the app loads, sees it.
COMMAND_RUNNING = "assetbuild.runtime.flask.command"

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"", "0", "false", "no", "off"})


def manifest_path(app: Flask) -> str:
    """The manifest the app reads, and the build writes: ``ASSETBUILD_MANIFEST`` (config, else
    environment; relative to the current directory, as it always was), else the default beside
    the app."""
    configured = app.config.get("ASSETBUILD_MANIFEST") or os.environ.get("ASSETBUILD_MANIFEST")
    if configured:
        return os.fspath(configured)
    return os.path.join(app.root_path, *DEFAULT_MANIFEST)


def url(app: Flask) -> str | None:
    """The URL prefix that replaces the manifest's own (a CDN), or None for the manifest's."""
    value = app.config.get("ASSETBUILD_URL") or os.environ.get("ASSETBUILD_URL")
    return str(value) if value else None


def reload(app: Flask) -> bool:
    """Whether the manifest is read again whenever it changes: ``ASSETBUILD_RELOAD`` (config,
    else environment), else ``app.debug``."""
    value = app.config.get("ASSETBUILD_RELOAD")
    if value is None:
        value = os.environ.get("ASSETBUILD_RELOAD") or None
    if value is None:
        return bool(app.debug)
    if isinstance(value, bool | int):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    # bool("false") is True: a string that is not clearly one or the other is refused.
    raise ConfigError(
        f"{value!r} is neither true nor false; set it to True or False (in the environment: "
        "1 or 0)",
        key="ASSETBUILD_RELOAD",
    )


def command_running() -> bool:
    """Whether ``flask assetbuild`` is running and loading the app now."""
    import click  # Flask has imported it already: the app handed to us is a Flask app

    context = click.get_current_context(silent=True)
    return context is not None and bool(context.meta.get(COMMAND_RUNNING))
