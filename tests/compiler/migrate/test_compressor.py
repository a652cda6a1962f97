"""`assetbuild import django-compressor`: {% compress %} blocks -> bundles, templates rewritten.

The fixture in fixtures/compressor is a Django project's templates and static files; its
``expected/`` directory is what the conversion makes of it (the golden config and templates).
Each test converts a private copy. The cases beside the fixture write small templates of their
own, one per way a block can be written.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from assetbuild.compiler.assembly import build
from assetbuild.compiler.config import Defaults, SourceDir, load_config
from assetbuild.compiler.migrate.compressor import convert_templates
from assetbuild.compiler.migrate.django_templates import lex, static_name
from assetbuild.compiler.migrate.output import Rewrite, rewrite_files
from assetbuild.errors import ConfigError
from tests.conftest import FIXTURES, environment, invoke, write

FIXTURE = FIXTURES / "compressor"
EXPECTED = FIXTURE / "expected"

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A private copy of fixtures/compressor: templates/ and static/."""
    target = tmp_path / "project"
    shutil.copytree(FIXTURE, target, ignore=shutil.ignore_patterns("expected", "README.md"))
    return target


def tree(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


UNCONVERTIBLE = [
    "error: templates/front/details.html:8:1: {% compress js %} left as it is (the block opens "
    "on line 7): it holds an inline <script>: its code is template text, not a file. Move it "
    "out of the block (it can stay inline), or into a script under a source directory",
    "error: templates/front/theme.html:6:30: {% compress css %} left as it is (the block opens "
    "on line 5): its URL '{% static theme_stylesheet %}' holds a template variable, so the file "
    'it names is known only when the page renders; name it with {% static "path" %}',
]


# -- the fixture, end to end ---------------------------------------------------------------------


def test_the_fixture_converts_to_the_golden_config_and_templates(project: Path) -> None:
    result = invoke(project, "import", "django-compressor", "templates", "--rewrite")

    assert result.exit_code == 2, result.output
    assert result.stdout == (
        "wrote assetbuild.toml: 6 bundles from 11 {% compress %} blocks in 11 templates; "
        "review it, then run: assetbuild build\nrewrote 8 templates\n"
    )
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert errors == UNCONVERTIBLE
    assert result.stderr.splitlines()[-1] == (
        "2 blocks could not be converted and were left as they are"
    )
    assert (project / "assetbuild.toml").read_text("utf-8") == (
        EXPECTED / "assetbuild.toml"
    ).read_text("utf-8")
    assert tree(project / "templates") == tree(EXPECTED / "templates")


def test_the_rewrite_changes_only_the_blocks_and_the_loads(project: Path) -> None:
    before = tree(project / "templates")
    invoke(project, "import", "django-compressor", "templates", "--rewrite")
    after = tree(project / "templates")
    # Untouched: the template whose only block is left, the one with blocks only in comment and
    # verbatim sections, and one with no block.
    for name in ("front/theme.html", "front/docs.html", "admin/base_site.html"):
        assert after[name] == before[name]
    for name, data in after.items():
        tokens = lex(data.decode("utf-8")).tokens
        loads = [t for t in tokens if t.bits[0] == "load"]
        tags = [t for t in tokens if t.bits[0] in ("asset_tag", "asset_preload")]
        blocks = [t for t in tokens if t.bits[0] == "compress"]
        loading = [t for t in loads if "assetbuild" in t.bits]
        # assetbuild is loaded once, before its first tag, wherever a tag is; compress is
        # loaded only where a block is left.
        assert len(loading) == (1 if tags else 0), name
        assert not tags or loading[0].start < tags[0].start, name
        assert any("compress" in t.bits for t in loads) == bool(blocks), name


def test_a_second_run_finds_nothing_to_do_and_changes_nothing(project: Path) -> None:
    invoke(project, "import", "django-compressor", "templates", "--rewrite")
    before = tree(project)

    again = invoke(project, "import", "django-compressor", "templates", "--rewrite")

    assert again.exit_code == 2  # the two blocks left are still there, and still listed
    assert again.stdout == ""
    assert [line for line in again.stderr.splitlines() if line.startswith("error: ")] == (
        UNCONVERTIBLE
    )
    assert "nothing to convert: no {% compress %} block that can be converted in 11 templates" in (
        again.stderr
    )
    assert tree(project) == before


def test_once_every_block_is_converted_a_second_run_exits_0(project: Path) -> None:
    for name in ("front/details.html", "front/theme.html"):
        (project / "templates" / name).unlink()
    first = invoke(project, "import", "django-compressor", "templates", "--rewrite")
    assert first.exit_code == 0, first.output
    before = tree(project)

    again = invoke(project, "import", "django-compressor", "templates", "--rewrite")

    assert again.exit_code == 0
    assert again.stderr == "nothing to convert: no {% compress %} block in 9 templates\n"
    assert tree(project) == before


def test_without_rewrite_the_templates_stay_as_they_are(project: Path) -> None:
    before = tree(project / "templates")
    result = invoke(project, "import", "django-compressor", "templates")
    assert result.exit_code == 2
    assert "rewrote" not in result.output
    assert tree(project / "templates") == before
    assert (project / "assetbuild.toml").read_bytes() == (EXPECTED / "assetbuild.toml").read_bytes()


def test_dash_prints_the_config_and_writes_nothing(project: Path) -> None:
    before = tree(project)
    result = invoke(project, "import", "django-compressor", "templates", "-o", "-")
    assert result.stdout == (EXPECTED / "assetbuild.toml").read_text("utf-8")
    assert tree(project) == before


def test_an_existing_config_is_kept_and_no_template_is_touched_without_force(
    project: Path,
) -> None:
    (project / "assetbuild.toml").write_text("# mine\n")
    before = tree(project)

    result = invoke(project, "import", "django-compressor", "templates", "--rewrite")

    assert result.exit_code == 2
    assert "assetbuild.toml: already exists; pass --force to replace it" in result.stderr
    assert tree(project) == before
    forced = invoke(project, "import", "django-compressor", "templates", "--rewrite", "--force")
    assert forced.exit_code == 2  # the two blocks left
    assert (project / "assetbuild.toml").read_bytes() == (EXPECTED / "assetbuild.toml").read_bytes()


def test_the_config_names_paths_relative_to_where_it_is_written(project: Path) -> None:
    (project / "conf").mkdir()
    result = invoke(project, "import", "django-compressor", "templates", "-o", "conf/a.toml")
    assert "run: assetbuild build --config conf/a.toml" in result.stdout
    document = tomllib.loads((project / "conf/a.toml").read_text("utf-8"))
    assert document["source"] == "../static"
    assert "#  and {% compress js %} in ../templates/accounts/signup.html:9" in (
        (project / "conf/a.toml").read_text("utf-8")
    )


def test_for_the_django_storage_the_config_leaves_where_the_release_goes_to_the_settings(
    project: Path,
) -> None:
    # Several sources: an array long enough to span lines, all of it commented out.
    apps = ("accounts", "front", "payments", "integrations", "notifications", "reports")
    names = ["static", *(f"apps/{app}/static" for app in apps)]
    for name in names[1:]:
        (project / name).mkdir(parents=True)
    sources = [arg for name in names for arg in ("--source", name)]
    result = invoke(
        project, "import", "django-compressor", "templates", *sources, "--django-storage"
    )
    assert result.exit_code == 2  # the fixture's two unconvertible blocks; the rest converted
    assert "then run: python manage.py collectstatic" in result.stdout
    text = (project / "assetbuild.toml").read_text("utf-8")
    document = tomllib.loads(text)
    assert not {"source", "output", "url"} & set(document)
    settings_part = text[text.index("# source, output and url") : text.index("[bundles.")]
    assert all(line.startswith("#") for line in settings_part.splitlines() if line)
    assert '"apps/payments/static"' in settings_part  # for `assetbuild build` without Django
    # What the storage does with it: the settings' load path, release and URL, the file's bundles.
    defaults = Defaults(
        sources=(SourceDir(project / "static"),),
        output=project / "staticfiles",
        url="/static/",
        origin="Django's settings",
        config_dir=project,
    )
    built = build(load_config(cwd=project / "templates", environ={}, defaults=defaults))
    assert set(document["bundles"]) <= {output.logical_path for output in built.outputs}


# A page rendered by Django with the runtime's tags, in a fresh interpreter with settings of its
# own (the runtime tests configure Django in this one).
RENDER = """
import json, sys
import django
from django.conf import settings
templates, manifest, names = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
settings.configure(
    SECRET_KEY="tests-only",
    INSTALLED_APPS=["assetbuild.runtime.django", "django.contrib.staticfiles",
                    "django.contrib.humanize"],
    TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [templates]}],
    STATIC_URL="/static/",
    ASSETBUILD_MANIFEST=manifest,
)
django.setup()
from django.template.loader import render_to_string
print(json.dumps({name: render_to_string(name, {"checks": [1, 2]}) for name in names}))
"""
PAGES = [
    "base.html",
    "accounts/login.html",
    "accounts/signup.html",
    "front/checks.html",
    "front/preload.html",
    "front/builtins.html",
    "front/docs.html",
]


def test_every_converted_page_renders_and_every_asset_url_on_it_resolves(project: Path) -> None:
    for name in ("front/details.html", "front/theme.html"):  # these still need compressor
        (project / "templates" / name).unlink()
    assert invoke(project, "import", "django-compressor", "templates", "--rewrite").exit_code == 0
    built = invoke(project, "build")
    assert built.exit_code == 0, built.output
    release = project / "build/static"
    manifest = json.loads((release / "manifest.json").read_text("utf-8"))
    assets = manifest["assets"]

    rendered = subprocess.run(
        [sys.executable, "-c", RENDER, str(project / "templates"), str(release / "manifest.json")]
        + [json.dumps(PAGES)],
        capture_output=True,
        text=True,
        check=False,
        env=environment(),
    )
    assert rendered.returncode == 0, rendered.stderr
    pages: dict[str, str] = json.loads(rendered.stdout)

    urls = 0
    for page, text in pages.items():
        for element in re.finditer(r"<(?:link|script)\b[^>]*>", text):
            tag = element.group()
            url = re.search(r'(?:href|src)="([^"]+)"', tag)
            assert url is not None, tag
            path = url.group(1).removeprefix("/static/")
            urls += 1
            if (release / path).is_file() and path not in assets:  # fingerprinted
                integrity = re.search(r'integrity="sha384-([^"]+)"', tag)
                if integrity is not None:
                    digest = hashlib.sha384((release / path).read_bytes()).digest()
                    assert base64.b64decode(integrity.group(1)) == digest, (page, tag)
            else:  # {% static %} with Django's storage: the name must be published
                assert path in assets, (page, tag)
    assert urls == 33  # 4 from base.html on each of the 7 pages, 5 of the pages' own
    # No block is left to render, but the one docs.html shows in a verbatim section.
    assert [page for page, text in pages.items() if "{% compress" in text] == ["front/docs.html"]
    # Each bundle joins its block's files, in the block's order.
    assert assets["compressed/base.css"]["sources"] == [
        "css/bootstrap.css",
        "css/icons.css",
        "css/base.css",
    ]
    assert assets["compressed/signup.js"]["sources"] == ["js/bootstrap-native.js", "js/signup.js"]
    assert "css/icons.css" in assets  # keep_inputs: admin/base_site.html links it on its own
    assert "css/bootstrap.css" in assets
    assert "js/jquery.js" not in assets  # an input of a bundle that does not keep them
    assert manifest["aliases"] == {"signup": "compressed/signup.js"}
    assert '<link rel="preload" href="/static/compressed/base.' in pages["front/preload.html"]
    assert 'media="print"' in pages["base.html"]
    assert "defer></script>" in pages["accounts/signup.html"]
    checked = invoke(project, "check-templates", "templates")
    assert checked.exit_code == 0, checked.output


# -- blocks, one way of writing them at a time ---------------------------------------------------


def convert(tmp_path: Path, block: str, **files: str) -> tuple[str, list[str], str]:
    """Convert one template holding ``block``; the config text, the problems, the new template."""
    write(
        tmp_path,
        {
            "static/css/a.css": "a { color: red }\n",
            "static/css/b.css": "b { color: blue }\n",
            "static/css/c.scss": "$x: 1px; c { margin: $x }\n",
            "static/js/a.js": "var a = 1;\n",
            "static/js/b.js": "var b = 2;\n",
            "static/js/c.coffee": "c = 3\n",
            "static/my file.css": "d { color: green }\n",
            "templates/page.html": "{% load compress static %}\n" + block + "\n",
            **files,
        },
    )
    previous = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = convert_templates([Path("templates")])
    finally:
        os.chdir(previous)
    rewritten = next((r.after.decode() for r in result.rewrites if r.path.name == "page.html"), "")
    return result.toml, [str(p) for p in result.unconvertible], rewritten


def inputs_of(toml: str) -> dict[str, dict[str, object]]:
    bundles: dict[str, dict[str, object]] = tomllib.loads(toml)["bundles"]
    return bundles


@pytest.mark.parametrize(
    ("block", "inputs", "tag"),
    [
        (
            '{% compress css %}<link rel="stylesheet" href="{% static "css/a.css" %}">'
            "<link rel='stylesheet' href='{% static 'css/b.css' %}'/>{% endcompress %}",
            ["css/a.css", "css/b.css"],
            '{% asset_tag "compressed/page.css" %}',
        ),
        (
            "{% compress css %}<LINK REL=Stylesheet HREF=/static/css/a.css?v=3>{% endcompress %}",
            ["css/a.css"],
            '{% asset_tag "compressed/page.css" %}',
        ),
        (
            '{% compress css %}<link rel="stylesheet" href="{{STATIC_URL}}my%20file.css">'
            "{% endcompress %}",
            ["my file.css"],
            '{% asset_tag "compressed/page.css" %}',
        ),
        (
            '{% compress css %}\n  <!-- <link rel="stylesheet" href="/static/css/b.css"> -->\n'
            "  {% comment %}<p>old</p>{% endcomment %}{# note #}\n"
            '  <link rel="stylesheet" media="screen and (min-width: 40em)" '
            'href="/static/./css/a.css">\n{% endcompress %}',
            ["css/a.css"],
            '{% asset_tag "compressed/page.css" media="screen and (min-width: 40em)" %}',
        ),
        (
            '{% compress js %}<script async src="/static/js/a.js"></script>'
            '<script async="async" src="/static/js/b.js"></script>{% endcompress %}',
            ["js/a.js", "js/b.js"],
            '{% asset_tag "compressed/page.js" async_=True %}',
        ),
        (
            '{% compress js file app %}<script src="/static/js/a.js" charset="utf-8" '
            'type="application/javascript"></script>{% endcompress %}',
            ["js/a.js"],
            '{% asset_tag "compressed/app.js" %}',
        ),
        (
            '{% compress js preload %}<script src="/static/js/a.js"></script>{% endcompress %}',
            ["js/a.js"],
            '{% asset_preload "compressed/page.js" %}',
        ),
    ],
)
def test_a_block_becomes_a_bundle_and_a_tag(
    tmp_path: Path, block: str, inputs: list[str], tag: str
) -> None:
    toml, problems, rewritten = convert(tmp_path, block)
    assert problems == []
    bundles = inputs_of(toml)
    assert [bundle["inputs"] for bundle in bundles.values()] == [inputs]
    assert rewritten == "{% load assetbuild static %}\n" + tag + "\n"


def test_a_precompiled_type_becomes_the_webassets_filter_for_it(tmp_path: Path) -> None:
    toml, problems, _ = convert(
        tmp_path,
        '{% compress css %}<link rel="stylesheet" href="/static/css/a.css">'
        '<link rel="stylesheet" type="text/x-scss" href="/static/css/c.scss">{% endcompress %}',
    )
    assert problems == []
    assert inputs_of(toml)["compressed/page.css"] == {
        "inputs": ["css/a.css", "css/c.scss"],
        "filters": ["libsass", "rcssmin"],
    }
    assert (
        "type 'text/x-scss' is compiled by the webassets filter 'libsass' (needs pip install"
        in (toml)
    )


def test_notes_name_what_the_conversion_changed(tmp_path: Path) -> None:
    toml, _, _ = convert(
        tmp_path,
        "{% compress js inline %}"
        '<script id="x" src="/static/js/a.js"></script><script src="/static/js/a.js"></script>'
        "{% endcompress %}",
    )
    assert "# note: templates/page.html:2 links a file twice; the bundle has it once" in toml
    assert (
        "# note: templates/page.html:2 was an inline block; the page now links the bundle" in toml
    )
    assert "# note: templates/page.html:2: attribute id dropped, as compressor drops them" in toml


@pytest.mark.parametrize(
    ("block", "where", "reason"),
    [
        (
            "{% compress css %}<style>a { color: {{ color }} }</style>{% endcompress %}",
            "2:19",
            "it holds an inline <style>",
        ),
        (
            "{% compress js %}<script>var a = 1;</script>{% endcompress %}",
            "2:18",
            "it holds an inline <script>",
        ),
        (
            '{% compress js %}{% if debug %}<script src="/static/js/a.js"></script>{% endif %}'
            "{% endcompress %}",
            "2:18",
            "it holds template code ({% if debug %}) whose output changes what the block holds",
        ),
        (
            '{% compress js %}<script src="{{ STATIC_URL }}js/{{ name }}.js"></script>'
            "{% endcompress %}",
            "2:31",
            "holds a template variable",
        ),
        (
            '{% compress js %}<script src="https://cdn.example.com/a.js"></script>'
            "{% endcompress %}",
            "2:31",
            "'https://cdn.example.com/a.js' is not under STATIC_URL '/static/' (--static-url)",
        ),
        (
            '{% compress css %}<link rel="stylesheet" href="/static/css/a.css" media="print">'
            '<link rel="stylesheet" href="/static/css/b.css">{% endcompress %}',
            "2:1",
            "its links differ in media ('print', none)",
        ),
        (
            '{% compress js %}<script src="/static/js/a.js" defer></script>'
            '<script src="/static/js/b.js"></script>{% endcompress %}',
            "2:1",
            "its scripts differ in async and defer",
        ),
        (
            '{% compress js %}<script type="module" src="/static/js/a.js"></script>'
            "{% endcompress %}",
            "2:18",
            'it holds a <script type="module">',
        ),
        (
            '{% compress js %}<script type="text/x-elm" src="/static/js/a.js"></script>'
            "{% endcompress %}",
            "2:18",
            "type 'text/x-elm' is a precompiler that no webassets filter stands in for",
        ),
        (
            '{% compress js %}<script src="/static/js/a.js"></script>'
            '<script type="text/coffeescript" src="/static/js/c.coffee"></script>{% endcompress %}',
            "2:57",
            "it mixes 'text/coffeescript' with plain files",
        ),
        (
            '{% compress css %}<link rel="stylesheet" type="text/x-scss" href="/static/css/c.scss">'
            '<link rel="stylesheet" type="text/less" href="/static/css/a.css">{% endcompress %}',
            "2:19",
            "it mixes 'text/less' and 'text/x-scss'",
        ),
        (
            '{% compress js %}<script src="/static/js/nope.js"></script>{% endcompress %}',
            "2:18",
            "'js/nope.js' is in none of the source directories (static); pass --source",
        ),
        (
            '{% compress js %}<script src="/static/../secret.js"></script>{% endcompress %}',
            "2:31",
            "the static name '../secret.js' has an empty, '.' or '..' segment",
        ),
        ("{% compress sass %}{% endcompress %}", "2:1", "its kind 'sass' is neither css nor js"),
        ("{% compress js fast %}{% endcompress %}", "2:1", "its mode 'fast' is not one of"),
        ("{% compress js file a b %}{% endcompress %}", "2:1", "compressor's tag is"),
        ("{% compress js %}\n{% endcompress %}", "2:1", "it links no file"),
        (
            '{% compress css %}<meta name="x"><link rel="stylesheet" href="/static/css/a.css">'
            "{% endcompress %}",
            "2:19",
            "it holds a <meta>, and a {% compress css %} block holds only",
        ),
        (
            '{% compress css %}<link rel="preload" href="/static/css/a.css">{% endcompress %}',
            "2:19",
            'it holds a <link> that is not rel="stylesheet"',
        ),
        (
            '{% compress js %}Scripts: <script src="/static/js/a.js"></script>{% endcompress %}',
            "2:18",
            "it holds text ('Scripts:') that compressor would drop from the page",
        ),
        (
            '{% compress js %}<script src="/static/js/a.js">a()</script>{% endcompress %}',
            "2:18",
            "a <script src> also has a body",
        ),
        (
            '{% compress css %}<link rel="stylesheet" href="/static/css/a.css" '
            'media="{{ media }}">{% endcompress %}',
            "2:74",
            "its media holds template code ({{ media }})",
        ),
    ],
)
def test_a_block_that_cannot_be_converted_exactly_is_listed_and_left_alone(
    tmp_path: Path, block: str, where: str, reason: str
) -> None:
    toml, problems, rewritten = convert(tmp_path, block)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"templates/page.html:{where}: {{% compress ")
    assert reason in problems[0]
    assert toml == ""
    assert rewritten == ""  # the template is not changed


def test_the_blocks_that_convert_are_converted_beside_one_that_cannot(tmp_path: Path) -> None:
    _, problems, rewritten = convert(
        tmp_path,
        "{% compress js %}<script>var a = 1;</script>{% endcompress %}\n"
        '{% compress js %}<script src="/static/js/a.js"></script>{% endcompress %}',
    )
    assert len(problems) == 1
    assert rewritten == (
        "{% load compress assetbuild static %}\n"
        "{% compress js %}<script>var a = 1;</script>{% endcompress %}\n"
        '{% asset_tag "compressed/page-2.js" %}\n'
    )


# -- loading the tags ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        # compress given to assetbuild's place in the first load; dropped from the second
        (
            "{% extends 'b.html' %}\n{% load compress %}\n{% load static compress %}\nBLOCK\n",
            "{% extends 'b.html' %}\n{% load assetbuild %}\n{% load static %}\nTAG\n",
        ),
        # already loaded: compress just goes, and its line with it
        (
            "{% load assetbuild %}\n  {% load compress %}  \nBLOCK\n",
            "{% load assetbuild %}\nTAG\n",
        ),
        # compress from the builtins option: a load after extends, else at the very start
        ("{% extends 'b.html' %}\nBLOCK\n", "{% extends 'b.html' %}{% load assetbuild %}\nTAG\n"),
        ("<p>\nBLOCK\n", "{% load assetbuild %}<p>\nTAG\n"),
        ("{%load i18n%}\nBLOCK\n", "{% load i18n assetbuild %}\nTAG\n"),
        # line ends and a byte-order mark stay as they were
        (
            "\ufeff{% load compress %}\r\n<p>\r\nBLOCK\r\n",
            "\ufeff{% load assetbuild %}\r\n<p>\r\nTAG\r\n",
        ),
    ],
)
def test_the_template_loads_assetbuild_once_and_compress_only_while_a_block_is_left(
    tmp_path: Path, template: str, expected: str
) -> None:
    block = '{% compress js %}<script src="/static/js/a.js"></script>{% endcompress %}'
    write(tmp_path, {"static/js/a.js": "a()\n"})
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates/page.html").write_bytes(template.replace("BLOCK", block).encode())
    result = invoke(tmp_path, "import", "django-compressor", "templates", "--rewrite")
    assert result.exit_code == 0, result.output
    tag = '{% asset_tag "compressed/page.js" %}'
    assert (tmp_path / "templates/page.html").read_bytes() == expected.replace("TAG", tag).encode()


def test_a_symlinked_template_is_rewritten_through_the_link_keeping_its_mode(
    tmp_path: Path,
) -> None:
    write(
        tmp_path,
        {
            "static/js/a.js": "a()\n",
            "shared/page.html": '{% load compress %}{% compress js %}<script src="/static/js/a.js">'
            "</script>{% endcompress %}",
        },
    )
    (tmp_path / "shared/page.html").chmod(0o640)
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates/page.html").symlink_to(tmp_path / "shared/page.html")

    result = invoke(tmp_path, "import", "django-compressor", "templates", "--rewrite")

    assert result.exit_code == 0, result.output
    assert (tmp_path / "templates/page.html").is_symlink()
    assert (tmp_path / "shared/page.html").read_text() == (
        '{% load assetbuild %}{% asset_tag "compressed/page.js" %}'
    )
    assert stat.S_IMODE((tmp_path / "shared/page.html").stat().st_mode) == 0o640
    assert sorted(p.name for p in (tmp_path / "shared").iterdir()) == ["page.html"]


def test_a_template_changed_since_it_was_read_is_not_overwritten(tmp_path: Path) -> None:
    page = write(tmp_path, {"a.html": "old", "b.html": "b"})
    (page / "a.html").write_text("edited meanwhile")
    with pytest.raises(ConfigError, match="changed while it was being converted"):
        rewrite_files(
            [Rewrite(page / "b.html", b"b", b"B"), Rewrite(page / "a.html", b"old", b"new")]
        )
    assert (page / "a.html").read_text() == "edited meanwhile"
    assert (page / "b.html").read_text() == "b"  # all or nothing
    assert sorted(p.name for p in page.iterdir()) == ["a.html", "b.html"]


# -- names ---------------------------------------------------------------------------------------


def test_bundle_names_come_from_block_names_then_templates_and_clash_into_digests(
    tmp_path: Path,
) -> None:
    script = '<script src="/static/js/{}.js"></script>'
    write(
        tmp_path,
        {
            "static/js/a.js": "a()\n",
            "static/js/b.js": "b()\n",
            "static/compressed/taken.js": "source file\n",
            "templates/one.html": "{% load compress %}"
            f"{{% compress js file app %}}{script.format('a')}{{% endcompress %}}"
            f"{{% compress js %}}{script.format('b')}{{% endcompress %}}",
            "templates/two.html": "{% load compress %}"
            f"{{% compress js file app %}}{script.format('b')}{{% endcompress %}}"
            f"{{% compress js file taken %}}{script.format('a')}{script.format('b')}"
            "{% endcompress %}",
        },
    )
    previous = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = convert_templates([Path("templates")])
    finally:
        os.chdir(previous)
    # "app" names two bundles: each gets its inputs' digest, and the name is no alias; the
    # second block of one.html is the same bundle as two.html's first, named by it ("app").
    assert re.fullmatch(
        r"compressed/app-[0-9a-f]{8}\.js compressed/app-[0-9a-f]{8}\.js "
        r"compressed/taken-[0-9a-f]{8}\.js",
        " ".join(result.bundles),
    ), result.bundles
    assert result.aliases == {"taken": result.bundles[2]}
    assert any("the block name 'app' names 2 bundles, so it is no alias" in n for n in result.notes)
    assert any("would name a source file" in n for n in result.notes)
    again = convert_templates([tmp_path / "templates"], sources=[tmp_path / "static"])
    assert again.bundles == result.bundles  # the same names on every run


# -- reading Django's template syntax ------------------------------------------------------------


def test_the_lexer_skips_verbatim_and_comment_sections_as_django_does() -> None:
    text = (
        "{% verbatim %}{% static 'a' %}{% endverbatim %}"
        "{% verbatim x %}{% endverbatim %}{% static 'b' %}{% endverbatim x %}"
        "{% comment 'why' %}{% static 'c' %}{% endcomment %}"
        "{# {% static 'd' %} #}{% static 'e' %}{% static\n'f' %}"
    )
    assert [static_name(t) for t in lex(text).tokens] == ["e"]


@pytest.mark.parametrize(
    ("tag", "name"),
    [
        ("{% static 'a.css' %}", "a.css"),
        ('{% static "a b.css" %}', "a b.css"),
        ("{% static 'it\\'s.css' %}", "it's.css"),
        ("{% static 'a.css' as url %}", "a.css"),
        ("{% static name %}", None),
        ('{% static "a"|add:"b" %}', None),
        ("{% static %}", None),
        ("{% url 'a' %}", None),
    ],
)
def test_a_static_tag_names_a_file_only_with_a_literal(tag: str, name: str | None) -> None:
    assert [static_name(t) for t in lex(tag).tokens] == [name]


# -- what cannot be read at all: exit 2, nothing written ------------------------------------------


def test_a_block_with_no_end_stops_the_run_before_anything_is_written(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "static/js/a.js": "",
            "templates/a.html": '{% load compress %}{% compress js %}<script src="/static/js/a.js">'
            "</script>{% endcompress %}",
            "templates/b.html": "{% load compress %}\n\n  {% compress js %}<script>",
        },
    )
    before = tree(tmp_path)
    result = invoke(tmp_path, "import", "django-compressor", "templates", "--rewrite")
    assert result.exit_code == 2
    assert result.stderr == (
        "error: templates/b.html: 3:3: {% compress js %} has no {% endcompress %}; Django cannot "
        "compile this template either: close the block\n"
    )
    assert tree(tmp_path) == before


def test_the_migration_guide_shows_what_the_conversion_makes_of_its_template(
    tmp_path: Path,
) -> None:
    guide = (FIXTURES.parent / "docs/migrating.md").read_text("utf-8")
    section = guide[
        guide.index("## From django-compressor") : guide.index("## From django-pipeline")
    ]
    blocks = re.findall(r"```(\w*)\n(.*?)```", section, re.DOTALL)
    before = blocks[0][1]  # "Before, in a template"
    shown_toml = next(body for kind, body in blocks if kind == "toml" and "compressed/" in body)
    shown_after = next(
        body for kind, body in blocks if "compressed/base.js" in body and kind != "toml"
    )
    files = ["css/reset.css", "css/site.css", "js/vendor/htmx.min.js", "js/main.js"]
    write(tmp_path, {"templates/base.html": before, **{f"static/{f}": "" for f in files}})

    result = invoke(tmp_path, "import", "django-compressor", "templates", "--rewrite")

    assert result.exit_code == 0, result.output
    written = (tmp_path / "assetbuild.toml").read_text("utf-8")
    assert shown_toml in written  # the guide leaves out the header comments only
    assert (tmp_path / "templates/base.html").read_text("utf-8") == shown_after
