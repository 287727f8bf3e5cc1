"""Hostile and broken artifacts as a user meets them: through the real ``wellcheck`` program.

Every run happens in a sandbox (its own cwd, TMPDIR and cache dir).  A hostile
artifact must give exit 2 and one line on stderr naming the member and the rule;
no SBOM file appears at ``-o``; nothing is written anywhere in the sandbox and the
private TMPDIR is empty afterwards (issue 5, items 1, 5, 10, 13, 14).
"""

from __future__ import annotations

import json
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest
from imagebuilder import Symlink, build_docker_archive, build_oci_tar
from imagebuilder import dist_info as image_dist
from sandbox import Sandbox
from zipkit import RawMember, dist_info, raw_zip, zip_bytes

SITE = "usr/local/lib/python3.12/site-packages"
Builder = Callable[[Path, dict[str, object]], Path]


def _zip(path: Path, extra: dict[str, object]) -> Path:
    files = {**dist_info("requests", "2.25.1"), "app.py": b"def handler(e, c): pass\n"}
    members = [RawMember(n, d) for n, d in files.items()]
    members += [RawMember(n, d) for n, d in extra.items() if isinstance(d, bytes)]
    path.write_bytes(raw_zip(members))
    return path


def _docker(path: Path, extra: dict[str, object]) -> Path:
    base = image_dist("requests", "2.25.1", SITE)
    return build_docker_archive(path, [base, extra], "gzip")  # type: ignore[list-item]


def _oci(path: Path, extra: dict[str, object]) -> Path:
    base = image_dist("requests", "2.25.1", SITE)
    return build_oci_tar(path, [base, extra], "zstd")  # type: ignore[list-item]


BUILDERS: dict[str, tuple[Builder, str]] = {
    "zip": (_zip, "function.zip"),
    "docker-gzip": (_docker, "image.tar"),
    "oci-zstd": (_oci, "image-oci.tar"),
}


def _headline(rule: str) -> str:
    """A limit is "exceeded" (a big artifact may just need --limit); other rules are hostile."""
    if rule.startswith("max_"):
        return f"limit exceeded: {rule} (member "
    return "hostile artifact: member "


def _hostile_run(sandbox: Sandbox, artifact: Path, rule: str, *args: object) -> None:
    """``sbom -o`` and ``scan -o`` both exit 2 naming the rule; nothing else changes."""
    before = sandbox.snapshot()
    sbom = sandbox.wellcheck("sbom", artifact, "-o", sandbox.cwd / "sbom.json", *args)
    assert sbom.returncode == 2, sbom.stderr
    assert sbom.stdout == ""
    [line] = sbom.stderr.strip().splitlines()
    assert line.startswith(f"wellcheck: error: {_headline(rule)}"), line
    assert sandbox.snapshot() == before  # no SBOM, no extracted file, no temp dir left
    assert list(sandbox.tmp.iterdir()) == []


@pytest.mark.parametrize("kind", list(BUILDERS))
def test_dot_dot_member_exits_2_and_writes_nothing_anywhere(sandbox: Sandbox, kind: str) -> None:
    """Item 1: ``../`` members; the sandbox (cwd and its parents) is left exactly as it was."""
    build, name = BUILDERS[kind]
    artifact = build(sandbox.root / name, {"../../../evil.py": b"import os\n"})
    _hostile_run(sandbox, artifact, "path-traversal")
    assert not any(p.name == "evil.py" for p in sandbox.root.parent.rglob("*"))


@pytest.mark.parametrize("kind", ["docker-gzip", "oci-zstd"])
def test_write_through_a_dot_dot_symlink_exits_2(sandbox: Sandbox, kind: str) -> None:
    """Item 5 (images): a symlink to '..' then a member through it, in one layer."""
    build, name = BUILDERS[kind]
    layer = {"opt/up": Symlink("../.."), "opt/up/etc/cron.d/evil": b"* * * * * root sh\n"}
    _hostile_run(sandbox, build(sandbox.root / name, layer), "link-escape")


def test_default_limits_stop_a_ratio_bomb(sandbox: Sandbox) -> None:
    """Item 10 with the real defaults (max_ratio 250): 8 MiB of zeros deflated ~1000:1."""
    bomb = _zip(sandbox.root / "bomb.zip", {"zeros.bin": bytes(8 * 1024 * 1024)})
    _hostile_run(sandbox, bomb, "max_ratio")


def test_limit_override_on_the_command_line_and_in_the_config(sandbox: Sandbox) -> None:
    """Item 10: a member-count bomb, with the limit lowered by --limit and by the config."""
    artifact = _docker(sandbox.root / "many.tar", {f"e/{i}": b"" for i in range(1500)})
    report = sandbox.cwd / "report.json"
    scan = sandbox.wellcheck(
        "scan", artifact, "--limit", "members=1000", "--no-advisories", "-j", "1", "-o", report
    )
    assert scan.returncode == 2, scan.stderr
    assert ": limit exceeded: max_members (member " in scan.stderr
    assert "hostile" not in scan.stderr
    verdict = json.loads(report.read_text(encoding="utf-8"))  # the report says so, never clean
    assert verdict["verdict"]["status"] == "input_error" and verdict["verdict"]["errors"] == 1
    [result] = verdict["artifacts"]
    assert "max_members" in result["error"] and result["components"] == []
    (sandbox.cwd / "wellcheck.toml").write_text("[limits]\nmax-members = 1000\n")
    scan = sandbox.wellcheck("scan", artifact, "--no-advisories", "-j", "1", "-f", "json")
    assert scan.returncode == 2 and "max_members" in scan.stderr


def _truncated(kind: str, root: Path) -> Path:
    """Cut two thirds of the way into the archive's data (not into a tar's zero padding)."""
    build, name = BUILDERS[kind]
    full = build(root / f"full-{name}", {f"pkg/m{i}.py": bytes([65 + i]) * 4000 for i in range(8)})
    data = full.read_bytes()
    end = len(data)
    if kind != "zip":
        with tarfile.open(full) as tar:
            end = max(m.offset_data + m.size for m in tar.getmembers())
    path = root / name
    path.write_bytes(data[: end * 2 // 3])
    return path


@pytest.mark.parametrize("kind", list(BUILDERS))
def test_truncated_artifact_never_gives_an_sbom(sandbox: Sandbox, kind: str) -> None:
    """Item 14: truncated zip / gzip docker-save / zstd OCI tar: exit 2, no file at -o."""
    artifact = _truncated(kind, sandbox.root)
    target = sandbox.cwd / "sbom.json"
    before = sandbox.snapshot()
    proc = sandbox.wellcheck("sbom", artifact, "-o", target)
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == "" and proc.stderr.startswith("wellcheck: error: ")
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not target.exists() and sandbox.snapshot() == before
    if kind == "zip":  # scan too: the report says input_error, never clean
        scan = sandbox.wellcheck("scan", artifact, "--no-advisories", "-j", "1", "-f", "json")
        assert scan.returncode == 2
        assert json.loads(scan.stdout)["verdict"]["status"] == "input_error"


def test_corrupt_zstd_layer_never_gives_an_sbom(sandbox: Sandbox) -> None:
    """Item 14: a zstd layer with flipped bytes in the middle of its frame."""
    from imagebuilder import compress, layer_tar

    data = layer_tar({f"pkg/m{i}.py": bytes([65 + i]) * 4000 for i in range(8)})
    blob = bytearray(compress(data, "zstd"))
    blob[len(blob) // 2 : len(blob) // 2 + 16] = b"\xa5" * 16
    artifact = build_docker_archive(sandbox.root / "i.tar", [bytes(blob)])
    proc = sandbox.wellcheck("sbom", artifact, "-o", sandbox.cwd / "sbom.json")
    assert proc.returncode == 2 and "zstd" in proc.stderr
    assert not (sandbox.cwd / "sbom.json").exists()


def test_nesting_too_deep_is_named_in_the_sbom_and_makes_the_scan_incomplete(
    sandbox: Sandbox,
) -> None:
    """Item 13 with the default depth (3): reported "not scanned", scan exit 3."""
    nested = zip_bytes(dist_info("six", "1.16.0"))
    for level in range(5):
        nested = zip_bytes({f"lvl{level}/inner.whl": nested})
    artifact = sandbox.root / "deep.zip"
    artifact.write_bytes(nested)
    sbom = sandbox.wellcheck("sbom", artifact, "--reproducible")
    assert sbom.returncode == 0, sbom.stderr
    props = json.loads(sbom.stdout)["metadata"]["component"]["properties"]
    [note] = [p["value"] for p in props if p["name"] == "wellcheck:not_scanned"]
    assert note.endswith("nesting deeper than 3")
    scan = sandbox.wellcheck("scan", artifact, "--no-advisories", "-j", "1", "-f", "json")
    assert scan.returncode == 3
    assert json.loads(scan.stdout)["verdict"]["status"] == "incomplete"


def test_malformed_metadata_still_gives_every_component(sandbox: Sandbox) -> None:
    """Item 19 end to end: junk METADATA, junk RECORD, PKG-INFO without fields, encrypted
    METADATA (item 17): every distribution is listed, with warnings; exit 0."""
    junk = bytes(range(256)) * 64
    huge_header = b"X-Big: " + b"a" * 3_000_000 + b"\n"  # stored: no ratio alarm
    members = [
        RawMember("idna-3.6.dist-info/METADATA", junk),
        RawMember("idna-3.6.dist-info/RECORD", b"\x00\xff,,\n" * 1000 + junk),
        RawMember("six-1.16.0.egg-info/PKG-INFO", b"Metadata-Version: 1.0\n"),
        RawMember("six-1.16.0.egg-info/top_level.txt", b"six\n"),
        RawMember("urllib3-1.26.18.dist-info/METADATA", b"Name: urllib3\n", flags=0x1),
        RawMember("certifi-2024.2.2.dist-info/METADATA", huge_header, method=0),
        *[RawMember(n, d) for n, d in dist_info("requests", "2.25.1").items()],
    ]
    artifact = sandbox.root / "junk.zip"
    artifact.write_bytes(raw_zip(members))
    proc = sandbox.wellcheck("inventory", artifact, "-f", "json")
    assert proc.returncode == 0, proc.stderr
    [result] = json.loads(proc.stdout)["artifacts"]
    found = {(c["name"], c["version"]) for c in result["components"]}
    assert found == {
        ("idna", "3.6"),
        ("six", "1.16.0"),
        ("urllib3", "1.26.18"),
        ("certifi", "2024.2.2"),
        ("requests", "2.25.1"),
    }
    warned = {c["name"]: " ".join(c["warnings"]) for c in result["components"]}
    assert "encrypted" in warned["urllib3"]
    assert warned["idna"] and warned["six"] and warned["certifi"]
