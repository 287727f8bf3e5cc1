"""Golden SBOMs: reproducible output of a fixed inventory, compared byte for byte.

Regenerate after an intended change with ``WELLCHECK_REGEN_GOLDEN=1 pytest tests/sbom``
and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sbom_factories import advisory, demo_inventory

from wellcheck.sbom import render_sbom, validate_sbom

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
CASES = [
    ("demo-layer.cdx-1.6.json", "cyclonedx-json", "1.6", False),
    ("demo-layer.cdx-1.5.xml", "cyclonedx-xml", "1.5", False),
    ("demo-layer.spdx.json", "spdx-json", "1.6", False),
    ("demo-layer.vdr-1.6.json", "cyclonedx-json", "1.6", True),
]


@pytest.mark.parametrize(("name", "fmt", "spec", "with_findings"), CASES)
def test_golden(
    name: str, fmt: str, spec: str, with_findings: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    findings = [advisory()] if with_findings else []
    text = render_sbom([demo_inventory()], fmt, spec=spec, reproducible=True, findings=findings)
    validate_sbom(text, fmt, spec=spec)
    path = GOLDEN / name
    if os.environ.get("WELLCHECK_REGEN_GOLDEN") == "1":
        path.write_bytes(text.encode("utf-8"))
    assert path.is_file(), f"missing {path}; run with WELLCHECK_REGEN_GOLDEN=1"
    assert text == path.read_bytes().decode("utf-8")
