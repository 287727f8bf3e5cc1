"""Text and URLs from package metadata made safe for both CycloneDX encodings.

Old metadata carries form feeds and escape characters (fine in JSON, fatal in
XML 1.0) and URLs with characters an IRI may not hold; cyclonedx-python-lib's
XsUri refuses a stray ``%`` or a second ``#`` outright.  We repair what can be
repaired and drop what cannot, rather than fail the whole SBOM.
"""

from __future__ import annotations

import re

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://[^ \t\r\n][^\t\r\n]*$")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_IRI_ESCAPES = {ch: f"%{ord(ch):02X}" for ch in "\\^`|"}


def safe_url(raw: str) -> str | None:
    """A URL both schemas accept (iri-reference, xs:anyURI), or None.

    Characters an IRI may not hold are percent-encoded; a stray ``%`` becomes
    ``%25`` and a second ``#`` becomes ``%23`` (XsUri refuses both otherwise).
    """
    url = raw.strip()
    if not _URL.match(url) or _CONTROL.search(url):
        return None
    url = re.sub(r"%(?![0-9A-Fa-f]{2})", "%25", url)
    head, sep, fragment = url.partition("#")
    url = head + sep + fragment.replace("#", "%23")
    return "".join(_IRI_ESCAPES.get(ch, ch) for ch in url)


def clean(text: str) -> str:
    """Drop characters XML 1.0 cannot carry (form feeds in old License fields...)."""
    return _CONTROL.sub("", text) if _CONTROL.search(text) else text
