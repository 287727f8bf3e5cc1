"""WC-CODE-PERSISTENCE: making itself run again later.

A file written, a process started or a registry value set whose target is a
start-up folder, a ``CurrentVersion\\Run`` key, ``schtasks``, a crontab, a systemd
user unit, an autostart entry, a shell rc file, a LaunchAgent, or a new ``.pth`` /
``sitecustomize`` file.  High when it runs by itself; in a function low (shell
completion installers and environment managers edit rc files on request).
"""

from __future__ import annotations

from collections.abc import Iterator

from wellcheck.models import Severity
from wellcheck.signals.behaviour.facts import Kind
from wellcheck.signals.behaviour.indicators import Category
from wellcheck.signals.behaviour.rules.context import (
    REMOVE,
    Hit,
    Subject,
    by_severity,
    facts,
    hit,
    ind,
    tagged,
    triggered,
)

RULE = "WC-CODE-PERSISTENCE"
_TARGETS = (ind(Category.PERSISTENCE), ind(Category.PYTHON_HOOK))


def rule(subject: Subject) -> Iterator[Hit]:
    found: list[Hit] = []
    for file, fact in facts(subject, Kind.WRITE, Kind.SPAWN, Kind.WINDOWS):
        if not tagged(fact, *_TARGETS):
            continue
        hook = tagged(fact, ind(Category.PYTHON_HOOK)) and not tagged(
            fact, ind(Category.PERSISTENCE)
        )
        what = "adds a Python start-up hook" if hook else "installs itself to run again later"
        severity = Severity.HIGH if triggered(file, fact) else Severity.LOW
        found.append(hit(RULE, severity, "medium", what, file, fact, remediation=REMOVE))
    yield from by_severity(found)[:1]
