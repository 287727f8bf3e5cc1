"""Layers applied in order: whiteouts, opaque directories, replacements, last wins."""

from __future__ import annotations

from pathlib import Path

from imagebuilder import (
    DIR,
    Symlink,
    build_docker_archive,
    build_oci_layout,
    dist_info,
    layer_tar,
    opaque,
    sha256,
    whiteout,
)

from wellcheck.artifact.base import EntryKind
from wellcheck.artifact.image import open_image
from wellcheck.artifact.limits import Limits

SITE = "usr/local/lib/python3.12/site-packages"
LIMITS = Limits()


def _entries(path: Path) -> dict[str, object]:
    with open_image(str(path), LIMITS) as opened:
        return dict(opened.trees[0].entries())


def test_a_dist_info_deleted_by_a_later_layer_is_absent(tmp_path: Path) -> None:
    lower = {**dist_info("requests", "2.31.0", SITE), **dist_info("urllib3", "2.2.1", SITE)}
    upper = {
        whiteout(f"{SITE}/requests-2.31.0.dist-info"): b"",
        whiteout(f"{SITE}/requests"): b"",
    }
    entries = _entries(build_docker_archive(tmp_path / "i.tar", [lower, upper], "gzip"))
    assert not any("requests" in path for path in entries)
    assert f"{SITE}/urllib3-2.2.1.dist-info/METADATA" in entries
    assert not any(".wh." in path for path in entries)


def test_an_upgrade_in_a_later_layer_leaves_only_the_new_version(tmp_path: Path) -> None:
    lower = dist_info("urllib3", "1.26.18", SITE)
    upper = {
        whiteout(f"{SITE}/urllib3-1.26.18.dist-info"): b"",
        **dist_info("urllib3", "2.2.1", SITE),
    }
    entries = _entries(build_oci_layout(tmp_path / "oci", [lower, upper], "zstd"))
    assert f"{SITE}/urllib3-2.2.1.dist-info/METADATA" in entries
    assert not any("1.26.18" in path for path in entries)


def test_an_opaque_directory_hides_lower_contents_but_keeps_its_own(tmp_path: Path) -> None:
    lower = {**dist_info("six", "1.16.0", SITE), **dist_info("idna", "3.7", SITE)}
    # the opaque marker after a member of the same layer must not hide that member
    upper = [
        (SITE, DIR),
        *dist_info("certifi", "2024.2.2", SITE).items(),
        (opaque(SITE), b""),
    ]
    path = build_docker_archive(tmp_path / "i.tar", [lower, upper], "zstd")
    with open_image(str(path), LIMITS) as opened:
        tree = opened.trees[0]
        site = sorted(entry.path for entry in tree.iter_dir(SITE))
        assert site == [f"{SITE}/certifi", f"{SITE}/certifi-2024.2.2.dist-info"]
        assert tree.entries()[SITE].kind is EntryKind.DIR


def test_a_whited_out_package_can_come_back_in_a_higher_layer(tmp_path: Path) -> None:
    first = dist_info("attrs", "23.2.0", SITE)
    second = {whiteout(f"{SITE}/attrs-23.2.0.dist-info"): b""}
    third = dist_info("attrs", "23.2.0", SITE)
    path = build_docker_archive(tmp_path / "i.tar", [first, second, third])
    entries = _entries(path)
    entry = entries[f"{SITE}/attrs-23.2.0.dist-info/METADATA"]
    assert entry.layer == sha256(layer_tar(third))  # type: ignore[attr-defined]


def test_a_file_replaces_a_lower_directory_and_its_contents(tmp_path: Path) -> None:
    lower = dist_info("pyyaml", "6.0.1", "opt/python")
    upper = {"opt/python/pyyaml-6.0.1.dist-info": b"not a directory any more"}
    entries = _entries(build_docker_archive(tmp_path / "i.tar", [lower, upper]))
    assert entries["opt/python/pyyaml-6.0.1.dist-info"].kind is EntryKind.FILE  # type: ignore[attr-defined]
    assert "opt/python/pyyaml-6.0.1.dist-info/METADATA" not in entries


def test_duplicate_names_last_wins_within_and_across_layers(tmp_path: Path) -> None:
    lower = [("var/task/app.py", b"one"), ("var/task/app.py", b"two")]
    upper = {"var/task/cfg.ini": b"a"}
    top = [("var/task/cfg.ini", b"b"), ("var/task/cfg.ini", b"final")]
    path = build_docker_archive(tmp_path / "i.tar", [lower, upper, top], "gzip")
    with open_image(str(path), LIMITS) as opened:
        tree = opened.trees[0]
        assert tree.read_bytes("var/task/app.py") == b"two"
        assert tree.read_bytes("var/task/cfg.ini") == b"final"
        assert tree.entries()["var/task/cfg.ini"].layer == opened.info.layers[2]


def test_a_symlink_replaces_a_directory_and_is_recorded_not_followed(tmp_path: Path) -> None:
    lower = dist_info("click", "8.1.7", "app/lib")
    upper = {"app/lib": Symlink("/usr/lib/python3/dist-packages")}
    entries = _entries(build_docker_archive(tmp_path / "i.tar", [lower, upper]))
    assert entries["app/lib"].kind is EntryKind.SYMLINK  # type: ignore[attr-defined]
    assert entries["app/lib"].link_target == "/usr/lib/python3/dist-packages"  # type: ignore[attr-defined]
    assert not any(p.startswith("app/lib/") for p in entries)


def test_members_through_an_inner_symlink_land_where_it_points(tmp_path: Path) -> None:
    base = {"usr/lib/python3/dist-packages/": DIR, "lib": Symlink("usr/lib")}
    upper = dist_info("chardet", "5.2.0", "lib/python3/dist-packages")
    path = build_docker_archive(tmp_path / "i.tar", [base, upper])
    with open_image(str(path), LIMITS) as opened:
        entries = opened.trees[0].entries()
        assert "usr/lib/python3/dist-packages/chardet-5.2.0.dist-info/METADATA" in entries
        assert entries["lib"].kind is EntryKind.SYMLINK
        assert any("written through a symlink" in w for w in opened.info.warnings)
