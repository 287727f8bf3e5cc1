"""The tree pip would install from a wheel or an sdist, built without running anything.

* Wheels are unpacked as ``pip install --target DIR --no-compile`` (pip 23.2) lays them out:
  ``NAME.data/purelib`` and ``platlib`` into DIR, ``scripts`` into ``DIR/bin`` (a ``#!python``
  first line rewritten to the interpreter), ``headers`` into ``DIR/include/site/python3.12/NAME``,
  ``data`` into DIR (``_handle_target_dir`` moves the home scheme's lib, bin and data dirs into
  the target); console and GUI entry points become pip's launcher scripts in ``DIR/bin``;
  ``INSTALLER`` and ``REQUESTED`` are added and ``RECORD`` is rewritten as pip's
  ``get_csv_rows_for_installed`` does (old hashes kept, changed and new files hashed, paths
  relative to the lib dir, so ``../../bin/x``). No ``.pyc`` is written (``--no-compile``).
  Checked against real pip 23.2.1 on the awscli, bandit, tqdm, greenlet and dulwich wheels:
  the same files and RECORD rows, but for the launchers' interpreter line.
  A wheel pip would refuse (a member outside the tree, not exactly one ``.dist-info``, an
  unknown ``.data`` scheme) installs nothing.
* Sdists: setup.py is never run, so the tree is what setuptools would most likely install:
  the packages ``find_packages()`` finds at the root and under ``src/`` (directories with an
  ``__init__.py`` and no dot in their name, descending into packages only) with every file
  directly inside them, and the top-level ``.py`` modules except ``setup.py``; plus a
  ``NAME-VERSION.dist-info`` with ``METADATA`` (the sdist's ``PKG-INFO``), ``WHEEL``,
  ``INSTALLER``, ``REQUESTED``, ``top_level.txt`` and a correct ``RECORD``. The leading
  directory is stripped when every member has the same one (pip's ``has_leading_dir``).
"""

from __future__ import annotations

import base64
import configparser
import csv
import email.parser
import hashlib
import io
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from behaviour_archive import Caps, Skipped, UnsafeArchive, archive_members, zip_members
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
from packaging.version import InvalidVersion, Version

INTERPRETER = b"/var/lang/bin/python3.12"  # the Lambda python3.12 runtime's interpreter
LAUNCHER = """#!{interpreter}
# -*- coding: utf-8 -*-
import re
import sys
from {module} import {head}
if __name__ == '__main__':
    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])
    sys.exit({call}())
"""
WHEEL_FILE = (
    "Wheel-Version: 1.0\nGenerator: behaviour-bench\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
)


@dataclass(frozen=True)
class Tree:
    """One installed tree: where, how much, and whether it holds more than metadata."""

    status: str  # "ok" | "refused" (pip would refuse it, or it could not be read)
    reason: str = ""
    files: int = 0
    size: int = 0
    installs_code: bool = False  # any file outside the .dist-info (launchers excluded)
    skipped: tuple[tuple[str, int], ...] = ()


def record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


class _Writer:
    """Files written under a fresh directory that replaces ``dest`` when complete."""

    def __init__(self, dest: Path) -> None:
        dest.parent.mkdir(parents=True, exist_ok=True)
        self.dest = dest
        self.root = Path(tempfile.mkdtemp(dir=dest.parent, prefix=f".{dest.name}."))
        self.sizes: dict[str, int] = {}

    def write(self, relative: str, data: bytes) -> None:
        target = self.root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_dir():
            raise UnsafeArchive(f"{relative}: a file and a directory of the same name")
        target.write_bytes(data)
        self.sizes[relative] = len(data)

    def commit(self) -> None:
        if self.dest.exists():
            shutil.rmtree(self.dest)
        self.root.rename(self.dest)

    def abort(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def _finish(writer: _Writer, code: bool, skipped: Skipped) -> Tree:
    writer.commit()
    return Tree(
        "ok",
        files=len(writer.sizes),
        size=sum(writer.sizes.values()),
        installs_code=code,
        skipped=tuple(sorted(skipped.counts.items())),
    )


def _refused(dest: Path, exc: Exception, skipped: Skipped) -> Tree:
    if dest.exists():
        shutil.rmtree(dest)
    return Tree("refused", str(exc)[:300], skipped=tuple(sorted(skipped.counts.items())))


# ---------------------------------------------------------------- wheels


def _wheel_target(name: str, data_dir: str, dist: str) -> str:
    """Where pip --target puts a wheel member, relative to the lib dir (posix)."""
    if not name.startswith(data_dir + "/"):
        return name
    scheme, _, rest = name[len(data_dir) + 1 :].partition("/")
    if not rest:
        raise UnsafeArchive(f"{name}: file directly in the .data directory")
    where = {
        "purelib": rest,
        "platlib": rest,
        "scripts": f"../../bin/{rest}",
        "headers": f"../../include/site/python3.12/{dist}/{rest}",
        "data": f"../../{rest}",
    }
    if scheme not in where:
        raise UnsafeArchive(f"{name}: unknown scheme key {scheme!r}")
    return where[scheme]


def _on_disk(record_path: str) -> str:
    """A RECORD path (relative to the lib dir) as a path under the --target directory."""
    return record_path.removeprefix("../../")


def _info_dir(names: list[str], filename: str) -> str:
    dirs = {n.split("/", 1)[0] for n in names if "/" in n}
    infos = sorted(d for d in dirs if d.endswith(".dist-info"))
    if len(infos) != 1:
        raise UnsafeArchive(f"{len(infos)} .dist-info directories (pip needs exactly one)")
    try:
        wheel_name = parse_wheel_filename(filename)[0]
    except InvalidWheelFilename:
        return infos[0]
    # pip 23.2 wheel_dist_info_dir: the canonical .dist-info name must start with the wheel's
    if not canonicalize_name(infos[0]).startswith(wheel_name):
        raise UnsafeArchive(f"{infos[0]} does not match the wheel name {wheel_name}")
    return infos[0]


def _launchers(entry_points: bytes | None) -> dict[str, bytes]:
    if entry_points is None:
        return {}
    parser = configparser.ConfigParser(delimiters=("=",), interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    try:
        parser.read_string(entry_points.decode("utf-8"))
    except (configparser.Error, UnicodeDecodeError):
        return {}
    scripts: dict[str, bytes] = {}
    for section in ("console_scripts", "gui_scripts"):
        for script, value in parser.items(section) if parser.has_section(section) else []:
            module, _, attr = value.partition(":")
            attr = attr.split("[", 1)[0].strip()
            if not module.strip() or not attr or "/" in script or script in ("", ".", ".."):
                continue
            text = LAUNCHER.format(
                interpreter=INTERPRETER.decode(),
                module=module.strip(),
                head=attr.split(".")[0],
                call=attr,
            )
            scripts[f"../../bin/{script}"] = text.encode()
    return scripts


def install_wheel(source: bytes | Path, filename: str, dest: Path, caps: Caps) -> Tree:
    """Install a wheel into ``dest`` as pip --target would (see the module doc)."""
    skipped = Skipped()
    writer = _Writer(dest)
    try:
        members = dict(zip_members(source, caps, skipped))
        info_dir = _info_dir(list(members), filename)
        data_dir = info_dir.removesuffix(".dist-info") + ".data"
        dist = info_dir.removesuffix(".dist-info").rsplit("-", 1)[0]
        installed: dict[str, str] = {}  # archive name -> RECORD path
        changed: set[str] = set()
        for name, data in members.items():
            target = _wheel_target(name, data_dir, dist)
            if target.startswith("../../bin/") and data.startswith(b"#!python"):
                data = b"#!" + INTERPRETER + data[len(b"#!python") :]
                changed.add(target)
            writer.write(_on_disk(target), data)
            installed[name] = target
        code = any(not t.startswith(info_dir + "/") for t in installed.values())
        generated = _launchers(members.get(f"{info_dir}/entry_points.txt"))
        for target, data in generated.items():
            writer.write(_on_disk(target), data)
        writer.write(f"{info_dir}/INSTALLER", b"pip\n")
        writer.write(f"{info_dir}/REQUESTED", b"")
        rows = _wheel_record(members.get(f"{info_dir}/RECORD", b""), installed, changed, writer)
        rows += [[t, record_hash(d), str(len(d))] for t, d in generated.items()]
        rows += [_row(writer, f"{info_dir}/{n}") for n in ("INSTALLER", "REQUESTED")]
        _write_record(writer, f"{info_dir}/RECORD", rows)
        return _finish(writer, code, skipped)
    except (UnsafeArchive, OSError) as exc:
        writer.abort()
        return _refused(dest, exc, skipped)


def _row(writer: _Writer, record_path: str) -> list[str]:
    data = (writer.root / _on_disk(record_path)).read_bytes()
    return [record_path, record_hash(data), str(len(data))]


def _wheel_record(
    old: bytes, installed: dict[str, str], changed: set[str], writer: _Writer
) -> list[list[str]]:
    rows: list[list[str]] = []
    remaining = dict(installed)
    text = old.decode("utf-8", errors="replace")
    for row in csv.reader(io.StringIO(text)):
        if not row:
            continue
        target = remaining.pop(row[0], row[0])
        if target.endswith(".dist-info/RECORD"):
            continue
        if target in changed:
            rows.append(_row(writer, target))
        else:
            rows.append([target, *row[1:3]])
    rows += [_row(writer, t) for t in remaining.values() if not t.endswith(".dist-info/RECORD")]
    return rows


def _write_record(writer: _Writer, record: str, rows: list[list[str]]) -> None:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([*rows, [record, "", ""]])
    writer.write(record, out.getvalue().encode("utf-8"))


# ---------------------------------------------------------------- sdists


def _strip_leading(members: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    heads = {n.split("/", 1)[0] for n, _ in members}
    if len(heads) == 1 and all("/" in n for n, _ in members):
        return [(n.split("/", 1)[1], d) for n, d in members]
    return members


def _package_files(names: set[str], base: str) -> list[str]:
    """Files setuptools would install from ``base`` ("" or "src"): packages and modules."""
    prefix = f"{base}/" if base else ""
    found: list[str] = []
    pending = [
        n[len(prefix) :].split("/", 1)[0]
        for n in names
        if n.startswith(prefix) and "/" in n[len(prefix) :]
    ]
    packages: set[str] = set()
    while pending:
        package = pending.pop()
        if package in packages or "." in package.rsplit("/", 1)[-1]:
            continue
        if f"{prefix}{package}/__init__.py" not in names:
            continue
        packages.add(package)
        inside = [
            n[len(prefix) + len(package) + 1 :]
            for n in names
            if n.startswith(f"{prefix}{package}/")
        ]
        found += [f"{package}/{rest}" for rest in inside if "/" not in rest]
        pending += [f"{package}/{rest.split('/', 1)[0]}" for rest in inside if "/" in rest]
    modules = [
        n[len(prefix) :]
        for n in names
        if n.startswith(prefix) and "/" not in n[len(prefix) :] and n.endswith(".py")
    ]
    found += [m for m in modules if m != "setup.py"]
    return sorted(set(found))


def _metadata(members: dict[str, bytes], name: str, version: str) -> tuple[bytes, str, str]:
    raw = members.get("PKG-INFO")
    if raw is None:
        return f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode(), name, version
    headers = email.parser.BytesHeaderParser().parsebytes(raw)
    return (
        raw,
        str(headers.get("Name") or name).strip(),
        str(headers.get("Version") or version).strip(),
    )


def _escape(name: str, version: str) -> str:
    safe_name = re.sub(r"[^A-Za-z0-9.]+", "_", re.sub(r"[-_.]+", "_", name)) or "UNKNOWN"
    try:
        safe_version = str(Version(version)).replace("-", "_")
    except InvalidVersion:
        safe_version = re.sub(r"[^A-Za-z0-9.]+", "_", version) or "0"
    return f"{safe_name}-{safe_version}.dist-info"


def install_sdist(
    data: bytes, filename: str, dest: Path, caps: Caps, name: str, version: str
) -> Tree:
    """The tree pip would most likely install from an sdist (see the module doc)."""
    skipped = Skipped()
    writer = _Writer(dest)
    try:
        members = dict(_strip_leading(archive_members(data, filename, caps, skipped)))
        names = set(members)
        files = {f: members[f] for f in _package_files(names, "")}
        files |= {f: members[f"src/{f}"] for f in _package_files(names, "src")}
        metadata, name, version = _metadata(members, name, version)
        info_dir = _escape(name, version)
        for path, content in files.items():
            writer.write(path, content)
        tops = sorted({p.split("/", 1)[0].removesuffix(".py") for p in files})
        extra = {
            "METADATA": metadata,
            "WHEEL": WHEEL_FILE.encode(),
            "INSTALLER": b"pip\n",
            "REQUESTED": b"",
            "top_level.txt": "".join(f"{t}\n" for t in tops).encode(),
        }
        for leaf, content in extra.items():
            writer.write(f"{info_dir}/{leaf}", content)
        rows = [[p, record_hash(c), str(len(c))] for p, c in files.items()]
        rows += [_row(writer, f"{info_dir}/{leaf}") for leaf in extra]
        _write_record(writer, f"{info_dir}/RECORD", rows)
        return _finish(writer, bool(files), skipped)
    except (UnsafeArchive, OSError) as exc:
        writer.abort()
        return _refused(dest, exc, skipped)
