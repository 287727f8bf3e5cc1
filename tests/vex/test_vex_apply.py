"""VEX statements applied to findings: what they clear, what they leave, what is noted.

Documents are written here as the tools that make them write them (vexctl for OpenVEX,
Dependency-Track / trivy style BOM-Links for CycloneDX), then read by ``parse_vex``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from wellcheck.models import ArtifactInfo, ArtifactResult, Finding, ScanOutcome, Severity
from wellcheck.vex import apply_vex, parse_vex

LEAK = Finding(
    kind="advisory",
    rule="GHSA-j8r2-6x86-q33q",
    package="requests",
    version="2.25.1",
    severity=Severity.MEDIUM,
    title="Unintended leak of Proxy-Authorization header in requests",
    id="GHSA-j8r2-6x86-q33q",
    aliases=("CVE-2023-32681", "PYSEC-2023-74"),
)
COOKIE = Finding(
    kind="advisory",
    rule="GHSA-v845-jxx5-vc9f",
    package="urllib3",
    version="1.26.4",
    severity=Severity.HIGH,
    title="Cookie HTTP header isn't stripped on cross-origin redirects",
    id="GHSA-v845-jxx5-vc9f",
    aliases=("CVE-2023-43804",),
)


def scan(*findings: Finding) -> ScanOutcome:
    info = ArtifactInfo(path="function.zip", kind="lambda-zip")
    return ScanOutcome((ArtifactResult(info, (), findings=findings),))


def openvex(*statements: dict[str, Any], timestamp: str | None = "2026-01-08T18:02:03Z") -> str:
    doc: dict[str, Any] = {
        "@context": "https://openvex.dev/ns/v0.2.0",
        "@id": "https://openvex.dev/docs/public/vex-1",
        "author": "Platform team",
        "version": 1,
        "statements": list(statements),
    }
    if timestamp:
        doc["timestamp"] = timestamp
    return json.dumps(doc)


def statement(
    vuln: str = "CVE-2023-32681",
    product: str = "pkg:pypi/requests@2.25.1",
    status: str = "not_affected",
    **extra: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "vulnerability": {"name": vuln},
        "products": [{"@id": product}],
        "status": status,
    }
    if status == "not_affected" and "impact_statement" not in extra:
        body["justification"] = "vulnerable_code_not_in_execute_path"
    body.update(extra)
    return body


def cleared(text: str, *findings: Finding) -> list[str]:
    """Rules of the findings the document moves to ``ignored``."""
    result = apply_vex(scan(*findings), [parse_vex(text, "vex.json")]).results[0]
    assert len(result.findings) + len(result.ignored) == len(findings)
    return [f.rule for f in result.ignored]


MATCHING = [
    # (statement, clears the requests leak?)
    (statement(), True),
    (statement(vuln="GHSA-j8r2-6x86-q33q"), True),  # by id
    (statement(vuln="pysec-2023-74"), True),  # by alias, any case
    (statement(vuln="CVE-2099-0001"), False),
    (statement(product="pkg:pypi/requests"), True),  # no version: every version
    (statement(product="pkg:pypi/Requests@2.25.1.0"), True),  # PEP 503 name, PEP 440 version
    (statement(product="pkg:pypi/requests@2.31.0"), False),  # another release
    (statement(product="pkg:pypi/urllib3@2.25.1"), False),  # another package
    (statement(product="pkg:pypi/requests@2.25.1?file_name=x.whl"), True),  # qualifiers
    (statement(status="fixed"), True),
    (statement(status="affected", action_statement="upgrade"), False),
    (statement(status="under_investigation"), False),
    (statement(product="pkg:npm/requests@2.25.1"), False),  # not a PyPI package
    (
        {  # v0.2.0 aliases in the statement; the product by identifiers.purl
            "vulnerability": {"name": "CVE-2099-9", "aliases": ["GHSA-j8r2-6x86-q33q"]},
            "products": [{"identifiers": {"purl": "pkg:pypi/requests@2.25.1"}}],
            "status": "not_affected",
            "impact_statement": "proxies are never configured in this function",
        },
        True,
    ),
    (  # v0.0.1: the vulnerability and the products as plain strings
        {
            "vulnerability": "CVE-2023-32681",
            "products": ["pkg:pypi/requests@2.25.1"],
            "status": "fixed",
        },
        True,
    ),
    (  # the product is the function; the vulnerability is in a subcomponent
        statement(
            product="pkg:generic/my-function@1.4",
            products=[
                {
                    "@id": "pkg:generic/my-function@1.4",
                    "subcomponents": [{"@id": "pkg:pypi/requests@2.25.1"}],
                }
            ],
        ),
        True,
    ),
    (  # subcomponents narrow the statement: requests itself is not what it is about
        statement(
            products=[
                {"@id": "pkg:pypi/requests@2.25.1", "subcomponents": [{"@id": "pkg:pypi/idna"}]}
            ]
        ),
        False,
    ),
]


@pytest.mark.parametrize(("body", "clears"), MATCHING)
def test_openvex_statements_clear_what_they_name(body: dict[str, Any], clears: bool) -> None:
    assert cleared(openvex(body), LEAK, COOKIE) == (["GHSA-j8r2-6x86-q33q"] if clears else [])


def test_a_cleared_finding_says_which_statement_and_why() -> None:
    text = openvex(
        statement(
            justification="vulnerable_code_not_in_execute_path",
            impact_statement="the Session object is never given proxies",
        ),
        statement(vuln="CVE-2023-43804", product="pkg:pypi/urllib3@1.26.4", status="fixed"),
    )
    result = apply_vex(scan(LEAK, COOKIE), [parse_vex(text, "vex.json")]).results[0]
    assert result.findings == ()
    why = {f.rule: f.suppression for f in result.ignored}
    leak = why["GHSA-j8r2-6x86-q33q"]
    assert leak is not None
    assert leak.origin == "vex.json, statement 1"
    assert (leak.state, leak.justification) == ("not_affected", "code_not_reachable")
    assert leak.reason == (
        "vulnerable_code_not_in_execute_path: the Session object is never given proxies"
    )
    cookie = why["GHSA-v845-jxx5-vc9f"]
    assert cookie is not None
    assert (cookie.state, cookie.justification, cookie.reason) == ("resolved", None, "fixed")


def test_statements_that_name_no_pypi_package_are_noted_not_applied() -> None:
    text = openvex(statement(product="pkg:oci/function@sha256%3Aab12"), statement())
    outcome = apply_vex(scan(LEAK), [parse_vex(text, "vex.json")])
    assert [f.rule for f in outcome.results[0].ignored] == ["GHSA-j8r2-6x86-q33q"]
    assert outcome.notes == (
        "VEX vex.json: 1 statement(s) name no PyPI package (pkg:pypi/...) and were not applied",
    )


TIMELINES = [
    # (first statement, second statement, cleared?, noted?)
    # a later statement overrides an earlier one, in either direction
    (("not_affected", "2026-01-01T00:00:00Z"), ("affected", "2026-02-01T00:00:00Z"), False, False),
    (("affected", "2026-01-01T00:00:00Z"), ("fixed", "2026-02-01T00:00:00+01:00"), True, False),
    (("fixed", "2026-03-01T00:00:00Z"), ("under_investigation", "2026-02-01"), True, False),
    # the same time, or no time to tell: the finding is kept, and a note says why
    (("not_affected", "2026-01-01T00:00:00Z"), ("affected", "2026-01-01T00:00:00Z"), False, True),
    (("not_affected", None), ("affected", "2026-02-01T00:00:00Z"), False, True),
    # statements that agree need no time
    (("not_affected", None), ("fixed", None), True, False),
    (("affected", None), ("under_investigation", None), False, False),
]


@pytest.mark.parametrize(("first", "second", "clears", "noted"), TIMELINES)
def test_the_latest_statement_decides_and_an_unclear_order_keeps_the_finding(
    first: tuple[str, str | None],
    second: tuple[str, str | None],
    clears: bool,
    noted: bool,
) -> None:
    statements = []
    for status, when in (first, second):
        body = statement(status=status, action_statement="upgrade")
        if when:
            body["timestamp"] = when
        statements.append(body)
    outcome = apply_vex(scan(LEAK), [parse_vex(openvex(*statements, timestamp=None), "v.json")])
    assert len(outcome.results[0].ignored) == int(clears)
    conflict = [n for n in outcome.notes if "disagree" in n]
    assert len(conflict) == int(noted)
    if noted:
        assert "v.json, statement 1; v.json, statement 2" in conflict[0]


def test_statements_inherit_the_document_time_and_files_are_read_together() -> None:
    early = openvex(statement(), timestamp="2026-01-01T00:00:00Z")
    later = openvex(
        statement(status="affected", action_statement="upgrade"), timestamp="2026-05-01"
    )
    documents = [parse_vex(early, "a.json"), parse_vex(later, "b.json")]
    assert apply_vex(scan(LEAK), documents).results[0].ignored == ()
    assert len(apply_vex(scan(LEAK), documents[:1]).results[0].ignored) == 1


def cyclonedx_vex(*vulnerabilities: dict[str, Any], components: Any = None) -> str:
    doc: dict[str, Any] = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "version": 1,
        "metadata": {"timestamp": "2026-01-13T00:00:00Z"},
        "vulnerabilities": list(vulnerabilities),
    }
    if components is not None:
        doc["components"] = components
    return json.dumps(doc)


def cdx_vulnerability(ref: str, state: str = "not_affected", **extra: Any) -> dict[str, Any]:
    analysis: dict[str, Any] = {"state": state, "detail": "no proxies are configured"}
    if state == "not_affected":
        analysis["justification"] = "requires_configuration"
    body: dict[str, Any] = {"id": "CVE-2023-32681", "analysis": analysis, "affects": [{"ref": ref}]}
    body.update(extra)
    return body


SERIAL = "urn:cdx:3e671687-395b-41f5-a30f-a58921a69b79/1"
CDX_CASES = [
    # (vulnerability, components of the VEX BOM, clears the leak?)
    (cdx_vulnerability("pkg:pypi/requests@2.25.1"), None, True),  # the ref is a purl
    (cdx_vulnerability(f"{SERIAL}#pkg:pypi/requests@2.25.1"), None, True),  # a BOM-Link
    (  # wellcheck's own bom-ref, percent-encoded in a BOM-Link
        cdx_vulnerability(f"{SERIAL}#pkg:pypi/requests@2.25.1%7Cpython/requests-2.25.1.dist-info"),
        None,
        True,
    ),
    (  # a bom-ref of a component of the VEX BOM itself
        cdx_vulnerability("comp-1"),
        [{"type": "library", "name": "requests", "bom-ref": "comp-1", "purl": "pkg:pypi/requests"}],
        True,
    ),
    (cdx_vulnerability("pkg:pypi/requests@2.25.1", state="false_positive"), None, True),
    (cdx_vulnerability("pkg:pypi/requests@2.25.1", state="resolved"), None, True),
    (cdx_vulnerability("pkg:pypi/requests@2.25.1", state="exploitable"), None, False),
    (cdx_vulnerability("pkg:pypi/requests@2.25.1", state="in_triage"), None, False),
    (cdx_vulnerability("pkg:pypi/requests@2.31.0"), None, False),
    (  # exact versions listed narrow the match
        cdx_vulnerability(
            "pkg:pypi/requests",
            affects=[{"ref": "pkg:pypi/requests", "versions": [{"version": "2.25.1"}]}],
        ),
        None,
        True,
    ),
    (
        cdx_vulnerability(
            "pkg:pypi/requests",
            affects=[{"ref": "pkg:pypi/requests", "versions": [{"version": "2.26.0"}]}],
        ),
        None,
        False,
    ),
    (  # an alias in references
        cdx_vulnerability(
            "pkg:pypi/requests", id="CVE-2099-1", references=[{"id": "GHSA-j8r2-6x86-q33q"}]
        ),
        None,
        True,
    ),
    ({"id": "CVE-2023-32681", "affects": [{"ref": "pkg:pypi/requests"}]}, None, False),  # a VDR
    (cdx_vulnerability("unknown-ref"), None, False),
]


@pytest.mark.parametrize(("vulnerability", "components", "clears"), CDX_CASES)
def test_cyclonedx_vex_clears_what_it_names(
    vulnerability: dict[str, Any], components: Any, clears: bool
) -> None:
    text = cyclonedx_vex(vulnerability, components=components)
    assert cleared(text, LEAK, COOKIE) == (["GHSA-j8r2-6x86-q33q"] if clears else [])


def test_cyclonedx_version_ranges_and_unknown_refs_are_noted_not_guessed() -> None:
    ranged = cdx_vulnerability(
        "pkg:pypi/requests",
        affects=[{"ref": "pkg:pypi/requests", "versions": [{"range": "vers:pypi/<2.31.0"}]}],
    )
    text = cyclonedx_vex(ranged, cdx_vulnerability("not-a-component"))
    outcome = apply_vex(scan(LEAK), [parse_vex(text, "vex.cdx.json")])
    assert outcome.results[0].ignored == ()
    assert sorted(outcome.notes) == [
        "VEX vex.cdx.json: 1 affects target(s) with a version range not applied",
        "VEX vex.cdx.json: 1 affects target(s) with no PyPI package not applied",
    ]
