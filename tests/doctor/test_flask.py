"""The doctor's findings for Flask apps: real apps, with the real extensions (Flask-Assets,
Flask-Session, Flask-Caching) made as their documentation says; each finding from an app that
triggers it, and one like it that does not. No cache or session store is connected to."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import redis
from cachelib import FileSystemCache, SimpleCache
from flask import Flask
from flask_caching import Cache
from flask_session import Session

from assetbuild.doctor.finding import fails
from assetbuild.doctor.flask import findings

if TYPE_CHECKING:
    from flask_assets import Environment


def app_with(**config: Any) -> Flask:
    app = Flask(__name__)
    app.config.update(config)
    return app


def ids(app: Flask) -> list[str]:
    return [finding.id for finding in findings(app) if finding.level == "warning"]


# --- Flask-Assets ---


@pytest.fixture
def flask_assets() -> Iterator[type[Environment]]:
    """Flask-Assets' Environment. Importing flask_assets replaces webassets' jinja2 filter with
    its own (which needs an app context) for the whole process, so it is imported here, not at
    collection, and webassets' registry is put back after: the build tests run that filter."""
    from webassets import filter as webassets_filters

    registered = dict(webassets_filters._FILTERS)
    from flask_assets import Environment

    yield Environment
    webassets_filters._FILTERS.clear()
    webassets_filters._FILTERS.update(registered)


def test_flask_assets_builds_at_run_time_by_default(flask_assets: type[Environment]) -> None:
    app = app_with()
    flask_assets(app)
    [found] = [f for f in findings(app) if f.id == "assetbuild.W013"]
    assert found.setting == "ASSETS_AUTO_BUILD" and found.value == "True"
    assert "ASSETS_AUTO_BUILD = False" in found.hint


def test_flask_assets_made_apart_from_the_app_is_read_through_the_app(
    flask_assets: type[Environment],
) -> None:
    app = app_with()
    flask_assets().init_app(app)
    assert ids(app) == ["assetbuild.W013"]


def test_flask_assets_without_auto_build_is_silent(flask_assets: type[Environment]) -> None:
    app = app_with(ASSETS_AUTO_BUILD=False)
    flask_assets(app)
    assert ids(app) == []


def test_assets_auto_build_in_a_config_without_flask_assets_is_silent() -> None:
    assert ids(app_with(ASSETS_AUTO_BUILD=True)) == []


# --- Flask-Session ---


def test_flask_session_in_files_is_w025(tmp_path: Path) -> None:
    app = app_with(SESSION_TYPE="filesystem", SESSION_FILE_DIR=str(tmp_path))
    with pytest.warns(DeprecationWarning):  # Flask-Session 0.7+ says so, too
        Session(app)
    [found] = findings(app)
    assert found.id == "assetbuild.W025" and found.value == "'filesystem'"
    assert "SESSION_TYPE = 'redis'" in found.hint and "SESSION_TYPE = 'memcached'" in found.hint


@pytest.mark.parametrize(
    ("make", "place"),
    [(lambda _: SimpleCache(), "process memory"), (FileSystemCache, "local disk")],
)
def test_flask_session_on_a_local_cachelib_cache_is_w026(
    tmp_path: Path, make: Any, place: str
) -> None:
    app = app_with(SESSION_TYPE="cachelib", SESSION_CACHELIB=make(str(tmp_path)))
    Session(app)
    [found] = findings(app)
    assert found.id == "assetbuild.W026" and found.setting == "SESSION_CACHELIB"
    assert f"in {place}" in found.message


def test_flask_session_on_redis_is_silent() -> None:
    app = app_with(SESSION_TYPE="redis", SESSION_REDIS=redis.Redis(host="127.0.0.1", port=1))
    Session(app)  # a client, not a connection: nothing is asked of the server
    assert findings(app) == ()


def test_session_type_without_flask_session_is_flask_s_cookie_session() -> None:
    app = app_with(SESSION_TYPE="filesystem")
    assert [f.id for f in findings(app)] == ["assetbuild.I050"]


# --- Flask-Caching ---


@pytest.mark.parametrize(
    "cache_type",
    ["SimpleCache", "flask_caching.backends.SimpleCache", "FileSystemCache"],
)
def test_a_flask_caching_cache_local_to_the_process_is_w035(
    tmp_path: Path, cache_type: str
) -> None:
    app = app_with(CACHE_TYPE=cache_type, CACHE_DIR=str(tmp_path))
    Cache(app)
    [found] = [f for f in findings(app) if f.id == "assetbuild.W035"]
    assert found.setting == "CACHE_TYPE"
    assert found.value.startswith("flask_caching.backends.")  # the class the app holds
    assert "RedisCache" in found.hint


@pytest.mark.parametrize("cache_type", ["simple", "filesystem"])
def test_a_local_cache_type_is_w035_before_flask_caching_is_made(cache_type: str) -> None:
    # In an app factory that makes Cache later, or under Flask-Caching 1's lowercase names.
    [found] = [f for f in findings(app_with(CACHE_TYPE=cache_type)) if f.id != "assetbuild.I050"]
    assert found.id == "assetbuild.W035" and found.value == repr(cache_type)


@pytest.mark.parametrize("cache_type", ["RedisCache", "NullCache"])
def test_a_shared_or_null_flask_caching_cache_is_silent(cache_type: str) -> None:
    app = app_with(CACHE_TYPE=cache_type, CACHE_REDIS_PORT=1, CACHE_NO_NULL_WARNING=True)
    Cache(app)
    assert ids(app) == []


def test_a_local_cache_in_debug_is_silent() -> None:
    app = app_with(CACHE_TYPE="SimpleCache", DEBUG=True)
    Cache(app)
    assert ids(app) == []


# --- Flask's cookie session ---


def test_flask_s_cookie_session_is_a_note_that_fails_nothing() -> None:
    found = findings(app_with(SESSION_COOKIE_NAME="visit"))
    assert [f.id for f in found] == ["assetbuild.I050"]
    assert found[0].level == "info" and found[0].value == "'visit'"
    assert "4 kB" in found[0].message
    assert not fails(found)
