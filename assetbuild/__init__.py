"""assetbuild: compile assets at build time, read the manifest at run time.

This module holds the version only, so that importing the package loads nothing else: the
runtime side (``assetbuild.runtime``) must stay free of the build side's imports.
"""

from __future__ import annotations

__version__ = "0.1.0"
