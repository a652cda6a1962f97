"""ReleaseStorage at run time: url() from the manifest, in this process, on the golden release.

Django is the runtime tests' (conftest.py), with staticfiles installed and ReleaseStorage set as
the ``staticfiles`` storage for each test; collectstatic itself is test_django_collectstatic.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from django import forms
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.files.base import ContentFile
from django.template import Context, Template
from django.templatetags.static import static
from django.test import override_settings

from assetbuild.runtime import ManifestError, MissingAssetError
from assetbuild.runtime.django.storage import ReleaseStorage
from tests.runtime import GOLDEN
from tests.runtime.django_site import SETTINGS

pytestmark = pytest.mark.usefixtures("django_site")

STORAGE = "assetbuild.runtime.django.storage.ReleaseStorage"


def storages(**options: object) -> dict[str, dict[str, object]]:
    backend: dict[str, object] = {"BACKEND": STORAGE}
    if options:
        backend["OPTIONS"] = options
    return {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": backend,
    }


@pytest.fixture(autouse=True)
def release_storage() -> Iterator[None]:
    """staticfiles installed, ReleaseStorage its storage, the golden release its STATIC_ROOT
    (and no ASSETBUILD_MANIFEST: the manifest is STATIC_ROOT's)."""
    with override_settings(
        INSTALLED_APPS=[*SETTINGS["INSTALLED_APPS"], "django.contrib.staticfiles"],
        STORAGES=storages(),
        STATIC_ROOT=str(GOLDEN.parent),
        STATIC_URL="/static/",
        ASSETBUILD_MANIFEST=None,
    ):
        yield


# --- url() ---


def test_url_is_the_release_url_from_the_manifest_in_static_root() -> None:
    assert staticfiles_storage.url("css/app.css") == "/static/css/app.7d9d3ab0140e.css"


def test_the_static_tag_and_static_go_through_the_storage() -> None:
    rendered = Template("{% load static %}{% static 'js/app.js' %}").render(Context())
    assert rendered == "/static/js/app.dcf5f8243b2f.js"
    assert static("img/logo.png").startswith("/static/img/logo.")


def test_form_media_goes_through_the_storage() -> None:
    class Search(forms.Form):
        class Media:
            css = {"all": ["css/app.css"]}
            js = ["js/app.js"]

    media = str(Search().media)
    assert 'href="/static/css/app.7d9d3ab0140e.css"' in media
    assert 'src="/static/js/app.dcf5f8243b2f.js"' in media


def test_assetbuild_url_serves_the_release_from_a_cdn() -> None:
    with override_settings(ASSETBUILD_URL="https://cdn.example.com/static/"):
        assert staticfiles_storage.url("css/app.css") == (
            "https://cdn.example.com/static/css/app.7d9d3ab0140e.css"
        )


def test_assetbuild_manifest_overrides_static_root(tmp_path: Path) -> None:
    with override_settings(STATIC_ROOT=str(tmp_path), ASSETBUILD_MANIFEST=str(GOLDEN)):
        assert staticfiles_storage.url("css/app.css") == "/static/css/app.7d9d3ab0140e.css"


@pytest.mark.parametrize(
    ("name", "suffix"), [("fonts/inter.woff2?v=2", "?v=2"), ("fonts/inter.woff2?#iefix", "?#iefix")]
)
def test_a_query_or_fragment_is_kept(name: str, suffix: str) -> None:
    assert staticfiles_storage.url(name) == "/static/fonts/inter.f386309f51a4.woff2" + suffix


def test_an_unknown_name_raises_a_value_error_naming_close_matches() -> None:
    with pytest.raises(MissingAssetError, match="did you mean 'css/app.css'") as raised:
        staticfiles_storage.url("css/ap.css")
    assert isinstance(raised.value, ValueError)  # as Django's manifest storage raises
    assert isinstance(raised.value, LookupError)


def test_without_manifest_strict_an_unknown_name_gets_the_plain_url() -> None:
    with override_settings(STORAGES=storages(manifest_strict=False)):
        assert staticfiles_storage.url("css/ap.css") == "/static/css/ap.css"
        assert staticfiles_storage.url("css/app.css") == "/static/css/app.7d9d3ab0140e.css"


def test_a_missing_manifest_raises_unless_manifest_strict_is_off(tmp_path: Path) -> None:
    with (
        override_settings(STATIC_ROOT=str(tmp_path)),
        pytest.raises(ManifestError, match="no manifest there"),
    ):
        staticfiles_storage.url("css/app.css")
    with override_settings(STATIC_ROOT=str(tmp_path), STORAGES=storages(manifest_strict=False)):
        assert staticfiles_storage.url("css/app.css") == "/static/css/app.css"


def test_whitenoise_marks_the_release_s_files_immutable_and_nothing_else(
    release: Path,
) -> None:
    # WhiteNoise asks the storage for the URL of each file's name without its hash: a match is
    # a versioned file, which gets its far-future header with no setting of its own.
    from whitenoise.middleware import WhiteNoiseMiddleware

    for entry in json.loads(release.read_bytes())["assets"].values():
        path = release.parent / entry["path"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
    (release.parent / "img/logo.png").write_bytes(b"a plain copy")
    with override_settings(STATIC_ROOT=str(release.parent)):
        middleware = WhiteNoiseMiddleware(lambda request: None)

    def cache_control(path: str) -> str:
        response = middleware.files["/static/" + path].get_response("GET", {})
        response.file.close()
        return str(dict(response.headers)["Cache-Control"])

    immutable = "max-age=315360000, public, immutable"
    assert cache_control("css/app.7d9d3ab0140e.css") == immutable
    assert cache_control("js/app.dcf5f8243b2f.js") == immutable
    assert cache_control("manifest.json") == "max-age=60, public"
    assert cache_control("img/logo.png") == "max-age=60, public"


# --- collectstatic's protocol ---


def test_save_writes_nothing(tmp_path: Path) -> None:
    storage = ReleaseStorage(location=str(tmp_path))
    assert storage.save("css/site.css", ContentFile(b"body {}", name="site.css")) == "css/site.css"
    assert list(tmp_path.iterdir()) == []


def test_exists_is_false_even_for_a_file_in_static_root() -> None:
    # So collectstatic never deletes a file of the release in force (a plain copy, say).
    assert (GOLDEN.parent / "manifest.json").is_file()
    assert ReleaseStorage().exists("manifest.json") is False


def test_post_process_builds_nothing_on_a_dry_run() -> None:
    assert list(ReleaseStorage().post_process({}, dry_run=True)) == []
