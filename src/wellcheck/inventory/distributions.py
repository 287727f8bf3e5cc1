"""Components from installed-distribution metadata: dist-info, egg-info, eggs."""

from __future__ import annotations

import io
import posixpath
from dataclasses import dataclass, replace

from packaging.utils import canonicalize_name

from wellcheck.artifact.base import Tree
from wellcheck.inventory import reading
from wellcheck.inventory.bundled import bundled_packages
from wellcheck.inventory.layout import MetaDir, Owner
from wellcheck.inventory.metadata import Metadata, is_pep440_version, parse_metadata
from wellcheck.inventory.metadata import requires_from_egg as _requires_from_egg
from wellcheck.models import Component, ComponentKind

MAX_EGG = 64 * 1024 * 1024  # a zipped egg is read into memory up to this size


@dataclass(frozen=True)
class Found:
    component: Component
    claims: frozenset[str]  # top-level import names the distribution provides at its site root
    owner: Owner | None = None  # for copies inside another package's vendor directory


@dataclass
class _Parts:
    """What the metadata files of one distribution said."""

    metadata: Metadata
    meta_file: str
    warnings: list[str]
    files: tuple[str, ...] = ()
    top_level: tuple[str, ...] = ()
    claims: frozenset[str] = frozenset()
    installer: str | None = None
    direct_url: str | None = None
    hashes: tuple[tuple[str, str], ...] = ()
    egg_requires: tuple[str, ...] = ()


def read_distribution(tree: Tree, meta: MetaDir, artifact_python: str | None) -> Found:
    if meta.kind is ComponentKind.DIST_INFO:
        parts = _dist_info(tree, meta.path)
    elif meta.kind is ComponentKind.EGG_INFO:
        parts = _egg_info_file(tree, meta.path) if meta.is_file else _egg_info(tree, meta.path)
    elif meta.is_file:
        parts = _zipped_egg(tree, meta.path)
    else:
        parts = _egg_dir(tree, meta.path)
    found = _build(tree, meta, parts, artifact_python)
    if not meta.sboms:
        return found
    component = found.component
    warnings = list(component.warnings)
    bundled = bundled_packages(tree, meta.sboms, component.name, warnings)
    component = replace(component, bundled=bundled, warnings=tuple(warnings))
    return replace(found, component=component)


def _metadata(tree: Tree, path: str, warnings: list[str]) -> Metadata:
    if path not in tree.entries():
        warnings.append(f"{path}: missing")
        return Metadata()
    got = reading.read_head(tree, path, reading.MAX_HEAD, warnings)
    return parse_metadata(got[0], source=path.rpartition("/")[2]) if got else Metadata()


def _dist_info(tree: Tree, directory: str) -> _Parts:
    warnings: list[str] = []
    meta_file = f"{directory}/METADATA"
    parts = _Parts(_metadata(tree, meta_file, warnings), meta_file, warnings)
    entries = tree.entries()
    record = f"{directory}/RECORD"
    if record in entries:
        text = reading.read_text(tree, record, warnings)
        parts.files = tuple(reading.record_paths(text)) if text else ()
    installer = f"{directory}/INSTALLER"
    if installer in entries:
        text = reading.read_text(tree, installer, warnings, cap=4096)
        parts.installer = next(iter(reading.lines(text or "")), None)
    url_file = f"{directory}/direct_url.json"
    if url_file in entries:
        text = reading.read_text(tree, url_file, warnings)
        if text is not None:
            parts.direct_url, parts.hashes = reading.direct_url(text, warnings)
    _top_level(tree, f"{directory}/top_level.txt", parts, list(parts.files))
    return parts


def _top_level(tree: Tree, path: str, parts: _Parts, claimed_paths: list[str]) -> None:
    """top_level.txt when present, else names derived from the file list."""
    derived = reading.top_level_of(claimed_paths)
    listed: list[str] = []
    if path in tree.entries():
        text = reading.read_text(tree, path, parts.warnings)
        listed = reading.lines(text or "")
    parts.top_level = tuple(listed) if listed else tuple(sorted(derived))
    parts.claims = frozenset(derived | {name.split("/", 1)[0] for name in listed})


def _egg_info(tree: Tree, directory: str) -> _Parts:
    warnings: list[str] = []
    meta_file = f"{directory}/PKG-INFO"
    parts = _Parts(_metadata(tree, meta_file, warnings), meta_file, warnings)
    entries = tree.entries()
    claimed: list[str] = []
    installed = f"{directory}/installed-files.txt"
    if installed in entries:
        name = directory.rpartition("/")[2]
        relative = reading.lines(reading.read_text(tree, installed, warnings) or "")
        parts.files = tuple(posixpath.normpath(posixpath.join(name, p)) for p in relative)
        claimed = list(parts.files)
    elif f"{directory}/SOURCES.txt" in entries:
        sources = reading.lines(reading.read_text(tree, f"{directory}/SOURCES.txt", warnings) or "")
        claimed = [p.removeprefix("src/") for p in sources if p.endswith(reading.CODE_SUFFIXES)]
    _top_level(tree, f"{directory}/top_level.txt", parts, claimed)
    parts.egg_requires = _requires(tree, f"{directory}/requires.txt", warnings)
    return parts


def _egg_info_file(tree: Tree, path: str) -> _Parts:
    warnings: list[str] = []
    return _Parts(_metadata(tree, path, warnings), path, warnings)


def _egg_dir(tree: Tree, directory: str) -> _Parts:
    warnings: list[str] = []
    meta_file = f"{directory}/EGG-INFO/PKG-INFO"
    parts = _Parts(_metadata(tree, meta_file, warnings), meta_file, warnings)
    _top_level(tree, f"{directory}/EGG-INFO/top_level.txt", parts, [])
    parts.egg_requires = _requires(tree, f"{directory}/EGG-INFO/requires.txt", warnings)
    return parts


def _requires(tree: Tree, path: str, warnings: list[str]) -> tuple[str, ...]:
    if path not in tree.entries():
        return ()
    return _requires_from_egg(reading.read_text(tree, path, warnings) or "")


def _zipped_egg(tree: Tree, path: str) -> _Parts:
    """An .egg zip read in memory (bounded); members are read with a size cap."""
    import zipfile

    warnings: list[str] = []
    parts = _Parts(Metadata(), path, warnings)
    got = reading.read_head(tree, path, MAX_EGG, warnings)
    if got is None:
        return parts
    data, truncated = got
    if truncated:
        warnings.append(f"{path}: egg larger than {MAX_EGG} bytes, metadata not read")
        return parts
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as egg:
            members = {info.filename: info for info in egg.infolist()}

            def member(name: str, cap: int) -> bytes | None:
                info = members.get(name)
                if info is None or info.file_size > cap:
                    return None
                with egg.open(info) as fh:
                    return fh.read(cap)

            pkg_info = member("EGG-INFO/PKG-INFO", reading.MAX_HEAD)
            if pkg_info is None:
                warnings.append(f"{path}: no EGG-INFO/PKG-INFO")
            else:
                parts.metadata = parse_metadata(pkg_info, source="EGG-INFO/PKG-INFO")
            top = member("EGG-INFO/top_level.txt", reading.MAX_SMALL)
            parts.top_level = tuple(reading.lines(top.decode("utf-8", "replace"))) if top else ()
            requires = member("EGG-INFO/requires.txt", reading.MAX_SMALL)
            if requires:
                parts.egg_requires = _requires_from_egg(requires.decode("utf-8", "replace"))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        warnings.append(f"{path}: unreadable egg ({exc})")
    except (RuntimeError, NotImplementedError) as exc:  # encrypted, unknown compression
        warnings.append(f"{path}: unreadable egg member ({exc})")
    return parts


def fallback_name_version(meta_path: str) -> tuple[str, str]:
    """Name and version from 'name-version.dist-info', 'name-version-py3.8.egg', ..."""
    base = meta_path.rpartition("/")[2]
    stem = base.rpartition(".")[0]
    name, _, rest = stem.partition("-")
    return name, rest.partition("-")[0]


def _build(tree: Tree, meta: MetaDir, parts: _Parts, artifact_python: str | None) -> Found:
    md = parts.metadata
    warnings = list(md.warnings) + parts.warnings
    dir_name, dir_version = fallback_name_version(meta.path)
    display = md.name or dir_name
    if md.name is None and dir_name:
        warnings.append(f"name taken from {meta.path.rpartition('/')[2]!r}")
    version = md.version
    is_pep440 = md.version_is_pep440
    if version is None:
        version = dir_version
        is_pep440 = is_pep440_version(version) if version else True
        if version:
            warnings.append(f"version taken from {meta.path.rpartition('/')[2]!r}")
    name = canonicalize_name(display) if display else ""
    entries = tree.entries()
    entry = entries.get(parts.meta_file) or entries.get(meta.path)
    site_root = meta.path.rpartition("/")[0]
    claims = parts.claims or frozenset(parts.top_level)
    if not claims and display:
        claims = frozenset({display.lower().replace("-", "_").replace(".", "_")})
    component = Component(
        name=name,
        version=version,
        kind=ComponentKind.VENDORED if meta.owner else meta.kind,
        location=meta.path,
        display_name=display,
        version_is_pep440=is_pep440,
        chain=tree.chain,
        layer=entry.layer if entry else None,
        site_root=site_root,
        python_version=reading.python_from_path(meta.path) or artifact_python,
        summary=md.summary,
        license_expression=md.license_expression,
        licenses=md.licenses,
        authors=md.authors,
        maintainers=md.maintainers,
        project_urls=md.project_urls,
        requires_dist=md.requires_dist or parts.egg_requires,
        requires_python=md.requires_python,
        hashes=parts.hashes,
        installer=parts.installer,
        top_level=parts.top_level,
        files=parts.files,
        direct_url=parts.direct_url,
        warnings=tuple(warnings),
    )
    return Found(component, claims, meta.owner)
