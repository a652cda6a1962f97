# settings.py (the parts that change): collectstatic builds the assetbuild release into STATIC_ROOT
# (ReleaseStorage), and WhiteNoise serves it, the admin's files included, with no setting of its own.
# assetbuild.toml next to manage.py has the bundles, and no source, output or url (docs/serving.md).
# tests/recipes/test_recipes.py runs this file as a project's settings.py.
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

INSTALLED_APPS = [
    "assetbuild.runtime.django",  # first: {% load assetbuild %}, the system checks, runserver
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
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

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "assetbuild.runtime.django.storage.ReleaseStorage"},
}
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"  # the release: collectstatic builds it, WhiteNoise serves it
STATICFILES_DIRS = [BASE_DIR / "static"]


def manifest_not_cached(headers, path, url):
    if url.endswith("/manifest.json"):
        headers["Cache-Control"] = "no-cache"


WHITENOISE_ADD_HEADERS_FUNCTION = manifest_not_cached
