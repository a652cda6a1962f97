"""``url_for`` for the static endpoints: the release URL of the file, from the manifest.

``url_for("static", filename="css/app.css")`` is ``/static/css/app.3f2a9c1b7e0d.css`` and
``url_for("wiki.static", filename="js/editor.js")`` the URL of logical path ``wiki/js/editor.js``,
in templates and in Python code alike, with the same URL that ``asset_url`` gives (a CDN's, with
``ASSETBUILD_URL``). Every release URL is under the one prefix the manifest has, so a blueprint's
files are not under the blueprint's own static URL: that is what keeps the URLs that relative
references in stylesheets and the import map's entries resolve against the same for every page.

How: Flask's ``url_for`` is ``current_app.url_for``, and the template global is the app's
``url_for`` too; the app's ``url_for`` is replaced, on that app only, by a function that answers
the static endpoints and hands every other call to Flask's, unchanged. The hooks Flask offers
around building cannot do it: a ``url_defaults`` function may change the values but not the rule,
so a blueprint's URL would stay under the blueprint's prefix and no URL could be a CDN's; a
``url_build_error_handler`` is called only when building fails, and a static route builds.

Owns: the URL of a static endpoint's file (``_external``, ``_scheme``, ``_anchor`` and extra
values as Flask treats them), and the ``MissingAssetError`` for a file the manifest lacks, in
``url_for`` terms: the call, the close matches as calls, and for a bundle's input, the bundle.
Must not: build any other endpoint's URL itself, or import the build side.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlencode

from flask import Flask, has_app_context, has_request_context, request
from flask.globals import app_ctx

from assetbuild.errors import MissingAssetError
from assetbuild.runtime._assets import Assets
from assetbuild.runtime.flask._release import AppRelease
from assetbuild.runtime.flask._static import call_for, prefix_of

# Flask's own: the characters an anchor keeps unquoted.
_ANCHOR_SAFE = "%!#$&'()*+,/:;=?@"

UrlFor = Callable[..., str]


class StaticFileMissingError(MissingAssetError):
    """``url_for`` of a static endpoint named a file the manifest lacks; the message is in
    ``url_for`` terms (a ``MissingAssetError`` all the same: ``name`` is the logical path)."""

    def __init__(self, message: str, error: MissingAssetError) -> None:
        super().__init__(error.name, error.manifest, error.suggestions)
        self.args = (message,)


def install(app: Flask, release: AppRelease) -> None:
    """Make ``app.url_for`` (and so ``flask.url_for`` and the template global) answer the static
    endpoints from ``release``."""
    # The app's own url_for, even if init_app runs twice on one app.
    build: UrlFor = getattr(app.url_for, "__wrapped__", app.url_for)

    def url_for(
        endpoint: str,
        *,
        _anchor: str | None = None,
        _method: str | None = None,
        _scheme: str | None = None,
        _external: bool | None = None,
        **values: Any,
    ) -> str:
        filename = values.get("filename")
        static = _absolute(endpoint) if isinstance(filename, str) else ""
        prefix = prefix_of(app, static) if static else None
        if prefix is None or not isinstance(filename, str):
            return build(
                endpoint,
                _anchor=_anchor,
                _method=_method,
                _scheme=_scheme,
                _external=_external,
                **values,
            )
        del values["filename"]
        assets = release.load()
        try:
            address = assets.url(prefix + filename)
        except MissingAssetError as error:
            raise _missing(app, assets, static, filename, error) from None
        # As Flask's does: a URL within the request's site unless asked for an external one
        # (or a scheme); outside a request, external.
        external = _external
        if external is None:
            external = _scheme is not None or not has_request_context()
        if external:
            address = _external_url(app, address, _scheme)
        extra = [(key, value) for key, value in values.items() if value is not None]
        if extra:  # values the rule has no place for become the query, as Flask does
            address += "?" + urlencode(extra, doseq=True)
        if _anchor is not None:
            address += "#" + quote(_anchor, safe=_ANCHOR_SAFE)
        return address

    url_for.__wrapped__ = build  # type: ignore[attr-defined]
    # An instance attribute, on this app only: flask.url_for calls current_app.url_for.
    app.url_for = url_for  # type: ignore[method-assign]
    # The template global was bound to the method when the environment was made (if it was).
    app.jinja_env.globals["url_for"] = url_for


def _absolute(endpoint: str) -> str:
    """``endpoint`` with a leading "." made the current blueprint's (or the app's), as Flask's
    url_for does in a request; outside one, as it is."""
    if endpoint[:1] != "." or not has_request_context():
        return endpoint
    blueprint = request.blueprint
    return f"{blueprint}{endpoint}" if blueprint is not None else endpoint[1:]


def _external_url(app: Flask, address: str, scheme: str | None) -> str:
    """``address`` with a scheme and host: a CDN's URL as it is; a path on the app's own host,
    the host of the request (or, outside one, of ``SERVER_NAME``)."""
    if not address.startswith("/"):
        return address  # already absolute: https://cdn.example.com/...
    if address.startswith("//"):  # protocol-relative: a CDN's host, the scheme still to choose
        return f"{scheme or _scheme_and_host(app)[0]}:{address}"
    own_scheme, host = _scheme_and_host(app)
    return f"{scheme or own_scheme}://{host}{address}"


def _scheme_and_host(app: Flask) -> tuple[str, str]:
    """The scheme and host Flask's url_for would build an external URL with."""
    if has_request_context():
        return request.scheme, request.host
    adapter = app_ctx.url_adapter if has_app_context() else app.create_url_adapter(None)
    if adapter is None:
        raise RuntimeError(  # Flask's own message for its own url_for
            "Unable to build URLs outside an active request without 'SERVER_NAME' configured. "
            "Also configure 'APPLICATION_ROOT' and 'PREFERRED_URL_SCHEME' as needed."
        )
    return adapter.url_scheme, adapter.get_host(None)


def _missing(
    app: Flask, assets: Assets, endpoint: str, filename: str, error: MissingAssetError
) -> StaticFileMissingError:
    name = error.name
    call = f"url_for({endpoint!r}, filename={filename!r})"
    bundles = [
        bundle
        for bundle, entry in assets.manifest.assets.items()
        if entry.sources is not None and name in entry.sources
    ]
    if bundles:
        which = " or ".join(repr(bundle) for bundle in bundles)
        hint = (
            f": it is an input of the bundle {which}, which is published in its place "
            f"(use {' or '.join(call_for(app, bundle) for bundle in bundles)}; a bundle with "
            "keep_inputs = true publishes its inputs too)"
        )
    elif error.suggestions:
        hint = f"; did you mean {', '.join(call_for(app, s) for s in error.suggestions)}?"
    else:
        hint = ""
    message = f"{call}: {name!r} is not in the manifest {error.manifest}{hint}"
    return StaticFileMissingError(message, error)
