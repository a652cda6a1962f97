"""The build side of the framework integrations: a framework's settings -> the build's ``Defaults``.

Each module here knows one framework and is imported only by that framework's adapter, inside the
function that builds (``ReleaseStorage.post_process``, ``manage.py assetbuild``), never when an
app starts; ``tests/test_architecture.py`` holds the runtime to exactly those call sites.
"""

from __future__ import annotations

import os
from pathlib import Path

from assetbuild.compiler import release
from assetbuild.errors import ConfigError


def state_beside(output: Path, configured: str | None, *, release_named: str) -> Path:
    """Where a framework's build keeps its history, lock and cache: ``configured``
    (``ASSETBUILD_STATE``), else beside the release (``build/static`` ->
    ``build/.static.assetbuild``), where no static route or file server reaches it.
    ``release_named`` is how the framework's user knows the release directory, for the message.
    """
    if not configured:
        return release.state_beside(output)  # the rule of every build, integrated or not
    state = Path(os.path.abspath(configured))
    if state == output or state.is_relative_to(output):
        raise ConfigError(
            f"{state} is inside {release_named} ({output}), whose files are served; put it "
            f"beside {release_named}, or leave ASSETBUILD_STATE unset",
            key="ASSETBUILD_STATE",
        )
    return state
