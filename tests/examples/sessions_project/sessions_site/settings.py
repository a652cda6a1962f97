"""Settings: sessions in the cache that ``SESSION_STORE`` names, at ``CACHE_LOCATION``.

Nothing else keeps state: no database, no static files, no media. So ``assetbuild doctor`` has
something to say only about the sessions' cache.
"""

from __future__ import annotations

import os

# The backends, by the name the environment gives: two shared stores with expiry, and the one
# in each process's memory.
BACKENDS = {
    "redis": "django.core.cache.backends.redis.RedisCache",
    "memcached": "django.core.cache.backends.memcached.PyMemcacheCache",
    "locmem": "django.core.cache.backends.locmem.LocMemCache",
}
STORE = os.environ.get("SESSION_STORE", "locmem")

SECRET_KEY = "tests-only-not-a-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1"]
INSTALLED_APPS = ["django.contrib.sessions"]
MIDDLEWARE = ["django.contrib.sessions.middleware.SessionMiddleware"]
ROOT_URLCONF = "sessions_site.urls"
WSGI_APPLICATION = "sessions_site.wsgi.application"
DATABASES: dict[str, dict[str, str]] = {}
USE_TZ = True
TIME_ZONE = "UTC"

CACHES = {"default": {"BACKEND": BACKENDS[STORE], "LOCATION": os.environ.get("CACHE_LOCATION", "")}}
SESSION_ENGINE = "django.contrib.sessions.backends.cache"
