"""Credentials, environment and host data sent out; exfiltration endpoints; stealers.

* WC-CODE-EXFILTRATION: a network call whose data comes from a secret (credential
  files, secret variables, browser/wallet/token stores, the clipboard) or the whole
  environment: critical when it runs by itself and the destination is written in
  the code, high when it runs by itself anyway or is written in the code, low
  otherwise (SDKs send their own credentials to the endpoint their configuration
  names).  Host facts (host name, user, public IP): high when they leave at import
  or go to a destination written in the code (or hidden in it).  File contents to a bare IP
  address or a capture service, and what the user types to a chat or capture
  service (seed-phrase phishing): high, critical when it runs by itself.
* WC-CODE-SINK: a known exfiltration endpoint (chat webhooks and bot APIs, capture
  and tunnel services, paste and file drops) as a destination.  High when it runs by
  itself, names a capture or tunnel service, or a chat hook with its token;
  low for chat API templates and paste sites in functions (notification libraries,
  IPython's ``%pastebin``).
* WC-CODE-STEALER: what only stealers read (browser password and cookie stores,
  Discord's token store, wallet files and extensions): two or more of them, or one
  with an exfiltration endpoint, is high (critical when a network call runs by
  itself); one with a network call is low.
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
from wellcheck.signals.behaviour.values import WRITER

_CAPTURE = ind(Category.SINK_CAPTURE)
RULE_EXFIL = "WC-CODE-EXFILTRATION"


def rule(subject: Subject) -> Iterator[Hit]:
    yield from by_severity(list(_exfiltration(subject)))[:1]
    yield from by_severity(list(_sinks(subject)))[:1]
    yield from _stealer(subject)
    yield from _clipper(subject)


def _exfiltration(subject: Subject) -> Iterator[Hit]:
    for file, fact in facts(subject, Kind.NETWORK):
        runs = triggered(file, fact)
        fixed = tagged(fact, Tag.EMBEDDED, Tag.HOST, Tag.SINK, Tag.RAW_IP, Tag.HIDDEN)
        drop = tagged(fact, Tag.SINK, Tag.RAW_IP)  # a capture host or a bare address
        if tagged(fact, Tag.SECRET, Tag.ENV):
            what = "the whole environment" if tagged(fact, Tag.ENV) else "credentials"
            severity = _level(runs, fixed, Severity.CRITICAL, Severity.HIGH, Severity.LOW)
            title = f"sends {what} over the network"
        elif tagged(fact, Tag.FILE, WRITER) and drop:
            severity = Severity.CRITICAL if runs else Severity.HIGH
            title = "sends file contents to a bare address or a capture service"
        elif tagged(fact, Tag.INPUT) and tagged(fact, Tag.SINK):
            severity = Severity.CRITICAL if runs else Severity.HIGH
            title = "sends what the user types to a chat or capture service"
        elif tagged(fact, Tag.RECON):
            severity = _level(runs, fixed, Severity.HIGH, Severity.HIGH, Severity.INFO)
            title = "sends host details (host name, user, address) over the network"
        else:
            continue
        if severity > Severity.INFO:
            confidence = "high" if fixed else "low"
            yield hit(RULE_EXFIL, severity, confidence, title, file, fact, remediation=REMOVE)


def _level(
    runs: bool, fixed: bool, now: Severity, later: Severity, elsewhere: Severity
) -> Severity:
    """``now`` when it runs by itself, ``later`` in a function, both only when the
    destination is written in the code; ``elsewhere`` when the destination comes
    from configuration (what SDKs do with their own credentials)."""
    if not fixed:
        return later if runs else elsewhere
    return now if runs else later


def _sinks(subject: Subject) -> Iterator[Hit]:
    for file, fact in facts(subject, Kind.NETWORK):
        if not tagged(fact, Tag.SINK):
            continue
        if triggered(file, fact) and fact.detail not in apis.NO_IO:
            severity = Severity.HIGH
        elif tagged(fact, _CAPTURE):
            severity = Severity.HIGH  # a request or DNS capture service, a tunnel
        elif tagged(fact, ind(Category.SINK_CHAT)) and tagged(fact, Tag.EMBEDDED, Tag.TOKEN):
            severity = Severity.HIGH  # a chat hook with its token in the code
        else:
            severity = Severity.LOW  # chat API templates, paste sites: libraries post there
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
