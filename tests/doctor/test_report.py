"""How findings are shown: a line each with its fix below, a closing summary, and JSON."""

from __future__ import annotations

import json

from assetbuild.doctor.finding import IDS, Finding
from assetbuild.doctor.report import as_json, lines, summary

SESSIONS = Finding(
    "assetbuild.W020", "SESSION_ENGINE", "'django.contrib.sessions.backends.file'", "why", "fix"
)
COOKIE = Finding("assetbuild.I050", "SESSION_COOKIE_NAME", "'session'", "small", "keep it so")


def test_each_finding_is_a_line_with_its_level_and_its_fix_below() -> None:
    assert lines([SESSIONS, COOKIE]) == [
        "warning: assetbuild.W020 SESSION_ENGINE = 'django.contrib.sessions.backends.file': why",
        "  fix: fix",
        "info: assetbuild.I050 SESSION_COOKIE_NAME = 'session': small",
        "  fix: keep it so",
    ]


def test_the_summary_counts_what_breaks_factor_vi_and_the_notes_apart() -> None:
    assert summary([SESSIONS, COOKIE], "the app") == (
        "doctor: 1 finding in the app keeps its processes from being stateless and "
        "share-nothing (twelve-factor VI) (1 note)"
    )
    assert summary([COOKIE], "the app") == (
        "doctor: nothing in the app keeps its processes from being stateless (1 note)"
    )
    assert summary([], "the app").startswith("doctor: nothing in the app")


def test_the_json_report_holds_every_field_of_every_finding() -> None:
    document = json.loads(as_json([SESSIONS, COOKIE], "the app"))
    assert document["target"] == "the app" and document["fails"] is True
    first = document["findings"][0]
    assert first == {
        "id": "assetbuild.W020",
        "level": "warning",
        "title": IDS["assetbuild.W020"],
        "setting": "SESSION_ENGINE",
        "value": "'django.contrib.sessions.backends.file'",
        "message": "why",
        "hint": "fix",
    }
    assert json.loads(as_json([COOKIE], "the app"))["fails"] is False
