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
from wellcheck.models import ArtifactInfo, Component, Finding, SkippedCheck


@dataclass(frozen=True)
class CheckResult:
    findings: tuple[Finding, ...] = ()
    skipped: tuple[SkippedCheck, ...] = ()


@dataclass(frozen=True)
class CheckContext:
    """What a check may look at besides the components."""

    artifact: ArtifactInfo
    trees: Sequence[Tree] = field(default_factory=tuple)  # for file-level checks (integrity)


class Check(abc.ABC):
    name: str  # short id used in reports and SkippedCheck.source

    @abc.abstractmethod
    def run(self, components: Sequence[Component], context: CheckContext) -> CheckResult:
        """Evaluate every component; report what could not be evaluated."""
