"""assetbuild.runtime.flask.AssetBuild with the golden manifest, through Flask's test client: the
settings, the template globals and reloading. url_for and the static routes, on a site with
blueprints that is built first, are in test_flask_static.py."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from flask import Flask, render_template_string, url_for

from assetbuild.errors import ConfigError
from assetbuild.runtime import ManifestError, MissingAssetError
from assetbuild.runtime.flask import AssetBuild
from tests.runtime import BROKEN, EXPECTED_PAGE, GOLDEN

PAGE = """<head>
{{ asset_tag("css/app.css") }}
{{ asset_tag("js/app.js", defer=True) }}
{{ asset_preload("fonts/inter.woff2") }}
</head><img src="{{ asset_url("img/hero banner.jpg") }}" data-sri="{{ asset_integrity("img/logo.png") }}">
"""


@pytest.fixture(autouse=True)
def no_reload_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ASSETBUILD_RELOAD", raising=False)


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


def test_the_asset_tags_render_the_same_page_as_the_globals() -> None:
    tags = PAGE
    for call, tag in [
        ('{{ asset_tag("css/app.css") }}', '{% asset_tag "css/app.css" %}'),
        ('{{ asset_tag("js/app.js", defer=True) }}', '{% asset_tag "js/app.js" defer=True %}'),
        ('{{ asset_preload("fonts/inter.woff2") }}', '{% asset_preload "fonts/inter.woff2" %}'),
        ('{{ asset_url("img/hero banner.jpg") }}', '{% asset_url "img/hero banner.jpg" %}'),
        ('{{ asset_integrity("img/logo.png") }}', '{% asset_integrity "img/logo.png" %}'),
    ]:
        tags = tags.replace(call, tag)
    assert "{{" not in tags
    app = make_app(tags, ASSETBUILD_MANIFEST=GOLDEN)
    AssetBuild(app)
    assert app.test_client().get("/").text == EXPECTED_PAGE


def test_in_debug_mode_a_rewritten_manifest_shows_in_the_tags_of_a_compiled_template(
    release: Path,
) -> None:
    app = make_app('{% asset_url "css/app.css" %}', ASSETBUILD_MANIFEST=release, DEBUG=True)
    AssetBuild(app)
    client = app.test_client()
    assert client.get("/").text == "/static/css/app.7d9d3ab0140e.css"
    _point_app_css_elsewhere(release)
    assert client.get("/").text == "/static/css/app.0000000000ff.css"


def test_in_development_the_tags_report_a_missing_manifest_and_then_read_it(
    tmp_path: Path,
) -> None:
    manifest = tmp_path / "release" / "manifest.json"
    app = make_app('{% asset_tag "js/app.js" %}', ASSETBUILD_MANIFEST=manifest, DEBUG=True)
    AssetBuild(app)
    client = app.test_client()
    with pytest.raises(ManifestError, match="no manifest there"):
        client.get("/")
    shutil.copytree(GOLDEN.parent, manifest.parent)
    assert client.get("/").text.startswith('<script src="/static/js/app.dcf5f8243b2f.js"')


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


def test_an_unset_manifest_is_the_release_beside_the_app_and_a_missing_one_says_what_makes_it(
    tmp_path: Path,
) -> None:
    app = Flask("site", root_path=str(tmp_path))
    with pytest.raises(ManifestError) as raised:
        AssetBuild(app)
    message = str(raised.value)
    assert message.startswith(f"{tmp_path / 'build/static/manifest.json'}: no manifest there")
    assert message.endswith("(in a Flask app, `flask assetbuild build` writes it here)")


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


# --- development, and a manifest not there yet ---


def test_in_development_a_missing_manifest_is_reported_by_the_first_lookup_and_then_read(
    tmp_path: Path,
) -> None:
    manifest = tmp_path / "release" / "manifest.json"
    app = make_app('{{ asset_url("css/app.css") }}', ASSETBUILD_MANIFEST=manifest, DEBUG=True)
    extension = AssetBuild(app)  # starts: development
    client = app.test_client()
    with pytest.raises(ManifestError, match="no manifest there") as raised:
        client.get("/")
    assert str(manifest) in str(raised.value)
    assert "flask assetbuild build" in str(raised.value)
    with pytest.raises(ManifestError), app.test_request_context():
        url_for("static", filename="css/app.css")
    shutil.copytree(GOLDEN.parent, manifest.parent)  # as a build would write it
    assert client.get("/").text == "/static/css/app.7d9d3ab0140e.css"
    assert extension.assets is not None and extension.assets.reload


def test_in_development_an_invalid_manifest_is_reported_by_each_lookup(tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.json"
    manifest.write_text("{", encoding="utf-8")
    app = make_app('{{ asset_tag("css/app.css") }}', ASSETBUILD_MANIFEST=manifest)
    app.config["ASSETBUILD_RELOAD"] = True
    AssetBuild(app)
    for _ in range(2):  # nothing of a failure is kept: each lookup tries again
        with pytest.raises(ManifestError, match="not valid JSON"):
            app.test_client().get("/")


def test_assets_of_an_extension_not_initialised_are_none() -> None:
    assert AssetBuild().assets is None


@pytest.mark.parametrize(
    ("value", "reload"),
    [("1", True), ("true", True), ("On", True), ("0", False), ("false", False), ("", False)],
)
def test_assetbuild_reload_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, value: str, reload: bool
) -> None:
    monkeypatch.setenv("ASSETBUILD_RELOAD", value)
    extension = AssetBuild(make_app(ASSETBUILD_MANIFEST=GOLDEN))
    assert extension.assets is not None and extension.assets.reload is reload


def test_a_reload_setting_in_words_is_read_as_meant() -> None:
    # bool("false") would be True.
    extension = AssetBuild(make_app(ASSETBUILD_MANIFEST=GOLDEN, ASSETBUILD_RELOAD="false"))
    assert extension.assets is not None and not extension.assets.reload


def test_a_reload_setting_that_is_neither_true_nor_false_is_an_error_naming_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ASSETBUILD_RELOAD", "sometimes")
    with pytest.raises(ConfigError, match=r"^ASSETBUILD_RELOAD: 'sometimes' is neither true nor"):
        AssetBuild(make_app(ASSETBUILD_MANIFEST=GOLDEN))
