"""WC-CODE-DECODE-EXEC: code hidden in a literal and run.

``exec``/``eval``/``compile``/``marshal.loads``/``pickle.loads``/``types.CodeType``
fed by base64, zlib/gzip/lzma/bz2, hex, rot13, reversal or ``chr`` joins of a
literal of the file (or folding to a literal outright).  Severity: critical when
it runs by itself (import, start-up, install), high in a function.  Data decoded
from elsewhere (a parameter, a file) and deserialised is what caches and RPC
libraries do: ``marshal``/``pickle`` of such data is not reported, ``exec`` of it
is low (medium when it runs by itself).
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
    for file, fact in facts(subject, Kind.EXEC):
        runs = triggered(file, fact)
        embedded = tagged(fact, Tag.EMBEDDED) or tagged(fact, Tag.LITERAL)
        decoded = tagged(fact, Tag.DECODED)
        if tagged(fact, Tag.NETWORK):
            continue  # download-and-execute: its own rule
        if fact.detail == "marshal.loads" and embedded:
            title = "loads Python bytecode hidden in a literal (marshal.loads)"
            yield hit(
                RULE,
                Severity.CRITICAL if runs else Severity.HIGH,
                "high",
                title,
                file,
                fact,
                remediation=REMOVE,
            )
        elif decoded and embedded:
            title = f"runs code decoded from a literal ({fact.detail.rsplit('.', 1)[-1]})"
            yield hit(
                RULE,
                Severity.CRITICAL if runs else Severity.HIGH,
                "high",
                title,
                file,
                fact,
                remediation=REMOVE,
            )
        elif decoded and fact.detail not in _SERIALISERS:
            title = f"runs decoded data as code ({fact.detail.rsplit('.', 1)[-1]})"
            yield hit(RULE, Severity.MEDIUM if runs else Severity.LOW, "medium", title, file, fact)
