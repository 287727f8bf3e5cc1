"""collect(): every kind of installed metadata, vendored copies, unclaimed code."""

from __future__ import annotations

import io
import json
import time
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wellcheck.artifact.base import Entry, EntryKind
from wellcheck.artifact.memory import MemoryTree
from wellcheck.inventory import collect
from wellcheck.models import Component, ComponentKind, Person

SP = "python/lib/python3.12/site-packages"


def metadata(name: str, version: str, *extra: str) -> bytes:
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}", *extra]
    return ("\n".join(lines) + "\n\ndescription\n").encode()


def dist_info(
    root: str, name: str, version: str, modules: tuple[str, ...] = (), **files: bytes
) -> dict[str, bytes]:
    """A wheel install of ``name`` at ``root``: METADATA, RECORD and the modules."""
    prefix = f"{root}/" if root else ""
    info = f"{name.replace('-', '_')}-{version}.dist-info"
    out = {f"{prefix}{info}/METADATA": metadata(name, version)}
    record = [f"{info}/METADATA,,", f"{info}/RECORD,,"]
    for module in modules:
        out[f"{prefix}{module}"] = b"# synthetic\n"
        record.append(f"{module},sha256=AAAA,12")
    out[f"{prefix}{info}/RECORD"] = "\n".join(record).encode()
    for filename, data in files.items():
        out[f"{prefix}{info}/{filename}"] = data
    return out


def by_name(components: list[Component]) -> dict[str, Component]:
    return {c.name: c for c in components}


def test_dist_info_fields_are_filled() -> None:
    files = dist_info(SP, "requests", "2.25.1", ("requests/__init__.py",))
    files[f"{SP}/requests-2.25.1.dist-info/METADATA"] = metadata(
        "requests",
        "2.25.1",
        "Author: Kenneth Reitz",
        "Author-email: me@kennethreitz.org",
        "License: Apache 2.0",
        "Requires-Dist: idna (<3,>=2.5)",
    )
    files[f"{SP}/requests-2.25.1.dist-info/INSTALLER"] = b"pip\n"
    [c] = collect(MemoryTree(files, chain=("outer.zip",)))
    assert (c.name, c.version, c.kind) == ("requests", "2.25.1", ComponentKind.DIST_INFO)
    assert c.location == f"{SP}/requests-2.25.1.dist-info"
    assert c.site_root == SP
    assert c.python_version == "3.12"
    assert c.chain == ("outer.zip",)
    assert c.installer == "pip"
    assert c.top_level == ("requests",)
    assert "requests/__init__.py" in c.files
    assert c.authors == (Person("Kenneth Reitz", "me@kennethreitz.org"),)
    assert c.requires_dist == ("idna (<3,>=2.5)",)
    assert c.purl == "pkg:pypi/requests@2.25.1"
    assert c.warnings == ()


def test_names_are_canonical_and_display_name_kept() -> None:
    files = dist_info("", "Jinja2", "2.11.2", ("jinja2/__init__.py",))
    [c] = collect(MemoryTree(files))
    assert (c.name, c.display_name) == ("jinja2", "Jinja2")


def test_direct_url_archive_hashes_are_reported() -> None:
    files = dist_info("", "jmespath", "1.0.1", ("jmespath/__init__.py",))
    files["jmespath-1.0.1.dist-info/direct_url.json"] = json.dumps(
        {
            "url": "https://example.org/jmespath-1.0.1-py3-none-any.whl",
            "archive_info": {"hashes": {"sha256": "AB" * 32}},
        }
    ).encode()
    [c] = collect(MemoryTree(files))
    assert c.hashes == (("sha256", "ab" * 32),)
    assert c.direct_url == "https://example.org/jmespath-1.0.1-py3-none-any.whl"


def test_legacy_direct_url_hash_and_vcs_without_hash() -> None:
    files = dist_info("", "a", "1.0", ("a.py",))
    files["a-1.0.dist-info/direct_url.json"] = (
        b'{"url": "file:///a.tgz", "archive_info": {"hash": "md5=ff"}}'
    )
    files.update(dist_info("", "b", "1.0", ("b.py",)))
    files["b-1.0.dist-info/direct_url.json"] = (
        b'{"url": "git+https://x/b", "vcs_info": {"vcs": "git"}}'
    )
    found = by_name(collect(MemoryTree(files)))
    assert found["a"].hashes == (("md5", "ff"),)
    assert found["b"].hashes == () and found["b"].direct_url == "git+https://x/b"


def test_python_version_from_path_else_from_artifact() -> None:
    files = dist_info("var/task", "six", "1.16.0", ("six.py",))
    files.update(
        dist_info("var/lang/lib/python3.11/site-packages", "idna", "2.10", ("idna/__init__.py",))
    )
    found = by_name(collect(MemoryTree(files), artifact_python="3.9"))
    assert found["six"].python_version == "3.9"
    assert found["idna"].python_version == "3.11"


def test_image_locations_are_all_found() -> None:
    roots = (
        "var/task",
        "opt/python",
        "var/lang/lib/python3.12/site-packages",
        "usr/local/lib/python3.10/site-packages",
        "usr/lib/python3/dist-packages",
    )
    files: dict[str, bytes] = {}
    for index, root in enumerate(roots):
        files.update(dist_info(root, f"pkg{index}", "1.0", (f"pkg{index}/__init__.py",)))
    found = collect(MemoryTree(files))
    assert sorted(c.site_root for c in found) == sorted(roots)
    assert all(c.kind is ComponentKind.DIST_INFO for c in found)


def test_layer_of_the_metadata_file_is_propagated() -> None:
    class LayeredTree(MemoryTree):
        def entries(self) -> dict[str, Entry]:
            return {
                p: Entry(p, e.kind, e.size, layer="sha256:bb" if "six" in p else "sha256:aa")
                for p, e in super().entries().items()
            }

    files = dist_info("", "six", "1.16.0", ("six.py",))
    files.update(dist_info("", "idna", "2.10", ("idna/__init__.py",)))
    files["hidden.py"] = b""
    found = by_name(collect(LayeredTree(files)))
    assert found["six"].layer == "sha256:bb"
    assert found["idna"].layer == "sha256:aa"
    assert found["hidden"].layer == "sha256:aa"


def test_malformed_metadata_gives_a_component_with_warnings_and_scan_continues() -> None:
    files = dist_info("", "good", "1.0", ("good.py",))
    files["broken-2.0.dist-info/METADATA"] = b"\x00\xff\xfe\x89PNG junk\x00"
    files["nover-3.0.dist-info/METADATA"] = b"Name: nover\n"
    files["weird-1.dist-info/METADATA"] = b"Name: weird\nVersion: not a version!\n"
    found = by_name(collect(MemoryTree(files)))
    assert found["good"].warnings == ()
    broken = found["broken"]
    assert broken.version == "2.0" and broken.warnings
    assert any("binary junk" in w for w in broken.warnings)
    assert found["nover"].version == "3.0"
    assert any("version taken from" in w for w in found["nover"].warnings)
    weird = found["weird"]
    assert (weird.version, weird.version_is_pep440) == ("not a version!", False)


def test_a_direct_url_nested_too_deeply_is_a_warning_not_a_crash() -> None:
    files = dist_info("", "deep", "1.0", ("deep.py",))
    files["deep-1.0.dist-info/direct_url.json"] = b"[" * 100_000
    [c] = collect(MemoryTree(files))
    assert (c.name, c.version, c.direct_url) == ("deep", "1.0", None)
    assert "direct_url.json: not valid JSON" in c.warnings


def test_missing_metadata_file_falls_back_to_directory_name() -> None:
    files = {"ghost-0.9.dist-info/RECORD": b"ghost/__init__.py,,\n", "ghost/__init__.py": b""}
    [c] = collect(MemoryTree(files))
    assert (c.name, c.version) == ("ghost", "0.9")
    assert any("missing" in w for w in c.warnings)


def test_huge_metadata_header_is_capped() -> None:
    files = {"big-1.0.dist-info/METADATA": b"Name: big\nVersion: 1.0\nSummary: " + b"x" * 3_000_000}
    [c] = collect(MemoryTree(files))
    assert (c.name, c.version) == ("big", "1.0")
    assert any("truncated" in w for w in c.warnings)


def test_egg_info_directory() -> None:
    files = {
        f"{SP}/PyYAML-5.3.1-py3.12.egg-info/PKG-INFO": metadata("PyYAML", "5.3.1"),
        f"{SP}/PyYAML-5.3.1-py3.12.egg-info/top_level.txt": b"_yaml\nyaml\n",
        f"{SP}/PyYAML-5.3.1-py3.12.egg-info/installed-files.txt": (
            b"../yaml/__init__.py\n../_yaml.py\nPKG-INFO\n"
        ),
        f"{SP}/PyYAML-5.3.1-py3.12.egg-info/requires.txt": b"[extra]\nfoo\n",
        f"{SP}/yaml/__init__.py": b"",
        f"{SP}/_yaml.py": b"",
    }
    [c] = collect(MemoryTree(files))
    assert (c.name, c.version, c.kind) == ("pyyaml", "5.3.1", ComponentKind.EGG_INFO)
    assert c.top_level == ("_yaml", "yaml")
    assert "yaml/__init__.py" in c.files
    assert c.requires_dist == ('foo; extra == "extra"',)


def test_egg_info_single_file() -> None:
    files = {
        f"{SP}/simplejson-3.17.0-py3.12.egg-info": metadata("simplejson", "3.17.0"),
        f"{SP}/simplejson/__init__.py": b"",
    }
    [c] = collect(MemoryTree(files))
    assert (c.name, c.version, c.kind) == ("simplejson", "3.17.0", ComponentKind.EGG_INFO)
    assert c.location == f"{SP}/simplejson-3.17.0-py3.12.egg-info"


def test_egg_directory() -> None:
    egg = f"{SP}/attrs-21.2.0-py3.12.egg"
    files = {
        f"{egg}/EGG-INFO/PKG-INFO": metadata("attrs", "21.2.0"),
        f"{egg}/EGG-INFO/top_level.txt": b"attr\n",
        f"{egg}/attr/__init__.py": b"",
    }
    [c] = collect(MemoryTree(files))
    assert (c.name, c.version, c.kind, c.location) == ("attrs", "21.2.0", ComponentKind.EGG, egg)
    assert c.top_level == ("attr",)


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_zipped_egg_is_read_in_memory() -> None:
    egg = zipped({"EGG-INFO/PKG-INFO": metadata("six", "1.15.0"), "six.py": b""})
    [c] = collect(MemoryTree({f"{SP}/six-1.15.0-py3.12.egg": egg}))
    assert (c.name, c.version, c.kind) == ("six", "1.15.0", ComponentKind.EGG)


def test_corrupt_zipped_egg_gives_warning_and_filename_identity() -> None:
    [c] = collect(MemoryTree({"idna-2.9-py3.8.egg": b"not a zip"}))
    assert (c.name, c.version) == ("idna", "2.9")
    assert any("unreadable egg" in w for w in c.warnings)


def test_each_distribution_is_reported_once() -> None:
    files = dist_info("", "six", "1.16.0", ("six.py",))
    files["six-1.16.0.dist-info/WHEEL"] = b""
    found = collect(MemoryTree(files, symlinks={"six-1.16.0.dist-info/extra": "RECORD"}))
    assert [c.name for c in found] == ["six"]


def test_output_is_sorted_by_location() -> None:
    files: dict[str, bytes] = {}
    for name in ("zeta", "alpha", "mid"):
        files.update(dist_info("", name, "1.0", (f"{name}.py",)))
    found = collect(MemoryTree(files))
    assert [c.location for c in found] == sorted(c.location for c in found)


def test_pip_vendor_txt() -> None:
    files = dist_info(SP, "pip", "23.0", ("pip/__init__.py",))
    files[f"{SP}/pip/_vendor/vendor.txt"] = (
        b"CacheControl==0.12.11  # Make sure to update\nrequests==2.28.2\n\n# comment\n"
    )
    files[f"{SP}/pip/_vendor/requests/__init__.py"] = b'__version__ = "ignored"\n'
    files[f"{SP}/pip/_vendor/cachecontrol/__init__.py"] = b""
    found = {(c.name, c.version, c.kind, c.vendored_by) for c in collect(MemoryTree(files))}
    assert ("requests", "2.28.2", ComponentKind.VENDORED, "pip") in found
    assert ("cachecontrol", "0.12.11", ComponentKind.VENDORED, "pip") in found
    assert ("requests", "ignored", ComponentKind.VENDORED, "pip") not in found


def test_botocore_vendored_modules_with_a_version() -> None:
    files = dist_info(SP, "botocore", "1.20.0", ("botocore/__init__.py",))
    files[f"{SP}/botocore/vendored/six.py"] = b'import sys\n__version__ = "1.10.0"\n'
    files[f"{SP}/botocore/vendored/requests/__init__.py"] = b"__version__ = '2.7.0'\n"
    files[f"{SP}/botocore/vendored/nover.py"] = b"x = 1\n"
    vendored = {
        (c.name, c.version, c.vendored_by, c.location)
        for c in collect(MemoryTree(files))
        if c.kind is ComponentKind.VENDORED
    }
    assert vendored == {
        ("six", "1.10.0", "botocore", f"{SP}/botocore/vendored/six.py"),
        ("requests", "2.7.0", "botocore", f"{SP}/botocore/vendored/requests"),
    }


def test_vendor_dist_info_owned_by_the_distribution_claiming_the_package() -> None:
    files = dist_info(
        SP, "setuptools", "70.0.0", ("setuptools/__init__.py", "pkg_resources/__init__.py")
    )
    files.update(
        dist_info(f"{SP}/pkg_resources/_vendor", "packaging", "24.0", ("packaging/__init__.py",))
    )
    found = by_name(collect(MemoryTree(files)))
    packaging = found["packaging"]
    assert (packaging.kind, packaging.vendored_by) == (ComponentKind.VENDORED, "setuptools")
    assert "pkg-resources" not in found  # no unclaimed noise from vendored code


def test_unclaimed_modules_at_a_site_root() -> None:
    files = dist_info("", "requests", "2.25.1", ("requests/__init__.py",))
    files.update(
        {
            "lambda_function.py": b"",
            "hidden/__init__.py": b"",
            "nsdir/sub/mod.py": b"",
            "_speedups.cpython-312-x86_64-linux-gnu.so": b"",
            "__pycache__/x.cpython-312.pyc": b"",
            "bin/tool.py": b"",
            "data/readme.txt": b"",
            "hook.pth": b"import os",
            "numpy.libs/x.py": b"",
        }
    )
    unclaimed = {
        (c.name, c.display_name, c.location)
        for c in collect(MemoryTree(files))
        if c.kind is ComponentKind.UNCLAIMED
    }
    assert unclaimed == {
        ("lambda-function", "lambda_function", "lambda_function.py"),
        ("hidden", "hidden", "hidden"),
        ("nsdir", "nsdir", "nsdir"),
        ("-speedups", "_speedups", "_speedups.cpython-312-x86_64-linux-gnu.so"),
    }
    assert all(
        c.purl == "" for c in collect(MemoryTree(files)) if c.kind is ComponentKind.UNCLAIMED
    )


def test_top_level_txt_and_egg_info_files_claim_modules() -> None:
    files = {
        "six-1.16.0.dist-info/METADATA": metadata("six", "1.16.0"),
        "six-1.16.0.dist-info/top_level.txt": b"six\n",
        "six.py": b"",
        "old-1.0.egg-info": metadata("old", "1.0"),
        "old/__init__.py": b"",
    }
    assert all(c.kind is not ComponentKind.UNCLAIMED for c in collect(MemoryTree(files)))


def test_no_site_root_means_no_unclaimed_noise() -> None:
    assert collect(MemoryTree({"app.py": b"", "lib/helper.py": b""})) == []


def test_nested_site_roots_are_not_reported_as_packages() -> None:
    files = dist_info("", "a", "1.0", ("a.py",))
    files.update(dist_info("python", "b", "1.0", ("b/__init__.py",)))
    files.update(dist_info(SP, "c", "1.0", ("c/__init__.py",)))
    found = collect(MemoryTree(files))
    assert {c.name for c in found} == {"a", "b", "c"}


def test_30000_entries_are_scanned_quickly() -> None:
    files: dict[str, bytes] = {}
    for i in range(300):
        files.update(dist_info(SP, f"pkg{i}", "1.0", tuple(f"pkg{i}/m{j}.py" for j in range(98))))
    tree = MemoryTree(files)
    assert len(tree.entries()) >= 30_000
    start = time.perf_counter()
    found = collect(tree)
    elapsed = time.perf_counter() - start
    assert len(found) == 300
    assert elapsed < 1.0, f"{elapsed:.3f}s"


@pytest.mark.parametrize("kind", [EntryKind.SYMLINK])
def test_symlinked_metadata_is_not_followed(kind: EntryKind) -> None:
    tree = MemoryTree({}, symlinks={"evil-1.0.dist-info": "/etc"})
    assert tree.entries()["evil-1.0.dist-info"].kind is kind
    assert collect(tree) == []


def test_a_vendored_folder_that_is_not_inside_a_package_is_a_site_root() -> None:
    files = dist_info("app/vendored", "requests", "2.25.1", ("requests/__init__.py",))
    files["app/handler.py"] = b""
    [c] = collect(MemoryTree(files))
    assert (c.kind, c.site_root, c.vendored_by) == (ComponentKind.DIST_INFO, "app/vendored", None)


def test_tree_opened_from_a_zipped_egg_does_not_duplicate_the_egg() -> None:
    inner = MemoryTree(
        {"EGG-INFO/PKG-INFO": metadata("six", "1.15.0"), "six.py": b""},
        chain=("six-1.15.0-py3.12.egg",),
    )
    assert collect(inner) == []


def test_crlf_metadata_and_long_description_header() -> None:
    data = (
        b"Metadata-Version: 1.1\r\nName: oldie\r\nVersion: 0.1\r\nDescription: "
        + b"x" * 200_000
        + b"\r\n\r\nbody\r\n"
    )
    [c] = collect(MemoryTree({"oldie-0.1-py3.8.egg-info": data}))
    assert (c.name, c.version, c.warnings) == ("oldie", "0.1", ())


def test_metadata_shipped_inside_a_package_is_a_copy_not_an_install() -> None:
    files = dist_info(
        SP, "setuptools", "65.5.0", ("setuptools/__init__.py", "pkg_resources/__init__.py")
    )
    data = f"{SP}/pkg_resources/tests/data/my-test-package_unpacked-egg"
    files[f"{data}/my_test_package-1.0-py3.7.egg/EGG-INFO/PKG-INFO"] = metadata(
        "my-test-package", "1.0"
    )
    files[f"{data}/helper.py"] = b""
    found = collect(MemoryTree(files))
    assert {(c.name, c.kind, c.vendored_by) for c in found} == {
        ("setuptools", ComponentKind.DIST_INFO, None),
        ("my-test-package", ComponentKind.VENDORED, "setuptools"),
    }


def test_computed_vendored_versions_are_not_guessed() -> None:
    files = dist_info(
        SP, "setuptools", "65.5.0", ("setuptools/__init__.py", "pkg_resources/__init__.py")
    )
    vendor = f"{SP}/pkg_resources/_vendor"
    files[f"{vendor}/appdirs.py"] = b"__version__ = '.'.join(map(str, __version_info__))\n"
    files[f"{vendor}/packaging/__init__.py"] = b"from .__about__ import __version__\n"
    files[f"{vendor}/packaging/__about__.py"] = b'__version__ = "21.3"\r\n'
    vendored = {
        (c.name, c.version) for c in collect(MemoryTree(files)) if c.kind is ComponentKind.VENDORED
    }
    assert vendored == {("packaging", "21.3")}


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=2048), st.binary(max_size=512))
def test_collect_never_raises_on_arbitrary_metadata_files(meta: bytes, record: bytes) -> None:
    files = {"x-1.0.dist-info/METADATA": meta, "x-1.0.dist-info/RECORD": record}
    files["x-1.0.dist-info/direct_url.json"] = record
    files["y.egg"] = meta
    [dist, egg] = collect(MemoryTree(files))
    assert dist.location == "x-1.0.dist-info" and egg.location == "y.egg"
