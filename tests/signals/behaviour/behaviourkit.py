"""Builders for the behaviour tests: installed distributions, zips, and a judge.

Everything is synthetic: small snippets written for these tests, installed the
way pip installs a wheel (the files, then a dist-info with METADATA, WHEEL,
INSTALLER and a RECORD with correct hashes).
"""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from pathlib import Path

from wellcheck.models import ComponentKind, Severity
from wellcheck.signals.behaviour.analyse import analyse_pth, analyse_source
from wellcheck.signals.behaviour.budget import Bounds
from wellcheck.signals.behaviour.facts import Role
from wellcheck.signals.behaviour.rules import RULES, Subject

PURE = "py3-none-any"
PLATFORM = "cp312-cp312-manylinux_2_17_x86_64"


def installed(
    name: str, version: str, files: dict[str, bytes], *, root: str = "", tag: str = PURE
) -> dict[str, bytes]:
    """``files`` (relative to the site root) plus a dist-info whose RECORD lists them."""
    prefix = f"{root}/" if root else ""
    folder = f"{name.replace('-', '_')}-{version}.dist-info"
    purelib = "true" if tag.endswith("none-any") else "false"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\n"
    meta = {
        f"{folder}/METADATA": metadata.encode(),
        f"{folder}/WHEEL": f"Wheel-Version: 1.0\nRoot-Is-Purelib: {purelib}\nTag: {tag}\n".encode(),
        f"{folder}/INSTALLER": b"pip\n",
    }
    rows = []
    for path, data in {**files, **meta}.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        rows.append(f"{path},sha256={digest},{len(data)}")
    rows.append(f"{folder}/RECORD,,")
    everything = {**files, **meta, f"{folder}/RECORD": "\n".join(rows).encode() + b"\n"}
    return {f"{prefix}{path}": data for path, data in everything.items()}


def zip_file(path: Path, files: dict[str, bytes]) -> Path:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    path.write_bytes(buffer.getvalue())
    return path


def judge(
    source: str | bytes,
    *,
    role: Role = Role.MODULE,
    path: str = "pkg/__init__.py",
    entry: bool = True,
    pure: bool = True,
    linux: bool = True,
    bounds: Bounds | None = None,
) -> set[tuple[str, Severity]]:
    """(rule, severity) of every hit for one file analysed on its own."""
    data = source.encode() if isinstance(source, str) else source
    if path.endswith(".pth"):
        facts = analyse_pth(path, data, bounds or Bounds())
    else:
        facts = analyse_source(path, data, role, bounds or Bounds(), entry=entry)
    kind = ComponentKind.SDIST if role is Role.INSTALL else ComponentKind.DIST_INFO
    subject = Subject("pkg", (facts,), sources=1, pure=pure, linux=linux, kind=kind)
    return {(hit.rule, hit.severity) for rule in RULES for hit in rule(subject)}


def rules_at_least(found: set[tuple[str, Severity]], floor: Severity) -> set[str]:
    return {rule for rule, severity in found if severity >= floor}
