"""The ``assetbuild`` command line: the only package that knows exit statuses.

``_root`` holds the group and the error-to-status mapping; each other module registers its
commands on the group when imported here (after click's own split of ``core``, ``decorators``
and ``termui``). Nothing in it builds, verifies or uploads: it calls the modules that do.
"""

from __future__ import annotations

from assetbuild.compiler.cli import _build, _imports, _inspect, _publish  # noqa: F401 (registers)
from assetbuild.compiler.cli._root import EXIT_FAILED, EXIT_USAGE, main

__all__ = ["EXIT_FAILED", "EXIT_USAGE", "main"]
