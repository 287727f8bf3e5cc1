"""HttpClient against servers that trickle, never end, bomb, lie about sizes or redirect badly.

Each test runs the real client against a real loopback server (``hostile_http``) and
checks what a caller sees: a SourceError (exit 3) in bounded time, a body never held
past its cap, a server that was not read past the cap.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import threading
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from hostile_http import (
    HostileServer,
    MiB,
    answer,
    cut_once,
    endless,
    gzip_bomb,
    huge,
    redirect,
    silent,
    slow_head,
    trickle,
)

from wellcheck.advisories.pip_audit import PipAuditSource
from wellcheck.errors import ExitStatus, SourceError, WellcheckError
from wellcheck.http import OVERDUE, HttpClient, RetryPolicy, download_cap
from wellcheck.http_transfer import AnswerTooLarge, BadEncoding, DeadlineExceeded

QUICK = RetryPolicy(attempts=3, backoff=0.01, max_backoff=0.02, deadline=1.0, max_body=MiB)
DOC = json.dumps({"info": {"name": "requests"}, "pad": "x" * 5000}).encode()


@pytest.fixture
def server() -> Iterator[HostileServer]:
    with HostileServer() as hostile:
        yield hostile
    OVERDUE.clear()  # the hosts these tests made overdue are gone with their servers


def client(policy: RetryPolicy = QUICK) -> HttpClient:
    return HttpClient(policy, sleep=lambda _: None)


def fails_within(seconds: float, url: str, policy: RetryPolicy = QUICK) -> SourceError:
    """The SourceError a GET of ``url`` ends with, asserting it came within ``seconds``."""
    started = time.monotonic()
    with pytest.raises(SourceError) as caught:
        client(policy).fetch("GET", url)
    assert time.monotonic() - started < seconds
    assert caught.value.exit_status is ExitStatus.INCOMPLETE
    return caught.value


def http_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name == "wellcheck-http"}


@pytest.mark.parametrize(
    "behaviour",
    [trickle(every=0.1), slow_head(every=0.05), silent(5.0)],
    ids=["trickling-body", "trickling-head", "silent-before-the-head"],
)
def test_a_slow_server_is_cut_off_at_the_deadline_whatever_the_read_timeout(
    server: HostileServer, behaviour: object
) -> None:
    url = server.route("/slow", behaviour)  # type: ignore[arg-type]
    patient = RetryPolicy(attempts=4, deadline=1.0, read_timeout=30.0, connect_timeout=30.0)
    started = time.monotonic()
    error = fails_within(2.0, url, patient)
    assert isinstance(error, DeadlineExceeded)
    assert "within the 1 s deadline" in str(error)
    assert time.monotonic() - started >= 0.95
    assert server.count("/slow") == 1  # the deadline covers the retries too


def test_an_abandoned_body_read_ends_its_thread(server: HostileServer) -> None:
    before = http_threads()  # (a thread reading a trickled head may outlive its test)
    fails_within(2.0, server.route("/slow", trickle(every=0.05)))
    deadline = time.monotonic() + 1.0
    while http_threads() - before and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not http_threads() - before  # the socket was shut down under it


def test_a_host_that_ran_out_a_deadline_is_not_asked_again_in_this_run(
    server: HostileServer,
) -> None:
    slow = server.route("/slow", trickle(every=0.1))
    fine = server.route("/fine", answer(DOC))
    with pytest.raises(DeadlineExceeded):
        client().fetch("GET", slow)
    started = time.monotonic()
    with pytest.raises(SourceError, match="not asked again"):
        client().fetch("GET", fine)  # another client of the same process: another check
    assert time.monotonic() - started < 0.1 and server.count("/fine") == 0
    OVERDUE.clear()  # as in the next run
    assert client().fetch("GET", fine).body == DOC


def test_no_retry_starts_that_would_end_after_the_deadline(server: HostileServer) -> None:
    url = server.route("/busy", answer(b"{}", status=429, headers={"Retry-After": "5"}))
    policy = RetryPolicy(attempts=4, deadline=2.0, max_retry_after=30.0)
    error = fails_within(0.5, url, policy)
    assert "HTTP 429; a retry in 5.0 s would pass the 2 s deadline" in str(error)
    assert server.count("/busy") == 1


@pytest.mark.parametrize(
    ("behaviour", "why"),
    [
        (endless(), "larger than the 1048576-byte limit"),
        (huge(declare=True), "is 1500000000 bytes, above the 1048576-byte limit"),
        (huge(declare=False), "larger than the 1048576-byte limit"),
        (gzip_bomb(), "is 1061902 bytes, above the 1048576-byte limit"),
    ],
    ids=["endless-chunked", "declared-1.5GB", "undeclared-1.5GB", "gzip-bomb"],
)
def test_an_oversize_answer_is_refused_at_the_cap_and_not_retried(
    server: HostileServer, behaviour: object, why: str
) -> None:
    url = server.route("/big", behaviour)  # type: ignore[arg-type]
    error = fails_within(5.0, url)
    assert isinstance(error, AnswerTooLarge) and why in str(error)
    assert server.count("/big") == 1
    # the client stopped reading at the cap: what the server got out is the cap plus what
    # the loopback socket buffers held (a few MiB at most), not 1.5 GB
    assert server.sent.get("/big", 0) < 16 * MiB


def test_a_gzip_bomb_is_counted_as_received_and_as_decoded(server: HostileServer) -> None:
    small = RetryPolicy(deadline=5.0, max_body=64 * MiB)  # the default cap
    error = fails_within(5.0, server.route("/bomb", gzip_bomb()), small)
    assert "decodes to more than 67108864 bytes" in str(error)
    assert server.sent["/bomb"] < 2 * MiB  # 1 MB of gzip, not a GiB of anything


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [
        ("gzip", gzip.compress),
        ("x-gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda data: zlib.compress(data)[2:-4]),  # raw deflate, as some servers send
        ("gzip", lambda data: gzip.compress(data[:100]) + gzip.compress(data[100:])),
        ("gzip", lambda data: gzip.compress(data) + b"\x00trailing garbage"),
        ("identity", lambda data: data),
    ],
    ids=["gzip", "x-gzip", "zlib-deflate", "raw-deflate", "two-members", "garbage", "identity"],
)
def test_compressed_answers_decode_as_urllib3_decodes_them(
    server: HostileServer, encoding: str, encode: object
) -> None:
    body = encode(DOC)  # type: ignore[operator]
    url = server.route("/doc", answer(body, headers={"Content-Encoding": encoding}))
    assert client().get_json(url) == (200, json.loads(DOC))
    sent = server.requests[-1][2]
    assert sent["Accept-Encoding"] == "gzip, deflate"  # never br or zstd: not decoded here


@pytest.mark.parametrize(
    ("body", "encoding", "why"),
    [
        (gzip.compress(DOC)[:-20], "gzip", "body ends early"),
        (b"not gzip at all", "gzip", "corrupt gzip body"),
        (DOC, "br", "unsupported Content-Encoding 'br'"),
        (gzip.compress(gzip.compress(DOC)), "gzip, gzip", "unsupported Content-Encoding"),
    ],
    ids=["truncated-gzip", "corrupt-gzip", "brotli", "stacked"],
)
def test_bad_or_unknown_encodings_are_refused(
    server: HostileServer, body: bytes, encoding: str, why: str
) -> None:
    url = server.route("/doc", answer(body, headers={"Content-Encoding": encoding}))
    error = fails_within(2.0, url)
    assert isinstance(error, BadEncoding) and why in str(error)


def test_a_redirect_body_is_never_read(server: HostileServer) -> None:
    target = server.route("/target", answer(DOC))
    url = server.route("/moved", redirect(target, 301, endless_body=True))
    started = time.monotonic()
    answer_ = client().fetch("GET", url)
    assert time.monotonic() - started < 1.0
    assert (answer_.body, answer_.url) == (DOC, target)
    assert server.sent.get("/moved", 0) < 16 * MiB  # requests would have read it all


@pytest.mark.parametrize(
    ("status", "method", "kept_body"),
    [(301, "GET", False), (302, "GET", False), (303, "GET", False), (307, "POST", True)],
)
def test_redirected_posts_change_method_as_requests_does(
    server: HostileServer, status: int, method: str, kept_body: bool
) -> None:
    target = server.route("/target", answer(DOC))
    url = server.route("/moved", redirect("/target", status))
    client().fetch("POST", url, json={"q": 1})
    verb, _, _, body = server.requests[-1]
    assert verb == method and (body == b'{"q": 1}') is kept_body
    assert target.endswith("/target")


def test_redirect_loops_and_odd_schemes_are_refused(server: HostileServer) -> None:
    loop = server.route("/loop", redirect("/loop"))
    with pytest.raises(SourceError, match="more than 5 redirects"):
        client().fetch("GET", loop)
    assert server.count("/loop") == 6
    odd = server.route("/odd", redirect("file:///etc/passwd"))
    with pytest.raises(SourceError, match="not http"):
        client().fetch("GET", odd)


def test_a_download_is_capped_as_sent_and_restarted_whole_on_a_retry(
    server: HostileServer,
) -> None:
    data = bytes(range(256)) * 400
    url = server.route("/file.whl", cut_once(data))
    out = io.BytesIO()
    size, digest = client().download(url, out, max_bytes=len(data))
    assert (size, digest) == (len(data), hashlib.sha256(data).digest())
    assert out.getvalue() == data and server.count("/file.whl") == 2
    assert server.requests[-1][2]["Accept-Encoding"] == "identity"  # as pip asks
    endless_url = server.route("/endless.whl", endless())
    with pytest.raises(AnswerTooLarge, match="exceeds the 65536-byte download limit"):
        client().download(endless_url, io.BytesIO(), max_bytes=65536)


@pytest.mark.parametrize(
    "behaviour", [trickle(every=0.1), slow_head(every=0.05)], ids=["trickling-body", "slow-head"]
)
def test_a_download_that_stalls_ends_long_before_its_deadline(
    server: HostileServer, behaviour: object
) -> None:
    """A download's deadline is long (30 minutes by default): one byte every 0.1 s kept it
    going that long.  With no head or no next chunk for the API deadline, it has stalled:
    DeadlineExceeded (not retried; the host is overdue), a fast download is unaffected."""
    url = server.route("/slow.whl", behaviour)  # type: ignore[arg-type]
    patient = RetryPolicy(attempts=3, deadline=0.5, read_timeout=30.0, download_deadline=600.0)
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded, match=r"stalled, no data for 0\.5 s"):
        client(patient).download(url, io.BytesIO(), max_bytes=MiB)
    assert time.monotonic() - started < 1.5 and server.count("/slow.whl") == 1
    OVERDUE.clear()
    data = bytes(3 * MiB)
    fine = server.route("/fine.whl", answer(data))
    assert client(patient).download(fine, io.BytesIO(), max_bytes=4 * MiB)[0] == len(data)


def test_limits_come_from_the_environment() -> None:
    env = {
        "WELLCHECK_NET_DEADLINE": "2.5",
        "WELLCHECK_NET_MAX_BODY": "3MiB",
        "WELLCHECK_NET_DOWNLOAD_DEADLINE": "60",
    }
    policy = RetryPolicy.from_env(env)
    assert (policy.deadline, policy.max_body, policy.download_deadline) == (2.5, 3 * MiB, 60.0)
    assert RetryPolicy.from_env({}) == RetryPolicy()
    assert download_cap(200 * MiB, {}) == 200 * MiB
    assert download_cap(200 * MiB, {"WELLCHECK_NET_MAX_DOWNLOAD": "1GiB"}) == 1024 * MiB
    for name, value in [
        ("WELLCHECK_NET_DEADLINE", "soon"),
        ("WELLCHECK_NET_DEADLINE", "0"),
        ("WELLCHECK_NET_MAX_BODY", "-1"),
        ("WELLCHECK_NET_MAX_BODY", "12 parsecs"),
    ]:
        with pytest.raises(WellcheckError, match=name) as caught:
            RetryPolicy.from_env({name: value})
        assert caught.value.exit_status is ExitStatus.INPUT_ERROR


@pytest.mark.parametrize(
    ("behaviour", "why"),
    [
        (trickle(every=0.1), "within the 1 s deadline"),
        (endless(), "larger than the 1048576-byte limit"),
        (gzip_bomb(), "above the 1048576-byte limit"),
    ],
    ids=["trickling", "endless", "gzip-bomb"],
)
def test_pip_audit_requests_are_bounded_too(
    server: HostileServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    behaviour: object,
    why: str,
) -> None:
    monkeypatch.setenv("WELLCHECK_NET_DEADLINE", "1")
    monkeypatch.setenv("WELLCHECK_NET_MAX_BODY", "1MiB")
    url = server.route("/v1/query", behaviour)  # type: ignore[arg-type]
    source = PipAuditSource(osv_url=url, timeout=30, cache=tmp_path / "pip-audit")
    started = time.monotonic()
    result = source.query([("requests", "2.25.1"), ("six", "1.16.0")])
    assert time.monotonic() - started < 5.0  # two queries of at most a second each
    assert not result.advisories
    assert [s.package for s in result.skipped] == ["requests", "six"]
    first, second = (s.reason for s in result.skipped)
    assert why in first
    assert why in second or "not asked again" in second  # after a deadline: not asked


def test_a_host_that_cannot_be_reached_is_not_asked_again() -> None:
    """A dead OSV or PyPI host costs one round of retries per scan, not one per package."""
    import socket

    with socket.socket() as probe:  # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = HttpClient(policy=RetryPolicy(attempts=2, backoff=0.01, max_backoff=0.01))
    try:
        start = time.monotonic()
        with pytest.raises(SourceError, match="connection failed"):
            client.get_json(f"http://127.0.0.1:{port}/first")
        with pytest.raises(SourceError, match=r"could not be reached .* not asked again"):
            client.get_json(f"http://127.0.0.1:{port}/second")
        assert time.monotonic() - start < 10
    finally:
        client.close()
