"""WC-CODE-IMPORT-SPAWN / -NETWORK / -WRITE: side effects just from being imported.

A process started, a connection made or a file written by code that runs at import
time (module body, class bodies, decorators, functions and classes those call,
thread targets and ``atexit`` hooks they register), at every start-up (``.pth``,
``sitecustomize``: high) or at install time (``setup.py``: spawning compilers and
writing version files is ordinary there, so only network access is reported).
At import: a process or a connection is medium, a file written is low.  Building a
client object (``requests.Session()``, ``socket.socket()``) is not a connection.
"""

from __future__ import annotations

from collections.abc import Iterator

from wellcheck.models import Severity
from wellcheck.signals.behaviour import apis
from wellcheck.signals.behaviour.facts import Kind, Role
from wellcheck.signals.behaviour.rules.context import (
    Hit,
    Subject,
    by_severity,
    facts,
    hit,
    triggered,
)

_RULES = {
    Kind.SPAWN: ("WC-CODE-IMPORT-SPAWN", "starts a process", Severity.MEDIUM),
    Kind.NETWORK: ("WC-CODE-IMPORT-NETWORK", "connects to the network", Severity.MEDIUM),
    Kind.WRITE: ("WC-CODE-IMPORT-WRITE", "writes files", Severity.LOW),
}
_WHEN = {
    Role.MODULE: "when imported",
    Role.STARTUP: "at every interpreter start-up",
    Role.INSTALL: "at install time",
}


def rule(subject: Subject) -> Iterator[Hit]:
    for kind, (rule_id, what, base) in _RULES.items():
        yield from by_severity(list(_hits(subject, kind, rule_id, what, base)))[:1]


def _hits(subject: Subject, kind: Kind, rule_id: str, what: str, base: Severity) -> Iterator[Hit]:
    for file, fact in facts(subject, kind):
        if not triggered(file, fact) or (kind is Kind.NETWORK and fact.detail in apis.NO_IO):
            continue
        if file.role is Role.INSTALL and kind is not Kind.NETWORK:
            continue
        severity = Severity.HIGH if file.role is Role.STARTUP else base
        yield hit(rule_id, severity, "medium", f"{what} {_WHEN[file.role]}", file, fact)
