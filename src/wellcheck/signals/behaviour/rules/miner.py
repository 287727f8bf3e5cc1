"""WC-CODE-MINER: cryptocurrency mining (stratum URLs, miner binaries and pools).

High (critical when the file starts a process or connects by itself); medium when
the miner is only named and nothing in the distribution runs or fetches anything.
"""

from __future__ import annotations

from collections.abc import Iterator

from wellcheck.models import Severity
from wellcheck.signals.behaviour.facts import Kind
from wellcheck.signals.behaviour.indicators import Category
from wellcheck.signals.behaviour.rules.context import REMOVE, Hit, Subject, facts, hit, triggered

RULE = "WC-CODE-MINER"


def rule(subject: Subject) -> Iterator[Hit]:
    named = [(f, x) for f, x in facts(subject, Kind.INDICATOR) if x.detail == Category.MINER.value]
    if not named:
        return
    file, fact = named[0]
    actions = list(facts(subject, Kind.SPAWN, Kind.NETWORK, Kind.WRITE))
    if not actions:
        severity = Severity.MEDIUM
    elif any(triggered(f, x) for f, x in actions):
        severity = Severity.CRITICAL
    else:
        severity = Severity.HIGH
    yield hit(RULE, severity, "high", "mines cryptocurrency", file, fact, remediation=REMOVE)
