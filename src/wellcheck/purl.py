"""Package URLs for PyPI components (https://github.com/package-url/purl-spec)."""

from __future__ import annotations

from functools import lru_cache

from packageurl import PackageURL


@lru_cache(maxsize=4096)
def pypi_purl(canonical_name: str, version: str) -> str:
    """``pkg:pypi/name@version``; the purl spec wants the PEP 503 name."""
    return PackageURL(type="pypi", name=canonical_name, version=version or None).to_string()
