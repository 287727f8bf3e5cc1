"""Bytecode the source does not explain.

* WC-CODE-SOURCELESS: importable ``.pyc`` files without a ``.py`` beside them (the
  bytecode cannot be analysed, only decompiled): medium when all of the
  distribution's code is like that, low for some modules.
* WC-CODE-PYC-MISMATCH: an unchecked hash-based ``__pycache__`` file whose hash is
  not its source's: CPython runs it instead of the source: high.
* WC-CODE-UNPARSABLE: a source file that does not parse while bytecode for it sits
  beside it: CPython would run that bytecode if its header matches: medium.
"""

from __future__ import annotations

from collections.abc import Iterator

from wellcheck.models import Severity
from wellcheck.signals.behaviour.rules.context import Hit, Subject


def rule(subject: Subject) -> Iterator[Hit]:
    if subject.sourceless:
        listed = ", ".join(subject.sourceless[:3])
        more = f" and {len(subject.sourceless) - 3} more" if len(subject.sourceless) > 3 else ""
        alone = subject.sources == 0
        title = "ships only bytecode, no source" if alone else "ships modules as bytecode only"
        severity = Severity.MEDIUM if alone else Severity.LOW
        yield Hit(
            "WC-CODE-SOURCELESS",
            severity,
            "medium",
            title,
            subject.sourceless[0],
            None,
            f"{listed}{more}: not analysed (bytecode is never unmarshalled)",
        )
    for note in subject.pycs[:1]:
        yield Hit(
            "WC-CODE-PYC-MISMATCH",
            Severity.HIGH,
            "high",
            "runs bytecode its source does not show",
            note.path,
            None,
            note.issue,
        )
    for file in subject.files:
        if file.syntax_error and file.path in subject.compiled:
            yield Hit(
                "WC-CODE-UNPARSABLE",
                Severity.MEDIUM,
                "medium",
                "source does not parse but bytecode for it is shipped",
                file.path,
                None,
                f"{file.path}: {file.syntax_error}; the bytecode beside it is what would run",
            )
            return
