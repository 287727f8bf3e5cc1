"""PyPI-metadata signals against a loopback server speaking PyPI's JSON API."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from fakepypi import FakePyPI, project, release

from wellcheck.checks import CheckContext, CheckResult
from wellcheck.http import HttpClient, RetryPolicy
from wellcheck.models import ArtifactInfo, Component, ComponentKind, Person
from wellcheck.pypi.json_api import PyPIJsonSource
from wellcheck.pypi.store import PyPIStore
from wellcheck.signals.pypi_baseline import read_baseline, write_baseline
from wellcheck.signals.pypi_meta import PyPIMetadataCheck, PyPIOptions

NOW = datetime(2026, 11, 30, tzinfo=UTC).timestamp()
DAY = 86400.0
FAST = RetryPolicy(attempts=3, backoff=0.0, connect_timeout=0.5, read_timeout=0.5)
CTX = CheckContext(artifact=ArtifactInfo(path="a.zip", kind="lambda-zip"))


def comp(name: str, version: str, **kw: object) -> Component:
    return Component(
        name=name,
        version=version,
        kind=ComponentKind.DIST_INFO,
        location=f"{name}-{version}.dist-info",
        **kw,  # type: ignore[arg-type]
    )


def run(
    server: FakePyPI,
    tmp_path: Path,
    components: list[Component],
    *,
    now: float = NOW,
    offline: bool = False,
    options: PyPIOptions | None = None,
    url: str | None = None,
) -> CheckResult:
    store = PyPIStore(tmp_path / "pypi.sqlite3")
    source = PyPIJsonSource(
        store,
        base_url=url or server.url,
        ttl=0 if not offline else 1e12,
        offline=offline,
        client=HttpClient(FAST, sleep=lambda s: None),
        clock=lambda: now,
    )
    try:
        return PyPIMetadataCheck(source, store, options, clock=lambda: now).run(components, CTX)
    finally:
        source.close()
        store.close()


def rules(result: CheckResult) -> set[str]:
    return {f.rule for f in result.findings}


REQUESTS = project(
    "requests",
    {
        "2.30.0": [release("2.30.0", "2023-05-03T00:00:00Z")],
        "2.31.0": [release("2.31.0", "2023-05-22T00:00:00Z")],
    },
    ["Lukasa", "nateprewitt"],
)


def test_a_well_known_release_raises_nothing(fake_pypi: FakePyPI, tmp_path: Path) -> None:
    fake_pypi.projects["requests"] = REQUESTS
    result = run(fake_pypi, tmp_path, [comp("requests", "2.31.0")])
    assert result.findings == ()
    assert result.skipped == ()


def test_ownership_change_between_two_scans_is_found(fake_pypi: FakePyPI, tmp_path: Path) -> None:
    fake_pypi.projects["requests"] = REQUESTS
    first = run(fake_pypi, tmp_path, [comp("requests", "2.31.0")], now=NOW - 3 * DAY)
    assert "WC-PYPI-OWNER-CHANGE" not in rules(first)
    fake_pypi.projects["requests"] = project(
        "requests", REQUESTS["releases"], ["Lukasa", "new-maintainer-2026"]
    )
    second = run(fake_pypi, tmp_path, [comp("requests", "2.31.0")])
    [change] = [f for f in second.findings if f.rule == "WC-PYPI-OWNER-CHANGE"]
    assert "added new-maintainer-2026" in change.evidence
    assert "removed nateprewitt" in change.evidence
    assert "2026-11-27" in change.evidence and "2026-11-30" in change.evidence
    assert change.severity.name == "HIGH"


def test_owner_baseline_mismatch_is_found(fake_pypi: FakePyPI, tmp_path: Path) -> None:
    fake_pypi.projects["requests"] = REQUESTS
    baseline_file = tmp_path / "owners.json"
    write_baseline(baseline_file, {"requests": ("Lukasa", "someone-else")})
    options = PyPIOptions(baseline=read_baseline(baseline_file))
    result = run(fake_pypi, tmp_path, [comp("requests", "2.31.0")], options=options)
    [finding] = [f for f in result.findings if f.rule == "WC-PYPI-OWNER-BASELINE"]
    assert "added nateprewitt" in finding.evidence
    assert "removed someone-else" in finding.evidence


def test_unknown_name_is_found(fake_pypi: FakePyPI, tmp_path: Path) -> None:
    result = run(fake_pypi, tmp_path, [comp("acme-internal-utils", "1.0.0")])
    assert rules(result) == {"WC-PYPI-UNKNOWN"}
    assert result.skipped == ()


def test_unknown_name_near_a_popular_project_is_critical(
    fake_pypi: FakePyPI, tmp_path: Path
) -> None:
    """A removed typosquat still vendored in a deployed function."""
    result = run(fake_pypi, tmp_path, [comp("pandar", "1.0.0"), comp("acme-internal-utils", "1")])
    severity = {f.package: f.severity.name for f in result.findings if f.rule == "WC-PYPI-UNKNOWN"}
    assert severity == {"pandar": "CRITICAL", "acme-internal-utils": "HIGH"}
    [finding] = [f for f in result.findings if f.package == "pandar"]
    assert "looks like 'pandas'" in finding.evidence
    allowed = run(
        fake_pypi,
        tmp_path,
        [comp("pandar", "1.0.0")],
        options=PyPIOptions(typosquat_allow=("pandar",)),
    )
    assert [f.severity.name for f in allowed.findings if f.rule == "WC-PYPI-UNKNOWN"] == ["HIGH"]


def test_internal_name_published_publicly_is_dependency_confusion(
    fake_pypi: FakePyPI, tmp_path: Path
) -> None:
    fake_pypi.projects["acme-utils"] = project(
        "acme-utils", {"99.0.0": [release("99.0.0", "2026-01-01T00:00:00Z")]}, ["attacker"]
    )
    options = PyPIOptions(internal=frozenset({"acme-utils", "acme-private"}))
    result = run(
        fake_pypi,
        tmp_path,
        [comp("acme-utils", "1.0.0"), comp("acme-private", "1.0")],
        options=options,
    )
    assert rules(result) == {"WC-PYPI-CONFUSION"}


def test_missing_version_is_found(fake_pypi: FakePyPI, tmp_path: Path) -> None:
    fake_pypi.projects["requests"] = REQUESTS
    result = run(fake_pypi, tmp_path, [comp("requests", "2.31.5")])
    [finding] = [f for f in result.findings if f.rule == "WC-PYPI-VERSION-MISSING"]
    assert "latest 2.31.0" in finding.evidence


def test_pep440_equal_version_is_not_missing(fake_pypi: FakePyPI, tmp_path: Path) -> None:
    fake_pypi.projects["requests"] = REQUESTS
    assert "WC-PYPI-VERSION-MISSING" not in rules(
        run(fake_pypi, tmp_path, [comp("requests", "2.31")])
    )


@pytest.mark.parametrize(
    ("releases", "installed", "expected", "absent"),
    [
        # the ctx pattern: silent since 2014, then a new release
        (
            {
                "0.1.2": [release("0.1.2", "2014-12-19T00:00:00Z")],
                "0.2.2": [release("0.2.2", "2022-05-14T00:00:00Z")],
            },
            "0.2.2",
            "WC-PYPI-DORMANT",
            None,
        ),
        (
            {
                "1.0": [release("1.0", "2025-12-19T00:00:00Z")],
                "1.1": [release("1.1", "2026-05-14T00:00:00Z")],
            },
            "1.1",
            None,
            "WC-PYPI-DORMANT",
        ),
        # a file added to a release months after it came out
        (
            {
                "1.0": [
                    release("1.0", "2025-01-01T00:00:00Z"),
                    release("1.0", "2025-06-01T00:00:00Z", filename="pkg-1.0-cp312.whl"),
                ]
            },
            "1.0",
            "WC-PYPI-LATE-FILE",
            None,
        ),
        # too fresh: two days old with a 7-day cooldown
        (
            {"1.0": [release("1.0", "2026-11-28T00:00:00Z")]},
            "1.0",
            "WC-PYPI-FRESH",
            None,
        ),
        (
            {"1.0": [release("1.0", "2026-11-01T00:00:00Z")]},
            "1.0",
            None,
            "WC-PYPI-FRESH",
        ),
        (
            {"1.0": [release("1.0", "2024-01-01T00:00:00Z", yanked=True, reason="broken build")]},
            "1.0",
            "WC-PYPI-YANKED",
            None,
        ),
    ],
)
def test_release_history_signals(
    fake_pypi: FakePyPI,
    tmp_path: Path,
    releases: dict[str, list[dict[str, object]]],
    installed: str,
    expected: str | None,
    absent: str | None,
) -> None:
    fake_pypi.projects["pkg"] = project("pkg", releases, ["owner"])
    found = rules(run(fake_pypi, tmp_path, [comp("pkg", installed)]))
    if expected:
        assert expected in found
    if absent:
        assert absent not in found


def test_yanked_reason_is_in_the_evidence(fake_pypi: FakePyPI, tmp_path: Path) -> None:
    fake_pypi.projects["pkg"] = project(
        "pkg",
        {"1.0": [release("1.0", "2024-01-01T00:00:00Z", yanked=True, reason="broken")]},
        ["o"],
    )
    [f] = [
        f
        for f in run(fake_pypi, tmp_path, [comp("pkg", "1.0")]).findings
        if f.rule == "WC-PYPI-YANKED"
    ]
    assert "broken" in f.evidence


def test_low_weight_context_and_author_mismatch(fake_pypi: FakePyPI, tmp_path: Path) -> None:
    fake_pypi.projects["pkg"] = project(
        "pkg",
        {"1.0": [release("1.0", "2024-01-01T00:00:00Z")]},
        ["o"],
        project_urls={},
        description="",
        author_email="dev@example.org",
    )
    c = comp("pkg", "1.0", authors=(Person("Mallory", "mallory@evil.example"),))
    found = rules(run(fake_pypi, tmp_path, [c]))
    assert {
        "WC-PYPI-NO-REPO",
        "WC-PYPI-SINGLE-RELEASE",
        "WC-PYPI-NO-DESCRIPTION",
        "WC-PYPI-AUTHOR-MISMATCH",
    } <= found


@pytest.mark.parametrize("fault", [[500, 500, 500], ["slow", "slow", "slow"], ["truncated"], [400]])
def test_unreachable_pypi_makes_the_check_not_checked(
    fake_pypi: FakePyPI, tmp_path: Path, fault: list[object]
) -> None:
    fake_pypi.projects["requests"] = REQUESTS
    fake_pypi.faults["requests"] = list(fault)
    result = run(fake_pypi, tmp_path, [comp("requests", "2.31.0")])
    assert result.findings == ()
    [skip] = result.skipped
    assert skip.source == "pypi" and skip.package == "requests"


def test_connection_refused_is_not_checked(fake_pypi: FakePyPI, tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    result = run(fake_pypi, tmp_path, [comp("requests", "2.31.0")], url=dead)
    assert result.findings == () and len(result.skipped) == 1


@pytest.mark.parametrize("fault", [[500], [429], [503, 502]])
def test_transient_errors_are_retried(
    fake_pypi: FakePyPI, tmp_path: Path, fault: list[object]
) -> None:
    fake_pypi.projects["requests"] = REQUESTS
    fake_pypi.faults["requests"] = list(fault)
    result = run(fake_pypi, tmp_path, [comp("requests", "2.31.0")])
    assert result.skipped == ()
    assert len(fake_pypi.requests) == len(fault) + 1


def test_offline_uses_the_cache_and_reports_what_it_lacks(
    fake_pypi: FakePyPI, tmp_path: Path
) -> None:
    fake_pypi.projects["requests"] = REQUESTS
    run(fake_pypi, tmp_path, [comp("requests", "2.31.0")])
    served = len(fake_pypi.requests)
    result = run(
        fake_pypi, tmp_path, [comp("requests", "2.31.5"), comp("six", "1.16.0")], offline=True
    )
    assert len(fake_pypi.requests) == served  # nothing asked
    assert "WC-PYPI-VERSION-MISSING" in rules(result)
    assert [(s.package, "offline" in s.reason) for s in result.skipped] == [("six", True)]


def test_a_corrupt_store_is_moved_aside_and_rebuilt(fake_pypi: FakePyPI, tmp_path: Path) -> None:
    (tmp_path / "pypi.sqlite3").write_bytes(b"this is not a database" * 100)
    fake_pypi.projects["requests"] = REQUESTS
    result = run(fake_pypi, tmp_path, [comp("requests", "2.31.0")])
    assert result.skipped == ()
    assert list(tmp_path.glob("pypi.sqlite3.corrupt-*"))


@pytest.mark.parametrize(
    "text", ["[]", "[" * 100_000 + "]" * 100_000, '{"version": ' + "1" * 5000 + "}"]
)
def test_a_baseline_that_is_no_baseline_is_one_clear_error(tmp_path: Path, text: str) -> None:
    """A list, 100,000 brackets or a 5,000-digit number were internal errors."""
    from wellcheck.errors import WellcheckError

    path = tmp_path / "owners.json"
    path.write_text(text)
    with pytest.raises(WellcheckError, match="baseline") as raised:
        read_baseline(path)
    assert "\n" not in str(raised.value)
