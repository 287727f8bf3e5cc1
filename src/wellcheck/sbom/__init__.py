"""SBOM output: CycloneDX (JSON/XML, 1.5/1.6) and SPDX 2.3 JSON.

Importing this package is cheap: cyclonedx-python-lib is imported only when a
CycloneDX document is built, rendered or validated.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from enum import StrEnum
from typing import TYPE_CHECKING

from wellcheck.errors import OutputError
from wellcheck.models import Finding

if TYPE_CHECKING:
    from cyclonedx.model.bom import Bom

    from wellcheck.pipeline import Inventory

__all__ = [
    "SPEC_VERSIONS",
    "SbomFormat",
    "build_cyclonedx",
    "render_cyclonedx",
    "render_sbom",
    "render_spdx",
    "validate_sbom",
]

SPEC_VERSIONS = ("1.5", "1.6")


class SbomFormat(StrEnum):
    CYCLONEDX_JSON = "cyclonedx-json"
    CYCLONEDX_XML = "cyclonedx-xml"
    SPDX_JSON = "spdx-json"

    @property
    def suffix(self) -> str:
        """File suffix for one SBOM per artifact (``demo.zip`` -> ``demo.zip.cdx.json``)."""
        return {"cyclonedx-json": ".cdx.json", "cyclonedx-xml": ".cdx.xml"}.get(
            self.value, ".spdx.json"
        )


def build_cyclonedx(
    inventories: Sequence[Inventory],
    *,
    spec: str = "1.6",
    reproducible: bool = False,
    findings: Sequence[Sequence[Finding]] = (),
) -> Bom:
    """A cyclonedx-python-lib ``Bom`` for ``inventories`` (see ``wellcheck.sbom.cyclonedx``)."""
    from wellcheck.sbom import cyclonedx

    return cyclonedx.build_cyclonedx(
        inventories, spec=spec, reproducible=reproducible, findings=findings
    )


def render_cyclonedx(bom: Bom, fmt: str = "json", spec: str = "1.6") -> str:
    from wellcheck.sbom import cyclonedx

    return cyclonedx.render_cyclonedx(bom, fmt, spec)


def render_spdx(inventories: Sequence[Inventory], *, reproducible: bool = False) -> str:
    from wellcheck.sbom import spdx

    return spdx.render_spdx(inventories, reproducible=reproducible)


def render_sbom(
    inventories: Sequence[Inventory],
    fmt: SbomFormat | str,
    *,
    spec: str = "1.6",
    reproducible: bool = False,
    findings: Sequence[Sequence[Finding]] = (),
    validate: bool = False,
) -> str:
    """One SBOM document for ``inventories``; with ``validate``, schema-checked first.

    Raises OutputError for an unknown format or version, or an invalid document.
    """
    try:
        fmt = SbomFormat(fmt)
    except ValueError:
        choices = ", ".join(f.value for f in SbomFormat)
        raise OutputError(f"unknown SBOM format {fmt!r} (choose {choices})") from None
    if spec not in SPEC_VERSIONS:
        raise OutputError(f"unsupported CycloneDX version {spec!r} (choose 1.5, 1.6)")
    if fmt is SbomFormat.SPDX_JSON:
        text = render_spdx(inventories, reproducible=reproducible)
    else:
        encoding = "json" if fmt is SbomFormat.CYCLONEDX_JSON else "xml"
        bom = build_cyclonedx(inventories, spec=spec, reproducible=reproducible, findings=findings)
        text = render_cyclonedx(bom, encoding, spec)
    if validate:
        validate_sbom(text, fmt, spec=spec)
    return text


def validate_sbom(text: str, fmt: SbomFormat | str, *, spec: str = "1.6") -> None:
    """Raise OutputError unless ``text`` is a valid SBOM of ``fmt``."""
    fmt = SbomFormat(fmt)
    if fmt is SbomFormat.SPDX_JSON:
        from wellcheck.sbom.spdx import check_spdx

        try:
            errors = check_spdx(json.loads(text))
        except json.JSONDecodeError as exc:
            raise OutputError(f"SPDX document is not JSON: {exc}") from exc
        if errors:
            raise OutputError(f"SPDX document is invalid: {errors[0]}")
        return
    from wellcheck.sbom.validation import validate_cyclonedx

    encoding = "json" if fmt is SbomFormat.CYCLONEDX_JSON else "xml"
    error = validate_cyclonedx(text, encoding, spec)
    if error:
        raise OutputError(f"CycloneDX {spec} {encoding} failed schema validation: {error}")
