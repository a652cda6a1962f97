"""``assetbuild check-templates``: every literal asset name in the templates, against a manifest.

The templates are real ones, in fixtures/templates; the manifest is the runtime's golden release.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from django import template
from hypothesis import given, settings
from hypothesis import strategies as st
from jinja2 import Environment

from assetbuild.compiler.cli import main
from assetbuild.compiler.commands.check_templates import (
    AssetsBlock,
    Lookup,
    check,
    find_templates,
    scan,
    scan_blocks,
    scan_urls,
)
from assetbuild.manifest import load
from tests.conftest import FIXTURES, write

TEMPLATES = FIXTURES / "templates"
GOLDEN = FIXTURES / "runtime" / "release" / "manifest.json"
NAMES = frozenset(load(GOLDEN).assets)


def run(*args: str, cwd: Path | None = None) -> Result:
    previous = os.getcwd()
    os.chdir(cwd or previous)
    try:
        return CliRunner().invoke(main, ["check-templates", *args], catch_exceptions=False)
    finally:
        os.chdir(previous)


def literal_names(path: Path) -> list[str]:
    return [lookup.name for lookup in scan(path.read_text("utf-8")) if lookup.name is not None]


# -- the command ---------------------------------------------------------------------------------


def test_jinja_and_django_templates_that_name_only_known_assets_pass() -> None:
    result = run(str(TEMPLATES / "jinja"), str(TEMPLATES / "django"), "--manifest", str(GOLDEN))
    assert result.exit_code == 0, result.output + result.stderr
    assert result.stdout == f"16 asset names in 4 templates: all in {GOLDEN}\n"
    assert result.stderr == ""


def test_a_typo_is_reported_at_its_place_with_the_closest_name() -> None:
    result = run(str(TEMPLATES), "--manifest", str(GOLDEN))
    assert result.exit_code == 1
    assert result.stdout == ""
    typo = TEMPLATES / "typo"
    assert result.stderr.splitlines() == [
        f"error: {typo}/django.txt:2:20: 'img/logo.pgn' is not in the manifest; "
        "did you mean 'img/logo.png'?",
        f"error: {typo}/django.txt:3:22: 'docs/manual.pdf' is not in the manifest",
        f"error: {typo}/jinja.html:4:16: 'css/ap.css' is not in the manifest; "
        "did you mean 'css/app.css'?",
        f"check failed: 3 problems; 20 asset names in 6 templates, checked against {GOLDEN}",
    ]


def test_verbose_lists_and_counts_the_names_that_are_not_literals() -> None:
    result = run(str(TEMPLATES / "jinja"), "--manifest", str(GOLDEN), "--verbose")
    assert result.exit_code == 0, result.output + result.stderr
    theme = TEMPLATES / "jinja" / "partials" / "theme.j2"
    assert result.stderr.splitlines() == [
        f"note: {theme}:2:4: asset_tag() of a name that is not a literal",
        f"note: {theme}:3:4: asset_url() of a name that is not a literal",
        f"note: {theme}:4:50: asset_integrity() of a name that is not a literal",
    ]
    assert result.stdout == (
        f"9 asset names in 2 templates (3 not literals, not checked): all in {GOLDEN}\n"
    )


def test_without_verbose_names_that_are_not_literals_are_not_mentioned() -> None:
    result = run(str(TEMPLATES / "jinja" / "partials"), "--manifest", str(GOLDEN))
    assert result.exit_code == 0
    assert result.stdout == f"0 asset names in 1 template: all in {GOLDEN}\n"
    assert result.stderr == ""


def test_the_manifest_defaults_to_the_one_in_the_configs_output_directory(tmp_path: Path) -> None:
    write(tmp_path, {"assetbuild.toml": 'source = "static"\noutput = "release"\n'})
    (tmp_path / "static").mkdir()
    shutil.copytree(GOLDEN.parent, tmp_path / "release")
    result = run(str(TEMPLATES / "django"), cwd=tmp_path)
    assert result.exit_code == 0, result.output + result.stderr
    assert result.stdout.endswith(f"all in {tmp_path / 'release' / 'manifest.json'}\n")


def test_the_manifest_may_be_named_by_its_release_directory() -> None:
    result = run(str(TEMPLATES / "django"), "--manifest", str(GOLDEN.parent))
    assert result.exit_code == 0, result.output + result.stderr


def test_a_missing_manifest_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    result = run(str(TEMPLATES), "--manifest", str(tmp_path / "manifest.json"))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {tmp_path / 'manifest.json'}: no manifest there")


def test_manifest_and_config_together_are_bad_usage(tmp_path: Path) -> None:
    result = run(str(TEMPLATES), "--manifest", str(GOLDEN), "--config", str(tmp_path / "a.toml"))
    assert result.exit_code == 2
    assert "give --manifest or --config, not both" in result.stderr


def test_a_directory_that_does_not_exist_is_bad_usage(tmp_path: Path) -> None:
    result = run(str(tmp_path / "nowhere"), "--manifest", str(GOLDEN))
    assert result.exit_code == 2


def test_a_directory_without_templates_passes_with_a_warning(tmp_path: Path) -> None:
    result = run(str(tmp_path), "--manifest", str(GOLDEN))
    assert result.exit_code == 0
    assert result.stderr == f"warning: no templates in {tmp_path}\n"


# -- which files ---------------------------------------------------------------------------------


def test_templates_are_found_by_extension_skipping_dotfiles_and_dot_directories(
    tmp_path: Path,
) -> None:
    names = ["a.html", "b.jinja", "c.jinja2", "d.j2", "e.txt", "f.xml", "G.HTML", "sub/deep/h.html"]
    ignored = ["notes.md", "script.js", ".hidden.html", ".git/x.html", "sub/.cache/y.html"]
    write(tmp_path, dict.fromkeys([*names, *ignored], ""))
    assert find_templates([tmp_path]) == tuple(sorted(tmp_path / name for name in names))


def test_a_file_named_directly_is_read_whatever_its_extension(tmp_path: Path) -> None:
    write(tmp_path, {"page.md": '{{ asset_url("css/nope.css") }}'})
    result = run(str(tmp_path / "page.md"), "--manifest", str(GOLDEN))
    assert result.exit_code == 1
    assert f"{tmp_path / 'page.md'}:1:14: 'css/nope.css'" in result.stderr


def test_a_file_that_is_not_utf8_is_still_checked(tmp_path: Path) -> None:
    (tmp_path / "latin1.html").write_bytes(b'\xe9t\xe9 {{ asset_url("css/ap.css") }}\xff')
    found = check([tmp_path], NAMES)
    assert [(p.line, p.column) for p in found.problems] == [(1, 18)]


# -- what counts as a lookup ----------------------------------------------------------------------


def test_the_scanner_finds_every_literal_of_the_jinja_layout_in_order() -> None:
    assert literal_names(TEMPLATES / "jinja" / "base.html") == [
        "css/app.css",
        "css/print.css",
        "fonts/inter.woff2",
        "js/app.js",
        "img/hero banner.jpg",
        "img/logo.png",
        "img/logo.png",
        'img/say "cheese".svg',
        "js/chart.mjs",  # "js/" "chart.mjs": Jinja2 joins adjacent literals
    ]


def test_the_scanner_finds_what_jinja2_looks_up_when_it_renders() -> None:
    looked_up: list[str] = []

    def record(name: str, *args: object, **kwargs: object) -> str:
        looked_up.append(name)
        return name

    env = Environment(autoescape=True)
    env.globals.update(
        asset_url=record, asset_tag=record, asset_preload=record, asset_integrity=record
    )
    source = (TEMPLATES / "jinja" / "base.html").read_text("utf-8")
    env.from_string(source).render()
    assert literal_names(TEMPLATES / "jinja" / "base.html") == looked_up


# A template library that records each name looked up, loaded under the name "assetbuild".
register = template.Library()
_django_looked_up: list[str] = []


@register.simple_tag(name="asset_url")
def _url(name: str, **attrs: object) -> str:
    _django_looked_up.append(name)
    return ""


register.simple_tag(_url, name="asset_integrity")
register.simple_tag(_url, name="asset_tag")
register.simple_tag(_url, name="asset_preload")


@pytest.mark.parametrize("name", ["page.html", "feed.xml"])
def test_the_scanner_finds_what_django_looks_up_when_it_renders(name: str) -> None:
    engine = template.Engine(libraries={"assetbuild": __name__})
    source = (TEMPLATES / "django" / name).read_text("utf-8")
    _django_looked_up.clear()
    engine.from_string(source).render(template.Context({"asset_name": "computed.css"}))
    expected = [*literal_names(TEMPLATES / "django" / name)]
    if name == "page.html":
        expected.append("computed.css")  # {% asset_url asset_name %}: rendered, not a literal
    assert _django_looked_up == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{{ asset_url("a.css") }}', ("asset_url", "a.css", 1, 14)),
        ("{{ asset_url('a.css')|safe }}", ("asset_url", "a.css", 1, 14)),
        ('{{- asset_url( "a.css" , x=1) -}}', ("asset_url", "a.css", 1, 16)),
        ('{{ asset_tag(defer=True, name="a.js") }}', ("asset_tag", "a.js", 1, 31)),
        ('{% if x %}{{ asset_url("a\\u00e9.css") }}{% endif %}', ("asset_url", "aé.css", 1, 24)),
        ('{{ asset_url(\n  "a.css"\n) }}', ("asset_url", "a.css", 2, 3)),
        ('{% asset_url "a.css" %}', ("asset_url", "a.css", 1, 14)),
        ('{% asset_preload "f.woff2" as_="font" %}', ("asset_preload", "f.woff2", 1, 18)),
        ('{% asset_integrity name="a.css" as sri %}', ("asset_integrity", "a.css", 1, 25)),
        ("{% asset_url 'it\\'s.css' %}", ("asset_url", "it's.css", 1, 14)),
        ("{{ asset_url(name) }}", ("asset_url", None, 1, 4)),
        ('{{ asset_url("css/" ~ theme) }}', ("asset_url", None, 1, 4)),
        ('{{ asset_url("a" if x else "b") }}', ("asset_url", None, 1, 4)),
        ("{{ asset_url(defer=True) }}", ("asset_url", None, 1, 4)),
        ('{% asset_url "a.css"|lower %}', ("asset_url", None, 1, 4)),
        ("{% asset_url theme.stylesheet %}", ("asset_url", None, 1, 4)),
    ],
)
def test_a_lookup_is_literal_only_when_its_name_is_a_string(
    text: str, expected: tuple[str, str | None, int, int]
) -> None:
    function, name, line, column = expected
    assert scan(text, "t.html") == (Lookup("t.html", line, column, function, name),)


@pytest.mark.parametrize(
    "text",
    [
        '<p>asset_url("a.css") outside any block</p>',
        '{# {{ asset_url("a.css") }} #}',
        '{% raw %}{{ asset_url("a.css") }}{% endraw %}',
        '{%- raw -%}{{ asset_url("a.css") }}{%- endraw %}',
        '{% verbatim %}{% asset_url "a.css" %}{% endverbatim %}',
        '{% comment "why" %}{% asset_url "a.css" %}{% endcomment %}',
        "{{ \"asset_url('a.css')\" }}",
        '{{ obj.asset_url("a.css") }}',
        "{{ asset_url }}",
        '{% set f = asset_url %}{{ f("a.css") }}',
        '{{ asset_url("a.css"',
    ],
)
def test_text_that_is_not_a_lookup_is_not_one(text: str) -> None:
    assert [lookup.name for lookup in scan(text)] == []


def test_a_closer_inside_a_string_or_a_dict_does_not_end_the_block() -> None:
    text = '{{ "}}" ~ asset_url("a.css") }} {{ {"k": {"v": asset_url("b.css")}} }}'
    assert [lookup.name for lookup in scan(text)] == ["a.css", "b.css"]


def test_lines_and_columns_count_every_newline_convention() -> None:
    text = 'a\r\nb\rc\n  {{ asset_url("x.css") }}'
    assert [(lookup.line, lookup.column) for lookup in scan(text)] == [(4, 16)]


def test_lookups_of_one_block_are_placed_in_the_order_they_are_found() -> None:
    # The outer call's name comes after the inner call, which is found second.
    text = 'a\n{{ asset_url(f(asset_url(x)), name="y") }}'
    assert [(lookup.name, lookup.line, lookup.column) for lookup in scan(text)] == [
        ("y", 2, 36),
        (None, 2, 16),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "{{{{" * 20_000,
        '{{ "' * 20_000,
        "{{ {{{{ }} " * 10_000,
        "{#" * 40_000,
        "{% raw %}" * 10_000,
        "{{(}}" * 20_000,
        "{{ asset_url(" * 10_000,
        '{{ asset_url("a") "}} ' * 10_000,
        "{% assets 'a', " * 10_000,
        "{{ url_for('static', filename=" * 10_000,
    ],
)
def test_hostile_text_is_scanned_to_the_end(text: str) -> None:
    scan(text)  # finishes, without raising
    scan_blocks(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("{}%#\"'()-+=~|., \n\\asetur_lnmxcfo")), max_size=200))
def test_any_text_is_scanned_without_raising(text: str) -> None:
    functions = {"asset_url", "asset_tag", "asset_preload", "asset_integrity", "url_for"}
    for lookup in scan(text):
        assert lookup.line >= 1 and lookup.column >= 1
        assert lookup.function in functions
    for block in scan_blocks(text):
        assert block.line >= 1 and block.column >= 1


def test_the_fixture_manifest_names_what_the_good_templates_use() -> None:
    # Guards the fixtures themselves: the passing test above relies on these names.
    manifest = json.loads(GOLDEN.read_text("utf-8"))
    for name in ("css/app.css", "js/chart.mjs", "img/hero banner.jpg", 'img/say "cheese".svg'):
        assert name in manifest["assets"]


# -- Django's {% static %} -----------------------------------------------------------------------


def test_a_static_tag_with_a_name_the_manifest_lacks_fails_like_any_lookup(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "page.html": "{% load static %}\n"
            '<link rel="stylesheet" href="{% static "css/app.css" %}">\n'
            "<img src=\"{% static 'img/logo.pgn' %}\">\n"
            "{% static 'img/logo.png' as logo %}{% static theme %}\n",
        },
    )
    result = run(str(tmp_path), "--manifest", str(GOLDEN), "--verbose")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"note: {tmp_path}/page.html:4:39: {{% static %}} of a name that is not a literal",
        f"error: {tmp_path}/page.html:3:21: 'img/logo.pgn' is not in the manifest; "
        "did you mean 'img/logo.png'?",
        f"check failed: 1 problem; 3 asset names in 1 template (1 not literal, not checked), "
        f"checked against {GOLDEN}",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{% static "a.css" %}', [("static", "a.css")]),
        ("{%- static 'a.css' -%}", [("static", "a.css")]),
        ("{% static 'a.css' as url %}", [("static", "a.css")]),
        ("{% static name %}", [("static", None)]),
        ('{% static "a"|add:"b" %}', [("static", None)]),
        ('{{ static("a.css") }}', []),  # not Django's tag: a Jinja2 global of any meaning
        ('{% if x %}{% static "a.css" %}{% endif %}', [("static", "a.css")]),
        ('{% verbatim %}{% static "a.css" %}{% endverbatim %}', []),
    ],
)
def test_the_static_tag_is_a_lookup_when_it_opens_a_django_block(
    text: str, expected: list[tuple[str, str | None]]
) -> None:
    assert [(lookup.function, lookup.name) for lookup in scan(text)] == expected


def test_an_alias_of_the_manifest_is_a_name_it_has(tmp_path: Path) -> None:
    release = tmp_path / "release"
    shutil.copytree(GOLDEN.parent, release)
    document = json.loads((release / "manifest.json").read_text("utf-8"))
    document["aliases"] = {"site_style": "css/app.css"}
    (release / "manifest.json").write_text(json.dumps(document), "utf-8")
    write(tmp_path, {"t/page.html": '{% asset_tag "site_style" %}{% static "site_style" %}'})
    result = run(str(tmp_path / "t"), "--manifest", str(release))
    assert result.exit_code == 0, result.stderr


# -- literal URLs under the release's prefix ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ('<img src="/static/img/logo.png">', [(1, 11, "/static/img/logo.png", "img/logo.png")]),
        ("<a href='/static/doc.pdf?v=2#p3'>", [(1, 10, "/static/doc.pdf?v=2#p3", "doc.pdf")]),
        (
            "<img src=/static/img/a%20b.png alt=x>",
            [(1, 10, "/static/img/a%20b.png", "img/a b.png")],
        ),
        (
            "<p>\n<div style=\"background: url( '/static/img/bg.png' )\">",
            [(2, 31, "/static/img/bg.png", "img/bg.png")],
        ),
        ('<img SRC = "/static/x.png">', [(1, 13, "/static/x.png", "x.png")]),
        ('<link href="/static/css/{{ theme }}.css">', []),  # template code finishes it
        ('<img src="/static/">', []),  # a directory
        ('<img src="/media/x.png">', []),  # another prefix
        ("<p>copy files into /static/img/x.png</p>", []),  # prose, not a URL attribute
        ('{# <img src="/static/x.png"> #}', []),
        ('{% raw %}<img src="/static/x.png">{% endraw %}', []),
        ('{% comment %}<img src="/static/x.png">{% endcomment %}', []),
        ("{{ \"<img src='/static/x.png'>\" }}", []),  # inside code
    ],
)
def test_a_literal_url_under_the_prefix_is_found_outside_template_code(
    text: str, found: list[tuple[int, int, str, str]]
) -> None:
    assert [(u.line, u.column, u.url, u.name) for u in scan_urls(text, "/static/")] == found


def test_a_literal_url_is_a_warning_with_the_lookup_to_write_instead(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "django.html": '{% load static %}<img src="/static/img/logo.png">',
            "jinja.html": '<img src="/static/img/hero banner.jpg"><img src="/static/img/gone.png">',
        },
    )
    result = run(str(tmp_path), "--manifest", str(GOLDEN))
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        f"warning: {tmp_path}/django.html:1:28: /static/img/logo.png is a literal URL under the "
        "release's prefix: it names no fingerprinted file and bypasses the manifest; write "
        '{% asset_url "img/logo.png" %}',
        f"warning: {tmp_path}/jinja.html:1:11: /static/img/hero banner.jpg is a literal URL under "
        "the release's prefix: it names no fingerprinted file and bypasses the manifest; write "
        '{{ asset_url("img/hero banner.jpg") }}',
        f"warning: {tmp_path}/jinja.html:1:50: /static/img/gone.png is a literal URL under the "
        "release's prefix: it names no fingerprinted file and bypasses the manifest "
        "('img/gone.png' is not in the manifest); write {{ asset_url(\"img/gone.png\") }}",
    ]
    assert result.stdout == f"0 asset names in 2 templates: all in {GOLDEN}\n"


# -- Flask's url_for, and webassets' {% assets %} blocks left by a migration ----------------------

FLASK_PAGE = """\
<link rel="stylesheet" href="{{ url_for('static', filename='css/app.css') }}">
<script src="{{ url_for("wiki.static", filename="js/editor.js") }}"></script>
<script src="{{ url_for('admin.tools.static', filename='js/' 'x.js', _external=True) }}"></script>
{% set logo = url_for(endpoint='static', filename="img/logo.png") %}
<a href="{{ url_for('index') }}">{{ url_for('.static', filename='img/a.png') }}</a>
<img src="{{ url_for('static', filename=name) }}">{{ obj.url_for('static', filename='no.png') }}
"""


def test_url_for_of_a_static_endpoint_is_a_lookup_of_the_file_it_names() -> None:
    found = [
        (lookup.endpoint, lookup.name, lookup.line, lookup.column) for lookup in scan(FLASK_PAGE)
    ]
    assert found == [
        ("static", "css/app.css", 1, 60),
        # The Flask integration publishes a blueprint's static files under its name.
        ("wiki.static", "wiki/js/editor.js", 2, 49),
        ("admin.tools.static", "admin.tools/js/x.js", 3, 56),
        ("static", "img/logo.png", 4, 51),
        (".static", None, 5, 37),  # whichever blueprint renders it: not known here
        ("static", None, 6, 14),  # not a literal
    ]
    assert {lookup.function for lookup in scan(FLASK_PAGE)} == {"url_for"}


def test_the_scanner_finds_the_static_files_flask_looks_up_when_it_renders() -> None:
    called: list[tuple[str, str]] = []

    def url_for(endpoint: str, **values: object) -> str:
        if endpoint.endswith("static"):
            called.append((endpoint, str(values["filename"])))
        return "/"

    env = Environment(autoescape=True)
    env.globals["url_for"] = url_for
    # obj.url_for is some other object's method, not Flask's: not a lookup.
    other = {"url_for": lambda *args, **kwargs: ""}
    env.from_string(FLASK_PAGE).render(name="img/computed.png", obj=other)
    rendered = [
        f"{endpoint[: -len('.static')]}/{filename}" if endpoint != "static" else filename
        for endpoint, filename in called
        if not endpoint.startswith(".") and filename != "img/computed.png"
    ]
    assert [lookup.name for lookup in scan(FLASK_PAGE) if lookup.name is not None] == rendered


def test_a_url_for_name_the_manifest_lacks_fails_with_its_place_and_a_close_match(
    tmp_path: Path,
) -> None:
    write(
        tmp_path,
        {
            "page.html": "<link href=\"{{ url_for('static', filename='css/ap.css') }}\">\n"
            "<img src=\"{{ url_for('static', filename='img/logo.png') }}\">",
        },
    )
    result = run(str(tmp_path), "--manifest", str(GOLDEN))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"error: {tmp_path}/page.html:1:43: 'css/ap.css' (url_for('static', filename=...)) is "
        "not in the manifest; did you mean 'css/app.css'?"
    )
    assert "2 asset names in 1 template" in result.stderr


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{% assets "js_all" %}', (("js_all",), None, True)),
        ("{%- assets 'a', \"b\" -%}", (("a", "b"), None, True)),
        (
            '{% assets filters="jsmin", output="gen/packed.js", "a.js", "b.js" %}',
            (("a.js", "b.js"), "gen/packed.js", True),
        ),
        ("{% assets bundle_in_a_variable %}", ((), None, False)),
        ('{% assets "css", depends=("**/*.scss",) %}', (("css",), None, True)),
    ],
)
def test_a_webassets_block_is_found_with_what_it_names(
    text: str, expected: tuple[tuple[str, ...], str | None, bool]
) -> None:
    names, output, literal = expected
    assert scan_blocks(f"<p>\n  {text}<script src='{{{{ ASSET_URL }}}}'>{{% endassets %}}") == (
        AssetsBlock("<template>", 2, 3, names, output, literal),
    )


@pytest.mark.parametrize(
    "text",
    [
        '{# {% assets "x" %} #}',
        '{% raw %}{% assets "x" %}{% endraw %}',
        "{{ \"{% assets 'x' %}\" }}",
        '{% asset_tag "css/app.css" %}',
        "{% endassets %}",
    ],
)
def test_text_that_is_no_webassets_block_is_not_one(text: str) -> None:
    assert scan_blocks(text) == ()


def test_a_webassets_block_fails_the_check_with_the_tag_to_write_instead(tmp_path: Path) -> None:
    release = tmp_path / "release"
    shutil.copytree(GOLDEN.parent, release)
    document = json.loads((release / "manifest.json").read_text("utf-8"))
    document["aliases"] = {"js_all": "js/app.js"}
    (release / "manifest.json").write_text(json.dumps(document), "utf-8")
    write(
        tmp_path,
        {
            "t/jinja.html": '{% assets "js_all" %}<script src="{{ ASSET_URL }}"></script>'
            "{% endassets %}\n"
            '{% assets output="css/app.css", "css/a.css", "css/b.css" %}x{% endassets %}\n'
            '{% assets "unknown_bundle" %}x{% endassets %}\n',
            "t/django.html": '{% load assets %}{% assets "js_all" %}x{% endassets %}',
        },
    )
    result = run(str(tmp_path / "t"), "--manifest", str(release))
    assert result.exit_code == 1
    opening = "is webassets' tag, which assetbuild replaces (without Flask-Assets or django-assets "
    opening += "the template does not compile): "
    asset_url = "; where the block's markup uses {{ ASSET_URL }}, write asset_url instead"
    assert result.stderr.splitlines()[:4] == [
        f'error: {tmp_path}/t/django.html:1:18: {{% assets "js_all" %}} {opening}replace the '
        'block, up to its {% endassets %}, with {% asset_tag "js_all" %} (after {% load '
        f"assetbuild %}}) ('js_all' is the alias of 'js/app.js'){asset_url}",
        f'error: {tmp_path}/t/jinja.html:1:1: {{% assets "js_all" %}} {opening}replace the block, '
        "up to its {% endassets %}, with {{ asset_tag(\"js_all\") }} ('js_all' is the alias of "
        f"'js/app.js'){asset_url}",
        f'error: {tmp_path}/t/jinja.html:2:1: {{% assets output="css/app.css", "css/a.css", '
        f'"css/b.css" %}} {opening}replace the block, up to its {{% endassets %}}, with '
        f'{{{{ asset_tag("css/app.css") }}}}{asset_url}',
        f'error: {tmp_path}/t/jinja.html:3:1: {{% assets "unknown_bundle" %}} {opening}the '
        "manifest has no alias or logical path 'unknown_bundle': convert the bundles with "
        "`assetbuild import webassets` (it keeps each bundle's name as an alias), then replace "
        'the block with {{ asset_tag("<alias or path>") }}',
    ]
    assert "all in" not in result.stdout
