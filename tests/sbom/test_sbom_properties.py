"""Property test: whatever text package metadata holds, the SBOM stays schema-valid."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sbom_factories import dist

from wellcheck.models import ArtifactInfo, Person
from wellcheck.pipeline import Inventory
from wellcheck.sbom import build_cyclonedx, render_cyclonedx
from wellcheck.sbom.cyclonedx import validate_cyclonedx

text = st.text(max_size=40)
# URL tails from characters that are awkward for IRIs and XML
_URL_CHARS = "aZ09-._~:/?#[]@!$&'()*+,;=% \"<>\\^`{|}\x7f\x80\x85\xa0\u00e9\u4f8b\u2028\ufdd0\ufffd"
url = st.builds(
    lambda tail: f"https://example.org/{tail}", st.text(alphabet=_URL_CHARS, max_size=40)
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    version=text,
    summary=text,
    licenses=st.lists(text, max_size=2),
    author=st.tuples(st.none() | text, st.none() | text),
    urls=st.lists(st.tuples(text, url), max_size=2),
    requires=st.lists(text, max_size=2),
    spec=st.sampled_from(["1.5", "1.6"]),
)
def test_any_metadata_text_gives_a_valid_sbom(
    version: str,
    summary: str,
    licenses: list[str],
    author: tuple[str | None, str | None],
    urls: list[tuple[str, str]],
    requires: list[str],
    spec: str,
) -> None:
    component = dist(
        "x",
        version,
        summary=summary,
        licenses=tuple(licenses),
        authors=(Person(*author),),
        maintainers=(Person(*author),),
        project_urls=tuple(urls),
        requires_dist=tuple(requires),
    )
    inventories = [Inventory(ArtifactInfo("fn.zip", "lambda-zip"), (component,), ())]
    bom = build_cyclonedx(inventories, spec=spec)
    for fmt in ("json", "xml"):
        rendered = render_cyclonedx(bom, fmt, spec)
        assert validate_cyclonedx(rendered, fmt, spec) is None
