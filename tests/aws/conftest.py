from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from lambda_server import LambdaServer

ARTIFACT_TESTS = Path(__file__).resolve().parents[1] / "artifact"  # zipkit, imagebuilder
if str(ARTIFACT_TESTS) not in sys.path:
    sys.path.insert(0, str(ARTIFACT_TESTS))

pytest.importorskip("boto3")


@pytest.fixture
def lambda_server() -> Iterator[LambdaServer]:
    server = LambdaServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, lambda_server: LambdaServer) -> str:
    """Obviously fake credentials, no host AWS config, the loopback endpoint."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.delenv("WELLCHECK_LAMBDA_ENDPOINT_URL", raising=False)
    return lambda_server.url


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    path = tmp_path / "work"
    path.mkdir()
    return path
