"""CVSS v4.0 scores by the FIRST specification's MacroVector method (section 8).

1. The vector is parsed strictly: the ``CVSS:4.0/`` prefix, the eleven Base
   metrics all present, every metric known and given once, every value valid.
   Threat (``E``), Environmental (``CR``.. ``MSA``) and Supplemental metrics are
   accepted; the first two change the score exactly as in the FIRST calculator
   (an absent ``E`` counts as Attacked, absent ``CR/IR/AR`` as High, ``M*``
   metrics replace their Base metric), Supplemental ones never do.  Metric order
   is not enforced (it does not change the meaning).  Anything else -> None.
2. Six equivalence classes EQ1..EQ6 give the MacroVector (e.g. ``"001100"``),
   whose score comes from the 270-entry table published with the specification.
3. The vector's severity distance from the highest-severity vectors of its
   MacroVector, as a proportion of the MacroVector's depth, scales the score
   difference to each next-lower MacroVector; the mean of those is subtracted
   and the result rounded half up to one decimal.

The arithmetic is done on the same binary floating-point values, in the same
order, as FIRST's reference calculator (github.com/FIRSTdotorg/cvss-v4-calculator,
``cvss40.js``), so scores that fall on a rounding boundary agree with it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from itertools import product

_VALUES: dict[str, tuple[str, ...]] = {
    # Base (mandatory)
    "AV": ("N", "A", "L", "P"),
    "AC": ("L", "H"),
    "AT": ("N", "P"),
    "PR": ("N", "L", "H"),
    "UI": ("N", "P", "A"),
    "VC": ("H", "L", "N"),
    "VI": ("H", "L", "N"),
    "VA": ("H", "L", "N"),
    "SC": ("H", "L", "N"),
    "SI": ("H", "L", "N"),
    "SA": ("H", "L", "N"),
    # Threat
    "E": ("X", "A", "P", "U"),
    # Environmental
    "CR": ("X", "H", "M", "L"),
    "IR": ("X", "H", "M", "L"),
    "AR": ("X", "H", "M", "L"),
    "MAV": ("X", "N", "A", "L", "P"),
    "MAC": ("X", "L", "H"),
    "MAT": ("X", "N", "P"),
    "MPR": ("X", "N", "L", "H"),
    "MUI": ("X", "N", "P", "A"),
    "MVC": ("X", "H", "L", "N"),
    "MVI": ("X", "H", "L", "N"),
    "MVA": ("X", "H", "L", "N"),
    "MSC": ("X", "H", "L", "N"),
    "MSI": ("X", "S", "H", "L", "N"),
    "MSA": ("X", "S", "H", "L", "N"),
    # Supplemental (never scored)
    "S": ("X", "N", "P"),
    "AU": ("X", "N", "Y"),
    "R": ("X", "A", "U", "I"),
    "V": ("X", "D", "C"),
    "RE": ("X", "L", "M", "H"),
    "U": ("X", "Clear", "Green", "Amber", "Red"),
}
_BASE = ("AV", "AC", "AT", "PR", "UI", "VC", "VI", "VA", "SC", "SI", "SA")
_WORST_WHEN_ABSENT = {"E": "A", "CR": "H", "IR": "H", "AR": "H"}
_IMPACTS = ("VC", "VI", "VA", "SC", "SI", "SA")

# MacroVector scores (FIRST, CVSS v4.0 specification, cvss_lookup.js).  One row
# per EQ1 EQ2 EQ3 prefix; its scores run over EQ4 (0-2), then EQ5 (0-2), then
# EQ6 (0-1), fastest last.  EQ3 = 2 exists only with EQ6 = 1 (nine scores).
_TABLE_ROWS = """
000 10 9.9 9.8 9.5 9.5 9.2 10 9.6 9.3 8.7 9.1 8.1 9.3 9 8.9 8 8.1 6.8
001 9.8 9.5 9.5 9.2 9 8.4 9.3 9.2 8.9 8.1 8.1 6.5 8.8 8 7.8 7 6.9 4.8
002 9.2 8.2 7.2 7.9 6.9 5 6.9 5.5 2.7
010 9.9 9.7 9.5 9.2 9.2 8.5 9.5 9.1 9 8.3 8.4 7.1 9.2 8.1 8.2 7.1 7.2 5.3
011 9.5 9.3 9.2 8.5 8.5 7.3 9.2 8.2 8 7.2 7 5.9 8.4 7 7.1 5.2 5 3
012 8.6 7.5 5.2 7.1 5.2 2.9 6.3 2.9 1.7
100 9.8 9.5 9.4 8.7 9.1 8.1 9.4 8.9 8.6 7.4 7.7 6.4 8.7 7.5 7.4 6.3 6.3 4.9
101 9.4 8.9 8.8 7.7 7.6 6.7 8.6 7.6 7.4 5.8 5.9 5 7.2 5.7 5.7 5.2 5.2 2.5
102 8.3 7 5.4 6.5 5.8 2.6 5.3 2.1 1.3
110 9.5 9 8.8 7.6 7.6 7 9 7.7 7.5 6.2 6.1 5.3 7.7 6.6 6.8 5.9 5.2 3
111 8.9 7.8 7.6 6.7 6.2 5.8 7.4 5.9 5.7 5.7 4.7 2.3 6.1 5.2 5.7 2.9 2.4 1.6
112 7.1 5.9 3 5.8 2.6 1.5 2.3 1.3 0.6
200 9.3 8.7 8.6 7.2 7.5 5.8 8.6 7.4 7.4 6.1 5.6 3.4 7 5.4 5.2 4 4 2.2
201 8.5 7.5 7.4 5.5 6.2 5.1 7.2 5.7 5.5 4.1 4.6 1.9 5.3 3.6 3.4 1.9 1.9 0.8
202 6.4 5.1 2 4.7 2.1 1.1 2.4 0.9 0.4
210 8.8 7.5 7.3 5.3 6 5 7.3 5.5 5.9 4 4.1 2 5.4 4.3 4.5 2.2 2 1.1
211 7.5 5.5 5.8 4.5 4 2.1 6.1 5.1 4.8 1.8 2 0.9 4.6 1.8 1.7 0.7 0.8 0.2
212 5.3 2.4 1.4 2.4 1.2 0.5 1 0.3 0.1
"""


def _table() -> dict[str, float]:
    table: dict[str, float] = {}
    for line in _TABLE_ROWS.split("\n"):
        if not line:
            continue
        prefix, *scores = line.split()
        eq6s = (1,) if prefix[2] == "2" else (0, 1)
        keys = [f"{prefix}{eq4}{eq5}{eq6}" for eq4, eq5, eq6 in product(range(3), range(3), eq6s)]
        table.update(zip(keys, map(float, scores), strict=True))
    return table


MACROVECTORS = _table()

# Severity level of each value, in steps of 0.1 (lower is more severe).
_LEVELS: dict[str, dict[str, float]] = {
    "AV": {"N": 0.0, "A": 0.1, "L": 0.2, "P": 0.3},
    "PR": {"N": 0.0, "L": 0.1, "H": 0.2},
    "UI": {"N": 0.0, "P": 0.1, "A": 0.2},
    "AC": {"L": 0.0, "H": 0.1},
    "AT": {"N": 0.0, "P": 0.1},
    "VC": {"H": 0.0, "L": 0.1, "N": 0.2},
    "VI": {"H": 0.0, "L": 0.1, "N": 0.2},
    "VA": {"H": 0.0, "L": 0.1, "N": 0.2},
    "SC": {"H": 0.1, "L": 0.2, "N": 0.3},
    "SI": {"S": 0.0, "H": 0.1, "L": 0.2, "N": 0.3},
    "SA": {"S": 0.0, "H": 0.1, "L": 0.2, "N": 0.3},
    "CR": {"H": 0.0, "M": 0.1, "L": 0.2},
    "IR": {"H": 0.0, "M": 0.1, "L": 0.2},
    "AR": {"H": 0.0, "M": 0.1, "L": 0.2},
    "E": {"U": 0.2, "P": 0.1, "A": 0.0},
}

# Highest-severity vectors of each class (EQ3 and EQ6 jointly, keyed by (eq3, eq6)).
_MAX_EQ1 = {
    0: ("AV:N/PR:N/UI:N",),
    1: ("AV:A/PR:N/UI:N", "AV:N/PR:L/UI:N", "AV:N/PR:N/UI:P"),
    2: ("AV:P/PR:N/UI:N", "AV:A/PR:L/UI:P"),
}
_MAX_EQ2 = {0: ("AC:L/AT:N",), 1: ("AC:H/AT:N", "AC:L/AT:P")}
_MAX_EQ3EQ6 = {
    (0, 0): ("VC:H/VI:H/VA:H/CR:H/IR:H/AR:H",),
    (0, 1): ("VC:H/VI:H/VA:L/CR:M/IR:M/AR:H", "VC:H/VI:H/VA:H/CR:M/IR:M/AR:M"),
    (1, 0): ("VC:L/VI:H/VA:H/CR:H/IR:H/AR:H", "VC:H/VI:L/VA:H/CR:H/IR:H/AR:H"),
    (1, 1): (
        "VC:L/VI:H/VA:L/CR:H/IR:M/AR:H",
        "VC:L/VI:H/VA:H/CR:H/IR:M/AR:M",
        "VC:H/VI:L/VA:H/CR:M/IR:H/AR:M",
        "VC:H/VI:L/VA:L/CR:M/IR:H/AR:H",
        "VC:L/VI:L/VA:H/CR:H/IR:H/AR:M",
    ),
    (2, 1): ("VC:L/VI:L/VA:L/CR:H/IR:H/AR:H",),
}
_MAX_EQ4 = {0: ("SC:H/SI:S/SA:S",), 1: ("SC:H/SI:H/SA:H",), 2: ("SC:L/SI:L/SA:L",)}
_MAX_EQ5 = {0: ("E:A",), 1: ("E:P",), 2: ("E:U",)}
# Depth of each class in severity steps (+1), i.e. the largest distance inside it.
_DEPTH_EQ1 = {0: 1, 1: 4, 2: 5}
_DEPTH_EQ2 = {0: 1, 1: 2}
_DEPTH_EQ3EQ6 = {(0, 0): 7, (0, 1): 6, (1, 0): 8, (1, 1): 8, (2, 1): 10}
_DEPTH_EQ4 = {0: 6, 1: 5, 2: 4}
_STEP = 0.1


def parse_vector(vector: str) -> dict[str, str] | None:
    """The metrics of a well-formed CVSS v4.0 vector, or None."""
    head, sep, rest = vector.strip().partition("/")
    if head != "CVSS:4.0" or not sep:
        return None
    metrics: dict[str, str] = {}
    for part in rest.split("/"):
        key, sep, value = part.partition(":")
        if not sep or key in metrics or value not in _VALUES.get(key, ()):
            return None
        metrics[key] = value
    if any(key not in metrics for key in _BASE):
        return None
    return metrics


def _effective(metrics: Mapping[str, str], key: str) -> str:
    value = metrics.get(key, "X")
    if value == "X" and key in _WORST_WHEN_ABSENT:
        return _WORST_WHEN_ABSENT[key]
    modified = metrics.get("M" + key, "X")
    return modified if modified != "X" else value


def macrovector(metrics: Mapping[str, str]) -> str:
    """EQ1..EQ6 of parsed metrics, as the six-digit MacroVector key."""
    m = {key: _effective(metrics, key) for key in (*_BASE, *_WORST_WHEN_ABSENT)}
    av, pr, ui = m["AV"], m["PR"], m["UI"]
    if av == pr == ui == "N":
        eq1 = 0
    elif "N" in (av, pr, ui) and av != "P":
        eq1 = 1
    else:
        eq1 = 2
    eq2 = 0 if (m["AC"], m["AT"]) == ("L", "N") else 1
    if m["VC"] == m["VI"] == "H":
        eq3 = 0
    elif "H" in (m["VC"], m["VI"], m["VA"]):
        eq3 = 1
    else:
        eq3 = 2
    if "S" in (metrics.get("MSI"), metrics.get("MSA")):
        eq4 = 0
    elif "H" in (m["SC"], m["SI"], m["SA"]):
        eq4 = 1
    else:
        eq4 = 2
    eq5 = {"A": 0, "P": 1, "U": 2}[m["E"]]
    required = (("CR", "VC"), ("IR", "VI"), ("AR", "VA"))
    eq6 = 0 if any(m[req] == m[imp] == "H" for req, imp in required) else 1
    return f"{eq1}{eq2}{eq3}{eq4}{eq5}{eq6}"


def _distances(metrics: Mapping[str, str], highest: str) -> dict[str, float]:
    top = dict(part.split(":") for part in highest.split("/"))
    return {
        key: levels[_effective(metrics, key)] - levels[top[key]] for key, levels in _LEVELS.items()
    }


def _lower(eqs: list[int], index: int) -> float | None:
    """Score of the MacroVector one step less severe in EQ ``index``, if it exists."""
    lower = list(eqs)
    lower[index] += 1
    return MACROVECTORS.get("".join(map(str, lower)))


def _lower_eq3eq6(eqs: list[int]) -> float | None:
    eq3, eq6 = eqs[2], eqs[5]
    if (eq3, eq6) == (0, 0):  # two ways down: take the more severe one
        left, right = _lower(eqs, 5), _lower(eqs, 2)
        return None if left is None or right is None else max(left, right)
    if (eq3, eq6) == (1, 0):
        return _lower(eqs, 5)
    if (eq3, eq6) in ((0, 1), (1, 1)):
        return _lower(eqs, 2)
    return None  # (2, 1) is the least severe


def _round_half_up(value: float) -> float:
    """One decimal, halves up; the 1e-6 is FIRST's own (cvss_score.js, 2024-11-01 fix):
    without it 522 base vectors whose exact score ends in .x5 land 0.1 too low."""
    return math.floor((value + 1e-6) * 10 + 0.5) / 10


def cvss4_score(vector: str) -> float | None:
    """The CVSS v4.0 score of a vector (CVSS-B, -BT, -BE or -BTE), or None if malformed."""
    metrics = parse_vector(vector)
    if metrics is None:
        return None
    if all(_effective(metrics, key) == "N" for key in _IMPACTS):
        return 0.0
    macro = macrovector(metrics)
    value = MACROVECTORS[macro]
    eqs = [int(digit) for digit in macro]
    eq1, eq2, eq3, eq4, eq5, eq6 = eqs

    candidates = product(
        _MAX_EQ1[eq1], _MAX_EQ2[eq2], _MAX_EQ3EQ6[eq3, eq6], _MAX_EQ4[eq4], _MAX_EQ5[eq5]
    )
    distances: dict[str, float] = {}
    for parts in candidates:  # the first highest vector this one does not exceed
        distances = _distances(metrics, "/".join(parts))
        if all(d >= 0 for d in distances.values()):
            break
    # (one always fits a Base/Threat vector; for odd Environmental mixes none may,
    # and like the reference calculator we then keep the last one tried)
    d = distances
    current = (
        d["AV"] + d["PR"] + d["UI"],
        d["AC"] + d["AT"],
        d["VC"] + d["VI"] + d["VA"] + d["CR"] + d["IR"] + d["AR"],
        d["SC"] + d["SI"] + d["SA"],
        0.0,  # EQ5 has a single value per class: no distance inside it
    )
    depths = (
        _DEPTH_EQ1[eq1] * _STEP,
        _DEPTH_EQ2[eq2] * _STEP,
        _DEPTH_EQ3EQ6[eq3, eq6] * _STEP,
        _DEPTH_EQ4[eq4] * _STEP,
        1.0,
    )
    lowers = (
        _lower(eqs, 0),
        _lower(eqs, 1),
        _lower_eq3eq6(eqs),
        _lower(eqs, 3),
        _lower(eqs, 4),
    )
    total, existing = 0.0, 0
    for lower, distance, depth in zip(lowers, current, depths, strict=True):
        if lower is not None:  # no lower MacroVector: this EQ does not count
            existing += 1
            total += (value - lower) * (distance / depth)
    mean = total / existing if existing else 0.0
    return _round_half_up(max(0.0, min(10.0, value - mean)))
