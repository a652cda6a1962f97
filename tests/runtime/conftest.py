"""Fixtures for the runtime tests: the golden release, a writable copy of it, and Django.

Django is configured here, once per session and only if nothing configured it before, with the
assetbuild app installed and both template backends (Django's and Jinja2) reading the templates
of ``tests.runtime.django_site``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assetbuild.runtime import Assets
from tests.runtime import GOLDEN


@pytest.fixture
def assets() -> Assets:
    """The golden release: css, js, an ES module, a font, images, bundles (fixtures/runtime)."""
    return Assets(GOLDEN)


@pytest.fixture
def release(tmp_path: Path) -> Path:
    """A writable copy of the golden release, for tests that rewrite the manifest."""
    copy = tmp_path / "release"
    shutil.copytree(GOLDEN.parent, copy)
    return copy / "manifest.json"


@pytest.fixture(scope="session")
def django_site() -> None:
    """Configure Django for these tests (unless something else already did) and set it up."""
    import django
    from django.conf import settings

    if not settings.configured:
        from tests.runtime import django_site as site

        settings.configure(**site.SETTINGS)
    django.setup()


@pytest.fixture(autouse=True)
def no_assetbuild_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ASSETBUILD_MANIFEST", "ASSETBUILD_URL"):
        monkeypatch.delenv(name, raising=False)
