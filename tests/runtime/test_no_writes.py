"""The runtime writes nothing: an audit hook watches a whole app start up and render a page.

Each scenario runs in a fresh interpreter (with -B, so Python's own bytecode cache is not
written) that installs ``sys.addaudithook`` before importing anything, then records every
``open`` for writing, appending or creating, every filesystem-changing ``os``/``shutil`` event and
every new process. Read-only permissions prove little when the tests run as root, so the hook is
the proof; the read-only copy of the release is there as well, for the unprivileged case.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.runtime import GOLDEN

AUDIT_HOOK = """
import os, sys

WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
MUTATING = {
    "os.chflags", "os.chmod", "os.chown", "os.link", "os.lockf", "os.mkdir", "os.remove",
    "os.removexattr", "os.rename", "os.rmdir", "os.setxattr", "os.symlink", "os.truncate",
    "os.utime", "tempfile.mkdtemp", "tempfile.mkstemp", "sqlite3.connect",
    "os.exec", "os.fork", "os.forkpty", "os.posix_spawn", "os.spawn", "os.system",
    "subprocess.Popen",
}
WRITES = []

def audit(event, args):
    if event == "open":
        path, mode, flags = args
        if (isinstance(mode, str) and set(mode) & set("wax+")) or (flags or 0) & WRITE_FLAGS:
            WRITES.append([event, str(path), str(mode)])
    elif event in MUTATING or event.startswith("shutil."):
        WRITES.append([event, *map(str, args)])

sys.addaudithook(audit)
"""

REPORT = """
import json
print(json.dumps({"writes": WRITES, "pages": PAGES}))
"""

JINJA_PAGE = """<head>
{{ asset_tag("css/app.css", media="all") }}
{{ asset_tag("js/app.js", defer=True) }}
{{ asset_preload("fonts/inter.woff2") }}
</head><img src="{{ asset_url("img/hero banner.jpg") }}" data-sri="{{ asset_integrity("img/logo.png") }}">
"""

FLASK_SITE = f"""
import sys
from flask import Flask, render_template_string
from assetbuild.runtime.flask import AssetBuild

app = Flask("site")
app.config["ASSETBUILD_MANIFEST"] = sys.argv[1]
app.config["ASSETBUILD_RELOAD"] = sys.argv[2] == "reload"
AssetBuild(app)

@app.get("/")
def page():
    return render_template_string({JINJA_PAGE!r})

client = app.test_client()
PAGES = [client.get("/").get_data(as_text=True) for _ in range(3)]
"""

DJANGO_SITE = f"""
import sys
import django
from django.conf import settings
from django.http import HttpResponse
from django.template import engines
from django.urls import path

settings.configure(
    ALLOWED_HOSTS=["testserver"],
    INSTALLED_APPS=["assetbuild.runtime.django"],
    ROOT_URLCONF="__main__",
    ASSETBUILD_MANIFEST=sys.argv[1],
    ASSETBUILD_RELOAD=sys.argv[2] == "reload",
    TEMPLATES=[
        {{"BACKEND": "django.template.backends.django.DjangoTemplates"}},
        {{
            "BACKEND": "django.template.backends.jinja2.Jinja2",
            "OPTIONS": {{"environment": "assetbuild.runtime.django.jinja2.environment"}},
        }},
    ],
)
django.setup()

DJANGO_PAGE = '''{{% load assetbuild %}}<head>
{{% asset_tag "css/app.css" media="all" %}}
{{% asset_tag "js/app.js" defer=True %}}
{{% asset_preload "fonts/inter.woff2" %}}
</head><img src="{{% asset_url "img/hero banner.jpg" %}}" data-sri="{{% asset_integrity "img/logo.png" %}}">
'''

def django_page(request):
    return HttpResponse(engines["django"].from_string(DJANGO_PAGE).render({{}}, request))

def jinja_page(request):
    return HttpResponse(engines["jinja2"].from_string({JINJA_PAGE!r}).render({{}}, request))

urlpatterns = [path("", django_page), path("jinja", jinja_page)]

from django.core.checks import run_checks
from django.test import Client

assert not run_checks()
client = Client()
PAGES = [client.get(url).content.decode() for url in ("/", "/jinja", "/", "/jinja")]
"""

STORAGE_SITE = """
import sys
import django
from django import forms
from django.conf import settings
from django.http import HttpResponse
from django.template import engines
from django.urls import path

settings.configure(
    ALLOWED_HOSTS=["testserver"],
    INSTALLED_APPS=["assetbuild.runtime.django", "django.contrib.staticfiles"],
    ROOT_URLCONF="__main__",
    STATIC_ROOT=sys.argv[1].rpartition("/")[0],
    STATIC_URL="/static/",
    ASSETBUILD_RELOAD=sys.argv[2] == "reload",
    STORAGES={
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "assetbuild.runtime.django.storage.ReleaseStorage"},
    },
    TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates"}],
)
django.setup()


class Search(forms.Form):
    class Media:
        css = {"all": ["css/app.css"]}
        js = ["js/app.js"]


PAGE = "{% load static %}<link href='{% static 'css/app.css' %}'>{{ media }}"


def page(request):
    html = engines["django"].from_string(PAGE).render({"media": Search().media}, request)
    return HttpResponse(html)


urlpatterns = [path("", page)]

from django.core.checks import run_checks
from django.test import Client

assert not run_checks()
client = Client()
PAGES = [client.get("/").content.decode() for _ in range(3)]
"""

STORAGE_PAGE = (
    "<link href='/static/css/app.7d9d3ab0140e.css'>"
    '<link href="/static/css/app.7d9d3ab0140e.css" media="all" rel="stylesheet">\n'
    '<script src="/static/js/app.dcf5f8243b2f.js"></script>'
)

EXPECTED_PAGE = """<head>
<link rel="stylesheet" href="/static/css/app.7d9d3ab0140e.css" integrity="sha384-THSU0CUS2WLIKqnCGDe/ANkS2y6GZ1QBTrplFDED88hQyBDtpP3a/NMjubicUdbb" crossorigin="anonymous" media="all">
<script src="/static/js/app.dcf5f8243b2f.js" integrity="sha384-V9EI/3tAzm7QR19uFoJW9OQSWFPJwCm0A8uXWFGPgIid03IbMZ7HMlAk0dCIwIol" crossorigin="anonymous" defer></script>
<link rel="preload" href="/static/fonts/inter.f386309f51a4.woff2" as="font" integrity="sha384-5CkIzX9R62yaDnMs52eU/CbAj80/jiklz/jP3JkrN0AJ2CGxPufkoZyglfUwXKIS" crossorigin="anonymous">
</head><img src="/static/img/hero%20banner.233d5d979a2f.jpg" data-sri="sha384-hMXeZdyQKNWrKwo9MFuyjGBdioeR375bn6hNUMpXhl/OYh0p3reZbcpeLnqhQvxP">"""  # noqa: E501


def run_audited(site: str, manifest: Path, mode: str, cwd: Path) -> dict[str, Any]:
    """Run ``site`` under the audit hook; what it wrote, and the pages it rendered."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSETBUILD_")}
    done = subprocess.run(
        [sys.executable, "-B", "-c", AUDIT_HOOK + site + REPORT, str(manifest), mode],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return report


@pytest.fixture
def readonly_release(tmp_path: Path) -> Iterator[Path]:
    """A copy of the golden release with every write permission removed."""
    release = tmp_path / "release"
    shutil.copytree(GOLDEN.parent, release)
    paths = [release, *release.rglob("*")]
    for path in paths:
        path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    yield release / "manifest.json"
    for path in paths:
        path.chmod(path.stat().st_mode | stat.S_IWUSR)


def test_the_audit_hook_sees_a_write_a_directory_and_a_removal(tmp_path: Path) -> None:
    site = f"""
import os
PAGES = []
with open({str(tmp_path / "written")!r}, "w") as f:
    f.write("x")
os.mkdir({str(tmp_path / "made")!r})
os.remove({str(tmp_path / "written")!r})
"""
    writes = run_audited(site, GOLDEN, "once", tmp_path)["writes"]
    assert [w[0] for w in writes] == ["open", "os.mkdir", "os.remove"]


@pytest.mark.parametrize("mode", ["once", "reload"])
def test_a_flask_app_starts_and_renders_without_writing(tmp_path: Path, mode: str) -> None:
    report = run_audited(FLASK_SITE, GOLDEN, mode, tmp_path)
    assert report["writes"] == []
    assert report["pages"] == [EXPECTED_PAGE] * 3


@pytest.mark.parametrize("mode", ["once", "reload"])
def test_a_flask_app_runs_from_a_read_only_release(
    readonly_release: Path, tmp_path: Path, mode: str
) -> None:
    report = run_audited(FLASK_SITE, readonly_release, mode, tmp_path)
    assert report["writes"] == []
    assert report["pages"] == [EXPECTED_PAGE] * 3


@pytest.mark.parametrize("mode", ["once", "reload"])
def test_a_django_site_checks_and_renders_both_engines_without_writing(
    tmp_path: Path, mode: str
) -> None:
    report = run_audited(DJANGO_SITE, GOLDEN, mode, tmp_path)
    assert report["writes"] == []
    assert report["pages"] == [EXPECTED_PAGE + "\n", EXPECTED_PAGE] * 2


@pytest.mark.parametrize("mode", ["once", "reload"])
def test_a_django_site_with_the_release_storage_renders_static_urls_without_writing(
    readonly_release: Path, tmp_path: Path, mode: str
) -> None:
    report = run_audited(STORAGE_SITE, readonly_release, mode, tmp_path)
    assert report["writes"] == []
    assert report["pages"] == [STORAGE_PAGE] * 3


FLASK_STATIC_SITE = """
import sys
from pathlib import Path
from flask import Blueprint, Flask, render_template_string
from assetbuild.runtime.flask import AssetBuild

root = Path(sys.argv[1]).parents[2]  # <root>/build/static/manifest.json, where the app reads it
app = Flask("site", root_path=str(root))
app.config["ASSETBUILD_RELOAD"] = sys.argv[2] == "reload"
AssetBuild(app)
blog = Blueprint("blog", "site.blog", root_path=str(root / "blog"), static_folder="static")
app.register_blueprint(blog, url_prefix="/blog")

@app.get("/")
def page():
    return render_template_string(
        "{{ url_for('static', filename='css/app.css') }} "
        "{{ url_for('blog.static', filename='css/style.css') }}"
    )

client = app.test_client()
PAGES = []
for _ in range(2):
    urls = client.get("/").get_data(as_text=True).split()
    PAGES.append(urls)
    for url in [*urls, "/static/manifest.json", "/static/css/site.css"]:
        for accept in ("br", "gzip", ""):
            response = client.get(url, headers={"Accept-Encoding": accept})
            PAGES.append([url, accept, response.status_code, len(response.get_data())])
            response.close()
"""


@pytest.mark.parametrize("mode", ["once", "reload"])
def test_a_flask_app_serving_its_release_through_its_static_routes_writes_nothing(
    tmp_path: Path, mode: str
) -> None:
    from tests.runtime.flask_site import build, write_site

    root = write_site(tmp_path / "site")
    manifest = build(root)
    report = run_audited(FLASK_STATIC_SITE, manifest, mode, tmp_path)
    assert report["writes"] == []
    statuses = [page[2] for page in report["pages"] if len(page) == 4]
    assert statuses == ([200] * 9 + [404] * 3) * 2  # two files and the manifest; a source
    assert report["pages"][0][0].startswith("/static/css/app.")
