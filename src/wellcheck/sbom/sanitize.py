"""Text and URLs from package metadata made safe for both CycloneDX encodings.

Old metadata carries form feeds and escape characters (fine in JSON, fatal in
XML 1.0) and URLs with characters an IRI may not hold; cyclonedx-python-lib's
XsUri refuses a stray ``%`` or a second ``#`` outright.  We repair what can be
repaired and drop what cannot, rather than fail the whole SBOM.
"""

from __future__ import annotations

import re

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://[^ \t\r\n][^\t\r\n]*$")
_PLAIN_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://[A-Za-z0-9\-._~:/?#@!$&'()*+,;=]+$")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_ASCII_ESCAPES = frozenset(' "<>[]{}\\^`|')  # not allowed as-is in an IRI


def safe_url(raw: str) -> str | None:
    """A URL both schemas accept (iri-reference, xs:anyURI), or None.

    Characters an IRI may not hold are percent-encoded; a stray ``%`` becomes
    ``%25`` and a second ``#`` becomes ``%23`` (XsUri refuses both otherwise).
    """
    url = raw.strip()
    if _PLAIN_URL.match(url) and url.count("#") <= 1:
        return url  # the common case: nothing to repair
    if not _URL.match(url) or _CONTROL.search(url):
        return None
    url = re.sub(r"%(?![0-9A-Fa-f]{2})", "%25", url)
    head, sep, fragment = url.partition("#")
    url = head + sep + fragment.replace("#", "%23")
    return "".join(ch if _iri_char(ch) else _percent(ch) for ch in url)


def _iri_char(ch: str) -> bool:
    """May ``ch`` stand as-is in an IRI (RFC 3987 unreserved/reserved/ucschar)?"""
    code = ord(ch)
    if code < 0x80:
        return 0x20 < code < 0x7F and ch not in _ASCII_ESCAPES
    return (
        0xA0 <= code <= 0xD7FF
        or 0xF900 <= code <= 0xFDCF
        or 0xFDF0 <= code <= 0xFFEF
        or (0x10000 <= code <= 0xEFFFD and (code & 0xFFFF) < 0xFFFE)
    )


def _percent(ch: str) -> str:
    return "".join(f"%{byte:02X}" for byte in ch.encode("utf-8"))


def clean(text: str) -> str:
    """Drop characters XML 1.0 cannot carry (form feeds in old License fields...)."""
    return _CONTROL.sub("", text) if _CONTROL.search(text) else text
