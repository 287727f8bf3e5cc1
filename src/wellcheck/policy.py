"""Policy: ignore entries, the --fail-on threshold and the verdict (exit status).

Severity thresholds (``--fail-on``)::

    critical  CRITICAL
    high      CRITICAL, HIGH                      (default)
    medium    CRITICAL, HIGH, MEDIUM, UNKNOWN
    low       CRITICAL, HIGH, MEDIUM, UNKNOWN, LOW
    any       every finding, INFO included
    none      no finding fails the scan

UNKNOWN severity (an advisory nobody scored, e.g. many PYSEC records) ranks as
MEDIUM for the threshold: it is a confirmed flaw of unrated impact, so it must
not slip through ``low``, yet it should not break every default (``high``) build.
Reports keep showing it as "unknown".

Exit-status precedence is ``2 > 1 > 3 > 0`` (see :func:`decide`).
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path

from packaging.utils import canonicalize_name

from wellcheck.errors import ExitStatus, WellcheckError
from wellcheck.models import (
    VEX_JUSTIFICATIONS,
    VEX_STATES,
    ArtifactResult,
    Finding,
    ScanOutcome,
    Severity,
    Suppression,
)


class PolicyError(WellcheckError):
    """The ignore file or a policy option is invalid (usage error, exit 2)."""


class FailOn(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    ANY = "any"
    NONE = "none"


_MINIMUM: dict[FailOn, Severity | None] = {
    FailOn.CRITICAL: Severity.CRITICAL,
    FailOn.HIGH: Severity.HIGH,
    FailOn.MEDIUM: Severity.MEDIUM,
    FailOn.LOW: Severity.LOW,
    FailOn.ANY: Severity.UNKNOWN,
    FailOn.NONE: None,
}


def parse_fail_on(value: str) -> FailOn:
    try:
        return FailOn(value.strip().lower())
    except ValueError:
        choices = ", ".join(level.value for level in FailOn)
        raise PolicyError(f"--fail-on must be one of {choices}, got {value!r}") from None


def effective_severity(severity: Severity) -> Severity:
    """The rank a severity has for thresholds: UNKNOWN counts as MEDIUM."""
    return Severity.MEDIUM if severity is Severity.UNKNOWN else severity


def fails(finding: Finding, fail_on: FailOn) -> bool:
    minimum = _MINIMUM[fail_on]
    if minimum is None:
        return False
    if fail_on is FailOn.ANY:
        return True
    return effective_severity(finding.severity) >= minimum


# --- ignore entries ---------------------------------------------------------------------------

_ENTRY_KEYS = frozenset({"id", "package", "reason", "expires", "state", "justification"})


@dataclass(frozen=True)
class IgnoreRule:
    """Suppress one advisory (or WC- rule) id, optionally for one package only."""

    id: str
    reason: str
    package: str | None = None  # canonical name; None: every package
    expires: dt.date | None = None  # last day the entry applies; None: no expiry
    origin: str = ""  # "FILE, entry N" for messages
    # what the CycloneDX report's VEX analysis says of the ignored finding (optional)
    state: str | None = None  # one of VEX_STATES
    justification: str | None = None  # one of VEX_JUSTIFICATIONS (with state not_affected)

    def suppression(self) -> Suppression:
        return Suppression(self.reason, self.origin, self.state, self.justification)

    def expired(self, today: dt.date) -> bool:
        return self.expires is not None and today > self.expires

    def matches(self, finding: Finding) -> bool:
        if self.package is not None and self.package != finding.package:
            return False
        wanted = self.id.casefold()
        ids = (finding.rule, finding.id or "", *finding.aliases)
        return any(candidate.casefold() == wanted for candidate in ids if candidate)


def parse_ignore_entries(entries: object, origin: str) -> tuple[IgnoreRule, ...]:
    """Validate raw ``[[ignore]]`` tables (from an ignore file or, later, config)."""
    if not isinstance(entries, list):
        raise PolicyError(f"{origin}: 'ignore' must be an array of tables ([[ignore]])")
    return tuple(_parse_entry(raw, f"{origin}, entry {n}") for n, raw in enumerate(entries, 1))


def _parse_entry(raw: object, where: str) -> IgnoreRule:
    if not isinstance(raw, Mapping):
        raise PolicyError(f"{where}: an ignore entry must be a table")
    unknown = sorted(set(raw) - _ENTRY_KEYS)
    if unknown:
        raise PolicyError(f"{where}: unknown key(s) {', '.join(unknown)}")
    ident = raw.get("id")
    if not isinstance(ident, str) or not ident.strip():
        raise PolicyError(f"{where}: 'id' (an advisory id or WC- rule id) is required")
    reason = raw.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise PolicyError(f"{where}: ignoring {ident} needs a non-empty 'reason'")
    package = raw.get("package")
    if package is not None and (not isinstance(package, str) or not package.strip()):
        raise PolicyError(f"{where}: 'package' must be a package name")
    state = _choice(raw.get("state"), VEX_STATES, "state", where)
    justification = _choice(raw.get("justification"), VEX_JUSTIFICATIONS, "justification", where)
    if justification and state != "not_affected":
        raise PolicyError(f"{where}: a 'justification' goes with state = \"not_affected\"")
    return IgnoreRule(
        id=ident.strip(),
        reason=reason.strip(),
        package=canonicalize_name(package) if package else None,
        expires=_parse_date(raw.get("expires"), where),
        origin=where,
        state=state,
        justification=justification,
    )


def _choice(value: object, choices: Sequence[str], key: str, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or value not in choices:
        raise PolicyError(f"{where}: '{key}' must be one of {', '.join(choices)}, got {value!r}")
    return value


def _parse_date(value: object, where: str) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):  # a TOML datetime: the day is what counts
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise PolicyError(f"{where}: 'expires' must be a date like 2026-12-31, got {value!r}")


def load_ignore_file(path: Path) -> tuple[IgnoreRule, ...]:
    """Read a TOML ignore file: ``[[ignore]]`` tables with id, reason, package?, expires?."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PolicyError(f"cannot read ignore file {path}: {exc.strerror or exc}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise PolicyError(f"ignore file {path} is not valid TOML: {exc}") from exc
    except RecursionError:  # tomllib recurses once per nesting level of an array
        raise PolicyError(f"ignore file {path}: TOML nested too deeply") from None
    unknown = sorted(set(data) - {"ignore"})
    if unknown:
        raise PolicyError(f"{path}: unknown top-level key(s) {', '.join(unknown)}")
    return parse_ignore_entries(data.get("ignore", []), str(path))


def apply_ignores(
    outcome: ScanOutcome, rules: Sequence[IgnoreRule], today: dt.date | None = None
) -> ScanOutcome:
    """Move findings matched by a live rule to ``ignored``; expired rules become notes."""
    today = today or dt.date.today()
    live = [rule for rule in rules if not rule.expired(today)]
    notes = [
        f"ignore entry for {rule.id} ({rule.origin}) expired on {rule.expires}: no longer applied"
        for rule in rules
        if rule.expired(today)
    ]
    used: set[int] = set()
    results = tuple(_filter(result, live, used) for result in outcome.results)
    notes.extend(
        f"ignore entry for {rule.id} ({rule.origin}) matched no finding"
        for n, rule in enumerate(live)
        if n not in used
    )
    return ScanOutcome(results, (*outcome.notes, *notes))


def _filter(result: ArtifactResult, live: Sequence[IgnoreRule], used: set[int]) -> ArtifactResult:
    kept: list[Finding] = []
    ignored = list(result.ignored)
    for finding in result.findings:
        hits = [n for n, rule in enumerate(live) if rule.matches(finding)]
        used.update(hits)
        if hits:  # the first matching entry says why
            ignored.append(replace(finding, suppression=live[hits[0]].suppression()))
        else:
            kept.append(finding)
    return replace(result, findings=tuple(kept), ignored=tuple(ignored))


# --- what is listed (--severity, --ignore-unfixed) --------------------------------------------

_SEVERITY_NAMES = {str(level): level for level in Severity}


@dataclass(frozen=True)
class Listing:
    """Which findings a scan lists, as trivy's ``--severity`` and ``--ignore-unfixed`` do.

    A finding that is not listed is not reported and does not fail the scan: ``--fail-on``
    applies to the listed findings only.  ``ignore_unfixed`` hides advisories with no fixed
    version, never a known-malicious package (its fix is removal, not an upgrade).
    """

    severities: frozenset[Severity] = frozenset()  # empty: every level
    ignore_unfixed: bool = False

    def lists(self, finding: Finding) -> bool:
        return self.level_listed(finding) and not self.unfixed(finding)

    def level_listed(self, finding: Finding) -> bool:
        return not self.severities or finding.severity in self.severities

    def unfixed(self, finding: Finding) -> bool:
        return self.ignore_unfixed and finding.kind == "advisory" and not finding.fixed


def parse_severities(values: Iterable[str]) -> frozenset[Severity]:
    """``--severity critical,high`` (repeatable, comma-separated, any case)."""
    names = [name.strip().lower() for value in values for name in value.split(",")]
    unknown = [name for name in names if name not in _SEVERITY_NAMES]
    if unknown or not names:
        choices = ", ".join(str(level) for level in sorted(Severity, key=severity_order))
        raise PolicyError(f"--severity takes levels among {choices}, got {', '.join(unknown)!r}")
    return frozenset(_SEVERITY_NAMES[name] for name in names)


def apply_listing(outcome: ScanOutcome, listing: Listing) -> ScanOutcome:
    """Drop the findings (and ignored findings) ``listing`` does not list; a note says how many."""
    if listing == Listing():
        return outcome
    every = [f for r in outcome.results for f in r.findings]
    results = tuple(
        replace(
            result,
            findings=tuple(f for f in result.findings if listing.lists(f)),
            ignored=tuple(f for f in result.ignored if listing.lists(f)),
        )
        for result in outcome.results
    )
    by_level = sum(1 for f in every if not listing.level_listed(f))
    unfixed = sum(1 for f in every if listing.level_listed(f) and listing.unfixed(f))
    notes = list(outcome.notes)
    if by_level:
        levels = ",".join(str(s) for s in sorted(listing.severities, reverse=True))
        notes.append(
            f"--severity {levels}: {_plural(by_level, 'finding')} of other levels not listed "
            "(they do not fail the scan)"
        )
    if unfixed:
        notes.append(
            f"--ignore-unfixed: {_plural(unfixed, 'advisory')} with no fixed version not listed "
            "(they do not fail the scan)"
        )
    return ScanOutcome(results, tuple(notes))


# --- verdict ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    status: ExitStatus
    fail_on: FailOn
    failing: int  # findings at or above the threshold
    findings: int  # every finding that was not ignored
    ignored: int
    incomplete: bool  # some check could not be evaluated
    errors: int  # artifacts that could not be opened or read
    summary: str  # one line for humans

    @property
    def exit_code(self) -> int:
        return int(self.status)


def decide(outcome: ScanOutcome, fail_on: FailOn) -> Verdict:
    """The exit status, with precedence INPUT_ERROR > FINDINGS > INCOMPLETE > CLEAN.

    - 2 first: part of what was asked was not scanned at all (bad path, corrupt or
      hostile artifact); the invocation itself must be fixed.
    - 1 over 3: findings at or above the threshold are definite.  A pipeline that
      tolerates 3 (e.g. soft-fails while an advisory source is down) must never
      thereby pass an artifact with known failing findings.  The incompleteness is
      still reported (``incomplete`` here, in every report format).
    - 3 over 0: an incomplete scan never looks clean, whatever ``--fail-on`` says
      (``none`` included: it is about findings, not about missing knowledge).
    """
    from wellcheck.signals.verdict import shown_findings

    findings = [f for r in outcome.results for f in r.findings]
    failing = sum(1 for f in findings if fails(f, fail_on))
    shown = sum(1 for r in outcome.results for f in shown_findings(r.findings) if fails(f, fail_on))
    errors = sum(1 for r in outcome.results if r.error is not None)
    incomplete = any(r.skipped for r in outcome.results)
    ignored = sum(len(r.ignored) for r in outcome.results)
    if errors:
        status = ExitStatus.INPUT_ERROR
    elif failing:
        status = ExitStatus.FINDINGS
    elif incomplete:
        status = ExitStatus.INCOMPLETE
    else:
        status = ExitStatus.CLEAN
    return Verdict(
        status=status,
        fail_on=fail_on,
        failing=failing,
        findings=len(findings),
        ignored=ignored,
        incomplete=incomplete,
        errors=errors,
        summary=_summary(
            status, fail_on, (failing, failing - shown), len(findings), errors, incomplete
        ),
    )


def _summary(
    status: ExitStatus,
    fail_on: FailOn,
    failing_folded: tuple[int, int],
    total: int,
    errors: int,
    incomplete: bool,
) -> str:
    """``failing_folded``: the failing findings, and how many of them a one-line-per-package
    report shows under a WC-POISON-SUSPECT verdict rather than on their own line."""
    failing, folded = failing_folded
    parts: list[str] = []
    if errors:
        parts.append(f"{_plural(errors, 'artifact')} could not be scanned")
    if failing:
        part = f"{_plural(failing, 'finding')} at or above the threshold ({fail_on})"
        if folded:
            part += f", {folded} of them detailing WC-POISON-SUSPECT verdicts"
        parts.append(part)
    elif total:
        parts.append(f"{_plural(total, 'finding')}, none at or above the threshold ({fail_on})")
    else:
        parts.append("no findings")
    if incomplete:
        parts.append("scan incomplete: some checks could not be evaluated")
    label = {
        ExitStatus.CLEAN: "PASS",
        ExitStatus.FINDINGS: "FAIL",
        ExitStatus.INPUT_ERROR: "ERROR",
        ExitStatus.INCOMPLETE: "INCOMPLETE",
    }[status]
    return f"{label}: " + "; ".join(parts)


def _plural(count: int, noun: str) -> str:
    if count == 1:
        return f"{count} {noun}"
    return f"{count} {noun[:-1]}ies" if noun.endswith("y") else f"{count} {noun}s"


def severity_order(severity: Severity) -> tuple[int, int]:
    """Sort key, most severe first: UNKNOWN sits right after MEDIUM (its rank)."""
    return -int(effective_severity(severity)), -int(severity)


def count_by_severity(findings: Iterable[Finding]) -> dict[Severity, int]:
    """Counts per severity in severity_order, every level present (for reports)."""
    counts = dict.fromkeys(sorted(Severity, key=severity_order), 0)
    for finding in findings:
        counts[finding.severity] += 1
    return counts
