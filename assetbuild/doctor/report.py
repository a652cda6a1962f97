"""How the doctor's findings are shown: lines for a terminal, or JSON for CI.

Owns: the text of a report (each finding on one line, its fix on the next), its closing summary,
and the JSON document ``--json`` prints. Every adapter (``assetbuild doctor``, ``flask assetbuild
doctor``, ``manage.py assetbuild doctor``) shows findings through here, so they read the same.
Must not: choose exit statuses or print; it returns text.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from assetbuild.doctor.finding import IDS, Finding, fails


def lines(findings: Sequence[Finding]) -> list[str]:
    """Each finding as ``LEVEL: ID SETTING = VALUE: why`` and an indented ``fix: ...``."""
    shown: list[str] = []
    for finding in findings:
        shown.append(f"{finding.level}: {finding}")
        shown.append(f"  fix: {finding.hint}")
    return shown


def summary(findings: Sequence[Finding], target: str) -> str:
    """One closing line: how many findings break factor VI for ``target``, or that none does."""
    warnings = sum(1 for finding in findings if finding.level == "warning")
    infos = len(findings) - warnings
    notes = f" ({infos} note{'s' if infos != 1 else ''})" if infos else ""
    if not fails(findings):
        return f"doctor: nothing in {target} keeps its processes from being stateless{notes}"
    return (
        f"doctor: {warnings} finding{'s' if warnings != 1 else ''} in {target} keep"
        f"{'s' if warnings == 1 else ''} its processes from being stateless and share-nothing "
        f"(twelve-factor VI){notes}"
    )


def as_json(findings: Sequence[Finding], target: str) -> str:
    """The report as a JSON document: the target, whether it fails, and every finding."""
    document = {
        "target": target,
        "fails": fails(findings),
        "findings": [
            {
                "id": finding.id,
                "level": finding.level,
                "title": IDS[finding.id],
                "setting": finding.setting,
                "value": finding.value,
                "message": finding.message,
                "hint": finding.hint,
            }
            for finding in findings
        ],
    }
    return json.dumps(document, indent=2)
