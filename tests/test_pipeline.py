"""inventory_artifact: components at once, the artifact's sha256 when first read."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

from wellcheck.errors import ArtifactError
from wellcheck.models import ArtifactInfo
from wellcheck.pipeline import Inventory, inventory_artifact


def function_zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("app.py", "def handler(event, context):\n    return 1\n")
        zf.writestr("six.py", "__version__ = '1.16.0'\n")
        zf.writestr("six-1.16.0.dist-info/METADATA", "Name: six\nVersion: 1.16.0\n")
        zf.writestr("six-1.16.0.dist-info/RECORD", "six.py,,\n")
    return path


def test_a_zip_inventory_carries_the_artifact_hash(tmp_path: Path) -> None:
    path = function_zip(tmp_path / "fn.zip")
    inv = inventory_artifact(str(path))
    assert ("six", "1.16.0") in [(c.name, c.version) for c in inv.components]
    assert inv.artifact.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert inv.artifact.size == path.stat().st_size
    assert inv.artifact.kind == "lambda-zip"


def test_the_artifact_can_be_read_after_the_file_is_gone(tmp_path: Path) -> None:
    path = function_zip(tmp_path / "fn.zip")
    inv = inventory_artifact(str(path))
    expected = hashlib.sha256(path.read_bytes()).hexdigest()
    assert inv.artifact.sha256 == expected  # resolved once, then kept
    path.unlink()
    assert inv.artifact.sha256 == expected


def test_a_directory_inventory_has_no_hash(tmp_path: Path) -> None:
    (tmp_path / "six.py").write_text("x = 1\n")
    inv = inventory_artifact(str(tmp_path))
    assert inv.artifact.sha256 is None


def test_inventories_compare_by_value() -> None:
    info = ArtifactInfo("fn.zip", "lambda-zip")
    assert Inventory(info, (), ()) == Inventory(lambda: info, (), ())
    assert Inventory(info, (), ()) != Inventory(info, (), ("x.zip: too deep",))
    assert "fn.zip" in repr(Inventory(lambda: info, (), ()))


def test_a_missing_artifact_fails_at_once(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError):
        inventory_artifact(str(tmp_path / "missing.zip"))


def test_the_preview_has_everything_but_the_hash(tmp_path: Path) -> None:
    path = function_zip(tmp_path / "fn.zip")
    inv = inventory_artifact(str(path))
    preview = inv.artifact_preview
    assert (preview.path, preview.kind) == (str(path), "lambda-zip")
    assert preview.sha256 in (None, inv.artifact.sha256)
    assert inv.artifact_preview == inv.artifact  # once resolved, the preview is the artifact
