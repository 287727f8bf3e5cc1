"""Capabilities a release added: behaviour findings of two releases compared.

A capability is a behaviour rule id with the context its code runs in (the behaviour
check writes it in each finding's evidence, ``path:line (at import time): ...``):
at every interpreter start-up, at install time, at import time, when run as a
program, in a test module, inside a function nothing calls at import; rules about
files rather than code (bundled executables, bytecode) have none.  The installed
release *added* a capability when the previous release has no finding of that rule in
that context, or only a less severe one (the behaviour check keeps each rule's most
severe hit, so a plain tool run at import that became a shell command line shows as
a rise).

Severity of the WC-CODE-DRIFT finding, by the most alarming capability added:

* a process, a connection, a download-and-run, decoding-and-running, exfiltration, a
  reverse shell, a stealer, a known sink, persistence, mining or clipboard swapping
  that now runs by itself (import time, start-up, install time): **high** in a patch
  or minor release (the compromised-release pattern), medium in a major one;
* anything else that runs by itself, or has no context (a bundled executable,
  bytecode without source): medium when the capability itself is medium or worse,
  else low;
* a capability only inside functions, in ``__main__`` code or in tests: low when it is
  medium or worse itself, else info.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from wellcheck.models import Component, Finding, Severity

RULE = "WC-CODE-DRIFT"
KIND = "behaviour"
MAX_LISTED = 5  # capabilities spelled out in the evidence


class Context(StrEnum):
    STARTUP = "at every interpreter start-up"
    INSTALL = "at install time"
    IMPORT = "at import time"
    MAIN = "when run as a program"
    TEST = "in a test module"
    FUNCTION = "inside a function"
    NONE = "in its files"


#: phrases of the behaviour check's evidence and titles, most specific first
_PHRASES = (
    ("start-up", Context.STARTUP),
    ("install time", Context.INSTALL),
    ("import time", Context.IMPORT),
    ("when imported", Context.IMPORT),
    ("run as a program", Context.MAIN),
    ("test module", Context.TEST),
    ("inside a function", Context.FUNCTION),
    ("in a function", Context.FUNCTION),
)
TRIGGERED = frozenset({Context.STARTUP, Context.INSTALL, Context.IMPORT})
#: what a compromised release adds to run by itself (issue 10's pattern)
DANGEROUS = frozenset(
    {
        "WC-CODE-IMPORT-SPAWN",
        "WC-CODE-IMPORT-NETWORK",
        "WC-CODE-DOWNLOAD-EXEC",
        "WC-CODE-DECODE-EXEC",
        "WC-CODE-EXFILTRATION",
        "WC-CODE-REVERSE-SHELL",
        "WC-CODE-STEALER",
        "WC-CODE-SINK",
        "WC-CODE-PERSISTENCE",
        "WC-CODE-MINER",
        "WC-CODE-CLIPPER",
    }
)


@dataclass(frozen=True)
class Capability:
    rule: str
    context: Context
    finding: Finding  # the behaviour finding that shows it (file, line, evidence)

    @property
    def severity(self) -> Severity:
        return self.finding.severity


@dataclass(frozen=True)
class Added:
    capability: Capability
    before: Severity | None  # the previous release's severity for it (None: absent)


def context_of(finding: Finding, chain: tuple[str, ...] = ()) -> Context:
    """The context a behaviour finding's code runs in, as its evidence says right after
    the file and line (``path:line (at import time): ...``; ``chain``: the nested archives
    before the path).  Only that place is read: file names and snippets are the
    artifact's, and could spell a context of their own.  A finding without a line (a
    file, not code) is judged by its title, which its rule writes."""
    if finding.line is None:
        return _phrase(finding.title)
    holder = "!".join(chain)
    path = finding.path[len(holder) + 1 :] if holder else finding.path
    head = f"{path}:{finding.line} ("
    if not finding.evidence.startswith(head):
        return Context.NONE
    return _phrase(finding.evidence[len(head) :].split("): ", 1)[0])


def _phrase(text: str) -> Context:
    return next((context for phrase, context in _PHRASES if phrase in text), Context.NONE)


def capabilities(
    findings: Iterable[Finding], chain: tuple[str, ...] = ()
) -> dict[tuple[str, Context], Capability]:
    """Each (rule, context) with its most severe finding."""
    found: dict[tuple[str, Context], Capability] = {}
    for finding in findings:
        key = (finding.rule, context_of(finding, chain))
        if key not in found or finding.severity > found[key].severity:
            found[key] = Capability(finding.rule, key[1], finding)
    return found


def added(
    installed: Iterable[Finding], previous: Iterable[Finding], chain: tuple[str, ...] = ()
) -> list[Added]:
    """Capabilities of the installed release (``chain``: the nested archives holding it)
    the previous one (a wheel read on its own) lacks or had less severe, most alarming
    first."""
    before = capabilities(previous)
    new: list[Added] = []
    for key, capability in capabilities(installed, chain).items():
        old = before.get(key)
        if old is None or capability.severity > old.severity:
            new.append(Added(capability, old.severity if old else None))
    return sorted(new, key=lambda a: (-int(a.capability.severity), a.capability.rule))


def drift_severity(capability: Capability, jump: str) -> Severity:
    serious = capability.severity >= Severity.MEDIUM
    if capability.context in TRIGGERED and capability.rule in DANGEROUS:
        return Severity.MEDIUM if jump == "major" else Severity.HIGH
    if capability.context in TRIGGERED or capability.context is Context.NONE:
        return Severity.MEDIUM if serious else Severity.LOW
    return Severity.LOW if serious else Severity.INFO


def drift_finding(
    component: Component,
    new: Sequence[Added],
    previous_version: str,
    previous_file: str,
    jump: str,
) -> Finding:
    """One WC-CODE-DRIFT finding for ``component`` (``new`` must not be empty)."""
    ranked = sorted(new, key=lambda a: -int(drift_severity(a.capability, jump)))
    severity = drift_severity(ranked[0].capability, jump)
    top = ranked[0].capability.finding
    names = ", ".join(sorted({f"{a.capability.rule} {a.capability.context}" for a in new}))
    version = component.version
    title = f"{jump} release {version} does what {previous_version} did not: {names}"
    listed = "; ".join(_describe(a) for a in ranked[:MAX_LISTED])
    more = f"; and {len(ranked) - MAX_LISTED} more" if len(ranked) > MAX_LISTED else ""
    evidence = (
        f"{component.name} {version} (installed) against {previous_version} "
        f"({previous_file}, PyPI): {listed}{more}"
    )
    return Finding(
        kind=KIND,
        rule=RULE,
        package=component.name,
        version=version,
        severity=severity,
        title=title,
        location=component.display_location,
        path=top.path,
        line=top.line,
        confidence="medium",
        evidence=evidence,
        remediation=(
            f"Diff {component.name} {previous_version} and {version}: code that starts "
            f"running by itself in a {jump} release is how compromised releases look. "
            f"Pin {previous_version} until the change is explained."
        ),
    )


def _describe(entry: Added) -> str:
    capability = entry.capability
    was = f"{entry.before} in the previous release" if entry.before else "new"
    return (
        f"{capability.rule} {capability.context} ({capability.severity}, {was}): "
        f"{capability.finding.evidence}"
    )
