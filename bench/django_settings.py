"""Settings of the minimal Django project that bench/run.py times ``collectstatic`` with.

Owns: the settings, read from the environment that run.py sets: ``BENCH_DJANGO_SOURCE`` (the
corpus, the one entry of ``STATICFILES_DIRS``), ``BENCH_DJANGO_OUTPUT`` (``STATIC_ROOT``) and
``BENCH_DJANGO_STORAGE``: ``manifest`` (Django's ``ManifestStaticFilesStorage``) or
``whitenoise`` (WhiteNoise's ``CompressedManifestStaticFilesStorage``), each through the tolerant
subclass in ``django_storages``. Must not: import assetbuild.
"""

from __future__ import annotations

import os

_STORAGES = {
    "manifest": "django_storages.TolerantManifestStorage",
    "whitenoise": "django_storages.TolerantCompressedManifestStorage",
}

SECRET_KEY = "bench-only"
DEBUG = False
USE_TZ = True
INSTALLED_APPS = ["django.contrib.staticfiles"]
STATICFILES_DIRS = [os.environ["BENCH_DJANGO_SOURCE"]]
STATIC_ROOT = os.environ["BENCH_DJANGO_OUTPUT"]
STATIC_URL = "/static/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": _STORAGES[os.environ.get("BENCH_DJANGO_STORAGE", "manifest")]},
}
