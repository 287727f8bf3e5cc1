"""Read a json (or jsonl) report back into a :class:`ScanOutcome`, for ``wellcheck merge``.

Strict: every key the report format requires must be there with the right type
(schemas/wellcheck-report.schema.json, version 1); anything else is a
:class:`ReportInputError` (exit 2) naming the file and the JSON path.  Keys the
format may add later within version 1 are ignored.

What the json report does not carry is not invented: a component comes back with
its name, version, kind, layer and display location (nested archives joined with
'!'), which is everything the report formats print.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

from wellcheck.errors import WellcheckError
from wellcheck.models import (
    VEX_JUSTIFICATIONS,
    VEX_STATES,
    ArtifactInfo,
    ArtifactResult,
    Component,
    ComponentKind,
    Finding,
    ScanOutcome,
    Severity,
    SkippedCheck,
    Suppression,
)
from wellcheck.policy import FailOn
from wellcheck.report.interface import ShardInfo
from wellcheck.report.json_report import REPORT_VERSION

T = TypeVar("T")
#: the largest report ``merge`` reads: a json report of a few thousand artifacts; parsed,
#: a report takes several times its size in memory
MAX_REPORT_BYTES = 256 * 1024 * 1024
_CONFIDENCE = (None, "high", "medium", "low")
_FAIL_ON = {level.value: level for level in FailOn}


class ReportInputError(WellcheckError):
    """A report given to ``wellcheck merge`` is not a valid wellcheck json/jsonl report."""


@dataclass(frozen=True)
class LoadedReport:
    source: str  # the file it came from
    outcome: ScanOutcome
    fail_on: FailOn  # the threshold the scan used
    positions: tuple[int, ...] | None  # per result, its argument position (None: unknown)
    shard: ShardInfo | None


def load_report(path: Path) -> LoadedReport:
    """Read one report, refusing one larger than :data:`MAX_REPORT_BYTES` before it is
    held in memory (a 1 GiB file used to take 2 GiB)."""
    try:
        with path.open("rb") as fh:  # a file's size, else what a pipe gives, decides
            too_big = os.fstat(fh.fileno()).st_size > MAX_REPORT_BYTES
            data = b"" if too_big else fh.read(MAX_REPORT_BYTES + 1)
        if too_big or len(data) > MAX_REPORT_BYTES:
            raise ReportInputError(
                f"report {path} is larger than {MAX_REPORT_BYTES // 2**20} MiB; "
                "merge the reports of fewer artifacts at a time"
            )
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ReportInputError(f"cannot read report {path}: {exc}") from exc
    return parse_report(text, str(path))


def parse_report(text: str, source: str) -> LoadedReport:
    """A json report (one document) or a jsonl stream (one object per line)."""
    try:
        return _parse(text, source)
    except RecursionError:  # json.loads recurses per nesting level; so would repr()
        raise ReportInputError(f"{source}: JSON nested too deeply") from None


def _parse(text: str, source: str) -> LoadedReport:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError:
        return _parse_jsonl(text, source)
    except ValueError as exc:  # an integer past int_max_str_digits (CPython 3.11+)
        raise ReportInputError(f"{source}: not JSON ({exc})") from None
    if isinstance(doc, dict) and "type" in doc:  # a jsonl stream of one line (no artifacts)
        return _parse_jsonl(text, source)
    return _parse_json(_Node(doc, source, "$"))


class _Node:
    """A JSON value with where it came from, for one-line error messages."""

    def __init__(self, value: object, source: str, path: str) -> None:
        self.value = value
        self.source = source
        self.path = path

    def fail(self, expected: str) -> ReportInputError:
        return ReportInputError(
            f"{self.source}: {self.path}: expected {expected}, got {_kind(self.value)}"
        )

    def typed(self, kind: type[T], expected: str) -> T:
        if not isinstance(self.value, kind) or (kind is int and isinstance(self.value, bool)):
            raise self.fail(expected)
        return self.value

    def obj(self) -> Mapping[str, object]:
        return self.typed(dict, "an object")

    def get(self, key: str) -> _Node:
        mapping = self.obj()
        if key not in mapping:
            raise ReportInputError(f"{self.source}: {self.path}: missing key {key!r}")
        return _Node(mapping[key], self.source, f"{self.path}.{key}")

    def opt(self, key: str) -> _Node:
        """``key``'s value, or a null node when the key is absent (fields added later)."""
        mapping = self.obj()
        return _Node(mapping.get(key), self.source, f"{self.path}.{key}")

    def items(self) -> list[_Node]:
        values = self.typed(list, "an array")
        return [_Node(v, self.source, f"{self.path}[{n}]") for n, v in enumerate(values)]

    def text(self) -> str:
        return self.typed(str, "a string")

    def opt_text(self) -> str | None:
        return None if self.value is None else self.typed(str, "a string or null")

    def integer(self, minimum: int = 0) -> int:
        number = self.typed(int, "an integer")
        if number < minimum:
            raise self.fail(f"an integer >= {minimum}")
        return number

    def texts(self) -> tuple[str, ...]:
        return tuple(item.text() for item in self.items())

    def choice(self, choices: Mapping[str, T], expected: str) -> T:
        if not isinstance(self.value, str) or self.value not in choices:
            raise self.fail(expected)
        return choices[self.value]


def _kind(value: object) -> str:
    if value is None:
        return "null"
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}
    return names.get(type(value)) or repr(value)[:40]


def _parse_json(root: _Node) -> LoadedReport:
    _header(root)
    results = tuple(_result(item) for item in root.get("artifacts").items())
    outcome = ScanOutcome(results, root.get("notes").texts())
    positions: tuple[int, ...] | None = None
    shard = None
    if "shard" in root.obj():
        node = root.get("shard")
        shard = _shard(node)
        positions = tuple(p.integer() for p in node.get("positions").items())
        if len(positions) != len(results):
            raise node.fail(f"{len(results)} positions (one per artifact)")
    return LoadedReport(root.source, outcome, _fail_on(root), positions, shard)


def _parse_jsonl(text: str, source: str) -> LoadedReport:
    results: list[ArtifactResult] = []
    positions: list[int] = []
    summary: _Node | None = None
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        where = f"line {number}"
        if summary is not None:
            raise ReportInputError(f"{source}: {where}: nothing may follow the summary line")
        try:
            node = _Node(json.loads(line), source, where)
        except json.JSONDecodeError as exc:
            raise ReportInputError(f"{source}: {where}: not JSON ({exc.msg})") from exc
        except ValueError as exc:  # an integer past int_max_str_digits
            raise ReportInputError(f"{source}: {where}: not JSON ({exc})") from None
        kind = node.get("type").choice({"artifact": "artifact", "summary": "summary"}, "a type")
        if kind == "summary":
            summary = node
            continue
        positions.append(node.get("position").integer())
        results.append(_result(node))
    if summary is None:
        raise ReportInputError(f"{source}: no summary line: the jsonl stream was cut short")
    _header(summary)
    if summary.get("artifacts").integer() != len(results):
        raise summary.get("artifacts").fail(f"{len(results)} (the artifact lines before it)")
    shard = _shard(summary.get("shard")) if "shard" in summary.obj() else None
    outcome = ScanOutcome(tuple(results), summary.get("notes").texts())
    return LoadedReport(source, outcome, _fail_on(summary), tuple(positions), shard)


def _header(node: _Node) -> None:
    version = node.get("version")
    if version.value != REPORT_VERSION:
        raise version.fail(f"report version {REPORT_VERSION}")
    if node.get("tool").get("name").value != "wellcheck":
        raise node.get("tool").get("name").fail("'wellcheck'")


def _fail_on(node: _Node) -> FailOn:
    return (
        node.get("verdict").get("fail_on").choice({f.value: f for f in FailOn}, "a fail-on level")
    )


def _shard(node: _Node) -> ShardInfo:
    count = node.get("count").integer(1)
    index = node.get("index").integer(1)
    if index > count:
        raise node.get("index").fail(f"an index <= count ({count})")
    return ShardInfo(index=index, count=count, total=node.get("total").integer())


def _result(node: _Node) -> ArtifactResult:
    return ArtifactResult(
        artifact=_artifact(node.get("artifact")),
        components=tuple(_component(c) for c in node.get("components").items()),
        findings=tuple(_finding(f) for f in node.get("findings").items()),
        skipped=tuple(_skipped(s) for s in node.get("not_checked").items()),
        ignored=tuple(_ignored(f) for f in node.get("ignored").items()),
        error=node.get("error").opt_text(),
        not_applicable=tuple(
            _skipped(s)
            for s in (node.get("not_applicable").items() if "not_applicable" in node.obj() else ())
        ),
    )


def _artifact(node: _Node) -> ArtifactInfo:
    size = node.get("size")
    return ArtifactInfo(
        path=node.get("path").text(),
        kind=node.get("kind").text(),
        sha256=node.get("sha256").opt_text(),
        size=None if size.value is None else size.integer(),
        layers=node.get("layers").texts(),
        python_version=node.get("python_version").opt_text(),
        warnings=node.get("warnings").texts(),
    )


_KINDS = {k.value: k for k in ComponentKind}
_SEVERITIES = {str(s): s for s in Severity}


def _component(node: _Node) -> Component:
    name = node.get("name").text()
    node.get("purl").opt_text()
    return Component(
        name=name,
        version=node.get("version").text(),
        kind=node.get("kind").choice(_KINDS, f"one of {', '.join(_KINDS)}"),
        location=node.get("location").text(),
        display_name=name,
        layer=node.get("layer").opt_text(),
    )


def _finding(node: _Node) -> Finding:
    score = node.get("score")
    confidence = node.get("confidence")
    if confidence.value not in _CONFIDENCE:
        raise confidence.fail("high, medium, low or null")
    return Finding(
        kind=node.get("kind").text(),
        rule=node.get("rule").text(),
        package=node.get("package").text(),
        version=node.get("version").text(),
        severity=node.get("severity").choice(_SEVERITIES, "a severity"),
        title=node.get("title").text(),
        location=node.get("location").text(),
        path=node.opt("path").opt_text() or "",
        line=_line(node.opt("line")),
        id=node.get("id").opt_text(),
        aliases=node.get("aliases").texts(),
        fixed=node.get("fixed").opt_text(),
        score=None if score.value is None else _score(score),
        confidence=confidence.opt_text(),
        evidence=node.get("evidence").text(),
        remediation=node.get("remediation").text(),
        url=node.get("url").opt_text(),
    )


def _ignored(node: _Node) -> Finding:
    """An ignored finding, with why when the report says (reports before VEX did not)."""
    finding = _finding(node)
    why = node.opt("suppression")
    if why.value is None:
        return finding
    suppression = Suppression(
        reason=why.get("reason").text(),
        origin=why.get("origin").text(),
        state=why.get("state").opt_text(),
        justification=why.get("justification").opt_text(),
    )
    if suppression.state not in (None, *VEX_STATES):
        raise why.get("state").fail("a CycloneDX analysis state or null")
    if suppression.justification not in (None, *VEX_JUSTIFICATIONS):
        raise why.get("justification").fail("a CycloneDX justification or null")
    return replace(finding, suppression=suppression)


def _line(node: _Node) -> int | None:
    return None if node.value is None else node.integer(minimum=1)


def _score(node: _Node) -> float:
    value = node.value
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 10:
        raise node.fail("a CVSS score from 0 to 10")
    return float(value)


def _skipped(node: _Node) -> SkippedCheck:
    return SkippedCheck(
        source=node.get("source").text(),
        reason=node.get("reason").text(),
        package=node.get("package").opt_text(),
        version=node.get("version").opt_text(),
    )
