"""Credentials, environment and host data sent out; exfiltration endpoints; stealers.

* WC-CODE-EXFILTRATION: a network call whose data comes from a secret (credential
  files, secret variables, browser/wallet/token stores, the clipboard), the whole
  environment, or host facts (host name, user, public IP), sent to a destination
  written in the code.  Critical for secrets and the environment when it runs by
  itself, high in a function; host facts: high / medium.  Legitimate SDKs send
  credentials too, but to the endpoint their configuration names, never to a
  literal: sent elsewhere it is low.
* WC-CODE-SINK: a known exfiltration endpoint (chat webhooks and bot APIs, capture
  and tunnel services, paste and file drops) as a destination.  High when it runs by
  itself; in a function medium for capture services, low for chat webhooks (bots
  and notification libraries post there).
* WC-CODE-STEALER: what only stealers read (browser password and cookie stores,
  Discord's token store, wallet files and extensions): two or more of them, or one
  with a way out, is high (critical at import); one with a network call is low.
* WC-CODE-CLIPPER: the clipboard read or written beside coin-address patterns.
"""

from __future__ import annotations

from collections.abc import Iterator

from wellcheck.models import Severity
from wellcheck.signals.behaviour import apis
from wellcheck.signals.behaviour.facts import Fact, FileFacts, Kind, Tag
from wellcheck.signals.behaviour.indicators import STEALER_CATEGORIES, Category
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

_CAPTURE = ind(Category.SINK_CAPTURE)


def rule(subject: Subject) -> Iterator[Hit]:
    yield from by_severity(list(_exfiltration(subject)))[:1]
    yield from by_severity(list(_sinks(subject)))[:1]
    yield from _stealer(subject)
    yield from _clipper(subject)


def _exfiltration(subject: Subject) -> Iterator[Hit]:
    for file, fact in facts(subject, Kind.NETWORK):
        runs = triggered(file, fact)
        hardcoded = tagged(fact, Tag.EMBEDDED, Tag.SINK)
        if tagged(fact, Tag.SECRET, Tag.ENV):
            what = "the whole environment" if tagged(fact, Tag.ENV) else "credentials"
            severity = Severity.LOW
            if hardcoded:
                severity = Severity.CRITICAL if runs else Severity.HIGH
            yield hit(
                "WC-CODE-EXFILTRATION",
                severity,
                "high" if hardcoded else "low",
                f"sends {what} over the network",
                file,
                fact,
                remediation=REMOVE,
            )
        elif tagged(fact, Tag.RECON) and hardcoded:
            severity = Severity.HIGH if runs else Severity.MEDIUM
            yield hit(
                "WC-CODE-EXFILTRATION",
                severity,
                "medium",
                "sends host details (host name, user, address) to a fixed endpoint",
                file,
                fact,
                remediation=REMOVE,
            )


def _sinks(subject: Subject) -> Iterator[Hit]:
    for file, fact in facts(subject, Kind.NETWORK):
        if not tagged(fact, Tag.SINK):
            continue
        if triggered(file, fact) and fact.detail not in apis.NO_IO:
            severity = Severity.HIGH
        elif tagged(fact, _CAPTURE):
            severity = Severity.MEDIUM
        else:
            severity = Severity.LOW
        yield hit(
            "WC-CODE-SINK", severity, "medium", "talks to a known exfiltration endpoint", file, fact
        )


def _stealer(subject: Subject) -> Iterator[Hit]:
    targets: dict[str, tuple[FileFacts, Fact]] = {}
    for file, fact in facts(subject, Kind.INDICATOR):
        if fact.detail in {c.value for c in STEALER_CATEGORIES}:
            targets.setdefault(fact.detail, (file, fact))
    if not targets:
        return
    network = [(f, x) for f, x in facts(subject, Kind.NETWORK)]
    sink = any(tagged(x, Tag.SINK) for _, x in network) or any(
        x.detail in (Category.SINK_CHAT.value, Category.SINK_CAPTURE.value)
        for _, x in facts(subject, Kind.INDICATOR)
    )
    file, fact = next(iter(targets.values()))
    names = ", ".join(sorted(targets))
    runs = any(triggered(f, x) for f, x in network)
    if len(targets) >= 2 or (sink and network):
        if not network and not sink:
            severity = Severity.MEDIUM
        else:
            severity = Severity.CRITICAL if runs else Severity.HIGH
    elif network:
        severity = Severity.LOW
    else:
        return
    yield hit(
        "WC-CODE-STEALER",
        severity,
        "medium",
        f"reads what stealers steal ({names})",
        file,
        fact,
        remediation=REMOVE,
    )


def _clipper(subject: Subject) -> Iterator[Hit]:
    clipboard = next(iter(facts(subject, Kind.CLIPBOARD)), None)
    patterns = [
        x for _, x in facts(subject, Kind.INDICATOR) if x.detail == Category.WALLET_ADDRESS.value
    ]
    if clipboard is None or not patterns:
        return
    file, fact = clipboard
    severity = Severity.CRITICAL if triggered(file, fact) else Severity.HIGH
    yield hit(
        "WC-CODE-CLIPPER",
        severity,
        "medium",
        "swaps coin addresses on the clipboard",
        file,
        fact,
        f"coin-address pattern at line {patterns[0].line}",
        REMOVE,
    )
