"""Flask's static endpoints, and the logical paths of the release they stand for.

Owns: which endpoints are static endpoints (``static``, the app's, unless the app has no static
folder and a view of its own by that name; ``<blueprint>.static`` of every registered blueprint
that has a static folder, a nested one by its full dotted name), the logical-path prefix of each
(``""`` for the app's, ``<blueprint name>/`` for a blueprint's: the prefixes the build gives their
files), and the other way round, the ``url_for`` call that names a logical path, for messages.
Must not: import the build side, or read the manifest (its callers do).
"""

from __future__ import annotations

from flask import Flask

# The endpoint Flask gives the static route of the app, and the last part of a blueprint's.
STATIC = "static"
_SUFFIX = "." + STATIC


def prefix_of(app: Flask, endpoint: str) -> str | None:
    """The logical-path prefix of a static endpoint's files, or None if ``endpoint`` is none."""
    if endpoint == STATIC:
        # Flask's own static route, or none at all (static_folder=None: url_for("static", ...)
        # still names the release, which something else, WhiteNoise say, serves). A view of
        # the app's own that happens to be called "static" is left alone.
        return "" if app.has_static_folder or STATIC not in app.view_functions else None
    if not endpoint.endswith(_SUFFIX):
        return None
    name = endpoint[: -len(_SUFFIX)]
    blueprint = app.blueprints.get(name)
    if blueprint is None or not blueprint.has_static_folder:
        return None
    return name + "/"


def call_for(app: Flask, logical_path: str) -> str:
    """``url_for(...)`` as a template would write it for ``logical_path``: under the blueprint
    whose prefix it has (the longest, for nested ones), else the app's ``static``."""
    owners = [
        name
        for name, blueprint in app.blueprints.items()
        if blueprint.has_static_folder and logical_path.startswith(name + "/")
    ]
    if owners:
        name = max(owners, key=len)
        filename = logical_path[len(name) + 1 :]
        return f"url_for('{name}{_SUFFIX}', filename={filename!r})"
    return f"url_for('{STATIC}', filename={logical_path!r})"
