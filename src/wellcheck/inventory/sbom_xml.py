"""CycloneDX XML, read safely into the shape of CycloneDX JSON.

The document is hostile input.  expat runs with no DTD at all: a DOCTYPE (where entity
definitions live: "billion laughs", external entities) is refused before anything is
expanded, as defusedxml's ``forbid_dtd`` does; parameter entities are never parsed.
Only what :mod:`wellcheck.inventory.sbom_input` reads is kept (components with their
name, version, purl, description, scope, hashes, properties and nested components; the
metadata component's properties), so memory follows the components, not the markup.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from xml.parsers import expat

from wellcheck.errors import ArtifactError

NAMESPACE = "http://cyclonedx.org/schema/bom/"
_TEXT_FIELDS = frozenset({"name", "version", "purl", "description", "scope"})
_MAX_TEXT = 64 * 1024  # characters kept of one text field
_ENCODINGS = frozenset({"utf-8", "us-ascii", "iso-8859-1"})  # expat's own decoders
_DECLARATION = re.compile(rb"<\?xml[ \t\r\n]")
_ENCODING = re.compile(
    rb"[ \t\r\n]encoding[ \t\r\n]*=[ \t\r\n]*([\"'])([A-Za-z][A-Za-z0-9._-]{0,63})\1"
)


@dataclass
class _Text:
    """An element whose text is kept as ``target[key]``."""

    target: dict[str, Any]
    key: str
    parts: list[str] = field(default_factory=list)
    size: int = 0


@dataclass
class _Items:
    """``<components>``, ``<properties>`` or ``<hashes>``: a list that collects children."""

    items: list[Any]
    child: str  # the element name each item has


Frame = dict[str, Any] | _Text | _Items | None  # None: a subtree that is not kept


class _Builder:
    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.meta_component: dict[str, Any] = {}
        self.metadata: dict[str, Any] = {"component": self.meta_component}
        self.doc: dict[str, Any] = {"components": [], "metadata": self.metadata}
        self.spec = ""
        self.stack: list[Frame] = []

    def start(self, name: str, attrs: dict[str, str]) -> None:
        uri, _, local = name.rpartition(" ")
        if not self.stack:
            if local != "bom" or not uri.startswith(NAMESPACE):
                raise ArtifactError(f"{self.origin}: XML, but not a CycloneDX SBOM")
            self.spec = uri[len(NAMESPACE) :]
            self.stack.append(self.doc)
            return
        self.stack.append(self._frame(self.stack[-1], local, attrs))

    def _frame(self, parent: Frame, local: str, attrs: dict[str, str]) -> Frame:
        if parent is self.doc:
            if local == "components":
                return _Items(self.doc["components"], "component")
            return self.metadata if local == "metadata" else None
        if parent is self.metadata:
            return self.meta_component if local == "component" else None
        if isinstance(parent, _Items):
            return self._item(parent, local, attrs)
        if isinstance(parent, dict):  # a component
            if local in _TEXT_FIELDS:
                return _Text(parent, local)
            lists = {"components": "component", "properties": "property", "hashes": "hash"}
            if local in lists:
                return _Items(parent.setdefault(local, []), lists[local])
        return None

    def _item(self, parent: _Items, local: str, attrs: dict[str, str]) -> Frame:
        if local != parent.child:
            return None
        if local == "component":
            component: dict[str, Any] = {"type": attrs.get("type", "")}
            parent.items.append(component)
            return component
        if local == "property":
            prop = {"name": attrs.get("name", ""), "value": ""}
            parent.items.append(prop)
            return _Text(prop, "value")
        digest = {"alg": attrs.get("alg", ""), "content": ""}
        parent.items.append(digest)
        return _Text(digest, "content")

    def end(self, name: str) -> None:
        frame = self.stack.pop()
        if isinstance(frame, _Text):
            frame.target[frame.key] = "".join(frame.parts)

    def text(self, data: str) -> None:
        frame = self.stack[-1] if self.stack else None
        if isinstance(frame, _Text) and frame.size < _MAX_TEXT:
            frame.parts.append(data[: _MAX_TEXT - frame.size])
            frame.size += len(data)

    def refuse_dtd(self, *args: object) -> None:
        raise ArtifactError(
            f"{self.origin}: the SBOM XML has a DOCTYPE (entity definitions are refused)"
        )

    def refuse_entity(self, *args: object) -> int:
        raise ArtifactError(f"{self.origin}: the SBOM XML refers to an external entity")


def declared_encoding(data: bytes) -> str | None:
    """The encoding the XML declaration names (None: none named, UTF-8);
    "(unreadable)" when it mentions one this cannot parse."""
    if not _DECLARATION.match(data):
        return None
    end = data.find(b"?>")
    declaration = data[: end if end >= 0 else len(data)]
    if b"encoding" not in declaration:
        return None
    found = _ENCODING.search(declaration)
    return found.group(2).decode("ascii") if found else "(unreadable)"


def cyclonedx_xml_as_json(data: bytes, origin: str) -> tuple[dict[str, Any], str]:
    """(the document in CycloneDX JSON's shape, its spec version); ArtifactError (one
    line) for malformed XML, a DTD, XML that is not CycloneDX, or an encoding other than
    UTF-8, US-ASCII and ISO-8859-1 (expat's own: any other is decoded by a Python codec,
    some of which crash the parser or are no text encoding at all)."""
    encoding = declared_encoding(data)
    if encoding is not None and encoding.lower() not in _ENCODINGS:
        raise ArtifactError(
            f"{origin}: the SBOM XML declares encoding {encoding[:40]!r};"
            " only UTF-8, US-ASCII and ISO-8859-1 are read"
        )
    builder = _Builder(origin)
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = builder.refuse_dtd
    parser.EntityDeclHandler = builder.refuse_dtd
    parser.ExternalEntityRefHandler = builder.refuse_entity
    parser.StartElementHandler = builder.start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.text
    parser.buffer_text = True
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        message = expat.ErrorString(exc.code) if exc.code else str(exc)
        where = f"line {exc.lineno}, column {exc.offset}"
        raise ArtifactError(f"{origin}: malformed SBOM XML: {message} ({where})") from exc
    except RecursionError:
        raise ArtifactError(f"{origin}: malformed SBOM XML: nested too deeply") from None
    except (LookupError, ValueError) as exc:  # a codec (UnicodeError is a ValueError)
        text = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise ArtifactError(f"{origin}: unreadable SBOM XML encoding: {text}") from exc
    return builder.doc, builder.spec
