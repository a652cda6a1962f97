"""Settings of the example project: collectstatic builds an assetbuild release, WhiteNoise serves it.

The one assetbuild setting is the ``staticfiles`` storage (``STORAGES``): ``manage.py
collectstatic`` then builds a release into ``STATIC_ROOT`` from the staticfiles finders (this
project's ``static/``, the ``greetings`` app's, the admin's and Django REST framework's), with the
bundles, ES modules and import map of ``assetbuild.toml`` next to ``manage.py``. Every
``{% static %}`` (the admin's and the browsable API's included) and the page's ``{% load
assetbuild %}`` tags read its manifest.
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

# An example: a real project reads its secret from the environment and has no fallback.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "example-only-not-a-secret")
DEBUG = os.environ.get("DJANGO_DEBUG") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]

INSTALLED_APPS = [
    # Before staticfiles: its runserver serves the release (with DEBUG), not the sources.
    "assetbuild.runtime.django",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "greetings",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Right after SecurityMiddleware, so a static file costs no other middleware.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "example_site.urls"
WSGI_APPLICATION = "example_site.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
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
# SQLite beside manage.py (git ignores it); `manage.py migrate` makes it. The pages the example
# serves (its own, the admin's login, the browsable API) read no table.
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("EXAMPLE_DATABASE") or BASE_DIR / "db.sqlite3",
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"  # Django's default, America/Chicago, would also become the process's TZ

# --- static files: the one setting, and where the release goes --------------------------------
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "assetbuild.runtime.django.storage.ReleaseStorage"},
}
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# The release directory: collectstatic builds into it, WhiteNoise serves it. An image that keeps
# its release elsewhere names that release's manifest in ASSETBUILD_MANIFEST (docs/docker.md);
# the storage reads that manifest, so WhiteNoise serves the directory it is in.
_MANIFEST = os.environ.get("ASSETBUILD_MANIFEST")
STATIC_ROOT = Path(_MANIFEST).resolve().parent if _MANIFEST else BASE_DIR / "build" / "static"

# WhiteNoise needs nothing more: it asks the storage for each file's URL, so every fingerprinted
# file of the release gets its far-future immutable header, and manifest.json its short default.
# With DEBUG, it would also serve the sources through the finders, by their unfingerprinted names.
WHITENOISE_USE_FINDERS = False
