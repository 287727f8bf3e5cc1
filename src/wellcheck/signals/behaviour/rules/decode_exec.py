"""WC-CODE-DECODE-EXEC: code hidden in a literal and run.

``exec``/``eval``/``compile``/``marshal.loads``/``pickle.loads``/``types.CodeType``
fed by base64, zlib/gzip/lzma/bz2, hex, rot13, reversal or ``chr`` joins of a
literal of the file (the walk folds the payload when it can, and walks the decoded
code): critical when it runs by itself (import, start-up, install), high in a
function.  Data decoded from elsewhere (a parameter, a file) and deserialised is
what caches and RPC libraries do: ``marshal``/``pickle`` of it is not reported,
``exec`` of it is medium / low.  A process started with a command line decoded
from a literal is a hidden command: critical / high.
"""

from __future__ import annotations

from collections.abc import Iterator

from wellcheck.models import Severity
from wellcheck.signals.behaviour.facts import Kind, Tag
from wellcheck.signals.behaviour.rules.context import (
    REMOVE,
    Hit,
    Subject,
    facts,
    hit,
    tagged,
    triggered,
)

RULE = "WC-CODE-DECODE-EXEC"
_SERIALISERS = (
    "marshal.loads",
    "pickle.loads",
    "_pickle.loads",
    "cPickle.loads",
    "dill.loads",
    "cloudpickle.loads",
)


def rule(subject: Subject) -> Iterator[Hit]:
    yield from _commands(subject)
    for file, fact in facts(subject, Kind.EXEC):
        runs = triggered(file, fact)
        if tagged(fact, Tag.NETWORK):
            continue  # download-and-execute: its own rule
        short = fact.detail.rsplit(".", 1)[-1]
        whole = tagged(fact, Tag.EMBEDDED)
        decoded = tagged(fact, Tag.DECODED)
        literal = tagged(fact, Tag.LITERAL)
        if fact.detail == "marshal.loads" and whole:
            title = "loads Python bytecode hidden in a literal (marshal.loads)"
            severity = Severity.CRITICAL if runs else Severity.HIGH
        elif decoded and (whole or (literal and fact.detail not in _SERIALISERS)):
            title = f"runs code decoded from a literal ({short})"
            severity = Severity.CRITICAL if runs else Severity.HIGH
        elif decoded and fact.detail not in _SERIALISERS:
            title = f"runs decoded data as code ({short})"
            severity = Severity.MEDIUM if runs else Severity.LOW
        else:
            continue
        yield hit(
            RULE, severity, "high" if whole else "medium", title, file, fact, remediation=REMOVE
        )


def _commands(subject: Subject) -> Iterator[Hit]:
    """A process started with a command line decoded from a literal: a hidden command."""
    for file, fact in facts(subject, Kind.SPAWN):
        if tagged(fact, Tag.DECODED) and tagged(fact, Tag.LITERAL, Tag.EMBEDDED):
            severity = Severity.CRITICAL if triggered(file, fact) else Severity.HIGH
            title = "starts a process with a command decoded from a literal"
            yield hit(RULE, severity, "medium", title, file, fact, remediation=REMOVE)
            return
