"""``wellcheck inventory`` output: a plain table or a JSON listing (no SBOM library).

JSON shape (stable; new keys may be added)::

    {"version": 1, "tool": {...},
     "artifacts": [{"artifact": {path, kind, sha256, size, layers, python_version, warnings},
                    "components": [{name, version, purl, location, kind, layer, ...}],
                    "not_scanned": ["nested.zip: reason", ...]}]}
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from wellcheck import __version__
from wellcheck.escape import json_safe, visible
from wellcheck.models import Component
from wellcheck.sbom.graph import sort_key

if TYPE_CHECKING:
    from wellcheck.pipeline import Inventory

LISTING_VERSION = 1


def inventory_dict(inventories: Sequence[Inventory]) -> dict[str, Any]:
    return {
        "version": LISTING_VERSION,
        "tool": {"name": "wellcheck", "version": __version__},
        "artifacts": [
            {
                "artifact": inv.artifact.as_dict(),
                "components": [component_dict(c) for c in sorted(inv.components, key=sort_key)],
                "not_scanned": list(inv.not_scanned),
            }
            for inv in inventories
        ],
    }


def render_inventory_json(inventories: Sequence[Inventory]) -> str:
    return json_safe(json.dumps(inventory_dict(inventories), indent=2, ensure_ascii=False)) + "\n"


def component_dict(c: Component) -> dict[str, Any]:
    return {
        "name": c.name,
        "display_name": c.display_name or c.name,
        "version": c.version,
        "version_is_pep440": c.version_is_pep440,
        "purl": c.purl or None,
        "location": c.display_location,
        "kind": c.kind.value,
        "layer": c.layer,
        "site_root": c.site_root,
        "python_version": c.python_version,
        "vendored_by": c.vendored_by,
        "summary": c.summary,
        "license_expression": c.license_expression,
        "licenses": list(c.licenses),
        "authors": [str(p) for p in c.authors if str(p)],
        "maintainers": [str(p) for p in c.maintainers if str(p)],
        "project_urls": [{"label": label, "url": url} for label, url in c.project_urls],
        "requires_dist": list(c.requires_dist),
        "requires_python": c.requires_python,
        "hashes": [{"alg": alg, "value": value} for alg, value in c.hashes],
        "installer": c.installer,
        "top_level": list(c.top_level),
        "direct_url": c.direct_url,
        "warnings": list(c.warnings),
        "bundled": [
            {"purl": b.purl, "name": b.name, "version": b.version, "sbom": b.sbom, "scope": b.scope}
            for b in c.bundled
        ],
    }


def render_inventory_table(inventories: Sequence[Inventory]) -> str:
    """One block per artifact: a header line, then name, version, kind, location.

    Every cell is :func:`~wellcheck.escape.visible`: names, versions and locations come
    from the artifact and may hold terminal controls or bidi overrides.
    """
    blocks: list[str] = []
    for inv in inventories:
        info = inv.artifact
        count = len(inv.components)
        plural = "s" if count != 1 else ""
        lines = [f"{visible(info.path)} ({visible(info.kind)}): {count} component{plural}"]
        rows = [
            (
                visible(c.display_name or c.name),
                visible(c.version or "-"),
                c.kind.value,
                visible(_where(c)),
            )
            for c in sorted(inv.components, key=sort_key)
        ]
        if rows:
            header = ("NAME", "VERSION", "KIND", "LOCATION")
            widths = [max(len(r[i]) for r in (header, *rows)) for i in range(3)]
            for row in (header, *rows):
                cells = [cell.ljust(widths[i]) for i, cell in enumerate(row[:3])]
                lines.append("  ".join([*cells, row[3]]).rstrip())
        lines += [f"not scanned: {visible(item)}" for item in inv.not_scanned]
        lines += [f"warning: {visible(w)}" for w in info.warnings]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def _where(c: Component) -> str:
    where = c.display_location
    if c.layer:
        where += f" [layer {c.layer[:19]}]"
    if c.vendored_by:
        where += f" (vendored by {c.vendored_by})"
    return where
