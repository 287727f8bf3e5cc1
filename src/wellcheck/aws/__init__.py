"""Deployed AWS Lambda: scan what actually runs (``wellcheck[aws]``, boto3).

``wellcheck scan lambda:NAME[:QUALIFIER] | lambda:* | layer:ARN`` resolves each
target through the Lambda API, downloads and verifies its code zip (and every
attached layer's), and adds the ``lambda-config`` check for the function's
configuration.  boto3 is imported only when a target is resolved.

Typical wiring::

    with tempfile.TemporaryDirectory() as tmp:
        for t in flatten_targets(resolve_targets(args, workdir=Path(tmp))):
            if t.error: ...               # str(t.error), t.error.exit_status (2 or 3)
            elif t.zip_path is None: ...  # t.not_scannable_reason (image-packaged)
            else: scan str(t.zip_path), labelled t.label, with
                  LambdaConfigCheck(t, expected_sha256=...) as an extra check
"""

from __future__ import annotations

from wellcheck.aws.check import (
    RULE_CODE_MISMATCH,
    RULE_RUNTIME_EOL,
    RULE_TIMEOUT_MAX,
    LambdaConfigCheck,
)
from wellcheck.aws.download import DownloadPolicy
from wellcheck.aws.expect import ExpectError, expected_code_sha256
from wellcheck.aws.resolve import (
    ENDPOINT_ENV,
    IMAGE_REASON,
    iter_targets,
    lambda_client,
    resolve_targets,
)
from wellcheck.aws.targets import (
    LambdaApiError,
    LambdaCodeIntegrityError,
    LambdaCodeUnavailableError,
    LambdaError,
    LambdaNotFoundError,
    LambdaTarget,
    LambdaTargetError,
    flatten_targets,
    is_lambda_target,
    parse_target,
)

__all__ = [
    "ENDPOINT_ENV",
    "IMAGE_REASON",
    "RULE_CODE_MISMATCH",
    "RULE_RUNTIME_EOL",
    "RULE_TIMEOUT_MAX",
    "DownloadPolicy",
    "ExpectError",
    "LambdaApiError",
    "LambdaCodeIntegrityError",
    "LambdaCodeUnavailableError",
    "LambdaConfigCheck",
    "LambdaError",
    "LambdaNotFoundError",
    "LambdaTarget",
    "LambdaTargetError",
    "expected_code_sha256",
    "flatten_targets",
    "is_lambda_target",
    "iter_targets",
    "lambda_client",
    "parse_target",
    "resolve_targets",
]
