"""Raw OSV records (TypedDict shapes) and their conversion into Advisory values."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, TypedDict

from wellcheck.advisories.cvss import cvss3_base_score, level_from_score, level_from_word
from wellcheck.advisories.cvss4 import cvss4_score
from wellcheck.advisories.interface import Advisory
from wellcheck.models import Severity

OSV_URL = "https://osv.dev/vulnerability/{}"
_SUMMARY_MAX = 160
_DETAILS_MAX = 600


class OsvEvent(TypedDict, total=False):
    introduced: str
    fixed: str
    last_affected: str
    limit: str


class OsvRange(TypedDict, total=False):
    type: str  # ECOSYSTEM | SEMVER | GIT
    repo: str
    events: list[OsvEvent]


class OsvPackage(TypedDict, total=False):
    ecosystem: str
    name: str
    purl: str


class OsvAffected(TypedDict, total=False):
    package: OsvPackage
    ranges: list[OsvRange]
    versions: list[str]
    database_specific: dict[str, Any]


class OsvSeverity(TypedDict):
    type: str  # CVSS_V2 | CVSS_V3 | CVSS_V4 | Ubuntu
    score: str


class OsvRecord(TypedDict, total=False):
    schema_version: str
    id: str
    modified: str
    published: str
    withdrawn: str
    aliases: list[str]
    related: list[str]
    summary: str
    details: str
    severity: list[OsvSeverity]
    affected: list[OsvAffected]
    references: list[dict[str, str]]
    database_specific: dict[str, Any]


def is_valid_record(obj: object) -> bool:
    """The minimum wellcheck needs: an object with a string id."""
    return isinstance(obj, dict) and isinstance(obj.get("id"), str) and bool(obj["id"])


def is_malicious(record_id: str) -> bool:
    return record_id.startswith("MAL-")


def severity_of(record: Mapping[str, Any]) -> tuple[Severity, float | None]:
    """(level, CVSS score): the highest v3 base score, else the highest v4 score.
    database_specific.severity wins for the level."""
    v3: float | None = None
    v4: float | None = None
    entries = record.get("severity")
    for item in entries if isinstance(entries, list) else ():
        if not isinstance(item, dict) or not isinstance(item.get("score"), str):
            continue
        kind, vector = item.get("type"), item["score"]
        if kind == "CVSS_V3":
            value = cvss3_base_score(vector)
            v3 = value if v3 is None or (value is not None and value > v3) else v3
        elif kind == "CVSS_V4":
            value = cvss4_score(vector)
            v4 = value if v4 is None or (value is not None and value > v4) else v4
    score = v3 if v3 is not None else v4
    specific = record.get("database_specific")
    word = level_from_word(specific.get("severity")) if isinstance(specific, dict) else None
    if word:
        return word, score
    if score is not None:
        return level_from_score(score), score
    return Severity.UNKNOWN, None


def _one_line(text: str, limit: int) -> str:
    line = " ".join(text.strip().split("\n", 1)[0].split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


# a sentence ends at . ! or ? before a space and a capital, digit or quote (or the end);
# not after an initial (one letter) or a few abbreviations ("e.g. the", "vs. a", "etc.")
_SENTENCE_END = re.compile(
    r"(?<!\b[A-Za-z])(?<!e\.g)(?<!i\.e)(?<!etc)(?<!\bvs)[.!?](?=\s+[A-Z0-9\"'(`]|\s*$)"
)


def first_sentence(details: str) -> str:
    """The first sentence of the first paragraph that is not a Markdown heading.

    PYSEC records have no summary: their details are prose, often long (a title cut
    at 160 characters ended mid-word); GHSA details start with ``### Impact``.
    """
    paragraph: list[str] = []
    for line in details.strip().splitlines():
        text = line.strip()
        if text.startswith("#") or (not text and not paragraph):
            continue
        if not text:
            break
        paragraph.append(text)
    prose = " ".join(paragraph)
    end = _SENTENCE_END.search(prose)
    return prose[: end.end()] if end else prose


def summary_of(record: Mapping[str, Any]) -> str:
    """The record's summary; else the first sentence of its details (at most 160 characters)."""
    summary = record.get("summary")
    if isinstance(summary, str) and summary.strip():
        return _one_line(summary, _SUMMARY_MAX)
    details = record.get("details")
    if isinstance(details, str) and details.strip():
        return _one_line(first_sentence(details) or details, _SUMMARY_MAX)
    return str(record.get("id", ""))


def _text(record: Mapping[str, Any], key: str) -> str | None:
    value = record.get(key)
    return value if isinstance(value, str) and value else None


def to_advisory(record: Mapping[str, Any], fixed: str | None) -> Advisory:
    record_id = str(record["id"])
    aliases = record.get("aliases")
    malicious = is_malicious(record_id)
    severity, score = severity_of(record)
    details = record.get("details")
    short = " ".join(details.split()) if isinstance(details, str) else ""
    if len(short) > _DETAILS_MAX:
        short = short[: _DETAILS_MAX - 1].rstrip() + "…"
    return Advisory(
        id=record_id,
        aliases=tuple(sorted({a for a in aliases if isinstance(a, str)} - {record_id}))
        if isinstance(aliases, list)
        else (),
        summary=summary_of(record),
        details=short,
        severity=Severity.CRITICAL if malicious else severity,
        score=score,
        fixed=fixed,
        malicious=malicious,
        url=OSV_URL.format(record_id),
        published=_text(record, "published"),
        modified=_text(record, "modified"),
        withdrawn=_text(record, "withdrawn"),
    )
