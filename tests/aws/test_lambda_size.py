"""Lambda's 250 MB unzipped limit (issue 12): a function or layer Lambda would refuse is
reported (info) with its figure; a deployed function counts the layers Lambda attaches."""

from __future__ import annotations

import zlib
from pathlib import Path

import pytest
from lambda_server import FakeFunction, FakeLayer, LambdaServer, layer_arn
from zipkit import RawMember, deflate, raw_zip

from wellcheck.aws.size import UNZIPPED_LIMIT, LambdaSizeCheck
from wellcheck.models import ArtifactResult, Finding, Severity
from wellcheck.scan.checks import signal_checks
from wellcheck.scan.options import ScanOptions
from wellcheck.scan.run import run_scan
from wellcheck.scan.target import scan_artifacts

MIB = 1024 * 1024
_ZEROS = bytes(MIB)
_PAYLOAD = deflate(_ZEROS)  # ~1 KiB: a 250 MiB zip is built in milliseconds
_CRC = zlib.crc32(_ZEROS)
HANDLER = b"def lambda_handler(event, context):\n    return 1\n"


def big_zip(mebibytes: int, prefix: str = "", handler: bool = True) -> bytes:
    """A zip whose files unzip to ``mebibytes`` MiB (plus the handler): honest members,
    each 1 MiB of zeros (under the reader's ratio limit, which starts above 1 MiB)."""
    members = [
        RawMember(f"{prefix}blob/part{n:04d}.bin", payload=_PAYLOAD, size=MIB, crc=_CRC)
        for n in range(mebibytes)
    ]
    if handler:
        members.append(RawMember("lambda_function.py", HANDLER))
    return raw_zip(members)


def size_findings(result: ArtifactResult) -> list[Finding]:
    return [f for f in result.findings if f.rule == "WC-LAMBDA-SIZE"]


@pytest.mark.parametrize(
    ("case", "data", "expected"),
    [
        ("function-over", big_zip(251), 251 * MIB + len(HANDLER)),
        ("function-just-under", big_zip(249), None),
        ("layer-over", big_zip(260, prefix="python/", handler=False), 260 * MIB),
        ("not-a-lambda-zip", big_zip(300, prefix="data/", handler=False), None),
    ],
)
def test_a_zip_lambda_would_refuse_is_reported_with_its_size(
    tmp_path: Path, case: str, data: bytes, expected: int | None
) -> None:
    artifact = tmp_path / f"{case}.zip"
    artifact.write_bytes(data)
    (result,) = scan_artifacts([str(artifact)], [LambdaSizeCheck()]).results
    assert result.error is None
    found = size_findings(result)
    if expected is None:
        assert found == [], case
        return
    (finding,) = found
    assert finding.severity is Severity.INFO
    assert f"= {expected:,} bytes unzipped" in finding.evidence
    assert f"Lambda's limit is {UNZIPPED_LIMIT:,} bytes" in finding.evidence
    what = "layer" if case.startswith("layer") else "function"
    assert finding.title.startswith(f"the {what} unzips to {expected / MIB:.1f} MiB")


def test_exactly_250_mib_is_refused_as_lambda_refuses_it(tmp_path: Path) -> None:
    """Lambda: "Unzipped size must be smaller than 262144000 bytes"."""
    assert UNZIPPED_LIMIT == 250 * MIB == 262_144_000
    artifact = tmp_path / "fn.zip"
    artifact.write_bytes(raw_zip([*_members(249), RawMember("app.py", bytes(MIB))]))
    (result,) = scan_artifacts([str(artifact)], [LambdaSizeCheck()]).results
    (finding,) = size_findings(result)
    assert f"= {UNZIPPED_LIMIT:,} bytes unzipped" in finding.evidence


def _members(count: int) -> list[RawMember]:
    return [
        RawMember(f"blob/part{n:04d}.bin", payload=_PAYLOAD, size=MIB, crc=_CRC)
        for n in range(count)
    ]


def test_a_deployed_function_counts_its_layers(
    aws_env: str, lambda_server: LambdaServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WELLCHECK_LAMBDA_ENDPOINT_URL", aws_env)
    deps = lambda_server.add_layer(FakeLayer(layer_arn("deps", 3), big_zip(120, "python/", False)))
    lambda_server.add_function(FakeFunction("orders", big_zip(150), layers=(deps.arn,)))
    lambda_server.add_function(FakeFunction("small", big_zip(10), layers=(deps.arn,)))
    options = ScanOptions(artifacts=("lambda:orders", "lambda:small"), advisories=False)
    assert any(isinstance(c, LambdaSizeCheck) for c in signal_checks(options))  # every scan
    outcome, _ = run_scan(options, [LambdaSizeCheck()])
    by_label = {r.artifact.path: r for r in outcome.results}
    assert set(by_label) == {"lambda:orders", deps.arn, "lambda:small"}
    (finding,) = size_findings(by_label["lambda:orders"])  # once: the deployed check replaces
    assert (finding.package, finding.version) == ("orders", "$LATEST")
    assert finding.title.startswith("the function with its layers unzips to 270.0 MiB")
    own = 150 * MIB + len(HANDLER)
    assert f"function {own / MIB:.1f} MiB + layer {deps.arn} 120.0 MiB" in finding.evidence
    assert f"= {own + 120 * MIB:,} bytes unzipped" in finding.evidence
    assert size_findings(by_label[deps.arn]) == []  # the layer alone fits
    assert size_findings(by_label["lambda:small"]) == []  # 130 MiB with the same layer
