"""Where a cache keeps its entries: in the process, on its disk, nowhere, or in a service.

Owns: telling, from a cache backend's name as a setting writes it (Django's ``BACKEND`` dotted
path, Flask-Caching's ``CACHE_TYPE`` in any of its spellings) or from a cache object's class
(cachelib, Flask-Caching), whether its entries are local to one process or one machine.
Must not: import a cache library; it reads names.
"""

from __future__ import annotations

from typing import Literal

# Where a local cache keeps its entries; anything else (Redis, Memcached, a database) is shared
# by every process that names it, which is what factor VI asks of state that outlives a request.
Place = Literal["process memory", "local disk", "nowhere"]

# Django's own backends, by class name (a subclass keeps the name's meaning, and the module
# path of a project's copy is its own).
_DJANGO: dict[str, Place] = {
    "LocMemCache": "process memory",
    "FileBasedCache": "local disk",
    "DummyCache": "nowhere",
}

# Flask-Caching's CACHE_TYPE: the class name, its module path, or the old lowercase aliases
# ("simple", "filesystem", "null"), all compared in lowercase by their last dotted part.
_FLASK_CACHING: dict[str, Place] = {
    "simplecache": "process memory",
    "simple": "process memory",
    "filesystemcache": "local disk",
    "filesystem": "local disk",
}

# cachelib's and Flask-Caching's cache classes, as the objects an app holds are named.
_CLASSES: dict[str, Place] = {
    "SimpleCache": "process memory",
    "FileSystemCache": "local disk",
    "NullCache": "nowhere",
}


def django_backend(backend: object) -> Place | None:
    """Where a Django ``CACHES`` ``BACKEND`` keeps entries, if that is local; None if shared."""
    if not isinstance(backend, str):
        return None
    return _DJANGO.get(backend.rpartition(".")[2])


def flask_caching_type(cache_type: object) -> Place | None:
    """Where a Flask-Caching ``CACHE_TYPE`` keeps entries, if that is local; None if shared.

    ``NullCache`` caches nothing, so it keeps no state at all: it is not reported.
    """
    if not isinstance(cache_type, str):
        return None
    return _FLASK_CACHING.get(cache_type.rpartition(".")[2].lower())


def cache_object(cache: object) -> Place | None:
    """Where a cachelib or Flask-Caching cache object keeps entries, if that is local."""
    for cls in type(cache).__mro__:
        if cls.__name__ in _CLASSES:
            return _CLASSES[cls.__name__]
    return None


def class_path(obj: object) -> str:
    """``module.Class`` of an object, as a setting would name it."""
    cls = type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"
