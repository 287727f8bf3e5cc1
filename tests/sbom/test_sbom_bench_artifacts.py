"""SBOMs of the real artifacts bench/ builds from PyPI, checked by the library's
validators (and the official SPDX tools).  Opt-in: the artifacts exist only after
the benchmark ran, and JSON validation of ~450 URLs takes ~10 s (the schema's
iri-reference check).  Run with ``WELLCHECK_BENCH_SBOM=1``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sbom_factories import spdx_tools_errors

from wellcheck.pipeline import inventory_artifact
from wellcheck.sbom import render_sbom, validate_sbom

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
