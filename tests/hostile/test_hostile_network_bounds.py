"""Issue 11, bounded network: the real CLI against servers that trickle, never end or bomb.

Each test runs ``python -m wellcheck`` as a child process against a loopback
``HostileServer`` and measures it (``hostile_http.measured``: wall time, and peak
memory from ``os.wait4``'s rusage of that child alone).  The promise: ``scan`` ends
with exit 3 (the sources are "not checked") within 60 s and under 300 MB, and
``db update`` stops at its cap leaving the old index in place.  Trickling tests set a
1 s deadline through the environment; the others run with the default limits.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from hostile_http import (
    HostileServer,
    MiB,
    Run,
    answer,
    endless,
    gzip_bomb,
    huge,
    measured,
    slow_head,
    trickle,
)
from osvdata import record, write_records
from sandbox import Sandbox
from zipkit import dist_info, zip_bytes

PACKAGES = {"requests": "2.25.1", "six": "1.16.0"}
MAX_SECONDS = 60.0
MAX_MEMORY = 300 * MiB
TRICKLE = {"WELLCHECK_NET_DEADLINE": "1"}


def _wellcheck(sandbox: Sandbox, *args: object, **env: str) -> Run:
    return measured(
        [sys.executable, "-m", "wellcheck", *map(str, args)],
        env=sandbox.env(**env),
        cwd=sandbox.cwd,
    )


def _artifact(sandbox: Sandbox) -> Path:
    path = sandbox.root / "function.zip"
    files: dict[str, bytes] = {}
    for name, version in PACKAGES.items():
        files.update(dist_info(name, version))
    path.write_bytes(zip_bytes(files))
    return path


@pytest.mark.parametrize(
    ("behaviour", "env", "why"),
    [
        (trickle(every=0.2), TRICKLE, "within the 1 s deadline"),
        (slow_head(every=0.05), TRICKLE, "within the 1 s deadline"),
        (endless(), {}, "larger than the 67108864-byte limit"),
        (huge(declare=False), {}, "larger than the 67108864-byte limit"),
        (gzip_bomb(), {}, "decodes to more than 67108864 bytes"),
    ],
    ids=["trickling-body", "trickling-head", "endless", "undeclared-1.5GB", "gzip-bomb"],
)
def test_a_hostile_server_makes_the_scan_incomplete_in_bounded_time_and_memory(
    sandbox: Sandbox, behaviour: object, env: dict[str, str], why: str
) -> None:
    artifact = _artifact(sandbox)
    report = sandbox.cwd / "report.json"
    with HostileServer() as server:
        server.route("*", behaviour)  # type: ignore[arg-type]
        run = _wellcheck(
            sandbox, "scan", artifact, "--source", "osv-api", "--pypi", "--no-signals",
            "-j", "1", "-o", report,
            WELLCHECK_OSV_API_URL=server.url, WELLCHECK_PYPI_URL=server.url, **env,
        )  # fmt: skip
    assert run.returncode == 3, run.stderr
    assert run.seconds < MAX_SECONDS
    assert run.peak_bytes < MAX_MEMORY
    [result] = json.loads(report.read_text(encoding="utf-8"))["artifacts"]
    skipped = {(s["source"], s["package"]) for s in result["not_checked"]}
    assert skipped == {(source, name) for source in ("osv-api", "pypi") for name in PACKAGES}
    assert any(why in s["reason"] for s in result["not_checked"])
    assert result["findings"] == []  # nothing made up from a partial answer


@pytest.fixture
def index(sandbox: Sandbox) -> Path:
    """An advisory index imported from records, to show a failed update keeps it."""
    records = write_records(
        sandbox.root / "records",
        record("PYSEC-2023-74", "requests", [{"introduced": "0"}, {"fixed": "2.31.0"}]),
    )
    run = _wellcheck(sandbox, "db", "import", records)
    assert run.returncode == 0, run.stderr
    return sandbox.cache / "osv.sqlite3"


@pytest.mark.parametrize(
    ("behaviour", "env", "why"),
    [
        (endless(), {"WELLCHECK_NET_MAX_DOWNLOAD": "2MiB"}, "exceeds the 2097152-byte"),
        (huge(declare=True), {}, "1500000000 bytes, above the 536870912-byte download limit"),
        (trickle(every=0.2), {"WELLCHECK_NET_DOWNLOAD_DEADLINE": "1"}, "1 s deadline"),
    ],
    ids=["endless-past-its-cap", "declared-1.5GB-default-cap", "trickling"],
)
def test_db_update_stops_at_its_cap_and_keeps_the_old_index(
    sandbox: Sandbox, index: Path, behaviour: object, env: dict[str, str], why: str
) -> None:
    before = index.read_bytes()
    with HostileServer() as server:
        url = server.route("/all.zip", behaviour)  # type: ignore[arg-type]
        run = _wellcheck(sandbox, "db", "update", "--url", url, **env)
        sent = server.sent.get("/all.zip", 0)
    assert run.returncode == 3, run.stderr
    assert why in run.stderr
    assert run.stderr.count("\n") == 1  # one line, no traceback
    assert run.seconds < MAX_SECONDS and run.peak_bytes < MAX_MEMORY
    assert sent < 2 * MiB + 16 * MiB  # the cap plus loopback buffers: the reading stopped
    assert index.read_bytes() == before
    assert sorted(p.name for p in sandbox.cache.iterdir()) == ["osv.sqlite3"]


def test_popular_refresh_from_an_endless_server_is_a_source_failure(sandbox: Sandbox) -> None:
    with HostileServer() as server:
        run = _wellcheck(sandbox, "popular", "refresh", "--from", server.route("/top", endless()))
    assert run.returncode == 3, run.stderr
    assert "larger than the 67108864-byte limit" in run.stderr
    assert run.peak_bytes < MAX_MEMORY
    assert not (sandbox.cache / "popular.json").exists()


def test_a_malformed_limit_is_a_one_line_input_error(sandbox: Sandbox) -> None:
    artifact = _artifact(sandbox)
    run = _wellcheck(
        sandbox, "scan", artifact, "--source", "osv-api", WELLCHECK_NET_DEADLINE="soon"
    )
    assert run.returncode == 2
    assert run.stderr == (
        "wellcheck: error: WELLCHECK_NET_DEADLINE must be a positive number of seconds, "
        "got 'soon'\n"
    )


def _installed_six(sandbox: Sandbox) -> tuple[Path, bytes]:
    """A layer with six installed by pip (RECORD hashes), and six's wheel as PyPI has it."""
    import base64
    import hashlib

    def line(path: str, data: bytes) -> str:
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
        return f"{path},sha256={digest.decode()},{len(data)}\n"

    dist = "six-1.16.0.dist-info"
    files = {"six.py": b"x = 1\n", **dist_info("six", "1.16.0", installer=False)}
    del files[f"{dist}/RECORD"]
    record = "".join(line(p, d) for p, d in files.items()) + f"{dist}/RECORD,,\n"
    wheel = zip_bytes({**files, f"{dist}/RECORD": record.encode()})
    site = "python/lib/python3.12/site-packages"
    installed = {**files, f"{dist}/INSTALLER": b"pip\n"}
    installed[f"{dist}/RECORD"] = (
        "".join(line(p, d) for p, d in installed.items()) + f"{dist}/RECORD,,\n"
    ).encode()
    layer = sandbox.root / "layer.zip"
    layer.write_bytes(zip_bytes({f"{site}/{p}": d for p, d in installed.items()}))
    return layer, wheel


def _pypi_document(wheel: bytes, url: str) -> bytes:
    import hashlib

    info = {"name": "six", "version": "1.16.0", "summary": "", "description": "",
            "home_page": "", "project_urls": {}, "author": "", "author_email": "",
            "maintainer": "", "maintainer_email": ""}  # fmt: skip
    release = {"filename": url.rsplit("/", 1)[1], "url": url, "size": len(wheel),
               "upload_time_iso_8601": "2021-05-05T15:05:00Z", "yanked": False,
               "yanked_reason": None, "packagetype": "bdist_wheel",
               "digests": {"sha256": hashlib.sha256(wheel).hexdigest()}}  # fmt: skip
    ownership = {"organization": None, "roles": [{"role": "Owner", "user": "owner"}]}
    document = {"info": info, "releases": {"1.16.0": [release]}, "ownership": ownership}
    return json.dumps(document).encode()


@pytest.mark.parametrize(
    "behaviour", [trickle(every=0.2), slow_head(every=0.05)], ids=["trickling-body", "slow-head"]
)
def test_a_trickling_upstream_wheel_ends_the_scan_in_bounded_time(
    sandbox: Sandbox, behaviour: object
) -> None:
    """``--pypi --verify-upstream -j 2``, PyPI answering at once, the official wheel sent one
    byte at a time.  A download's deadline is 30 minutes (a big wheel on a slow link) and
    the scan used to last that long; now a download with no data for the API deadline
    (here 1 s) has stalled: exit 3, the package not checked upstream."""
    layer, wheel = _installed_six(sandbox)
    report = sandbox.cwd / "report.json"
    with HostileServer() as server:
        url = server.route("/packages/six-1.16.0-py3-none-any.whl", behaviour)  # type: ignore[arg-type]
        server.route("/pypi/six/json", answer(_pypi_document(wheel, url)))  # type: ignore[arg-type]
        run = _wellcheck(
            sandbox, "scan", layer, "--no-advisories", "--pypi", "--verify-upstream",
            "-j", "2", "-o", report, WELLCHECK_PYPI_URL=server.url, **TRICKLE,
        )  # fmt: skip
    assert run.returncode == 3, run.stderr
    assert run.seconds < MAX_SECONDS and run.peak_bytes < MAX_MEMORY
    [result] = json.loads(report.read_text(encoding="utf-8"))["artifacts"]
    [skipped] = [s for s in result["not_checked"] if s["source"] == "upstream"]
    assert skipped["package"] == "six" and "stalled, no data for 1 s" in skipped["reason"]
