"""PyPI-metadata signals: what PyPI's project JSON says about each vendored package.

Rules (all kind "pypi"):

=========================  ========  ===============================================
rule                       severity  meaning
=========================  ========  ===============================================
WC-PYPI-UNKNOWN            high      PyPI does not know the name (dependency
                                     confusion, or a removed package: often malware);
                                     critical when the name is near a popular
                                     project's (a removed typosquat, still deployed)
WC-PYPI-CONFUSION          high      an internal name exists publicly on PyPI
WC-PYPI-VERSION-MISSING    high      the installed version is not among the releases
WC-PYPI-YANKED             medium    every file of the installed version is yanked
WC-PYPI-OWNER-CHANGE       high      owners added/removed since an earlier scan
WC-PYPI-OWNER-BASELINE     high      owners differ from the committed baseline file
WC-PYPI-DORMANT            low       the installed version ended >2 years of silence
                                     (medium when corroborated, see pypi_release)
WC-PYPI-LATE-FILE          medium    the installed file joined the release long after
                                     its first (info: one line for other builds' files)
WC-PYPI-FRESH              info      the installed version is younger than the cooldown
                                     (medium when corroborated, see pypi_release)
WC-PYPI-AUTHOR-MISMATCH    low       METADATA's people differ from PyPI's
WC-PYPI-NO-REPO            info      no source repository URL
WC-PYPI-SINGLE-RELEASE     info      the project has one release
WC-PYPI-NO-DESCRIPTION     info      the project has no description
=========================  ========  ===============================================

A package PyPI could not be asked about becomes a SkippedCheck, never a pass.
Release-history rules (dormancy, freshness, late files) live in
:mod:`wellcheck.signals.pypi_release`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from packaging.version import InvalidVersion, Version

from wellcheck.artifact.base import Tree
from wellcheck.checks import Check, CheckContext, CheckResult
from wellcheck.errors import SourceError
from wellcheck.models import Component, ComponentKind, Finding, Person, Severity, SkippedCheck
from wellcheck.pypi.interface import ProjectInfo, ProjectSource
from wellcheck.pypi.store import PyPIStore
from wellcheck.signals.pypi_release import (
    Collector,
    History,
    installed_file,
    late_files,
    quiet_signals,
)

DAY = 86400.0
_REPO_HOSTS = ("github.com", "gitlab.com", "bitbucket.org", "codeberg.org", "sr.ht", "git.")
_REPO_LABELS = ("source", "repository", "code", "github", "gitlab")


@dataclass(frozen=True)
class PyPIOptions:
    cooldown_days: float = 7.0
    dormancy_days: float = 730.0
    late_file_days: float = 30.0
    owner_change_days: float = 30.0  # how long an observed change keeps being reported
    internal: frozenset[str] = frozenset()  # canonical names that must not be public
    baseline: Mapping[str, tuple[str, ...]] | None = None  # name -> expected owners
    typosquat_allow: tuple[str, ...] = ()  # --typosquat-allow entries (NAME or NAME=TARGET)


class PyPIMetadataCheck(Check):
    name = "pypi"

    def __init__(
        self,
        source: ProjectSource,
        store: PyPIStore | None = None,
        options: PyPIOptions | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.source = source
        self.store = store
        self.options = options or PyPIOptions()
        self._clock = clock

    def run(self, components: Sequence[Component], context: CheckContext) -> CheckResult:
        findings: list[Finding] = []
        skipped: list[SkippedCheck] = []
        projects: dict[str, ProjectInfo | SourceError] = {}
        owners: dict[str, str] = {}  # name -> its owner change, when one was found
        trees = {tree.chain: tree for tree in context.trees}
        for comp in components:
            if comp.kind is ComponentKind.UNCLAIMED:
                continue
            first = comp.name not in projects
            if first:
                try:
                    projects[comp.name] = self.source.get(comp.name)
                except SourceError as exc:
                    projects[comp.name] = exc
            project = projects[comp.name]
            if isinstance(project, SourceError):
                skipped.append(SkippedCheck("pypi", str(project), comp.name, comp.version))
                continue
            out = Collector(comp)
            self._evaluate(comp, project, out, skipped, trees, owners, first=first)
            findings.extend(out.findings)
        return CheckResult(tuple(findings), tuple(skipped))

    def _evaluate(
        self,
        comp: Component,
        project: ProjectInfo,
        out: Collector,
        skipped: list[SkippedCheck],
        trees: Mapping[tuple[str, ...], Tree],
        owners: dict[str, str],
        *,
        first: bool,
    ) -> None:
        """``owners``: name -> its owner change ("" for none), filled on a name's first
        component and read by the release signals of every component of that name."""
        url = f"https://pypi.org/project/{comp.name}/"
        if comp.name in self.options.internal:
            if project.exists:
                out.add(
                    "WC-PYPI-CONFUSION",
                    Severity.HIGH,
                    f"internal package {comp.name} also exists on public PyPI",
                    evidence=f"{len(project.releases)} public releases",
                    remediation="pin the internal index; check which copy was installed",
                    url=url,
                )
            return
        if not project.exists:
            imitated = _imitated(comp.name, self.options.typosquat_allow)
            evidence = (
                "PyPI answered 404: a private name (dependency confusion risk) "
                "or a removed project (removed projects are often malware)"
            )
            if imitated:
                evidence = f"{evidence}; {imitated}: PyPI removes typosquats, deployed copies stay"
            out.add(
                "WC-PYPI-UNKNOWN",
                Severity.CRITICAL if imitated else Severity.HIGH,
                f"{comp.name} is not on PyPI",
                evidence=evidence,
                remediation="if internal, list it under internal names; otherwise remove it",
            )
            return
        if first:
            owners[comp.name] = self._ownership(comp, project, out, skipped)
        if not comp.version:  # an SBOM entry without one: no version rules, not a pass
            skipped.append(SkippedCheck("pypi", f"{comp.name}: no version", comp.name))
        elif (version := _match_version(comp.version, project.releases)) is None:
            latest = _latest(project.releases)
            out.add(
                "WC-PYPI-VERSION-MISSING",
                Severity.HIGH,
                f"{comp.name} {comp.version} is not a release on PyPI",
                evidence=f"{len(project.releases)} releases on PyPI; latest {latest or 'none'}",
                remediation="find where this build came from; reinstall from PyPI",
                url=url,
            )
        else:
            self._release_signals(comp, project, version, out, trees, owners.get(comp.name, ""))
        self._people(comp, project, out)
        if first:
            self._context(project, out)

    def _ownership(
        self, comp: Component, project: ProjectInfo, out: Collector, skipped: list[SkippedCheck]
    ) -> str:
        """Owner-change findings; what changed, in a few words ("" when nothing did)."""
        if project.owners is None:
            skipped.append(
                SkippedCheck("pypi", "PyPI gave no ownership information", comp.name, comp.version)
            )
            return ""
        changed: list[str] = []
        users = tuple(sorted({user for user, _ in project.owners}))
        now = self._clock()
        if self.store is not None and not project.from_cache:
            self.store.observe_owners(comp.name, users, now)
        if self.store is not None:
            since = now - self.options.owner_change_days * DAY
            for change in self.store.owner_changes(comp.name, since):
                changed.append("the owners changed")
                out.add(
                    "WC-PYPI-OWNER-CHANGE",
                    Severity.HIGH,
                    f"owners of {comp.name} changed",
                    evidence=_owner_evidence(change.added, change.removed)
                    + f"; last seen unchanged {_date(change.previous_at)},"
                    f" changed by {_date(change.observed_at)}",
                    remediation="confirm the new owners before trusting new releases",
                    confidence="high",
                )
        baseline = self.options.baseline
        if baseline is not None and comp.name in baseline:
            expected = set(baseline[comp.name])
            if expected != set(users):
                changed.append("the owners differ from the baseline")
                out.add(
                    "WC-PYPI-OWNER-BASELINE",
                    Severity.HIGH,
                    f"owners of {comp.name} differ from the baseline",
                    evidence=_owner_evidence(
                        tuple(sorted(set(users) - expected)), tuple(sorted(expected - set(users)))
                    ),
                    remediation="review the change, then `wellcheck baseline write` to accept it",
                    confidence="high",
                )
        return "; ".join(dict.fromkeys(changed))

    def _release_signals(
        self,
        comp: Component,
        project: ProjectInfo,
        version: str,
        out: Collector,
        trees: Mapping[tuple[str, ...], Tree],
        owners: str,
    ) -> None:
        files = project.releases.get(version, ())
        url = f"https://pypi.org/project/{comp.name}/{version}/"
        if files and all(f.yanked for f in files):
            reasons = sorted({f.yanked_reason for f in files if f.yanked_reason})
            out.add(
                "WC-PYPI-YANKED",
                Severity.MEDIUM,
                f"{comp.name} {comp.version} was yanked from PyPI",
                evidence=f"reason: {'; '.join(reasons) or 'none given'}",
                remediation="upgrade to a release that is not yanked",
                url=url,
            )
        first = project.first_upload(version)
        if first is None:
            return
        previous = [
            up
            for v, fs in project.releases.items()
            if v != version
            for up in [min((f.uploaded for f in fs), default=None)]
            if up is not None and up < first
        ]
        before = max(previous) if previous else None
        history = History(
            first=first,
            gap=first - before if before is not None else None,
            previous=before,
            age=datetime.fromtimestamp(self._clock(), tz=UTC) - first,
        )
        late_after = timedelta(days=self.options.late_file_days)
        late = any(f.uploaded - first > late_after for f in files)
        installed = installed_file(comp, files, trees) if late else None
        late_installed = installed is not None and late_files(
            out, files, first, late_after, installed, url
        )
        quiet_signals(
            out,
            history,
            dormancy=timedelta(days=self.options.dormancy_days),
            cooldown=timedelta(days=self.options.cooldown_days),
            cooldown_days=self.options.cooldown_days,
            owners=owners,
            late_installed=late_installed,
            url=url,
        )

    def _people(self, comp: Component, project: ProjectInfo, out: Collector) -> None:
        local = _emails(comp.authors + comp.maintainers)
        remote = _emails(
            [
                Person(project.author or None, project.author_email or None),
                Person(project.maintainer or None, project.maintainer_email or None),
            ]
        )
        if local and remote and not (local & remote):
            out.add(
                "WC-PYPI-AUTHOR-MISMATCH",
                Severity.LOW,
                f"people in {comp.name}'s METADATA differ from PyPI's",
                evidence=f"METADATA: {', '.join(sorted(local))}; PyPI: {', '.join(sorted(remote))}",
                remediation="PyPI shows the latest release's people: check who changed",
                confidence="low",
            )

    def _context(self, project: ProjectInfo, out: Collector) -> None:
        if not any(_is_repo(label, link) for label, link in project.project_urls):
            out.add("WC-PYPI-NO-REPO", Severity.INFO, "no source repository URL", confidence="low")
        if len(project.releases) == 1:
            out.add("WC-PYPI-SINGLE-RELEASE", Severity.INFO, "only one release", confidence="low")
        if project.description_empty:
            out.add("WC-PYPI-NO-DESCRIPTION", Severity.INFO, "empty description", confidence="low")


def _imitated(name: str, allow: tuple[str, ...] = ()) -> str | None:
    """ "the name looks like X" when ``name`` is near a popular project, else None.

    The bar is the typosquat check's corroboration floor: being unknown to PyPI
    is the corroborating evidence.  Names the user allows as near-names of X
    (``--typosquat-allow``) are not escalated.  A popular list that cannot be
    loaded only leaves the finding at its plain severity (the typosquat check
    reports it).
    """
    from wellcheck.signals.popular import PopularListError
    from wellcheck.signals.typo_allowlist import parse_entries
    from wellcheck.signals.typosquat import CORROBORATION_FLOOR, check_name

    try:
        verdict = check_name(name)
    except PopularListError:
        return None
    if verdict.target is None or verdict.score < CORROBORATION_FLOOR:
        return None
    if parse_entries(allow).allows(verdict.name, verdict.target):
        return None
    return f"the name looks like {verdict.target!r} ({verdict.transformation})"


def _match_version(installed: str, releases: Mapping[str, object]) -> str | None:
    """The release key equal to ``installed`` (PEP 440 equality, else string equality)."""
    if installed in releases:
        return installed
    try:
        wanted = Version(installed)
    except InvalidVersion:
        return None
    for key in releases:
        try:
            if Version(key) == wanted:
                return key
        except InvalidVersion:
            continue
    return None


def _latest(releases: Mapping[str, object]) -> str | None:
    parsed = []
    for key in releases:
        try:
            parsed.append((Version(key), key))
        except InvalidVersion:
            continue
    return max(parsed)[1] if parsed else None


def _emails(people: Sequence[Person]) -> set[str]:
    from email.utils import getaddresses

    found: set[str] = set()
    for person in people:
        for _, addr in getaddresses([person.email or ""]):
            if "@" in addr:
                found.add(addr.strip().lower())
    return found


def _is_repo(label: str, link: str) -> bool:
    low = link.lower()
    return any(h in low for h in _REPO_HOSTS) or label.strip().lower() in _REPO_LABELS


def _owner_evidence(added: tuple[str, ...], removed: tuple[str, ...]) -> str:
    parts = []
    if added:
        parts.append("added " + ", ".join(added))
    if removed:
        parts.append("removed " + ", ".join(removed))
    return "; ".join(parts) or "role change"


def _date(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).date().isoformat()
