"""WC-CODE-DOWNLOAD-EXEC: something fetched from the network is run.

* network data reaching ``exec``, a process, ``os.startfile`` or ``ctypes``;
* a shell command that downloads and runs (``curl ... | sh``, ``wget ... && chmod
  +x``, PowerShell ``-enc``/``IEX``/``DownloadString``, ``mshta``, ``certutil
  -urlcache``, ``bitsadmin /transfer``) passed to a process call;
* a dropper: a download from a fixed address, a response written to a file, or a
  script written to a file, and after it, in the same function, a process started,
  a file made executable or a library loaded (a run inside a helper it calls
  counts after a download from a fixed address only).

A named program that reads its arguments as data (``['ffprobe', path]``, ``('git',
'clone', url)``: neither an interpreter nor a runner such as ``msiexec`` or ``env``)
does not run the download it is given, so it counts for neither.

Critical when it runs by itself; high in a function (medium when the function only
makes the file executable: fetching a tool for later, as build helpers do).  A
command line naming a paste or capture host is a download too.
"""

from __future__ import annotations

from collections.abc import Iterator

from wellcheck.models import Severity
from wellcheck.signals.behaviour.facts import Fact, Kind, Tag
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
_DROP_RUNS = (Kind.CHMOD_EXEC, Kind.SPAWN, Kind.NATIVE_LOAD, Kind.WINDOWS)


def rule(subject: Subject) -> Iterator[Hit]:
    found: list[Hit] = []
    for file, fact in facts(subject, *_RUNNERS):
        severity = Severity.CRITICAL if triggered(file, fact) else Severity.HIGH
        if tagged(fact, Tag.NETWORK):
            title = f"runs what it downloads ({fact.detail.rsplit('.', 1)[-1]})"
            found.append(hit(RULE, severity, "high", title, file, fact, remediation=REMOVE))
        elif fact.kind is Kind.SPAWN and tagged(fact, ind(Category.SHELL_DOWNLOAD), Tag.SINK):
            title = "runs a shell command that downloads and executes"
            found.append(hit(RULE, severity, "high", title, file, fact, remediation=REMOVE))
    found.extend(_droppers(subject))
    yield from by_severity(found)[:1]


def _droppers(subject: Subject) -> Iterator[Hit]:
    """A download (or a response or a script written to a file) and a run, in one
    function."""
    for file in subject.files:
        runners = [
            f for f in file.facts if f.kind in _DROP_RUNS and Tag.TOOL not in f.tags
        ]  # a fixed tool reading the file (``ffprobe path``) does not run it
        if not runners:
            continue
        for download in file.facts:
            fetched = download.kind is Kind.NETWORK and tagged(download, Tag.EMBEDDED, Tag.HOST)
            saved = download.kind is Kind.WRITE and (
                Tag.NETWORK in download.tags
                or tagged(download, ind(Category.SHELL_DOWNLOAD))
                or Tag.SCRIPT in download.tags
            )
            if not (fetched or saved):
                continue
            runs = [r for r in runners if _after(download, r, fetched)]
            if not runs:
                continue
            now = triggered(file, download) or any(triggered(file, r) for r in runs)
            started = any(r.kind is not Kind.CHMOD_EXEC for r in runs)
            severity = Severity.HIGH if started else Severity.MEDIUM  # chmod only: a tool fetched
            if now:
                severity = Severity.CRITICAL
            title = "downloads a file and makes it executable or runs it"
            extra = f"then {runs[0].detail} at line {runs[0].line}"
            yield hit(RULE, severity, "medium", title, file, download, extra, REMOVE)
            break


def _after(download: Fact, run: Fact, fetched: bool) -> bool:
    """Is ``run`` later in the function of ``download``?  A run replayed from a helper
    counts after a download from a fixed address only, and never on the download's
    own line (one helper doing both is judged in the helper)."""
    if run.scope != download.scope or run.line < download.line:
        return False
    if run.via != "call":
        return True
    return fetched and run.line > download.line
