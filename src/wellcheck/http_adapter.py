"""The same bounds for sessions wellcheck does not drive itself (pip-audit's services).

``BoundedAdapter`` is a requests transport adapter: mounted on a session, each
exchange it carries runs under a deadline (``RetryPolicy.deadline``) and its body
is read into memory under ``max_body``, as received and as decoded
(``http_transfer``), before the session sees it.  The session then gets a response
whose body is already decoded, so whatever it does next (read it, cache it,
consume a redirect's body) stays within the cap.  It makes one attempt per send:
retries and redirects remain the session owner's business.  Socket errors keep the
requests exception types the owner expects; the deadline and the caps raise
SourceError.  Hosts that ran out a deadline are shared with ``HttpClient``
(``http.OVERDUE``).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from requests.adapters import HTTPAdapter

from wellcheck.http import OVERDUE
from wellcheck.http_policy import RetryPolicy
from wellcheck.http_transfer import (
    ACCEPT_ENCODING,
    Deadline,
    DeadlineExceeded,
    Exchange,
    read_body,
)

if TYPE_CHECKING:
    import requests

Timeout = None | float | tuple[float, float] | tuple[float, None]
_DROPPED = frozenset({"content-encoding", "content-length", "transfer-encoding"})


class BoundedAdapter(HTTPAdapter):
    def __init__(self, *args: Any, policy: RetryPolicy | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.policy = policy or RetryPolicy.from_env()
        self._wire = HTTPAdapter()  # does the socket work, on the exchange's thread

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Timeout = None,
        verify: bool | str = True,
        cert: bytes | str | tuple[bytes | str, bytes | str] | None = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        import requests
        import urllib3

        what = f"{request.method} {request.url}"
        url = request.url or ""
        OVERDUE.check(url, what)
        deadline = Deadline(self.policy.deadline, what)
        request.headers["Accept-Encoding"] = ACCEPT_ENCODING

        def open_(timeouts: tuple[float, float]) -> requests.Response:
            return self._wire.send(
                request, stream=True, timeout=timeouts, verify=verify, cert=cert, proxies=proxies
            )

        clean = False
        try:
            with Exchange(open_, deadline, deadline.timeouts(*self._timeouts(timeout))) as exchange:
                body = read_body(exchange, self.policy.max_body, what)
                wire = exchange.response
                clean = True
        except (urllib3.exceptions.HTTPError, OSError) as exc:  # mid-body, as requests says it
            raise requests.ConnectionError(exc, request=request) from exc
        except DeadlineExceeded:
            OVERDUE.mark(url)
            raise
        finally:
            if not clean:
                self._replace_wire()
        headers = {k: v for k, v in wire.headers.items() if k.lower() not in _DROPPED}
        headers["Content-Length"] = str(len(body))
        raw = urllib3.HTTPResponse(
            body=io.BytesIO(body),
            headers=headers,
            status=wire.status_code,
            reason=wire.reason,
            preload_content=False,
            decode_content=False,
            request_method=request.method,
            request_url=request.url,
        )
        return self.build_response(request, raw)

    def close(self) -> None:
        self._wire.close()
        super().close()

    def _replace_wire(self) -> None:
        """A fresh pool after an exchange that did not end cleanly: the abandoned
        exchange's thread may still hold (and later release) a connection of the old
        pool, and the next request must not be handed that connection mid-close."""
        old, self._wire = self._wire, HTTPAdapter()
        old.close()

    def _timeouts(self, timeout: Timeout) -> tuple[float, float]:
        connect, read = self.policy.connect_timeout, self.policy.read_timeout
        if isinstance(timeout, tuple):
            return timeout[0] or connect, timeout[1] or read
        if timeout is not None:
            return timeout, timeout
        return connect, read
