"""Build small source distributions in tests: tar (plain, gzip, bzip2, xz) and zip.

Everything is authored here: a PKG-INFO with a real project name and version, a
package, and a ``setup.py`` that is harmless text.  :func:`marker_setup_py` is a
setup.py that would create a marker file *if it were ever run*; tests plant it and
check afterwards that the marker never appeared.  Members are given as a mapping (or
a list of pairs, to repeat names) from name to ``bytes`` or an ``imagebuilder`` value
(``Symlink``, ``Hardlink``, ``DIR``, ``Special``).
"""

from __future__ import annotations

import bz2
import lzma
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

from imagebuilder import Value, compress, layer_tar
from zipkit import zip_bytes

Packing = Literal["gzip", "bzip2", "xz", "tar", "zip"]
PACKINGS: tuple[Packing, ...] = ("gzip", "bzip2", "xz", "tar", "zip")
Members = Mapping[str, Value] | Sequence[tuple[str, Value]]


def pkg_info(name: str, version: str, *requires: str, summary: str = "") -> bytes:
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    lines += [f"Summary: {summary}"] if summary else []
    lines += [f"Requires-Dist: {r}" for r in requires]
    return ("\n".join(lines) + "\n\n").encode()


def marker_setup_py(marker: Path) -> bytes:
    """A setup.py that writes ``marker`` when run (it must never be)."""
    return (
        "from pathlib import Path\n"
        f"Path({str(marker)!r}).write_text('setup.py was run')\n"
        "from setuptools import setup\n"
        "setup()\n"
    ).encode()


def project(
    name: str,
    version: str,
    *,
    setup_py: bytes | None = b"from setuptools import setup\nsetup()\n",
    pkg_info_file: bytes | None = None,
    extra: Mapping[str, bytes] | None = None,
) -> dict[str, bytes]:
    """The files of ``NAME-VERSION/``: PKG-INFO, setup.py, the package, ``extra``."""
    top = f"{name.replace('-', '_')}-{version}"
    package = name.replace("-", "_").lower()
    files = {
        f"{top}/PKG-INFO": pkg_info(name, version) if pkg_info_file is None else pkg_info_file,
        f"{top}/{package}/__init__.py": f"__version__ = {version!r}\n".encode(),
        f"{top}/README.md": f"# {name}\n".encode(),
    }
    if setup_py is not None:
        files[f"{top}/setup.py"] = setup_py
    files.update({f"{top}/{k}": v for k, v in (extra or {}).items()})
    return files


def sdist_bytes(members: Members, packing: Packing = "gzip") -> bytes:
    """The archive of ``members`` (names used verbatim) packed as ``packing``."""
    if packing == "zip":
        pairs = members.items() if isinstance(members, Mapping) else members
        return zip_bytes({name: value for name, value in pairs if isinstance(value, bytes)})
    tar = layer_tar(members)
    if packing == "gzip":
        return compress(tar, "gzip")
    if packing == "bzip2":
        return bz2.compress(tar, 1)
    if packing == "xz":
        return lzma.compress(tar, preset=0)
    return tar


def write_sdist(path: Path, members: Members, packing: Packing = "gzip") -> Path:
    path.write_bytes(sdist_bytes(members, packing))
    return path
