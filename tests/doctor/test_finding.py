"""The Finding value and the catalogue of ids."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assetbuild.doctor.finding import IDS, Finding, fails

DOCS = Path(__file__).resolve().parents[2] / "docs" / "twelve-factor.md"


def finding(finding_id: str) -> Finding:
    return Finding(finding_id, "SESSION_ENGINE", "'x'", "why", "fix")


def test_every_id_is_a_django_style_check_id_with_its_level_in_its_letter() -> None:
    for finding_id in IDS:
        assert re.fullmatch(r"assetbuild\.[WI]0[1-9]\d", finding_id), finding_id
    assert finding("assetbuild.W021").level == "warning"
    assert finding("assetbuild.I050").level == "info"


def test_a_finding_with_an_id_outside_the_catalogue_is_refused() -> None:
    with pytest.raises(ValueError, match="assetbuild.W999"):
        finding("assetbuild.W999")


def test_warnings_fail_and_an_info_alone_does_not() -> None:
    assert not fails([])
    assert not fails([finding("assetbuild.I050")])
    assert fails([finding("assetbuild.I050"), finding("assetbuild.W030")])


def test_a_finding_reads_as_its_id_the_setting_and_why() -> None:
    assert str(finding("assetbuild.W020")) == "assetbuild.W020 SESSION_ENGINE = 'x': why"


def test_the_twelve_factor_page_documents_every_id() -> None:
    text = DOCS.read_text("utf-8")
    missing = [finding_id for finding_id in IDS if f"`{finding_id}`" not in text]
    assert missing == [], f"docs/twelve-factor.md does not document {missing}"
