"""Schema validation of rendered CycloneDX documents (JSON and XML, 1.5 and 1.6).

JSON is checked with jsonschema against the schema files cyclonedx-python-lib
ships: the same files, $ref registry, draft-7 keywords and format checks as its
``JsonStrictValidator``, with two replacements that keep the verdicts:

- the URL formats (``iri``, ``iri-reference``, ``uri``, ``uri-reference``) are
  the compiled RFC 3987/3986 patterns of :mod:`wellcheck.sbom.iri`, not
  rfc3987_syntax's Earley parser (which jsonschema is kept from importing);
- ``uniqueItems`` hashes the items instead of comparing every pair.

Kept from rfc3987_syntax, jsonschema registers no iri check on its global
checkers (``Draft7Validator.FORMAT_CHECKER``, the later drafts', the defaults of
``FormatChecker()``): they get stand-ins that import rfc3987_syntax at their
first use, so other validators in the process (the library's own
``JsonStrictValidator``) keep the verdicts they have where wellcheck never ran.

Where the time went before, on the ~120-package bench SBOM (457 URLs): ~1.0 s
importing jsonschema (rfc3987_syntax builds 38 parsers at import) and ~8 s
checking URLs (~17 ms each); now ~0.25 s in all (``bench/validate_bench.py``).
XML is checked by the library's ``XmlValidator`` (libxml2 against the XSD:
a few ms for the same SBOM), as before.

Each validator is built once per (encoding, version) and kept.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wellcheck.errors import OutputError
from wellcheck.sbom import iri

if TYPE_CHECKING:
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.xml import XmlValidator

__all__ = ["validate_cyclonedx"]

SPECS = ("1.5", "1.6")
_SCHEMA_PREFIX = "http://cyclonedx.org/schema/"  # where the bom schemas' $refs point
_URL_FORMATS: dict[str, Callable[[str], bool]] = {
    "iri": iri.is_iri,
    "iri-reference": iri.is_iri_reference,
    "uri": iri.is_uri,
    "uri-reference": iri.is_uri_reference,
}
_MAX_MESSAGE = 300
# the formats jsonschema checks with rfc3987_syntax (its rule names) and the drafts it
# registers them for (jsonschema/_format.py)
_IRI_RULES = {"iri": "iri", "iri-reference": "iri_reference"}
_IRI_DRAFTS = ("draft7", "draft201909", "draft202012")
_IMPORT_LOCK = threading.Lock()


def validate_cyclonedx(text: str, fmt: str = "json", spec: str = "1.6") -> str | None:
    """Schema-check a rendered SBOM; the first error as one line, or None when valid.

    Raises OutputError for an encoding or version we do not write.
    """
    if spec not in SPECS:
        raise OutputError(f"unsupported CycloneDX version {spec!r} (choose {', '.join(SPECS)})")
    if fmt == "json":
        return _json_error(text, spec)
    if fmt == "xml":
        return _xml_error(text, spec)
    raise OutputError(f"unsupported CycloneDX encoding {fmt!r} (choose json, xml)")


def _json_error(text: str, spec: str) -> str | None:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        return f"not JSON: {exc}"
    validator = _json_validator(spec)
    error = _import_jsonschema().exceptions.best_match(validator.iter_errors(document))
    if error is None:
        return None
    message = " ".join(str(error.message).split())
    if len(message) > _MAX_MESSAGE:
        message = f"{message[: _MAX_MESSAGE - 3]}..."
    return f"{message} at {error.json_path}"


def _xml_error(text: str, spec: str) -> str | None:
    try:
        error = _xml_validator(spec).validate_str(text)
    except SyntaxError as exc:  # lxml's XMLSyntaxError: not well-formed
        return f"not well-formed XML: {exc}"
    return None if error is None else " ".join(str(error).split())[:500]


@functools.cache
def _json_validator(spec: str) -> Any:
    """A draft-7 validator for the bom schema of ``spec`` (~0.1 s to build: kept)."""
    jsonschema = _import_jsonschema()
    from cyclonedx.schema import _res  # the library's own schema files
    from referencing import Registry
    from referencing.jsonschema import DRAFT7

    def load(path: str) -> Any:
        with Path(path).open(encoding="utf-8") as handle:
            return json.load(handle)

    referenced = (_res.SPDX_JSON, _res.JSF, _res.CRYPTOGRAPHY_DEFS)
    registry: Registry[Any] = Registry().with_resources(
        (f"{_SCHEMA_PREFIX}{Path(path).name}", DRAFT7.create_resource(load(path)))
        for path in referenced
    )
    schema_file = _res.BOM_JSON_STRICT[_schema_version(spec)]
    if schema_file is None:  # pragma: no cover - 1.5 and 1.6 always have one
        raise OutputError(f"no CycloneDX {spec} JSON schema in cyclonedx-python-lib")
    draft7 = jsonschema.validators.extend(
        jsonschema.Draft7Validator, validators={"uniqueItems": _unique_items}
    )
    return draft7(load(schema_file), registry=registry, format_checker=_format_checker(jsonschema))


def _format_checker(jsonschema: Any) -> Any:
    """Every draft-7 format check jsonschema has, our URL checks in place of its own."""
    checker = jsonschema.FormatChecker(formats=())
    checker.checkers.update(jsonschema.Draft7Validator.FORMAT_CHECKER.checkers)
    for name, check in _URL_FORMATS.items():
        checker.checks(name)(_strings_only(check))
    return checker


def _strings_only(check: Callable[[str], bool]) -> Callable[[object], bool]:
    """A format applies to strings only; other types are the ``type`` keyword's business."""

    def format_check(instance: object) -> bool:
        return not isinstance(instance, str) or check(instance)

    return format_check


def _unique_items(
    validator: Any, unique: object, instance: object, schema: object
) -> Iterator[Any]:
    """``uniqueItems`` in linear time (jsonschema compares every pair of objects: half
    the time of a 500-component SBOM, growing with the square).  Same equality: by
    value, 1 == 1.0, true != 1, key order ignored."""
    if not unique or not isinstance(instance, list):
        return
    seen: dict[object, int] = {}
    for index, item in enumerate(instance):
        first = seen.setdefault(_json_key(item), index)
        if first != index:
            message = f"array has non-unique elements: [{index}] repeats [{first}]"
            yield _import_jsonschema().ValidationError(message)
            return


def _json_key(value: object) -> object:
    """A hashable stand-in for a JSON value; equal keys exactly for equal JSON values."""
    if isinstance(value, dict):
        return ("object", frozenset((key, _json_key(item)) for key, item in value.items()))
    if isinstance(value, list):
        return ("array", tuple(_json_key(item) for item in value))
    if isinstance(value, bool):
        return ("boolean", value)
    if isinstance(value, int | float):
        return ("number", value)
    return (type(value).__name__, value)


def _import_jsonschema() -> Any:
    """jsonschema, imported (when we are first) without rfc3987_syntax.

    jsonschema's format module imports rfc3987_syntax if it is installed, and that
    module builds 38 Earley parsers at import: ~1 s, to register the iri checks we
    replace anyway.  A ``None`` in ``sys.modules`` makes that one import fail, which
    jsonschema tolerates (it then registers no iri check of its own; ours are
    registered on our own checker).  The entry is removed again at once, so an
    explicit ``import rfc3987_syntax`` elsewhere still works, and jsonschema's
    global checkers get lazy stand-ins for the iri checks it skipped.
    """
    with _IMPORT_LOCK:  # two threads validating at once: one sets and removes the entry
        block = "jsonschema" not in sys.modules and "rfc3987_syntax" not in sys.modules
        if block:
            sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]
        try:
            import jsonschema  # type: ignore[import-untyped]
        finally:
            if block:
                del sys.modules["rfc3987_syntax"]
        if block:
            _register_lazy_iri_checks(jsonschema)
    return jsonschema


def _register_lazy_iri_checks(jsonschema: Any) -> None:
    """Give jsonschema's global checkers the iri checks its import skipped.

    jsonschema registers ``iri``/``iri-reference`` (draft 7, 2019-09, 2020-12 and
    ``FormatChecker()``'s defaults) only at its first import, and only when it can
    import rfc3987_syntax.  Kept from it, every other user in this process (e.g.
    cyclonedx-python-lib's ``JsonStrictValidator``) would accept any IRI.  These
    stand-ins are the same checks, importing rfc3987_syntax at their first use.
    """
    if "rfc3987" in sys.modules or importlib.util.find_spec("rfc3987_syntax") is None:
        return  # jsonschema's checks come from rfc3987, or it would have none either
    from jsonschema import _format

    for name, rule in _IRI_RULES.items():
        entry = (_lazy_iri_check(rule), ValueError)  # the raises jsonschema gives them
        for draft in _IRI_DRAFTS:
            _format._draft_checkers[draft].checkers.setdefault(name, entry)
        jsonschema.FormatChecker.checkers.setdefault(name, entry)


def _lazy_iri_check(rule: str) -> Callable[[object], object]:
    """jsonschema's own ``is_iri``/``is_iri_reference``, rfc3987_syntax imported on first use."""

    def check(instance: object) -> object:
        if not isinstance(instance, str):
            return True
        try:
            from rfc3987_syntax import is_valid_syntax  # type: ignore[import-untyped]
        except ImportError:  # as at jsonschema's import: then no check, every string passes
            return True
        return is_valid_syntax(rule, instance)

    return check


@functools.cache
def _xml_validator(spec: str) -> XmlValidator:
    from cyclonedx.validation.xml import XmlValidator

    return XmlValidator(_schema_version(spec))


def _schema_version(spec: str) -> SchemaVersion:
    from cyclonedx.schema import SchemaVersion

    return SchemaVersion.from_version(spec)
