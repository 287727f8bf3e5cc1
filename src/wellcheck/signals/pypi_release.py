"""Release-history signals of the PyPI check: dormancy, freshness and late files.

Each of these alone is common among legitimate packages (boto3 releases every working
day, so its installed release is nearly always younger than a week; six, jmespath and
tabulate released again after years of quiet), so alone each stays below ``medium``:

=====================  ===========================  ==========================================
rule                   alone                        corroborated (``medium``) by
=====================  ===========================  ==========================================
WC-PYPI-DORMANT        low                          the release is fresh; an owner change or
                                                    baseline difference; a late installed file
WC-PYPI-FRESH          info                         the release ended a dormancy; an owner
                                                    change or baseline difference; a late
                                                    installed file
WC-PYPI-LATE-FILE      medium: the installed file   (the per-distribution verdict combines it)
                       info: one line for the late
                       files that are not installed
=====================  ===========================  ==========================================

Only the file that was installed matters for a late file: an attacker who can upload adds
a file to an old release, and whoever installs *that* file runs it.  The installed file
is the release file whose sha256 the component carries (an sdist), the one its
``direct_url.json`` names, or the wheel whose tags are the ``Tag:`` lines of its
``.dist-info/WHEEL`` (the wheel pip chose; matched as ``--verify-upstream`` matches it).
When none of these tells it (an SBOM entry, a missing WHEEL), every late file could be
the installed one: they are reported together, at ``medium``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from wellcheck.artifact.base import Tree
from wellcheck.checks import component_finding
from wellcheck.errors import ArtifactError
from wellcheck.models import Component, ComponentKind, Finding, Severity
from wellcheck.pypi.interface import ReleaseFile

MAX_WHEEL_FILE = 1024 * 1024  # a .dist-info/WHEEL is a few lines
MAX_LISTED = 5  # file names quoted in the grouped late-file evidence
RULE_DORMANT = "WC-PYPI-DORMANT"
RULE_FRESH = "WC-PYPI-FRESH"
RULE_LATE = "WC-PYPI-LATE-FILE"


@dataclass
class Collector:
    """The findings of one component, built with its name, version and location."""

    component: Component
    findings: list[Finding] = field(default_factory=list)

    def add(
        self,
        rule: str,
        severity: Severity,
        title: str,
        *,
        confidence: str = "medium",
        evidence: str = "",
        remediation: str = "",
        url: str | None = None,
        path: str = "",
        line: int | None = None,
    ) -> None:
        self.findings.append(
            component_finding(
                self.component,
                "pypi",
                rule,
                severity,
                title,
                confidence=confidence,
                evidence=evidence,
                remediation=remediation,
                url=url,
                path=path,
                line=line,
            )
        )


@dataclass(frozen=True)
class Installed:
    """Which of a release's files was installed, and how that is known."""

    files: frozenset[str] | None  # file names; None: not known
    how: str = ""  # "its WHEEL tags cp312-cp312-manylinux_2_17_x86_64", "its sha256"...
    path: str = ""  # the WHEEL file that tells it (tree path), for the finding's location
    line: int | None = None  # its first Tag: line


UNKNOWN = Installed(None)


def installed_file(
    component: Component, files: Sequence[ReleaseFile], trees: Mapping[tuple[str, ...], Tree]
) -> Installed:
    """The release file ``component`` was installed from, when the artifact tells it."""
    digests = {value for alg, value in component.hashes if alg.replace("-", "") == "sha256"}
    by_digest = frozenset(f.filename for f in files if f.sha256 and f.sha256 in digests)
    if by_digest:
        return Installed(by_digest, "its sha256")
    if component.direct_url:
        named = component.direct_url.split("#", 1)[0].rsplit("/", 1)[-1]
        if any(f.filename == named for f in files):
            return Installed(frozenset({named}), "its direct_url.json")
    tree = trees.get(component.chain)
    if tree is None or component.kind is not ComponentKind.DIST_INFO:
        return UNKNOWN
    from wellcheck.signals.upstream_fetch import choose_wheel, parse_wheel_tags

    wheel_path = f"{component.location}/WHEEL"
    try:
        data = tree.read_bytes(wheel_path, limit=MAX_WHEEL_FILE)
    except ArtifactError:
        return UNKNOWN
    tags, build = parse_wheel_tags(data)
    choice = choose_wheel(tuple(files), tags, build=build) if tags else None
    if choice is None:
        return UNKNOWN
    shown = ", ".join(sorted(str(t) for t in tags)[:3])
    return Installed(
        frozenset({choice.file.filename}), f"its WHEEL tags {shown}", wheel_path, _tag_line(data)
    )


def _tag_line(data: bytes) -> int | None:
    for number, line in enumerate(data.splitlines(), start=1):
        if line.lower().startswith(b"tag:"):
            return number
    return None


@dataclass(frozen=True)
class History:
    """What the release history says about the installed version."""

    first: datetime  # first upload of the version
    gap: timedelta | None  # silence before it, when there was an earlier release
    previous: datetime | None
    age: timedelta


def late_files(
    out: Collector,
    files: Sequence[ReleaseFile],
    first: datetime,
    late_after: timedelta,
    installed: Installed,
    url: str,
) -> bool:
    """Late-file findings; True when the installed file (or maybe it) came late."""
    comp = out.component
    late = [f for f in files if f.uploaded - first > late_after]
    if not late:
        return False
    mine = [f for f in late if installed.files is not None and f.filename in installed.files]
    others = [f for f in late if f not in mine]
    for f in mine:
        out.add(
            RULE_LATE,
            Severity.MEDIUM,
            f"{f.filename}, the installed file, was added to {comp.name} {comp.version} "
            "long after its release",
            evidence=f"release {first.date()}, file uploaded {f.uploaded.date()}; "
            f"installed file known by {installed.how}",
            remediation="compare the late file with the release's original files "
            "(--verify-upstream compares the installed files with it)",
            url=url,
            path=installed.path,
            line=installed.line,
        )
    if not others:
        return bool(mine)
    names = ", ".join(f.filename for f in others[:MAX_LISTED])
    if len(others) > MAX_LISTED:
        names += f" (and {len(others) - MAX_LISTED} more)"
    dates = f"release {first.date()}, files uploaded {_span(others)}"
    if installed.files is None:
        out.add(
            RULE_LATE,
            Severity.MEDIUM,
            f"{len(others)} file(s) were added to {comp.name} {comp.version} long after its "
            "release; which file was installed is not known",
            confidence="low",
            evidence=f"{dates}: {names}",
            remediation="check which file was installed (its WHEEL tags) and compare it "
            "with the release's original files",
            url=url,
        )
        return True
    out.add(
        RULE_LATE,
        Severity.INFO,
        f"{len(others)} file(s) of other builds were added to {comp.name} {comp.version} "
        "long after its release (not installed)",
        confidence="low",
        evidence=f"{dates}: {names}; installed file known by {installed.how}",
        remediation="none needed for this artifact; an install on those platforms would "
        "get a late file",
        url=url,
    )
    return bool(mine)


def _span(files: Sequence[ReleaseFile]) -> str:
    dates = sorted(f.uploaded.date() for f in files)
    return str(dates[0]) if dates[0] == dates[-1] else f"{dates[0]} to {dates[-1]}"


def quiet_signals(
    out: Collector,
    history: History,
    *,
    dormancy: timedelta,
    cooldown: timedelta,
    cooldown_days: float,
    owners: str,
    late_installed: bool,
    url: str,
) -> None:
    """WC-PYPI-DORMANT and WC-PYPI-FRESH: medium only when something corroborates them.

    ``owners`` describes an owner change or baseline difference of the project ("" when
    there is none); ``late_installed``: the installed file came late.
    """
    comp = out.component
    dormant = history.gap is not None and history.gap > dormancy
    fresh = history.age < cooldown
    common = [owners] if owners else []
    if late_installed:
        common.append("the installed file was added late")
    if dormant and history.gap is not None and history.previous is not None:
        also = [*(["the release is fresh"] if fresh else []), *common]
        out.add(
            RULE_DORMANT,
            Severity.MEDIUM if also else Severity.LOW,
            f"{comp.name} {comp.version} came after {history.gap.days} days without a release",
            confidence="medium" if also else "low",
            evidence=f"previous release {history.previous.date()}, this one "
            f"{history.first.date()}" + _corroborated(also),
            remediation="check who published it (takeover of a dormant project?)",
            url=url,
        )
    if fresh:
        also = [*(["it ended a dormancy"] if dormant else []), *common]
        out.add(
            RULE_FRESH,
            Severity.MEDIUM if also else Severity.INFO,
            f"{comp.name} {comp.version} is {history.age.days} days old",
            confidence="medium" if also else "low",
            evidence=f"uploaded {history.first.isoformat(timespec='minutes')}; cooldown "
            f"{cooldown_days:g} days" + _corroborated(also),
            remediation="wait for the cooldown before deploying brand-new releases",
            url=url,
        )


def _corroborated(reasons: Sequence[str]) -> str:
    if not reasons:
        return "; nothing else corroborates it"
    return "; corroborated: " + "; ".join(reasons)
