"""Advisories for what distributions bundle (``Component.bundled``, from PEP 770 SBOMs).

Which bundled packages are looked up: every one with a version, except those the SBOM
marks ``scope: excluded`` (build-time crates such as ``cc`` or ``autocfg``: not in the
wheel) and those built from the project's own tree (a purl whose ``download_url`` is a
``file:`` URL: cargo workspace members; a registry package of that name is another
package, and its advisories would be false alarms).  Each is asked by its purl, without
qualifiers or subpath (``pkg:rpm/centos/pcre@8.32-17.el7``).

Sources: the OSV API covers the ecosystems of :data:`OSV_ECOSYSTEMS` and matches the
version itself (its own version rules: semver for crates, rpm's for Red Hat); the offline
index and pip-audit hold PyPI advisories only.  A bundled package no source covers (with
the offline index: every non-PyPI one; with OSV: CentOS rpms, ``pkg:generic``) is listed
per distribution as *not applicable*: reported in every format, but the scan is not
incomplete for it, because no run of that source could ever check it, and an exit 3 on
every scan of psycopg2-binary would teach teams to ignore exit 3, the one signal that a
source was down.  A bundled package a source covers but could not be asked about (a
network failure) is *not checked* (exit 3), as for any package.

Findings (kind ``advisory`` or ``malicious``, the advisory id as rule): package and
version are the bundled package's, the title says which distribution bundles it, the
location is that distribution's metadata and the path the SBOM file listing the package.
``fixed`` is the bundled package's smallest fixed version above the installed one, when
both are PEP 440-comparable.  RustSec's informational advisories (``unmaintained``,
``notice``: no vulnerability) are ``low``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import unquote

from wellcheck.advisories.interface import Advisory, AdvisorySource, PurlResult
from wellcheck.advisories.matching import parse_version
from wellcheck.advisories.records import to_advisory
from wellcheck.checks import component_finding
from wellcheck.errors import SourceError
from wellcheck.models import BundledPackage, Component, Finding, Severity, SkippedCheck

# purl type, or "type/namespace" for the distributions, -> OSV ecosystem (osv.dev's
# osv/purl_helpers.py, 2025); every other purl has no OSV data to match
OSV_ECOSYSTEMS = {
    "cargo": "crates.io",
    "composer": "Packagist",
    "gem": "RubyGems",
    "golang": "Go",
    "hackage": "Hackage",
    "hex": "Hex",
    "maven": "Maven",
    "npm": "npm",
    "nuget": "NuGet",
    "pub": "Pub",
    "pypi": "PyPI",
    "swift": "SwiftURL",
    "bitnami": "Bitnami",
    "apk/alpine": "Alpine",
    "apk/chainguard": "Chainguard",
    "apk/wolfi": "Wolfi",
    "deb/debian": "Debian",
    "deb/ubuntu": "Ubuntu",
    "rpm/opensuse": "openSUSE",
    "rpm/redhat": "Red Hat",
    "rpm/rocky-linux": "Rocky Linux",
    "rpm/suse": "SUSE",
}
_NAMESPACED = frozenset({"apk", "deb", "rpm"})
_INFORMATIONAL = frozenset({"unmaintained", "notice"})


def osv_query(purl: str) -> tuple[str | None, str]:
    """(the purl to ask OSV about, "") or (None, why OSV has nothing to match it with)."""
    body = purl[4:].lstrip("/") if purl[:4].lower() == "pkg:" else ""
    body = body.split("#", 1)[0].split("?", 1)[0]
    kind, _, rest = body.partition("/")
    kind = kind.lower()
    key = kind
    if kind in _NAMESPACED:
        key = f"{kind}/{rest.partition('/')[0].lower()}"
    if key not in OSV_ECOSYSTEMS:
        return None, f"OSV has no ecosystem for {key or 'this purl'}"
    if "@" not in rest:
        return None, "no version"
    return f"pkg:{kind}/{rest}", ""


def _base(purl: str) -> str:
    """A purl without version, qualifiers or subpath, lower case: the package it names."""
    return purl.split("#", 1)[0].split("?", 1)[0].partition("@")[0].lower()


def bundled_advisory(record: Mapping[str, Any], query: str) -> Advisory | None:
    """An OSV record OSV matched to ``query`` (a purl with a version), as an Advisory."""
    if record.get("withdrawn"):
        return None
    version = query.rpartition("@")[2]
    entries = [e for e in _entries(record) if _same_package(e, query)]
    advisory = to_advisory(record, _fixed_above(entries, version))
    informational = {_text(e, "database_specific", "informational") for e in entries}
    if informational & _INFORMATIONAL and not advisory.malicious:
        kind = sorted(informational & _INFORMATIONAL)[0]
        advisory = replace(advisory, severity=Severity.LOW, summary=f"[{kind}] {advisory.summary}")
    return advisory


def _same_package(entry: Mapping[str, Any], query: str) -> bool:
    """Whether an ``affected`` entry is about the package ``query`` names (by its purl,
    else by OSV ecosystem and name)."""
    purl = _text(entry, "package", "purl")
    if purl:
        return _base(purl) == _base(query)
    kind, _, rest = _base(query)[4:].partition("/")
    key = f"{kind}/{rest.partition('/')[0]}" if kind in _NAMESPACED else kind
    name = unquote(rest.rpartition("/")[2])
    ecosystem = _text(entry, "package", "ecosystem")
    return ecosystem == OSV_ECOSYSTEMS.get(key) and _text(entry, "package", "name").lower() == name


def _entries(record: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    affected = record.get("affected")
    return [e for e in affected if isinstance(e, dict)] if isinstance(affected, list) else []


def _text(entry: Mapping[str, Any], outer: str, key: str) -> str:
    value = entry.get(outer)
    inner = value.get(key) if isinstance(value, dict) else None
    return inner if isinstance(inner, str) else ""


def _fixed_above(entries: Sequence[Mapping[str, Any]], version: str) -> str | None:
    """The smallest ``fixed`` event above ``version``, both PEP 440-comparable."""
    installed = parse_version(version)
    if installed is None:
        return None
    fixes = []
    for entry in entries:
        ranges = entry.get("ranges")
        for rng in ranges if isinstance(ranges, list) else ():
            events = rng.get("events") if isinstance(rng, dict) else None
            for event in events if isinstance(events, list) else ():
                raw = event.get("fixed") if isinstance(event, dict) else None
                fixed = parse_version(raw)
                if isinstance(raw, str) and fixed is not None and fixed > installed:
                    fixes.append((fixed, raw))
    return min(fixes)[1] if fixes else None


@dataclass
class BundledOutcome:
    findings: list[Finding] = field(default_factory=list)
    skipped: list[SkippedCheck] = field(default_factory=list)
    not_applicable: list[SkippedCheck] = field(default_factory=list)


def checkable(package: BundledPackage) -> bool:
    """Whether ``package`` is looked up at all (see the module doc)."""
    local = "download_url=file:" in package.purl.partition("?")[2].lower()
    return bool(package.version) and package.scope != "excluded" and not local


def check_bundled(
    source: AdvisorySource,
    components: Sequence[Component],
    merge: Callable[[Sequence[Advisory]], list[Advisory]],
    *,
    failed: str | None = None,
) -> BundledOutcome:
    """Findings, not-checked and not-applicable entries for every bundled package;
    ``merge`` makes one advisory of those sharing an id or alias.  ``failed``: the source
    already failed (why): every bundled package is not checked, without asking again."""
    wanted = [(n, b) for n, c in enumerate(components) for b in c.bundled if checkable(b)]
    outcome = BundledOutcome()
    if not wanted:
        return outcome
    purls = sorted({b.purl for _, b in wanted})
    if failed is None:
        try:
            result = source.query_purls(purls)
        except SourceError as exc:  # a source should not raise; never "clean" for it
            failed = str(exc)
    if failed is not None:
        result = PurlResult(skipped=dict.fromkeys(purls, failed))
    unchecked: dict[tuple[int, str, bool], list[BundledPackage]] = {}
    for index, package in wanted:
        failed = result.skipped.get(package.purl)
        why = failed or result.not_covered.get(package.purl)
        if why is not None:
            unchecked.setdefault((index, why, failed is not None), []).append(package)
            continue
        for advisory in merge(result.advisories.get(package.purl, ())):
            outcome.findings.append(_finding(components[index], package, advisory))
    for (index, why, not_checked), packages in unchecked.items():
        owner = components[index]
        entry = SkippedCheck(source.name, _unchecked(packages, why), owner.name, owner.version)
        (outcome.skipped if not_checked else outcome.not_applicable).append(entry)
    return outcome


def _unchecked(packages: Sequence[BundledPackage], why: str) -> str:
    kinds: dict[str, int] = {}
    for package in packages:
        kinds[package.ecosystem] = kinds.get(package.ecosystem, 0) + 1
    counts = ", ".join(f"{kind} {n}" for kind, n in sorted(kinds.items()))
    noun = "package" if len(packages) == 1 else "packages"
    return f"{len(packages)} bundled {noun} ({counts}) not checked for advisories: {why}"


def _finding(component: Component, package: BundledPackage, advisory: Advisory) -> Finding:
    owner = f"{component.name} {component.version}".strip()
    if advisory.malicious:
        remediation = f"remove {component.name}: it bundles a known malicious package"
    elif advisory.fixed:
        remediation = (
            f"upgrade {component.name} to a release that bundles {package.name} "
            f"{advisory.fixed} or later"
        )
    else:
        remediation = "no fixed version is known"
    finding = component_finding(
        component,
        "malicious" if advisory.malicious else "advisory",
        advisory.id,
        advisory.severity,
        f"{advisory.summary} (bundled in {owner})",
        evidence=f"{advisory.details} [{package.purl}, listed in {package.sbom}]".strip(),
        remediation=remediation,
        url=advisory.url,
        path=package.sbom,
    )
    return replace(
        finding,
        package=package.name,
        version=package.version,
        id=advisory.id,
        aliases=advisory.aliases,
        fixed=advisory.fixed,
        score=advisory.score,
    )
