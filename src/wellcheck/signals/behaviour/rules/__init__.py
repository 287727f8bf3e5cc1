"""Behaviour rules: one module per family, one signature, one registry.

A rule is ``Callable[[Subject], Iterable[Hit]]``: it sees everything the walk
learnt about one distribution's files (``Subject``) and returns hits with a
stable ``WC-CODE-*`` id, a severity and a confidence.  Context decides severity
(``context.triggered``): the same call is at most low inside a library function
nothing runs at import, and high or critical at import time, at every start-up
(``.pth``, ``sitecustomize``) or at install time (an sdist's ``setup.py``),
especially combined with decoding or an exfiltration endpoint.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from wellcheck.signals.behaviour.rules import (
    bytecode,
    decode_exec,
    download_exec,
    exfiltration,
    import_time,
    miner,
    native,
    obfuscation,
    persistence,
    reverse_shell,
    windows,
)
from wellcheck.signals.behaviour.rules.context import Hit, Subject

Rule = Callable[[Subject], Iterable[Hit]]

RULES: tuple[Rule, ...] = (
    decode_exec.rule,
    obfuscation.rule,
    download_exec.rule,
    reverse_shell.rule,
    exfiltration.rule,
    persistence.rule,
    miner.rule,
    import_time.rule,
    native.rule,
    windows.rule,
    bytecode.rule,
)

__all__ = ["RULES", "Hit", "Rule", "Subject"]
