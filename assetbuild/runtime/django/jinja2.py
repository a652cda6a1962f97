"""The environment for Django's Jinja2 backend.

In ``TEMPLATES``: ``"OPTIONS": {"environment": "assetbuild.runtime.django.jinja2.environment"}``.

Owns: ``environment(**options)``, a Jinja2 ``Environment`` with the asset globals, looked up
through ``get_assets()`` so they follow the settings like the ``{% load assetbuild %}`` tags.
Must not: load the manifest when the environment is made (that happens at first use).
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment

from assetbuild.runtime.django._current import get_assets
from assetbuild.runtime.jinja import install


def environment(**options: Any) -> Environment:
    env = Environment(**options)
    install(env, get_assets)
    return env
