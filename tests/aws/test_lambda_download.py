"""Code downloads from the presigned Location URL: bounded, retried, never leaking the URL."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest
from fixtures.build import install_all, zip_bytes
from lambda_server import FakeFunction, LambdaServer

from wellcheck.aws import DownloadPolicy, LambdaCodeUnavailableError, resolve_targets

FAST = DownloadPolicy(attempts=3, backoff=0.0)


@pytest.fixture
def function(lambda_server: LambdaServer) -> FakeFunction:
    code = zip_bytes(install_all(("requests-2.25.1", "urllib3-1.26.4")))
    return lambda_server.add_function(FakeFunction("orders", code))


def test_transient_server_errors_are_retried(
    aws_env: str, workdir: Path, lambda_server: LambdaServer, function: FakeFunction
) -> None:
    lambda_server.code_faults[:] = [503, 500]
    [target] = resolve_targets(
        ["lambda:orders"], workdir=workdir, endpoint_url=aws_env, policy=FAST
    )
    assert target.error is None and target.zip_path is not None
    assert target.zip_path.read_bytes() == function.code


def test_denied_download_is_incomplete_and_does_not_leak_the_presigned_url(
    aws_env: str,
    workdir: Path,
    lambda_server: LambdaServer,
    function: FakeFunction,
    caplog: pytest.LogCaptureFixture,
) -> None:
    lambda_server.code_faults[:] = [403]
    with caplog.at_level(logging.DEBUG, logger="wellcheck"):
        [target] = resolve_targets(
            ["lambda:orders"], workdir=workdir, endpoint_url=aws_env, policy=FAST
        )
    assert isinstance(target.error, LambdaCodeUnavailableError)
    assert target.error.exit_status == 3  # not checked, never clean
    assert "HTTP 403" in str(target.error)
    assert "/code/fn/orders/" in str(target.error)
    for text in (str(target.error), caplog.text):
        assert "X-Amz-Signature" not in text and "X-Amz-Credential" not in text
    assert list(workdir.iterdir()) == []


def test_persistent_server_errors_give_up(
    aws_env: str, workdir: Path, lambda_server: LambdaServer, function: FakeFunction
) -> None:
    lambda_server.code_faults[:] = [502, 502, 502]
    [target] = resolve_targets(
        ["lambda:orders"], workdir=workdir, endpoint_url=aws_env, policy=FAST
    )
    assert isinstance(target.error, LambdaCodeUnavailableError)
    assert "after 3 attempts" in str(target.error)


def test_code_over_the_size_limit_is_not_downloaded(
    aws_env: str, workdir: Path, lambda_server: LambdaServer, function: FakeFunction
) -> None:
    small = DownloadPolicy(max_bytes=1024, backoff=0.0)
    [target] = resolve_targets(
        ["lambda:orders"], workdir=workdir, endpoint_url=aws_env, policy=small
    )
    assert isinstance(target.error, LambdaCodeUnavailableError)
    assert "1024-byte limit" in str(target.error)
    assert lambda_server.downloads == []  # refused from the reported CodeSize already
    assert list(workdir.iterdir()) == []


def test_served_body_larger_than_reported_and_over_the_limit_is_refused(
    aws_env: str, workdir: Path, lambda_server: LambdaServer
) -> None:
    big = zip_bytes({"blob.bin": bytes(range(256)) * 64})
    lambda_server.add_function(FakeFunction("big", big, served=big + bytes(4096)))
    policy = DownloadPolicy(max_bytes=len(big) + 100, backoff=0.0)
    [target] = resolve_targets(["lambda:big"], workdir=workdir, endpoint_url=aws_env, policy=policy)
    assert isinstance(target.error, LambdaCodeUnavailableError)
    assert "limit" in str(target.error)
    assert list(workdir.iterdir()) == []


def test_a_trickling_download_stops_at_its_deadline(
    aws_env: str, workdir: Path, lambda_server: LambdaServer, function: FakeFunction
) -> None:
    lambda_server.code_drip = 0.05  # the whole zip would take minutes
    policy = DownloadPolicy(attempts=3, backoff=0.0, read_timeout=30.0, deadline=1.0)
    started = time.monotonic()
    [target] = resolve_targets(
        ["lambda:orders"], workdir=workdir, endpoint_url=aws_env, policy=policy
    )
    assert time.monotonic() - started < 5.0
    assert isinstance(target.error, LambdaCodeUnavailableError)
    assert target.error.exit_status == 3
    assert "within the 1 s deadline" in str(target.error)
    assert "X-Amz-Signature" not in str(target.error)  # the presigned query stays out
    assert list(workdir.iterdir()) == []
