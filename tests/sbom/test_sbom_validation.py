"""`--validate`: a real schema validation of CycloneDX documents, and a fast one.

Every broken document here is also rejected by cyclonedx-python-lib's own
validator (the code `--validate` used before), except the URL cases, whose oracle
is rfc3987_syntax itself (see test_sbom_iri.py): the library's URL check is that
parser, imported lazily when our validation imported jsonschema first.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sbom_factories import demo_inventory

from wellcheck.errors import OutputError
from wellcheck.models import ArtifactInfo, Component, ComponentKind
from wellcheck.pipeline import Inventory
from wellcheck.sbom import render_sbom, validate_sbom

Doc = dict[str, Any]


def demo_doc(spec: str = "1.6") -> Doc:
    return json.loads(render_sbom([demo_inventory()], "cyclonedx-json", spec=spec))  # type: ignore[no-any-return]


def named(doc: Doc, name: str) -> Doc:
    return next(c for c in doc["components"] if c["name"] == name)  # type: ignore[no-any-return]


def set_url(url: str) -> Callable[[Doc], None]:
    def edit(doc: Doc) -> None:
        named(doc, "requests")["externalReferences"][0]["url"] = url

    return edit


def library_error(doc: Doc, spec: str) -> object:
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    return JsonStrictValidator(SchemaVersion.from_version(spec)).validate_str(json.dumps(doc))


def rejected(doc: Doc, spec: str = "1.6") -> str:
    with pytest.raises(OutputError) as caught:
        validate_sbom(json.dumps(doc), "cyclonedx-json", spec=spec)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"CycloneDX {spec} json failed schema validation: ")
    return message


@pytest.mark.parametrize("spec", ["1.5", "1.6"])
@pytest.mark.parametrize("fmt", ["cyclonedx-json", "cyclonedx-xml"])
def test_a_valid_document_passes(spec: str, fmt: str) -> None:
    validate_sbom(render_sbom([demo_inventory()], fmt, spec=spec), fmt, spec=spec)


SCHEMA_BREAKS: list[tuple[str, Callable[[Doc], None], str]] = [
    (
        "field of the wrong type",
        lambda d: named(d, "idna").update(version=3.6),
        "3.6 is not of type 'string' at $.components[",
    ),
    (
        "missing required field",
        lambda d: named(d, "idna").pop("name"),
        "'name' is a required property at $.components[",
    ),
    (
        "invalid enum value",
        lambda d: named(d, "idna").update(type="gadget"),
        "'gadget' is not one of ['application', ",
    ),
    (
        "unknown property (strict schema)",
        lambda d: d["metadata"].update(colour="blue"),
        "Additional properties are not allowed ('colour' was unexpected) at $.metadata",
    ),
    (
        "timestamp that is no date-time",
        lambda d: d["metadata"].update(timestamp="yesterday"),
        "'yesterday' is not a 'date-time' at $.metadata.timestamp",
    ),
    (
        "email that is no email",
        lambda d: named(d, "idna")["supplier"]["contact"][0].update(email="nobody"),
        "'nobody' is not a 'idn-email' at $.components[",
    ),
]


@pytest.mark.parametrize("spec", ["1.5", "1.6"])
@pytest.mark.parametrize(
    ("edit", "expected"),
    [(edit, expected) for _, edit, expected in SCHEMA_BREAKS],
    ids=[case for case, _, _ in SCHEMA_BREAKS],
)
def test_a_schema_violation_is_one_clear_line(
    spec: str, edit: Callable[[Doc], None], expected: str
) -> None:
    doc = demo_doc(spec)
    edit(doc)
    assert expected in rejected(doc, spec)
    assert library_error(doc, spec) is not None  # the library's validator agrees


@pytest.mark.parametrize(
    "url",
    [
        "http://[bad",
        "https://exa mple.org/",
        "https://example.org/a%zz",
        "https://example.org/<tag>",
        "https://example.org/a#b#c",
        "http://host:80:80/",
    ],
)
def test_a_malformed_url_is_rejected(url: str) -> None:
    doc = demo_doc()
    set_url(url)(doc)
    message = rejected(doc)
    assert ".externalReferences[0].url" in message
    assert repr(url) in message


@pytest.mark.parametrize(
    "url",
    [
        "https://github.com/psf/requests",
        "https://example.org/caf\u00e9?q=\u4f8b#top",  # an IRI, not just a URI
        "https://example.org/\U0001f40d",  # beyond the BMP: RFC 3987 ucschar
        "http://[::1]:8080/status",  # a compressed IPv6 literal
        "mailto:maintainers@example.org",
        "../relative/reference",
        "urn:cdx:3e671687-395b-41f5-a30f-a58921a69b79/1#ref",
    ],
)
def test_a_wellformed_url_passes(url: str) -> None:
    doc = demo_doc()
    set_url(url)(doc)
    validate_sbom(json.dumps(doc), "cyclonedx-json")


def test_text_that_is_not_json_or_not_xml_is_rejected_in_one_line() -> None:
    with pytest.raises(OutputError, match=r"json failed schema validation: not JSON: "):
        validate_sbom('{"bomFormat": ', "cyclonedx-json")
    with pytest.raises(OutputError, match=r"xml failed schema validation: not well-formed XML"):
        validate_sbom("<bom", "cyclonedx-xml")


def test_an_xml_schema_violation_is_rejected() -> None:
    text = render_sbom([demo_inventory()], "cyclonedx-xml")
    broken = text.replace('type="library"', 'type="gadget"', 1)
    assert broken != text
    with pytest.raises(OutputError, match="gadget") as caught:
        validate_sbom(broken, "cyclonedx-xml")
    assert "\n" not in str(caught.value)


def test_an_unknown_version_or_encoding_is_an_error() -> None:
    from wellcheck.sbom.validation import validate_cyclonedx

    with pytest.raises(OutputError, match=r"unsupported CycloneDX version '1\.4'"):
        validate_cyclonedx("{}", "json", "1.4")
    with pytest.raises(OutputError, match="unsupported CycloneDX encoding 'yaml'"):
        validate_cyclonedx("{}", "yaml", "1.6")


def many_components(count: int) -> Inventory:
    site = "python/lib/python3.12/site-packages"
    components = tuple(
        Component(
            name=f"package-{i}",
            version=f"1.{i}.0",
            kind=ComponentKind.DIST_INFO,
            location=f"{site}/package_{i}-1.{i}.0.dist-info",
            site_root=site,
            project_urls=(
                ("Homepage", f"https://package-{i}.example.org/"),
                ("Source", f"https://github.com/example/package-{i}"),
                ("Issues", f"https://github.com/example/package-{i}/issues?q=is%3Aopen"),
                ("Documentation", f"https://package-{i}.readthedocs.io/en/latest/#intro"),
            ),
        )
        for i in range(count)
    )
    return Inventory(ArtifactInfo("big.zip", "lambda-zip"), components, ())


def test_validating_a_big_sbom_takes_well_under_seconds() -> None:
    # 500 components, 2000 URLs: ~35 s with the library's Earley-parsed iri check
    text = render_sbom([many_components(500)], "cyclonedx-json")
    assert text.count('"url"') == 2000
    validate_sbom(text, "cyclonedx-json")  # the validator is built once, then kept
    start = time.perf_counter()
    validate_sbom(text, "cyclonedx-json")
    assert time.perf_counter() - start < 5


def test_validation_does_not_build_the_earley_parsers() -> None:
    """A fresh `--validate` does not pay ~1 s for rfc3987_syntax, which stays importable."""
    script = (
        "import sys\n"
        "from wellcheck.sbom import render_sbom, validate_sbom\n"
        "from wellcheck.models import ArtifactInfo\n"
        "from wellcheck.pipeline import Inventory\n"
        "text = render_sbom([Inventory(ArtifactInfo('a.zip', 'lambda-zip'), (), ())],"
        " 'cyclonedx-json')\n"
        "validate_sbom(text, 'cyclonedx-json')\n"
        "print('rfc3987_syntax' in sys.modules)\n"
        "import rfc3987_syntax\n"
        "print(rfc3987_syntax.is_valid_syntax('iri', 'https://example.org/'))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.split() == ["False", "True"]


_GLOBAL_CHECKERS = """
import json, sys
import jsonschema
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
doc = {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
       "externalReferences": [{"type": "website", "url": "http://exa mple.com/<>"}]}
good = dict(doc, externalReferences=[{"type": "website", "url": "https://example.org/caf\u00e9"}])
checkers = {
    "draft7": jsonschema.Draft7Validator.FORMAT_CHECKER,
    "draft201909": jsonschema.Draft201909Validator.FORMAT_CHECKER,
    "draft202012": jsonschema.Draft202012Validator.FORMAT_CHECKER,
    "default": jsonschema.FormatChecker(),
}
values = ["http://exa mple.com/<>", "https://example.org/a#b#c", "../rel", "mailto:a@b", 7, None]
library = JsonStrictValidator(SchemaVersion.V1_6)
print(json.dumps({
    "bad": library.validate_str(json.dumps(doc)) is not None,
    "good": library.validate_str(json.dumps(good)) is None,
    "formats": {k: sorted(c.checkers) for k, c in checkers.items()},
    "raises": {k: [getattr(c.checkers.get(f, (0, 0))[1], "__name__", None)
                   for f in ("iri", "iri-reference")]
               for k, c in checkers.items()},
    "verdicts": {k: [[c.conforms(v, f) for v in values] for f in ("iri", "iri-reference")]
                 for k, c in checkers.items()},
}))
"""


def _global_checkers(validate_first: bool) -> dict[str, Any]:
    first = ""
    if validate_first:  # wellcheck validates (and imports jsonschema) before the library runs
        first = (
            "from wellcheck.sbom.validation import validate_cyclonedx\n"
            "assert validate_cyclonedx('{}', 'json', '1.6') is not None\n"
            "assert 'rfc3987_syntax' not in sys.modules\n"
        )
    script = "import sys\n" + first + _GLOBAL_CHECKERS
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def test_other_validators_keep_their_iri_checks_after_ours() -> None:
    """jsonschema imported by us (without rfc3987_syntax) still gives the library's own
    validator, and every global format checker, the verdicts of a process without us."""
    after_ours = _global_checkers(validate_first=True)
    assert after_ours["bad"] is True  # 'http://exa mple.com/<>' is rejected
    assert after_ours["good"] is True
    assert after_ours == _global_checkers(validate_first=False)
    assert all(raises == ["ValueError", "ValueError"] for raises in after_ours["raises"].values())


@pytest.mark.parametrize("spec", ["1.5", "1.6"])
def test_a_repeated_component_is_rejected(spec: str) -> None:
    doc = demo_doc(spec)
    doc["components"].append(doc["components"][2])
    message = rejected(doc, spec)
    last = len(doc["components"]) - 1
    assert f"array has non-unique elements: [{last}] repeats [2] at $.components" in message
    assert library_error(doc, spec) is not None


_SCALARS = st.sampled_from([0, 1, 1.0, 0.0, -0.0, 2, True, False, None, "", "1", "a"])
json_values = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["a", "b"]), inner, max_size=2)
    ),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(json_values, max_size=5))
def test_unique_items_agrees_with_jsonschema(values: list[object]) -> None:
    """Same verdict as jsonschema's own (quadratic) uniqueItems: 1 == 1.0, true != 1."""
    from jsonschema import Draft7Validator

    from wellcheck.sbom.validation import _unique_items

    ours = not list(_unique_items(None, True, values, {}))
    assert ours == Draft7Validator({"uniqueItems": True}).is_valid(values)
