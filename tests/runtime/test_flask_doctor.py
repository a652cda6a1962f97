"""``flask assetbuild doctor``: the factor-VI findings for the Flask app, without the build side.

In this process through click's runner, as Flask runs a plugin command; and once as a user runs
it, in a subprocess, to see what it loads.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result
from flask import Flask
from flask.cli import NoAppException, ScriptInfo
from flask_caching import Cache

from assetbuild.runtime.flask.cli import command
from tests.conftest import environment, write
from tests.runtime.flask_site import make_app, write_site

REPO = Path(__file__).resolve().parents[2]


def doctor(create_app: Any, *args: str) -> Result:
    info = ScriptInfo(create_app=create_app)
    return CliRunner().invoke(command, ["doctor", *args], obj=info, catch_exceptions=False)


def with_simple_cache(root: Path) -> Flask:
    app = make_app(root)
    Cache(app, config={"CACHE_TYPE": "SimpleCache"})
    return app


def test_a_cache_in_process_memory_is_reported_with_its_fix_and_exit_status_1(
    tmp_path: Path,
) -> None:
    root = write_site(tmp_path / "site")  # not built: a doctor needs no release
    done = doctor(lambda: with_simple_cache(root))
    assert done.exit_code == 1, done.output
    assert (
        "warning: assetbuild.W035 CACHE_TYPE = flask_caching.backends.simplecache.SimpleCache: "
        "Flask-Caching keeps its cache in process memory"
    ) in done.stdout
    assert "  fix: Use a cache shared by every process: CACHE_TYPE = 'RedisCache'" in done.stdout
    assert done.stderr.strip().endswith(
        "keeps its processes from being stateless and share-nothing (twelve-factor VI) (1 note)"
    )


def test_an_app_on_its_cookie_session_passes_with_a_note_as_json(tmp_path: Path) -> None:
    root = write_site(tmp_path / "site")
    done = doctor(lambda: make_app(root), "--json")
    assert done.exit_code == 0, done.output
    document = json.loads(done.stdout)
    assert document["target"] == "the Flask app (site)" and document["fails"] is False
    assert [finding["id"] for finding in document["findings"]] == ["assetbuild.I050"]


def test_an_app_that_cannot_be_loaded_is_exit_status_2(tmp_path: Path) -> None:
    def broken() -> Flask:
        raise NoAppException("no app here")

    done = doctor(broken)
    assert done.exit_code == 2
    assert "error: no app here" in done.stderr


def test_an_option_the_doctor_does_not_know_is_bad_usage(tmp_path: Path) -> None:
    done = doctor(lambda: make_app(tmp_path), "--yaml")
    assert done.exit_code == 2
    assert "no such option '--yaml'" in done.stderr


CHECK_LOADED = """\
import sys
from click.testing import CliRunner
from flask.cli import ScriptInfo
from assetbuild.runtime.flask.cli import command
from tests.runtime.flask_site import make_app

done = CliRunner().invoke(command, ["doctor"], obj=ScriptInfo(create_app=lambda: make_app(
    __import__("pathlib").Path(sys.argv[1]))))
loaded = sorted(name for name in sys.modules if name.startswith("assetbuild.compiler"))
print(done.exit_code, loaded)
"""


def test_the_doctor_loads_no_build_side(tmp_path: Path) -> None:
    root = write_site(tmp_path / "site")
    write(tmp_path, {"check_loaded.py": CHECK_LOADED})
    done = subprocess.run(
        [sys.executable, str(tmp_path / "check_loaded.py"), str(root)],
        cwd=REPO,
        env={**environment(), "PYTHONPATH": str(REPO), "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.stdout == "0 []\n", done.stderr
