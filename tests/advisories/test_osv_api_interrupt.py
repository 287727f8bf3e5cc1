"""Ctrl-C during the concurrent record fetches stops the scan at once, cache intact."""

from __future__ import annotations

import json
import select
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from osv_server import OsvServer

from wellcheck.errors import SourceError
from wellcheck.http import HttpClient, RetryPolicy

HERE = Path(__file__).resolve().parent

# The child scans one package with 20 records; the odd ones never answer (600 s), so all
# eight workers end up stuck in a GET with the real default policy (30 s reads, 4 attempts).
CHILD = textwrap.dedent(
    """
    import json, sys, threading, time
    from pathlib import Path
    sys.path.insert(0, sys.argv[1])
    from osv_server import OsvServer
    from osvdata import record
    from wellcheck.advisories.osv_api import OsvApiSource

    ids = [f"PYSEC-2099-{i:03d}" for i in range(20)]
    with OsvServer() as server:
        for i, rid in enumerate(ids):
            server.add(record(rid, "attrs", [{"introduced": "0"}]), ("attrs", "21.0.0"))
            if i % 2:
                server.inject(f"vulns/{rid}", "slow:600")

        def ready() -> None:
            while server.max_in_flight < 8:
                time.sleep(0.01)
            time.sleep(0.5)  # the fast records are in; every worker waits on a silent GET
            print("fetching", flush=True)

        threading.Thread(target=ready, daemon=True).start()
        api = OsvApiSource(server.url, cache_path=Path(sys.argv[2]))
        try:
            api.query([("attrs", "21.0.0")])
        except KeyboardInterrupt:
            asked = sorted({rid for _, ep, rid in server.log if ep == "vulns"})
            print("interrupted", json.dumps(asked), flush=True)
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="sends a POSIX SIGINT to the child")
def test_ctrl_c_during_concurrent_fetches_exits_at_once(tmp_path: Path) -> None:
    script = tmp_path / "scan.py"
    script.write_text(CHILD, encoding="utf-8")
    cache = tmp_path / "api.sqlite3"
    child = subprocess.Popen(
        [sys.executable, str(script), str(HERE), str(cache)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        readable, _, _ = select.select([child.stdout], [], [], 30.0)
        assert readable, "the child never reached the fetches"
        assert child.stdout.readline().strip() == "fetching"
        sent = time.monotonic()
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=15.0)
        elapsed = time.monotonic() - sent
    finally:
        child.kill()
        child.wait()
    assert child.returncode == 0, err
    # before: ~30 s (the pool waited for its GETs), then ~2 min at exit after a second Ctrl-C
    assert elapsed < 3.0
    word, asked = out.split(" ", 1)
    assert word == "interrupted"
    answered = [rid for rid in json.loads(asked) if int(rid[-3:]) % 2 == 0]
    assert len(answered) >= 1
    conn = sqlite3.connect(cache)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        rows = conn.execute("SELECT id, json FROM vulns ORDER BY id").fetchall()
    finally:
        conn.close()
    # every record that arrived before the Ctrl-C was kept, each row whole
    assert [rid for rid, _ in rows] == answered
    assert all(json.loads(body)["id"] == rid for rid, body in rows)


def test_send_starts_no_retry_once_stopped(osv_server: OsvServer) -> None:
    osv_server.add({"id": "PYSEC-2099-001"})
    osv_server.inject("vulns/PYSEC-2099-001", "slow:5", "slow:5", "slow:5")
    policy = RetryPolicy(attempts=3, backoff=0.01, max_backoff=0.02, read_timeout=0.4)
    stop = threading.Event()
    threading.Timer(0.1, stop.set).start()
    started = time.monotonic()
    client = HttpClient(policy)
    with pytest.raises(SourceError, match="interrupted"):
        client.fetch("GET", f"{osv_server.url}/v1/vulns/PYSEC-2099-001", stop=stop)
    client.close()
    assert time.monotonic() - started < 1.0  # not even one read timeout, let alone three
    assert osv_server.count("vulns") == 1


def test_stop_cuts_a_retry_after_wait_short(osv_server: OsvServer) -> None:
    osv_server.add({"id": "PYSEC-2099-001"})
    osv_server.inject("vulns/PYSEC-2099-001", "429:20")
    policy = RetryPolicy(attempts=2, max_retry_after=30.0)
    stop = threading.Event()
    threading.Timer(0.3, stop.set).start()
    started = time.monotonic()
    client = HttpClient(policy)
    with pytest.raises(SourceError, match="HTTP 429; interrupted"):
        client.fetch("GET", f"{osv_server.url}/v1/vulns/PYSEC-2099-001", stop=stop)
    client.close()
    assert time.monotonic() - started < 2.0
    assert osv_server.count("vulns") == 1


def test_an_unset_stop_changes_nothing(osv_server: OsvServer) -> None:
    osv_server.add({"id": "PYSEC-2099-001"})
    osv_server.inject("vulns/PYSEC-2099-001", "503")
    policy = RetryPolicy(attempts=2, backoff=0.01, max_backoff=0.02)
    client = HttpClient(policy)
    url = f"{osv_server.url}/v1/vulns/PYSEC-2099-001"
    answer = client.fetch("GET", url, stop=threading.Event())
    client.close()
    assert json.loads(answer.body) == {"id": "PYSEC-2099-001"}
    assert osv_server.count("vulns") == 2
