"""Popular-package list: bundled snapshot, user copy, refresh from a file or a URL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from wellcheck.signals.popular import (
    InvalidPopularListError,
    PopularListError,
    load_popular,
    refresh_popular,
)

SHARED = (
    Path(
        os.environ.get(
            "WELLCHECK_SHARED_DATA", Path(__file__).resolve().parents[3] / "shared" / "data"
        )
    )
    / "top-pypi-packages.json"
)  # ../shared/data beside the checkout


def top_pypi(projects: list[str], stamp: str = "2026-04-01 06:34:06") -> bytes:
    rows = [{"download_count": 10_000_000 - i, "project": name} for i, name in enumerate(projects)]
    return json.dumps({"last_update": stamp, "rows": rows}).encode()


PROJECTS = ["Requests", "numpy", "typing_extensions"] + [f"proj-{i}" for i in range(150)]


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("WELLCHECK_CACHE_DIR", str(tmp_path))
    return tmp_path


class _Handler(BaseHTTPRequestHandler):
    body = b""
    status = 200

    def do_GET(self) -> None:
        self.send_response(self.status)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[tuple[str, type[_Handler]]]:
    handler = type("Handler", (_Handler,), {})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/top.json", handler
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_bundled_snapshot_is_dated_ranked_and_small(cache: Path) -> None:
    popular = load_popular()
    assert popular.origin == "bundled"
    assert popular.generated
    assert len(popular) > 14_000
    assert popular.rank("boto3") == 1
    assert popular.rank("typing-extensions") is not None  # canonical names
    data = Path(__file__).parents[2] / "src/wellcheck/data/popular.json"
    assert data.stat().st_size < 400_000


def test_refresh_from_loopback_server_replaces_user_copy(
    cache: Path, server: tuple[str, type[_Handler]]
) -> None:
    url, handler = server
    handler.body = top_pypi(PROJECTS)
    fresh = refresh_popular(url)
    assert fresh.generated == "2026-04-01 06:34:06"
    loaded = load_popular()
    assert loaded.origin == str(cache / "popular.json")  # the user copy wins
    assert loaded.rank("requests") == 1
    assert loaded.rank("typing-extensions") == 3
    assert [p.name for p in cache.iterdir()] == ["popular.json"]  # no temp file left


def test_refresh_uses_the_url_from_the_environment(
    cache: Path, server: tuple[str, type[_Handler]], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, handler = server
    handler.body = top_pypi(PROJECTS)
    monkeypatch.setenv("WELLCHECK_POPULAR_URL", url)
    assert refresh_popular().source == url


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (200, b"<html>not json</html>", InvalidPopularListError),
        (200, json.dumps({"rows": [{"project": "x"}]}).encode(), InvalidPopularListError),
        (200, top_pypi(["only", "three", "rows"]), InvalidPopularListError),
        (500, b"oops", PopularListError),
    ],
)
def test_bad_download_keeps_the_previous_copy(
    cache: Path,
    server: tuple[str, type[_Handler]],
    status: int,
    body: bytes,
    error: type[Exception],
) -> None:
    url, handler = server
    handler.body = top_pypi(PROJECTS)
    refresh_popular(url)
    before = (cache / "popular.json").read_bytes()
    handler.status, handler.body = status, body
    with pytest.raises(error):
        refresh_popular(url)
    assert (cache / "popular.json").read_bytes() == before


def test_unreachable_server_is_a_source_error(cache: Path) -> None:
    with pytest.raises(PopularListError):
        refresh_popular("http://127.0.0.1:9/top.json")


def test_refresh_from_local_file(cache: Path, tmp_path: Path) -> None:
    source = tmp_path / "top.json"
    source.write_bytes(top_pypi(PROJECTS))
    assert len(refresh_popular(str(source))) == len(PROJECTS)


def test_corrupt_user_copy_raises(cache: Path) -> None:
    (cache / "popular.json").write_text('{"names": 3}', encoding="utf-8")
    with pytest.raises(PopularListError, match="corrupt"):
        load_popular()


@pytest.mark.skipif(not SHARED.is_file(), reason="shared top-pypi-packages.json not present")
def test_refresh_from_the_real_dataset_via_cli(cache: Path) -> None:
    env = {**os.environ, "WELLCHECK_CACHE_DIR": str(cache)}
    proc = subprocess.run(
        [sys.executable, "-m", "wellcheck", "popular", "refresh", "--from", str(SHARED)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    assert "15000 projects" in proc.stdout
    assert load_popular().rank("boto3") == 1


def test_popular_show_names_the_list_in_use(cache: Path) -> None:
    env = {**os.environ, "WELLCHECK_CACHE_DIR": str(cache)}
    proc = subprocess.run(
        [sys.executable, "-m", "wellcheck", "popular", "show"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    assert "from bundled" in proc.stdout


class _Broken(BaseHTTPRequestHandler):
    """Answers that fail while the body is read, not when the request is sent."""

    mode = "truncated"

    def do_GET(self) -> None:
        self.send_response(200)
        if self.mode == "bad-gzip":
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", "10")
            self.end_headers()
            self.wfile.write(b"not gzip!!")
            return
        self.send_header("Content-Length", "100000")  # then the connection drops
        self.end_headers()
        self.wfile.write(b'{"rows": [')
        self.wfile.flush()
        self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.mark.parametrize(
    ("failure", "status"),
    [
        ("truncated", 3),
        ("bad-gzip", 3),
        ("unreachable", 3),
        ("infinite-count", 2),
        ("deep-json", 2),
    ],
)
def test_a_failed_refresh_is_one_line_and_keeps_the_list(
    cache: Path, tmp_path: Path, failure: str, status: int
) -> None:
    """Issue 12: ``popular refresh`` failing showed an internal error (a bug's message)."""
    source = tmp_path / "top.json"
    source.write_bytes(top_pypi(PROJECTS))
    refresh_popular(str(source))
    before = (cache / "popular.json").read_bytes()
    handler = type("Handler", (_Broken,), {"mode": failure})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        origin = f"http://127.0.0.1:{httpd.server_address[1]}/top.json"
        if failure == "unreachable":
            origin = "http://127.0.0.1:9/top.json"
        elif failure == "infinite-count":
            source.write_text('{"rows": [{"project": "x", "download_count": 1e999}]}')
            origin = str(source)
        elif failure == "deep-json":
            source.write_text("[" * 100_000 + "]" * 100_000)
            origin = str(source)
        proc = subprocess.run(
            [sys.executable, "-m", "wellcheck", "popular", "refresh", "--from", origin],
            capture_output=True,
            text=True,
            env={**os.environ, "WELLCHECK_CACHE_DIR": str(cache)},
            timeout=60,
        )
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert proc.returncode == status, proc.stderr
    [line] = proc.stderr.splitlines()
    assert line.startswith("wellcheck: error: ") and origin in line
    assert (cache / "popular.json").read_bytes() == before
