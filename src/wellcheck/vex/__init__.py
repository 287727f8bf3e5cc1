"""VEX given to ``scan --vex FILE``: OpenVEX or CycloneDX VEX (JSON).

``load_vex`` reads one document (``openvex.py``, ``cyclonedx.py``) into statements;
``apply_vex`` moves the findings they clear to ``ignored``, with the statement as the
reason, exactly as an ignore entry does (``policy.apply_ignores`` runs first).  A
document that cannot be read, is not JSON, is neither format, or breaks a rule that
decides what a statement means raises :class:`VexError` (a usage error, exit 2, before
any artifact is opened).
"""

from __future__ import annotations

import json
from pathlib import Path

from wellcheck.artifact.limits import DEFAULT_LIMITS
from wellcheck.vex.apply import apply_vex
from wellcheck.vex.cyclonedx import is_cyclonedx, parse_cyclonedx
from wellcheck.vex.model import (
    SUPPRESSING_STATES,
    Node,
    Target,
    VexDocument,
    VexError,
    VexStatement,
)
from wellcheck.vex.openvex import is_openvex, parse_openvex

__all__ = [
    "SUPPRESSING_STATES",
    "Target",
    "VexDocument",
    "VexError",
    "VexStatement",
    "apply_vex",
    "load_vex",
    "parse_vex",
]

MAX_VEX_BYTES = DEFAULT_LIMITS.max_metadata_size


def load_vex(path: Path) -> VexDocument:
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_VEX_BYTES + 1)
    except OSError as exc:
        raise VexError(f"cannot read VEX file {path}: {exc.strerror or exc}") from exc
    if len(data) > MAX_VEX_BYTES:
        raise VexError(f"VEX file {path} is larger than {MAX_VEX_BYTES} bytes")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise VexError(f"VEX file {path} is not UTF-8: {exc.reason} at byte {exc.start}") from None
    return parse_vex(text, str(path))


def parse_vex(text: str, source: str) -> VexDocument:
    """An OpenVEX document or a CycloneDX BOM (JSON) as statements."""
    if text.lstrip().startswith("<"):
        raise VexError(f"VEX file {source}: XML is not read; give CycloneDX VEX as JSON")
    try:
        document = json.loads(text)
    except ValueError as exc:  # JSONDecodeError, or an integer past int_max_str_digits
        raise VexError(f"VEX file {source} is not JSON: {exc}") from None
    except RecursionError:  # json.loads recurses once per nesting level
        raise VexError(f"VEX file {source}: JSON nested too deeply") from None
    root = Node(document, source, "$")
    if is_openvex(document):
        return parse_openvex(root)
    if is_cyclonedx(document):
        return parse_cyclonedx(root)
    raise VexError(
        f"VEX file {source} is neither an OpenVEX document (@context https://openvex.dev/ns...) "
        "nor a CycloneDX BOM (bomFormat CycloneDX)"
    )
