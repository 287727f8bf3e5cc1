"""Golden SBOMs: reproducible output of a fixed inventory, compared byte for byte.

Regenerate after an intended change with ``WELLCHECK_REGEN_GOLDEN=1 pytest tests/sbom``
and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sbom_factories import SITE, advisory, demo_inventory

from wellcheck.models import Finding, Severity, Suppression
from wellcheck.sbom import render_sbom, validate_sbom

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
CASES = [
    ("demo-layer.cdx-1.6.json", "cyclonedx-json", "1.6", False),
    ("demo-layer.cdx-1.5.xml", "cyclonedx-xml", "1.5", False),
    ("demo-layer.spdx.json", "spdx-json", "1.6", False),
    ("demo-layer.vdr-1.6.json", "cyclonedx-json", "1.6", True),
]


def scan_findings() -> list[Finding]:
    """An advisory, a start-up hook no distribution owns, and an advisory waived by VEX."""
    hook = Finding(
        kind="startup",
        rule="WC-STARTUP-PTH",
        package="",
        version="",
        severity=Severity.HIGH,
        title="zz-hook.pth runs code at every interpreter start-up",
        path=f"{SITE}/zz-hook.pth",
        line=1,
        confidence="high",
        evidence="import os; os.system('id')",
        remediation="remove the .pth file",
    )
    waived = advisory(
        rule="GHSA-34jh-p97f-mpxf",
        id="GHSA-34jh-p97f-mpxf",
        package="urllib3",
        version="2.0.7",
        title="urllib3's Proxy-Authorization request header isn't stripped during "
        "cross-origin redirects",
        location=f"{SITE}/urllib3-2.0.7.dist-info",
        aliases=("CVE-2024-37891",),
        fixed="2.2.2",
        score=4.4,
        suppression=Suppression(
            "code_not_reachable: no proxy is configured",
            "vex.json, statement 1",
            state="not_affected",
            justification="code_not_reachable",
        ),
    )
    return [advisory(), hook, waived]


@pytest.mark.parametrize(("name", "fmt", "spec", "with_findings"), CASES)
def test_golden(
    name: str, fmt: str, spec: str, with_findings: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    findings = [scan_findings()] if with_findings else []
    text = render_sbom([demo_inventory()], fmt, spec=spec, reproducible=True, findings=findings)
    validate_sbom(text, fmt, spec=spec)
    path = GOLDEN / name
    if os.environ.get("WELLCHECK_REGEN_GOLDEN") == "1":
        path.write_bytes(text.encode("utf-8"))
    assert path.is_file(), f"missing {path}; run with WELLCHECK_REGEN_GOLDEN=1"
    assert text == path.read_bytes().decode("utf-8")
