"""HTML for the runtime: the elements ``Assets`` emits and their attributes, escaped.

Owns: how a keyword argument becomes an attribute (``async_`` -> ``async``, ``data_x`` ->
``data-x``; True is a bare attribute, False and None drop it), escaping every value, and the three
element shapes (stylesheet link, script, preload link). Knows nothing of manifests.
Must not: import anything beyond markupsafe and the standard library, or trust any value it is
given (names come from ``**kwargs`` and values from templates).
"""

from __future__ import annotations

from collections.abc import Mapping

from markupsafe import Markup, escape

# What preload's ``as`` may be (HTML's "potential destinations"); anything else is a typo.
DESTINATIONS = frozenset(
    ("audio", "document", "embed", "fetch", "font", "image", "object")
    + ("script", "style", "track", "video", "worker")
)

# Destinations the browser fetches in CORS mode with same-origin credentials, so a preload with
# crossorigin="anonymous" is reused by the real request and its integrity can be checked.
# An <img> fetches without CORS: a preload with crossorigin would not match it (two downloads),
# and integrity on a cross-origin no-CORS response always fails, so images get neither.
CORS_DESTINATIONS = frozenset({"fetch", "font", "script", "style"})

_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.:")


def attribute_name(key: str) -> str:
    """The HTML attribute a keyword argument stands for, or ValueError if it is not a plain name.

    One trailing underscore is dropped so Python keywords can be passed (``async_``, ``class_``),
    and the other underscores become hyphens, as templates cannot spell ``data-turbo-track=``.
    """
    name = (key[:-1] if key.endswith("_") else key).replace("_", "-")
    if not name or not name[0].isalpha() or not set(name) <= _NAME_CHARS:
        raise ValueError(f"{key!r} is not an HTML attribute name")
    return name


def attributes(pairs: Mapping[str, object]) -> str:
    """`` name="value"`` for each pair, escaped; True is bare, False and None are left out."""
    parts = []
    for name, value in pairs.items():
        if value is None or value is False:
            continue
        if value is True:
            parts.append(f" {name}")
        else:
            # str() first: a Markup value is escaped too, as an attribute is not HTML.
            parts.append(f' {name}="{escape(str(value))}"')
    return "".join(parts)


def merge(
    defaults: dict[str, object], extra: Mapping[str, object], fixed: tuple[str, ...]
) -> dict[str, object]:
    """``defaults`` with the caller's attributes after them; ``fixed`` ones may not be overridden.

    A second ``href`` or ``integrity`` would be silently ignored by the browser (the first one
    wins), so asking for one is an error rather than a tag that does not do what it says.
    """
    merged = dict(defaults)
    for key, value in extra.items():
        name = attribute_name(key)
        if name in fixed:
            raise ValueError(
                f"the {name!r} attribute is set from the manifest and cannot be passed"
            )
        merged[name] = value
    return merged


def stylesheet(href: str, integrity: str, extra: Mapping[str, object]) -> Markup:
    base: dict[str, object] = {
        "rel": "stylesheet",
        "href": href,
        "integrity": integrity,
        "crossorigin": "anonymous",
    }
    return Markup(f"<link{attributes(merge(base, extra, ('rel', 'href', 'integrity')))}>")


def script(src: str, integrity: str, extra: Mapping[str, object]) -> Markup:
    base: dict[str, object] = {"src": src, "integrity": integrity, "crossorigin": "anonymous"}
    return Markup(f"<script{attributes(merge(base, extra, ('src', 'integrity')))}></script>")


def preload(
    href: str,
    destination: str,
    integrity: str,
    extra: Mapping[str, object],
) -> Markup:
    if destination not in DESTINATIONS:
        raise ValueError(
            f"as_={destination!r} is not a preload destination; "
            f"use one of {', '.join(sorted(DESTINATIONS))}"
        )
    base: dict[str, object] = {"rel": "preload", "href": href, "as": destination}
    if destination in CORS_DESTINATIONS:
        base["integrity"] = integrity
        base["crossorigin"] = "anonymous"
    return Markup(f"<link{attributes(merge(base, extra, ('rel', 'href', 'as', 'integrity')))}>")


def modulepreload(href: str, integrity: str, nonce: object = None) -> Markup:
    base: dict[str, object] = {
        "rel": "modulepreload",
        "href": href,
        "integrity": integrity,
        "crossorigin": "anonymous",
        "nonce": nonce,
    }
    return Markup(f"<link{attributes(base)}>")
