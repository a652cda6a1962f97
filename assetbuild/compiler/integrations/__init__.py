"""The build side of the framework integrations: a framework's settings -> the build's ``Defaults``.

Each module here knows one framework and is imported only by that framework's adapter, inside the
function that builds (``ReleaseStorage.post_process``, ``manage.py assetbuild``), never when an
app starts; ``tests/test_architecture.py`` holds the runtime to exactly those call sites.
"""

from __future__ import annotations
