"""The doctor's findings for a Flask app, read from the app and the extensions it holds.

Owns: what a loaded app says about state its processes keep: Flask-Assets (webassets) building
at run time, Flask-Session's file or local cachelib sessions, Flask-Caching's process-memory or
local-disk caches, and a note on Flask's own cookie session. Read by duck typing: the app's
``config``, ``debug``, ``extensions``, ``session_interface`` and ``jinja_env``, and the class
names of what they hold, so that no extension needs to be importable here.
Must not: import Flask or an extension, make a request, or write.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from assetbuild.doctor.backends import cache_object, class_path, flask_caching_type
from assetbuild.doctor.finding import Finding

_SHARED_STORE_HINT = (
    "a datastore with expiry shared by every process: Redis (SESSION_TYPE = 'redis', "
    "SESSION_REDIS = redis.Redis.from_url(os.environ['REDIS_URL'])) or Memcached "
    "(SESSION_TYPE = 'memcached', SESSION_MEMCACHED = pymemcache's Client)"
)


def findings(app: object) -> tuple[Finding, ...]:
    """Every finding the app gives, in the order of the catalogue's families."""
    return (*_assets(app), *_sessions(app), *_caches(app), *_cookie_session(app))


def _config(app: object) -> Mapping[str, Any]:
    config = getattr(app, "config", None)
    return config if isinstance(config, Mapping) else {}


# -- asset compilers at run time (W013) -----------------------------------------------------------


def _assets(app: object) -> Iterator[Finding]:
    jinja_env = getattr(app, "jinja_env", None)
    environment = getattr(jinja_env, "assets_environment", None)  # where Flask-Assets puts it
    config = _config(app)
    if environment is None:
        return
    # webassets' default is to build; Flask-Assets reads ASSETS_AUTO_BUILD from the app's config.
    try:
        with _app_context(app):
            auto_build = bool(getattr(environment, "auto_build", True))
    except Exception:  # an environment that cannot say: the setting is what counts
        auto_build = bool(config.get("ASSETS_AUTO_BUILD", True))
    if auto_build:
        yield Finding(
            "assetbuild.W013",
            "ASSETS_AUTO_BUILD",
            repr(config.get("ASSETS_AUTO_BUILD", True)),
            "Flask-Assets (webassets) checks each bundle's sources when a template names it and "
            "rebuilds it into the static folder of the process that rendered the page: every "
            "process compiles and caches on its own local disk",
            "Build at build time: set ASSETS_AUTO_BUILD = False (and build with `flask assets "
            "build` in the build stage), or move to assetbuild: `assetbuild import webassets "
            "--flask`",
        )


def _app_context(app: object) -> AbstractContextManager[object]:
    # Flask-Assets reads its settings through current_app when the environment was made apart
    # from the app (init_app): give it the app.
    make = getattr(app, "app_context", None)
    return make() if callable(make) else nullcontext()


# -- sessions (W025, W026) ------------------------------------------------------------------------


def _sessions(app: object) -> Iterator[Finding]:
    interface = getattr(app, "session_interface", None)
    if interface is None or not type(interface).__module__.startswith("flask_session"):
        return
    config = _config(app)
    name = type(interface).__name__
    if name == "FileSystemSessionInterface":
        yield Finding(
            "assetbuild.W025",
            "SESSION_TYPE",
            repr(config.get("SESSION_TYPE", "filesystem")),
            "Flask-Session keeps each session in a file on the local disk (SESSION_FILE_DIR): a "
            "visitor whose next request reaches another machine or container has lost it, and a "
            "deploy loses them all",
            f"Keep sessions in {_SHARED_STORE_HINT}",
        )
    elif name == "CacheLibSessionInterface":
        cache = getattr(interface, "cache", None) or getattr(interface, "client", None)
        place = cache_object(cache)
        if place is not None:
            yield Finding(
                "assetbuild.W026",
                "SESSION_CACHELIB",
                class_path(cache),
                f"Flask-Session keeps sessions in a cachelib {type(cache).__name__}, in {place}: "
                "a session written through one process (or machine) is unknown to the others, "
                "which forces sticky sessions, and a restart loses them all",
                f"Keep sessions in {_SHARED_STORE_HINT}",
            )


# -- caches (W035) --------------------------------------------------------------------------------


def _caches(app: object) -> Iterator[Finding]:
    if bool(getattr(app, "debug", False)):
        return  # a development server is one process; factor VI is about the deployed app
    config = _config(app)
    extensions = getattr(app, "extensions", None)
    held = extensions.get("cache") if isinstance(extensions, Mapping) else None
    # Flask-Caching keeps {Cache: backend} under extensions["cache"]; without it (the Cache not
    # made yet, in a factory that makes it later), the setting is all there is to read.
    backends = list(held.values()) if isinstance(held, Mapping) else []
    places = [(class_path(backend), cache_object(backend)) for backend in backends]
    if not backends and "CACHE_TYPE" in config:
        places = [(repr(config["CACHE_TYPE"]), flask_caching_type(config["CACHE_TYPE"]))]
    for value, place in places:
        if place in ("process memory", "local disk"):
            yield Finding(
                "assetbuild.W035",
                "CACHE_TYPE",
                value,
                f"Flask-Caching keeps its cache in {place}: each process has its own, so what "
                "one process cached (or cleared) the others do not see, and each restart starts "
                "cold",
                "Use a cache shared by every process: CACHE_TYPE = 'RedisCache' "
                "(CACHE_REDIS_URL) or 'PyMemcacheCache' (CACHE_MEMCACHED_SERVERS), its address "
                "from the environment",
            )


# -- a note on Flask's own session (I050) ---------------------------------------------------------


def _cookie_session(app: object) -> Iterator[Finding]:
    interface = getattr(app, "session_interface", None)
    if type(interface).__name__ != "SecureCookieSessionInterface":
        return
    # How much a session holds is known only at run time, per visitor: the doctor cannot measure
    # it, so it says what to watch instead of guessing. Werkzeug warns past 4093 bytes.
    yield Finding(
        "assetbuild.I050",
        "SESSION_COOKIE_NAME",
        repr(_config(app).get("SESSION_COOKIE_NAME", "session")),
        "the session is Flask's signed cookie: the visitor's browser holds it, so every process "
        "reads it and factor VI is met; but it travels with every request, and browsers drop "
        "cookies over 4 kB",
        "Keep it to a few ids (a user id, a CSRF token); put anything larger in a datastore with "
        "expiry (Flask-Session on Redis or Memcached)",
    )
