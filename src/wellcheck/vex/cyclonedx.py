"""CycloneDX VEX: a BOM (JSON, any 1.x) whose ``vulnerabilities`` carry an ``analysis``.

Each vulnerability with an ``analysis.state`` is a statement about the components its
``affects[].ref`` name.  A ref is resolved, in this order: a BOM-Link
(``urn:cdx:SERIAL/VERSION#REF``, as Dependency-Track and trivy write them) is reduced to
its bom-ref; a bom-ref of a component in the document itself gives that component's
purl; a ref that is a purl is the purl (wellcheck's own bom-refs, ``PURL|LOCATION``,
give their purl, so every copy of that release matches).  ``affects[].versions[]``
entries with a ``version`` narrow the match to those versions; a ``range`` is not read,
and the target is not applied (a note says so), rather than guessed.

A vulnerability without an analysis (a VDR, such as ``scan --format cyclonedx-json``
without ignores) says nothing and suppresses nothing.  Aliases come from
``references[].id``.  A statement's time is ``analysis.lastUpdated``, else
``firstIssued``, else the vulnerability's ``updated``/``published``, else the BOM's
``metadata.timestamp``.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import unquote

from wellcheck.models import VEX_JUSTIFICATIONS, VEX_STATES
from wellcheck.vex.model import (
    Node,
    Target,
    VexDocument,
    VexStatement,
    parse_time,
    pypi_target,
)

_STATE_EXPECTED = f"a state ({', '.join(VEX_STATES)})"


def is_cyclonedx(document: object) -> bool:
    return isinstance(document, dict) and document.get("bomFormat") == "CycloneDX"


def parse_cyclonedx(root: Node) -> VexDocument:
    source = root.source
    refs = _component_purls(root)
    metadata = root.opt("metadata")
    default_time = parse_time(metadata.opt("timestamp")) if metadata.value is not None else None
    statements: list[VexStatement] = []
    counts = {"no PyPI package": 0, "a version range": 0}
    for number, node in enumerate(root.opt("vulnerabilities").opt_items(), 1):
        analysis = node.opt("analysis")
        if analysis.value is None or analysis.opt("state").value is None:
            continue  # no analysis: a finding, not a statement
        origin = f"{source}, vulnerability {number}"
        statement = _statement(node, analysis, origin, refs, default_time, counts)
        if statement.targets:
            statements.append(statement)
    notes = tuple(
        f"VEX {source}: {count} affects target(s) with {what} not applied"
        for what, count in counts.items()
        if count
    )
    return VexDocument(source, tuple(statements), notes)


def _statement(
    node: Node,
    analysis: Node,
    origin: str,
    refs: dict[str, str],
    default_time: dt.datetime | None,
    counts: dict[str, int],
) -> VexStatement:
    state = analysis.get("state").choice(VEX_STATES, _STATE_EXPECTED)
    label = analysis.opt("justification")
    justification = None
    if label.value is not None:
        justification = label.choice(VEX_JUSTIFICATIONS, "a CycloneDX justification")
    detail = (analysis.opt("detail").opt_text() or "").strip()
    ident = node.get("id").text().strip()
    if not ident:
        raise node.get("id").fail("a vulnerability id")
    aliases = [ref.get("id").text().strip() for ref in node.opt("references").opt_items()]
    affects = node.get("affects").items()
    if not affects:
        raise node.get("affects").fail("at least one affects entry")
    targets: list[Target] = []
    for affect in affects:
        targets += _targets(affect, refs, counts)
    when = (
        parse_time(analysis.opt("lastUpdated"))
        or parse_time(analysis.opt("firstIssued"))
        or parse_time(node.opt("updated"))
        or parse_time(node.opt("published"))
        or default_time
    )
    return VexStatement(
        ids=tuple(dict.fromkeys(i for i in (ident, *aliases) if i)),
        targets=tuple(dict.fromkeys(targets)),
        state=state,
        justification=justification,
        reason=": ".join(part for part in (justification or state, detail) if part),
        origin=origin,
        timestamp=when,
    )


def _targets(affect: Node, refs: dict[str, str], counts: dict[str, int]) -> list[Target]:
    purl = _resolve(affect.get("ref").text(), refs)
    target = pypi_target(purl) if purl else None
    if target is None:
        counts["no PyPI package"] += 1
        return []
    versions = affect.opt("versions").opt_items()
    if any(v.opt("range").value is not None for v in versions):
        counts["a version range"] += 1
        return []
    listed = [v.get("version").text() for v in versions]
    if not listed:
        return [target]
    return [Target(target.name, version) for version in listed]


def _resolve(ref: str, refs: dict[str, str]) -> str | None:
    """The purl a ``ref`` names, or None."""
    ref = ref.strip()
    if ref[:8].lower() == "urn:cdx:" and "#" in ref:
        ref = unquote(ref.split("#", 1)[1])
    if ref in refs:
        return refs[ref]
    if ref[:4].lower() == "pkg:":
        return ref.split("|", 1)[0]
    return None


def _component_purls(root: Node) -> dict[str, str]:
    """bom-ref -> purl for every component of the document (nested ones too)."""
    found: dict[str, str] = {}
    metadata = root.opt("metadata")
    pending = root.opt("components").opt_items()
    if metadata.value is not None and metadata.opt("component").value is not None:
        pending.append(metadata.opt("component"))
    while pending:
        component = pending.pop()
        ref = component.opt("bom-ref").opt_text()
        purl = component.opt("purl").opt_text()
        if ref and purl:
            found[ref] = purl
        pending += component.opt("components").opt_items()
    return found
