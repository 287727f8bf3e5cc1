"""Licence declarations sorted into SPDX ids, one expression, or names."""

from __future__ import annotations

import pytest
from sbom_factories import dist

from wellcheck.sbom.licenses import declared_licenses, fixup_id, is_expression


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("MIT", True),
        ("MIT OR Apache-2.0", True),
        ("(MIT OR Apache-2.0) AND BSD-3-Clause", True),
        ("GPL-2.0-or-later WITH Classpath-exception-2.0", True),
        ("GPL-2.0+", True),
        ("LicenseRef-Proprietary", False),  # an SPDX document would have to define it
        ("Classpath-exception-2.0", False),
        ("Apache-2.0 OR BSD-2-Clause", True),
        ("MIT or Apache-2.0", False),  # operators are upper case
        ("MIT OR", False),
        ("(MIT OR Apache-2.0", False),
        ("MIT Apache-2.0", False),
        ("Apache 2.0", False),
        ("BSD", False),
        ("MIT WITH MIT", False),
        ("", False),
    ],
)
def test_expressions_agree_with_license_expression(value: str, expected: bool) -> None:
    from cyclonedx.spdx import is_expression as reference

    assert is_expression(value) is expected
    if expected:  # anything we accept, the reference parser accepts too
        assert reference(value)


def test_ids_are_fixed_up_case_insensitively() -> None:
    assert fixup_id("mit") == "MIT"
    assert fixup_id("apache-2.0") == "Apache-2.0"
    assert fixup_id("Apache 2.0") is None


@pytest.mark.parametrize(
    ("licenses", "expression", "ids", "names"),
    [
        (("MIT OR Apache-2.0",), "MIT OR Apache-2.0", (), ()),
        (("MIT", "License :: OSI Approved :: MIT License"), None, ("MIT",), ()),
        (("BSD",), None, (), ("BSD",)),
        (("License :: OSI Approved :: BSD License",), None, (), ("BSD License",)),
        (("UNKNOWN", "License :: OSI Approved"), None, (), ()),
    ],
)
def test_declarations(
    licenses: tuple[str, ...], expression: str | None, ids: tuple[str, ...], names: tuple[str, ...]
) -> None:
    declared = declared_licenses(dist("x", "1", licenses=licenses))
    assert declared.expression == expression
    assert declared.ids == ids
    assert tuple(name for name, _ in declared.names) == names


def test_license_expression_field_wins() -> None:
    declared = declared_licenses(dist("x", "1", license_expression="MIT", licenses=("BSD",)))
    assert declared.expression == "MIT"
    assert declared.spdx_declared() == "MIT"
