"""``--format cyclonedx-json``: the SBOM with its vulnerabilities (VDR style).

Delegates to the SBOM stage (``wellcheck.sbom.cyclonedx``); only artifacts that
could be opened are described.  Findings of every kind are passed on; the SBOM
builder keeps those that are vulnerabilities (advisories, malicious packages).
"""

from __future__ import annotations

from wellcheck.errors import OutputError
from wellcheck.models import ScanOutcome
from wellcheck.policy import Verdict
from wellcheck.report.interface import Reporter

SPEC = "1.6"


class CycloneDxReporter(Reporter):
    name = "cyclonedx-json"
    extension = ".cdx.json"

    def render(self, outcome: ScanOutcome, verdict: Verdict) -> str:
        from wellcheck.pipeline import Inventory
        from wellcheck.sbom.cyclonedx import build_cyclonedx, render_cyclonedx

        readable = [r for r in outcome.results if r.error is None]
        if not readable:
            raise OutputError("no artifact could be read: there is nothing to describe in an SBOM")
        inventories = [Inventory(r.artifact, r.components, ()) for r in readable]
        findings = [f for r in readable for f in r.findings]
        bom = build_cyclonedx(
            inventories, spec=SPEC, reproducible=self.options.reproducible, findings=findings
        )
        return render_cyclonedx(bom, "json", SPEC)
