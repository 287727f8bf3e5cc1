from __future__ import annotations

import pytest

from wellcheck.aws import LambdaTargetError, is_lambda_target, parse_target
from wellcheck.aws.targets import LambdaTarget

LAYER = "arn:aws:lambda:eu-west-1:123456789012:layer:deps:12"
FN_ARN = "arn:aws:lambda:eu-west-1:123456789012:function:orders:prod"


@pytest.mark.parametrize(
    ("arg", "expected"),
    [
        ("lambda:orders", True),
        ("lambda:orders:prod", True),
        ("lambda:*", True),
        (f"layer:{LAYER}", True),
        ("orders.zip", False),
        ("./lambda:odd/dir", False),
        ("dist/function.zip", False),
    ],
)
def test_is_lambda_target(arg: str, expected: bool) -> None:
    assert is_lambda_target(arg) is expected


@pytest.mark.parametrize(
    ("arg", "kind", "name", "qualifier", "label"),
    [
        ("lambda:orders", "function", "orders", None, "lambda:orders"),
        ("lambda:orders:prod", "function", "orders", "prod", "lambda:orders:prod"),
        ("lambda:orders:7", "function", "orders", "7", "lambda:orders:7"),
        ("lambda:orders:$LATEST", "function", "orders", "$LATEST", "lambda:orders:$LATEST"),
        (f"lambda:{FN_ARN}", "function", FN_ARN, None, f"lambda:{FN_ARN}"),
        ("lambda:*", "all-functions", "", None, "lambda:*"),
        (f"layer:{LAYER}", "layer", LAYER, None, LAYER),
    ],
)
def test_parse_valid_targets(
    arg: str, kind: str, name: str, qualifier: str | None, label: str
) -> None:
    spec = parse_target(arg)
    assert (spec.kind, spec.name, spec.qualifier, spec.label) == (kind, name, qualifier, label)


@pytest.mark.parametrize(
    "arg",
    [
        "lambda:",
        "lambda:bad name",
        "lambda:orders:prod:extra",
        "lambda:orders:",
        "lambda:../../etc",
        "lambda:arn:aws:lambda:eu-west-1:123:function:orders",
        "layer:deps",
        "layer:arn:aws:lambda:eu-west-1:123456789012:layer:deps",
        "layer:arn:aws:lambda:eu-west-1:123456789012:function:deps:1",
        "orders.zip",
    ],
)
def test_parse_rejects_malformed_targets_with_a_hint(arg: str) -> None:
    with pytest.raises(LambdaTargetError) as info:
        parse_target(arg)
    assert info.value.exit_status == 2
    assert "expected" in str(info.value) or "not a lambda" in str(info.value)


@pytest.mark.parametrize(
    ("runtime", "python"),
    [("python3.12", "3.12"), ("python2.7", "2.7"), ("nodejs20.x", None), (None, None)],
)
def test_python_version_from_runtime(runtime: str | None, python: str | None) -> None:
    target = LambdaTarget(
        label="lambda:f",
        zip_path=None,
        function_name="f",
        runtime=runtime,
        timeout=3,
        code_sha256=None,
        package_type="Zip",
    )
    assert target.python_version == python


def test_trailing_newline_is_not_a_valid_name() -> None:
    with pytest.raises(LambdaTargetError):
        parse_target("lambda:orders\n")
