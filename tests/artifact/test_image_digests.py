"""Image blobs read by digest must hash to it: index, manifest, config, uncovered layers.

Images are authored with ``imagebuilder`` and then either tampered with (a blob
changed under its old name) or rewritten honestly (stored under its new digest,
every descriptor naming it updated, up to ``index.json``), as a real tool would.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from imagebuilder import (
    build_docker_archive,
    dist_info,
    layer_tar,
    oci_files,
    sha256,
    write_tar,
)

from wellcheck.artifact.image import open_image
from wellcheck.artifact.limits import Limits
from wellcheck.errors import ArtifactError, HostileArtifactError

LIMITS = Limits()
LAYERS = [
    {"etc/os-release": b"ID=debian\n"},
    {"var/task/app.py": b"print('hi')\n", **dist_info("requests", "2.31.0", "var/task")},
]
Files = dict[str, bytes]
Writer = Callable[[Path, Files], Path]


def _as_dir(dest: Path, files: Files) -> Path:
    for name, data in files.items():
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        (dest / name).write_bytes(data)
    return dest


def _as_tar(dest: Path, files: Files) -> Path:
    return write_tar(dest.with_suffix(".tar"), sorted(files.items()))


WRITERS = pytest.mark.parametrize("write", [_as_dir, _as_tar], ids=["dir", "tar"])


def _blob(digest: str) -> str:
    algorithm, _, hexdigest = digest.partition(":")
    return f"blobs/{algorithm}/{hexdigest}"


def _doc(files: Files, name: str) -> Any:
    return json.loads(files[name])


def _top(files: Files) -> str:
    """The blob the index.json points to (a manifest, or a nested index)."""
    return _blob(_doc(files, "index.json")["manifests"][0]["digest"])


def _config(files: Files) -> str:
    return _blob(_doc(files, _top(files))["config"]["digest"])


def _retarget(node: object, old: str, new: str, size: int) -> None:
    if isinstance(node, dict):
        if node.get("digest") == old:
            node["digest"], node["size"] = new, size
        for value in node.values():
            _retarget(value, old, new, size)
    elif isinstance(node, list):
        for value in node:
            _retarget(value, old, new, size)


def _rewrite(files: Files, name: str, data: bytes) -> None:
    """Replace a file honestly: a blob moves to its new digest and every descriptor
    naming it is updated (its parents move too, up to index.json)."""
    if not name.startswith("blobs/"):
        files[name] = data
        return
    del files[name]
    old = "sha256:" + name.rsplit("/", 1)[1]
    new = sha256(data)
    files[_blob(new)] = data
    for other, payload in list(files.items()):
        if files.get(other) == payload and payload.startswith(b"{") and old.encode() in payload:
            document = json.loads(payload)
            _retarget(document, old, new, len(data))
            _rewrite(files, other, json.dumps(document).encode())


def _tamper(data: bytes, old: bytes, new: bytes) -> bytes:
    assert len(old) == len(new) and old in data
    return data.replace(old, new, 1)


def _hostile(path: Path, rule: str) -> HostileArtifactError:
    with pytest.raises(HostileArtifactError) as caught:
        open_image(str(path), LIMITS)
    assert caught.value.rule == rule
    assert "\n" not in str(caught.value)
    return caught.value


def _opens(path: Path) -> None:
    with open_image(str(path), LIMITS) as opened:
        assert opened.trees[0].read_bytes("var/task/app.py") == b"print('hi')\n"


@WRITERS
def test_untouched_and_honestly_rewritten_layouts_open(tmp_path: Path, write: Writer) -> None:
    files = dict(oci_files(LAYERS, "gzip"))
    _opens(write(tmp_path / "plain", files))
    config = _doc(files, _config(files))
    config["config"]["Env"].append("PYTHON_VERSION=3.12.1")
    _rewrite(files, _config(files), json.dumps(config).encode())
    with open_image(str(write(tmp_path / "rewritten", files)), LIMITS) as opened:
        assert opened.info.python_version == "3.12"


@WRITERS
def test_a_tampered_config_is_hostile(tmp_path: Path, write: Writer) -> None:
    files = dict(oci_files(LAYERS, "gzip"))
    name = _config(files)
    files[name] = _tamper(files[name], b'"amd64"', b'"arm64"')
    error = _hostile(write(tmp_path / "oci", files), "digest-mismatch")
    assert error.member == name
    assert "image config hashes to sha256:" + hashlib.sha256(files[name]).hexdigest() in str(error)


@WRITERS
def test_a_tampered_manifest_is_hostile(tmp_path: Path, write: Writer) -> None:
    files = dict(oci_files(LAYERS, "gzip"))
    name = _top(files)
    files[name] = _tamper(files[name], b'"schemaVersion": 2', b'"schemaVersion": 3')
    error = _hostile(write(tmp_path / "oci", files), "digest-mismatch")
    assert error.member == name
    assert "image manifest" in str(error)


@WRITERS
def test_a_wrong_declared_size_is_hostile(tmp_path: Path, write: Writer) -> None:
    files = dict(oci_files(LAYERS, "gzip"))
    index = _doc(files, "index.json")
    index["manifests"][0]["size"] += 1  # index.json is named by no digest: only its sizes count
    bad_manifest = {**files, "index.json": json.dumps(index).encode()}
    error = _hostile(write(tmp_path / "manifest", bad_manifest), "size-mismatch")
    assert error.member == _top(files)
    assert "its descriptor says" in str(error)

    manifest = _doc(files, _top(files))
    manifest["config"]["size"] -= 1  # the manifest itself is rewritten honestly
    config = _config(files)
    _rewrite(files, _top(files), json.dumps(manifest).encode())
    assert _hostile(write(tmp_path / "config", files), "size-mismatch").member == config


@pytest.mark.parametrize("size", ["12", -1, 1.5, True])
def test_a_malformed_declared_size_is_an_input_error(tmp_path: Path, size: object) -> None:
    files = dict(oci_files(LAYERS, "gzip"))
    index = _doc(files, "index.json")
    index["manifests"][0]["size"] = size
    files["index.json"] = json.dumps(index).encode()
    with pytest.raises(ArtifactError, match="malformed size"):
        open_image(str(_as_dir(tmp_path / "oci", files)), LIMITS)


def test_a_descriptor_without_a_size_is_still_verified_by_digest(tmp_path: Path) -> None:
    files = dict(oci_files(LAYERS, "gzip"))
    index = _doc(files, "index.json")
    del index["manifests"][0]["size"]
    files["index.json"] = json.dumps(index).encode()
    _opens(_as_dir(tmp_path / "ok", files))
    files[_top(files)] = _tamper(files[_top(files)], b'"schemaVersion": 2', b'"schemaVersion": 3')
    _hostile(_as_dir(tmp_path / "bad", files), "digest-mismatch")


@WRITERS
def test_every_level_of_a_nested_index_is_verified(tmp_path: Path, write: Writer) -> None:
    platforms = {"linux/arm64": [{"arm.py": b""}], "linux/amd64": LAYERS}
    files = dict(oci_files([], "gzip", platforms=platforms))
    _opens(write(tmp_path / "plain", files))
    nested = _top(files)
    amd64 = next(m for m in _doc(files, nested)["manifests"] if "amd64" in json.dumps(m))
    manifest = _blob(amd64["digest"])

    bad_index = {**files, nested: _tamper(files[nested], b'"arm64"', b'"arm99"')}
    error = _hostile(write(tmp_path / "index", bad_index), "digest-mismatch")
    assert error.member == nested
    assert "image index" in str(error)

    bad_manifest = {**files, manifest: _tamper(files[manifest], b"2", b"3")}
    assert (
        _hostile(write(tmp_path / "manifest", bad_manifest), "digest-mismatch").member == manifest
    )


def test_sha512_digests_are_verified_with_sha512(tmp_path: Path) -> None:
    files = dict(oci_files(LAYERS, None))
    manifest = files.pop(_top(files))
    digest = "sha512:" + hashlib.sha512(manifest).hexdigest()
    files[_blob(digest)] = manifest
    index = _doc(files, "index.json")
    index["manifests"][0]["digest"] = digest
    files["index.json"] = json.dumps(index).encode()
    _opens(_as_dir(tmp_path / "ok", files))
    files[_blob(digest)] = _tamper(manifest, b'"schemaVersion": 2', b'"schemaVersion": 3')
    error = _hostile(_as_dir(tmp_path / "bad", files), "digest-mismatch")
    assert "sha512:" in str(error)


def test_a_digest_of_the_wrong_length_for_its_algorithm_is_hostile(tmp_path: Path) -> None:
    files = dict(oci_files(LAYERS, None))
    index = _doc(files, "index.json")
    index["manifests"][0]["digest"] = "sha256:" + "ab" * 64  # a sha512-long hex
    files["index.json"] = json.dumps(index).encode()
    _hostile(_as_dir(tmp_path / "oci", files), "invalid-digest")


def _without_diff_ids(files: Files) -> None:
    config = _doc(files, _config(files))
    del config["rootfs"]["diff_ids"]
    _rewrite(files, _config(files), json.dumps(config).encode())


def test_layer_blobs_no_diff_id_covers_are_verified_by_digest(tmp_path: Path) -> None:
    files = dict(oci_files(LAYERS, None))
    _without_diff_ids(files)
    layers = [d["digest"] for d in _doc(files, _top(files))["layers"]]
    with open_image(str(_as_dir(tmp_path / "ok", files)), LIMITS) as opened:
        assert opened.info.layers == tuple(layers)  # the descriptor digests, now verified
    name = _blob(layers[1])
    files[name] = _tamper(files[name], b"print('hi')", b"print('no')")  # same size, valid tar
    error = _hostile(_as_dir(tmp_path / "bad", files), "digest-mismatch")
    assert error.member == name
    assert "layer blob" in str(error)


def test_a_compressed_layer_is_verified_by_its_diff_id(tmp_path: Path) -> None:
    """With diff_ids the uncompressed tar is hashed (once) and the gzip blob is not:
    a blob recompressed from the same tar still opens, another tar does not."""
    files = dict(oci_files(LAYERS, "gzip"))
    name = _blob(_doc(files, _top(files))["layers"][1]["digest"])
    files[name] = gzip.compress(layer_tar(LAYERS[1]), compresslevel=9, mtime=1)
    manifest = _doc(files, _top(files))
    manifest["layers"][1]["size"] = len(files[name])
    _rewrite(files, _top(files), json.dumps(manifest).encode())
    _opens(_as_dir(tmp_path / "same-tar", files))
    other = {**LAYERS[1], "var/task/app.py": b"print('no')\n"}
    files[name] = gzip.compress(layer_tar(other), compresslevel=9, mtime=1)
    manifest["layers"][1]["size"] = len(files[name])
    _rewrite(files, _top(files), json.dumps(manifest).encode())
    assert _hostile(_as_dir(tmp_path / "other", files), "digest-mismatch").member.startswith(
        "layer sha256:"
    )


def _docker_files(path: Path) -> Files:
    with tarfile.open(path) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers()}  # type: ignore[union-attr]


def _docker_config(files: Files) -> str:
    return str(json.loads(files["manifest.json"])[0]["Config"])


@pytest.mark.parametrize("layout", ["legacy", "blobs"])
def test_a_tampered_docker_save_config_is_hostile(tmp_path: Path, layout: str) -> None:
    path = build_docker_archive(tmp_path / "img.tar", LAYERS, "gzip", layout=layout)  # type: ignore[arg-type]
    _opens(path)
    files = _docker_files(path)
    name = _docker_config(files)
    files[name] = _tamper(files[name], b'"amd64"', b'"arm64"')
    error = _hostile(write_tar(tmp_path / "bad.tar", files.items()), "digest-mismatch")
    assert error.member == name
    assert "image config" in str(error)


@pytest.mark.parametrize("config_name", ["sha256:{hex}", "config.json", "{hex}/config.json"])
def test_docker_save_config_names_that_are_not_blob_paths(tmp_path: Path, config_name: str) -> None:
    """crane names the config ``sha256:<hex>`` (checked); other names claim no digest."""
    files = _docker_files(build_docker_archive(tmp_path / "img.tar", LAYERS, None))
    old = _docker_config(files)
    config = files.pop(old)
    name = config_name.format(hex=hashlib.sha256(config).hexdigest())
    files[name] = config
    manifest = json.loads(files["manifest.json"])
    manifest[0]["Config"] = name
    files["manifest.json"] = json.dumps(manifest).encode()
    _opens(write_tar(tmp_path / "ok.tar", files.items()))
    files[name] = _tamper(config, b'"amd64"', b'"arm64"')
    bad = write_tar(tmp_path / "bad.tar", files.items())
    if name.startswith("sha256:"):
        assert _hostile(bad, "digest-mismatch").member == name
    else:
        _opens(bad)


def test_a_docker_save_blob_layer_without_diff_ids_is_verified(tmp_path: Path) -> None:
    files = _docker_files(build_docker_archive(tmp_path / "i.tar", LAYERS, None, layout="blobs"))
    config = json.loads(files[_docker_config(files)])
    del config["rootfs"]
    files[_docker_config(files)] = json.dumps(config).encode()  # "config.json"-style: unnamed
    manifest = json.loads(files["manifest.json"])
    files["config.json"] = files.pop(manifest[0]["Config"])
    manifest[0]["Config"] = "config.json"
    files["manifest.json"] = json.dumps(manifest).encode()
    _opens(write_tar(tmp_path / "ok.tar", files.items()))
    name = manifest[0]["Layers"][1]
    files[name] = _tamper(files[name], b"print('hi')", b"print('no')")
    assert (
        _hostile(write_tar(tmp_path / "bad.tar", files.items()), "digest-mismatch").member == name
    )


def _docker_with_config(
    tmp_path: Path, edit: Callable[[dict[str, Any]], None], *, tamper: bool = False
) -> Path:
    """A legacy docker-save archive whose config is rewritten honestly (stored under its
    new digest, manifest.json updated); with ``tamper`` the app layer is altered too."""
    files = _docker_files(build_docker_archive(tmp_path / "src.tar", LAYERS, None))
    manifest = json.loads(files["manifest.json"])
    config = json.loads(files.pop(manifest[0]["Config"]))
    edit(config)
    data = json.dumps(config).encode()
    manifest[0]["Config"] = hashlib.sha256(data).hexdigest() + ".json"
    files[manifest[0]["Config"]] = data
    files["manifest.json"] = json.dumps(manifest).encode()
    if tamper:
        layer = manifest[0]["Layers"][1]
        files[layer] = _tamper(files[layer], b"print('hi')", b"print('no')")
    return write_tar(tmp_path / ("bad.tar" if tamper else "ok.tar"), files.items())


def _set_diff_ids(make: Callable[[list[str]], object]) -> Callable[[dict[str, Any]], None]:
    def edit(config: dict[str, Any]) -> None:
        config["rootfs"]["diff_ids"] = make(config["rootfs"]["diff_ids"])

    return edit


def _layer_tars() -> list[bytes]:
    return [layer_tar(layer) for layer in LAYERS]


def test_diff_ids_are_verified_whatever_the_case_of_their_algorithm(tmp_path: Path) -> None:
    upper = _set_diff_ids(lambda ids: [d.replace("sha256:", "SHA256:") for d in ids])
    with open_image(str(_docker_with_config(tmp_path, upper)), LIMITS) as opened:
        assert opened.info.layers == tuple(sha256(t) for t in _layer_tars())  # lowercased
    error = _hostile(_docker_with_config(tmp_path, upper, tamper=True), "digest-mismatch")
    assert error.member == f"layer {sha256(_layer_tars()[1])}"


def test_sha512_diff_ids_are_verified_with_sha512(tmp_path: Path) -> None:
    sha512 = ["sha512:" + hashlib.sha512(t).hexdigest() for t in _layer_tars()]
    edit = _set_diff_ids(lambda _: sha512)
    with open_image(str(_docker_with_config(tmp_path, edit)), LIMITS) as opened:
        assert opened.info.layers == tuple(sha512)
        assert opened.trees[0].read_bytes("var/task/app.py") == b"print('hi')\n"
    error = _hostile(_docker_with_config(tmp_path, edit, tamper=True), "digest-mismatch")
    assert "its content hashes to sha512:" in str(error)


@pytest.mark.parametrize(
    "diff_ids",
    [
        ["md5:" + "0" * 32, "md5:" + "1" * 32],  # an algorithm images do not use
        ["sha1:" + "0" * 40, "sha1:" + "1" * 40],
        ["sha256:" + "0" * 63, "sha256:" + "1" * 64],  # short hex
        ["sha256:" + "g" * 64, "sha256:" + "1" * 64],  # not hex
        ["0" * 64, "1" * 64],  # no algorithm
        "sha256:" + "0" * 64,  # not a list
        [1, 2],
    ],
    ids=["md5", "sha1", "short", "not-hex", "bare-hex", "string", "numbers"],
)
def test_diff_ids_that_are_no_digests_are_hostile(tmp_path: Path, diff_ids: object) -> None:
    _hostile(_docker_with_config(tmp_path, _set_diff_ids(lambda _: diff_ids)), "invalid-digest")


@pytest.mark.parametrize(
    "edit",
    [lambda ids: [*ids, "sha256:" + "0" * 64], lambda ids: ids[:1], lambda ids: []],
    ids=["one-more", "one-less", "empty"],
)
def test_diff_ids_not_one_per_layer_are_hostile(
    tmp_path: Path, edit: Callable[[list[str]], list[str]]
) -> None:
    error = _hostile(_docker_with_config(tmp_path, _set_diff_ids(edit)), "layer-count-mismatch")
    assert "the manifest 2" in str(error)
    files = dict(oci_files(LAYERS, "gzip"))
    config = _doc(files, _config(files))
    config["rootfs"]["diff_ids"] = edit(config["rootfs"]["diff_ids"])
    _rewrite(files, _config(files), json.dumps(config).encode())
    _hostile(_as_dir(tmp_path / "oci", files), "layer-count-mismatch")


@pytest.mark.parametrize(
    "edit",
    [lambda c: c.pop("rootfs"), lambda c: c["rootfs"].pop("diff_ids")],
    ids=["no-rootfs", "no-diff-ids"],
)
def test_a_layer_no_digest_covers_is_a_warning_and_reports_no_digest(
    tmp_path: Path, edit: Callable[[dict[str, Any]], None]
) -> None:
    """Legacy docker-save layers (``<id>/layer.tar``) are named by no digest: without
    diff_ids they are read unverified, said so, and reported by their names."""
    path = _docker_with_config(tmp_path, edit)
    names = json.loads(_docker_files(path)["manifest.json"])[0]["Layers"]
    with open_image(str(path), LIMITS) as opened:
        assert opened.info.layers == tuple(names)
        assert not any(layer.startswith("sha256:") for layer in opened.info.layers)
        assert opened.info.warnings == (
            f"layer 1 not verified: no diff_id ({names[0]})",
            f"layer 2 not verified: no diff_id ({names[1]})",
        )
        assert opened.trees[0].entries()["var/task/app.py"].layer == names[1]
    with open_image(str(_docker_with_config(tmp_path, edit, tamper=True)), LIMITS) as opened:
        assert opened.trees[0].read_bytes("var/task/app.py") == b"print('no')\n"  # not caught
        assert "layer 2 not verified: no diff_id" in opened.info.warnings[1]
