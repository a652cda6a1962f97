"""The doctor's findings for Django settings: each from a settings module that triggers it, and
one like it that does not. The modules are real files, imported as Python imports them and never
loaded by Django, as the doctor reads them (by attribute, with Django's defaults)."""

from __future__ import annotations

import importlib.util
import itertools
import textwrap
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest

from assetbuild.doctor.django import code_tree, findings
from tests.conftest import write

_names = itertools.count()

LOCMEM = "django.core.cache.backends.locmem.LocMemCache"
FILEBASED = "django.core.cache.backends.filebased.FileBasedCache"
DUMMY = "django.core.cache.backends.dummy.DummyCache"
REDIS = "django.core.cache.backends.redis.RedisCache"
MEMCACHED = "django.core.cache.backends.memcached.PyMemcacheCache"
# A cache every process shares, for the settings whose subject is something else.
SHARED = f"CACHES = {{'default': {{'BACKEND': {REDIS!r}, 'LOCATION': 'redis://127.0.0.1:6379'}}}}"


def settings(tmp_path: Path, text: str) -> ModuleType:
    """``<project>/settings.py`` holding ``text`` (BASE_DIR is the project's directory)."""
    package = f"doctor_project_{next(_names)}"
    source = f"from pathlib import Path\nBASE_DIR = Path({str(tmp_path)!r})\n"
    source += textwrap.dedent(text)
    write(tmp_path, {f"{package}/__init__.py": "", f"{package}/settings.py": source})
    spec = importlib.util.spec_from_file_location(
        f"{package}.settings", tmp_path / package / "settings.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def ids(tmp_path: Path, text: str) -> list[str]:
    return [finding.id for finding in findings(settings(tmp_path, text))]


# --- asset compilers at run time ---


def test_django_compressor_without_offline_compression_is_w010(tmp_path: Path) -> None:
    found = findings(settings(tmp_path, f"INSTALLED_APPS = ['compressor']\n{SHARED}"))
    assert [f.id for f in found] == ["assetbuild.W010"]
    assert found[0].setting == "COMPRESS_OFFLINE" and found[0].value == "False"
    assert "COMPRESS_OFFLINE = True" in found[0].hint and "manage.py compress" in found[0].hint


def test_django_compressor_enabled_explicitly_in_debug_is_w010_and_disabled_is_silent(
    tmp_path: Path,
) -> None:
    enabled = "INSTALLED_APPS = ['compressor.apps.CompressorConfig']\nDEBUG = True\n"
    assert ids(tmp_path, enabled + "COMPRESS_ENABLED = True") == ["assetbuild.W010"]
    assert ids(tmp_path, enabled) == []  # its default: off when DEBUG


def test_django_compressor_offline_with_its_manifest_is_silent(tmp_path: Path) -> None:
    write(tmp_path, {"public/CACHE/manifest.json": "{}"})
    text = f"""\
        INSTALLED_APPS = ['compressor']
        COMPRESS_OFFLINE = True
        STATIC_ROOT = '/srv/static'
        COMPRESS_ROOT = {str(tmp_path / "public")!r}
        {SHARED}
    """
    assert ids(tmp_path, text) == []


def test_django_compressor_offline_without_its_manifest_is_w011(tmp_path: Path) -> None:
    text = "INSTALLED_APPS = ['compressor']\nCOMPRESS_OFFLINE = True\nSTATIC_ROOT = '/srv/static'\n"
    found = findings(settings(tmp_path, text + SHARED))
    assert [f.id for f in found] == ["assetbuild.W011"]
    assert found[0].value == repr("/srv/static/CACHE/manifest.json")


def test_django_compressor_not_installed_is_silent(tmp_path: Path) -> None:
    assert ids(tmp_path, f"INSTALLED_APPS = ['django.contrib.staticfiles']\n{SHARED}") == []


def test_django_pipeline_with_packaging_off_is_w012_naming_its_collector_and_compilers(
    tmp_path: Path,
) -> None:
    text = f"""\
        INSTALLED_APPS = ['pipeline']
        PIPELINE = {{'PIPELINE_ENABLED': False, 'COMPILERS': ['pipeline.compilers.sass.SASSCompiler']}}
        {SHARED}
    """
    found = findings(settings(tmp_path, text))
    assert [f.id for f in found] == ["assetbuild.W012"]
    assert found[0].setting == "PIPELINE['PIPELINE_ENABLED']"
    assert "the collector" in found[0].message
    assert "pipeline.compilers.sass.SASSCompiler" in found[0].message


def test_django_pipeline_packaged_or_with_nothing_to_run_is_silent(tmp_path: Path) -> None:
    packaged = f"INSTALLED_APPS = ['pipeline']\nPIPELINE = {{'PIPELINE_ENABLED': True}}\n{SHARED}"
    assert ids(tmp_path, packaged) == []
    idle = "PIPELINE = {'PIPELINE_ENABLED': False, 'PIPELINE_COLLECTOR_ENABLED': False}"
    assert ids(tmp_path, f"INSTALLED_APPS = ['pipeline']\n{idle}\n{SHARED}") == []


def test_django_pipeline_in_debug_by_default_packages_at_run_time(tmp_path: Path) -> None:
    assert ids(tmp_path, "INSTALLED_APPS = ['pipeline']\nDEBUG = True") == ["assetbuild.W012"]


def test_django_assets_builds_at_run_time_unless_told_not_to(tmp_path: Path) -> None:
    assert ids(tmp_path, f"INSTALLED_APPS = ['django_assets']\n{SHARED}") == ["assetbuild.W013"]
    off = f"INSTALLED_APPS = ['django_assets']\nASSETS_AUTO_BUILD = False\n{SHARED}"
    assert ids(tmp_path, off) == []


def test_django_sass_processor_enabled_is_w014_and_its_default_off_debug_is_silent(
    tmp_path: Path,
) -> None:
    on = f"INSTALLED_APPS = ['sass_processor']\nSASS_PROCESSOR_ENABLED = True\n{SHARED}"
    assert ids(tmp_path, on) == ["assetbuild.W014"]
    assert ids(tmp_path, f"INSTALLED_APPS = ['sass_processor']\n{SHARED}") == []


# --- sessions ---


def test_file_sessions_are_w020(tmp_path: Path) -> None:
    text = f"SESSION_ENGINE = 'django.contrib.sessions.backends.file'\n{SHARED}"
    found = findings(settings(tmp_path, text))
    assert [f.id for f in found] == ["assetbuild.W020"]
    assert found[0].setting == "SESSION_ENGINE"
    assert "RedisCache" in found[0].hint and "PyMemcacheCache" in found[0].hint


@pytest.mark.parametrize(
    ("engine", "backend", "said"),
    [
        ("cache", LOCMEM, "unknown to the others"),
        ("cache", FILEBASED, "on the local disk of each machine"),
        ("cache", DUMMY, "lost as soon as it is saved"),
        ("cached_db", LOCMEM, "read stale through another"),
    ],
)
def test_sessions_on_a_local_cache_are_w021(
    tmp_path: Path, engine: str, backend: str, said: str
) -> None:
    text = f"""\
        DEBUG = True  # so that only the sessions speak, not CACHES
        SESSION_ENGINE = 'django.contrib.sessions.backends.{engine}'
        CACHES = {{'default': {{'BACKEND': {backend!r}}}}}
    """
    [found] = findings(settings(tmp_path, text))
    assert found.id == "assetbuild.W021"
    assert repr(backend) in found.message and said in found.message


@pytest.mark.parametrize("backend", [REDIS, MEMCACHED])
def test_sessions_on_a_shared_cache_are_silent(tmp_path: Path, backend: str) -> None:
    text = f"""\
        SESSION_ENGINE = 'django.contrib.sessions.backends.cache'
        CACHES = {{'default': {{'BACKEND': {backend!r}, 'LOCATION': '127.0.0.1:1'}}}}
    """
    assert ids(tmp_path, text) == []


def test_the_session_cache_is_the_one_session_cache_alias_names(tmp_path: Path) -> None:
    text = f"""\
        SESSION_ENGINE = 'django.contrib.sessions.backends.cache'
        SESSION_CACHE_ALIAS = 'sessions'
        CACHES = {{
            'default': {{'BACKEND': {REDIS!r}}},
            'sessions': {{'BACKEND': {DUMMY!r}}},
        }}
    """
    [found] = findings(settings(tmp_path, text))
    assert found.id == "assetbuild.W021" and "'sessions'" in found.message


@pytest.mark.parametrize("engine", ["db", "signed_cookies"])
def test_database_and_cookie_sessions_are_silent(tmp_path: Path, engine: str) -> None:
    text = f"SESSION_ENGINE = 'django.contrib.sessions.backends.{engine}'\n{SHARED}"
    assert ids(tmp_path, text) == []


# --- caches ---


def test_django_s_default_cache_in_process_memory_is_w030_when_not_debug(tmp_path: Path) -> None:
    [found] = findings(settings(tmp_path, "DEBUG = False"))
    assert found.id == "assetbuild.W030"
    assert found.setting == "CACHES['default']['BACKEND']" and found.value == repr(LOCMEM)
    assert ids(tmp_path, "DEBUG = True") == []


def test_a_file_based_cache_is_w030_and_a_dummy_one_is_not(tmp_path: Path) -> None:
    text = (
        f"CACHES = {{'default': {{'BACKEND': {DUMMY!r}}}, 'pages': {{'BACKEND': {FILEBASED!r}}}}}"
    )
    [found] = findings(settings(tmp_path, text))
    assert found.setting == "CACHES['pages']['BACKEND']" and "local disk" in found.message


# --- files the app writes ---


def test_a_static_root_inside_the_code_tree_that_the_process_may_write_is_w040(
    tmp_path: Path,
) -> None:
    found = findings(settings(tmp_path, f"STATIC_ROOT = BASE_DIR / 'staticfiles'\n{SHARED}"))
    assert [f.id for f in found] == ["assetbuild.W040"]
    assert str(tmp_path / "staticfiles") in found[0].message


def test_a_static_root_outside_the_code_tree_is_silent(tmp_path: Path) -> None:
    outside = tmp_path.parent / f"{tmp_path.name}-release"
    text = f"STATIC_ROOT = {str(outside)!r}\nBASE_DIR = BASE_DIR / 'src'\n{SHARED}"
    assert ids(tmp_path, text) == []


def test_a_media_root_inside_the_code_tree_is_w041(tmp_path: Path) -> None:
    found = findings(settings(tmp_path, f"MEDIA_ROOT = str(BASE_DIR / 'media')\n{SHARED}"))
    assert [f.id for f in found] == ["assetbuild.W041"]
    assert "shared storage" in found[0].hint


def test_without_base_dir_the_code_tree_holds_the_settings_module_s_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, {"tree_project/__init__.py": "", "tree_project/settings.py": ""})
    monkeypatch.syspath_prepend(str(tmp_path))
    bare = SimpleNamespace(SETTINGS_MODULE="tree_project.settings")
    assert code_tree(bare) == tmp_path.resolve()
    assert code_tree(SimpleNamespace(SETTINGS_MODULE="no_such_project.settings")) is None
    assert code_tree(SimpleNamespace()) is None
    inside = SimpleNamespace(
        SETTINGS_MODULE="tree_project.settings", STATIC_ROOT=str(tmp_path / "static"), DEBUG=True
    )
    assert [f.id for f in findings(inside)] == ["assetbuild.W040"]


def test_a_project_that_keeps_nothing_in_its_processes_has_no_finding(tmp_path: Path) -> None:
    text = f"""\
        INSTALLED_APPS = ['django.contrib.sessions', 'django.contrib.staticfiles', 'compressor']
        COMPRESS_OFFLINE = True
        COMPRESS_OFFLINE_MANIFEST_STORAGE = 'myproject.storage.S3ManifestStorage'
        SESSION_ENGINE = 'django.contrib.sessions.backends.cache'
        STATIC_ROOT = '/srv/release/static'
        {SHARED}
    """
    assert ids(tmp_path, text) == []
