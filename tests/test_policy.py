"""Policy: thresholds, ignore entries, exit-status precedence (table-driven)."""

import datetime as dt
from pathlib import Path

import pytest

from wellcheck.errors import ExitStatus
from wellcheck.models import (
    ArtifactInfo,
    ArtifactResult,
    Finding,
    ScanOutcome,
    Severity,
    SkippedCheck,
    Suppression,
)
from wellcheck.policy import (
    FailOn,
    PolicyError,
    apply_ignores,
    decide,
    fails,
    load_ignore_file,
    parse_fail_on,
)

INFO = ArtifactInfo(path="function.zip", kind="lambda-zip")
TODAY = dt.date(2026, 11, 30)


def finding(
    severity: Severity = Severity.HIGH,
    rule: str = "GHSA-j8r2-6x86-q33q",
    package: str = "requests",
    aliases: tuple[str, ...] = ("CVE-2023-32681", "PYSEC-2023-74"),
) -> Finding:
    return Finding(
        kind="advisory",
        rule=rule,
        package=package,
        version="2.25.1",
        severity=severity,
        title="t",
        id=rule,
        aliases=aliases,
    )


def outcome(*findings: Finding, skipped: int = 0, error: bool = False) -> ScanOutcome:
    result = ArtifactResult(
        artifact=INFO,
        components=(),
        findings=findings,
        skipped=tuple(SkippedCheck("osv-api", "timeout") for _ in range(skipped)),
    )
    results = [result]
    if error:
        results.append(ArtifactResult(ArtifactInfo("bad.zip", "unknown"), (), error="corrupt"))
    return ScanOutcome(tuple(results))


S = Severity
THRESHOLDS = [
    # (fail_on, severity, fails?)
    (FailOn.CRITICAL, S.CRITICAL, True),
    (FailOn.CRITICAL, S.HIGH, False),
    (FailOn.HIGH, S.CRITICAL, True),
    (FailOn.HIGH, S.HIGH, True),
    (FailOn.HIGH, S.MEDIUM, False),
    (FailOn.HIGH, S.UNKNOWN, False),
    (FailOn.MEDIUM, S.MEDIUM, True),
    (FailOn.MEDIUM, S.UNKNOWN, True),  # unscored advisories rank as medium
    (FailOn.MEDIUM, S.LOW, False),
    (FailOn.LOW, S.LOW, True),
    (FailOn.LOW, S.UNKNOWN, True),
    (FailOn.LOW, S.INFO, False),
    (FailOn.ANY, S.INFO, True),
    (FailOn.ANY, S.UNKNOWN, True),
    (FailOn.NONE, S.CRITICAL, False),
]


@pytest.mark.parametrize(("fail_on", "severity", "expected"), THRESHOLDS)
def test_threshold(fail_on: FailOn, severity: Severity, expected: bool) -> None:
    assert fails(finding(severity), fail_on) is expected
    status = decide(outcome(finding(severity)), fail_on).status
    assert status is (ExitStatus.FINDINGS if expected else ExitStatus.CLEAN)


def test_fail_on_parsing() -> None:
    assert parse_fail_on("HIGH") is FailOn.HIGH
    with pytest.raises(PolicyError, match="--fail-on must be one of critical, high"):
        parse_fail_on("severe")


PRECEDENCE = [
    # (failing finding?, skipped checks, unreadable artifact?, exit status)
    (False, 0, False, ExitStatus.CLEAN),
    (True, 0, False, ExitStatus.FINDINGS),
    (False, 1, False, ExitStatus.INCOMPLETE),
    (True, 1, False, ExitStatus.FINDINGS),  # 1 over 3: definite findings are never softened
    (False, 0, True, ExitStatus.INPUT_ERROR),
    (True, 1, True, ExitStatus.INPUT_ERROR),  # 2 over everything
    (False, 1, True, ExitStatus.INPUT_ERROR),
]


@pytest.mark.parametrize(("failing", "skipped", "error", "expected"), PRECEDENCE)
def test_exit_status_precedence(
    failing: bool, skipped: int, error: bool, expected: ExitStatus
) -> None:
    findings = (finding(S.CRITICAL),) if failing else (finding(S.LOW),)
    verdict = decide(outcome(*findings, skipped=skipped, error=error), FailOn.HIGH)
    assert verdict.status is expected
    assert verdict.incomplete is bool(skipped)


def test_incomplete_is_never_clean_even_with_fail_on_none() -> None:
    verdict = decide(outcome(finding(S.CRITICAL), skipped=1), FailOn.NONE)
    assert verdict.status is ExitStatus.INCOMPLETE
    assert verdict.summary.startswith("INCOMPLETE:")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "wellcheck-ignore.toml"
    path.write_text(text, encoding="utf-8")
    return path


IGNORE_CASES = [
    # (entry, matches the GHSA-j8r2 finding for requests?)
    ('id = "GHSA-j8r2-6x86-q33q"', True),
    ('id = "CVE-2023-32681"', True),  # by alias
    ('id = "pysec-2023-74"', True),  # ids compare case-insensitively
    ('id = "CVE-2023-32681"\npackage = "Requests"', True),  # package canonicalised
    ('id = "CVE-2023-32681"\npackage = "urllib3"', False),  # other package
    ('id = "GHSA-0000-0000-0000"', False),
]


@pytest.mark.parametrize(("entry", "matches"), IGNORE_CASES)
def test_ignore_matching(tmp_path: Path, entry: str, matches: bool) -> None:
    rules = load_ignore_file(write(tmp_path, f'[[ignore]]\n{entry}\nreason = "not reachable"\n'))
    result = apply_ignores(outcome(finding()), rules, TODAY)
    assert len(result.results[0].ignored) == int(matches)
    assert len(result.results[0].findings) == int(not matches)
    if not matches:
        assert any("matched no finding" in note for note in result.notes)


def test_ignored_finding_no_longer_fails_the_scan(tmp_path: Path) -> None:
    path = write(tmp_path, '[[ignore]]\nid = "CVE-2023-32681"\nreason = "patched in layer"\n')
    result = apply_ignores(outcome(finding(S.CRITICAL)), load_ignore_file(path), TODAY)
    verdict = decide(result, FailOn.HIGH)
    assert verdict.status is ExitStatus.CLEAN
    assert verdict.ignored == 1


def test_an_ignored_finding_keeps_the_reason_state_and_justification(tmp_path: Path) -> None:
    """What the CycloneDX report writes as the finding's VEX analysis."""
    text = (
        '[[ignore]]\nid = "CVE-2023-32681"\nreason = "no proxies in Lambda"\n'
        'state = "not_affected"\njustification = "requires_configuration"\n'
        '[[ignore]]\nid = "GHSA-v845-jxx5-vc9f"\nreason = "accepted until the upgrade"\n'
    )
    both = outcome(finding(), finding(rule="GHSA-v845-jxx5-vc9f", package="urllib3", aliases=()))
    result = apply_ignores(both, load_ignore_file(write(tmp_path, text)), TODAY)
    why = {f.rule: f.suppression for f in result.results[0].ignored}
    origin = str(tmp_path / "wellcheck-ignore.toml")
    assert why == {
        "GHSA-j8r2-6x86-q33q": Suppression(
            "no proxies in Lambda", f"{origin}, entry 1", "not_affected", "requires_configuration"
        ),
        "GHSA-v845-jxx5-vc9f": Suppression("accepted until the upgrade", f"{origin}, entry 2"),
    }


EXPIRY_CASES = [
    ("2026-12-31", True),
    ("2026-11-30", True),  # applies through its last day
    ("2026-11-29", False),
    ('"2026-11-29"', False),  # a date written as a string works too
]


@pytest.mark.parametrize(("expires", "applies"), EXPIRY_CASES)
def test_expired_entries_stop_applying_and_are_reported(
    tmp_path: Path, expires: str, applies: bool
) -> None:
    text = f'[[ignore]]\nid = "GHSA-j8r2-6x86-q33q"\nreason = "r"\nexpires = {expires}\n'
    result = apply_ignores(outcome(finding()), load_ignore_file(write(tmp_path, text)), TODAY)
    assert len(result.results[0].ignored) == int(applies)
    expired_notes = [n for n in result.notes if "expired on 2026-11-29" in n]
    assert len(expired_notes) == int(not applies)
    if not applies:
        assert decide(result, FailOn.HIGH).status is ExitStatus.FINDINGS


BAD_FILES = [
    ('[[ignore]]\nid = "GHSA-x"\n', "needs a non-empty 'reason'"),
    ('[[ignore]]\nid = "GHSA-x"\nreason = "  "\n', "needs a non-empty 'reason'"),
    ('[[ignore]]\nreason = "r"\n', "'id'"),
    ('[[ignore]]\nid = "GHSA-x"\nreason = "r"\nexpire = 2026-01-01\n', "unknown key"),
    ('[[ignore]]\nid = "GHSA-x"\nreason = "r"\nexpires = "soon"\n', "'expires' must be a date"),
    ("ignore = 3\n", "array of tables"),
    ("[[ignore]\n", "not valid TOML"),
    ("a = " + "[" * 100_000 + "]" * 100_000 + "\n", "TOML nested too deeply"),
    ('[[ignores]]\nid = "x"\n', "unknown top-level key"),
    ('[[ignore]]\nid = "GHSA-x"\nreason = "r"\nstate = "ignored"\n', "'state' must be one of"),
    (
        '[[ignore]]\nid = "GHSA-x"\nreason = "r"\nstate = "not_affected"\n'
        'justification = "unused"\n',
        "'justification' must be one of",
    ),
    (
        '[[ignore]]\nid = "GHSA-x"\nreason = "r"\njustification = "code_not_reachable"\n',
        "goes with state",
    ),
]


@pytest.mark.parametrize(("text", "message"), BAD_FILES)
def test_bad_ignore_files_are_usage_errors(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(PolicyError, match=message) as info:
        load_ignore_file(write(tmp_path, text))
    assert info.value.exit_status is ExitStatus.INPUT_ERROR


def test_missing_ignore_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read ignore file"):
        load_ignore_file(tmp_path / "absent.toml")


def test_empty_ignore_file_is_fine(tmp_path: Path) -> None:
    assert load_ignore_file(write(tmp_path, "")) == ()


def test_the_summary_says_how_many_failing_findings_a_verdict_stands_for() -> None:
    """The table shows one WC-POISON-SUSPECT line per package in place of its signals: the
    summary's count (every failing finding, the gate) says how many sit under a verdict."""
    from wellcheck.signals.verdict import add_verdicts

    hook = finding(rule="WC-PTH-EXEC", package="reqeusts")
    squat = finding(rule="WC-TYPO-SWAP", package="reqeusts")
    found = add_verdicts([finding(), hook, squat])
    verdict = decide(outcome(*found), FailOn.HIGH)
    assert verdict.failing == 4  # the advisory, the verdict and the two signals under it
    assert verdict.summary == (
        "FAIL: 4 findings at or above the threshold (high), "
        "2 of them detailing WC-POISON-SUSPECT verdicts"
    )
    assert decide(outcome(finding()), FailOn.HIGH).summary == (
        "FAIL: 1 finding at or above the threshold (high)"
    )
