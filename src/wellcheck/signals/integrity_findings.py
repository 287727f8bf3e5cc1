"""Turning integrity observations into findings: wording, severities, caps, locations.

One finding per modified or unrecorded file (capped per distribution, the rest summed up
in one more finding), one per distribution for missing files, RECORD problems and paths
outside the site root.  Each finding points at the file it is about (``Finding.path``):
the changed or added file itself (a summary finding: the first of its files), and for
the per-distribution findings the RECORD with the line of the first row concerned.
"""

from __future__ import annotations

from wellcheck.artifact.base import Tree
from wellcheck.checks import component_finding
from wellcheck.models import Component, Finding, Severity

MAX_FILE_FINDINGS = 20  # per distribution and rule; the rest go into one summary finding
MAX_LISTED = 10  # paths quoted in one evidence string

_MODIFIED_FIX = (
    "Rebuild the artifact from a clean install and compare; if the change was not made "
    "on purpose, treat the package as compromised."
)
_UNRECORDED_FIX = (
    "Find out what added the file after installation; remove it or rebuild the artifact "
    "from a clean install."
)


def _listing(paths: list[str]) -> str:
    shown = ", ".join(paths[:MAX_LISTED])
    more = len(paths) - MAX_LISTED
    return f"{shown} (and {more} more)" if more > 0 else shown


class FindingBuilder:
    def __init__(self, tree: Tree) -> None:
        self.tree = tree
        self.findings: list[Finding] = []

    def _add(
        self,
        component: Component,
        rule: str,
        severity: Severity,
        title: str,
        evidence: str,
        remediation: str,
        confidence: str = "high",
        path: str = "",
        line: int | None = None,
    ) -> None:
        self.findings.append(
            component_finding(
                component,
                "integrity",
                rule,
                severity,
                title,
                confidence=confidence,
                evidence=evidence,
                remediation=remediation,
                path=path,
                line=line,
            )
        )

    def no_record(self, component: Component, reason: str, record: str = "") -> None:
        """``record``: the RECORD file when there is one (unreadable, empty)."""
        distro = component.site_root.endswith("dist-packages")
        self._add(
            component,
            "WC-INTEG-NO-RECORD",
            Severity.INFO if distro else Severity.LOW,
            f"installed files of {component.display_name or component.name} cannot be "
            "verified: no usable RECORD",
            reason,
            "Install packages with a tool that writes RECORD (pip, uv, poetry) so the "
            "artifact can be verified.",
            confidence="medium",
            path=record,
        )

    def modified(self, component: Component, changes: list[tuple[str, str]]) -> None:
        for path, evidence in changes[:MAX_FILE_FINDINGS]:
            self._add(
                component,
                "WC-INTEG-MODIFIED",
                Severity.HIGH,
                f"{path} was changed after installation",
                evidence,
                _MODIFIED_FIX,
                path=path,
            )
        rest = changes[MAX_FILE_FINDINGS:]
        if rest:
            self._add(
                component,
                "WC-INTEG-MODIFIED",
                Severity.HIGH,
                f"{len(rest)} more files of {component.name} were changed after installation",
                _listing([path for path, _ in rest]),
                _MODIFIED_FIX,
                path=rest[0][0],
            )

    def unrecorded(self, component: Component, files: list[tuple[str, str]]) -> None:
        """``files``: (path, evidence) for files no RECORD lists inside the package's dirs."""
        for path, evidence in files[:MAX_FILE_FINDINGS]:
            self._add(
                component,
                "WC-INTEG-UNRECORDED",
                Severity.MEDIUM,
                f"{path} was added to {component.name} after installation",
                evidence,
                _UNRECORDED_FIX,
                path=path,
            )
        rest = files[MAX_FILE_FINDINGS:]
        if rest:
            self._add(
                component,
                "WC-INTEG-UNRECORDED",
                Severity.MEDIUM,
                f"{len(rest)} more files were added to {component.name} after installation",
                _listing([path for path, _ in rest]),
                _UNRECORDED_FIX,
                path=rest[0][0],
            )

    def missing(
        self, component: Component, paths: list[str], record: str = "", line: int | None = None
    ) -> None:
        if paths:
            self._add(
                component,
                "WC-INTEG-MISSING",
                Severity.LOW,
                f"{len(paths)} installed file(s) of {component.name} are missing",
                _listing(sorted(paths)),
                "Usually a build step trimmed files (tests, docs, stubs); check that "
                "nothing the package needs at run time was removed.",
                confidence="medium",
                path=record,
                line=line,
            )

    def bad_record(
        self, component: Component, problems: list[str], record: str = "", line: int | None = None
    ) -> None:
        if problems:
            self._add(
                component,
                "WC-INTEG-BAD-RECORD",
                Severity.LOW,
                f"RECORD of {component.name} has rows that cannot be verified",
                "; ".join(problems[:MAX_LISTED]),
                "Reinstall the package; a RECORD edited by hand is itself a warning sign.",
                confidence="medium",
                path=record,
                line=line,
            )

    def outside(
        self, component: Component, paths: list[str], record: str = "", line: int | None = None
    ) -> None:
        if paths:
            self._add(
                component,
                "WC-INTEG-OUTSIDE",
                Severity.INFO,
                f"RECORD of {component.name} lists {len(paths)} path(s) outside its site "
                "root (not verified)",
                _listing(paths),
                "Data files and headers installed outside site-packages are not verified.",
                confidence="low",
                path=record,
                line=line,
            )
