"""assetbuild.runtime.jinja.install: the asset globals in a Jinja2 environment."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jinja2 import Environment

from assetbuild.runtime import Assets, MissingAssetError
from assetbuild.runtime.jinja import install
from tests.runtime import GOLDEN

PAGE = """\
{{ asset_tag("css/app.css") }}
{{ asset_tag("js/app.js", defer=True) }}
{{ asset_tag("js/chart.mjs", type="module", nonce=nonce) }}
{{ asset_preload("fonts/inter.woff2") }}
<img src="{{ asset_url("img/hero banner.jpg") }}" integrity="{{ asset_integrity("img/logo.png") }}">"""

EXPECTED = """\
<link rel="stylesheet" href="/static/css/app.7d9d3ab0140e.css" integrity="sha384-THSU0CUS2WLIKqnCGDe/ANkS2y6GZ1QBTrplFDED88hQyBDtpP3a/NMjubicUdbb" crossorigin="anonymous">
<script src="/static/js/app.dcf5f8243b2f.js" integrity="sha384-V9EI/3tAzm7QR19uFoJW9OQSWFPJwCm0A8uXWFGPgIid03IbMZ7HMlAk0dCIwIol" crossorigin="anonymous" defer></script>
<link rel="modulepreload" href="/static/vendor/color.esm.e4ce81011764.js" integrity="sha384-pcego+gcUv5u45e9XAF9Dxlxs7oLqKgwVixVqolI1ave3gzPcpTQ2mZyJPuDaBgZ" crossorigin="anonymous" nonce="&#34;&gt;&lt;x"><script src="/static/js/chart.beff251aacf3.mjs" integrity="sha384-5as0F9fxQnAF8x61zB4HBKb8OsPsHn4qTQd4Hf5Tr4QpFkLUIEX8IMaMsVfK+4JT" crossorigin="anonymous" type="module" nonce="&#34;&gt;&lt;x"></script>
<link rel="preload" href="/static/fonts/inter.f386309f51a4.woff2" as="font" integrity="sha384-5CkIzX9R62yaDnMs52eU/CbAj80/jiklz/jP3JkrN0AJ2CGxPufkoZyglfUwXKIS" crossorigin="anonymous">
<img src="/static/img/hero%20banner.233d5d979a2f.jpg" integrity="sha384-hMXeZdyQKNWrKwo9MFuyjGBdioeR375bn6hNUMpXhl/OYh0p3reZbcpeLnqhQvxP">"""  # noqa: E501


def test_install_adds_the_asset_globals(assets: Assets) -> None:
    env = Environment(autoescape=True)
    install(env, assets)
    assert {"asset_url", "asset_integrity", "asset_tag", "asset_preload", "asset_importmap"} <= set(
        env.globals
    )


def test_a_page_renders_the_exact_tags_with_autoescape_on(assets: Assets) -> None:
    env = Environment(autoescape=True)
    install(env, assets)
    assert env.from_string(PAGE).render(nonce='"><x') == EXPECTED


def test_a_function_returning_assets_is_called_on_every_lookup(assets: Assets) -> None:
    calls: list[int] = []

    def current() -> Assets:
        calls.append(1)
        return assets

    env = Environment(autoescape=True)
    install(env, current)
    assert calls == []  # nothing is loaded when the environment is made
    assert env.from_string(PAGE).render(nonce='"><x') == EXPECTED
    assert len(calls) == 6  # one per global used in PAGE


def test_a_template_that_names_a_missing_asset_raises_with_suggestions(assets: Assets) -> None:
    env = Environment(autoescape=True)
    install(env, assets)
    with pytest.raises(
        MissingAssetError, match=f"in the manifest {GOLDEN}; did you mean 'js/app.js'"
    ):
        env.from_string('{{ asset_url("js/ap.js") }}').render()


def test_async_can_be_spelled_as_a_jinja_keyword_argument(assets: Assets) -> None:
    env = Environment(autoescape=True)
    install(env, assets)
    html = env.from_string('{{ asset_tag("js/app.js", async=True) }}').render()
    assert html.endswith(' crossorigin="anonymous" async></script>')


def test_the_globals_take_an_alias_where_they_take_a_logical_path(release: Path) -> None:
    document = json.loads(release.read_text("utf-8"))
    aliases = {"home": "css/app.css", "app": "js/app.js", "chart": "js/chart.mjs"}
    aliases |= {"brand": "fonts/inter.woff2", "hero": "img/hero banner.jpg", "logo": "img/logo.png"}
    document["aliases"] = aliases
    release.write_text(json.dumps(document), encoding="utf-8")
    env = Environment(autoescape=True)
    install(env, Assets(release))
    page = PAGE
    for alias, name in aliases.items():
        page = page.replace(f'"{name}"', f'"{alias}"')
    assert page != PAGE
    assert env.from_string(page).render(nonce='"><x') == EXPECTED
