"""Where a cache keeps its entries, from the names settings give it and the classes apps hold."""

from __future__ import annotations

from pathlib import Path

import pytest
from cachelib import FileSystemCache, RedisCache, SimpleCache

from assetbuild.doctor.backends import cache_object, django_backend, flask_caching_type


@pytest.mark.parametrize(
    ("backend", "place"),
    [
        ("django.core.cache.backends.locmem.LocMemCache", "process memory"),
        ("django.core.cache.backends.filebased.FileBasedCache", "local disk"),
        ("django.core.cache.backends.dummy.DummyCache", "nowhere"),
        ("myproject.caches.LocMemCache", "process memory"),  # a copy keeps the name's meaning
        ("django.core.cache.backends.redis.RedisCache", None),
        ("django.core.cache.backends.memcached.PyMemcacheCache", None),
        ("django.core.cache.backends.db.DatabaseCache", None),
        (None, None),
    ],
)
def test_a_django_backend_is_local_by_its_class_name(backend: object, place: str | None) -> None:
    assert django_backend(backend) == place


@pytest.mark.parametrize(
    ("cache_type", "place"),
    [
        ("SimpleCache", "process memory"),
        ("simple", "process memory"),
        ("flask_caching.backends.SimpleCache", "process memory"),
        ("flask_caching.backends.simplecache.SimpleCache", "process memory"),
        ("FileSystemCache", "local disk"),
        ("filesystem", "local disk"),
        ("RedisCache", None),
        ("PyMemcacheCache", None),
        ("NullCache", None),  # caches nothing: no state to share
    ],
)
def test_a_flask_caching_type_is_local_in_every_spelling(
    cache_type: str, place: str | None
) -> None:
    assert flask_caching_type(cache_type) == place


def test_a_cache_object_is_local_by_its_class_or_a_base(tmp_path: Path) -> None:
    class Tuned(SimpleCache):
        pass

    assert cache_object(SimpleCache()) == "process memory"
    assert cache_object(Tuned()) == "process memory"
    assert cache_object(FileSystemCache(str(tmp_path))) == "local disk"
    assert cache_object(RedisCache(host="127.0.0.1", port=1)) is None  # no connection made
