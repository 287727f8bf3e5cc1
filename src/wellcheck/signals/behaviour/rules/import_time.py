"""WC-CODE-IMPORT-SPAWN / -NETWORK / -WRITE: side effects just from being imported.

A process started, a connection made or a file written by code that runs at import
time (module body, class bodies, decorators, functions and classes those call,
thread targets and ``atexit`` hooks they register), at every start-up (``.pth``,
``sitecustomize``: high) or at install time (``setup.py``: spawning compilers and
writing version files is ordinary there, so only network access is reported).
At import: a shell or interpreter command line, or a connection to a destination
written in the code, is high (none of the 1,000 most-downloaded projects does either;
console housekeeping such as ``os.system('')`` is low); a plain tool run with an
argument vector (``['fc-list', ...]``), a connection to a configured destination and
a file written are low.  Building a client object (``requests.Session()``, ``socket.socket()``) is
not a connection.
"""

from __future__ import annotations

from collections.abc import Iterator

from wellcheck.models import Severity
from wellcheck.signals.behaviour import apis
from wellcheck.signals.behaviour.facts import Fact, Kind, Role, Tag
from wellcheck.signals.behaviour.rules.context import (
    Hit,
    Subject,
    by_severity,
    facts,
    hit,
    tagged,
    triggered,
)

_RULES = {
    Kind.SPAWN: ("WC-CODE-IMPORT-SPAWN", "starts a process", Severity.MEDIUM),
    Kind.NETWORK: ("WC-CODE-IMPORT-NETWORK", "connects to the network", Severity.MEDIUM),
    Kind.WRITE: ("WC-CODE-IMPORT-WRITE", "writes files", Severity.LOW),
}
#: what makes an import-time process or connection medium rather than low: a shell or
#: interpreter command line; a destination written in the code
_NOTABLE: dict[Kind, tuple[str, ...]] = {
    Kind.SPAWN: (Tag.SHELL,),
    Kind.NETWORK: (Tag.EMBEDDED, Tag.HOST, Tag.RAW_IP, Tag.SINK, Tag.HIDDEN),
    Kind.WRITE: (
        Tag.SCRIPT,
        "ind:persistence",
        "ind:python-startup-hook",
        "ind:windows-executable",
    ),
}
#: console housekeeping some CLI helpers run at import (``os.system('')`` enables ANSI
#: colours on Windows): a command line, but nothing to fear
_CONSOLE = frozenset({"", "cls", "clear", "color", "chcp 65001", "tput init", "title"})


def _console(fact: Fact) -> Severity | None:
    text = fact.text.strip().lower()
    if fact.kind is Kind.SPAWN and Tag.EMBEDDED in fact.tags and text in _CONSOLE:
        return Severity.LOW
    return None


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
        if file.role is Role.MODULE and not tagged(fact, *_NOTABLE[kind]):
            severity = Severity.LOW  # a plain tool's argv, a destination from configuration
        elif file.role is Role.MODULE and kind is not Kind.WRITE:
            severity = _console(fact) or Severity.HIGH  # a command line, a fixed address
        yield hit(rule_id, severity, "medium", f"{what} {_WHEN[file.role]}", file, fact)
