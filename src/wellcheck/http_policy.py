"""The retry policy and the network limits, and how the environment changes them.

``RetryPolicy`` holds both: how often and how patiently to retry, and the bounds of
every request (``deadline``, ``max_body``, ``download_deadline``).  Each file
download has its own size cap; ``download_cap`` applies ``WELLCHECK_NET_MAX_DOWNLOAD``
to it.  A value that is not a positive number (seconds) or size (bytes, KiB, MiB,
GiB) is an input error (exit 2) naming the variable.
"""

from __future__ import annotations

import os
import random
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace

from wellcheck.errors import WellcheckError

MiB = 1024 * 1024
_SIZE_UNITS = {
    "": 1,
    "k": 1024,
    "kib": 1024,
    "m": MiB,
    "mib": MiB,
    "g": 1024 * MiB,
    "gib": 1024 * MiB,
}
ENV_DEADLINE = "WELLCHECK_NET_DEADLINE"
ENV_MAX_BODY = "WELLCHECK_NET_MAX_BODY"
ENV_DOWNLOAD_DEADLINE = "WELLCHECK_NET_DOWNLOAD_DEADLINE"
ENV_MAX_DOWNLOAD = "WELLCHECK_NET_MAX_DOWNLOAD"


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4  # total tries, first included
    backoff: float = 0.5  # base delay in seconds, doubled per retry
    max_backoff: float = 8.0
    max_retry_after: float = 30.0  # cap on a server's Retry-After
    connect_timeout: float = 5.0  # per socket operation; never past the deadline
    read_timeout: float = 30.0
    deadline: float = 30.0  # seconds for one request: attempts, waits, redirects, whole body
    max_body: int = 64 * MiB  # one answer held in memory, as received and as decoded
    download_deadline: float = 1800.0  # seconds for one file download, all attempts

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if value < 0 or (value == 0 and f.name in ("attempts", "deadline", "max_body")):
                raise WellcheckError(f"network setting {f.name} must be positive, got {value}")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> RetryPolicy:
        """The defaults, with ``WELLCHECK_NET_DEADLINE``, ``WELLCHECK_NET_MAX_BODY`` and
        ``WELLCHECK_NET_DOWNLOAD_DEADLINE`` applied."""
        env = os.environ if environ is None else environ
        policy = cls()
        if ENV_DEADLINE in env:
            policy = replace(policy, deadline=_seconds(ENV_DEADLINE, env[ENV_DEADLINE]))
        if ENV_MAX_BODY in env:
            policy = replace(policy, max_body=_size(ENV_MAX_BODY, env[ENV_MAX_BODY]))
        if ENV_DOWNLOAD_DEADLINE in env:
            seconds = _seconds(ENV_DOWNLOAD_DEADLINE, env[ENV_DOWNLOAD_DEADLINE])
            policy = replace(policy, download_deadline=seconds)
        return policy

    def delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_retry_after)
        ceiling = min(self.max_backoff, self.backoff * (2**attempt))
        return random.uniform(ceiling / 2, ceiling)  # noqa: S311 - jitter, not crypto


def download_cap(default: int, environ: Mapping[str, str] | None = None) -> int:
    """``WELLCHECK_NET_MAX_DOWNLOAD`` if set (it replaces every download's own cap)."""
    env = os.environ if environ is None else environ
    return _size(ENV_MAX_DOWNLOAD, env[ENV_MAX_DOWNLOAD]) if ENV_MAX_DOWNLOAD in env else default


def _seconds(name: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 < value < float("inf"):
        raise WellcheckError(f"{name} must be a positive number of seconds, got {raw!r}")
    return value


def _size(name: str, raw: str) -> int:
    text = raw.strip().lower().replace(" ", "")
    digits = text.rstrip("abcdefghijklmnopqrstuvwxyz")
    unit = _SIZE_UNITS.get(text[len(digits) :])
    if unit is None or not digits.isdigit() or int(digits) <= 0:
        raise WellcheckError(f"{name} must be a positive size (bytes, KiB, MiB, GiB), got {raw!r}")
    return int(digits) * unit
