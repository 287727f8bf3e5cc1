"""WC-CODE-REVERSE-SHELL: a shell wired to a network connection.

A process whose stdin/stdout is a socket's descriptor, ``os.dup2`` of a socket
beside a process call or ``pty.spawn``, or a command line with ``/dev/tcp/``,
``nc -e``, ``bash -i``, ``mkfifo``, ``socat exec:``.  Critical when it runs by
itself, high otherwise: no library needs one.
"""

from __future__ import annotations

from collections.abc import Iterator

from wellcheck.models import Severity
from wellcheck.signals.behaviour.facts import Kind, Tag
from wellcheck.signals.behaviour.indicators import Category
from wellcheck.signals.behaviour.rules.context import (
    REMOVE,
    Hit,
    Subject,
    by_severity,
    hit,
    ind,
    tagged,
    triggered,
)

RULE = "WC-CODE-REVERSE-SHELL"
TITLE = "opens a reverse shell (a shell wired to a network connection)"


def rule(subject: Subject) -> Iterator[Hit]:
    found: list[Hit] = []
    for file in subject.files:
        spawns = [f for f in file.facts if f.kind is Kind.SPAWN]
        dup2 = [f for f in file.facts if f.kind is Kind.DUP2 and Tag.SOCKET in f.tags]
        for fact in spawns:
            shell_string = tagged(fact, ind(Category.REVERSE_SHELL))
            if tagged(fact, Tag.SOCKET_IO) or shell_string or (dup2 and fact.detail == "pty.spawn"):
                severity = Severity.CRITICAL if triggered(file, fact) else Severity.HIGH
                found.append(hit(RULE, severity, "high", TITLE, file, fact, remediation=REMOVE))
        if dup2 and spawns and not found:
            fact = dup2[0]
            runs = triggered(file, fact) or any(triggered(file, s) for s in spawns)
            severity = Severity.CRITICAL if runs else Severity.HIGH
            found.append(
                hit(RULE, severity, "high", TITLE, file, fact, f"and {spawns[0].detail}", REMOVE)
            )
        strings = [
            f
            for f in file.facts
            if f.kind is Kind.INDICATOR and f.detail == Category.REVERSE_SHELL.value
        ]
        if strings and spawns and not found:
            fact = strings[0]
            severity = Severity.CRITICAL if triggered(file, fact) else Severity.HIGH
            found.append(hit(RULE, severity, "medium", TITLE, file, fact, remediation=REMOVE))
    yield from by_severity(found)[:1]
