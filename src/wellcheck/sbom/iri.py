"""IRI (RFC 3987) and URI (RFC 3986) syntax as compiled regular expressions.

The CycloneDX JSON schemas mark every URL ``format: iri-reference`` (the JSF
signature schema: ``uri``).  jsonschema checks those formats with
rfc3987_syntax, an Earley parser that costs ~20 ms per URL and ~1 s to build at
import: validating a 120-package SBOM took 10 s.  These patterns are the RFC's
ABNF transcribed rule by rule (names as in the RFC), and check one URL in
microseconds.  Syntax only, like the parser: no scheme-specific rules, no
normalisation, no host lookup.

Two places where this is the RFC and rfc3987_syntax is not: compressed IPv6
literals (``http://[::1]/``) and characters beyond the Basic Multilingual Plane
(``ucschar`` reaches U+EFFFD), both of which the parser's grammar rejects.
"""

from __future__ import annotations

import re

__all__ = ["is_iri", "is_iri_reference", "is_uri", "is_uri_reference"]


def _grammar(*, iri: bool) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(absolute, reference) patterns: IRI / IRI-reference, or URI / URI-reference."""
    ucschar = (
        "\u00a0-\ud7ff\uf900-\ufdcf\ufdf0-\uffef"
        + "".join(f"\\U{plane:04X}0000-\\U{plane:04X}FFFD" for plane in range(0x1, 0xE))
        + "\U000e1000-\U000efffd"
    )
    iprivate = "\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd"
    ascii_unreserved = r"A-Za-z0-9\-._~"
    unreserved = ascii_unreserved + (ucschar if iri else "")
    sub_delims = r"!$&'()*+,;="
    pct_encoded = "%[0-9A-Fa-f]{2}"

    pchar = f"(?:[{unreserved}{sub_delims}:@]|{pct_encoded})"
    segment = f"{pchar}*"
    segment_nz = f"{pchar}+"
    segment_nz_nc = f"(?:[{unreserved}{sub_delims}@]|{pct_encoded})+"
    path_abempty = f"(?:/{segment})*"
    path_absolute = f"/(?:{segment_nz}(?:/{segment})*)?"
    path_noscheme = f"{segment_nz_nc}(?:/{segment})*"
    path_rootless = f"{segment_nz}(?:/{segment})*"

    dec_octet = r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9][0-9]|[0-9])"
    ipv4 = rf"{dec_octet}\.{dec_octet}\.{dec_octet}\.{dec_octet}"
    h16 = "[0-9A-Fa-f]{1,4}"
    ls32 = f"(?:{h16}:{h16}|{ipv4})"
    ipv6 = "|".join(  # RFC 3986 section 3.2.2, the nine forms in order
        (
            f"(?:{h16}:){{6}}{ls32}",
            f"::(?:{h16}:){{5}}{ls32}",
            f"(?:{h16})?::(?:{h16}:){{4}}{ls32}",
            f"(?:(?:{h16}:){{0,1}}{h16})?::(?:{h16}:){{3}}{ls32}",
            f"(?:(?:{h16}:){{0,2}}{h16})?::(?:{h16}:){{2}}{ls32}",
            f"(?:(?:{h16}:){{0,3}}{h16})?::{h16}:{ls32}",
            f"(?:(?:{h16}:){{0,4}}{h16})?::{ls32}",
            f"(?:(?:{h16}:){{0,5}}{h16})?::{h16}",
            f"(?:(?:{h16}:){{0,6}}{h16})?::",
        )
    )
    ipvfuture = rf"v[0-9A-Fa-f]+\.[{ascii_unreserved}{sub_delims}:]+"
    ip_literal = rf"\[(?:{ipv6}|{ipvfuture})\]"
    reg_name = f"(?:[{unreserved}{sub_delims}]|{pct_encoded})*"
    host = f"(?:{ip_literal}|{ipv4}|{reg_name})"
    userinfo = f"(?:[{unreserved}{sub_delims}:]|{pct_encoded})*"
    authority = f"(?:{userinfo}@)?{host}(?::[0-9]*)?"

    scheme = r"[A-Za-z][A-Za-z0-9+\-.]*"
    query = f"(?:{pchar}|[/?{iprivate if iri else ''}])*"
    fragment = f"(?:{pchar}|[/?])*"
    hier_part = f"(?://{authority}{path_abempty}|{path_absolute}|{path_rootless}|)"
    relative_part = f"(?://{authority}{path_abempty}|{path_absolute}|{path_noscheme}|)"
    tail = f"(?:\\?{query})?(?:#{fragment})?"
    absolute = f"{scheme}:{hier_part}{tail}"
    relative = f"{relative_part}{tail}"
    return re.compile(absolute), re.compile(f"(?:{absolute}|{relative})")


_IRI, _IRI_REFERENCE = _grammar(iri=True)
_URI, _URI_REFERENCE = _grammar(iri=False)


def is_iri(value: str) -> bool:
    """Is ``value`` an IRI (RFC 3987: absolute, with a scheme)?"""
    return _IRI.fullmatch(value) is not None


def is_iri_reference(value: str) -> bool:
    """Is ``value`` an IRI-reference (an IRI or a relative reference)?"""
    return _IRI_REFERENCE.fullmatch(value) is not None


def is_uri(value: str) -> bool:
    """Is ``value`` a URI (RFC 3986: ASCII only, absolute)?"""
    return _URI.fullmatch(value) is not None


def is_uri_reference(value: str) -> bool:
    """Is ``value`` a URI-reference (a URI or a relative reference)?"""
    return _URI_REFERENCE.fullmatch(value) is not None
