"""The bundled demo artifacts (fixtures/build.py), read for real and written in
every SBOM flavour, each checked by the library's validator; plus a golden
reproducible SBOM of the demo function zip."""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path
from types import ModuleType

import pytest

from wellcheck.pipeline import Inventory, inventory_artifact
from wellcheck.sbom import render_sbom, validate_sbom

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden"


def _builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "wellcheck_fixture_build", ROOT / "fixtures" / "build.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Inventory]:
    paths: dict[str, Path] = _builder().build_all(tmp_path_factory.mktemp("demo"))
    return {name: inventory_artifact(str(path)) for name, path in sorted(paths.items())}


@pytest.mark.parametrize(
    ("fmt", "spec"),
    [
        ("cyclonedx-json", "1.6"),
        ("cyclonedx-json", "1.5"),
        ("cyclonedx-xml", "1.6"),
        ("cyclonedx-xml", "1.5"),
        ("spdx-json", "1.6"),
    ],
)
def test_every_demo_artifact_sbom_validates(
    demo: dict[str, Inventory], fmt: str, spec: str
) -> None:
    assert demo
    for inv in demo.values():
        assert inv.components, inv.artifact.path
        validate_sbom(render_sbom([inv], fmt, spec=spec), fmt, spec=spec)
    validate_sbom(render_sbom(list(demo.values()), fmt, spec=spec), fmt, spec=spec)


def test_demo_spdx_passes_the_official_spdx_tools(
    demo: dict[str, Inventory], tmp_path: Path
) -> None:
    from sbom_factories import spdx_tools_errors

    assert spdx_tools_errors(render_sbom(list(demo.values()), "spdx-json"), tmp_path) == []


def test_demo_image_components_carry_their_layer(demo: dict[str, Inventory]) -> None:
    image = next(inv for inv in demo.values() if inv.artifact.layers)
    doc = json.loads(render_sbom([image], "cyclonedx-json"))
    assert doc["metadata"]["component"]["type"] == "container"
    layered = [
        c
        for c in doc["components"]
        if any(p["name"] == "wellcheck:layer" for p in c.get("properties", []))
    ]
    assert layered


def test_golden_demo_function(demo: dict[str, Inventory], monkeypatch: pytest.MonkeyPatch) -> None:
    """Regenerate with WELLCHECK_REGEN_GOLDEN=1 when the inventory changes on purpose."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    function = next(inv for inv in demo.values() if inv.artifact.path.endswith("demo-function.zip"))
    # the artifact path is a temporary directory: describe it by its name only
    text = render_sbom([function], "cyclonedx-json", reproducible=True)
    path = GOLDEN / "demo-function.cdx-1.6.json"
    if os.environ.get("WELLCHECK_REGEN_GOLDEN") == "1":
        path.write_bytes(text.encode("utf-8"))
    assert path.is_file(), f"missing {path}; run with WELLCHECK_REGEN_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8")
