"""Behaviour drift (``--pypi``): what the installed release does that the previous one did not.

A compromised release is usually a patch release of a project people already trust that
starts spawning a process, downloading or sending secrets at import.  For each
installed ``.dist-info`` distribution whose code the behaviour check has findings for
(only those can have *added* a capability: a release without any has nothing to
compare), this check fetches the wheel of the previous release from PyPI (chosen by
``drift_previous``: the highest earlier release with a fitting wheel, not yanked,
uploaded before the installed one), reads it with the safe zip reader, runs the same
behaviour check on it, and reports the capabilities the installed release added
(``drift_compare``).

=============  ===========  =====================================================
rule           severity     meaning
=============  ===========  =====================================================
WC-CODE-DRIFT  high to      capabilities (behaviour rule and context) present in
               info         the installed release and absent from the previous one
=============  ===========  =====================================================

The project JSON and the wheels come through the ``--verify-upstream`` code (the PyPI
store, ``WheelFetcher``: sha256-verified, cached under ``<cache>/wheels``, bounded
HTTP).  With ``--offline`` only the caches answer.  Fail closed: PyPI down, a wheel that
cannot be fetched, verified or read, a previous release that could not be analysed in
full are SkippedChecks (exit 3).  A project with no earlier release, or none with a
wheel for this install, is not applicable (reported, not an error), as are source
distributions, eggs and internal packages.  Nothing is imported or run: both releases
are parsed.

``SharedBehaviour`` wraps the scan's behaviour check so that this check reads its
result for the artifact instead of analysing the installed code a second time.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from packaging.tags import Tag

from wellcheck.artifact.base import Tree
from wellcheck.artifact.common import Budget
from wellcheck.artifact.limits import DEFAULT_LIMITS, Limits
from wellcheck.checks import Check, CheckContext, CheckResult
from wellcheck.errors import ArtifactError, SourceError
from wellcheck.http import HttpClient
from wellcheck.models import ArtifactInfo, Component, ComponentKind, Finding, SkippedCheck
from wellcheck.pypi.interface import ProjectInfo, ProjectSource
from wellcheck.signals.drift_compare import added, drift_finding
from wellcheck.signals.drift_previous import (
    Install,
    NoPrevious,
    NotComparable,
    Previous,
    previous_release,
)
from wellcheck.signals.upstream_fetch import WheelFetcher, parse_wheel_tags

NAME = "drift"
MAX_WHEEL_METADATA = 1024 * 1024
#: artifact kinds whose root tree is an image file system: a wheel is read as a Linux zip
_IMAGE_KINDS = frozenset({"docker-archive", "oci-layout", "image"})
_NO_WHEELS = {
    ComponentKind.SDIST: "a source distribution",
    ComponentKind.EGG: "an egg",
    ComponentKind.EGG_INFO: "an egg-info install",
}
log = logging.getLogger(__name__)


class _NotApplicable(Exception):
    """Nothing to compare by design (becomes a not-applicable entry)."""


class SharedBehaviour(Check):
    """The scan's behaviour check; remembers its result for the artifact being checked."""

    def __init__(self, inner: Check) -> None:
        self.inner = inner
        self.name = inner.name
        self._last: tuple[CheckContext, CheckResult] | None = None

    def run(self, components: Sequence[Component], context: CheckContext) -> CheckResult:
        self._last = None
        result = self.inner.run(components, context)
        self._last = (context, result)
        return result

    def take(self, context: CheckContext) -> CheckResult | None:
        """The result for ``context`` (the same artifact), once; None when it did not run."""
        last, self._last = self._last, None
        return last[1] if last is not None and last[0] is context else None


class BehaviourDriftCheck(Check):
    """Compare the behaviour findings of installed releases with their previous release.

    ``analyser`` is the behaviour check run on the previous wheels (and on the installed
    trees unless ``shared`` already analysed them); ``source`` gives PyPI's project JSON
    (its ``offline`` attribute, unless ``offline`` is given, means "caches only").
    """

    name = NAME

    def __init__(
        self,
        source: ProjectSource,
        *,
        analyser: Check | None = None,
        shared: SharedBehaviour | None = None,
        cache_dir: Path | None = None,
        limits: Limits = DEFAULT_LIMITS,
        client: HttpClient | None = None,
        offline: bool | None = None,
        max_download: int | None = None,
        internal: frozenset[str] = frozenset(),
    ) -> None:
        if analyser is None:
            from wellcheck.signals.behaviour import BehaviourCheck

            analyser = BehaviourCheck(workers=1, limits=limits)
        self.source = source
        self.analyser = analyser
        self.shared = shared
        self.cache_dir = cache_dir
        self.limits = limits
        self.client = client
        self.offline = bool(getattr(source, "offline", False)) if offline is None else offline
        self.max_download = max_download
        self.internal = internal
        self.compared = 0  # distributions compared with a previous release by the last run

    def run(self, components: Sequence[Component], context: CheckContext) -> CheckResult:
        installed, skipped = self._installed(components, context)
        candidates = [c for c in components if _own(installed, c)]
        findings: list[Finding] = []
        not_applicable: list[SkippedCheck] = []
        self.compared = 0
        run = _Run(self, context, self._fetcher())
        try:
            for component in candidates:
                try:
                    findings.extend(run.compare(component, _own(installed, component)))
                except (_NotApplicable, NoPrevious) as exc:
                    entry = SkippedCheck(NAME, str(exc), component.name, component.version)
                    not_applicable.append(entry)
                except (NotComparable, SourceError, ArtifactError) as exc:
                    entry = SkippedCheck(NAME, str(exc), component.name, component.version)
                    skipped.append(entry)
        finally:
            run.fetcher.close()
        self.compared = run.compared
        return CheckResult(tuple(findings), tuple(skipped), tuple(not_applicable))

    def _installed(
        self, components: Sequence[Component], context: CheckContext
    ) -> tuple[list[Finding], list[SkippedCheck]]:
        """The installed code's behaviour findings: the scan's, else analysed here (then
        what could not be analysed is not checked for drift too)."""
        shared = self.shared.take(context) if self.shared is not None else None
        if shared is not None:
            return list(shared.findings), []
        result = self.analyser.run(components, context)
        skipped = [
            SkippedCheck(NAME, f"behaviour: {s.reason}", s.package, s.version)
            for s in result.skipped
        ]
        return list(result.findings), skipped

    def _fetcher(self) -> WheelFetcher:
        cache = self.cache_dir
        if cache is None:
            from wellcheck.cache import cache_dir

            cache = cache_dir()
        return WheelFetcher(
            cache,
            offline=self.offline,
            max_download=self.max_download,
            policy=self.client.policy if self.client is not None else None,
        )


def _own(findings: Sequence[Finding], component: Component) -> list[Finding]:
    return [
        f
        for f in findings
        if f.package == component.name
        and f.version == component.version
        and f.location == component.display_location
    ]


class _Run:
    """One artifact's comparisons: projects asked for once, wheels through one fetcher."""

    def __init__(self, check: BehaviourDriftCheck, context: CheckContext, fetcher: WheelFetcher):
        self.check = check
        self.context = context
        self.fetcher = fetcher
        self.trees = {tree.chain: tree for tree in context.trees}
        self.projects: dict[str, ProjectInfo | SourceError] = {}
        self.compared = 0

    def compare(self, component: Component, installed: Sequence[Finding]) -> list[Finding]:
        """The drift finding of ``component`` (none when it added nothing)."""
        what = _NO_WHEELS.get(component.kind)
        if what is not None:
            raise _NotApplicable(f"{what}: drift compares the wheels of two releases")
        if component.name in self.check.internal:
            raise _NotApplicable("an internal package: no public previous release to compare")
        if not component.version:
            raise NotComparable("no installed version to place among PyPI's releases")
        install = self._install(component)
        previous = self._previous(component, install)
        log.info(
            "drift: %s %s against %s", component.name, component.version, previous.file.filename
        )
        path = self.fetcher.get(previous.file)
        before = self._analyse(path, previous, component)
        self.compared += 1
        new = added(installed, before, component.chain)
        if not new:
            return []
        return [
            drift_finding(component, new, previous.version, previous.file.filename, previous.jump)
        ]

    def _project(self, name: str, *, fresh: bool = False) -> ProjectInfo:
        if fresh or name not in self.projects:
            source = self.check.source
            refresh = getattr(source, "refresh", None)
            try:
                got = refresh(name) if fresh and callable(refresh) else source.get(name)
                self.projects[name] = got
            except SourceError as exc:
                self.projects[name] = exc
        project = self.projects[name]
        if isinstance(project, SourceError):
            raise project
        if not project.exists:
            raise NoPrevious(f"no previous release to compare: PyPI does not know {name}")
        return project

    def _previous(self, component: Component, install: Install) -> Previous:
        project = self._project(component.name)
        previous = previous_release(project.releases, install)
        stale = not previous.file.url.startswith(("https://", "http://"))
        if stale and project.from_cache and not self.check.offline:
            # cached before file URLs were kept: ask PyPI once more
            project = self._project(component.name, fresh=True)
            previous = previous_release(project.releases, install)
        return previous

    def _install(self, component: Component) -> Install:
        tree = self.trees.get(component.chain)
        tags: frozenset[Tag] = frozenset()
        build: str | None = None
        if tree is not None:
            try:
                data = tree.read_bytes(f"{component.location}/WHEEL", limit=MAX_WHEEL_METADATA)
            except ArtifactError:
                pass
            else:
                tags, build = parse_wheel_tags(data)
        return Install(component.version, tags, build, component.python_version)

    def _analyse(self, path: Path, previous: Previous, component: Component) -> list[Finding]:
        """The behaviour findings of ``component``'s project in the previous wheel."""
        from wellcheck.artifact.zipreader import open_zip_file
        from wellcheck.inventory import collect

        limits = self.check.limits
        label = f"{previous.file.filename} (PyPI)"
        artifact = self.context.artifact
        kind = "lambda-zip" if artifact.kind in _IMAGE_KINDS else artifact.kind
        info = ArtifactInfo(path=label, kind=kind, python_version=artifact.python_version)
        tree: Tree = open_zip_file(str(path), limits, Budget(limits), (), label=label)
        try:
            members = collect(tree, artifact_python=artifact.python_version)
            result = self.check.analyser.run(members, CheckContext(info, (tree,)))
            unread = list(tree.unread)
        finally:
            tree.close()
        missed = [s.reason for s in result.skipped] + [f"member not read: {u}" for u in unread]
        if missed:
            raise NotComparable(
                f"{previous.file.filename} could not be analysed in full ({missed[0]}): "
                "what it does is not known"
            )
        return [f for f in result.findings if f.package == component.name]
