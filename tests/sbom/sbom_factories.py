"""Hand-made inventories (real package names and versions) for the SBOM tests."""

from __future__ import annotations

from pathlib import Path

from wellcheck.models import ArtifactInfo, Component, ComponentKind, Finding, Person, Severity
from wellcheck.pipeline import Inventory

SITE = "python/lib/python3.12/site-packages"


def dist(name: str, version: str, **kw: object) -> Component:
    kw.setdefault("site_root", SITE)
    kw.setdefault("location", f"{SITE}/{name.replace('-', '_')}-{version}.dist-info")
    return Component(name=name, version=version, kind=ComponentKind.DIST_INFO, **kw)  # type: ignore[arg-type]


def demo_components() -> tuple[Component, ...]:
    """A small layer: requests and its dependencies, a vendored copy, unclaimed code."""
    return (
        dist(
            "requests",
            "2.31.0",
            display_name="requests",
            summary="Python HTTP for Humans.",
            licenses=("Apache 2.0", "License :: OSI Approved :: Apache Software License"),
            authors=(Person("Kenneth Reitz", "me@kennethreitz.org"),),
            project_urls=(
                ("Documentation", "https://requests.readthedocs.io"),
                ("Source", "https://github.com/psf/requests"),
            ),
            requires_dist=(
                "charset-normalizer<4,>=2",
                "idna<4,>=2.5",
                "urllib3<3,>=1.21.1",
                "certifi>=2017.4.17",
                'PySocks!=1.5.7,>=1.5.6; extra == "socks"',
                'chardet<6,>=3.0.2; extra == "use-chardet-on-py3"',
            ),
            requires_python=">=3.7",
            installer="pip",
            top_level=("requests",),
        ),
        dist(
            "idna",
            "3.6",
            display_name="idna",
            license_expression="BSD-3-Clause",
            maintainers=(Person("Kim Davies", "kim+pypi@gumleaf.org"),),
        ),
        dist(
            "urllib3",
            "2.0.7",
            display_name="urllib3",
            licenses=("License :: OSI Approved :: MIT License",),
            maintainers=(Person("Seth Michael Larson", "sethmichaellarson at gmail dot com"),),
            requires_dist=(
                'brotli>=1.0.9; platform_python_implementation == "CPython" and extra == "brotli"',
            ),
        ),
        dist(
            "certifi",
            "2023.7.22",
            display_name="certifi",
            licenses=("MPL-2.0",),
            hashes=(("sha256", "ab" * 32),),
            direct_url="https://files.pythonhosted.org/packages/certifi-2023.7.22-py3-none-any.whl",
        ),
        dist(
            "charset-normalizer",
            "3.3.2",
            display_name="charset-normalizer",
            licenses=("MIT",),
            requires_dist=('unicodedata2; extra == "unicode-backport"',),
        ),
        dist(
            "typing-extensions",
            "4.8.0",
            display_name="typing_extensions",
            licenses=("License :: OSI Approved :: Python Software Foundation License",),
        ),
        dist(
            "pydantic",
            "2.4.2",
            display_name="pydantic",
            license_expression="MIT",
            requires_dist=(
                "annotated-types>=0.4.0",
                "pydantic-core==2.10.1",
                "typing-extensions>=4.6.1",
                'email-validator>=2.0.0; extra == "email"',
            ),
        ),
        Component(
            name="packaging",
            version="21.3",
            kind=ComponentKind.VENDORED,
            location=f"{SITE}/pip/_vendor/vendor.txt",
            site_root=SITE,
            vendored_by="pip",
        ),
        dist("pip", "23.3.1", display_name="pip", licenses=("MIT",)),
        Component(
            name="sitecustomize",
            version="",
            kind=ComponentKind.UNCLAIMED,
            location=f"{SITE}/sitecustomize.py",
            site_root=SITE,
            top_level=("sitecustomize",),
        ),
    )


def demo_inventory(**artifact: object) -> Inventory:
    fields: dict[str, object] = {
        "path": "dist/demo-layer.zip",
        "kind": "lambda-layer",
        "sha256": "cd" * 32,
        "size": 123456,
        "python_version": "3.12",
    }
    fields.update(artifact)
    return Inventory(ArtifactInfo(**fields), demo_components(), ())  # type: ignore[arg-type]


def advisory(**kw: object) -> Finding:
    fields: dict[str, object] = {
        "kind": "advisory",
        "rule": "GHSA-9wx4-h78v-vm56",
        "package": "requests",
        "version": "2.31.0",
        "severity": Severity.MEDIUM,
        "title": "Requests Session object does not verify requests after making first request",
        "location": f"{SITE}/requests-2.31.0.dist-info",
        "id": "GHSA-9wx4-h78v-vm56",
        "aliases": ("CVE-2024-35195",),
        "fixed": "2.32.0",
        "score": 5.6,
    }
    fields.update(kw)
    return Finding(**fields)  # type: ignore[arg-type]


def spdx_tools_errors(text: str, directory: Path) -> list[str]:
    """What the official SPDX tools (spdx-tools, a dev dependency) find wrong."""
    import pytest

    pytest.importorskip("spdx_tools")
    from spdx_tools.spdx.parser.parse_anything import parse_file
    from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

    path = directory / "document.spdx.json"
    path.write_text(text, encoding="utf-8")
    return [m.validation_message for m in validate_full_spdx_document(parse_file(str(path)))]
