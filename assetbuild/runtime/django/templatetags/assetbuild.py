"""``{% load assetbuild %}``: asset_url, asset_integrity, asset_tag, asset_preload, asset_importmap.

Owns: the Django template tags, each a thin call on ``get_assets()``:
``{% asset_url "css/app.css" %}``, ``{% asset_integrity "css/app.css" %}``,
``{% asset_tag "js/app.js" defer=True %}``, ``{% asset_preload "fonts/inter.woff2" %}``.
Must not: catch errors: an unknown name raises ``MissingAssetError`` and an unusable manifest
``ManifestError``, in every environment.
"""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from assetbuild.runtime.django._current import get_assets

register = template.Library()


@register.simple_tag
def asset_url(name: str) -> str:
    return get_assets().url(name)


@register.simple_tag
def asset_integrity(name: str) -> str:
    return get_assets().integrity(name)


# tag() and preload() escape every value they put in, so their HTML is safe as it is.


@register.simple_tag
def asset_tag(name: str, **attrs: object) -> SafeString:
    return mark_safe(str(get_assets().tag(name, **attrs)))


@register.simple_tag
def asset_preload(name: str, as_: str | None = None, **attrs: object) -> SafeString:
    return mark_safe(str(get_assets().preload(name, as_, **attrs)))


@register.simple_tag
def asset_importmap(**attrs: object) -> SafeString:
    return mark_safe(str(get_assets().importmap(**attrs)))
