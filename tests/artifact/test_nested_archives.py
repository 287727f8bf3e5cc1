"""Archives inside artifacts become extra trees with the chain of paths leading to them."""

from __future__ import annotations

from pathlib import Path

import pytest
from zipkit import RawMember, dist_info, raw_zip, zip_bytes

from wellcheck.artifact import open_artifact
from wellcheck.artifact.limits import Limits
from wellcheck.artifact.memory import MemoryTree
from wellcheck.artifact.nested import find_nested
from wellcheck.errors import HostileArtifactError

WHEEL_NAME = "vendor/attrs-23.2.0-py3-none-any.whl"


def wheel() -> bytes:
    files = {"attr/__init__.py": b"__version__ = '23.2.0'\n"}
    files.update(dist_info("attrs", "23.2.0", installer=False))
    return zip_bytes(files)


def test_wheel_inside_a_function_zip_has_its_chain(tmp_path: Path) -> None:
    outer = zip_bytes({"app.py": b"import attr\n", WHEEL_NAME: wheel()})
    (tmp_path / "f.zip").write_bytes(outer)
    with open_artifact(str(tmp_path / "f.zip")) as opened:
        assert [tree.chain for tree in opened.trees] == [(), (WHEEL_NAME,)]
        inner = opened.trees[1]
        metadata = inner.read_bytes("attrs-23.2.0.dist-info/METADATA")
        assert b"Version: 23.2.0" in metadata
        assert opened.not_scanned == []


def test_chain_lists_every_archive_outermost_first(tmp_path: Path) -> None:
    middle = zip_bytes({"libs/inner.egg": wheel()})
    outer = zip_bytes({"bundle/middle.zip": middle})
    (tmp_path / "f.zip").write_bytes(outer)
    with open_artifact(str(tmp_path / "f.zip")) as opened:
        assert [tree.chain for tree in opened.trees] == [
            (),
            ("bundle/middle.zip",),
            ("bundle/middle.zip", "libs/inner.egg"),
        ]


def test_nesting_beyond_the_depth_limit_is_reported_not_dropped(tmp_path: Path) -> None:
    innermost = zip_bytes({"c.py": b""})
    middle = zip_bytes({"c.whl": innermost})
    outer = zip_bytes({"a/b.zip": middle})
    (tmp_path / "f.zip").write_bytes(outer)
    with open_artifact(str(tmp_path / "f.zip"), Limits(max_depth=1)) as opened:
        assert [tree.chain for tree in opened.trees] == [(), ("a/b.zip",)]
        assert opened.not_scanned == ["a/b.zip!c.whl: nesting deeper than 1"]


def test_archive_names_are_confirmed_by_content(tmp_path: Path) -> None:
    outer = zip_bytes({"data/not-really.zip": b"plain text", "data/real.bin": wheel()})
    (tmp_path / "f.zip").write_bytes(outer)
    with open_artifact(str(tmp_path / "f.zip")) as opened:
        assert len(opened.trees) == 1
        assert opened.not_scanned == ["data/not-really.zip: not a zip archive (no zip signature)"]


def test_corrupt_nested_archive_is_reported_not_scanned(tmp_path: Path) -> None:
    broken = wheel()[:-30]
    (tmp_path / "f.zip").write_bytes(zip_bytes({"vendor/broken.whl": broken}))
    with open_artifact(str(tmp_path / "f.zip")) as opened:
        assert len(opened.trees) == 1
        [note] = opened.not_scanned
        assert note.startswith("vendor/broken.whl: ")
        assert "zip" in note


def test_hostile_nested_archive_makes_the_artifact_hostile(tmp_path: Path) -> None:
    evil = raw_zip([RawMember("../../../etc/cron.d/x", b"* * * * * root sh")])
    (tmp_path / "f.zip").write_bytes(zip_bytes({"evil.whl": evil}))
    with pytest.raises(HostileArtifactError) as caught:
        open_artifact(str(tmp_path / "f.zip"))
    assert caught.value.rule == "path-traversal"


def test_nested_archive_size_is_bounded(tmp_path: Path) -> None:
    big = zip_bytes({f"m{i}.py": bytes(range(256)) * 200 for i in range(40)})
    (tmp_path / "f.zip").write_bytes(zip_bytes({"big.whl": big}))
    limits = Limits(max_member_size=len(big) // 2)
    with pytest.raises(HostileArtifactError, match="max_member_size"):
        open_artifact(str(tmp_path / "f.zip"), limits)


def test_nested_archives_in_a_directory_are_opened(tmp_path: Path) -> None:
    (tmp_path / "vendor").mkdir()
    (tmp_path / "vendor" / "attrs.whl").write_bytes(wheel())
    with open_artifact(str(tmp_path)) as opened:
        assert [tree.chain for tree in opened.trees] == [(), ("vendor/attrs.whl",)]
        assert "attrs-23.2.0.dist-info/WHEEL" in opened.trees[1].entries()


def test_find_nested_works_on_any_tree() -> None:
    """The image reader reuses find_nested on its merged trees."""
    tree = MemoryTree({"var/task/lib.zip": wheel()}, chain=())
    found = find_nested(tree, Limits(), depth=0)
    try:
        assert [t.chain for t in found.trees] == [("var/task/lib.zip",)]
        assert found.not_scanned == []
    finally:
        for nested in found.trees:
            nested.close()


IMAGE_SITE = "usr/local/lib/python3.12/site-packages"


def _image_with(tmp_path: Path, files: dict[str, bytes]) -> Path:
    from imagebuilder import build_docker_archive

    return build_docker_archive(tmp_path / "image.tar", [files], "gzip")


def test_archives_inside_an_image_are_opened_like_those_in_a_zip(tmp_path: Path) -> None:
    """Issue 11: a wheel vendored under var/task or an egg in site-packages was neither
    opened nor listed in an image, though it is in a zip.  Now both are trees, read in
    place from the layer, and their distributions are in the inventory."""
    from wellcheck.pipeline import inventory_artifact

    egg = zip_bytes({"six.py": b"", **dist_info("six", "1.16.0", installer=False)})
    files = {"var/task/app.py": b"import attr\n", f"var/task/{WHEEL_NAME}": wheel()}
    path = _image_with(tmp_path, {**files, f"{IMAGE_SITE}/six-1.16.0-py3.12.egg": egg})
    with open_artifact(str(path)) as opened:
        assert [tree.chain for tree in opened.trees] == [
            (),
            (f"{IMAGE_SITE}/six-1.16.0-py3.12.egg",),
            (f"var/task/{WHEEL_NAME}",),
        ]
        assert b"23.2.0" in opened.trees[2].read_bytes("attrs-23.2.0.dist-info/METADATA")
        assert opened.not_scanned == []
    found = {(c.name, c.version, c.chain) for c in inventory_artifact(str(path)).components}
    assert ("attrs", "23.2.0", (f"var/task/{WHEEL_NAME}",)) in found
    assert ("six", "1.16.0", (f"{IMAGE_SITE}/six-1.16.0-py3.12.egg",)) in found


def test_an_archive_in_an_image_that_cannot_be_opened_makes_the_scan_incomplete(
    tmp_path: Path,
) -> None:
    from wellcheck.scan.target import scan_artifacts

    path = _image_with(tmp_path, {"var/task/vendor/broken.whl": wheel()[:-30]})
    (result,) = scan_artifacts([str(path)], []).results
    assert not result.error
    [skipped] = result.skipped
    assert skipped.reason.startswith("nested archive not opened: var/task/vendor/broken.whl: ")
    assert not result.complete


def test_a_hostile_archive_in_an_image_makes_the_image_hostile(tmp_path: Path) -> None:
    evil = raw_zip([RawMember("../../../etc/cron.d/x", b"* * * * * root sh")])
    with pytest.raises(HostileArtifactError) as caught:
        open_artifact(str(_image_with(tmp_path, {"var/task/evil.zip": evil})))
    assert caught.value.rule == "path-traversal"
