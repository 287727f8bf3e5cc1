"""``--format cyclonedx-json``: the SBOM with every finding as a vulnerability.

Delegates to the SBOM stage (``wellcheck.sbom.cyclonedx``, ``wellcheck.sbom.vdr``);
only artifacts that could be opened are described.  Every finding is passed on, with
the artifact it was found in: advisories, wellcheck's own signals, and the ignored
findings (written with a VEX ``analysis``).  The verdict, the checks that could not be
run, the artifacts that could not be read and the notes are ``metadata.properties``, so
the document never looks cleaner than the scan was.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from wellcheck.errors import OutputError
from wellcheck.models import ArtifactResult, Finding, ScanOutcome, Suppression
from wellcheck.policy import Verdict
from wellcheck.report.common import skipped_text
from wellcheck.report.interface import Reporter

if TYPE_CHECKING:
    from cyclonedx.model import Property

SPEC = "1.6"
_NO_REASON = Suppression("ignored (no reason recorded)", "")


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
        findings = [_every_finding(r) for r in readable]
        bom = build_cyclonedx(
            inventories, spec=SPEC, reproducible=self.options.reproducible, findings=findings
        )
        bom.metadata.properties.update(_scan_properties(outcome, verdict))
        return render_cyclonedx(bom, "json", SPEC)


def _every_finding(result: ArtifactResult) -> tuple[Finding, ...]:
    """Reported and ignored findings; an ignored one always carries why (a report read
    back by ``merge`` from an older version may not say)."""
    ignored = (f if f.suppression else replace(f, suppression=_NO_REASON) for f in result.ignored)
    return (*result.findings, *ignored)


def _scan_properties(outcome: ScanOutcome, verdict: Verdict) -> list[Property]:
    from cyclonedx.model import Property

    from wellcheck.sbom.sanitize import clean

    several = len(outcome.results) > 1
    pairs = [
        ("wellcheck:verdict", verdict.summary),
        ("wellcheck:exit-status", str(int(verdict.status))),
        *(
            ("wellcheck:error", f"{r.artifact.path}: {r.error}")
            for r in outcome.results
            if r.error is not None
        ),
        *(
            (
                "wellcheck:not-checked",
                f"{r.artifact.path}: {skipped_text(s)}" if several else skipped_text(s),
            )
            for r in outcome.results
            for s in r.skipped
        ),
        *(("wellcheck:note", note) for note in outcome.notes),
    ]
    return [Property(name=name, value=clean(value)) for name, value in pairs]
