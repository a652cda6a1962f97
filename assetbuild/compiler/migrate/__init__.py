"""Migration from other asset tools: their bundle definitions -> ``assetbuild.toml``.

Owns: nothing of its own; it names the public entry points. ``webassets`` converts webassets and
Flask-Assets bundles (``webassets_yaml`` and ``webassets_env`` read them into the model of
``webassets_model``; ``webassets_excludes`` proposes what not to publish), ``compressor``
django-compressor's ``{% compress %}`` blocks (and rewrites the templates) as
``django_templates`` reads them, ``toml_text`` writes the TOML values both emit, and ``output`` is
the only module here that writes a file.
Must not: import webassets or Django (the converters import what they need when they run).

``from_environment`` is documented (docs/migrating.md) under this name:
``from assetbuild.compiler.migrate import from_environment``.
"""

from __future__ import annotations

from assetbuild.compiler.migrate.toml_text import toml_string
from assetbuild.compiler.migrate.webassets import (
    Conversion,
    convert_environment,
    convert_yaml,
    from_environment,
)

__all__ = ["Conversion", "convert_environment", "convert_yaml", "from_environment", "toml_string"]
