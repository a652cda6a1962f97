"""``scripts/corpus.py`` (the pinned npm corpus fetcher), loaded once for the tests that use it.

It is a script, not a package module, so it is loaded by path.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "corpus.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("assetbuild_corpus", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


corpus = _load()
