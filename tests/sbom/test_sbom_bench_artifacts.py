"""SBOMs of the real artifacts bench/ builds from PyPI, checked against the CycloneDX
schemas (and by the official SPDX tools); every URL in them judged alike by our
IRI pattern and by rfc3987_syntax (the parser jsonschema would use).  Opt-in: the
artifacts exist only after the benchmark ran, and inventorying them takes seconds.
Run with ``WELLCHECK_BENCH_SBOM=1``."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from sbom_factories import spdx_tools_errors

from wellcheck.pipeline import inventory_artifact
from wellcheck.sbom import render_sbom, validate_sbom
from wellcheck.sbom.iri import is_iri_reference

ARTIFACTS = Path(__file__).resolve().parents[2] / "bench" / "out" / "artifacts"
FOUND = (
    sorted(p for p in ARTIFACTS.glob("*") if p.suffix in (".zip", ".tar"))
    if ARTIFACTS.is_dir()
    else []
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get("WELLCHECK_BENCH_SBOM") != "1" or not FOUND,
        reason="opt-in (WELLCHECK_BENCH_SBOM=1) and needs bench/out/artifacts",
    ),
]


@pytest.mark.parametrize("artifact", FOUND, ids=[p.name for p in FOUND])
def test_bench_artifact_sboms_validate(artifact: Path, tmp_path: Path) -> None:
    inventory = inventory_artifact(str(artifact))
    assert inventory.components
    for fmt, spec in (
        ("cyclonedx-json", "1.6"),
        ("cyclonedx-xml", "1.6"),
        ("cyclonedx-xml", "1.5"),
    ):
        validate_sbom(render_sbom([inventory], fmt, spec=spec), fmt, spec=spec)
    assert spdx_tools_errors(render_sbom([inventory], "spdx-json"), tmp_path) == []


@pytest.mark.parametrize("artifact", FOUND, ids=[p.name for p in FOUND])
def test_bench_artifact_urls_agree_with_rfc3987_syntax(artifact: Path) -> None:
    syntax = pytest.importorskip("rfc3987_syntax")
    doc = json.loads(render_sbom([inventory_artifact(str(artifact))], "cyclonedx-json"))
    urls = {ref["url"] for c in doc["components"] for ref in c.get("externalReferences", ())}
    assert urls
    for url in urls:
        assert is_iri_reference(url) == syntax.is_valid_syntax("iri_reference", url), url
