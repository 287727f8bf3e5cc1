"""What rules see and return, and the helpers that read context."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from wellcheck.models import ComponentKind, Severity
from wellcheck.signals.behaviour.facts import BinaryFile, Fact, FileFacts, Kind, PycFile, Role, When
from wellcheck.signals.behaviour.indicators import Category


@dataclass(frozen=True)
class Subject:
    """One distribution (or an unowned start-up file) and what its files do."""

    name: str  # canonical name; "" for a start-up file no distribution owns
    files: tuple[FileFacts, ...]
    binaries: tuple[BinaryFile, ...] = ()
    pycs: tuple[PycFile, ...] = ()
    sourceless: tuple[str, ...] = ()  # importable .pyc files without a source
    sources: int = 0  # Python source files
    pure: bool = True  # no extension modules (or a none-any WHEEL tag)
    linux: bool = False  # the artifact runs on Linux (Lambda zip or layer, Linux image)
    kind: ComponentKind | None = None
    compiled: frozenset[str] = frozenset()  # sources with bytecode beside them


@dataclass(frozen=True)
class Hit:
    rule: str
    severity: Severity
    confidence: str
    title: str
    path: str  # tree path of the file
    line: int | None
    evidence: str
    remediation: str = ""


def triggered(file: FileFacts, fact: Fact) -> bool:
    """Does this code run without anyone calling it (import, start-up, install)?"""
    if file.role is Role.MODULE:
        return fact.when is When.IMPORT
    # .pth lines, sitecustomize, setup.py run by themselves; tests and an sdist's
    # scripts only when someone runs them
    return file.role not in (Role.TEST, Role.SOURCE_ONLY)


def context(file: FileFacts, fact: Fact) -> str:
    if file.role is Role.STARTUP:
        where = "at every interpreter start-up"
    elif file.role is Role.INSTALL:
        where = "at install time"
    elif file.role is Role.TEST:
        where = "in a test module"
    elif file.role is Role.SOURCE_ONLY:
        where = "in a file of the sdist that pip neither installs nor runs"
    elif fact.when is When.IMPORT:
        where = "at import time"
    elif fact.when is When.MAIN:
        where = "when run as a program"
    else:
        where = "inside a function nothing calls at import"
    how = _VIA.get(fact.via, "")
    return f"{where}, {how}" if how else where


_VIA = {
    "exec": "in code decoded from a literal",
    "write": "in code it writes to a file",
    "spawn": "in code a new interpreter is given",
    "call": "through a function it calls",
}


def facts(subject: Subject, *kinds: Kind) -> Iterator[tuple[FileFacts, Fact]]:
    for file in subject.files:
        for fact in file.facts:
            if not kinds or fact.kind in kinds:
                yield file, fact


def tagged(fact: Fact, *tags: str) -> bool:
    return any(t in fact.tags for t in tags)


def ind(category: Category) -> str:
    return f"ind:{category.value}"


def evidence(file: FileFacts, fact: Fact, extra: str = "") -> str:
    text = f"{file.path}:{fact.line} ({context(file, fact)}): {fact.snippet}"
    if fact.text and fact.text not in fact.snippet:
        text += f" [{fact.text}]"
    return f"{text}; {extra}" if extra else text


def hit(
    rule: str,
    severity: Severity,
    confidence: str,
    title: str,
    file: FileFacts,
    fact: Fact,
    extra: str = "",
    remediation: str = "",
) -> Hit:
    return Hit(
        rule,
        severity,
        confidence,
        title,
        file.path,
        fact.line,
        evidence(file, fact, extra),
        remediation,
    )


def by_severity(hits: list[Hit]) -> list[Hit]:
    """The most severe hit first (ties: first seen)."""
    return sorted(hits, key=lambda h: -int(h.severity))


REMOVE = (
    "Do not deploy this package: find out how it got into the artifact (a typo, a "
    "dependency, a compromised release), remove it and rotate any credential the "
    "function could reach."
)
