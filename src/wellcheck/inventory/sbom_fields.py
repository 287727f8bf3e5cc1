"""The fields of one SBOM entry: purls, install locations, properties, hashes, text.

Every value comes from hostile input, so each helper checks the type it is given
and returns an empty value rather than raising.  Text loses its control
characters (a report must not carry terminal escapes) and is bounded.  Used by
:mod:`wellcheck.inventory.sbom_input`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from packaging.utils import canonicalize_name

from wellcheck.models import ComponentKind

# C0/C1 controls and the bidi/format controls that reorder text on a terminal
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_MAX_TEXT = 4096
_LOCATION_KEYS = ("wellcheck:location", "syft:location:0:path", "aquasecurity:trivy:FilePath")
_LAYER_KEYS = ("wellcheck:layer", "aquasecurity:trivy:LayerDigest", "syft:location:0:layerID")

Raw = Mapping[str, Any]  # a JSON object as parsed: every value is checked before use


def purl_body(purl: str) -> str | None:
    """A purl without its scheme and the slashes after it (``pkg://pypi/x`` is
    ``pkg:pypi/x``, as the purl spec / ECMA-427 say); None when it is not a purl."""
    return purl[4:].lstrip("/") if purl[:4].lower() == "pkg:" else None


def pypi_purl(purl: str) -> tuple[str, str] | None:
    """(canonical name, version) of a ``pkg:pypi/`` purl; None for any other purl."""
    body = purl_body(purl)
    if body is None or body[:5].lower() != "pypi/":
        return None
    body = body[5:].split("#", 1)[0].split("?", 1)[0]
    name, _, version = body.partition("@")
    return canonicalize_name(clean(unquote(name))), clean(unquote(version))


def purl_type(purl: str) -> str:
    """``pypi``, ``npm``... ("other" for an odd type), "" when ``purl`` is not a purl."""
    body = purl_body(purl)
    if body is None:
        return ""
    kind = body.split("/", 1)[0].lower()
    return kind if re.fullmatch(r"[a-z0-9.+-]{1,32}", kind) else "other"


def location_of(props: dict[str, list[str]]) -> tuple[tuple[str, ...], str]:
    """(nested-archive chain, path of the metadata) from the first location property."""
    for key in _LOCATION_KEYS:
        value = first_value(props, key)
        if value:
            *chain, path = value.split("!") if key == "wellcheck:location" else [value]
            return tuple(chain), metadata_path(path.lstrip("/"))
    return (), ""


def metadata_path(path: str) -> str:
    """``.../x.dist-info/METADATA`` (syft, trivy) -> ``.../x.dist-info`` (wellcheck's)."""
    parts = path.split("/")
    for n, part in enumerate(parts):
        if part.endswith((".dist-info", ".egg-info")):
            return "/".join(parts[: n + 1])
    return path


def site_root_of(location: str) -> str:
    head, _, last = location.rpartition("/")
    return head if last.endswith((".dist-info", ".egg-info", ".egg")) else ""


def kind_from(location: str) -> ComponentKind:
    if location.endswith(".egg-info"):
        return ComponentKind.EGG_INFO
    if location.endswith(".egg"):
        return ComponentKind.EGG
    return ComponentKind.DIST_INFO


def layer_of(props: dict[str, list[str]]) -> str | None:
    return next((v for key in _LAYER_KEYS if (v := first_value(props, key))), None)


def hashes_of(raw: object) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    for item in as_list(raw):
        item = as_mapping(item)
        alg = re.sub(r"[^a-z0-9]", "", as_text(item.get("alg")).lower())
        content = as_text(item.get("content")).strip().lower()
        if alg and re.fullmatch(r"[0-9a-f]{32,128}", content):
            out.append((alg, content))
    return tuple(out)


def properties_of(raw: Raw) -> dict[str, list[str]]:
    props: dict[str, list[str]] = {}
    for item in as_list(raw.get("properties")):
        item = as_mapping(item)
        name, value = clean(as_text(item.get("name"))), clean(as_text(item.get("value")))
        if name and value:
            props.setdefault(name, []).append(value)
    return props


_SPDX_COMMENT_KEYS = {
    "location": "wellcheck:location",
    "kind": "wellcheck:kind",
    "layer": "wellcheck:layer",
    "vendored by": "wellcheck:vendored_by",
    "site root": "wellcheck:site_root",
}


def spdx_comment(comment: str) -> dict[str, list[str]]:
    """wellcheck's SPDX package comment (``location: X; kind: Y; ...``) as properties."""
    if not comment.startswith("location: "):
        return {}
    props: dict[str, list[str]] = {}
    for part in comment.split("; "):
        key, sep, value = part.partition(": ")
        if sep and key in _SPDX_COMMENT_KEYS and value:
            props[_SPDX_COMMENT_KEYS[key]] = [clean(value)]
    return props


def first_value(props: dict[str, list[str]], key: str) -> str | None:
    values = props.get(key)
    return values[0] if values else None


def as_mapping(value: object) -> Raw:
    return value if isinstance(value, dict) else {}


def as_list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def as_text(value: object) -> str:
    return value if isinstance(value, str) else ""


def clean(text: str) -> str:
    """No control characters (a report must not carry terminal escapes), bounded length."""
    return _CONTROL.sub("", text[: _MAX_TEXT * 2]).strip()[:_MAX_TEXT]


def one_line(text: str) -> str:
    return " ".join(text.split())[:300]
