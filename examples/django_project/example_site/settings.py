"""Settings of the example project: the assetbuild app, and WhiteNoise serving the release.

The release that ``assetbuild build`` writes is ``STATIC_ROOT``; WhiteNoise's middleware serves it
under ``STATIC_URL``. Templates emit asset URLs with ``{% load assetbuild %}`` and never with
``{% static %}`` (there is no ``django.contrib.staticfiles`` and no ``collectstatic``: the release
is already what collectstatic would make, and more).
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

# An example: a real project reads its secret from the environment and has no fallback.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "example-only-not-a-secret")
DEBUG = os.environ.get("DJANGO_DEBUG") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

INSTALLED_APPS = ["assetbuild.runtime.django"]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Right after SecurityMiddleware, so a static file costs no other middleware.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.common.CommonMiddleware",
]
ROOT_URLCONF = "example_site.urls"
WSGI_APPLICATION = "example_site.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
    },
]
DATABASES: dict[str, dict[str, object]] = {}
USE_TZ = True
TIME_ZONE = "UTC"  # Django's default, America/Chicago, would also become the process's TZ

# The release: its manifest (read by the assetbuild app; `manage.py check` reports it if it is
# missing or invalid) and the directory it lies in, which WhiteNoise serves.
ASSETBUILD_MANIFEST = str(
    Path(os.environ.get("ASSETBUILD_MANIFEST") or BASE_DIR / "build" / "static" / "manifest.json")
    .expanduser()
    .resolve()
)
STATIC_ROOT = Path(ASSETBUILD_MANIFEST).parent
STATIC_URL = "/static/"  # the `url` of assetbuild.toml

# assetbuild names every release file <dir>/<stem>.<12 hex digits>.<ext> (or <name>.<12 hex> when
# there is no extension); such a file never changes, so browsers and CDNs may keep it forever.
# manifest.json does not match: it changes with every build. (WhiteNoise's own test asks
# Django's staticfiles storage, which knows nothing of this release.)
WHITENOISE_IMMUTABLE_FILE_TEST = r"\.[0-9a-f]{12}(\.[^./]+)?$"
# Serve the release only, never the sources through staticfiles finders (the default with DEBUG).
WHITENOISE_USE_FINDERS = False
