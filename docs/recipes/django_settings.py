# settings.py (the parts that change): Django serves its assetbuild release with WhiteNoise, next to
# the static files of Django's own apps (the admin's), which collectstatic still gathers.
# assetbuild.toml has output = "build/www/assets" and url = "/assets/" (docs/serving.md).
# tests/recipes/test_recipes.py runs this file as a project's settings.py.
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "assetbuild.runtime.django",  # {% load assetbuild %}, and a system check of the manifest
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # right after SecurityMiddleware
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# Django's own apps' static files: `manage.py collectstatic`, served at /static/ as before.
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "build" / "collected"

# The assetbuild release, built into build/www/assets/ and served at /assets/.
ASSETBUILD_MANIFEST = BASE_DIR / "build" / "www" / "assets" / "manifest.json"
WHITENOISE_ROOT = BASE_DIR / "build" / "www"  # WhiteNoise serves this directory at /
# <stem>.<12 hex digits>.<ext>, or <name>.<12 hex digits> for a file without an extension
WHITENOISE_IMMUTABLE_FILE_TEST = r"\.[0-9a-f]{12}(\.[^./]+)?$"


def manifest_not_cached(headers, path, url):
    if url.endswith("/manifest.json"):
        headers["Cache-Control"] = "no-cache"


WHITENOISE_ADD_HEADERS_FUNCTION = manifest_not_cached
