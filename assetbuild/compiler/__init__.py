"""The build stage: turns source trees into a release directory and its manifest.

Everything that may import webassets, rcssmin, rjsmin, click or brotli lives below this package;
``assetbuild.runtime`` must never import it.
"""

from __future__ import annotations
