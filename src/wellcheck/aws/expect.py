"""The CodeSha256 a deployed function should have: ``--expect FILE``.

FILE is the deployment zip CI built (hashed as Lambda hashes an upload: SHA-256
of the zip bytes, base64) or an SBOM wellcheck wrote for that zip: CycloneDX JSON
(``metadata.component.hashes``, SHA-256) or SPDX 2.3 JSON (the ``checksums`` of
the one package the document DESCRIBES).
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

from wellcheck.aws.targets import LambdaError

_SNIFF = 64


class ExpectError(LambdaError):
    """The ``--expect`` file cannot give the expected CodeSha256."""


def expected_code_sha256(path: str | Path) -> str:
    """CodeSha256 (base64 SHA-256) expected from ``--expect FILE``.

    Raises ExpectError when the file is unreadable or names no single SHA-256.
    """
    p = Path(path)
    try:
        with p.open("rb") as handle:
            head = handle.read(_SNIFF).lstrip()
            if head.startswith(b"{"):
                return _from_sbom(p)
            handle.seek(0)
            digest = hashlib.file_digest(handle, "sha256").digest()
    except OSError as exc:
        raise ExpectError(f"{p}: cannot read --expect file: {exc.strerror or exc}") from exc
    return base64.b64encode(digest).decode("ascii")


def _from_sbom(path: Path) -> str:
    try:
        doc = json.loads(path.read_bytes())
    except (ValueError, UnicodeDecodeError) as exc:
        raise ExpectError(f"{path}: --expect file is not valid JSON: {exc}") from exc
    if isinstance(doc, dict) and str(doc.get("spdxVersion", "")).startswith("SPDX-"):
        return base64.b64encode(bytes.fromhex(_spdx_sha256(path, doc))).decode("ascii")
    if not isinstance(doc, dict) or doc.get("bomFormat") != "CycloneDX":
        raise ExpectError(
            f"{path}: --expect takes the built zip, or a CycloneDX or SPDX JSON SBOM of it"
        )
    metadata = doc.get("metadata")
    component = metadata.get("component") if isinstance(metadata, dict) else None
    if not isinstance(component, dict):
        component = {}
    hexes = _sha256_values(component)
    if not hexes:
        children = component.get("components")
        nested = (
            [c for c in children or () if _sha256_values(c)] if isinstance(children, list) else []
        )
        if len(nested) > 1:
            raise ExpectError(
                f"{path}: the SBOM describes {len(nested)} artifacts; --expect needs one"
            )
        hexes = _sha256_values(nested[0]) if nested else []
    if not hexes:
        raise ExpectError(f"{path}: the SBOM's metadata.component has no SHA-256 hash")
    return base64.b64encode(bytes.fromhex(hexes[0])).decode("ascii")


def _sha256_values(component: Any) -> list[str]:
    if not isinstance(component, dict):
        return []
    out: list[str] = []
    entries = component.get("hashes")
    for entry in entries if isinstance(entries, list) else ():
        if not isinstance(entry, dict) or entry.get("alg") != "SHA-256":
            continue
        content = str(entry.get("content", "")).strip().lower()
        if _is_sha256_hex(content):
            out.append(content)
    return out


def _spdx_sha256(path: Path, doc: dict[str, Any]) -> str:
    described = {
        rel.get("relatedSpdxElement")
        for rel in doc.get("relationships") or ()
        if isinstance(rel, dict)
        and rel.get("spdxElementId") == "SPDXRef-DOCUMENT"
        and rel.get("relationshipType") == "DESCRIBES"
    }
    extra = doc.get("documentDescribes")
    if isinstance(extra, list):
        described.update(str(item) for item in extra)
    hexes: list[str] = []
    for pkg in doc.get("packages") or ():
        if not isinstance(pkg, dict) or pkg.get("SPDXID") not in described:
            continue
        for checksum in pkg.get("checksums") or ():
            if isinstance(checksum, dict) and checksum.get("algorithm") == "SHA256":
                value = str(checksum.get("checksumValue", "")).strip().lower()
                if _is_sha256_hex(value):
                    hexes.append(value)
    if len(hexes) != 1:
        found = "no" if not hexes else str(len(hexes))
        raise ExpectError(
            f"{path}: the SPDX document describes {found} artifact with a SHA256; "
            "--expect needs exactly one"
        )
    return hexes[0]


def _is_sha256_hex(value: str) -> bool:
    return len(value) == 64 and all(ch in "0123456789abcdef" for ch in value)
