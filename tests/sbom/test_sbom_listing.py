"""``wellcheck inventory`` views: the JSON listing and the table."""

from __future__ import annotations

import json

from sbom_factories import demo_components, demo_inventory

from wellcheck.models import ArtifactInfo
from wellcheck.pipeline import Inventory
from wellcheck.sbom.listing import render_inventory_json, render_inventory_table


def test_json_lists_each_artifact_with_its_components_and_what_was_not_scanned() -> None:
    inv = Inventory(demo_inventory().artifact, demo_components(), ("inner.zip: depth limit",))
    doc = json.loads(render_inventory_json([inv]))
    (entry,) = doc["artifacts"]
    assert entry["artifact"]["path"] == "dist/demo-layer.zip"
    assert entry["artifact"]["kind"] == "lambda-layer"
    assert entry["not_scanned"] == ["inner.zip: depth limit"]
    requests = next(c for c in entry["components"] if c["name"] == "requests")
    assert requests["version"] == "2.31.0"
    assert requests["purl"] == "pkg:pypi/requests@2.31.0"
    assert requests["location"].endswith("requests-2.31.0.dist-info")
    assert requests["kind"] == "dist-info"
    assert requests["layer"] is None
    unclaimed = next(c for c in entry["components"] if c["kind"] == "unclaimed")
    assert unclaimed["purl"] is None
    assert [c["location"] for c in entry["components"]] == sorted(
        c["location"] for c in entry["components"]
    )


def test_table_shows_name_version_kind_location() -> None:
    text = render_inventory_table([demo_inventory()])
    lines = text.splitlines()
    assert lines[0] == "dist/demo-layer.zip (lambda-layer): 10 components"
    assert lines[1].split() == ["NAME", "VERSION", "KIND", "LOCATION"]
    row = next(line for line in lines if line.startswith("requests "))
    assert row.split()[:3] == ["requests", "2.31.0", "dist-info"]
    assert "(vendored by pip)" in next(line for line in lines if line.startswith("packaging"))


def test_table_of_an_empty_artifact() -> None:
    text = render_inventory_table([Inventory(ArtifactInfo("empty.zip", "zip"), (), ())])
    assert text == "empty.zip (zip): 0 components\n"
