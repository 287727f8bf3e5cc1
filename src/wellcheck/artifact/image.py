"""Container images: ``docker save`` tarballs and OCI image layouts (directory or tar).

The image is opened into one merged Tree: layers applied bottom first with
whiteouts (see :mod:`wellcheck.artifact.overlay`).  Wheels, eggs and zips inside
it become more trees, as in a zip; a file that is also a zip archive is read as one
too (see :mod:`wellcheck.artifact.imagezip`).
Uncompressed layers are read in place; gzip and zstd layers (detected by magic
bytes) are inflated once into a private temporary directory that is removed when
the Tree is closed.
A tar that is not an image (e.g. ``docker export``) opens as one root filesystem.

Every blob read by digest is verified: the index, manifest and config JSON as
they are read (small), each layer's uncompressed tar against the config's
``diff_id``, and, only when no ``diff_id`` covers a layer, the layer blob against
its descriptor digest.  No byte is hashed twice.  ``diff_ids`` must be sha256,
sha384 or sha512 digests (the algorithm in any case) and one per layer, else the
image is hostile (``invalid-digest``, ``layer-count-mismatch``).  A config without
``diff_ids`` leaves a layer that no digest names (legacy docker-save
``<id>/layer.tar``) unverified: that is an artifact warning, and the layer is
reported by its name in the archive, not by a digest computed from what was found.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeGuard

from wellcheck.artifact.base import ArtifactReader, Entry, OpenedArtifact, Tree
from wellcheck.artifact.imagesource import (
    DirectorySource,
    ImageSource,
    Location,
    TarSource,
    blob_name,
    check_size,
    digest_in_name,
    verify_location,
)
from wellcheck.artifact.imagezip import open_nested
from wellcheck.artifact.inflate import decompress_to_file
from wellcheck.artifact.limits import Limits
from wellcheck.artifact.overlay import OverlayBuilder
from wellcheck.artifact.tarsafe import (
    Budget,
    Compression,
    iter_members,
    normalise_tar_name,
    open_slice,
    sniff,
)
from wellcheck.errors import ArtifactError, HostileArtifactError, LimitExceededError
from wellcheck.models import ArtifactInfo

__all__ = ["ImageReader", "open_image"]

_INDEX_TYPES = {
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
}
_SITE_DIR = re.compile(r"(?:^|/)lib/python(\d+\.\d+)/(?:site|dist)-packages/")
_VERSION = re.compile(r"^(\d+)\.(\d+)")
_INDEX_DEPTH = 4  # image indexes nested in image indexes
# a diff_id: the algorithm in any case (compared case-insensitively), hex of its length
_DIFF_ID = re.compile(r"^(?i:(sha256|sha384|sha512)):([0-9a-fA-F]+)$")
_HEX_LENGTH = {"sha256": 64, "sha384": 96, "sha512": 128}


@dataclass
class _Plan:
    kind: str  # docker-archive, oci-layout, tar
    # (name in the source, digest, declared size); name '' is the whole tar; digest None:
    # no digest covers the layer (the whole tar; a docker-save layer without a diff_id)
    layers: list[tuple[str, str | None, int | None]]
    config: Mapping[str, Any] = field(default_factory=dict)
    verify: bool = False  # the digests are the config's diff_ids (valid, one per layer)
    warnings: list[str] = field(default_factory=list)


class ImageReader(ArtifactReader):
    """docker-archive, oci-layout (directory or tar) and plain root-filesystem tars."""

    kind = "image"

    def matches(self, path: str, head: bytes) -> bool:
        if Path(path).is_dir():
            return (Path(path) / "oci-layout").is_file()
        return sniff(head) is not None

    def open(self, path: str, limits: Limits) -> OpenedArtifact:
        return open_image(path, limits)


def open_image(path: str, limits: Limits) -> OpenedArtifact:
    """Open an image (file or OCI directory) into one merged Tree; see the module doc.

    A file's sha256 is computed in a background thread while the layers are
    catalogued; ``info.sha256`` waits for it when first read.
    """
    from wellcheck.artifact.digest import BackgroundDigest, DigestingArtifact

    workdir = tempfile.mkdtemp(prefix="wellcheck-image-")
    digest = None if Path(path).is_dir() else BackgroundDigest(path)
    try:
        info, trees, not_scanned = _open(path, limits, workdir)
    except BaseException:
        if digest is not None:
            digest.cancel()
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    if digest is None:
        return OpenedArtifact(info, trees, not_scanned)
    return DigestingArtifact(info, trees, not_scanned, digest)


def _open(path: str, limits: Limits, workdir: str) -> tuple[ArtifactInfo, list[Tree], list[str]]:
    budget = Budget(limits)
    size: int | None = None
    source: ImageSource
    tar_path: str | None = None
    if Path(path).is_dir():
        source = DirectorySource(path)
    else:
        size = Path(path).stat().st_size
        # the outer stream has its own budget: the layers inside it are counted again
        tar_path = _uncompressed(path, size, workdir, Budget(limits))
        source = TarSource(tar_path, path, limits)
    plan = _plan(source, limits, tar_path)
    if len(plan.layers) > limits.max_layers:
        raise LimitExceededError(path, "max_layers", f"{len(plan.layers)} layers")
    builder = OverlayBuilder(limits)
    sources: list[str] = []
    digests: list[str | None] = []
    for index, (name, digest, declared) in enumerate(plan.layers):
        where = source.locate(name) if name else _whole(tar_path)
        check_size(name, where.size, declared, "layer blob")
        if not plan.verify and (blob_digest := digest_in_name(name)) is not None:
            verify_location(where, blob_digest, name, "layer blob")  # no diff_id covers it
        layer_id = digest or name or None  # an unverified layer: its name, never a digest
        label = f"layer {layer_id}" if layer_id else path
        where = _layer_tar(where, label, workdir, index, budget)
        sources.append(where.file)
        digests.append(layer_id)
        members = iter_members(where.file, where.offset, where.size, limits, budget, label)
        builder.apply(index, members, index, label)
        if plan.verify and digest is not None:
            _verify_diff_id(where, digest, label)
    tree = builder.build(tuple(digests), sources, workdir)
    nested, notes = open_nested(path, tree, limits, budget.total, read_as_zip=size is not None)
    info = ArtifactInfo(
        path=path,
        kind=plan.kind,
        size=size,
        layers=tuple(d for d in digests if d is not None),
        python_version=python_version(plan.config, tree.entries()),
        warnings=(*plan.warnings, *builder.warnings, *notes),
        python_path=python_path(plan.config),
    )
    return info, [tree, *nested.trees], nested.not_scanned


def _whole(path: str | None) -> Location:
    if path is None:
        raise ArtifactError("internal: a root-filesystem tar without a file")
    return Location(path, 0, Path(path).stat().st_size)


def _head(where: Location) -> bytes:
    with open_slice(where.file, where.offset, min(where.size, 512), where.file) as fh:
        return fh.read(512)


def _uncompressed(path: str, size: int, workdir: str, budget: Budget) -> str:
    """The file itself if it is a tar, else its gzip/zstd content inflated into workdir."""
    kind = sniff(_head(Location(path, 0, size)))
    if kind is None:
        raise ArtifactError(f"{path}: not a tar, gzip or zstd file")
    if kind is Compression.NONE:
        return path
    dest = str(Path(workdir) / "outer.tar")
    with open_slice(path, 0, size, path, 4096) as src, Path(dest).open("xb") as out:
        decompress_to_file(src, kind, out, budget, path)
    if sniff(_head(Location(dest, 0, Path(dest).stat().st_size))) is not Compression.NONE:
        raise ArtifactError(f"{path}: the {kind} stream does not hold a tar archive")
    return dest


def _layer_tar(where: Location, label: str, workdir: str, index: int, budget: Budget) -> Location:
    """Where the layer's uncompressed tar is: in place, or inflated into workdir."""
    head = _head(where) if where.size else b""
    kind = sniff(head) if head else Compression.NONE
    if kind is None and head.count(0) == len(head):
        kind = Compression.NONE  # an empty tar is only end-of-archive blocks
    if kind is None:
        raise ArtifactError(f"{label}: not a tar, gzip or zstd layer")
    if kind is Compression.NONE:
        budget.add_bytes(where.size, label)
        return where
    dest = str(Path(workdir) / f"layer-{index}.tar")
    with (
        open_slice(where.file, where.offset, where.size, label, 4096) as src,
        Path(dest).open("xb") as out,
    ):
        written = decompress_to_file(src, kind, out, budget, label, tar_inside=True)
    return Location(dest, 0, written)


def _plan(source: ImageSource, limits: Limits, tar_path: str | None) -> _Plan:
    if source.exists("manifest.json"):
        return _docker_plan(source, limits)
    if source.exists("oci-layout"):
        return _oci_plan(source, limits)
    if tar_path is None:
        raise ArtifactError(f"{source.label}: no oci-layout file in the directory")
    note = "no image manifest (manifest.json, oci-layout): read as one root filesystem"
    return _Plan("tar", [("", None, None)], warnings=[note])


def _docker_plan(source: ImageSource, limits: Limits) -> _Plan:
    manifest = source.read_json("manifest.json", limits)
    if not isinstance(manifest, list) or not manifest or not isinstance(manifest[0], dict):
        raise ArtifactError(f"{source.label}: manifest.json lists no image")
    image = manifest[0]
    config_name, layers = image.get("Config"), image.get("Layers")
    if not isinstance(config_name, str) or not _is_str_list(layers):
        raise ArtifactError(f"{source.label}: manifest.json has no Config/Layers")
    config_name = normalise_tar_name(config_name)
    config = source.read_json(
        config_name, limits, digest=digest_in_name(config_name, config=True), what="image config"
    )
    plan = _Plan("docker-archive", [], config)
    if len(manifest) > 1:
        tags = ", ".join(image.get("RepoTags") or []) or config_name
        plan.warnings.append(
            f"the archive holds {len(manifest)} images; scanned the first ({tags})"
        )
    names = [normalise_tar_name(name) for name in layers]
    diff_ids = _diff_ids(plan.config, len(names), config_name)
    plan.verify = diff_ids is not None
    for position, name in enumerate(names):
        digest = diff_ids[position] if diff_ids is not None else digest_in_name(name)
        if digest is None:
            plan.warnings.append(f"layer {position + 1} not verified: no diff_id ({name})")
        plan.layers.append((name, digest, None))
    return plan


def _oci_plan(source: ImageSource, limits: Limits) -> _Plan:
    layout = source.read_json("oci-layout", limits)
    if not isinstance(layout, dict) or "imageLayoutVersion" not in layout:
        raise ArtifactError(f"{source.label}: oci-layout has no imageLayoutVersion")
    plan = _Plan("oci-layout", [])
    document = source.read_json("index.json", limits)
    for _ in range(_INDEX_DEPTH + 1):
        if not isinstance(document, dict):
            raise ArtifactError(f"{source.label}: malformed image index or manifest")
        if "layers" in document:
            break
        media_type = document.get("mediaType", "")
        if not isinstance(media_type, str) or media_type not in _INDEX_TYPES | {""}:
            raise ArtifactError(f"{source.label}: unsupported media type {media_type!r}"[:300])
        descriptor = _choose(document.get("manifests"), plan.warnings, source.label)
        child = descriptor.get("mediaType")
        what = (
            "image index" if isinstance(child, str) and child in _INDEX_TYPES else "image manifest"
        )
        document = source.read_descriptor(descriptor, limits, what)
    else:
        raise ArtifactError(f"{source.label}: image indexes nested too deeply")
    config, layers = document.get("config"), document.get("layers")
    if not isinstance(config, dict) or not isinstance(layers, list):
        raise ArtifactError(f"{source.label}: image manifest has no config/layers")
    plan.config = source.read_descriptor(config, limits, "image config")
    diff_ids = _diff_ids(plan.config, len(layers), blob_name(config.get("digest")))
    plan.verify = diff_ids is not None
    for position, layer in enumerate(layers):
        if not isinstance(layer, dict) or not isinstance(layer.get("size"), int):
            raise ArtifactError(f"{source.label}: malformed layer descriptor")
        digest = layer.get("digest")
        name = blob_name(digest)
        covered = diff_ids[position] if diff_ids is not None else str(digest)  # both verified
        plan.layers.append((name, covered, layer["size"]))
    return plan


def _choose(manifests: object, warnings: list[str], label: str) -> dict[str, Any]:
    """linux/amd64 if the index lists it, else the first real manifest."""
    if not isinstance(manifests, list) or not manifests:
        raise ArtifactError(f"{label}: the image index lists no manifest")
    if not all(isinstance(m, dict) for m in manifests):
        raise ArtifactError(f"{label}: malformed image index")

    def platform(descriptor: dict[str, Any]) -> str:
        value = descriptor.get("platform")
        if not isinstance(value, dict):
            return ""
        return f"{value.get('os', '')}/{value.get('architecture', '')}"

    real = [m for m in manifests if platform(m) != "unknown/unknown"] or manifests
    chosen = next((m for m in real if platform(m) == "linux/amd64"), real[0])
    if len(manifests) > 1:
        which = platform(chosen) or "the first manifest"
        warnings.append(
            f"the image index lists {len(manifests)} manifests; scanned {which} "
            f"({chosen.get('digest')})"
        )
    return chosen  # type: ignore[no-any-return]


def _diff_ids(config: object, count: int, config_name: str) -> list[str] | None:
    """The config's ``rootfs.diff_ids``, lowercased: one valid digest per layer, or
    None when the config has none.  Anything else is hostile: an image whose layers
    those digests do not all cover must not open as if they did."""
    rootfs = config.get("rootfs") if isinstance(config, dict) else None
    ids = rootfs.get("diff_ids") if isinstance(rootfs, dict) else None
    if ids is None:
        return None
    if not _is_str_list(ids):
        raise HostileArtifactError(config_name, "invalid-digest", "rootfs.diff_ids is no list")
    if len(ids) != count:
        raise HostileArtifactError(
            config_name,
            "layer-count-mismatch",
            f"rootfs.diff_ids lists {len(ids)} layers, the manifest {count}",
        )
    normalised = []
    for diff_id in ids:
        match = _DIFF_ID.match(diff_id)
        algorithm = match.group(1).lower() if match else ""
        if match is None or len(match.group(2)) != _HEX_LENGTH[algorithm]:
            raise HostileArtifactError(diff_id[:100], "invalid-digest", "a diff_id in the config")
        normalised.append(f"{algorithm}:{match.group(2).lower()}")
    return normalised


def _verify_diff_id(where: Location, diff_id: str, label: str) -> None:
    """A layer's uncompressed tar must hash to its diff_id (as :func:`_diff_ids`
    normalised it): an altered layer is refused."""
    algorithm, _, expected = diff_id.partition(":")
    digest = hashlib.new(algorithm)
    with open_slice(where.file, where.offset, where.size, label) as fh:
        while chunk := fh.read(1024 * 1024):
            digest.update(chunk)
    if digest.hexdigest() != expected:
        raise HostileArtifactError(
            label, "digest-mismatch", f"its content hashes to {algorithm}:{digest.hexdigest()}"
        )


def _is_str_list(value: object) -> TypeGuard[list[str]]:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def python_path(config: Mapping[str, Any]) -> tuple[str, ...]:
    """The directories the image's PYTHONPATH puts on ``sys.path``, absolute.

    CPython makes each entry absolute at start-up (``Modules/getpath.py``, 3.11+:
    ``abspath`` of every entry, so ``.``, ``src`` and an empty entry name directories of
    the working directory): that is the config's ``WorkingDir``, ``/`` when unset
    (``docker run -w`` can move it).  Every PYTHONPATH setting of ``Env`` counts: moby's
    and containerd's ``ReplaceOrAppendEnvValues`` keep a key the image sets twice, and
    ``getenv`` (glibc, musl) then returns the first, not the last.
    """
    settings = config.get("config") if isinstance(config, dict) else None
    env = settings.get("Env") if isinstance(settings, dict) else None
    workdir = settings.get("WorkingDir") if isinstance(settings, dict) else None
    cwd = "/" + workdir.strip("/") if isinstance(workdir, str) else "/"
    found: dict[str, None] = {}
    for item in env if _is_str_list(env) else []:
        key, equals, value = item.partition("=")
        if key == "PYTHONPATH" and equals:
            for entry in value.split(":"):
                found[entry if entry.startswith("/") else posixpath.join(cwd, entry)] = None
    return tuple(found)


def python_version(config: Mapping[str, Any], entries: Mapping[str, Entry]) -> str | None:
    """ "3.12" from the image's PYTHON_VERSION, else from its site-packages paths."""
    settings = config.get("config") if isinstance(config, dict) else None
    env = settings.get("Env") if isinstance(settings, dict) else None
    for item in env if _is_str_list(env) else []:
        key, _, value = str(item).partition("=")
        match = _VERSION.match(value.strip())
        if key == "PYTHON_VERSION" and match:
            return f"{match.group(1)}.{match.group(2)}"
    seen: Counter[str] = Counter()
    for path in entries:
        if "python" in path and (match := _SITE_DIR.search(path)):
            seen[match.group(1)] += 1
    if not seen:
        return None
    return max(seen, key=lambda v: (seen[v], tuple(int(x) for x in v.split("."))))
