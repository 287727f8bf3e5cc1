"""BehaviourCheck: what the vendored code does, read statically, offline.

For every tree of the artifact: plan which files are code and whose they are
(``files``), read and analyse them (``work``: prefilter, ``ast.parse``, one walk
per file; for big trees in a background process started by ``start`` as soon as
the scan has opened the artifact), then let every rule (``rules``) judge each
distribution's facts.  Nothing from the artifact is imported, compiled to
code or run.  A file that could not be read, hit a bound, or does not parse while
holding a trigger is a SkippedCheck naming the package and the file: the scan is
incomplete, never silently clean.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from wellcheck.artifact.base import EntryKind, OpenedArtifact, Tree
from wellcheck.artifact.limits import DEFAULT_LIMITS, Limits
from wellcheck.checks import Check, CheckContext, CheckResult, component_finding
from wellcheck.models import Component, ComponentKind, Finding, Severity, SkippedCheck
from wellcheck.signals.behaviour.budget import Bounds
from wellcheck.signals.behaviour.facts import BinaryFile, FileFacts, PycFile, Role
from wellcheck.signals.behaviour.files import Plan, plan_tree
from wellcheck.signals.behaviour.rules import RULES, Hit, Subject
from wellcheck.signals.behaviour.work import (
    PROCESS_THRESHOLD,
    Background,
    Digests,
    Result,
    run_jobs,
)

NAME = "behaviour"
KIND = "behaviour"
LINUX_KINDS = frozenset({"lambda-zip", "lambda-layer", "docker-archive", "oci-layout", "image"})
IMAGE_KINDS = frozenset({"docker-archive", "oci-layout", "image"})
IMAGE_FUNCTION_ROOTS = ("var/task", "opt/python")
ZIP_FUNCTION_ROOTS = ("", "python")
_CODE_KINDS = frozenset({ComponentKind.DIST_INFO, ComponentKind.SDIST, ComponentKind.EGG})


class BehaviourCheck(Check):
    """Static analysis of every distribution's code; offline."""

    name = NAME

    def __init__(
        self,
        *,
        workers: int | None = None,
        limits: Limits = DEFAULT_LIMITS,
        bounds: Bounds | None = None,
    ) -> None:
        from wellcheck.signals.integrity_hashing import default_workers

        self.workers = workers if workers is not None else default_workers()
        self.limits = limits
        self.bounds = bounds or Bounds()
        self._background: dict[tuple[str, ...], Background] = {}
        self._plans: dict[tuple[str, ...], tuple[Tree, list[Component], Sequence[str], Plan]] = {}

    def run(self, components: Sequence[Component], context: CheckContext) -> CheckResult:
        findings: list[Finding] = []
        skipped: list[SkippedCheck] = []
        available = {tree.chain for tree in context.trees}
        for component in components:
            if component.chain not in available and component.kind in _CODE_KINDS:
                reason = "the files of the archive holding it were not available to analyse"
                skipped.append(SkippedCheck(NAME, reason, component.name, component.version))
        linux = context.artifact.kind in LINUX_KINDS
        for tree in context.trees:
            members = [c for c in components if c.chain == tree.chain]
            roots = _roots(context.artifact.kind, tree)
            found, missed = self._tree(tree, members, roots, linux)
            findings.extend(found)
            skipped.extend(missed)
        return CheckResult(tuple(findings), tuple(skipped))

    def start(self, opened: OpenedArtifact, components: Sequence[Component]) -> None:
        """The artifact is open: analyse its big reopenable trees in the background
        while the scan runs its other checks (``run`` collects the results)."""
        from wellcheck.signals.integrity_hashing import zip_reopener

        self.close()
        if self.workers <= 1:
            return
        for tree in opened.trees:
            code = sum(
                e.size
                for p, e in tree.entries().items()
                if e.kind is EntryKind.FILE and p.endswith(".py")
            )
            if code < PROCESS_THRESHOLD:
                continue
            reopen = tree.reopener() or zip_reopener(tree, opened.info.path, self.limits)
            if reopen is None:
                continue
            roots = _roots(opened.info.kind, tree)
            members = [c for c in components if c.chain == tree.chain]
            plan = plan_tree(tree, members, roots)  # planned once, here: run uses it too
            self._plans[tree.chain] = (tree, members, roots, plan)
            started = Background.start(reopen, members, roots, self.bounds, jobs=plan.jobs)
            if started is not None:
                self._background[tree.chain] = started

    def close(self) -> None:
        """Stop background work nobody collected (the scan ended early)."""
        for background in self._background.values():
            background.close()
        self._background.clear()
        self._plans.clear()

    @property
    def source(self) -> BehaviourCheck:
        """``scan.checks.close_sources`` closes a check's ``source``: this check's own."""
        return self

    def _tree(
        self, tree: Tree, members: list[Component], roots: Sequence[str], linux: bool
    ) -> tuple[list[Finding], list[SkippedCheck]]:
        planned = self._plans.pop(tree.chain, None)
        if planned is not None and planned[:3] == (tree, members, roots):
            plan = planned[3]
        else:
            plan = plan_tree(tree, members, roots)
        background = self._background.pop(tree.chain, None)
        digests: Digests = {}
        if background is None:
            results = run_jobs(tree, plan.jobs, self.bounds, digests)
        else:
            results = background.take(tree, plan.jobs, self.bounds, digests)
        tree.remember_digests(digests)  # the integrity check (late) reads none of them again
        return judge(tree, plan, results, linux)


def _roots(kind: str, tree: Tree) -> Sequence[str]:
    return IMAGE_FUNCTION_ROOTS if kind in IMAGE_KINDS and not tree.chain else ZIP_FUNCTION_ROOTS


def judge(
    tree: Tree, plan: Plan, results: Sequence[Result], linux: bool
) -> tuple[list[Finding], list[SkippedCheck]]:
    """Findings and not-checked entries for one tree's analysed files."""
    jobs = {job.path: job for job in plan.jobs}
    grouped: dict[int, list[Result]] = {}
    skipped: list[SkippedCheck] = []
    unread = {what.split(": ", 1)[0] for what in tree.unread}  # the scan says "not read"
    for result in results:
        job = jobs.get(result.path)
        owner = job.owner if job is not None else -1
        grouped.setdefault(owner, []).append(result)
        if (
            isinstance(result, FileFacts)
            and (result.skipped or result.syntax_error)
            and result.path not in unread
        ):
            skipped.append(_not_checked(plan, owner, result))
    findings: list[Finding] = []
    owners = set(grouped) | set(plan.sourceless)
    compiled: dict[int, set[str]] = {}
    for job in plan.jobs:
        if job.has_bytecode:
            compiled.setdefault(job.owner, set()).add(job.path)
    for owner in sorted(owners):
        results_of = grouped.get(owner, [])
        known = frozenset(compiled.get(owner, ()))
        for subject, component in _subjects(plan, owner, results_of, known, linux):
            tests = {f.path for f in subject.files if f.role in _RUN_BY_HAND}
            for rule in RULES:
                hits = [_in_tests(hit) if hit.path in tests else hit for hit in rule(subject)]
                findings.extend(_finding(tree, component, hit) for hit in hits)
    return findings, skipped


_RUN_BY_HAND = (Role.TEST, Role.SOURCE_ONLY)


def _in_tests(hit: Hit) -> Hit:
    """Test modules run only under a test runner, an sdist's scripts and demos only
    when a person runs them: at most low (still shown)."""
    return replace(hit, severity=min(hit.severity, Severity.LOW))


def _subjects(
    plan: Plan, owner: int, results: list[Result], compiled: frozenset[str], linux: bool
) -> list[tuple[Subject, Component | None]]:
    files = tuple(r for r in results if isinstance(r, FileFacts))
    binaries = tuple(r for r in results if isinstance(r, BinaryFile))
    pycs = tuple(r for r in results if isinstance(r, PycFile))
    if owner < 0:  # start-up files no distribution owns: judged one by one
        return [(Subject("", (f,), linux=linux, compiled=compiled), None) for f in files]
    component = plan.owners[owner]
    subject = Subject(
        name=component.name,
        files=files,
        binaries=binaries,
        pycs=pycs,
        sourceless=tuple(plan.sourceless.get(owner, ())),
        sources=plan.sources.get(owner, 0),
        pure=plan.pure.get(owner, False),
        linux=linux,
        kind=component.kind,
        compiled=compiled,
    )
    return [(subject, component)]


def _not_checked(plan: Plan, owner: int, result: FileFacts) -> SkippedCheck:
    component = plan.owners[owner] if owner >= 0 else None
    if result.syntax_error:
        held = ", ".join(result.triggers[:2])
        why = f"does not parse ({result.syntax_error}) though it holds {held}"
    else:
        why = result.skipped or ""
    reason = f"{result.path} not analysed: {why}"
    if component is None:
        return SkippedCheck(NAME, reason)
    return SkippedCheck(NAME, reason, component.name, component.version)


def _finding(tree: Tree, component: Component | None, hit: Hit) -> Finding:
    if component is not None:
        return component_finding(
            component,
            KIND,
            hit.rule,
            hit.severity,
            hit.title,
            confidence=hit.confidence,
            evidence=hit.evidence,
            remediation=hit.remediation,
            path=hit.path,
            line=hit.line,
        )
    where = "!".join((*tree.chain, hit.path))
    return Finding(
        kind=KIND,
        rule=hit.rule,
        package="",
        version="",
        severity=hit.severity,
        title=hit.title,
        location=where,
        path=where,
        line=hit.line,
        confidence=hit.confidence,
        evidence=hit.evidence,
        remediation=hit.remediation,
    )
