"""WC-CODE-DOWNLOAD-EXEC: something fetched from the network is run.

* network data reaching ``exec``, a process, ``os.startfile`` or ``ctypes``;
* a shell command that downloads and runs (``curl ... | sh``, ``wget ... && chmod
  +x``, PowerShell ``-enc``/``IEX``/``DownloadString``, ``mshta``, ``certutil
  -urlcache``, ``bitsadmin /transfer``) passed to a process call;
* a dropper: a file written from a response (or ``urlretrieve``) in a file that
  also makes a file executable, starts a process or loads a library.

Critical when it runs by itself; high in a function, except a plain dropper in a
function (downloaders of drivers and browsers do that): medium, high when the
file dropped is a Windows executable or comes from an exfiltration host.
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
    facts,
    hit,
    ind,
    tagged,
    triggered,
)

RULE = "WC-CODE-DOWNLOAD-EXEC"
_RUNNERS = (Kind.EXEC, Kind.SPAWN, Kind.NATIVE_LOAD, Kind.WINDOWS)


def rule(subject: Subject) -> Iterator[Hit]:
    found: list[Hit] = []
    for file, fact in facts(subject, *_RUNNERS):
        severity = Severity.CRITICAL if triggered(file, fact) else Severity.HIGH
        if tagged(fact, Tag.NETWORK):
            title = f"runs what it downloads ({fact.detail.rsplit('.', 1)[-1]})"
            found.append(hit(RULE, severity, "high", title, file, fact, remediation=REMOVE))
        elif fact.kind is Kind.SPAWN and tagged(fact, ind(Category.SHELL_DOWNLOAD)):
            title = "runs a shell command that downloads and executes"
            found.append(hit(RULE, severity, "high", title, file, fact, remediation=REMOVE))
    found.extend(_droppers(subject))
    yield from by_severity(found)[:1]


def _droppers(subject: Subject) -> Iterator[Hit]:
    for file in subject.files:
        downloads = [f for f in file.facts if f.kind is Kind.WRITE and Tag.NETWORK in f.tags]
        runs = [
            f
            for f in file.facts
            if f.kind in (Kind.CHMOD_EXEC, Kind.SPAWN, Kind.NATIVE_LOAD, Kind.WINDOWS)
        ]
        if not downloads or not runs:
            continue
        download = downloads[0]
        now = triggered(file, download) or any(triggered(file, f) for f in runs)
        windows = any(
            tagged(f, ind(Category.WINDOWS_EXECUTABLE), Tag.SINK) for f in (*downloads, *runs)
        )
        severity = Severity.HIGH if windows else Severity.MEDIUM
        if now:
            severity = Severity.CRITICAL
        title = "downloads a file and makes it executable or runs it"
        extra = f"then {runs[0].detail} at line {runs[0].line}"
        yield hit(RULE, severity, "medium", title, file, download, extra, REMOVE)
