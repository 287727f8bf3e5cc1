"""VEX statements as wellcheck uses them, and a JSON reader that names what is wrong.

A statement says, for one vulnerability (its id and aliases) and some PyPI packages
(``Target``: a name, and a version when the statement gives one), what state they are
in.  States and justifications are kept in CycloneDX's vocabulary (``VEX_STATES``,
``VEX_JUSTIFICATIONS`` in :mod:`wellcheck.models`); OpenVEX's are mapped on reading.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from wellcheck.models import Finding, Suppression
from wellcheck.policy import PolicyError

T = TypeVar("T")

#: states that make a finding go away: the package is not affected, the match was wrong,
#: or the flaw was fixed in what is deployed.  ``exploitable`` and ``in_triage`` (OpenVEX
#: ``affected`` and ``under_investigation``) suppress nothing.
SUPPRESSING_STATES = frozenset(
    {"not_affected", "false_positive", "resolved", "resolved_with_pedigree"}
)


class VexError(PolicyError):
    """A VEX document is unreadable or malformed (usage error, exit 2)."""


@dataclass(frozen=True)
class Target:
    """A PyPI package a statement is about: every version when ``version`` is None."""

    name: str  # canonical (PEP 503)
    version: str | None = None

    def matches(self, finding: Finding) -> bool:
        if self.name != finding.package:
            return False
        return self.version is None or same_version(self.version, finding.version)


@dataclass(frozen=True)
class VexStatement:
    ids: tuple[str, ...]  # the vulnerability's id, then its aliases
    targets: tuple[Target, ...]
    state: str  # one of VEX_STATES
    justification: str | None  # one of VEX_JUSTIFICATIONS
    reason: str  # what the statement says, for the report (label, detail)
    origin: str  # "FILE, statement N"
    timestamp: dt.datetime | None = None  # when it was made (aware), when known

    @property
    def suppresses(self) -> bool:
        return self.state in SUPPRESSING_STATES

    def matches(self, finding: Finding) -> bool:
        wanted = {i.casefold() for i in self.ids}
        ids = (finding.rule, finding.id or "", *finding.aliases)
        if not any(candidate.casefold() in wanted for candidate in ids if candidate):
            return False
        return self.covers(finding)

    def covers(self, finding: Finding) -> bool:
        """Is the finding's package (and version) one the statement is about?"""
        return any(target.matches(finding) for target in self.targets)

    def suppression(self) -> Suppression:
        return Suppression(self.reason, self.origin, self.state, self.justification)


@dataclass(frozen=True)
class VexDocument:
    source: str  # the file, as the user named it
    statements: tuple[VexStatement, ...]
    notes: tuple[str, ...] = ()  # statements or targets that could not be applied


def same_version(a: str, b: str) -> bool:
    """PEP 440 equality (``1.0`` is ``1.0.0``) when both parse, else the same text."""
    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return a == b


def pypi_target(purl: str) -> Target | None:
    """The package a ``pkg:pypi/NAME[@VERSION]`` purl names; None for any other purl.

    Qualifiers and subpath do not narrow the match (a purl naming one file of a release
    is about that release).  Read as :func:`wellcheck.inventory.sbom_fields.pypi_purl`
    reads the purls of an SBOM given to ``scan``.
    """
    from wellcheck.inventory.sbom_fields import pypi_purl

    parsed = pypi_purl(purl.strip())
    if parsed is None or not parsed[0]:
        return None
    name, version = parsed
    return Target(canonicalize_name(name), version or None)


def parse_time(node: Node) -> dt.datetime | None:
    """An ISO 8601 timestamp (aware; a naive one is taken as UTC), or None when absent."""
    if node.value is None:
        return None
    text = node.text()
    try:
        when = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise node.fail("an ISO 8601 timestamp") from None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


class Node:
    """A JSON value with where it came from, for one-line error messages (the path is
    spelled out only when an error names it: a vendor VEX can hold many statements)."""

    def __init__(
        self, value: object, source: str, path: str = "$", parent: Node | None = None
    ) -> None:
        self.value = value
        self.source = source
        self._step = path
        self._parent = parent

    @property
    def path(self) -> str:
        steps: list[str] = []
        node: Node | None = self
        while node is not None:
            steps.append(node._step)
            node = node._parent
        return "".join(reversed(steps))

    def fail(self, expected: str) -> VexError:
        return VexError(f"{self.source}: {self.path}: expected {expected}, got {_kind(self.value)}")

    def typed(self, kind: type[T], expected: str) -> T:
        if not isinstance(self.value, kind) or isinstance(self.value, bool):
            raise self.fail(expected)
        return self.value

    def obj(self) -> Mapping[str, object]:
        return self.typed(dict, "an object")

    def get(self, key: str) -> Node:
        mapping = self.obj()
        if key not in mapping:
            raise VexError(f"{self.source}: {self.path}: missing key {key!r}")
        return Node(mapping[key], self.source, f".{key}", self)

    def opt(self, key: str) -> Node:
        """``key``'s value, or a null node when the key is absent."""
        return Node(self.obj().get(key), self.source, f".{key}", self)

    def items(self) -> list[Node]:
        values = self.typed(list, "an array")
        return [Node(v, self.source, f"[{n}]", self) for n, v in enumerate(values)]

    def opt_items(self) -> list[Node]:
        return [] if self.value is None else self.items()

    def text(self) -> str:
        return self.typed(str, "a string")

    def opt_text(self) -> str | None:
        return None if self.value is None else self.text()

    def choice(self, choices: Mapping[str, T] | tuple[str, ...], expected: str) -> str:
        if not isinstance(self.value, str) or self.value not in choices:
            raise self.fail(expected)
        return self.value


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else f"{value[:40]}..."
        return f"{shown!r}"
    names = {dict: "an object", list: "an array", bool: "a boolean"}
    return names.get(type(value), type(value).__name__)
