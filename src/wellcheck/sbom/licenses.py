"""What a distribution declares about its licence, sorted into SPDX ids, one
expression, or free-text names.  Shared by the CycloneDX and SPDX writers.

Order of trust: PEP 639 ``License-Expression`` (kept verbatim); otherwise the
``License`` field and license classifiers, each mapped to an SPDX id only when
the mapping is unambiguous ("Apache Software License" names no version, so it
stays a name).  Nothing is guessed from file contents.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass

from wellcheck.models import Component

# Classifier tails and common free-text spellings that name exactly one SPDX id.
_KNOWN_NAMES: dict[str, str] = {
    "mit license": "MIT",
    "the mit license": "MIT",
    "mit-0": "MIT-0",
    "mit no attribution license (mit-0)": "MIT-0",
    "isc license (iscl)": "ISC",
    "isc license": "ISC",
    "apache 2.0": "Apache-2.0",
    "apache 2": "Apache-2.0",
    "apache-2": "Apache-2.0",
    "apache license 2.0": "Apache-2.0",
    "apache license, version 2.0": "Apache-2.0",
    "apache license version 2.0": "Apache-2.0",
    "apache software license 2.0": "Apache-2.0",
    "apache software license, version 2.0": "Apache-2.0",
    "bsd 3-clause": "BSD-3-Clause",
    "bsd 3-clause license": "BSD-3-Clause",
    "3-clause bsd": "BSD-3-Clause",
    "3-clause bsd license": "BSD-3-Clause",
    "new bsd": "BSD-3-Clause",
    "new bsd license": "BSD-3-Clause",
    "modified bsd": "BSD-3-Clause",
    "bsd 2-clause": "BSD-2-Clause",
    "bsd 2-clause license": "BSD-2-Clause",
    "simplified bsd": "BSD-2-Clause",
    "python software foundation license": "PSF-2.0",
    "psf": "PSF-2.0",
    "psfl": "PSF-2.0",
    "mozilla public license 2.0 (mpl 2.0)": "MPL-2.0",
    "mpl 2.0": "MPL-2.0",
    "the unlicense (unlicense)": "Unlicense",
    "zlib/libpng license": "Zlib",
    "boost software license 1.0 (bsl-1.0)": "BSL-1.0",
    "cc0 1.0 universal (cc0 1.0) public domain dedication": "CC0-1.0",
    "eclipse public license 2.0 (epl-2.0)": "EPL-2.0",
    "gnu affero general public license v3": "AGPL-3.0-only",
    "european union public licence 1.2 (eupl 1.2)": "EUPL-1.2",
}
_UNKNOWN = {"", "unknown", "none", "unlicensed", "license", "see license", "see license file"}
_NAME_MAX = 120


@dataclass(frozen=True)
class DeclaredLicenses:
    expression: str | None = None  # the one expression that says it all
    ids: tuple[str, ...] = ()  # SPDX license ids (exact spelling of the SPDX list)
    names: tuple[tuple[str, str], ...] = ()  # (short name, full text or "") not on the list

    @property
    def empty(self) -> bool:
        return not (self.expression or self.ids or self.names)

    def spdx_declared(self) -> str:
        """An SPDX 2.3 licenseDeclared value: an expression, one id, or NOASSERTION."""
        if self.expression and is_expression(self.expression):
            return self.expression
        if self.ids and not self.names and not self.expression:
            return self.ids[0] if len(self.ids) == 1 else "NOASSERTION"
        return "NOASSERTION"

    def describe(self) -> str:
        """Everything declared, for a human (SPDX licenseComments)."""
        parts = [self.expression or "", *self.ids, *(name for name, _ in self.names)]
        return "; ".join(p for p in parts if p)


@functools.cache
def _spdx_ids() -> dict[str, str]:
    """SPDX license ids by lower case, from the list cyclonedx-python-lib validates against.

    Read directly from the library's bundled list: importing ``cyclonedx.spdx``
    also builds a licence-expression parser (~25 ms) that most runs never use.
    """
    from cyclonedx.schema._res import SPDX_JSON

    with open(SPDX_JSON, encoding="utf-8") as fh:  # noqa: PTH123 - the library gives a str path
        ids: list[str] = json.load(fh).get("enum", [])
    return {spdx_id.lower(): spdx_id for spdx_id in ids}


@functools.cache
def _spdx_id_set() -> frozenset[str]:
    return frozenset(_spdx_ids().values())


def fixup_id(value: str) -> str | None:
    """The SPDX id ``value`` names (case-insensitively), or None."""
    return _spdx_ids().get(value.lower())


def is_expression(value: str) -> bool:
    """Is ``value`` an SPDX license expression a consumer will accept?

    A strict subset of SPDX annex D: ids exactly as listed (``+`` allowed),
    upper-case AND/OR/WITH, an exception id after WITH, balanced parentheses.
    No ``LicenseRef-``: a document would have to define it.  (The
    license-expression package would cost ~40 ms to import.)"""
    tokens = re.findall(r"\(|\)|[^\s()]+", value)
    pos = _expression(tokens, 0)
    return pos is not None and pos == len(tokens)


def _expression(tokens: list[str], pos: int) -> int | None:
    pos_or_none = _term(tokens, pos)
    while pos_or_none is not None and pos_or_none < len(tokens):
        if tokens[pos_or_none] not in ("AND", "OR"):
            return pos_or_none
        pos_or_none = _term(tokens, pos_or_none + 1)
    return pos_or_none


def _term(tokens: list[str], pos: int) -> int | None:
    if pos >= len(tokens):
        return None
    if tokens[pos] == "(":
        end = _expression(tokens, pos + 1)
        return end + 1 if end is not None and end < len(tokens) and tokens[end] == ")" else None
    if not _is_license(tokens[pos]):
        return None
    pos += 1
    if pos < len(tokens) and tokens[pos] == "WITH":
        if pos + 1 >= len(tokens) or not _is_exception(tokens[pos + 1]):
            return None
        pos += 2
    return pos


def _is_license(token: str) -> bool:
    plain = token.removesuffix("+")
    return plain in _spdx_id_set() and "exception" not in plain.lower()


def _is_exception(token: str) -> bool:
    return token in _spdx_id_set() and "exception" in token.lower()


def declared_licenses(component: Component) -> DeclaredLicenses:
    if component.license_expression and component.license_expression.strip():
        return DeclaredLicenses(expression=component.license_expression.strip())
    values = [v.strip() for v in dict.fromkeys(component.licenses) if v and v.strip()]
    fields = [v for v in values if not v.startswith("License ::")]
    if len(fields) == 1 and _is_compound(fields[0]) and is_expression(fields[0]):
        return DeclaredLicenses(expression=fields[0])
    ids: dict[str, None] = {}
    names: dict[str, str] = {}
    for value in values:
        short = value.rsplit("::", 1)[-1].strip() if value.startswith("License ::") else value
        if short.lower() in _UNKNOWN or short.lower() == "osi approved":
            continue
        spdx_id = fixup_id(short) or _KNOWN_NAMES.get(short.lower())
        if spdx_id:
            ids[spdx_id] = None
            continue
        first = next((line.strip() for line in short.splitlines() if line.strip()), short)
        name = first if len(first) <= _NAME_MAX else f"{first[: _NAME_MAX - 3]}..."
        keep_text = value != name and not value.startswith("License ::")
        names.setdefault(name, value if keep_text else "")
    return DeclaredLicenses(ids=tuple(ids), names=tuple(names.items()))


def _is_compound(value: str) -> bool:
    padded = f" {value.upper()} "
    return any(op in padded for op in (" OR ", " AND ", " WITH "))
