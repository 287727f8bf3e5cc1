"""CVSS vectors to scores and severity levels.

- CVSS v3.0/v3.1: the full v3.1 base-score formula (FIRST specification,
  section 7.1, with the v3.1 ``Roundup``).  v3.0 vectors are scored with the
  same formula; the two differ only in rounding edge cases.
- CVSS v4.0: the specification's MacroVector method (equivalence classes,
  the 270-entry MacroVector table, severity-distance interpolation), in
  ``cvss4.py``; Threat and Environmental metrics in the vector are honoured.

Levels from scores follow the CVSS qualitative scale: 0.1-3.9 low,
4.0-6.9 medium, 7.0-8.9 high, 9.0-10.0 critical (0.0 -> INFO).
"""

from __future__ import annotations

import math

from wellcheck.advisories.cvss4 import cvss4_score
from wellcheck.models import Severity

_AV = {"N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2}
_AC = {"L": 0.77, "H": 0.44}
_PR_UNCHANGED = {"N": 0.85, "L": 0.62, "H": 0.27}
_PR_CHANGED = {"N": 0.85, "L": 0.68, "H": 0.5}
_UI = {"N": 0.85, "R": 0.62}
_CIA = {"H": 0.56, "L": 0.22, "N": 0.0}
_V3_REQUIRED = ("AV", "AC", "PR", "UI", "S", "C", "I", "A")


def _metrics(vector: str) -> dict[str, str]:
    parts = vector.strip().split("/")
    out: dict[str, str] = {}
    for part in parts[1:] if parts and parts[0].startswith("CVSS:") else parts:
        key, sep, value = part.partition(":")
        if sep:
            out[key] = value
    return out


def _roundup(value: float) -> float:
    """CVSS v3.1 Roundup: smallest one-decimal number >= value, float-safe."""
    as_int = round(value * 100_000)
    if as_int % 10_000 == 0:
        return as_int / 100_000.0
    return (math.floor(as_int / 10_000) + 1) / 10.0


def cvss3_base_score(vector: str) -> float | None:
    """Base score of a CVSS v3.x vector, or None when the vector is malformed."""
    m = _metrics(vector)
    if any(k not in m for k in _V3_REQUIRED):
        return None
    try:
        changed = {"U": False, "C": True}[m["S"]]
        pr = (_PR_CHANGED if changed else _PR_UNCHANGED)[m["PR"]]
        av, ac, ui = _AV[m["AV"]], _AC[m["AC"]], _UI[m["UI"]]
        c, i, a = _CIA[m["C"]], _CIA[m["I"]], _CIA[m["A"]]
    except KeyError:
        return None
    iss = 1 - (1 - c) * (1 - i) * (1 - a)
    impact = 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02) ** 15 if changed else 6.42 * iss
    exploitability = 8.22 * av * ac * pr * ui
    if impact <= 0:
        return 0.0
    total = 1.08 * (impact + exploitability) if changed else impact + exploitability
    return _roundup(min(total, 10.0))


def cvss4_level(vector: str) -> Severity:
    """Level of a CVSS v4.0 vector's score; UNKNOWN if the vector is malformed."""
    score = cvss4_score(vector)
    return Severity.UNKNOWN if score is None else level_from_score(score)


def level_from_score(score: float) -> Severity:
    if score >= 9.0:
        return Severity.CRITICAL
    if score >= 7.0:
        return Severity.HIGH
    if score >= 4.0:
        return Severity.MEDIUM
    if score >= 0.1:
        return Severity.LOW
    return Severity.INFO


_WORDS = {
    "CRITICAL": Severity.CRITICAL,
    "HIGH": Severity.HIGH,
    "MODERATE": Severity.MEDIUM,
    "MEDIUM": Severity.MEDIUM,
    "LOW": Severity.LOW,
}


def level_from_word(word: object) -> Severity:
    """GHSA-style ``database_specific.severity`` ("MODERATE" ...) to a level."""
    if not isinstance(word, str):
        return Severity.UNKNOWN
    return _WORDS.get(word.strip().upper(), Severity.UNKNOWN)
