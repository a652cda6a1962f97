"""A real Django project on disk, for the tests of ReleaseStorage, its checks and its commands.

``make_project`` writes it into a directory: the admin and the other contrib apps, an app of its
own (``shop``) with a ``static/`` directory and a template, two ``STATICFILES_DIRS`` (one with a
prefix), an ``assetbuild.toml`` next to ``manage.py``, SQLite in the project directory, and
``ReleaseStorage`` as the ``staticfiles`` storage. ``Project.manage`` runs ``manage.py`` in a
subprocess, as a user's shell or Dockerfile does; ``Project.page_urls`` renders pages through
Django's test client there and lists every ``/static/`` URL in them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.conftest import write

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc000000301010018dd8db00000000049454e44ae426082"
)

SETTINGS = """\
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "tests-only"
DEBUG = os.environ.get("PROJECT_DEBUG") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
INSTALLED_APPS = [
    "assetbuild.runtime.django",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "shop",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "project.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "public" / "static"
STATICFILES_DIRS = [BASE_DIR / "assets", ("vendor", BASE_DIR / "vendor")]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "assetbuild.runtime.django.storage.ReleaseStorage"},
}
"""

URLS = """\
from django.contrib import admin
from django.urls import path

from shop.views import page

urlpatterns = [path("admin/", admin.site.urls), path("shop/", page)]
"""

MANAGE = """\
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
from django.core.management import execute_from_command_line

execute_from_command_line(sys.argv)
"""

PAGE = """\
{% load static %}<!doctype html>
<link rel="stylesheet" href="{% static 'css/site.css' %}">
<link rel="stylesheet" href="{% static 'shop/css/shop.css' %}">
<script src="{% static 'vendor/lib.js' %}"></script>
<script src="{% static 'js/bundle.js' %}"></script>
{{ form.media }}
"""

VIEWS = """\
from django import forms
from django.shortcuts import render


class Search(forms.Form):
    q = forms.CharField()

    class Media:
        css = {"all": ["shop/css/shop.css"]}
        js = ["vendor/lib.js"]


def page(request):
    return render(request, "shop/page.html", {"form": Search()})
"""

TESTS = """\
from django.contrib.auth.models import User
from django.test import TestCase


class UsersTest(TestCase):
    def test_a_user_is_stored(self):
        User.objects.create_user("ada")
        self.assertEqual(User.objects.count(), 1)
"""

FILES: dict[str, str | bytes] = {
    "manage.py": MANAGE,
    "project/__init__.py": "",
    "project/settings.py": SETTINGS,
    "project/urls.py": URLS,
    "shop/__init__.py": "",
    "shop/views.py": VIEWS,
    "shop/tests.py": TESTS,
    "shop/templates/shop/page.html": PAGE,
    "shop/static/shop/css/shop.css": ".shop { background: url(../img/cart.png) }\n",
    "shop/static/shop/img/cart.png": PNG,
    # Shadowed: STATICFILES_DIRS come first in the finders' order, so assets/css/base.css wins.
    "shop/static/css/base.css": "h1 { color: #badbad }\n",
    "assets/css/site.css": '@import "base.css";\nbody { background: url(../img/dot.png) }\n',
    "assets/css/base.css": "h1 { color: #123456 }\n",
    "assets/img/dot.png": PNG,
    "assets/js/app.js": "document.documentElement.dataset.app = 'ran';\n",
    "assets/favicon.ico": b"\x00\x00\x01\x00",
    # Django's default ignore patterns: a CVS directory and an editor's backup are not published.
    "assets/CVS/Entries": "/site.css/1.1///\n",
    "assets/css/site.css~": "body { color: red }\n",
    "vendor/lib.js": "window.lib = {};\n",
    "assetbuild.toml": textwrap.dedent(
        """\
        # Next to manage.py: what the settings do not say. Sources, output and URL come from them.
        compress = []
        plain = ["favicon.ico"]

        [bundles]
        "js/bundle.js" = ["js/app.js"]
        """
    ),
}


def environment(**overrides: str) -> dict[str, str]:
    """This environment without what would change the project, plus ``overrides``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("ASSETBUILD_", "DJANGO_", "PROJECT_"))
    }
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(overrides)
    return env


@dataclass(frozen=True)
class Project:
    root: Path

    @property
    def release(self) -> Path:
        """STATIC_ROOT."""
        return self.root / "public" / "static"

    @property
    def state(self) -> Path:
        """Where the build keeps its bookkeeping: beside STATIC_ROOT, never in it."""
        return self.root / "public" / ".static.assetbuild"

    def manage(
        self, *args: str, env: dict[str, str] | None = None, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=self.root,
            env=environment(**(env or {})),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def collectstatic(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self.manage("collectstatic", "--noinput", *args)

    def built(self) -> dict[str, Any]:
        """collectstatic, which must succeed; the manifest it wrote."""
        done = self.collectstatic()
        assert done.returncode == 0, done.stdout + done.stderr
        return self.manifest()

    def manifest(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.release / "manifest.json").read_bytes())
        return data

    def add_settings(self, text: str) -> None:
        settings = self.root / "project" / "settings.py"
        settings.write_text(settings.read_text("utf-8") + textwrap.dedent(text), "utf-8")

    def files(self) -> dict[str, bytes]:
        """Every file under STATIC_ROOT, by path relative to it, with its bytes."""
        return {
            path.relative_to(self.release).as_posix(): path.read_bytes()
            for path in sorted(self.release.rglob("*"))
            if path.is_file()
        }

    def page_urls(self, *paths: str) -> dict[str, list[str]]:
        """Each page rendered by the test client (in a subprocess), and the /static/ URLs in it."""
        script = textwrap.dedent(
            f"""
            import json, re
            from django.test import Client
            client = Client()
            found = {{}}
            for path in {list(paths)!r}:
                response = client.get(path)
                assert response.status_code == 200, (path, response.status_code)
                html = response.content.decode()
                found[path] = re.findall(r'(?:href|src)="(/static/[^"]*)"', html)
            print(json.dumps(found))
            """
        )
        done = self.manage("shell", "-c", script)
        assert done.returncode == 0, done.stderr
        urls: dict[str, list[str]] = json.loads(done.stdout.splitlines()[-1])
        return urls


def make_project(into: Path, files: dict[str, str | bytes] | None = None) -> Project:
    """The project above, written into ``into`` (with ``files`` added or replaced)."""
    write(into, {**FILES, **(files or {})})
    return Project(into)
