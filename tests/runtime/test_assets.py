"""assetbuild.runtime.Assets, on the checked-in manifests under fixtures/runtime."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from markupsafe import Markup

from assetbuild.runtime import Assets, ManifestError, MissingAssetError
from tests.runtime import BROKEN, FIXTURES, GOLDEN

APP_CSS = "/static/css/app.7d9d3ab0140e.css"
APP_CSS_SRI = "sha384-THSU0CUS2WLIKqnCGDe/ANkS2y6GZ1QBTrplFDED88hQyBDtpP3a/NMjubicUdbb"
APP_JS = "/static/js/app.dcf5f8243b2f.js"
APP_JS_SRI = "sha384-V9EI/3tAzm7QR19uFoJW9OQSWFPJwCm0A8uXWFGPgIid03IbMZ7HMlAk0dCIwIol"
FONT = "/static/fonts/inter.f386309f51a4.woff2"
FONT_SRI = "sha384-5CkIzX9R62yaDnMs52eU/CbAj80/jiklz/jP3JkrN0AJ2CGxPufkoZyglfUwXKIS"


# --- URLs ---


def test_url_is_the_manifest_prefix_and_the_release_path(assets: Assets) -> None:
    assert assets.url("css/app.css") == APP_CSS
    assert assets.url("img/logo.png") == "/static/img/logo.effb6e185464.png"


def test_url_percent_encodes_a_space_in_the_file_name(assets: Assets) -> None:
    assert assets.url("img/hero banner.jpg") == "/static/img/hero%20banner.233d5d979a2f.jpg"


def test_url_percent_encodes_quotes_in_the_file_name(assets: Assets) -> None:
    assert assets.url('img/say "cheese".svg') == "/static/img/say%20%22cheese%22.d2d0210a37c1.svg"


@pytest.mark.parametrize(
    "prefix", ["https://cdn.example.com/static/", "https://cdn.example.com/static"]
)
def test_url_given_to_assets_replaces_the_manifest_prefix_and_ends_with_a_slash(
    prefix: str,
) -> None:
    assets = Assets(GOLDEN, url=prefix)
    assert assets.url("css/app.css") == "https://cdn.example.com/static/css/app.7d9d3ab0140e.css"


def test_from_env_reads_the_manifest_and_the_url_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSETBUILD_MANIFEST", str(GOLDEN))
    monkeypatch.setenv("ASSETBUILD_URL", "https://cdn.example.com/v2")
    assert Assets.from_env().url("js/app.js") == "https://cdn.example.com/v2/js/app.dcf5f8243b2f.js"


def test_from_env_without_a_url_uses_the_manifest_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSETBUILD_MANIFEST", str(GOLDEN))
    monkeypatch.delenv("ASSETBUILD_URL", raising=False)
    assert Assets.from_env().url("js/app.js") == APP_JS


def test_from_env_without_a_manifest_says_which_variable_to_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("ASSETBUILD_MANIFEST", raising=False)
    with pytest.raises(ManifestError, match="ASSETBUILD_MANIFEST is not set.*assetbuild build"):
        Assets.from_env()


# --- integrity and tags ---


def test_integrity_is_the_manifests_value(assets: Assets) -> None:
    assert assets.integrity("css/app.css") == APP_CSS_SRI


def test_tag_of_a_stylesheet_is_a_link_with_integrity(assets: Assets) -> None:
    tag = assets.tag("css/app.css")
    assert isinstance(tag, Markup)
    assert tag == (
        f'<link rel="stylesheet" href="{APP_CSS}" integrity="{APP_CSS_SRI}" crossorigin="anonymous">'
    )


def test_tag_of_a_script_is_a_script_element_with_integrity(assets: Assets) -> None:
    assert assets.tag("js/app.js") == (
        f'<script src="{APP_JS}" integrity="{APP_JS_SRI}" crossorigin="anonymous"></script>'
    )


def test_tag_of_an_mjs_file_is_a_script_element_too(assets: Assets) -> None:
    assert assets.tag("js/chart.mjs").startswith(
        '<script src="/static/js/chart.beff251aacf3.mjs" integrity="sha384-'
    )


def test_a_module_tag_preloads_what_the_module_imports_first(assets: Assets) -> None:
    tag = assets.tag("js/chart.mjs", type="module")
    preload, script = tag.split("><script ")
    assert preload == (
        '<link rel="modulepreload" href="/static/vendor/color.esm.e4ce81011764.js"'
        ' integrity="sha384-pcego+gcUv5u45e9XAF9Dxlxs7oLqKgwVixVqolI1ave3gzPcpTQ2mZyJPuDaBgZ"'
        ' crossorigin="anonymous"'
    )
    assert script.startswith('src="/static/js/chart.beff251aacf3.mjs"')
    assert script.endswith(' type="module"></script>')


def test_a_script_that_is_not_a_module_gets_no_preloads(assets: Assets) -> None:
    assert "modulepreload" not in assets.tag("js/app.js", type="module")


def test_tag_appends_attributes_in_the_order_given(assets: Assets) -> None:
    tag = assets.tag("js/app.js", defer=True, type="module", nonce="r4nd0m")
    assert tag == (
        f'<script src="{APP_JS}" integrity="{APP_JS_SRI}" crossorigin="anonymous"'
        ' defer type="module" nonce="r4nd0m"></script>'
    )


@pytest.mark.parametrize("attrs", [{"async_": True}, {"async": True}])
def test_tag_spells_async_either_way(assets: Assets, attrs: dict[str, object]) -> None:
    assert assets.tag("js/app.js", **attrs).endswith('crossorigin="anonymous" async></script>')


def test_tag_turns_underscores_into_hyphens(assets: Assets) -> None:
    assert ' data-turbo-track="reload">' in assets.tag("css/app.css", data_turbo_track="reload")


def test_tag_leaves_out_attributes_that_are_false_or_none(assets: Assets) -> None:
    assert assets.tag("js/app.js", defer=False, nonce=None) == assets.tag("js/app.js")


def test_tag_of_a_stylesheet_takes_a_media_attribute(assets: Assets) -> None:
    assert assets.tag("css/print.css", media="print").endswith(
        ' crossorigin="anonymous" media="print">'
    )


def test_tag_may_change_crossorigin_in_place(assets: Assets) -> None:
    assert assets.tag("js/app.js", crossorigin="use-credentials") == (
        f'<script src="{APP_JS}" integrity="{APP_JS_SRI}" crossorigin="use-credentials"></script>'
    )


def test_tag_escapes_every_attribute_value(assets: Assets) -> None:
    tag = assets.tag("js/app.js", nonce='"><script>alert(1)</script>', title="Tom & 'Jerry'")
    assert 'nonce="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in tag
    assert 'title="Tom &amp; &#39;Jerry&#39;"' in tag


def test_tag_escapes_a_value_even_when_it_is_markup(assets: Assets) -> None:
    assert 'title="&lt;b&gt;"' in assets.tag("js/app.js", title=Markup("<b>"))


@pytest.mark.parametrize("name", ['x" onload="alert(1)', "a b", "1x", "", "_"])
def test_tag_refuses_an_attribute_name_that_is_not_a_plain_name(assets: Assets, name: str) -> None:
    with pytest.raises(ValueError, match="is not an HTML attribute name"):
        assets.tag("js/app.js", **{name: "x"})


@pytest.mark.parametrize(("name", "attr"), [("js/app.js", "src"), ("css/app.css", "href")])
def test_tag_refuses_to_override_the_url_or_the_integrity(
    assets: Assets, name: str, attr: str
) -> None:
    for key in (attr, "integrity"):
        with pytest.raises(ValueError, match=f"the '{key}' attribute is set from the manifest"):
            assets.tag(name, **{key: "elsewhere"})


def test_tag_of_an_image_says_to_use_url_instead(assets: Assets) -> None:
    with pytest.raises(ValueError, match=r"tag\(\) makes .* tags only .*use url\(\)"):
        assets.tag("img/logo.png")


def test_a_hostile_manifest_comes_out_escaped_in_tags() -> None:
    hostile = Assets(FIXTURES / "hostile" / "manifest.json")
    prefix = "/static/&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;/"
    assert hostile.tag('css/"><b>bold.css') == (
        f'<link rel="stylesheet" href="{prefix}css/%22%3E%3Cb%3Ebold.0123456789ab.css"'
        ' integrity="sha384-&#34;&gt;&lt;i&gt;x" crossorigin="anonymous">'
    )
    assert hostile.tag("js/<script>.js", defer=True) == (
        f'<script src="{prefix}js/%3Cscript%3E.0123456789ab.js"'
        ' integrity="sha384-abc&#39;&#34;&amp;" crossorigin="anonymous" defer></script>'
    )


# --- preload ---


def test_preload_of_a_font_is_fetched_with_cors_and_checked(assets: Assets) -> None:
    assert assets.preload("fonts/inter.woff2") == (
        f'<link rel="preload" href="{FONT}" as="font" integrity="{FONT_SRI}"'
        ' crossorigin="anonymous">'
    )


def test_preload_infers_style_and_script_from_the_extension(assets: Assets) -> None:
    assert assets.preload("css/app.css") == (
        f'<link rel="preload" href="{APP_CSS}" as="style" integrity="{APP_CSS_SRI}"'
        ' crossorigin="anonymous">'
    )
    assert ' as="script" integrity="sha384-' in assets.preload("js/app.js")


def test_preload_of_an_image_has_no_crossorigin_so_the_img_request_reuses_it(
    assets: Assets,
) -> None:
    assert assets.preload("img/logo.png") == (
        '<link rel="preload" href="/static/img/logo.effb6e185464.png" as="image">'
    )


def test_preload_takes_as_from_the_caller(assets: Assets) -> None:
    assert ' as="fetch" integrity="' in assets.preload("data/routes.json", as_="fetch")
    assert ' as="fetch" integrity="' in assets.preload("data/routes.json", **{"as": "fetch"})


def test_preload_passes_extra_attributes(assets: Assets) -> None:
    assert assets.preload("fonts/inter.woff2", type="font/woff2").endswith(
        ' crossorigin="anonymous" type="font/woff2">'
    )


def test_preload_of_an_unknown_extension_asks_for_as(assets: Assets) -> None:
    with pytest.raises(ValueError, match="pass as_="):
        assets.preload("data/routes.json")


def test_preload_refuses_a_destination_html_does_not_have(assets: Assets) -> None:
    with pytest.raises(ValueError, match="'fonts' is not a preload destination"):
        assets.preload("fonts/inter.woff2", as_="fonts")


# --- names the manifest does not have ---


@pytest.mark.parametrize("method", ["url", "integrity", "tag", "preload"])
def test_an_unknown_name_raises_missing_asset_error_naming_the_manifest_and_close_matches(
    assets: Assets, method: str
) -> None:
    with pytest.raises(MissingAssetError) as raised:
        getattr(assets, method)("css/ap.css")
    error = raised.value
    assert error.name == "css/ap.css"
    assert error.manifest == str(GOLDEN)
    assert error.suggestions[0] == "css/app.css"
    assert len(error.suggestions) <= 3
    assert str(error).startswith(f"'css/ap.css' is not in the manifest {GOLDEN}; did you mean")


def test_a_name_like_nothing_in_the_manifest_gets_no_suggestions(assets: Assets) -> None:
    with pytest.raises(MissingAssetError) as raised:
        assets.url("zzzzzz/qqqqq.woff")
    assert raised.value.suggestions == ()
    assert str(raised.value) == f"'zzzzzz/qqqqq.woff' is not in the manifest {GOLDEN}"


def test_a_missing_asset_is_a_lookup_error(assets: Assets) -> None:
    with pytest.raises(LookupError):
        assets.url("nope.css")


# --- the collection ---


def test_assets_know_which_names_they_hold(assets: Assets) -> None:
    assert "css/app.css" in assets
    assert "css/nope.css" not in assets
    assert len(assets) == 10
    assert list(assets)[:3] == ["css/app.css", "css/print.css", "data/routes.json"]


def test_es_module_imports_and_the_importmap_are_kept_for_later(assets: Assets) -> None:
    assert assets.manifest.assets["js/chart.mjs"].imports == ("vendor/color.esm.js",)
    assert assets.manifest.importmap == {"@kurkle/color": "vendor/color.esm.js"}


def test_repr_shows_how_it_was_made(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES.parents[1])
    assets = Assets("fixtures/runtime/release/manifest.json", url="https://cdn/", reload=True)
    assert repr(assets) == (
        "Assets('fixtures/runtime/release/manifest.json', url='https://cdn/', reload=True)"
    )


# --- loading ---


def test_a_missing_manifest_fails_at_construction_naming_the_path_and_the_fix(
    tmp_path: Path,
) -> None:
    missing = tmp_path / "build" / "manifest.json"
    with pytest.raises(ManifestError, match="run `assetbuild build`") as raised:
        Assets(missing)
    assert str(missing) in str(raised.value)


@pytest.mark.parametrize(
    ("fixture", "problem"),
    [
        ("invalid-json.json", "not valid JSON"),
        ("empty.json", "not valid JSON"),
        ("not-an-object.json", "must be a JSON object"),
        ("unknown-version.json", "version is 2, but this assetbuild reads version 1 only"),
        ("absolute-path.json", r"assets\['img/logo.png'\].path is absolute"),
        ("dotdot-path.json", r"assets\['img/logo.png'\].path has an empty, '.' or '..' segment"),
        ("dotdot-encoding.json", r"encodings\['gzip'\] has an empty, '.' or '..' segment"),
        ("scheme-path.json", r"assets\['img/logo.png'\].path has a URL scheme"),
        ("backslash-path.json", r"assets\['img/logo.png'\].path contains a backslash"),
        ("non-string-values.json", r"assets\['img/logo.png'\].integrity must be a string"),
        ("lone-surrogate-path.json", r"assets\['img/logo.png'\].path is not valid Unicode"),
    ],
)
def test_a_broken_manifest_fails_at_construction_naming_the_file_and_the_problem(
    fixture: str, problem: str
) -> None:
    with pytest.raises(ManifestError, match=problem) as raised:
        Assets(BROKEN / fixture)
    assert str(raised.value).startswith(str(BROKEN / fixture))


# --- reloading ---


def _rewrite(manifest: Path, *, path: str, replace: bool) -> None:
    """Point css/app.css at another release path, in place or by renaming a new file over it."""
    document = json.loads(manifest.read_text(encoding="utf-8"))
    document["assets"]["css/app.css"]["path"] = path
    text = json.dumps(document, sort_keys=True, indent=2)
    stat = manifest.stat()
    if replace:  # as the build does: write a new file, rename it over the old one
        new = manifest.with_name("manifest.json.tmp")
        new.write_text(text, encoding="utf-8")
        new.replace(manifest)
    else:
        manifest.write_text(text, encoding="utf-8")
    # A later mtime, whatever the filesystem's timestamp granularity.
    later = stat.st_mtime_ns + 2_000_000_000
    os.utime(manifest, ns=(later, later))


@pytest.mark.parametrize("replace", [False, True], ids=["in place", "renamed over"])
def test_reload_picks_up_a_rewritten_manifest(release: Path, replace: bool) -> None:
    assets = Assets(release, reload=True)
    assert assets.url("css/app.css") == APP_CSS
    _rewrite(release, path="css/app.0000000000ff.css", replace=replace)
    assert assets.url("css/app.css") == "/static/css/app.0000000000ff.css"
    assert 'href="/static/css/app.0000000000ff.css"' in assets.tag("css/app.css")


def test_without_reload_a_rewritten_manifest_is_not_read(release: Path) -> None:
    assets = Assets(release)
    _rewrite(release, path="css/app.0000000000ff.css", replace=True)
    assert assets.url("css/app.css") == APP_CSS


def test_without_reload_a_lookup_never_touches_the_filesystem(
    assets: Assets, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_stat(*args: object, **kwargs: object) -> None:
        raise AssertionError("stat() called on a lookup")

    monkeypatch.setattr(os, "stat", no_stat)
    assets.url("css/app.css")
    assets.tag("js/app.js", defer=True)
    assert "css/app.css" in assets


def test_reload_of_a_broken_rewrite_raises_and_recovers_once_it_is_fixed(release: Path) -> None:
    assets = Assets(release, reload=True)
    good = release.read_bytes()
    release.write_text("{", encoding="utf-8")
    with pytest.raises(ManifestError, match="not valid JSON"):
        assets.url("css/app.css")
    with pytest.raises(ManifestError, match="not valid JSON"):
        assets.url("css/app.css")  # still broken: still an error, not the stale release
    release.write_bytes(good)
    assert assets.url("css/app.css") == APP_CSS


def test_reload_of_a_deleted_manifest_names_the_path(release: Path) -> None:
    assets = Assets(release, reload=True)
    shutil.rmtree(release.parent)
    with pytest.raises(ManifestError, match="no manifest there"):
        assets.url("css/app.css")


# --- aliases ---


def with_aliases(release: Path, aliases: dict[str, str]) -> Assets:
    document = json.loads(release.read_text("utf-8"))
    document["aliases"] = aliases
    release.write_text(json.dumps(document), encoding="utf-8")
    return Assets(release)


def test_every_lookup_takes_an_alias_where_it_takes_a_logical_path(release: Path) -> None:
    assets = with_aliases(
        release,
        {"home_style_bundle": "css/app.css", "brand": "fonts/inter.woff2", "app": "js/app.js"},
    )
    assert assets.url("home_style_bundle") == APP_CSS
    assert assets.integrity("home_style_bundle") == APP_CSS_SRI
    assert assets.tag("home_style_bundle") == assets.tag("css/app.css")
    assert assets.tag("app", defer=True) == assets.tag("js/app.js", defer=True)
    # The kind of tag, and a preload's destination, come from the asset the alias names.
    assert assets.preload("brand") == assets.preload("fonts/inter.woff2")
    assert "home_style_bundle" in assets and "brand" in assets


def test_an_alias_of_a_module_preloads_its_imports_with_or_without_a_nonce(release: Path) -> None:
    assets = with_aliases(release, {"chart": "js/chart.mjs"})
    assert assets.tag("chart", type="module") == assets.tag("js/chart.mjs", type="module")
    with_nonce = assets.tag("chart", type="module", nonce="n0")
    assert with_nonce == assets.tag("js/chart.mjs", type="module", nonce="n0")
    assert 'rel="modulepreload"' in with_nonce and 'nonce="n0"' in with_nonce


def test_aliases_take_the_url_prefix_given_to_assets(release: Path) -> None:
    with_aliases(release, {"home": "css/app.css"})
    cdn = Assets(release, url="https://cdn.example.com/s/")
    assert cdn.url("home") == "https://cdn.example.com/s/css/app.7d9d3ab0140e.css"


def test_the_collection_is_of_logical_paths_not_aliases(release: Path) -> None:
    assets = with_aliases(release, {"home": "css/app.css"})
    assert len(assets) == 10
    assert "home" not in list(assets)


def test_close_matches_of_an_unknown_name_consider_the_aliases(release: Path) -> None:
    assets = with_aliases(release, {"home_style_bundle": "css/app.css"})
    with pytest.raises(MissingAssetError) as raised:
        assets.tag("home_style_bundel")
    assert raised.value.suggestions == ("home_style_bundle",)


def test_an_alias_rewritten_in_a_reloaded_manifest_is_followed(release: Path) -> None:
    with_aliases(release, {"main": "css/app.css"})
    assets = Assets(release, reload=True)
    assert assets.url("main") == APP_CSS
    os.utime(release, ns=(1, 1))  # a different stamp even within the clock's resolution
    with_aliases(release, {"main": "js/app.js"})
    assert assets.url("main") == APP_JS
    assert assets.tag("main") == assets.tag("js/app.js")


def test_a_manifest_without_aliases_looks_up_as_before(assets: Assets) -> None:
    assert assets.manifest.aliases == {} and assets.manifest.plain == ()
    with pytest.raises(MissingAssetError):
        assets.url("home_style_bundle")
