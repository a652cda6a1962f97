"""Jinja2 adapter: the runtime's lookups as template globals.

Owns: the global names ``asset_url``, ``asset_integrity``, ``asset_tag``, ``asset_preload`` and
``asset_importmap``.
Must not: hold any state of its own or read settings; the Flask and Django adapters decide which
``Assets`` to use and call ``install``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from markupsafe import Markup

from assetbuild.runtime._assets import Assets

if TYPE_CHECKING:
    from jinja2 import Environment


def install(env: Environment, assets: Assets | Callable[[], Assets]) -> None:
    """Add the asset globals to ``env``.

    ``assets`` is an ``Assets``, or a function returning one that is called on every lookup
    (Django's, which follows the settings of the moment).
    """
    if isinstance(assets, Assets):
        # Bound methods: a template's asset_url() costs what Assets.url() costs.
        env.globals.update(
            asset_url=assets.url,
            asset_integrity=assets.integrity,
            asset_tag=assets.tag,
            asset_preload=assets.preload,
            asset_importmap=assets.importmap,
        )
        return
    current = assets

    def asset_url(name: str) -> str:
        return current().url(name)

    def asset_integrity(name: str) -> str:
        return current().integrity(name)

    def asset_tag(name: str, **attrs: object) -> Markup:
        return current().tag(name, **attrs)

    def asset_preload(name: str, as_: str | None = None, **attrs: object) -> Markup:
        return current().preload(name, as_, **attrs)

    def asset_importmap(**attrs: object) -> Markup:
        return current().importmap(**attrs)

    env.globals.update(
        asset_url=asset_url,
        asset_integrity=asset_integrity,
        asset_tag=asset_tag,
        asset_preload=asset_preload,
        asset_importmap=asset_importmap,
    )
