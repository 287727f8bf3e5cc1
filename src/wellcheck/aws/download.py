"""Download a function's or layer's code zip from its presigned URL, verified.

The URL Lambda returns (``Code.Location`` / ``Content.Location``) is a
presigned S3 URL valid for about ten minutes.  Its query string is a credential:
it never appears in messages or logs (only scheme, host and path do).

The body is streamed into a file in the caller's workdir, bounded in size, and
hashed on the way; the file is kept only when its SHA-256 (base64, as Lambda
spells ``CodeSha256``) and its size match what the API reported.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from wellcheck import __version__
from wellcheck.aws.targets import LambdaCodeIntegrityError, LambdaCodeUnavailableError

if TYPE_CHECKING:
    import requests

log = logging.getLogger(__name__)

#: A zip deployment package unzips to at most 250 MB, so the zip is smaller still.
DEFAULT_MAX_BYTES = 256 * 1024 * 1024
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class DownloadPolicy:
    max_bytes: int = DEFAULT_MAX_BYTES
    connect_timeout: float = 5.0
    read_timeout: float = 60.0
    attempts: int = 3  # connection errors and 5xx are retried
    backoff: float = 0.5  # seconds, doubled each retry


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
    session: requests.Session | None = None,
) -> Path:
    """Stream ``url`` into ``dest`` and verify it; the file is removed on any failure.

    Raises LambdaCodeUnavailableError (could not download: scan incomplete) or
    LambdaCodeIntegrityError (the bytes are not what Lambda reports).
    """
    import requests

    policy = policy or DownloadPolicy()
    if dest.exists():
        raise FileExistsError(f"{dest}: refusing to overwrite")  # a caller bug, not input
    if expected_size is not None and expected_size > policy.max_bytes:
        raise LambdaCodeUnavailableError(
            f"{label}: code is {expected_size} bytes, over the {policy.max_bytes}-byte limit"
        )
    own_session = session is None
    http = session or requests.Session()
    http.headers["User-Agent"] = f"wellcheck/{__version__}"
    try:
        digest, size = _fetch(http, url, dest, label, policy)
    except BaseException:
        with contextlib.suppress(OSError):
            dest.unlink()
        raise
    finally:
        if own_session:
            http.close()
    try:
        _verify(label, digest, size, expected_sha256, expected_size)
    except LambdaCodeIntegrityError:
        with contextlib.suppress(OSError):
            dest.unlink()
        raise
    return dest


def _fetch(
    http: requests.Session, url: str, dest: Path, label: str, policy: DownloadPolicy
) -> tuple[bytes, int]:
    import requests

    shown = redact(url)
    last = ""
    for attempt in range(1, policy.attempts + 1):
        try:
            with http.get(
                url, stream=True, timeout=(policy.connect_timeout, policy.read_timeout)
            ) as resp:
                if resp.status_code < 500:
                    return _save(resp, dest, label, shown, policy)
                last = f"HTTP {resp.status_code}"
        except requests.RequestException as exc:
            last = type(exc).__name__
        if attempt < policy.attempts:
            log.info("%s: GET %s failed (%s); retry %d", label, shown, last, attempt)
            time.sleep(policy.backoff * 2 ** (attempt - 1))
    raise LambdaCodeUnavailableError(
        f"{label}: could not download the code from {shown}: {last} after "
        f"{policy.attempts} attempts"
    )


def _save(
    resp: requests.Response, dest: Path, label: str, shown: str, policy: DownloadPolicy
) -> tuple[bytes, int]:
    if resp.status_code != 200:
        raise LambdaCodeUnavailableError(
            f"{label}: code download from {shown} answered HTTP {resp.status_code} "
            "(presigned URL expired or denied?)"
        )
    declared = resp.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > policy.max_bytes:
        raise LambdaCodeUnavailableError(
            f"{label}: code is {declared} bytes, over the {policy.max_bytes}-byte limit"
        )
    sha = hashlib.sha256()
    size = 0
    with dest.open("xb") as out:
        for chunk in resp.iter_content(_CHUNK):
            size += len(chunk)
            if size > policy.max_bytes:
                raise LambdaCodeUnavailableError(
                    f"{label}: code download exceeds the {policy.max_bytes}-byte limit"
                )
            sha.update(chunk)
            out.write(chunk)
    return sha.digest(), size


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
