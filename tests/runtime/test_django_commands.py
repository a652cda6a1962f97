"""The Django project's commands with ReleaseStorage: the system checks as migrate, test and check
--deploy see them, ``manage.py assetbuild COMMAND``, and ``runserver`` serving the release.

Each test runs ``manage.py`` in a subprocess in its own copy of tests/runtime/django_project; the
servers listen on a free port of 127.0.0.1, every wait is bounded, and every process is stopped.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.runtime.django_project import Project, environment, make_project

WAIT_SECONDS = 30.0
_POLL_SECONDS = 0.1
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # 127.0.0.1, directly


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return make_project(tmp_path / "project")


# --- system checks: helpful before the first build, strict for a deploy ---


def test_migrate_and_test_run_before_any_build(project: Project) -> None:
    migrated = project.manage("migrate", "--noinput")
    assert migrated.returncode == 0, migrated.stderr
    assert "assetbuild.W001" in migrated.stderr  # said, not in the way
    tested = project.manage("test", "shop", "--noinput")
    assert tested.returncode == 0, tested.stderr
    assert "Ran 1 test" in tested.stderr and "OK" in tested.stderr


def test_check_warns_before_the_first_build_and_is_quiet_after_it(project: Project) -> None:
    before = project.manage("check")
    assert before.returncode == 0
    assert "?: (assetbuild.W001)" in before.stderr
    assert "public/static/manifest.json: no manifest there yet" in before.stderr
    project.built()
    after = project.manage("check")
    assert after.returncode == 0
    assert "assetbuild." not in after.stdout + after.stderr


def test_check_deploy_fails_without_the_release_and_passes_with_it(project: Project) -> None:
    before = project.manage("check", "--deploy")
    assert before.returncode == 1
    assert "?: (assetbuild.E001)" in before.stderr
    assert "a deployed app needs its release" in before.stderr
    project.built()
    after = project.manage("check", "--deploy")  # Django's own deploy warnings remain warnings
    assert after.returncode == 0, after.stderr
    # (The factor-VI doctor's warnings, such as W040 for this STATIC_ROOT, are warnings too.)
    assert "(assetbuild.W001)" not in after.stderr and "(assetbuild.E" not in after.stderr


def test_an_invalid_manifest_is_an_error_for_every_command_but_collectstatic(
    project: Project,
) -> None:
    project.release.mkdir(parents=True)
    (project.release / "manifest.json").write_text("{not json")
    migrated = project.manage("migrate", "--noinput")
    assert migrated.returncode == 1
    assert "?: (assetbuild.E001)" in migrated.stderr and "not valid JSON" in migrated.stderr
    project.built()  # collectstatic replaces it


def test_the_app_after_staticfiles_is_a_warning(project: Project) -> None:
    settings = project.root / "project" / "settings.py"
    text = settings.read_text()
    text = text.replace('    "assetbuild.runtime.django",\n', "")
    text = text.replace('    "shop",\n', '    "shop",\n    "assetbuild.runtime.django",\n')
    settings.write_text(text)
    done = project.manage("check")
    assert done.returncode == 0
    assert "?: (assetbuild.W002) 'django.contrib.staticfiles' comes before" in done.stderr


# --- manage.py assetbuild COMMAND ---


def test_manage_py_assetbuild_builds_as_collectstatic_does(project: Project) -> None:
    built = project.manage("assetbuild", "build")
    assert built.returncode == 0, built.stderr
    first = project.manifest()
    assert {"admin/css/base.css", "vendor/lib.js", "js/bundle.js"} <= set(first["assets"])
    again = project.collectstatic()
    assert again.returncode == 0, again.stderr
    assert project.manifest() == first  # the same release, whichever command built it


def test_manage_py_assetbuild_reads_the_config_next_to_manage_py_from_anywhere(
    project: Project, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "assetbuild.toml").write_text('[bundles]\n"js/other.js" = ["vendor/lib.js"]\n')
    done = subprocess.run(
        [sys.executable, str(project.root / "manage.py"), "assetbuild", "build"],
        cwd=elsewhere,
        env=environment(PYTHONPATH=str(project.root)),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assets = project.manifest()["assets"]
    assert "js/bundle.js" in assets and "js/other.js" not in assets


def test_manage_py_assetbuild_verify_clean_and_inspect_work_on_static_root(
    project: Project,
) -> None:
    old = project.built()["assets"]["css/base.css"]["path"]
    (project.root / "assets/css/base.css").write_text("h1 { color: #654321 }\n")
    project.built()
    verified = project.manage("assetbuild", "verify")
    assert verified.returncode == 0, verified.stderr
    assert re.fullmatch(
        rf"\d+ assets verified in {re.escape(str(project.release))}\n", verified.stdout
    )
    inspected = project.manage("assetbuild", "inspect", "css/site.css")
    assert inspected.returncode == 0, inspected.stderr
    assert "base.css -> css/base.css" in inspected.stdout
    assert (project.release / old).is_file()
    cleaned = project.manage("assetbuild", "clean", "--keep", "1")
    assert cleaned.returncode == 0, cleaned.stderr
    assert f"from {project.release}" in cleaned.stdout
    assert not (project.release / old).exists()  # the history is in the state directory
    assert project.manage("assetbuild", "verify").returncode == 0


def test_manage_py_assetbuild_verify_fails_on_a_damaged_release(project: Project) -> None:
    manifest = project.built()
    (project.release / manifest["assets"]["css/site.css"]["path"]).write_text("tampered")
    done = project.manage("assetbuild", "verify")
    assert done.returncode == 1
    assert "css/site.css" in done.stderr
    assert "CommandError: `assetbuild verify` failed with exit status 1" in done.stderr


def test_manage_py_assetbuild_help_lists_the_commands(project: Project) -> None:
    done = project.manage("assetbuild", "--help")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Usage: manage.py assetbuild [OPTIONS] COMMAND [ARGS]...")
    for command in ("build", "clean", "inspect", "verify", "watch"):
        assert re.search(rf"^  {command} ", done.stdout, re.MULTILINE), command
    build = project.manage("assetbuild", "build", "--help")
    assert build.stdout.startswith("Usage: manage.py assetbuild build [OPTIONS]")


def test_manage_py_assetbuild_with_an_unknown_command_exits_2(project: Project) -> None:
    done = project.manage("assetbuild", "biuld")
    assert done.returncode == 2
    assert "No such command 'biuld'" in done.stderr


def test_manage_py_assetbuild_with_unusable_settings_exits_2_naming_the_setting(
    project: Project,
) -> None:
    project.add_settings("STATIC_ROOT = None\n")
    done = project.manage("assetbuild", "build")
    assert done.returncode == 2
    assert "STATIC_ROOT: is not set" in done.stderr
    assert "Traceback" not in done.stderr


def test_manage_py_assetbuild_build_fails_with_every_problem_and_exit_1(
    project: Project,
) -> None:
    (project.root / "assets/css/site.css").write_text("a { background: url(none.png) }\n")
    done = project.manage("assetbuild", "build")
    assert done.returncode == 1
    assert re.search(r"error: \S*assets/css/site\.css:1:\d+: none\.png", done.stderr)
    assert not (project.release / "manifest.json").exists()


# --- runserver: the release, in development ---


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def get(url: str) -> tuple[int, bytes]:
    assert url.startswith("http://127.0.0.1:"), url
    try:
        with _OPENER.open(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read()


def wait_for(what: str, probe: object, process: subprocess.Popen[str]) -> None:
    """Until ``probe()`` is true, ``WAIT_SECONDS`` at most, while ``process`` runs."""
    assert callable(probe)
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the server exited: {process.returncode}"
        try:
            if probe():
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(_POLL_SECONDS)
    raise TimeoutError(f"{what} within {WAIT_SECONDS}s")


@contextmanager
def running(project: Project, *args: str, log: Path) -> Iterator[subprocess.Popen[str]]:
    with open(log, "w") as output:  # the child keeps its own descriptor
        process = subprocess.Popen(
            [sys.executable, "manage.py", *args],
            cwd=project.root,
            env=environment(PROJECT_DEBUG="1"),
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
        )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def stylesheet(page: bytes) -> str:
    found = re.search(rb'href="(/static/css/site\.[0-9a-f]{12}\.css)"', page)
    assert found is not None, page
    return found[1].decode()


def test_runserver_serves_the_release_and_a_rebuild_by_watch_shows_on_the_next_request(
    project: Project, tmp_path: Path
) -> None:
    project.built()
    url = f"http://127.0.0.1:{free_port()}"
    server_log, watch_log = tmp_path / "runserver.log", tmp_path / "watch.log"
    with running(
        project, "runserver", url.removeprefix("http://"), "--noreload", log=server_log
    ) as server:
        wait_for("runserver answers /shop/", lambda: get(url + "/shop/")[0] == 200, server)
        first = stylesheet(get(url + "/shop/")[1])
        status, body = get(url + first)
        assert status == 200
        assert body == (project.release / first.removeprefix("/static/")).read_bytes()
        # Not the sources by their logical names: the release only.
        assert get(url + "/static/css/site.css")[0] == 404
        (project.release / ".hidden").write_text("not for serving")
        assert get(url + "/static/.hidden")[0] == 404
        with running(project, "assetbuild", "watch", log=watch_log) as watch:
            wait_for("watch is watching", lambda: "watching" in watch_log.read_text(), watch)
            (project.root / "assets/css/base.css").write_text("h1 { color: #654321 }\n")
            wait_for(
                "the page names the rebuilt stylesheet",
                lambda: stylesheet(get(url + "/shop/")[1]) != first,
                server,
            )
        second = stylesheet(get(url + "/shop/")[1])
        status, body = get(url + second)
        assert status == 200 and b"@import" in body
        assert get(url + first)[0] == 200  # the earlier release's file stays
    assert "Traceback" not in server_log.read_text()
