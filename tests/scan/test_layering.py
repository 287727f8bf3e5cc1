"""The scan package imports downwards only (no circles between its modules).

Every ``wellcheck.scan.*`` import in a module, also those inside functions, must name a
module listed above it in ``wellcheck/scan/__init__.py``'s order.
"""

from __future__ import annotations

import ast
from pathlib import Path

import wellcheck.scan

ORDER = ("shard", "options", "checks", "sbom", "target", "workers", "remote", "run")
PACKAGE = Path(wellcheck.scan.__file__).parent


def _scan_imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for name in names:
            if name.startswith("wellcheck.scan."):
                found.add(name.split(".")[2])
            elif name == "wellcheck.scan":
                found.add("__init__")
    return found


def test_every_module_is_in_the_documented_order() -> None:
    modules = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__"}
    assert modules == set(ORDER)
    doc = wellcheck.scan.__doc__ or ""
    positions = [doc.index(f"``{name}``") for name in ORDER]
    assert positions == sorted(positions)


def test_scan_modules_import_downwards_only() -> None:
    for position, name in enumerate(ORDER):
        allowed = set(ORDER[:position])
        imported = _scan_imports(PACKAGE / f"{name}.py")
        assert imported <= allowed, f"scan/{name}.py imports {sorted(imported - allowed)}"


def test_nothing_outside_the_package_is_imported_by_it_upwards() -> None:
    """Signals, inventory, artifact readers never import the orchestration."""
    src = PACKAGE.parent
    for path in src.rglob("*.py"):
        if PACKAGE in path.parents or path.parent.name == "cli":
            continue
        assert not _scan_imports(path), f"{path.relative_to(src)} imports wellcheck.scan"
