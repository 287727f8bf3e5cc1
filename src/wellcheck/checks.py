"""The checks seam: each source of knowledge turns components into findings.

A check never raises for "could not consult the source": it returns
SkippedCheck values saying what was not checked and why.  Only programming
errors and bad local input (e.g. a corrupt index the user pointed at) raise.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from dataclasses import dataclass, field

from wellcheck.artifact.base import Tree
from wellcheck.models import ArtifactInfo, Component, Finding, Severity, SkippedCheck


@dataclass(frozen=True)
class CheckResult:
    findings: tuple[Finding, ...] = ()
    skipped: tuple[SkippedCheck, ...] = ()
    # what the check's source can never consult by design (bundled packages of another
    # ecosystem than an advisory source covers): reported, but the scan is not incomplete
    not_applicable: tuple[SkippedCheck, ...] = ()


@dataclass(frozen=True)
class CheckContext:
    """What a check may look at besides the components."""

    artifact: ArtifactInfo
    trees: Sequence[Tree] = field(default_factory=tuple)  # for file-level checks (integrity)


class Check(abc.ABC):
    name: str  # short id used in reports and SkippedCheck.source
    #: run after the other checks of the scan (its result keeps its place in the report):
    #: a check that hashes files, some of which a check before it may have read whole
    #: and left the digests of on the tree (``Tree.remember_digests``)
    late: bool = False

    @abc.abstractmethod
    def run(self, components: Sequence[Component], context: CheckContext) -> CheckResult:
        """Evaluate every component; report what could not be evaluated."""


def component_finding(
    component: Component,
    kind: str,
    rule: str,
    severity: Severity,
    title: str,
    *,
    confidence: str | None = None,
    evidence: str = "",
    remediation: str = "",
    url: str | None = None,
    path: str = "",
    line: int | None = None,
) -> Finding:
    """A finding about ``component``: its name, version and location filled in.

    ``path`` is a file of the component's tree (posix, tree-relative) the finding is
    about, with ``line`` when known; it is reported behind the component's chain of
    nested archives, as ``location`` is.
    """
    return Finding(
        kind=kind,
        rule=rule,
        package=component.name,
        version=component.version,
        severity=severity,
        title=title,
        location=component.display_location,
        path="!".join((*component.chain, path)) if path else "",
        line=line,
        confidence=confidence,
        evidence=evidence,
        remediation=remediation,
        url=url,
    )
