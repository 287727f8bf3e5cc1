"""Plain data passed between the pipeline stages.

artifact (open, safely) -> inventory (components) -> checks (findings)
-> policy (verdict) -> report.

Everything here is a frozen dataclass: stages never mutate what they receive.
Package names are canonical (PEP 503) from the moment a Component exists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import Any


class ComponentKind(StrEnum):
    DIST_INFO = "dist-info"  # *.dist-info directory (wheel install)
    EGG_INFO = "egg-info"  # *.egg-info directory or file
    EGG = "egg"  # *.egg directory or zip
    VENDORED = "vendored"  # a copy inside another package (pip/_vendor, botocore/vendored)
    UNCLAIMED = "unclaimed"  # importable code at a site root that no RECORD claims
    # a source distribution (an sdist, not installed): what pip would build and run at
    # install time (setup.py, an in-tree build backend) as well as what it would install
    SDIST = "sdist"


@dataclass(frozen=True)
class Person:
    name: str | None
    email: str | None

    def __str__(self) -> str:
        if self.name and self.email:
            return f"{self.name} <{self.email}>"
        return self.name or self.email or ""


@dataclass(frozen=True)
class BundledPackage:
    """A package a distribution ships inside itself, as the SBOM it carries lists it
    (PEP 770 ``.dist-info/sboms/``): a C library auditwheel copied in, a Rust crate."""

    purl: str  # as listed, qualifiers included ("pkg:rpm/centos/pcre@8.32-17.el7")
    name: str  # as listed
    version: str  # as listed; "" when the SBOM gives none
    sbom: str  # the SBOM file that lists it, posix, relative to the component's tree
    scope: str = ""  # CycloneDX scope as listed ("excluded": not shipped, e.g. build-only)

    @property
    def ecosystem(self) -> str:
        """The purl type: ``rpm``, ``cargo``, ``generic``..."""
        return self.purl[4:].lstrip("/").split("/", 1)[0].lower()


@dataclass(frozen=True)
class Component:
    """One Python distribution (or unclaimed module) found inside an artifact."""

    name: str  # canonical (PEP 503)
    version: str  # as written in the metadata; "" when unknown
    kind: ComponentKind
    location: str  # path of the metadata dir/file (or module) inside its tree, posix
    display_name: str = ""  # the name as the metadata spells it
    version_is_pep440: bool = True  # False: version kept verbatim, compared as a string
    chain: tuple[str, ...] = ()  # nested archives leading to the tree, outermost first
    layer: str | None = None  # image layer digest that provided the metadata
    site_root: str = ""  # the directory the distribution is installed into
    python_version: str | None = None  # "3.12" when the install path tells it
    summary: str = ""
    license_expression: str | None = None  # PEP 639 License-Expression
    licenses: tuple[str, ...] = ()  # License field and license classifiers
    authors: tuple[Person, ...] = ()
    maintainers: tuple[Person, ...] = ()
    project_urls: tuple[tuple[str, str], ...] = ()  # (label, url)
    requires_dist: tuple[str, ...] = ()  # raw Requires-Dist strings
    requires_python: str | None = None
    hashes: tuple[tuple[str, str], ...] = ()  # (algorithm, hex), only when knowable
    installer: str | None = None
    top_level: tuple[str, ...] = ()  # importable names the distribution provides
    files: tuple[str, ...] = ()  # RECORD paths relative to site_root (may be empty)
    vendored_by: str | None = None  # canonical name of the parent for VENDORED
    direct_url: str | None = None  # from direct_url.json
    warnings: tuple[str, ...] = ()  # what could not be read from the metadata
    bundled: tuple[BundledPackage, ...] = ()  # what its own SBOMs list (PEP 770)

    @property
    def purl(self) -> str:
        # no name, no package URL: an sdist whose PKG-INFO, pyproject.toml and names
        # all fail to say which project it is (a function zip with a bare setup.py)
        if self.kind is ComponentKind.UNCLAIMED or not self.name:
            return ""
        from wellcheck.purl import pypi_purl

        return pypi_purl(self.name, self.version)

    @property
    def display_location(self) -> str:
        """Chain of nested archives and the path, joined with '!' (as syft does)."""
        return "!".join((*self.chain, self.location))


@dataclass(frozen=True)
class ArtifactInfo:
    """What an opened artifact is, independent of what is inside."""

    path: str  # as the user gave it (or a pseudo-path such as lambda:NAME)
    kind: str  # directory, lambda-zip, lambda-layer, wheel, zip, sdist, docker-archive, oci-layout
    sha256: str | None = None  # of the artifact file; None for directories
    size: int | None = None
    layers: tuple[str, ...] = ()  # image layer digests, bottom first
    python_version: str | None = None  # of the runtime, when the artifact tells it
    warnings: tuple[str, ...] = ()
    # PYTHONPATH the artifact sets (an image's Env): where start-up hooks are looked for;
    # not part of the JSON view
    python_path: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """The JSON view every report and listing uses."""
        return {
            "path": self.path,
            "kind": self.kind,
            "sha256": self.sha256,
            "size": self.size,
            "layers": list(self.layers),
            "python_version": self.python_version,
            "warnings": list(self.warnings),
        }


class Severity(IntEnum):
    UNKNOWN = 0
    INFO = 1
    LOW = 2
    MEDIUM = 3
    HIGH = 4
    CRITICAL = 5

    def __str__(self) -> str:
        return self.name.lower()


# CycloneDX 1.6 impact-analysis states and justifications (``vulnerabilities[].analysis``):
# the vocabulary of an ignore entry's ``state``/``justification`` and of VEX input
VEX_STATES = (
    "resolved",
    "resolved_with_pedigree",
    "exploitable",
    "in_triage",
    "false_positive",
    "not_affected",
)
VEX_JUSTIFICATIONS = (
    "code_not_present",
    "code_not_reachable",
    "requires_configuration",
    "requires_dependency",
    "requires_environment",
    "protected_by_compiler",
    "protected_at_runtime",
    "protected_at_perimeter",
    "protected_by_mitigating_control",
)


@dataclass(frozen=True)
class Suppression:
    """Why a finding was moved to ``ignored``: an ignore entry or a VEX statement."""

    reason: str  # the ignore entry's reason; the statement's detail (or its justification)
    origin: str  # "FILE, entry N" or "FILE, statement N"
    state: str | None = None  # one of VEX_STATES, when the entry or statement gives one
    justification: str | None = None  # one of VEX_JUSTIFICATIONS, likewise


@dataclass(frozen=True)
class Finding:
    """Something a check found about a component."""

    kind: str  # "advisory", "malicious", "typosquat", "integrity", "pypi", ...
    rule: str  # advisory id or a stable WC-... rule id
    package: str  # canonical name
    version: str
    severity: Severity
    title: str
    location: str = ""  # display_location of the component's metadata
    # the file the finding is about, when it is not the metadata (a changed or added file,
    # code that does something): posix, relative to the artifact, nested archives joined
    # with '!' as in ``location``; with the 1-based line where one is known
    path: str = ""
    line: int | None = None
    id: str | None = None  # advisory id, for advisories
    aliases: tuple[str, ...] = ()
    fixed: str | None = None  # smallest fixed version above the installed one
    score: float | None = None  # CVSS base score when known
    confidence: str | None = None  # "high" | "medium" | "low" for heuristics
    evidence: str = ""
    remediation: str = ""
    url: str | None = None
    suppression: Suppression | None = None  # set on the findings in ArtifactResult.ignored


@dataclass(frozen=True)
class SkippedCheck:
    """A check that could not be evaluated: never a silent pass."""

    source: str  # "osv-offline", "osv-api", "pypi", "popular-names", ...
    reason: str
    package: str | None = None  # None: the whole source was unavailable
    version: str | None = None


@dataclass(frozen=True)
class ArtifactResult:
    artifact: ArtifactInfo
    components: tuple[Component, ...]
    findings: tuple[Finding, ...] = ()
    skipped: tuple[SkippedCheck, ...] = ()
    ignored: tuple[Finding, ...] = ()  # suppressed by the ignore file or a VEX statement
    error: str | None = None  # the artifact could not be opened or read (input error, exit 2)
    # checks that cannot apply to this kind of input (file checks on an SBOM): reported,
    # but the scan is not incomplete for them (the user chose the input)
    not_applicable: tuple[SkippedCheck, ...] = ()

    @property
    def complete(self) -> bool:
        return not self.skipped and self.error is None


@dataclass(frozen=True)
class ScanOutcome:
    results: tuple[ArtifactResult, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)  # e.g. expired ignore entries
