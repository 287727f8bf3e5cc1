"""WC-CODE-WINDOWS-PAYLOAD: Windows-only payload code in a Linux artifact.

A Lambda function or Linux image never needs ``os.startfile``, registry writes,
``ShellExecute``, ``.exe`` files dropped or run, or ``%APPDATA%`` paths written to or
run.  (Registry reads and other ``ctypes.windll`` calls are what cross-platform
libraries do for their Windows users: not payload.)  Medium when it runs by itself,
low in functions only when two kinds of it meet, otherwise nothing.
"""

from __future__ import annotations

from collections.abc import Iterator

from wellcheck.models import Severity
from wellcheck.signals.behaviour.facts import Fact, FileFacts, Kind
from wellcheck.signals.behaviour.indicators import Category
from wellcheck.signals.behaviour.rules.context import (
    Hit,
    Subject,
    facts,
    hit,
    ind,
    tagged,
    triggered,
)

RULE = "WC-CODE-WINDOWS-PAYLOAD"
_REGISTRY_WRITES = frozenset({"SetValue", "SetValueEx", "CreateKey", "CreateKeyEx"})


def _behaviour(fact: Fact) -> str | None:
    if fact.kind is Kind.WINDOWS:
        if fact.detail.endswith("startfile"):
            return "startfile"
        if fact.detail.rsplit(".", 1)[-1] in _REGISTRY_WRITES:
            return "registry"
        return "shell-execute" if "ShellExecute" in fact.detail else None
    if fact.kind in (Kind.WRITE, Kind.SPAWN) and tagged(fact, ind(Category.WINDOWS_EXECUTABLE)):
        return f"executable-{fact.kind.value}"
    if fact.kind in (Kind.WRITE, Kind.SPAWN) and tagged(fact, ind(Category.WINDOWS_PATH)):
        return "appdata"
    return None


def rule(subject: Subject) -> Iterator[Hit]:
    if not subject.linux:
        return
    seen: dict[str, tuple[FileFacts, Fact]] = {}
    for file, fact in facts(subject, Kind.WINDOWS, Kind.WRITE, Kind.SPAWN):
        behaviour = _behaviour(fact)
        if behaviour is None:
            continue
        if triggered(file, fact):
            title = "runs Windows-only payload code in a Linux artifact"
            yield hit(RULE, Severity.MEDIUM, "medium", title, file, fact)
            return
        seen.setdefault(behaviour, (file, fact))
    if len(seen) >= 2:
        file, fact = next(iter(seen.values()))
        title = "holds Windows-only payload code in a Linux artifact"
        yield hit(RULE, Severity.LOW, "low", title, file, fact, ", ".join(sorted(seen)))
