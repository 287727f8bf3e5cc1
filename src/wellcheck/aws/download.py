"""Download a function's or layer's code zip from its presigned URL, verified.

The URL Lambda returns (``Code.Location`` / ``Content.Location``) is a
presigned S3 URL valid for about ten minutes.  Its query string is a credential:
it never appears in messages or logs (only scheme, host and path do).

The body is streamed through ``HttpClient`` into a file in the caller's workdir,
bounded in size (``DownloadPolicy.max_bytes``) and time (``deadline``, all attempts
included), and hashed on the way; the file is kept only when its SHA-256 (base64, as
Lambda spells ``CodeSha256``) and its size match what the API reported.
"""

from __future__ import annotations

import base64
import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from wellcheck.aws.targets import LambdaCodeIntegrityError, LambdaCodeUnavailableError
from wellcheck.errors import OutputError, SourceError
from wellcheck.http import HttpClient, RetryPolicy, download_cap

#: A zip deployment package unzips to at most 250 MB, so the zip is smaller still.
DEFAULT_MAX_BYTES = 256 * 1024 * 1024


def _max_bytes() -> int:
    return download_cap(DEFAULT_MAX_BYTES)


def _deadline() -> float:
    return RetryPolicy.from_env().download_deadline


@dataclass(frozen=True)
class DownloadPolicy:
    max_bytes: int = field(default_factory=_max_bytes)  # WELLCHECK_NET_MAX_DOWNLOAD overrides
    connect_timeout: float = 5.0
    read_timeout: float = 60.0
    attempts: int = 3  # connection errors, 429 and 5xx are retried
    backoff: float = 0.5  # seconds, doubled each retry
    deadline: float = field(default_factory=_deadline)  # the whole download, all attempts

    def retry_policy(self) -> RetryPolicy:
        return RetryPolicy(
            attempts=self.attempts,
            backoff=self.backoff,
            max_backoff=max(self.backoff * 4, 0.0),
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            download_deadline=self.deadline,
        )


def redact(url: str) -> str:
    """The URL without its query string (the presigned signature) or fragment."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def b64_sha256(data_digest: bytes) -> str:
    return base64.b64encode(data_digest).decode("ascii")


def download_code(
    url: str,
    dest: Path,
    *,
    label: str,
    expected_sha256: str | None,
    expected_size: int | None,
    policy: DownloadPolicy | None = None,
) -> Path:
    """Stream ``url`` into ``dest`` and verify it; the file is removed on any failure.

    Raises LambdaCodeUnavailableError (could not download: scan incomplete) or
    LambdaCodeIntegrityError (the bytes are not what Lambda reports).
    """
    policy = policy or DownloadPolicy()
    if dest.exists():
        raise FileExistsError(f"{dest}: refusing to overwrite")  # a caller bug, not input
    if expected_size is not None and expected_size > policy.max_bytes:
        raise LambdaCodeUnavailableError(
            f"{label}: code is {expected_size} bytes, over the {policy.max_bytes}-byte limit"
        )
    client = HttpClient(policy.retry_policy())
    try:
        with dest.open("xb") as out:
            size, digest = client.download(url, out, max_bytes=policy.max_bytes, shown=redact(url))
        _verify(label, digest, size, expected_sha256, expected_size)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            dest.unlink()
        if isinstance(exc, SourceError):
            hint = " (presigned URL expired or denied?)" if "HTTP 403" in str(exc) else ""
            raise LambdaCodeUnavailableError(
                f"{label}: could not download the code: {exc}{hint}"
            ) from exc
        if isinstance(exc, OutputError | OSError):
            raise LambdaCodeUnavailableError(f"{label}: cannot store the code: {exc}") from exc
        raise
    finally:
        client.close()
    return dest


def _verify(
    label: str,
    digest: bytes,
    size: int,
    expected_sha256: str | None,
    expected_size: int | None,
) -> None:
    actual = b64_sha256(digest)
    if expected_sha256 is None:
        raise LambdaCodeIntegrityError(
            f"{label}: Lambda reported no CodeSha256, the download cannot be verified"
        )
    if actual != expected_sha256:
        raise LambdaCodeIntegrityError(
            f"{label}: downloaded code has sha256 {actual}, Lambda reports CodeSha256 "
            f"{expected_sha256}: rejected"
        )
    if expected_size is not None and size != expected_size:
        raise LambdaCodeIntegrityError(
            f"{label}: downloaded code is {size} bytes, Lambda reports CodeSize "
            f"{expected_size}: rejected"
        )
