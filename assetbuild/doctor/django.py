"""The doctor's findings for a Django project, read from its settings.

Owns: what the settings say about state the processes keep (asset compilers that write at run
time, sessions and caches local to a process or its disk, static and media roots the app may
write in its own code tree), each as a ``Finding`` naming the setting and the fix. The settings
are read by attribute, with Django's defaults (and the apps' own: django-compressor,
django-pipeline, django-assets, django-sass-processor) where a setting is absent, so the object
may be ``django.conf.settings`` or a plain settings module that Django never loaded.
Must not: import Django or any app it reads about, or write.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator, Mapping
from pathlib import Path

from assetbuild.doctor.backends import Place, django_backend
from assetbuild.doctor.finding import Finding

# Django's defaults for the settings read here (django/conf/global_settings.py).
_DEFAULT_CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
_DEFAULT_SESSION_ENGINE = "django.contrib.sessions.backends.db"

_SHARED_CACHE_HINT = (
    "a cache shared by every process, with expiry: Django's RedisCache "
    "('django.core.cache.backends.redis.RedisCache', LOCATION 'redis://HOST:6379') or "
    "PyMemcacheCache ('django.core.cache.backends.memcached.PyMemcacheCache', LOCATION "
    "'HOST:11211'), its address from the environment"
)


def findings(settings: object) -> tuple[Finding, ...]:
    """Every finding the settings give, in the order of the catalogue's families."""
    return (
        *_compressor(settings),
        *_pipeline(settings),
        *_django_assets(settings),
        *_sass_processor(settings),
        *_sessions(settings),
        *_caches(settings),
        *_roots(settings),
    )


def _get(settings: object, name: str, default: object = None) -> object:
    return getattr(settings, name, default)


def _debug(settings: object) -> bool:
    return bool(_get(settings, "DEBUG", False))


def _installed(settings: object, app: str) -> bool:
    """Whether ``app`` (a module, or an AppConfig below it) is in INSTALLED_APPS."""
    apps = _get(settings, "INSTALLED_APPS", ())
    if not isinstance(apps, list | tuple):
        return False
    return any(
        isinstance(entry, str) and (entry == app or entry.startswith(f"{app}.")) for entry in apps
    )


# -- asset compilers at run time (W01x) -----------------------------------------------------------


def _compressor(settings: object) -> Iterator[Finding]:
    if not _installed(settings, "compressor"):
        return
    # django-compressor's defaults (compressor/conf.py): enabled when not DEBUG, never offline.
    enabled = bool(_get(settings, "COMPRESS_ENABLED", not _debug(settings)))
    offline = bool(_get(settings, "COMPRESS_OFFLINE", False))
    if enabled and not offline:
        yield Finding(
            "assetbuild.W010",
            "COMPRESS_OFFLINE",
            repr(_get(settings, "COMPRESS_OFFLINE", False)),
            "django-compressor is enabled and compresses each {% compress %} block when a page "
            "first renders it: every process writes the result into COMPRESS_ROOT on its own disk "
            "and remembers it in its cache, so processes differ and a fresh one starts cold",
            "Compress at build time: set COMPRESS_OFFLINE = True and run `manage.py compress` in "
            "the build stage (or move the blocks to assetbuild bundles: `assetbuild import "
            "django-compressor`)",
        )
    elif enabled:
        manifest = _offline_manifest(settings)
        if manifest is not None and not manifest.is_file():
            yield Finding(
                "assetbuild.W011",
                "COMPRESS_OFFLINE_MANIFEST",
                repr(str(manifest)),
                "django-compressor is offline, but its offline manifest is not there: every page "
                "with a {% compress %} block fails until something writes it at run time",
                "Run `manage.py compress` in the build stage, so the release carries the manifest",
            )


def _offline_manifest(settings: object) -> Path | None:
    """Where django-compressor's default offline manifest storage reads the manifest; None when
    a storage of the project's own keeps it (its place is not knowable from here)."""
    storage = _get(settings, "COMPRESS_OFFLINE_MANIFEST_STORAGE", None)
    if storage not in (None, "compressor.storage.OfflineManifestFileStorage"):
        return None
    root = _get(settings, "COMPRESS_ROOT", None) or _get(settings, "STATIC_ROOT", None)
    if not isinstance(root, str | os.PathLike) or not os.fspath(root):
        return None
    output_dir = str(_get(settings, "COMPRESS_OUTPUT_DIR", "CACHE") or "").strip("/")
    name = str(_get(settings, "COMPRESS_OFFLINE_MANIFEST", "manifest.json"))
    return Path(os.path.abspath(root), output_dir, name)


def _pipeline(settings: object) -> Iterator[Finding]:
    if not _installed(settings, "pipeline"):
        return
    config = _get(settings, "PIPELINE", None)
    config = config if isinstance(config, Mapping) else {}
    # django-pipeline's defaults (pipeline/conf.py): packaging on when not DEBUG; the collector
    # on. With packaging off, each page that names a package collects and compiles its sources.
    enabled = bool(config.get("PIPELINE_ENABLED", not _debug(settings)))
    collector = bool(config.get("PIPELINE_COLLECTOR_ENABLED", True))
    compilers = list(config.get("COMPILERS", ()) or ())
    if enabled or not (collector or compilers):
        return
    doing = []
    if collector:
        doing.append("the collector copies every app's static files into STATIC_ROOT")
    if compilers:
        doing.append(f"the compilers ({', '.join(map(str, compilers))}) write their output there")
    yield Finding(
        "assetbuild.W012",
        "PIPELINE['PIPELINE_ENABLED']",
        repr(config.get("PIPELINE_ENABLED", not _debug(settings))),
        "django-pipeline's packaging is off, so on each request for a page that names a package "
        f"{' and '.join(doing)}: at run time, on the local disk of each process",
        "Package at build time: set PIPELINE['PIPELINE_ENABLED'] = True (and "
        "PIPELINE_COLLECTOR_ENABLED = False) and run `manage.py collectstatic` in the build stage",
    )


def _django_assets(settings: object) -> Iterator[Finding]:
    if not _installed(settings, "django_assets"):
        return
    # django-assets passes ASSETS_AUTO_BUILD to webassets, whose default is True.
    if bool(_get(settings, "ASSETS_AUTO_BUILD", True)):
        yield Finding(
            "assetbuild.W013",
            "ASSETS_AUTO_BUILD",
            repr(_get(settings, "ASSETS_AUTO_BUILD", True)),
            "webassets (django-assets) checks each bundle's sources when a page names it and "
            "rebuilds it on the local disk of the process that rendered the page",
            "Build at build time: set ASSETS_AUTO_BUILD = False and build the bundles in the "
            "build stage (`manage.py assets build`, or `assetbuild import webassets`)",
        )


def _sass_processor(settings: object) -> Iterator[Finding]:
    if not _installed(settings, "sass_processor"):
        return
    # django-sass-processor compiles on the request when enabled, by default when DEBUG.
    if bool(_get(settings, "SASS_PROCESSOR_ENABLED", _debug(settings))):
        yield Finding(
            "assetbuild.W014",
            "SASS_PROCESSOR_ENABLED",
            repr(_get(settings, "SASS_PROCESSOR_ENABLED", _debug(settings))),
            "django-sass-processor compiles each SCSS file a page names when it renders, and "
            "writes the CSS into SASS_PROCESSOR_ROOT (STATIC_ROOT) on the local disk",
            "Set SASS_PROCESSOR_ENABLED = False and run `manage.py compilescss` in the build stage",
        )


# -- sessions (W02x) ------------------------------------------------------------------------------


def _sessions(settings: object) -> Iterator[Finding]:
    engine = _get(settings, "SESSION_ENGINE", _DEFAULT_SESSION_ENGINE)
    if not isinstance(engine, str):
        return
    kind = engine.rpartition(".")[2]
    if kind == "file":
        yield Finding(
            "assetbuild.W020",
            "SESSION_ENGINE",
            repr(engine),
            "sessions are files on the local disk (SESSION_FILE_PATH): a visitor whose next "
            "request reaches another machine or container has lost their session, and a deploy "
            "loses them all",
            f"Keep sessions in a datastore with expiry: SESSION_ENGINE = "
            f"'django.contrib.sessions.backends.cache' on {_SHARED_CACHE_HINT}",
        )
    elif kind in ("cache", "cached_db"):
        alias = str(_get(settings, "SESSION_CACHE_ALIAS", "default"))
        backend = _cache_backends(settings).get(alias)
        place = django_backend(backend)
        if place is not None:
            yield Finding(
                "assetbuild.W021",
                "SESSION_ENGINE",
                repr(engine),
                f"sessions are kept in the cache {alias!r}, whose backend {backend!r} keeps "
                f"{_held(place)}: {_lost(place, kind)}",
                f"Point CACHES[{alias!r}] (SESSION_CACHE_ALIAS) at {_SHARED_CACHE_HINT}",
            )


def _held(place: Place) -> str:
    return {
        "process memory": "them in the memory of each process",
        "local disk": "them on the local disk of each machine",
        "nowhere": "nothing at all",
    }[place]


def _lost(place: Place, kind: str) -> str:
    if place == "nowhere":
        return "every session is lost as soon as it is saved"
    if kind == "cached_db":
        return (
            "each process reads its own copy first, so a session changed through one process "
            "is read stale through another"
        )
    return (
        "a session written through one process is unknown to the others, which forces sticky "
        "sessions, and a restart loses them all"
    )


# -- caches (W03x) --------------------------------------------------------------------------------


def _cache_backends(settings: object) -> dict[str, object]:
    caches = _get(settings, "CACHES", _DEFAULT_CACHES)
    if not isinstance(caches, Mapping):
        return {}
    return {
        str(alias): config.get("BACKEND")
        for alias, config in caches.items()
        if isinstance(config, Mapping)
    }


def _caches(settings: object) -> Iterator[Finding]:
    if _debug(settings):
        return  # a development server is one process; factor VI is about the deployed app
    for alias, backend in _cache_backends(settings).items():
        place = django_backend(backend)
        if place in ("process memory", "local disk"):
            yield Finding(
                "assetbuild.W030",
                f"CACHES[{alias!r}]['BACKEND']",
                repr(backend),
                f"the cache {alias!r} is kept in {place}: each process has its own, so what one "
                "process cached (or invalidated) the others do not see, and each restart starts "
                "cold",
                f"Use {_SHARED_CACHE_HINT}; a cache that is not shared belongs to one request",
            )


# -- files the app writes (W04x) ------------------------------------------------------------------


def _roots(settings: object) -> Iterator[Finding]:
    tree = code_tree(settings)
    if tree is None:
        return
    for name, finding_id, written in (
        ("STATIC_ROOT", "assetbuild.W040", "anything that writes static files at run time"),
        ("MEDIA_ROOT", "assetbuild.W041", "every upload"),
    ):
        value = _get(settings, name, None)
        if not isinstance(value, str | os.PathLike) or not os.fspath(value):
            continue
        root = Path(os.path.abspath(os.fspath(value)))
        if root.resolve().is_relative_to(tree) and _writable(root):
            yield Finding(
                finding_id,
                name,
                repr(str(value)),
                f"{root} is inside the code tree ({tree}) and the process may write there: "
                f"{written} lands on one machine's disk, not in the release or a shared store, "
                "and is gone with the next deploy",
                f"Build {name} in the build stage and run the app as a user that cannot write "
                "the code tree"
                + (
                    "; keep uploads in a shared storage (an object store through STORAGES)"
                    if name == "MEDIA_ROOT"
                    else " (a read-only image or mount)"
                ),
            )


def code_tree(settings: object) -> Path | None:
    """The project's code tree: ``BASE_DIR``, else the directory that holds the settings module's
    top package (where ``manage.py`` usually is); None when neither is known."""
    base = _get(settings, "BASE_DIR", None)
    if isinstance(base, str | os.PathLike):
        return Path(os.path.abspath(os.fspath(base))).resolve()
    module = _get(settings, "SETTINGS_MODULE", None)
    if not isinstance(module, str) or not module:
        return None
    top = module.partition(".")[0]
    try:
        spec = importlib.util.find_spec(top)  # finds, does not import: `top` is top-level
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    if spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations))).resolve().parent
    if spec.origin:
        return Path(spec.origin).resolve().parent
    return None


def _writable(path: Path) -> bool:
    """Whether this process could write at ``path``: the directory, or its nearest ancestor
    that exists (where it could be made)."""
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate.is_dir() and os.access(candidate, os.W_OK)
    return False
