"""``--format markdown``: for pull-request comments and ``$GITHUB_STEP_SUMMARY``.

Every text from the scan goes through :mod:`wellcheck.escape` (``md_text``, ``md_code``,
``md_link``): a METADATA field or a member name must not add HTML, links, images or table
cells to a pull-request comment.
"""

from __future__ import annotations

from collections.abc import Sequence

from wellcheck.errors import ExitStatus
from wellcheck.escape import md_code, md_link, md_text
from wellcheck.models import ArtifactResult, ScanOutcome
from wellcheck.policy import Verdict, count_by_severity
from wellcheck.report.common import (
    all_findings,
    all_shown_findings,
    finding_url,
    skipped_lines,
    skipped_text,
    sorted_findings,
)
from wellcheck.report.interface import Reporter

_ICON = {
    ExitStatus.CLEAN: ":white_check_mark:",
    ExitStatus.FINDINGS: ":x:",
    ExitStatus.INPUT_ERROR: ":no_entry:",
    ExitStatus.INCOMPLETE: ":warning:",
}


class MarkdownReporter(Reporter):
    name = "markdown"
    extension = ".md"

    def render(self, outcome: ScanOutcome, verdict: Verdict) -> str:
        lines = [f"## wellcheck {_ICON[verdict.status]} {md_text(verdict.summary)}", ""]
        components = sum(len(r.components) for r in outcome.results)
        lines.append(
            f"Scanned {len(outcome.results)} artifact(s), {components} component(s); "
            f"failing at `--fail-on {verdict.fail_on}`; exit status {int(verdict.status)}."
        )
        lines.append("")
        lines += self._counts(outcome)
        lines += self._errors(outcome)
        lines += self._findings(outcome)
        lines += self._not_checked(outcome)
        lines += self._not_applicable(outcome)
        lines += self._warnings(outcome)
        lines += self._ignored(outcome)
        if outcome.notes:
            lines += ["### Notes", ""] + [f"- {md_text(note)}" for note in outcome.notes] + [""]
        return "\n".join(lines).rstrip("\n") + "\n"

    def _counts(self, outcome: ScanOutcome) -> list[str]:
        counts = count_by_severity(f for _, f in all_findings(outcome))
        header = "| " + " | ".join(str(s).capitalize() for s in counts) + " |"
        rule = "|" + "---:|" * len(counts)
        values = "| " + " | ".join(str(n) for n in counts.values()) + " |"
        return [header, rule, values, ""]

    def _errors(self, outcome: ScanOutcome) -> list[str]:
        errors = [r for r in outcome.results if r.error]
        if not errors:
            return []
        lines = ["### Could not be scanned", ""]
        lines += [f"- {md_code(r.artifact.path)}: {md_text(r.error or '')}" for r in errors]
        return [*lines, ""]

    def _findings(self, outcome: ScanOutcome) -> list[str]:
        rows = list(all_shown_findings(outcome))
        if not rows:
            return ["No findings.", ""]
        several = len(outcome.results) > 1
        head = "| Severity | Package | Version | Finding | Fixed in | Title |"
        rule = "|---|---|---|---|---|---|"
        if several:
            head, rule = f"{head} Artifact |", f"{rule}---|"
        lines = ["### Findings", "", head, rule]
        for result, finding in rows:
            ident = md_link(finding.rule, finding_url(finding))
            row = (
                f"| {finding.severity} | {md_text(finding.package)} | {md_text(finding.version)} "
                f"| {ident} | {md_text(finding.fixed or '-')} | {md_text(finding.title)} |"
            )
            if several:
                row += f" {md_code(result.artifact.path, in_table=True)} |"
            lines.append(row)
        return [*lines, ""]

    def _not_checked(self, outcome: ScanOutcome) -> list[str]:
        blurb = "The scan is incomplete: these were not evaluated."
        rows = [(r, text) for r in outcome.results for text in skipped_lines(r.skipped)]
        return _skipped_section("Not checked", blurb, rows)

    def _not_applicable(self, outcome: ScanOutcome) -> list[str]:
        rows = [(r, skipped_text(s)) for r in outcome.results for s in r.not_applicable]
        blurb = "These checks cannot run on this kind of input."
        return _skipped_section("Not applicable", blurb, rows)

    def _warnings(self, outcome: ScanOutcome) -> list[str]:
        rows = [(r, w) for r in outcome.results for w in r.artifact.warnings]
        if not rows:
            return []
        lines = ["### Warnings", ""]
        lines += [f"- {md_code(r.artifact.path)}: {md_text(w)}" for r, w in rows]
        return [*lines, ""]

    def _ignored(self, outcome: ScanOutcome) -> list[str]:
        rows = [(r, f) for r in outcome.results for f in sorted_findings(r.ignored)]
        if not rows:
            return []
        lines = ["<details><summary>Ignored (ignore file, VEX)</summary>", ""]
        lines += [
            f"- {f.severity} {md_text(f.package)} {md_text(f.version)}: {md_text(f.rule)} "
            f"{md_text(f.title)}"
            + (f" (ignored: {md_text(f.suppression.reason)})" if f.suppression else "")
            for _, f in rows
        ]
        return [*lines, "", "</details>", ""]


def _skipped_section(
    title: str, blurb: str, rows: Sequence[tuple[ArtifactResult, str]]
) -> list[str]:
    """A "### title" section listing skipped checks per artifact, or nothing."""
    if not rows:
        return []
    lines = [f"### {title}", "", blurb, ""]
    lines += [f"- {md_code(r.artifact.path)}: {md_text(text)}" for r, text in rows]
    return [*lines, ""]
