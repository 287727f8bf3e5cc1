"""Reading VEX: a malformed document is a usage error naming what is wrong, never a
partial set of statements (a statement misread could hide a finding)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import wellcheck.vex
from wellcheck.errors import ExitStatus
from wellcheck.vex import VexError, load_vex, parse_vex

GOOD_STATEMENT = {
    "vulnerability": {"name": "CVE-2023-32681"},
    "products": [{"@id": "pkg:pypi/requests@2.25.1"}],
    "status": "fixed",
}


def openvex(**changes: Any) -> str:
    statement = {**GOOD_STATEMENT, **changes}
    statement = {k: v for k, v in statement.items() if v is not None}
    return json.dumps(
        {"@context": "https://openvex.dev/ns/v0.2.0", "statements": [statement]},
    )


def cyclonedx(**changes: Any) -> str:
    vulnerability = {
        "id": "CVE-2023-32681",
        "analysis": {"state": "not_affected", "justification": "code_not_reachable"},
        "affects": [{"ref": "pkg:pypi/requests@2.25.1"}],
        **changes,
    }
    vulnerability = {k: v for k, v in vulnerability.items() if v is not None}
    return json.dumps(
        {"bomFormat": "CycloneDX", "specVersion": "1.6", "vulnerabilities": [vulnerability]}
    )


MALFORMED = [
    ("", "is not JSON"),
    ("{", "is not JSON"),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ('{"@context": "https://openvex.dev/ns/v0.2.0", "n": ' + "9" * 5000 + "}", "is not JSON"),
    ('<?xml version="1.0"?><bom xmlns="http://cyclonedx.org/schema/bom/1.6"/>', "XML is not read"),
    ('{"hello": "world"}', "neither an OpenVEX document"),
    ('{"@context": "https://example.org/vex", "statements": []}', "neither an OpenVEX document"),
    ('{"@context": "https://openvex.dev/ns/v0.2.0"}', "missing key 'statements'"),
    ('{"@context": "https://openvex.dev/ns/v0.2.0", "statements": {}}', "expected an array"),
    (openvex(status="wontfix"), "$.statements[0].status: expected a status"),
    (openvex(status=None), "missing key 'status'"),
    (openvex(vulnerability=None), "missing key 'vulnerability'"),
    (openvex(vulnerability={"name": " "}), "expected a vulnerability name"),
    (openvex(vulnerability={"@id": "x"}), "missing key 'name'"),
    (openvex(products=None), "missing key 'products'"),
    (openvex(products=[]), "expected at least one product"),
    (openvex(status="not_affected"), "justification or an impact_statement"),
    (openvex(status="not_affected", justification="not_my_problem"), "justification label"),
    (openvex(timestamp="last tuesday"), "expected an ISO 8601 timestamp"),
    (openvex(products=[{"@id": 7}]), "$.statements[0].products[0].@id: expected a string"),
    (cyclonedx(analysis={"state": "ignored"}), "$.vulnerabilities[0].analysis.state"),
    (
        cyclonedx(analysis={"state": "not_affected", "justification": "x"}),
        "CycloneDX justification",
    ),
    (cyclonedx(id=None), "missing key 'id'"),
    (cyclonedx(affects=None), "missing key 'affects'"),
    (cyclonedx(affects=[]), "at least one affects entry"),
    (cyclonedx(affects=[{"ref": None}]), "affects[0].ref: expected a string"),
    (cyclonedx(affects=[{"ref": "pkg:pypi/x", "versions": [{"status": "affected"}]}]), "'version'"),
    (cyclonedx(analysis={"state": "resolved", "lastUpdated": "soon"}), "ISO 8601"),
    ('{"bomFormat": "CycloneDX", "vulnerabilities": "none"}', "expected an array"),
]


@pytest.mark.parametrize(("text", "message"), MALFORMED)
def test_malformed_vex_is_a_usage_error(text: str, message: str) -> None:
    with pytest.raises(VexError) as info:
        parse_vex(text, "vex.json")
    error = str(info.value)
    assert message in error
    assert error.startswith(("vex.json", "VEX file vex.json"))
    assert "\n" not in error
    assert info.value.exit_status is ExitStatus.INPUT_ERROR


def test_a_vdr_and_an_empty_openvex_document_hold_no_statement() -> None:
    vdr = '{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": []}'
    assert parse_vex(vdr, "sbom.json").statements == ()
    empty = '{"@context": "https://openvex.dev/ns", "statements": []}'
    assert parse_vex(empty, "vex.json").statements == ()


def test_files_that_cannot_be_read_are_usage_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(VexError, match="cannot read VEX file"):
        load_vex(tmp_path / "absent.json")
    latin = tmp_path / "latin.json"
    latin.write_bytes(b'{"@context": "https://openvex.dev/ns", "author": "J\xe9r\xf4me"}')
    with pytest.raises(VexError, match="is not UTF-8"):
        load_vex(latin)
    big = tmp_path / "big.json"
    big.write_text(openvex(), encoding="utf-8")
    monkeypatch.setattr(wellcheck.vex, "MAX_VEX_BYTES", 100)
    with pytest.raises(VexError, match="larger than 100 bytes"):
        load_vex(big)


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "vex.json"
    path.write_bytes(b"\xef\xbb\xbf" + openvex().encode())
    (statement,) = load_vex(path).statements
    assert statement.state == "resolved"
