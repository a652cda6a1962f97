"""The Django app assetbuild.runtime.django: template tags, Jinja2 environment, system check."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.apps import apps
from django.core import checks
from django.template import Context, Template, TemplateSyntaxError
from django.test import Client, override_settings

from assetbuild.runtime import ManifestError, MissingAssetError
from assetbuild.runtime.django import get_assets
from tests.runtime import BROKEN, EXPECTED_PAGE, GOLDEN

pytestmark = pytest.mark.usefixtures("django_site")


def render(source: str, **context: object) -> str:
    return Template("{% load assetbuild %}" + source).render(Context(context))


# The manifest's and the app order's checks; the factor-VI doctor's (W010 and on, under --deploy)
# are tested in test_django_doctor.py.
MANIFEST_CHECKS = frozenset({"assetbuild.W001", "assetbuild.E001", "assetbuild.W002"})


def assetbuild_errors(deploy: bool = False) -> list[checks.CheckMessage]:
    messages = checks.run_checks(include_deployment_checks=deploy)
    return [m for m in messages if m.id in MANIFEST_CHECKS]


# --- the app ---


def test_the_app_is_installed_under_the_label_assetbuild() -> None:
    assert apps.get_app_config("assetbuild").name == "assetbuild.runtime.django"


# --- pages through the test client ---


def test_a_django_template_page_has_the_exact_tags() -> None:
    assert Client().get("/").content.decode().strip() == EXPECTED_PAGE


def test_a_jinja2_page_through_the_django_backend_has_the_same_tags() -> None:
    assert Client().get("/jinja").content.decode().strip() == EXPECTED_PAGE


def test_a_typo_in_a_template_raises_missing_asset_error_with_suggestions() -> None:
    with pytest.raises(MissingAssetError, match=f"{GOLDEN}; did you mean 'css/app.css'"):
        Client().get("/typo")


# --- the tags ---


def test_asset_tag_takes_keyword_arguments() -> None:
    html = render('{% asset_tag "js/chart.mjs" type="module" async_=True nonce=nonce %}', nonce="n")
    assert html == (
        '<link rel="modulepreload" href="/static/vendor/color.esm.e4ce81011764.js" integrity="sha384-'
        'pcego+gcUv5u45e9XAF9Dxlxs7oLqKgwVixVqolI1ave3gzPcpTQ2mZyJPuDaBgZ" crossorigin="anonymous"'
        ' nonce="n">'
        '<script src="/static/js/chart.beff251aacf3.mjs" integrity="sha384-5as0F9fxQnAF8x61zB4HBKb8'
        'OsPsHn4qTQd4Hf5Tr4QpFkLUIEX8IMaMsVfK+4JT" crossorigin="anonymous" type="module" async'
        ' nonce="n"></script>'
    )


def test_asset_tag_escapes_a_value_from_the_context_once() -> None:
    html = render('{% asset_tag "css/print.css" media=media %}', media='print" onload="x()')
    assert html.endswith(' crossorigin="anonymous" media="print&#34; onload=&#34;x()">')


def test_asset_url_percent_encodes_quotes_in_a_file_name() -> None:
    assert render('{% asset_url "img/say \\"cheese\\".svg" %}') == (
        "/static/img/say%20%22cheese%22.d2d0210a37c1.svg"
    )


def test_asset_url_is_autoescaped_like_any_string() -> None:
    with override_settings(ASSETBUILD_URL='/s/"<x>/'):
        assert render('{% asset_url "css/app.css" %}') == (
            "/s/&quot;&lt;x&gt;/css/app.7d9d3ab0140e.css"
        )


def test_a_compiled_url_tag_renders_escaped_or_not_as_its_context_says_every_time() -> None:
    with override_settings(ASSETBUILD_URL='/s/"<x>/'):
        template = Template(
            '{% load assetbuild %}{% asset_url "css/app.css" %}|'
            '{% autoescape off %}{% asset_url "css/app.css" %}{% endautoescape %}'
        )
        for _ in range(3):  # the first render makes the value; the others reuse it
            assert template.render(Context()) == (
                '/s/&quot;&lt;x&gt;/css/app.7d9d3ab0140e.css|/s/"<x>/css/app.7d9d3ab0140e.css'
            )
        assert template.render(Context(autoescape=False)).count('/s/"<x>/') == 2


def test_asset_preload_takes_as() -> None:
    assert render('{% asset_preload "data/routes.json" as_="fetch" %}') == (
        '<link rel="preload" href="/static/data/routes.f8ee9f60f6c0.json" as="fetch"'
        ' integrity="sha384-chQg1/2PhVpuUBYvvFOIiO9YvwHTOzIlMdy/rtuFCbzz0Egi4U2SR9Yoj0qb/ryN"'
        ' crossorigin="anonymous">'
    )


def test_a_tag_can_be_stored_in_a_variable() -> None:
    assert render('{% asset_integrity "img/logo.png" as sri %}[{{ sri }}]') == (
        "[sha384-hMXeZdyQKNWrKwo9MFuyjGBdioeR375bn6hNUMpXhl/OYh0p3reZbcpeLnqhQvxP]"
    )


def test_a_tag_takes_its_name_from_the_context_on_every_render() -> None:
    template = Template("{% load assetbuild %}{% asset_url name %}")
    assert template.render(Context({"name": "css/app.css"})).endswith(".7d9d3ab0140e.css")
    assert template.render(Context({"name": "img/logo.png"})).startswith("/static/img/logo.")


def test_asset_tag_can_be_stored_in_a_variable_and_stays_safe() -> None:
    html = render('{% asset_tag "css/app.css" as link %}<head>{{ link }}</head>')
    assert html.startswith('<head><link rel="stylesheet" href="/static/css/app.7d9d3ab0140e.css"')


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{% asset_tag %}", "'asset_tag' did not receive value.s. for the argument.s.: 'name'"),
        ('{% asset_url "a.css" "b.css" %}', "'asset_url' received too many positional arguments"),
        ('{% asset_url name="a.css" name="b" %}', "'asset_url' received multiple values"),
        ('{% asset_importmap "x" %}', "'asset_importmap' received too many positional arguments"),
    ],
)
def test_wrong_arguments_fail_when_the_template_is_compiled(source: str, message: str) -> None:
    with pytest.raises(TemplateSyntaxError, match=message):
        Template("{% load assetbuild %}" + source)


def test_a_compiled_template_follows_new_settings() -> None:
    template = Template('{% load assetbuild %}{% asset_tag "css/app.css" %}')
    assert 'href="/static/css/app.7d9d3ab0140e.css"' in template.render(Context())
    with override_settings(ASSETBUILD_URL="https://cdn.example.com/"):
        assert 'href="https://cdn.example.com/css/app.' in template.render(Context())
    assert 'href="/static/css/app.7d9d3ab0140e.css"' in template.render(Context())


def test_a_compiled_template_follows_a_rewritten_manifest_with_debug_on(release: Path) -> None:
    template = Template('{% load assetbuild %}{% asset_tag "css/app.css" %}')
    with override_settings(DEBUG=True, ASSETBUILD_MANIFEST=str(release)):
        assert "/static/css/app.7d9d3ab0140e.css" in template.render(Context())
        _point_app_css_elsewhere(release)
        assert "/static/css/app.0000000000ff.css" in template.render(Context())


# --- settings ---


def test_assetbuild_url_overrides_the_prefix() -> None:
    with override_settings(ASSETBUILD_URL="https://cdn.example.com/static"):
        assert render('{% asset_url "css/app.css" %}') == (
            "https://cdn.example.com/static/css/app.7d9d3ab0140e.css"
        )


def test_the_settings_default_to_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSETBUILD_MANIFEST", str(GOLDEN))
    monkeypatch.setenv("ASSETBUILD_URL", "https://env.example.com/")
    with override_settings(ASSETBUILD_MANIFEST=None):
        assert render('{% asset_url "css/app.css" %}') == (
            "https://env.example.com/css/app.7d9d3ab0140e.css"
        )


def test_assets_are_made_once_for_the_same_settings_and_again_when_they_change() -> None:
    first = get_assets()
    assert get_assets() is first
    with override_settings(ASSETBUILD_URL="https://cdn.example.com/"):
        assert get_assets() is not first
        assert get_assets().url("css/app.css").startswith("https://cdn.example.com/")


def _point_app_css_elsewhere(manifest: Path) -> None:
    document = json.loads(manifest.read_text(encoding="utf-8"))
    document["assets"]["css/app.css"]["path"] = "css/app.0000000000ff.css"
    later = manifest.stat().st_mtime_ns + 2_000_000_000
    manifest.write_text(json.dumps(document), encoding="utf-8")
    os.utime(manifest, ns=(later, later))


def test_with_debug_on_a_rewritten_manifest_is_picked_up(release: Path) -> None:
    with override_settings(DEBUG=True, ASSETBUILD_MANIFEST=str(release)):
        assert render('{% asset_url "css/app.css" %}') == "/static/css/app.7d9d3ab0140e.css"
        _point_app_css_elsewhere(release)
        assert render('{% asset_url "css/app.css" %}') == "/static/css/app.0000000000ff.css"


def test_with_debug_off_the_manifest_is_read_once(release: Path) -> None:
    with override_settings(ASSETBUILD_MANIFEST=str(release)):
        assert render('{% asset_url "css/app.css" %}') == "/static/css/app.7d9d3ab0140e.css"
        _point_app_css_elsewhere(release)
        assert render('{% asset_url "css/app.css" %}') == "/static/css/app.7d9d3ab0140e.css"


# --- an unusable manifest ---


def test_the_system_check_passes_with_a_good_manifest() -> None:
    assert assetbuild_errors() == []


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        (str(BROKEN / "invalid-json.json"), "not valid JSON"),
        (str(BROKEN / "backslash-path.json"), "contains a backslash"),
        (None, "neither ASSETBUILD_MANIFEST nor STATIC_ROOT is set"),
    ],
)
def test_the_system_check_reports_an_unusable_manifest_as_e001_everywhere(
    manifest: str | None, message: str
) -> None:
    for deploy in (False, True):
        with override_settings(ASSETBUILD_MANIFEST=manifest):
            [error] = assetbuild_errors(deploy=deploy)
        assert error.id == "assetbuild.E001"
        assert error.level == checks.ERROR
        assert message in error.msg
        assert error.hint is not None and "collectstatic" in error.hint


def test_a_missing_manifest_is_a_warning_so_commands_run_before_the_first_build() -> None:
    with override_settings(ASSETBUILD_MANIFEST="/nonexistent/build/static/manifest.json"):
        [warning] = assetbuild_errors()
    assert warning.id == "assetbuild.W001"
    assert warning.level == checks.WARNING
    assert "/nonexistent/build/static/manifest.json: no manifest there yet" in warning.msg
    assert warning.hint is not None and "collectstatic --noinput" in warning.hint


def test_a_missing_manifest_is_an_error_under_check_deploy() -> None:
    with override_settings(ASSETBUILD_MANIFEST="/nonexistent/build/static/manifest.json"):
        messages = assetbuild_errors(deploy=True)
    errors = [m for m in messages if m.level >= checks.ERROR]
    assert [e.id for e in errors] == ["assetbuild.E001"]
    assert "a deployed app needs its release" in errors[0].msg


def test_the_manifest_defaults_to_the_one_in_static_root(tmp_path: Path) -> None:
    with override_settings(ASSETBUILD_MANIFEST=None, STATIC_ROOT=str(tmp_path)):
        [warning] = assetbuild_errors()
        assert f"{tmp_path}/manifest.json: no manifest there yet" in warning.msg
    with override_settings(ASSETBUILD_MANIFEST=None, STATIC_ROOT=str(GOLDEN.parent)):
        assert assetbuild_errors() == []
        assert render('{% asset_url "css/app.css" %}') == "/static/css/app.7d9d3ab0140e.css"


def test_the_checks_are_not_run_by_collectstatic() -> None:
    # collectstatic runs the checks tagged staticfiles before it builds; a check of the manifest
    # it is about to write must not stop it.
    with override_settings(ASSETBUILD_MANIFEST=str(BROKEN / "invalid-json.json")):
        assert [m.id for m in checks.run_checks(tags=["assetbuild"])] == ["assetbuild.E001"]
        assert checks.run_checks(tags=[checks.Tags.staticfiles]) == []


def test_a_tag_used_with_an_unusable_manifest_raises_manifest_error() -> None:
    with (
        override_settings(ASSETBUILD_MANIFEST=str(BROKEN / "unknown-version.json")),
        pytest.raises(ManifestError, match="version is 2"),
    ):
        render('{% asset_tag "css/app.css" %}')


def test_ready_does_not_raise_when_the_manifest_is_missing() -> None:
    """In a fresh process: django.setup() succeeds, the check reports, a tag raises."""
    script = textwrap.dedent(
        """
        import django
        from django.conf import settings
        settings.configure(
            INSTALLED_APPS=["assetbuild.runtime.django"],
            ASSETBUILD_MANIFEST="/nonexistent/manifest.json",
            TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates"}],
        )
        django.setup()
        from django.core.checks import run_checks
        print(",".join(m.id for m in run_checks()))
        from django.template import Context, Template
        from assetbuild.runtime import ManifestError
        try:
            Template('{% load assetbuild %}{% asset_url "css/app.css" %}').render(Context())
        except ManifestError:
            print("ManifestError")
        """
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSETBUILD_")}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["assetbuild.W001", "ManifestError"]


def test_asset_importmap_renders_the_import_map() -> None:
    html = render("{% asset_importmap %}")
    assert html.startswith('<script type="importmap">{"imports":{')
    assert '"@kurkle/color":"/static/vendor/color.esm.e4ce81011764.js"' in html
