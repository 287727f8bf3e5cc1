"""``--format table``: plain text for a terminal, grouped by severity, with fix versions.

- Fits ``ReportOptions.width`` columns (the CLI passes the terminal's width, ``COLUMNS``,
  or 120 off a terminal): one line per finding, the title cut to the room left (the full
  text is in the json, sarif and markdown reports); on a narrow terminal the title goes
  on its own line.  Other long lines (errors, warnings, reasons) are wrapped, indented.
- Colour only when the options ask for it (the CLI does on a TTY without NO_COLOR).
- Every text from the scan is passed through :func:`wellcheck.escape.visible` (or
  ``one_line``): a member name or a METADATA field can hold terminal control sequences.
"""

from __future__ import annotations

from collections.abc import Iterable

from wellcheck.errors import ExitStatus
from wellcheck.escape import one_line, visible
from wellcheck.models import ArtifactResult, Finding, ScanOutcome, Severity
from wellcheck.policy import Verdict
from wellcheck.report.columns import fit, pad, width, wrap
from wellcheck.report.common import skipped_lines, skipped_text, sorted_findings
from wellcheck.report.interface import Reporter
from wellcheck.signals.verdict import shown_findings

MIN_WIDTH = 40
MIN_TITLE = 24  # below this much room a title goes on its own line
ROW_INDENT = "    "
TITLE_INDENT = "      "

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

    @property
    def width(self) -> int:
        return max(self.options.width, MIN_WIDTH)

    def paint(self, text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.options.color else text

    def render(self, outcome: ScanOutcome, verdict: Verdict) -> str:
        lines: list[str] = []
        for result in outcome.results:
            lines += self._artifact(result)
        for note in outcome.notes:
            lines += wrap(one_line(note), self.width, "note: ", "      ")
        if outcome.notes:
            lines.append("")
        lines.append(self.paint(verdict.summary, _STATUS_COLOUR[verdict.status]))  # one line
        return "\n".join(lines) + "\n"

    def _artifact(self, result: ArtifactResult) -> list[str]:
        info = result.artifact
        head = f"{visible(info.path)} ({visible(info.kind)}, {len(result.components)} components)"
        lines = [self.paint(line, "1") for line in wrap(head, self.width, "", "  ")]
        if result.error:
            lines += self._labelled("error:", "1;31", one_line(result.error))
        findings = sorted_findings(tuple(shown_findings(result.findings)))
        if not findings and not result.error:
            lines.append(
                "  no findings" if result.components else "  no Python distributions found"
            )
        lines += self._grouped(findings)
        if result.skipped:
            lines.append(f"  {self.paint('not checked (scan incomplete):', '1;33')}")
            lines += self._items(one_line(text) for text in skipped_lines(result.skipped))
        if result.not_applicable:
            lines.append("  not applicable to this input:")
            lines += self._items(one_line(skipped_text(s)) for s in result.not_applicable)
        if info.warnings:
            lines.append("  warnings:")
            lines += self._items(visible(warning) for warning in info.warnings)
        if result.ignored:
            lines.append(f"  ignored (ignore file, VEX): {len(result.ignored)}")
            lines += self._items(
                f"{visible(f.rule)} {visible(f.package)} {visible(f.version)}"
                + (f": {one_line(f.suppression.reason)}" if f.suppression else "")
                for f in result.ignored
            )
        lines.append("")
        return lines

    def _labelled(self, label: str, colour: str, text: str) -> list[str]:
        """``  label text``, wrapped under the text; the label painted."""
        lines = wrap(text, self.width, f"  {label} ", " " * (len(label) + 3))
        return [f"  {self.paint(label, colour)}{lines[0][len(label) + 2 :]}", *lines[1:]]

    def _items(self, texts: Iterable[str]) -> list[str]:
        return [line for text in texts for line in wrap(text, self.width, "    - ", "      ")]

    def _grouped(self, findings: list[Finding]) -> list[str]:
        if not findings:
            return []
        columns = _Columns.for_findings(findings, self.width)
        lines: list[str] = []
        current: Severity | None = None
        for finding in findings:
            if finding.severity is not current:
                current = finding.severity
                count = sum(1 for f in findings if f.severity is current)
                label = f"{str(current).upper()} ({count})"
                lines.append(f"  {self.paint(label, _COLOUR[current])}")
            lines += columns.row(finding)
        return lines


class _Columns:
    """Column widths for one artifact's findings, within the terminal width."""

    def __init__(self, package: int, rule: int, fix: int, total: int) -> None:
        self.package, self.rule, self.fix, self.total = package, rule, fix, total
        used = len(ROW_INDENT) + package + 2 + rule + 2 + fix + 2
        self.title = total - used  # room left on the row; < MIN_TITLE: a line of its own

    @classmethod
    def for_findings(cls, findings: list[Finding], total: int) -> _Columns:
        def widest(texts: list[str], cap: int) -> int:
            return min(max(width(text) for text in texts), cap)

        return cls(
            package=widest([_package(f) for f in findings], max(16, total // 4)),
            rule=widest([visible(f.rule) for f in findings], 28),
            fix=widest([_fix(f) for f in findings], 24),
            total=total,
        )

    def row(self, finding: Finding) -> list[str]:
        """One line; two when the title has too little room; on a very narrow terminal
        the fix version moves to the title's line so that no line overflows."""
        package = pad(fit(_package(finding), self.package), self.package)
        rule = pad(fit(visible(finding.rule), self.rule), self.rule)
        fix = fit(_fix(finding), self.fix)
        title = one_line(finding.title)
        line = f"{ROW_INDENT}{package}  {rule}  {pad(fix, self.fix)}"
        if self.title >= MIN_TITLE:
            return [f"{line}  {fit(title, self.title)}".rstrip()]
        room = self.total - len(TITLE_INDENT)
        if width(line.rstrip()) <= self.total:
            return [line.rstrip()] + ([TITLE_INDENT + fit(title, room)] if title else [])
        first = fit(f"{ROW_INDENT}{package}  {rule}".rstrip(), self.total)
        return [first, TITLE_INDENT + fit(f"{fix}  {title}".strip(), room)]


def _package(finding: Finding) -> str:
    return visible(f"{finding.package} {finding.version}".strip())


def _fix(finding: Finding) -> str:
    if finding.fixed:
        return f"fixed in {visible(finding.fixed)}"
    return "no fix known" if finding.id else "-"
