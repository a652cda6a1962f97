"""``python -m assetbuild``: the same command line as the ``assetbuild`` script."""

from __future__ import annotations

from assetbuild.compiler.cli import main

if __name__ == "__main__":
    main()
