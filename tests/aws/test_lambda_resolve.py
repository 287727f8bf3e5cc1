"""End to end against the loopback Lambda API: resolve, download, verify, inventory."""

from __future__ import annotations

import base64
import hashlib
from datetime import date
from pathlib import Path

import pytest
from fixtures.build import function_files, install_all, layer_files, zip_bytes
from lambda_server import FakeFunction, FakeLayer, LambdaServer, layer_arn

from wellcheck.aws import (
    IMAGE_REASON,
    RULE_CODE_MISMATCH,
    RULE_RUNTIME_EOL,
    LambdaApiError,
    LambdaCodeIntegrityError,
    LambdaConfigCheck,
    LambdaNotFoundError,
    LambdaTargetError,
    expected_code_sha256,
    flatten_targets,
    resolve_targets,
)
from wellcheck.checks import CheckContext
from wellcheck.models import ArtifactInfo, Severity
from wellcheck.pipeline import inventory_artifact

TODAY = date(2026, 11, 30)
LAYER_A = layer_arn("aws-deps", 3)
LAYER_B = layer_arn("attrs-layer", 1)


def _packages(path: Path) -> set[tuple[str, str]]:
    return {(c.name, c.version) for c in inventory_artifact(str(path)).components}


def _context(label: str) -> CheckContext:
    return CheckContext(artifact=ArtifactInfo(path=label, kind="lambda-zip"))


@pytest.fixture
def two_layer_function(lambda_server: LambdaServer) -> FakeFunction:
    lambda_server.add_layer(FakeLayer(LAYER_A, zip_bytes(layer_files())))
    attrs = install_all(("attrs-21.2.0",), root="python")
    lambda_server.add_layer(FakeLayer(LAYER_B, zip_bytes(attrs)))
    fn = FakeFunction(
        "orders",
        zip_bytes(function_files()),
        runtime="python3.8",
        timeout=900,
        layers=(LAYER_A, LAYER_B),
        version="7",
    )
    return lambda_server.add_function(fn, qualifier="prod")


def test_function_with_two_layers_is_downloaded_verified_and_inventoried(
    aws_env: str, workdir: Path, two_layer_function: FakeFunction
) -> None:
    [target] = resolve_targets(["lambda:orders:prod"], workdir=workdir, endpoint_url=aws_env)

    assert target.label == "lambda:orders:prod"
    assert (target.function_name, target.runtime, target.timeout) == ("orders", "python3.8", 900)
    assert target.version == "7" and target.python_version == "3.8"
    assert target.error is None and target.zip_path is not None
    assert target.zip_path.parent == workdir
    assert target.zip_path.read_bytes() == two_layer_function.code
    assert ("requests", "2.25.1") in _packages(target.zip_path)
    assert ("reqeusts", "0.0.1") in _packages(target.zip_path)

    assert [layer.label for layer in target.layers] == [LAYER_A, LAYER_B]
    layer_a, layer_b = target.layers
    assert layer_a.kind == "layer" and layer_a.error is None and layer_a.zip_path is not None
    assert {("boto3", "1.26.0"), ("botocore", "1.29.0")} <= _packages(layer_a.zip_path)
    assert layer_b.zip_path is not None
    assert _packages(layer_b.zip_path) == {("attrs", "21.2.0")}
    assert layer_b.version == "1" and layer_b.compatible_runtimes == ("python3.12",)


def test_deprecated_runtime_timeout_and_expected_build_mismatch_are_reported(
    aws_env: str, workdir: Path, tmp_path: Path, two_layer_function: FakeFunction
) -> None:
    [target] = resolve_targets(["lambda:orders:prod"], workdir=workdir, endpoint_url=aws_env)
    ci_build = tmp_path / "ci-function.zip"
    ci_build.write_bytes(zip_bytes({**function_files(), "lambda_function.py": b"# CI build\n"}))

    check = LambdaConfigCheck(
        target,
        expected_sha256=expected_code_sha256(ci_build),
        expected_from=str(ci_build),
        today=TODAY,
    )
    result = check.run((), _context(target.label))

    by_rule = {f.rule: f for f in result.findings}
    assert set(by_rule) == {RULE_RUNTIME_EOL, "WC-LAMBDA-TIMEOUT-MAX", RULE_CODE_MISMATCH}
    assert by_rule[RULE_RUNTIME_EOL].severity is Severity.MEDIUM
    assert "python3.8" in by_rule[RULE_RUNTIME_EOL].title
    assert "2024-10-14" in by_rule[RULE_RUNTIME_EOL].title
    mismatch = by_rule[RULE_CODE_MISMATCH]
    assert mismatch.severity is Severity.HIGH and mismatch.kind == "lambda"
    assert (mismatch.package, mismatch.version, mismatch.location) == (
        "orders",
        "7",
        "lambda:orders:prod",
    )
    assert target.code_sha256 is not None and target.code_sha256 in mismatch.evidence
    assert result.skipped == ()


def test_expecting_the_deployed_zip_gives_no_mismatch(
    aws_env: str, workdir: Path, tmp_path: Path, two_layer_function: FakeFunction
) -> None:
    [target] = resolve_targets(["lambda:orders:prod"], workdir=workdir, endpoint_url=aws_env)
    same = tmp_path / "same.zip"
    assert two_layer_function.code is not None
    same.write_bytes(two_layer_function.code)

    check = LambdaConfigCheck(target, expected_sha256=expected_code_sha256(same), today=TODAY)
    rules = {f.rule for f in check.run((), _context(target.label)).findings}
    assert RULE_CODE_MISMATCH not in rules


@pytest.mark.parametrize("jobs", [1, 4])
def test_all_functions_paginates_and_shares_layer_downloads(
    aws_env: str, workdir: Path, lambda_server: LambdaServer, jobs: int
) -> None:
    lambda_server.add_layer(FakeLayer(LAYER_A, zip_bytes(layer_files())))
    code = zip_bytes(install_all(("six-1.16.0",)))
    names = [f"fn-{i:03d}" for i in range(120)]  # ListFunctions pages hold 50
    for name in names:
        lambda_server.add_function(FakeFunction(name, code, layers=(LAYER_A,)))

    targets = resolve_targets(["lambda:*"], workdir=workdir, endpoint_url=aws_env, jobs=jobs)

    assert [t.label for t in targets] == [f"lambda:{n}" for n in names]
    assert all(t.zip_path is not None and t.error is None for t in targets)
    pages = lambda_server.calls("/2015-03-31/functions")
    list_calls = [q for q in pages if "Marker" in q or "MaxItems" in q]
    assert [q.get("Marker") for q in list_calls] == [None, ["page-50"], ["page-100"]]
    layer_downloads = [d for d in lambda_server.downloads if d.startswith("layer/")]
    assert layer_downloads == ["layer/aws-deps/3"]
    assert {t.layers[0].zip_path for t in targets} == {targets[0].layers[0].zip_path}


def test_image_packaged_function_is_reported_not_scannable(
    aws_env: str, workdir: Path, lambda_server: LambdaServer
) -> None:
    lambda_server.add_function(FakeFunction("container-app", None))

    [target] = resolve_targets(["lambda:container-app"], workdir=workdir, endpoint_url=aws_env)

    assert target.package_type == "Image"
    assert target.zip_path is None and target.error is None
    assert target.not_scannable_reason == IMAGE_REASON
    assert "docker save" in IMAGE_REASON
    assert lambda_server.downloads == []


def test_download_not_matching_code_sha256_is_rejected(
    aws_env: str, workdir: Path, lambda_server: LambdaServer
) -> None:
    genuine = zip_bytes(install_all(("six-1.16.0",)))
    swapped = zip_bytes({**install_all(("six-1.16.0",)), "six.py": b"import os\n"})
    lambda_server.add_function(FakeFunction("payments", genuine, served=swapped))

    [target] = resolve_targets(["lambda:payments"], workdir=workdir, endpoint_url=aws_env)

    assert target.zip_path is None
    assert isinstance(target.error, LambdaCodeIntegrityError)
    assert "CodeSha256" in str(target.error) and "rejected" in str(target.error)
    assert "X-Amz-Signature" not in str(target.error)
    assert list(workdir.iterdir()) == []  # the untrusted bytes are not left behind


def test_tampered_layer_is_rejected_but_the_function_still_scans(
    aws_env: str, workdir: Path, lambda_server: LambdaServer
) -> None:
    layer = FakeLayer(LAYER_B, zip_bytes(install_all(("attrs-21.2.0",), root="python")))
    layer.served = zip_bytes(install_all(("six-1.16.0",), root="python"))
    lambda_server.add_layer(layer)
    lambda_server.add_function(
        FakeFunction("api", zip_bytes(install_all(("idna-2.10",))), layers=(LAYER_B,))
    )

    [target] = resolve_targets(["lambda:api"], workdir=workdir, endpoint_url=aws_env)

    assert target.zip_path is not None and target.error is None
    assert isinstance(target.layers[0].error, LambdaCodeIntegrityError)
    assert target.layers[0].zip_path is None


def test_missing_function_is_a_clear_error(aws_env: str, workdir: Path) -> None:
    with pytest.raises(LambdaNotFoundError) as info:
        resolve_targets(["lambda:nope:prod"], workdir=workdir, endpoint_url=aws_env)
    message = str(info.value)
    assert message.startswith("lambda:nope:prod: not found")
    assert "ResourceNotFoundException" in message and "function:nope:prod" in message
    assert info.value.exit_status == 2


def test_deleted_attached_layer_is_recorded_not_fatal(
    aws_env: str, workdir: Path, lambda_server: LambdaServer
) -> None:
    gone = layer_arn("retired", 2)
    lambda_server.add_function(
        FakeFunction("old", zip_bytes(install_all(("six-1.16.0",))), layers=(gone,))
    )

    [target] = resolve_targets(["lambda:old"], workdir=workdir, endpoint_url=aws_env)

    assert target.zip_path is not None
    [layer] = target.layers
    assert layer.label == gone and layer.zip_path is None
    assert layer.error is not None and layer.error.exit_status == 3
    assert "not found" in str(layer.error)


def test_layer_target_and_endpoint_from_environment(
    aws_env: str, workdir: Path, lambda_server: LambdaServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    lambda_server.add_layer(FakeLayer(LAYER_A, zip_bytes(layer_files())))
    monkeypatch.setenv("WELLCHECK_LAMBDA_ENDPOINT_URL", aws_env)

    [target] = resolve_targets([f"layer:{LAYER_A}"], workdir=workdir)

    assert target.label == LAYER_A and target.kind == "layer"
    assert target.zip_path is not None
    digest = hashlib.sha256(target.zip_path.read_bytes()).digest()
    assert target.code_sha256 == base64.b64encode(digest).decode()
    assert ("six", "1.16.0") in _packages(target.zip_path)


def test_missing_named_layer_is_a_clear_error(aws_env: str, workdir: Path) -> None:
    with pytest.raises(LambdaNotFoundError, match="layer:nothing:9: not found"):
        resolve_targets([f"layer:{layer_arn('nothing', 9)}"], workdir=workdir, endpoint_url=aws_env)


def test_unreachable_api_is_incomplete_not_clean(aws_env: str, workdir: Path) -> None:
    with pytest.raises(LambdaApiError) as info:
        resolve_targets(["lambda:orders"], workdir=workdir, endpoint_url="http://127.0.0.1:9")
    assert info.value.exit_status == 3


def test_malformed_target_fails_before_any_call(
    aws_env: str, workdir: Path, lambda_server: LambdaServer
) -> None:
    with pytest.raises(LambdaTargetError, match="layer:not-an-arn"):
        resolve_targets(["lambda:ok", "layer:not-an-arn"], workdir=workdir, endpoint_url=aws_env)
    assert lambda_server.requests == []


def test_empty_region_resolves_to_nothing(aws_env: str, workdir: Path) -> None:
    assert resolve_targets(["lambda:*"], workdir=workdir, endpoint_url=aws_env) == []


def test_function_gone_between_list_and_get_is_recorded_and_the_rest_scanned(
    aws_env: str, workdir: Path, lambda_server: LambdaServer
) -> None:
    code = zip_bytes(install_all(("six-1.16.0",)))
    for name in ("alpha", "beta", "gamma"):
        lambda_server.add_function(FakeFunction(name, code))
    lambda_server.deleted.add("beta")

    alpha, beta, gamma = resolve_targets(["lambda:*"], workdir=workdir, endpoint_url=aws_env)

    assert alpha.zip_path is not None and gamma.zip_path is not None
    assert beta.zip_path is None and isinstance(beta.error, LambdaNotFoundError)


def test_function_arn_target_and_duplicates_are_resolved_once(
    aws_env: str, workdir: Path, lambda_server: LambdaServer
) -> None:
    code = zip_bytes(install_all(("six-1.16.0",)))
    lambda_server.add_function(FakeFunction("alpha", code))
    lambda_server.add_function(FakeFunction("alpha", code, version="2"), qualifier="2")
    arn = "arn:aws:lambda:us-east-1:123456789012:function:alpha:2"

    targets = resolve_targets(
        ["lambda:alpha", f"lambda:{arn}", "lambda:*", "lambda:alpha"],
        workdir=workdir,
        endpoint_url=aws_env,
    )

    assert [t.label for t in targets] == ["lambda:alpha", f"lambda:{arn}"]
    assert targets[1].version == "2" and targets[1].zip_path is not None


def test_flatten_lists_every_artifact_once(
    aws_env: str, workdir: Path, lambda_server: LambdaServer
) -> None:
    lambda_server.add_layer(FakeLayer(LAYER_A, zip_bytes(layer_files())))
    code = zip_bytes(install_all(("six-1.16.0",)))
    for name in ("alpha", "beta"):
        lambda_server.add_function(FakeFunction(name, code, layers=(LAYER_A,)))

    targets = resolve_targets(
        ["lambda:*", f"layer:{LAYER_A}"], workdir=workdir, endpoint_url=aws_env
    )

    assert [t.label for t in flatten_targets(targets)] == ["lambda:alpha", LAYER_A, "lambda:beta"]


def test_no_region_is_a_clear_error(
    aws_env: str, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_REGION")
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    with pytest.raises(LambdaTargetError, match="no AWS region"):
        resolve_targets(["lambda:orders"], workdir=workdir, endpoint_url=aws_env)
    # the --region argument is enough (the loopback region holds no function)
    assert (
        resolve_targets(["lambda:*"], workdir=workdir, endpoint_url=aws_env, region="us-east-1")
        == []
    )


def test_layer_in_another_region_is_asked_in_that_region(
    aws_env: str, workdir: Path, lambda_server: LambdaServer
) -> None:
    arn = LAYER_A.replace("us-east-1", "eu-west-1")
    lambda_server.add_layer(FakeLayer(arn, zip_bytes(layer_files())))

    [target] = resolve_targets([f"layer:{arn}"], workdir=workdir, endpoint_url=aws_env)

    assert target.error is None and target.zip_path is not None
    assert lambda_server.signed_regions == ["eu-west-1"]
