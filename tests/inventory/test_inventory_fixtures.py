"""The demo artifacts: deterministic builds, planted signals, inventory expectations."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterable
from pathlib import Path

import pytest
from fixtures import build

from wellcheck.artifact.memory import MemoryTree
from wellcheck.errors import ArtifactError
from wellcheck.inventory import collect
from wellcheck.models import Component, ComponentKind


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return build.build_all(tmp_path_factory.mktemp("demo"))


def read_zip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def record_mismatches(files: dict[str, bytes]) -> set[str]:
    """Paths whose bytes differ from what their RECORD says."""
    bad: set[str] = set()
    for path, data in files.items():
        if not path.endswith(".dist-info/RECORD"):
            continue
        root = path.rsplit("/", 2)[0] + "/" if path.count("/") > 1 else ""
        for row in data.decode().splitlines():
            name, digest, size = row.split(",")
            if not digest:
                continue
            content = files[root + name]
            expected = base64.urlsafe_b64encode(hashlib.sha256(content).digest()).rstrip(b"=")
            if digest != f"sha256={expected.decode()}" or int(size) != len(content):
                bad.add(root + name)
    return bad


def pairs(components: Iterable[Component]) -> set[tuple[str, str]]:
    return {
        (c.name, c.version)
        for c in components
        if c.kind is not ComponentKind.UNCLAIMED and c.kind is not ComponentKind.VENDORED
    }


def test_builds_are_byte_identical(built: dict[str, Path], tmp_path: Path) -> None:
    again = build.build_all(tmp_path)
    assert sorted(built) == sorted(again) == sorted(build.CONTENTS)
    for name, path in built.items():
        assert path.read_bytes() == again[name].read_bytes(), name
        assert path.stat().st_size < 200_000


def test_function_zip_contents_and_planted_signals(built: dict[str, Path]) -> None:
    files = read_zip(built[build.FUNCTION].read_bytes())
    assert record_mismatches(files) == {"idna/core.py"}
    assert b"import os" in files["reqeusts.pth"]
    assert "reqeusts.pth" in files["reqeusts-0.0.1.dist-info/RECORD"].decode()
    found = collect(MemoryTree(files))
    assert pairs(found) == set(build.CONTENTS[build.FUNCTION])
    unclaimed = [c.location for c in found if c.kind is ComponentKind.UNCLAIMED]
    assert unclaimed == ["lambda_function.py"]


def test_layer_zip_contents(built: dict[str, Path]) -> None:
    files = read_zip(built[build.LAYER].read_bytes())
    assert record_mismatches(files) == set()
    found = collect(MemoryTree(files))
    assert pairs(found) == set(build.CONTENTS[build.LAYER])
    vendored = {
        (c.name, c.version, c.vendored_by) for c in found if c.kind is ComponentKind.VENDORED
    }
    assert vendored == set(build.VENDORED[build.LAYER])
    assert all(c.python_version == "3.12" for c in found)
    [jmespath] = [c for c in found if c.name == "jmespath"]
    assert jmespath.hashes and jmespath.hashes[0][0] == "sha256"


def test_image_is_a_docker_save_tarball_with_a_whiteout(built: dict[str, Path]) -> None:
    with tarfile.open(built[build.IMAGE]) as archive:
        manifest = json.load(archive.extractfile("manifest.json"))
        config = json.load(archive.extractfile(manifest[0]["Config"]))
        layers = [archive.extractfile(name).read() for name in manifest[0]["Layers"]]
    assert config["rootfs"]["diff_ids"] == [
        f"sha256:{hashlib.sha256(layer).hexdigest()}" for layer in layers
    ]
    merged: dict[str, bytes] = {}
    for layer in layers:
        with tarfile.open(fileobj=io.BytesIO(layer)) as archive:
            for member in archive.getmembers():
                head, _, base = member.name.rpartition("/")
                if base.startswith(".wh."):
                    gone = f"{head}/{base[4:]}"
                    merged = {
                        p: d
                        for p, d in merged.items()
                        if p != gone and not p.startswith(gone + "/")
                    }
                elif member.isfile():
                    merged[member.name] = archive.extractfile(member).read()
    assert pairs(collect(MemoryTree(merged))) == set(build.CONTENTS[build.IMAGE])


def test_nested_zip_holds_a_wheel_and_a_zip(built: dict[str, Path]) -> None:
    outer = read_zip(built[build.NESTED].read_bytes())
    wheel = read_zip(outer[f"dist/{build.WHEEL_NAME}"])
    inner = read_zip(outer[f"dist/{build.INNER_ZIP}"])
    found = pairs(collect(MemoryTree(wheel))) | pairs(collect(MemoryTree(inner)))
    assert found == set(build.CONTENTS[build.NESTED])
    assert not any(name.endswith("INSTALLER") for name in wheel)


@pytest.mark.parametrize("artifact", sorted(build.CONTENTS))
def test_pipeline_inventory_matches_the_table(built: dict[str, Path], artifact: str) -> None:
    """End to end through the artifact readers, when they support the kind."""
    from wellcheck.pipeline import inventory_artifact

    try:
        inventory = inventory_artifact(str(built[artifact]))
    except (NotImplementedError, ArtifactError) as exc:
        pytest.skip(f"artifact reader not ready: {exc}")
    assert pairs(inventory.components) == set(build.CONTENTS[artifact])


def test_builder_runs_as_a_script(built: dict[str, Path], tmp_path: Path) -> None:
    script = Path(build.__file__)
    proc = subprocess.run(
        [sys.executable, str(script), str(tmp_path)], capture_output=True, text=True, check=True
    )
    assert build.FUNCTION in proc.stdout
    for name, path in built.items():
        assert (tmp_path / name).read_bytes() == path.read_bytes()
