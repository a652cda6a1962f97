"""assetbuild.runtime.flask.AssetBuild, through Flask's test client."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from flask import Flask, render_template_string

from assetbuild.runtime import ManifestError, MissingAssetError
from assetbuild.runtime.flask import AssetBuild
from tests.runtime import BROKEN, EXPECTED_PAGE, GOLDEN

PAGE = """<head>
{{ asset_tag("css/app.css") }}
{{ asset_tag("js/app.js", defer=True) }}
{{ asset_preload("fonts/inter.woff2") }}
</head><img src="{{ asset_url("img/hero banner.jpg") }}" data-sri="{{ asset_integrity("img/logo.png") }}">
"""


def make_app(template: str = PAGE, **config: object) -> Flask:
    app = Flask(__name__)
    app.config.update(TESTING=True, **config)

    @app.get("/")
    def page() -> str:
        return render_template_string(template)

    return app


def test_a_page_through_the_test_client_has_the_exact_tags() -> None:
    app = make_app(ASSETBUILD_MANIFEST=GOLDEN)
    AssetBuild(app)
    assert app.test_client().get("/").text == EXPECTED_PAGE


def test_init_app_registers_the_extension_for_an_app_factory() -> None:
    extension = AssetBuild()
    app = make_app(ASSETBUILD_MANIFEST=str(GOLDEN))
    extension.init_app(app)
    assert app.extensions["assetbuild"] is extension
    assert extension.assets is not None
    assert extension.assets.url("css/app.css") == "/static/css/app.7d9d3ab0140e.css"
    assert {"asset_url", "asset_integrity", "asset_tag", "asset_preload"} <= set(
        app.jinja_env.globals
    )


def test_the_manifest_and_url_default_to_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSETBUILD_MANIFEST", str(GOLDEN))
    monkeypatch.setenv("ASSETBUILD_URL", "https://cdn.example.com/static")
    app = make_app('{{ asset_url("css/app.css") }}')
    AssetBuild(app)
    assert app.test_client().get("/").text == (
        "https://cdn.example.com/static/css/app.7d9d3ab0140e.css"
    )


def test_the_config_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSETBUILD_MANIFEST", str(BROKEN / "invalid-json.json"))
    monkeypatch.setenv("ASSETBUILD_URL", "https://env.example.com/")
    app = make_app(
        '{{ asset_url("css/app.css") }}',
        ASSETBUILD_MANIFEST=GOLDEN,
        ASSETBUILD_URL="https://config.example.com/",
    )
    AssetBuild(app)
    assert app.test_client().get("/").text == "https://config.example.com/css/app.7d9d3ab0140e.css"


def test_an_unset_manifest_fails_at_init_app_saying_what_to_set() -> None:
    with pytest.raises(ManifestError, match=r"ASSETBUILD_MANIFEST is not set.*app\.config"):
        AssetBuild(make_app())


def test_a_missing_manifest_fails_at_init_app_naming_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "manifest.json"
    with pytest.raises(ManifestError, match="run `assetbuild build`") as raised:
        AssetBuild(make_app(ASSETBUILD_MANIFEST=missing))
    assert str(missing) in str(raised.value)


def test_an_invalid_manifest_fails_at_init_app() -> None:
    with pytest.raises(ManifestError, match="version is 2"):
        AssetBuild(make_app(ASSETBUILD_MANIFEST=BROKEN / "unknown-version.json"))


def test_a_typo_in_a_template_raises_missing_asset_error_with_suggestions() -> None:
    app = make_app('{{ asset_tag("css/ap.css") }}', ASSETBUILD_MANIFEST=GOLDEN)
    AssetBuild(app)
    with pytest.raises(MissingAssetError, match="did you mean 'css/app.css'"):
        app.test_client().get("/")


def _point_app_css_elsewhere(manifest: Path) -> None:
    document = json.loads(manifest.read_text(encoding="utf-8"))
    document["assets"]["css/app.css"]["path"] = "css/app.0000000000ff.css"
    later = manifest.stat().st_mtime_ns + 2_000_000_000
    manifest.write_text(json.dumps(document), encoding="utf-8")
    os.utime(manifest, ns=(later, later))


def test_in_debug_mode_a_rewritten_manifest_is_picked_up(release: Path) -> None:
    app = make_app('{{ asset_url("css/app.css") }}', ASSETBUILD_MANIFEST=release, DEBUG=True)
    AssetBuild(app)
    client = app.test_client()
    assert client.get("/").text == "/static/css/app.7d9d3ab0140e.css"
    _point_app_css_elsewhere(release)
    assert client.get("/").text == "/static/css/app.0000000000ff.css"


def test_outside_debug_mode_the_manifest_is_read_once(release: Path) -> None:
    app = make_app('{{ asset_url("css/app.css") }}', ASSETBUILD_MANIFEST=release)
    AssetBuild(app)
    _point_app_css_elsewhere(release)
    assert app.test_client().get("/").text == "/static/css/app.7d9d3ab0140e.css"


def test_assetbuild_reload_overrides_debug(release: Path) -> None:
    app = make_app(
        '{{ asset_url("css/app.css") }}', ASSETBUILD_MANIFEST=release, ASSETBUILD_RELOAD=True
    )
    AssetBuild(app)
    _point_app_css_elsewhere(release)
    assert app.test_client().get("/").text == "/static/css/app.0000000000ff.css"
