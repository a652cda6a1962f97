"""assetbuild.runtime.jinja: the asset globals, and the same lookups as tags (AssetExtension)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from jinja2 import DictLoader, Environment, FileSystemBytecodeCache, TemplateSyntaxError

from assetbuild.runtime import Assets, ManifestError, MissingAssetError
from assetbuild.runtime.jinja import AssetExtension, install
from tests.runtime import FIXTURES, GOLDEN

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


# -- AssetExtension: the same lookups as tags ----------------------------------------------------

TAGS_PAGE = """\
{% asset_tag "css/app.css" %}
{% asset_tag "js/app.js" defer=True %}
{% asset_tag "js/chart.mjs", type="module", nonce=nonce %}
{% asset_preload "fonts/inter.woff2" %}
<img src="{% asset_url "img/hero banner.jpg" %}" integrity="{% asset_integrity "img/logo.png" %}">"""


def environment(assets: Assets | Callable[[], Assets], **options: Any) -> Environment:
    env = Environment(**options)
    install(env, assets)
    return env


def test_the_tags_render_what_the_globals_render(assets: Assets) -> None:
    env = environment(assets, autoescape=True)
    assert env.from_string(TAGS_PAGE).render(nonce='"><x') == EXPECTED


@pytest.mark.parametrize("autoescape", [True, False])
def test_the_tags_escape_a_hostile_manifest_exactly_as_the_globals_do(autoescape: bool) -> None:
    hostile = Assets(FIXTURES / "hostile" / "manifest.json")
    env = environment(hostile, autoescape=autoescape)
    names = ['css/"><b>bold.css', "js/<script>.js"]
    for function in ("asset_url", "asset_integrity", "asset_tag"):
        for name in names:
            tag = env.from_string(f"{{% {function} {json.dumps(name)} %}}").render()
            call = env.from_string(f"{{{{ {function}({json.dumps(name)}) }}}}").render()
            assert tag == call
            assert ("<script>" in tag) is (not autoescape and function == "asset_url")


def test_autoescape_blocks_turn_the_tags_escaping_off_and_on_as_they_do_the_globals() -> None:
    hostile = Assets(FIXTURES / "hostile" / "manifest.json")
    env = environment(hostile, autoescape=True)
    page = (
        "{{% autoescape false %}}[{0}]{{% endautoescape %}}[{0}]{{% set x %}}{0}{{% endset %}}"
        "{{% macro m() %}}{0}{{% endmacro %}}[{{{{ x }}}}][{{{{ m() }}}}]"
    )
    tags = page.format('{% asset_url "js/<script>.js" %}')
    calls = page.format('{{ asset_url("js/<script>.js") }}')
    assert env.from_string(tags).render() == env.from_string(calls).render()
    assert '[/static/"><script>alert(1)</script>/js/' in env.from_string(tags).render()


def test_tags_are_compiled_to_direct_calls_that_hold_no_value_of_the_manifest(
    assets: Assets,
) -> None:
    env = environment(assets, autoescape=True)
    code = env.compile(TAGS_PAGE, raw=True)
    assert "context.call" not in code  # the globals' way: a few microseconds a call
    assert "escape(" not in code  # Markup is written as it is; text is escaped by its filter
    # After an extends, through Output (escaped there): still no value of the manifest.
    child = env.compile(
        '{% extends "base" %}{% block b %}' + TAGS_PAGE + "{% endblock %}", raw=True
    )
    for compiled in (code, child):
        for entry in assets.manifest.assets.values():
            assert entry.path not in compiled and entry.integrity not in compiled
        assert "/static/" not in compiled


def test_a_bytecode_cache_never_keeps_an_old_release_s_url(tmp_path: Path, release: Path) -> None:
    (tmp_path / "cache").mkdir()
    cache = FileSystemBytecodeCache(str(tmp_path / "cache"))
    source = '{% asset_tag "css/app.css" %}|{% asset_url "js/app.js" %}'
    loader = DictLoader({"page.html": source})
    old = environment(Assets(release), loader=loader, bytecode_cache=cache, autoescape=True)
    assert "css/app.7d9d3ab0140e.css" in old.get_template("page.html").render()
    [cached] = (tmp_path / "cache").iterdir()
    assert b"7d9d3ab0140e" not in cached.read_bytes()

    replace_fingerprints(release, {"7d9d3ab0140e": "111111111111", "dcf5f8243b2f": "222222222222"})
    new = environment(Assets(release), loader=loader, bytecode_cache=cache, autoescape=True)
    assert cache.get_bucket(new, "page.html", None, source).code is not None
    html = new.get_template("page.html").render()  # so this runs the code from the cache
    assert "css/app.111111111111.css" in html and html.endswith("/static/js/app.222222222222.js")
    assert [cached] == list((tmp_path / "cache").iterdir())  # the same entry, not a new one


def test_with_reload_a_new_manifest_shows_on_the_next_render_of_the_same_template(
    release: Path,
) -> None:
    env = environment(Assets(release, reload=True), autoescape=True)
    template = env.from_string('{% asset_tag "css/app.css" %} {% asset_url "css/app.css" %}')
    assert template.render().count("css/app.7d9d3ab0140e.css") == 2
    replace_fingerprints(release, {"7d9d3ab0140e": "333333333333"})
    assert template.render().count("css/app.333333333333.css") == 2


def test_a_child_template_writes_its_tags_inside_blocks_only_as_it_does_its_calls(
    assets: Assets,
) -> None:
    base = 'A{% asset_tag "js/app.js" %}[{% block b %}{% endblock %}]'
    child = (
        '{{% extends "base" %}}{0}{{% block b %}}{0}{{% endblock %}}{0}'
        "{{% for n in [1] %}}{0}{{% endfor %}}"
    )
    templates = {
        "base": base,
        "tags": child.format('{% asset_tag "css/app.css" %}{% asset_url "css/app.css" %}'),
        "calls": child.format('{{ asset_tag("css/app.css") }}{{ asset_url("css/app.css") }}'),
    }
    env = environment(assets, loader=DictLoader(templates), autoescape=True)
    html = env.get_template("tags").render()
    assert html == env.get_template("calls").render()
    assert html.startswith("A<script") and html.count("css/app.7d9d3ab0140e.css") == 2


def test_an_environment_s_finalize_sees_the_tags_values_as_it_sees_the_calls(
    assets: Assets,
) -> None:
    env = environment(assets, autoescape=True, finalize=lambda value: f"[{value}]")
    tags = env.from_string('{% asset_tag "css/app.css" %}{% asset_url "js/app.js" %}').render()
    calls = env.from_string('{{ asset_tag("css/app.css") }}{{ asset_url("js/app.js") }}').render()
    assert tags == calls and tags.startswith("[&lt;link") and tags.endswith(".js]")


def test_the_tags_work_in_an_async_environment(assets: Assets) -> None:
    env = environment(assets, autoescape=True, enable_async=True)
    assert asyncio.run(env.from_string(TAGS_PAGE).render_async(nonce='"><x')) == EXPECTED


def test_the_import_map_tag_takes_attributes(assets: Assets) -> None:
    env = environment(assets, autoescape=True)
    assert env.from_string('{% asset_importmap nonce="n" %}').render() == assets.importmap(
        nonce="n"
    )


def test_a_tag_that_names_a_missing_asset_raises_with_suggestions(assets: Assets) -> None:
    env = environment(assets, autoescape=True)
    for tag in ("asset_tag", "asset_url"):
        with pytest.raises(MissingAssetError, match="did you mean 'js/app.js'"):
            env.from_string(f'{{% {tag} "js/ap.js" %}}').render()


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{% asset_tag %}", "asset_tag takes 1 positional arguments, not 0"),
        ('{% asset_url "a", "b" %}', "asset_url takes 1 positional arguments, not 2"),
        ('{% asset_importmap "a" %}', "asset_importmap takes 0 positional arguments, not 1"),
        ('{% asset_tag defer=True "a" %}', "a positional argument after a keyword one"),
    ],
)
def test_a_tag_with_the_wrong_arguments_is_a_syntax_error(
    assets: Assets, source: str, message: str
) -> None:
    env = environment(assets)
    with pytest.raises(TemplateSyntaxError, match=message):
        env.from_string(source)


def test_the_extension_without_install_says_what_to_call() -> None:
    env = Environment(extensions=[AssetExtension])
    template = env.from_string('{% asset_tag "css/app.css" %}')
    with pytest.raises(
        ManifestError, match=r"call assetbuild.runtime.jinja.install\(env, assets\)"
    ):
        template.render()


def test_the_tags_of_a_function_returning_assets_call_it_on_every_lookup(assets: Assets) -> None:
    calls: list[int] = []

    def current() -> Assets:
        calls.append(1)
        return assets

    env = environment(current, autoescape=True)
    assert env.from_string(TAGS_PAGE).render(nonce='"><x') == EXPECTED
    assert len(calls) == 6  # one per lookup in TAGS_PAGE


def replace_fingerprints(manifest: Path, renames: dict[str, str]) -> None:
    """Rewrite ``manifest`` as a new release would: other fingerprints, a new file (new inode)."""
    text = manifest.read_text("utf-8")
    for old, new in renames.items():
        assert old in text
        text = text.replace(old, new)
    replacement = manifest.with_name("manifest.json.new")
    replacement.write_text(text, encoding="utf-8")
    replacement.replace(manifest)
