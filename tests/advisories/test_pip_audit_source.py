"""pip-audit's OsvService behind our interface, against the loopback server's /v1/query."""

from __future__ import annotations

from pathlib import Path

from osv_server import OsvServer
from osvdata import record

from wellcheck.advisories.pip_audit import PipAuditSource
from wellcheck.models import Severity

REQ = record(
    "PYSEC-2023-74",
    "requests",
    [{"introduced": "2.3.0"}, {"fixed": "2.31.0"}],
    aliases=("CVE-2023-32681", "GHSA-j8r2-6x86-q33q"),
)
MAL = record("MAL-2024-9", "reqeusts", [{"introduced": "0"}])


def make(server: OsvServer, tmp_path: Path) -> PipAuditSource:
    return PipAuditSource(osv_url=f"{server.url}/v1/query", timeout=1, cache=tmp_path / "pa")


def test_findings_through_pip_audit(osv_server: OsvServer, tmp_path: Path) -> None:
    osv_server.add(REQ, ("requests", "2.25.1"))
    osv_server.add(MAL, ("reqeusts", "1.0"))
    result = make(osv_server, tmp_path).query(
        [("requests", "2.25.1"), ("reqeusts", "1.0"), ("six", "1.16.0")]
    )
    assert not result.skipped
    (req,) = result.advisories[("requests", "2.25.1")]
    assert (req.id, req.fixed, req.severity) == ("PYSEC-2023-74", "2.31.0", Severity.UNKNOWN)
    assert "GHSA-j8r2-6x86-q33q" in req.aliases
    (mal,) = result.advisories[("reqeusts", "1.0")]
    assert mal.malicious and mal.severity is Severity.CRITICAL


def test_service_failure_becomes_skipped_checks(osv_server: OsvServer, tmp_path: Path) -> None:
    osv_server.inject("query", "500")
    result = make(osv_server, tmp_path).query([("requests", "2.25.1"), ("six", "1.16.0")])
    assert [(s.source, s.package) for s in result.skipped] == [("pip-audit", "requests")]


def test_timeout_and_bad_versions_never_escape(osv_server: OsvServer, tmp_path: Path) -> None:
    osv_server.inject("query", "slow:1.3", "truncated")
    result = make(osv_server, tmp_path).query(
        [("requests", "2.25.1"), ("six", "1.16.0"), ("odd", "not-a-version!")]
    )
    assert {s.package for s in result.skipped} == {"requests", "six", "odd"}
