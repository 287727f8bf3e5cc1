"""HTTP with bounded timeouts and retries, shared by every network source.

Retries (with exponential backoff and full jitter) happen on connection errors,
timeouts, 429 and 5xx; ``Retry-After`` is honoured up to a cap.  Anything else
is returned to the caller, who decides what a 404 or a 400 means.  When the
retries run out a SourceError says what was tried, so the scan can report the
source as "not checked" instead of clean.
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from wellcheck import __version__
from wellcheck.errors import SourceError

if TYPE_CHECKING:
    import requests

log = logging.getLogger(__name__)
USER_AGENT = f"wellcheck/{__version__} (+https://github.com/wellcheck/wellcheck)"


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4  # total tries, the first included
    backoff: float = 0.5  # seconds; doubled each retry, full jitter
    max_backoff: float = 8.0
    max_retry_after: float = 30.0  # a longer Retry-After is treated as "give up"
    connect_timeout: float = 5.0
    read_timeout: float = 30.0


class HttpClient:
    """A requests.Session with wellcheck's timeout and retry policy."""

    def __init__(self, policy: RetryPolicy | None = None, *, sleep: Any = time.sleep) -> None:
        import requests

        self.policy = policy or RetryPolicy()
        self.session = requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        self._sleep = sleep

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        """Send with retries; return the final non-retryable response."""
        import requests

        policy = self.policy
        kwargs.setdefault("timeout", (policy.connect_timeout, policy.read_timeout))
        last = ""
        for attempt in range(1, policy.attempts + 1):
            delay = min(policy.max_backoff, policy.backoff * 2 ** (attempt - 1))
            delay = random.uniform(0, delay)  # noqa: S311 - jitter, not crypto
            try:
                resp = self.session.request(method, url, **kwargs)
            except requests.RequestException as exc:
                last = f"{type(exc).__name__}: {exc}"
            else:
                if resp.status_code != 429 and resp.status_code < 500:
                    return resp
                last = f"HTTP {resp.status_code}"
                retry_after = _retry_after(resp)
                if retry_after is not None:
                    if retry_after > policy.max_retry_after:
                        raise SourceError(
                            f"{method} {url}: {last}, Retry-After {retry_after:.0f}s is too long"
                        )
                    delay = retry_after
            if attempt < policy.attempts:
                log.info("%s %s: %s; retry %d in %.1fs", method, url, last, attempt, delay)
                self._sleep(delay)
        raise SourceError(f"{method} {url}: {last} after {policy.attempts} attempts")

    def get_json(self, url: str) -> tuple[int, Any]:
        """GET and decode JSON; (status, body) with body None for non-200 answers."""
        resp = self.request("GET", url)
        if resp.status_code != 200:
            return resp.status_code, None
        try:
            return 200, resp.json()
        except ValueError as exc:
            raise SourceError(f"GET {url}: malformed JSON ({exc})") from exc

    def close(self) -> None:
        self.session.close()


def _retry_after(resp: requests.Response) -> float | None:
    value = resp.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
