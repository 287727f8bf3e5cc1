"""WC-CODE-OBFUSCATED: obfuscated code and hidden destinations.

An obfuscator's runtime, signature or banner (PyArmor's ``__pyarmor__``/
``pytransform``, an ``__obfuscator__`` global, pyobfuscate, BlankOBF, "obfuscated
with ...", Hyperion's letters sliced from ``oct.__str__()``) is high: a dependency
whose code cannot be read has no place in a function.  So is a network destination
decoded at run time from an obfuscated literal.  A very long high-entropy literal
alone is info (fonts, certificates and test vectors are long literals too); decoding
and running one is WC-CODE-DECODE-EXEC.
"""

from __future__ import annotations

from collections.abc import Iterator

from wellcheck.models import Severity
from wellcheck.signals.behaviour.facts import Kind, Tag
from wellcheck.signals.behaviour.indicators import Category
from wellcheck.signals.behaviour.rules.context import Hit, Subject, facts, hit, tagged

RULE = "WC-CODE-OBFUSCATED"


def rule(subject: Subject) -> Iterator[Hit]:
    marked = [
        (file, fact)
        for file, fact in facts(subject, Kind.INDICATOR, Kind.OBFUSCATOR)
        if fact.kind is Kind.OBFUSCATOR or fact.detail == Category.OBFUSCATOR.value
    ]
    for file, fact in marked[:1]:
        title = "ships obfuscated code (an obfuscator's runtime or banner)"
        if fact.detail == "builtin-repr":
            title = "ships obfuscated code (names spelled from the text of builtins)"
        severity = Severity.HIGH
        yield hit(RULE, severity, "medium", title, file, fact, "its real behaviour cannot be read")
    if marked:
        return
    for file, fact in facts(subject, Kind.NETWORK):
        if tagged(fact, Tag.HIDDEN):
            severity = Severity.HIGH
            title = "connects to an address it decodes at run time"
            yield hit(RULE, severity, "medium", title, file, fact, "the destination is obfuscated")
            return
    for file, fact in facts(subject, Kind.ENTROPY):
        title = "holds a very long high-entropy literal"
        yield hit(RULE, Severity.INFO, "low", title, file, fact, fact.detail)
        return
