"""HTTP with bounded timeouts and retries, shared by every network source.

Retried (bounded, exponential backoff with full jitter): connection errors,
timeouts, HTTP 429 (``Retry-After`` honoured, capped) and 5xx.  Anything else
that is not 2xx fails at once.  Failures raise SourceError, which callers turn
into SkippedCheck values.  An optional ``stop`` event (set by a caller that was
interrupted) ends the retries: no new attempt starts once it is set, and the
backoff between attempts waits on it instead of sleeping.
"""

from __future__ import annotations

import email.utils
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from wellcheck import __version__
from wellcheck.errors import SourceError

if TYPE_CHECKING:
    import requests

log = logging.getLogger(__name__)
USER_AGENT = f"wellcheck/{__version__}"


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4  # total tries, first included
    backoff: float = 0.5  # base delay in seconds, doubled per retry
    max_backoff: float = 8.0
    max_retry_after: float = 30.0  # cap on a server's Retry-After
    connect_timeout: float = 5.0
    read_timeout: float = 30.0

    def delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_retry_after)
        ceiling = min(self.max_backoff, self.backoff * (2**attempt))
        return random.uniform(ceiling / 2, ceiling)  # noqa: S311 - jitter, not crypto


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    try:
        return float(value)  # delta-seconds (an integer per RFC 9110; be lenient)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def new_session() -> requests.Session:
    import requests

    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    return session


def send(
    session: requests.Session,
    method: str,
    url: str,
    policy: RetryPolicy,
    sleep: Callable[[float], None] = time.sleep,
    *,
    accept: tuple[int, ...] = (),
    stop: threading.Event | None = None,
    **kwargs: Any,
) -> requests.Response:
    """One request with the retry policy: a 2xx response, one whose status is in
    ``accept`` (e.g. 404 when "not found" is an answer), or SourceError.

    With ``stop``: once the event is set no further attempt starts (SourceError
    "interrupted"), and the backoff waits on the event rather than calling ``sleep``.
    """
    import requests

    problem = ""
    for attempt in range(policy.attempts):
        if stop is not None and stop.is_set():
            raise SourceError(f"{method} {url}: interrupted")
        retry_after: float | None = None
        try:
            response = session.request(
                method, url, timeout=(policy.connect_timeout, policy.read_timeout), **kwargs
            )
        except requests.Timeout as exc:
            problem = f"timed out ({type(exc).__name__})"
        except requests.ConnectionError as exc:
            problem = f"connection failed ({type(exc).__name__})"
        except requests.RequestException as exc:
            raise SourceError(f"{method} {url}: {exc}") from exc
        else:
            status = response.status_code
            if 200 <= status < 300 or status in accept:
                return response
            problem = f"HTTP {status}"
            response.close()
            if status == 429:
                retry_after = _retry_after(response.headers.get("Retry-After"))
            elif status < 500:
                raise SourceError(f"{method} {url}: {problem}")
        if attempt + 1 < policy.attempts:
            wait = policy.delay(attempt, retry_after)
            log.info("%s %s: %s; retrying in %.2fs", method, url, problem, wait)
            if stop is None:
                sleep(wait)
            elif stop.wait(wait):
                raise SourceError(f"{method} {url}: {problem}; interrupted before a retry")
    raise SourceError(f"{method} {url}: {problem} after {policy.attempts} attempts")


class HttpClient:
    """A session, a retry policy and a sleep function, for sources that fetch JSON."""

    def __init__(
        self, policy: RetryPolicy | None = None, *, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self.policy = policy or RetryPolicy()
        self.session = new_session()
        self._sleep = sleep

    def get_json(self, url: str) -> tuple[int, Any]:
        """GET and decode JSON: (200, body), or (404, None) when the server says not found."""
        response = send(self.session, "GET", url, self.policy, self._sleep, accept=(404,))
        if response.status_code == 404:
            return 404, None
        try:
            return 200, response.json()
        except ValueError as exc:
            raise SourceError(f"GET {url}: malformed JSON ({exc})") from exc

    def close(self) -> None:
        self.session.close()
