"""The static routes of the app and its blueprints, serving the release instead of the sources.

A request that Flask routes to a static endpoint (``/static/<filename>``, or a blueprint's
``/<url_prefix>/<static_url_path>/<filename>``) is answered from the release directory, the
blueprint's under its prefix (``/wiki/assets/js/editor.<hash>.js`` is the release's
``wiki/js/editor.<hash>.js``), as the release should be served (docs/serving.md):

- a fingerprinted name (``<stem>.<12 hex digits>.<ext>``) with ``Cache-Control: public,
  max-age=31536000, immutable``, and its ``.br`` or ``.gz`` to a client that accepts it
  (``Content-Encoding``, and ``Vary: Accept-Encoding`` whenever there is a variant): any such
  file in the directory, so that pages rendered from the previous manifest keep their files
  during a rolling deploy, until ``clean``;
- ``manifest.json`` and the manifest's plain copies (``favicon.ico``) with ``no-cache``: they
  change with each build;
- nothing else: a source's name, a logical path, a variant asked for by its own name, a path
  with a segment starting with a dot, is 404. The sources are never read.

How: a ``before_request`` function of the app answers the static endpoints before their views
run. Replacing the views in ``app.view_functions`` would miss the blueprints registered after
``init_app`` (an app factory often registers them last), and Flask refuses to register a
blueprint whose endpoint already has another view.

Owns: which files of the release a static route hands out, with which headers and encoding.
Must not: read a source, write any file, or import the build side.
"""

from __future__ import annotations

import mimetypes
import os
import re

from flask import Flask, Response, abort, request, send_file

from assetbuild.errors import ManifestError
from assetbuild.manifest import FILENAME as MANIFEST
from assetbuild.manifest import unsafe_path_reason
from assetbuild.runtime.flask._release import AppRelease
from assetbuild.runtime.flask._static import prefix_of

# <stem>.<12 hex digits>.<ext>, or <name>.<12 hex digits> for a file without an extension: a name
# whose bytes never change, which caches may keep for as long as they like.
FINGERPRINTED = re.compile(r"\.[0-9a-f]{12}(\.[^./]+)?$")
# A year (HTTP/1.1 first capped Expires there), as docs/serving.md and its nginx recipe send;
# `immutable` tells browsers not to revalidate the file on a reload either.
IMMUTABLE = "public, max-age=31536000, immutable"
# The manifest and plain copies change with each build: a cache must ask every time.
REVALIDATE = "no-cache"
# The precompressed variants the build writes, best first, and their Content-Encoding.
VARIANTS = (("br", ".br"), ("gzip", ".gz"))
# Types by extension where Python's mimetypes is missing one or differs between versions (a
# browser refuses a module script served with a type that is not JavaScript's).
TYPES = {
    "js": "text/javascript",
    "mjs": "text/javascript",
    "css": "text/css",
    "json": "application/json",
    "map": "application/json",
    "svg": "image/svg+xml",
    "woff": "font/woff",
    "woff2": "font/woff2",
    "ttf": "font/ttf",
    "otf": "font/otf",
    "wasm": "application/wasm",
    "webp": "image/webp",
    "avif": "image/avif",
    "ico": "image/vnd.microsoft.icon",
}


def install(app: Flask, release: AppRelease) -> None:
    """Answer ``app``'s static endpoints, and its blueprints', from ``release``."""

    def serve_release() -> Response | None:
        endpoint = request.endpoint
        if endpoint is None:  # no route matched: Flask answers 404 (or 405) itself
            return None
        prefix = prefix_of(app, endpoint)
        filename = (request.view_args or {}).get("filename")
        if prefix is None or not isinstance(filename, str):
            return None
        return respond(release, prefix + filename)

    app.before_request(serve_release)


def respond(release: AppRelease, relative: str) -> Response:
    """The response for the release file at ``relative`` (a path below the release
    directory, ``/``-separated), or a 404 ``HTTPException``."""
    if unsafe_path_reason(relative) or any(s.startswith(".") for s in relative.split("/")):
        abort(404)  # outside the release, or bookkeeping and temporary files: never served
    name = relative.rpartition("/")[2]
    fingerprinted = FINGERPRINTED.search(name) is not None
    if not fingerprinted and relative != MANIFEST and relative not in _plain(release):
        abort(404)  # a source's name, a logical path, a variant by its own name
    path = os.path.join(release.directory, *relative.split("/"))
    if not os.path.isfile(path):
        abort(404)
    coding, served, varies = None, path, False
    if fingerprinted:  # only those have variants: plain copies and the manifest never do
        coding, served, varies = _variant(path)
    response = send_file(served, mimetype=_type(name), conditional=True, etag=True)
    response.headers["Cache-Control"] = IMMUTABLE if fingerprinted else REVALIDATE
    if coding is not None:
        response.headers["Content-Encoding"] = coding
    if varies:
        response.vary.add("Accept-Encoding")
    return response


def _variant(path: str) -> tuple[str | None, str, bool]:
    """The encoding to send ``path`` in (None for identity), the file that holds it, and whether
    the file has any variant at all (then the response varies with Accept-Encoding)."""
    accepted = request.accept_encodings
    best: tuple[float, str, str] | None = None
    varies = False
    for coding, suffix in VARIANTS:
        variant = path + suffix
        if not os.path.isfile(variant):
            continue
        varies = True
        quality = accepted.quality(coding)
        # br before gzip at the same quality: VARIANTS is in that order.
        if quality > 0 and (best is None or quality > best[0]):
            best = (quality, coding, variant)
    if best is None:
        return None, path, varies
    return best[1], best[2], varies


def _plain(release: AppRelease) -> tuple[str, ...]:
    """The plain copies the manifest in force names; none while it cannot be read."""
    try:
        return release.load().manifest.plain
    except ManifestError:
        return ()


def _type(name: str) -> str:
    extension = name.rpartition(".")[2].lower() if "." in name else ""
    known = TYPES.get(extension)
    if known is not None:
        return known
    guessed, _ = mimetypes.guess_type(name, strict=False)
    return guessed or "application/octet-stream"
