"""The factor-VI doctor in a Django project: its findings as system checks under ``check
--deploy`` (tag ``assetbuild``), and ``manage.py assetbuild doctor``. Run in this process, with the
test site's settings changed by ``override_settings`` for each case."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core import checks
from django.core.management import CommandError, call_command
from django.test import override_settings

from assetbuild.doctor.finding import IDS

pytestmark = pytest.mark.usefixtures("django_site")

LOCMEM = "django.core.cache.backends.locmem.LocMemCache"
REDIS = "django.core.cache.backends.redis.RedisCache"
SHARED_CACHES = {"default": {"BACKEND": REDIS, "LOCATION": "redis://127.0.0.1:1"}}
CACHED_SESSIONS = "django.contrib.sessions.backends.cache"


def doctor_checks(deploy: bool) -> list[checks.CheckMessage]:
    messages = checks.run_checks(include_deployment_checks=deploy, tags=["assetbuild"])
    return [message for message in messages if message.id in IDS]


def test_sessions_in_process_memory_are_a_deploy_check_warning_with_its_hint() -> None:
    with override_settings(SESSION_ENGINE=CACHED_SESSIONS, CACHES={"default": {"BACKEND": LOCMEM}}):
        found = doctor_checks(deploy=True)
        assert doctor_checks(deploy=False) == []  # development is not a deploy
    assert [message.id for message in found] == ["assetbuild.W021", "assetbuild.W030"]
    assert all(message.level == checks.WARNING for message in found)
    assert found[0].msg.startswith(f"SESSION_ENGINE = {CACHED_SESSIONS!r}: ")
    assert found[0].hint is not None and "RedisCache" in found[0].hint


def test_a_project_on_a_shared_cache_passes_the_deploy_checks() -> None:
    with override_settings(SESSION_ENGINE=CACHED_SESSIONS, CACHES=SHARED_CACHES):
        assert doctor_checks(deploy=True) == []


def manage_doctor(*args: str, out: StringIO | None = None) -> tuple[str, str]:
    out, err = out or StringIO(), StringIO()
    call_command("assetbuild", "doctor", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_manage_py_assetbuild_doctor_lists_the_findings_and_fails_with_status_1() -> None:
    files = "django.contrib.sessions.backends.file"
    out = StringIO()
    with (
        override_settings(SESSION_ENGINE=files, CACHES=SHARED_CACHES),
        pytest.raises(CommandError) as failed,
    ):
        manage_doctor(out=out)
    assert failed.value.returncode == 1
    assert "1 finding in the Django settings" in str(failed.value)
    [finding, fix] = out.getvalue().splitlines()
    assert finding.startswith(f"warning: assetbuild.W020 SESSION_ENGINE = {files!r}: sessions")
    assert fix.startswith("  fix: Keep sessions in a datastore with expiry")


def test_manage_py_assetbuild_doctor_prints_json_and_passes_when_there_is_nothing() -> None:
    with override_settings(CACHES=SHARED_CACHES):
        out, err = manage_doctor("--json")
    assert json.loads(out) == {
        "target": "the Django settings (configured in code)",
        "fails": False,
        "findings": [],
    }
    assert "doctor: nothing in the Django settings" in err


def test_manage_py_assetbuild_doctor_refuses_an_option_it_does_not_know() -> None:
    with pytest.raises(CommandError, match="no such option '--yaml'") as refused:
        manage_doctor("--yaml")
    assert refused.value.returncode == 2
