"""``--format table``: plain text for a terminal, grouped by severity, with fix versions.

Colour only when the options ask for it (the CLI does on a TTY without NO_COLOR).
"""

from __future__ import annotations

from wellcheck.errors import ExitStatus
from wellcheck.models import ArtifactResult, Finding, ScanOutcome, Severity
from wellcheck.policy import Verdict
from wellcheck.report.common import skipped_text, sorted_findings
from wellcheck.report.interface import Reporter
from wellcheck.signals.verdict import shown_findings

TITLE_WIDTH = 80  # the full text is in the json/sarif/markdown reports

_COLOUR = {
    Severity.CRITICAL: "1;31",
    Severity.HIGH: "31",
    Severity.MEDIUM: "33",
    Severity.UNKNOWN: "35",
    Severity.LOW: "36",
    Severity.INFO: "2",
}
_STATUS_COLOUR = {
    ExitStatus.CLEAN: "32",
    ExitStatus.FINDINGS: "1;31",
    ExitStatus.INPUT_ERROR: "1;31",
    ExitStatus.INCOMPLETE: "1;33",
}


class TableReporter(Reporter):
    name = "table"
    extension = ".txt"

    def paint(self, text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.options.color else text

    def render(self, outcome: ScanOutcome, verdict: Verdict) -> str:
        lines: list[str] = []
        for result in outcome.results:
            lines += self._artifact(result)
        for note in outcome.notes:
            lines.append(f"note: {note}")
        if outcome.notes:
            lines.append("")
        lines.append(self.paint(verdict.summary, _STATUS_COLOUR[verdict.status]))
        return "\n".join(lines) + "\n"

    def _artifact(self, result: ArtifactResult) -> list[str]:
        info = result.artifact
        head = f"{info.path} ({info.kind}, {len(result.components)} components)"
        lines = [self.paint(head, "1")]
        if result.error:
            lines.append(f"  {self.paint('error:', '1;31')} {result.error}")
        findings = sorted_findings(tuple(shown_findings(result.findings)))
        if not findings and not result.error:
            lines.append(
                "  no findings" if result.components else "  no Python distributions found"
            )
        lines += self._grouped(findings)
        if result.skipped:
            lines.append(f"  {self.paint('not checked (scan incomplete):', '1;33')}")
            lines += [f"    - {skipped_text(s)}" for s in result.skipped]
        if result.not_applicable:
            lines.append("  not applicable to this input:")
            lines += [f"    - {skipped_text(s)}" for s in result.not_applicable]
        if info.warnings:
            lines.append("  warnings:")
            lines += [f"    - {warning}" for warning in info.warnings]
        if result.ignored:
            lines.append(f"  ignored by the ignore file: {len(result.ignored)}")
            lines += [f"    - {f.rule} {f.package} {f.version}" for f in result.ignored]
        lines.append("")
        return lines

    def _grouped(self, findings: list[Finding]) -> list[str]:
        if not findings:
            return []
        width_pkg = max(len(f"{f.package} {f.version}") for f in findings)
        width_rule = max(len(f.rule) for f in findings)
        width_fix = max(len(_fix(f)) for f in findings)
        lines: list[str] = []
        current: Severity | None = None
        for finding in findings:
            if finding.severity is not current:
                current = finding.severity
                count = sum(1 for f in findings if f.severity is current)
                label = f"{str(current).upper()} ({count})"
                lines.append(f"  {self.paint(label, _COLOUR[current])}")
            package = f"{finding.package} {finding.version}".ljust(width_pkg)
            fix = _fix(finding).ljust(width_fix)
            rule = finding.rule.ljust(width_rule)
            lines.append(f"    {package}  {rule}  {fix}  {_shorten(finding.title)}".rstrip())
        return lines


def _fix(finding: Finding) -> str:
    if finding.fixed:
        return f"fixed in {finding.fixed}"
    return "no fix known" if finding.id else "-"


def _shorten(text: str, width: int = TITLE_WIDTH) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "\u2026"
