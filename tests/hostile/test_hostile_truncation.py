"""Item 14 as a property: a cut anywhere gives an input error or the complete inventory.

Never fewer components than the intact artifact (an "empty, clean" SBOM), never a
crash.  Cuts that only drop a tar's end-of-archive padding leave every member
whole; those may open, and must then give exactly the full inventory.
"""

from __future__ import annotations

import gzip
import random
from collections.abc import Callable
from pathlib import Path

import pytest
from imagebuilder import build_docker_archive, build_oci_tar
from imagebuilder import dist_info as image_dist
from zipkit import dist_info, zip_bytes

from wellcheck.errors import ArtifactError
from wellcheck.pipeline import inventory_artifact

SITE = "usr/local/lib/python3.12/site-packages"


def _components(path: Path) -> set[tuple[str, str | None, str]]:
    inventory = inventory_artifact(str(path))
    return {(c.name, c.version, c.location) for c in inventory.components}


def _zip(dest: Path) -> Path:
    files = {**dist_info("requests", "2.25.1"), **dist_info("idna", "3.6")}
    dest.write_bytes(zip_bytes(files))
    return dest


def _docker(dest: Path) -> Path:
    layers = [image_dist("requests", "2.25.1", SITE), image_dist("idna", "3.6", SITE)]
    return build_docker_archive(dest, layers, "gzip")  # type: ignore[arg-type]


def _docker_gz(dest: Path) -> Path:
    plain = _docker(dest.with_suffix(".plain"))
    dest.write_bytes(gzip.compress(plain.read_bytes(), mtime=0))
    return dest


def _oci_zstd(dest: Path) -> Path:
    layers = [image_dist("requests", "2.25.1", SITE), image_dist("idna", "3.6", SITE)]
    return build_oci_tar(dest, layers, "zstd")  # type: ignore[arg-type]


CASES: dict[str, Callable[[Path], Path]] = {
    "zip": _zip,
    "docker-tar": _docker,
    "docker-tar.gz": _docker_gz,
    "oci-tar-zstd": _oci_zstd,
}


@pytest.mark.parametrize("kind", list(CASES))
def test_every_cut_is_an_input_error_or_the_full_inventory(
    tmp_path: Path, private_tmp: Path, kind: str
) -> None:
    full_path = CASES[kind](tmp_path / "full")
    data = full_path.read_bytes()
    full = _components(full_path)
    assert {name for name, _, _ in full} == {"requests", "idna"}
    rng = random.Random(kind)
    cuts = {0, 1, len(data) - 1, *range(0, len(data), 512)}
    cuts |= {rng.randrange(len(data)) for _ in range(50)}
    cut_path = tmp_path / "cut"
    opened = 0
    for cut in sorted(cuts):
        cut_path.write_bytes(data[:cut])
        try:
            got = _components(cut_path)
        except ArtifactError:
            continue
        opened += 1
        assert got == full, f"cut at {cut} of {len(data)} gave a partial inventory"
    if kind == "zip":
        assert opened == 0  # the end record is the last thing in a zip
