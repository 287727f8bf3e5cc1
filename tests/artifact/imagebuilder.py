"""Build small container images in tests: docker-save tarballs and OCI layouts.

A layer is a mapping (or a list of pairs, to repeat names) from a member name to
its content: ``bytes`` for a regular file, or a :class:`Symlink`, :class:`Hardlink`,
:data:`DIR` or :class:`Special` value.  Whiteouts are ordinary empty files named
with :func:`whiteout` / :func:`opaque`.  Everything is generated in memory with
``tarfile``; nothing here is an opaque binary fixture.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Compression = Literal["gzip", "zstd", None]


@dataclass(frozen=True)
class Symlink:
    target: str


@dataclass(frozen=True)
class Hardlink:
    target: str


@dataclass(frozen=True)
class Special:
    type: bytes  # tarfile.CHRTYPE, BLKTYPE, FIFOTYPE...


class _Dir:
    pass


DIR = _Dir()
Value = bytes | Symlink | Hardlink | Special | _Dir
#: a layer's members, or ``bytes``: a ready-made layer blob used as it is (hostile tests)
Layer = Mapping[str, Value] | Sequence[tuple[str, Value]] | bytes


def whiteout(path: str) -> str:
    """The member name that deletes ``path`` from lower layers."""
    head, _, name = path.rpartition("/")
    return f"{head}/.wh.{name}" if head else f".wh.{name}"


def opaque(directory: str) -> str:
    """The member name that hides the lower-layer contents of ``directory``."""
    return f"{directory}/.wh..wh..opq"


def layer_tar(layer: Layer) -> bytes:
    """An uncompressed layer tar, members in the given order."""
    if isinstance(layer, bytes):
        return layer
    pairs: Iterable[tuple[str, Value]] = layer.items() if isinstance(layer, Mapping) else layer
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, value in pairs:
            info = tarfile.TarInfo(name)
            info.mtime = 1_700_000_000
            data = None
            if isinstance(value, bytes):
                info.size, data = len(value), io.BytesIO(value)
            elif isinstance(value, Symlink):
                info.type, info.linkname = tarfile.SYMTYPE, value.target
            elif isinstance(value, Hardlink):
                info.type, info.linkname = tarfile.LNKTYPE, value.target
            elif isinstance(value, Special):
                info.type = value.type
            else:
                info.type, info.mode = tarfile.DIRTYPE, 0o755
            tar.addfile(info, data)
    return out.getvalue()


def compress(data: bytes, compression: Compression) -> bytes:
    if compression == "gzip":
        return gzip.compress(data, compresslevel=1, mtime=0)
    if compression == "zstd":
        import zstandard

        return zstandard.ZstdCompressor(level=1).compress(data)
    return data


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def image_config(diff_ids: list[str], env: Sequence[str] = (), workdir: str | None = None) -> bytes:
    settings: dict[str, object] = {"Env": ["PATH=/usr/local/bin:/usr/bin:/bin", *env]}
    if workdir is not None:
        settings["WorkingDir"] = workdir
    config = {
        "architecture": "amd64",
        "os": "linux",
        "config": settings,
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
    }
    return json.dumps(config).encode()


def write_tar(dest: Path, files: Iterable[tuple[str, bytes]]) -> Path:
    """An outer tar (the image archive itself) of name -> bytes pairs."""
    with tarfile.open(dest, "w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in files:
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(data), 1_700_000_000
            tar.addfile(info, io.BytesIO(data))
    return dest


def build_docker_archive(
    dest: Path,
    layers: Sequence[Layer],
    compression: Compression = None,
    *,
    layout: Literal["legacy", "blobs"] = "legacy",
    env: Sequence[str] = (),
    workdir: str | None = None,
    tag: str = "example/app:latest",
) -> Path:
    """A ``docker save`` tarball: legacy ``<id>/layer.tar`` or Docker 25+ ``blobs/sha256``."""
    tars = [layer_tar(layer) for layer in layers]
    blobs = [
        t if isinstance(layer, bytes) else compress(t, compression)
        for t, layer in zip(tars, layers, strict=True)
    ]
    config = image_config([sha256(t) for t in tars], env, workdir)
    files: list[tuple[str, bytes]] = []
    names: list[str] = []
    for blob in blobs:
        hexdigest = sha256(blob).removeprefix("sha256:")
        name = f"{hexdigest}/layer.tar" if layout == "legacy" else f"blobs/sha256/{hexdigest}"
        names.append(name)
        files.append((name, blob))
    config_hex = sha256(config).removeprefix("sha256:")
    config_name = f"{config_hex}.json" if layout == "legacy" else f"blobs/sha256/{config_hex}"
    manifest = [{"Config": config_name, "RepoTags": [tag], "Layers": names}]
    files += [(config_name, config), ("manifest.json", json.dumps(manifest).encode())]
    return write_tar(dest, files)


def oci_files(
    layers: Sequence[Layer],
    compression: Compression = "gzip",
    *,
    env: Sequence[str] = (),
    platforms: Mapping[str, Sequence[Layer]] | None = None,
) -> list[tuple[str, bytes]]:
    """The files of an OCI image layout; ``platforms`` ("os/arch" -> layers) makes a
    multi-platform image (a nested index) and ignores ``layers``."""
    files: dict[str, bytes] = {}

    def blob(data: bytes, media_type: str, **extra: object) -> dict[str, object]:
        digest = sha256(data)
        files[f"blobs/sha256/{digest.removeprefix('sha256:')}"] = data
        return {"mediaType": media_type, "digest": digest, "size": len(data), **extra}

    def manifest(image_layers: Sequence[Layer], **extra: object) -> dict[str, object]:
        tars = [layer_tar(layer) for layer in image_layers]
        media = "application/vnd.oci.image.layer.v1.tar" + {"gzip": "+gzip", "zstd": "+zstd"}.get(
            compression or "", ""
        )
        document = {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": blob(
                image_config([sha256(t) for t in tars], env),
                "application/vnd.oci.image.config.v1+json",
            ),
            "layers": [blob(compress(t, compression), media) for t in tars],
        }
        return blob(
            json.dumps(document).encode(), "application/vnd.oci.image.manifest.v1+json", **extra
        )

    if platforms is None:
        top = [manifest(layers)]
    else:
        entries = []
        for platform, image_layers in platforms.items():
            os_name, _, arch = platform.partition("/")
            entries.append(manifest(image_layers, platform={"os": os_name, "architecture": arch}))
        nested = {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": entries,
        }
        top = [blob(json.dumps(nested).encode(), "application/vnd.oci.image.index.v1+json")]
    index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json"}
    index["manifests"] = top  # type: ignore[assignment]
    files["oci-layout"] = json.dumps({"imageLayoutVersion": "1.0.0"}).encode()
    files["index.json"] = json.dumps(index).encode()
    return sorted(files.items())


def build_oci_layout(
    dest: Path, layers: Sequence[Layer], compression: Compression = "gzip", **kwargs: object
) -> Path:
    """An OCI image layout as a directory at ``dest``."""
    for name, data in oci_files(layers, compression, **kwargs):  # type: ignore[arg-type]
        path = dest / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return dest


def build_oci_tar(
    dest: Path, layers: Sequence[Layer], compression: Compression = "gzip", **kwargs: object
) -> Path:
    """An OCI image layout as a tar (``docker buildx --output type=oci``)."""
    return write_tar(dest, oci_files(layers, compression, **kwargs))  # type: ignore[arg-type]


def dist_info(name: str, version: str, root: str) -> dict[str, Value]:
    """A minimal installed distribution under ``root`` (a site-packages directory)."""
    base = f"{root}/{name.replace('-', '_')}-{version}.dist-info"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\n".encode()
    module = name.replace("-", "_").lower()
    return {
        f"{base}/METADATA": metadata,
        f"{base}/RECORD": f"{module}/__init__.py,,\n{base.rsplit('/', 1)[1]}/METADATA,,\n".encode(),
        f"{root}/{module}/__init__.py": f"__version__ = {version!r}\n".encode(),
    }
