"""A directory of downloaded distributions (``pip download -d wheelhouse``): every wheel
and sdist in it opens as a nested tree with its chain."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sdistkit import pkg_info, project, sdist_bytes, write_sdist
from zipkit import dist_info, zip_bytes

from wellcheck.artifact import open_artifact
from wellcheck.artifact.limits import Limits
from wellcheck.artifact.sdist import SdistTree, is_sdist_name
from wellcheck.errors import HostileArtifactError
from wellcheck.pipeline import inventory_artifact


def wheel(name: str, version: str) -> bytes:
    files = {f"{name.replace('-', '_')}/__init__.py": b""}
    files.update(dist_info(name, version, installer=False))
    return zip_bytes(files)


@pytest.fixture
def wheelhouse(tmp_path: Path) -> Path:
    house = tmp_path / "wheelhouse"
    house.mkdir()
    (house / "attrs-23.2.0-py3-none-any.whl").write_bytes(wheel("attrs", "23.2.0"))
    write_sdist(house / "six-1.16.0.tar.gz", project("six", "1.16.0"))
    write_sdist(house / "idna-3.7.zip", project("idna", "3.7"), "zip")
    write_sdist(house / "pyyaml-6.0.1.tar.bz2", project("PyYAML", "6.0.1"), "bzip2")
    write_sdist(house / "notes.tar.gz", project("ignored", "1.0"))  # no NAME-VERSION name
    write_sdist(house / "fixtures-2.tar.gz", {"data/a.json": b"{}"})  # a tar, no sdist
    return house


def test_every_distribution_in_a_wheelhouse_is_a_component_with_its_chain(
    wheelhouse: Path,
) -> None:
    inventory = inventory_artifact(str(wheelhouse))
    found = {(c.name, c.version, c.kind.value, c.display_location) for c in inventory.components}
    assert found == {
        ("attrs", "23.2.0", "dist-info", "attrs-23.2.0-py3-none-any.whl!attrs-23.2.0.dist-info"),
        ("six", "1.16.0", "sdist", "six-1.16.0.tar.gz!six-1.16.0/PKG-INFO"),
        ("idna", "3.7", "sdist", "idna-3.7.zip!idna-3.7/PKG-INFO"),
        ("pyyaml", "6.0.1", "sdist", "pyyaml-6.0.1.tar.bz2!PyYAML-6.0.1/PKG-INFO"),
    }
    assert inventory.not_scanned == ()
    digests = {c.name: dict(c.hashes).get("sha256") for c in inventory.components}
    for name, file in (("six", "six-1.16.0.tar.gz"), ("idna", "idna-3.7.zip")):
        assert digests[name] == hashlib.sha256((wheelhouse / file).read_bytes()).hexdigest()


def test_tar_sdists_are_opened_by_the_names_pip_would_consider(wheelhouse: Path) -> None:
    with open_artifact(str(wheelhouse)) as opened:
        chains = {tree.chain: tree for tree in opened.trees[1:]}
    assert set(chains) == {
        ("attrs-23.2.0-py3-none-any.whl",),
        ("six-1.16.0.tar.gz",),
        ("idna-3.7.zip",),
        ("pyyaml-6.0.1.tar.bz2",),
        ("fixtures-2.tar.gz",),  # opened, a plain tar: nothing pip could build
    }
    assert isinstance(chains[("six-1.16.0.tar.gz",)], SdistTree)
    assert not isinstance(chains[("fixtures-2.tar.gz",)], SdistTree)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("six-1.16.0.tar.gz", True),
        ("six-1.16.0.TGZ", True),
        ("a/b/six-1.16.0.tar.xz", True),
        ("six-1.16.0.tar.lzma", True),
        ("six-1.16.0.tbz", True),
        ("six.tar.gz", False),  # pip matches NAME-VERSION: never installed
        ("six-1.16.0.zip", False),  # zips go with the other nested zips
        ("six-1.16.0.whl", False),
        ("six-1.16.0.tar.zst", False),  # pip cannot unpack it
    ],
)
def test_sdist_names_are_pips_find_links_names(name: str, expected: bool) -> None:
    assert is_sdist_name(name) is expected


def test_unreadable_sdists_are_not_scanned_never_dropped(tmp_path: Path) -> None:
    house = tmp_path / "wheelhouse"
    house.mkdir()
    data = sdist_bytes(project("six", "1.16.0"))
    (house / "six-1.16.0.tar.gz").write_bytes(data[: len(data) // 2])
    (house / "idna-3.7.tar.gz").write_bytes(b"<html>rate limited</html>\n")
    inventory = inventory_artifact(str(house))
    assert inventory.components == ()
    assert len(inventory.not_scanned) == 2
    assert inventory.not_scanned[0].startswith("idna-3.7.tar.gz: not a zip or tar archive")
    assert "six-1.16.0.tar.gz: " in inventory.not_scanned[1]
    assert "truncated" in inventory.not_scanned[1]


def test_a_hostile_sdist_makes_the_wheelhouse_hostile(tmp_path: Path) -> None:
    house = tmp_path / "wheelhouse"
    house.mkdir()
    (house / "attrs-23.2.0-py3-none-any.whl").write_bytes(wheel("attrs", "23.2.0"))
    top = "six-1.16.0"
    write_sdist(house / "six-1.16.0.tar.gz", [(f"{top}/setup.py", b""), (f"{top}/../x", b"")])
    with pytest.raises(HostileArtifactError, match="path-traversal"):
        open_artifact(str(house))


def test_archives_inside_a_wheelhouse_sdist_count_towards_the_depth(tmp_path: Path) -> None:
    house = tmp_path / "wheelhouse"
    house.mkdir()
    inner = {"six-1.16.0/vendor/attrs-23.2.0-py3-none-any.whl": wheel("attrs", "23.2.0")}
    write_sdist(house / "six-1.16.0.tar.gz", {**project("six", "1.16.0"), **inner})
    deep = inventory_artifact(str(house))
    assert {c.display_location for c in deep.components} == {
        "six-1.16.0.tar.gz!six-1.16.0/PKG-INFO",
        "six-1.16.0.tar.gz!six-1.16.0/vendor/attrs-23.2.0-py3-none-any.whl!attrs-23.2.0.dist-info",
    }
    shallow = inventory_artifact(str(house), Limits(max_depth=1))
    assert [c.name for c in shallow.components] == ["six"]
    assert shallow.not_scanned == (
        "six-1.16.0.tar.gz!six-1.16.0/vendor/attrs-23.2.0-py3-none-any.whl: nesting deeper than 1",
    )


def test_a_wheels_data_purelib_is_read_where_pip_installs_it(tmp_path: Path) -> None:
    extra = {"attrs-23.2.0.data/purelib/attr_extra/__init__.py": b""}
    record = "attrs-23.2.0.data/purelib/attr_extra/__init__.py,,\nattrs/__init__.py,,\n"
    files = {"attrs/__init__.py": b"", **dist_info("attrs", "23.2.0", installer=False), **extra}
    files["attrs-23.2.0.dist-info/RECORD"] = record.encode()
    (tmp_path / "attrs-23.2.0-py3-none-any.whl").write_bytes(zip_bytes(files))
    (found,) = inventory_artifact(str(tmp_path)).components
    assert found.top_level == ("attr_extra", "attrs")


def test_pkg_info_alone_makes_an_sdist(tmp_path: Path) -> None:
    """No setup.py, no pyproject.toml: pip cannot build it, but it is listed and scanned."""
    write_sdist(tmp_path / "six-1.16.0.tar.gz", {"six-1.16.0/PKG-INFO": pkg_info("six", "1.16.0")})
    (found,) = inventory_artifact(str(tmp_path)).components
    assert (found.name, found.kind.value) == ("six", "sdist")
