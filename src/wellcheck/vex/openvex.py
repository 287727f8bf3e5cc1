"""OpenVEX documents (v0.0.1 to v0.2.0, https://github.com/openvex/spec).

A statement names a vulnerability (``name``, ``aliases``), products and a ``status``.
A product is a purl (``@id`` or ``identifiers.purl``); when it lists ``subcomponents``,
the vulnerability originates in them (the spec's *Subcomponent*), so they are what a
finding is matched against.  Only ``pkg:pypi`` purls can name what wellcheck finds: a
statement that names no PyPI package is not applied, and a note says so (trivy would
apply a statement about a container image to everything in it; wellcheck cannot tell
which image a purl names, and suppressing too much is the failure that goes unseen).

The spec's MUSTs that decide what a statement means are enforced (a malformed document
is a usage error): a known ``status``; products; a ``not_affected`` statement needs a
``justification`` label or an ``impact_statement``.  Statuses and labels are mapped to
CycloneDX's vocabulary, the one the CycloneDX report writes.
"""

from __future__ import annotations

import datetime as dt

from wellcheck.vex.model import Node, Target, VexDocument, VexStatement, parse_time, pypi_target

CONTEXT_PREFIX = "https://openvex.dev/ns"
_STATES = {
    "not_affected": "not_affected",
    "fixed": "resolved",
    "affected": "exploitable",
    "under_investigation": "in_triage",
}
_STATUS_EXPECTED = f"a status ({', '.join(_STATES)})"
# OpenVEX (CISA's status justifications) -> CycloneDX; the label itself stays in the reason
_JUSTIFICATIONS = {
    "component_not_present": "code_not_present",
    "vulnerable_code_not_present": "code_not_present",
    "vulnerable_code_not_in_execute_path": "code_not_reachable",
    "vulnerable_code_cannot_be_controlled_by_adversary": "requires_environment",
    "inline_mitigations_already_exist": "protected_by_mitigating_control",
}


def is_openvex(document: object) -> bool:
    context = document.get("@context") if isinstance(document, dict) else None
    return isinstance(context, str) and context.startswith(CONTEXT_PREFIX)


def parse_openvex(root: Node) -> VexDocument:
    source = root.source
    default_time = parse_time(root.opt("timestamp"))
    statements: list[VexStatement] = []
    unnamed = 0
    for number, node in enumerate(root.get("statements").items(), 1):
        statement = _statement(node, f"{source}, statement {number}", default_time)
        if statement.targets:
            statements.append(statement)
        else:
            unnamed += 1
    notes: tuple[str, ...] = ()
    if unnamed:
        notes = (
            f"VEX {source}: {unnamed} statement(s) name no PyPI package (pkg:pypi/...) "
            "and were not applied",
        )
    return VexDocument(source, tuple(statements), notes)


def _statement(node: Node, origin: str, default_time: dt.datetime | None) -> VexStatement:
    ids = _vulnerability(node.get("vulnerability"))
    status = node.get("status").choice(_STATES, _STATUS_EXPECTED)
    label = node.opt("justification")
    justification = None
    if label.value is not None:
        justification = label.choice(_JUSTIFICATIONS, "an OpenVEX justification label")
    impact = (node.opt("impact_statement").opt_text() or "").strip()
    if status == "not_affected" and not (justification or impact):
        raise node.fail("a not_affected statement with a justification or an impact_statement")
    notes = (node.opt("status_notes").opt_text() or "").strip()
    products = node.get("products").items()
    if not products:
        raise node.get("products").fail("at least one product")
    targets = tuple(t for product in products for t in _targets(product))
    when = parse_time(node.opt("timestamp"))
    reason = ": ".join(part for part in (justification or status, impact or notes) if part)
    return VexStatement(
        ids=ids,
        targets=tuple(dict.fromkeys(targets)),
        state=_STATES[status],
        justification=_JUSTIFICATIONS[justification] if justification else None,
        reason=reason,
        origin=origin,
        timestamp=when or default_time,
    )


def _vulnerability(node: Node) -> tuple[str, ...]:
    if isinstance(node.value, str):  # v0.0.1: the id itself
        name = node.text().strip()
        aliases: list[str] = []
    else:
        name = node.get("name").text().strip()
        aliases = [a.text().strip() for a in node.opt("aliases").opt_items()]
    if not name:
        raise node.fail("a vulnerability name")
    return tuple(dict.fromkeys(i for i in (name, *aliases) if i))


def _targets(product: Node) -> list[Target]:
    """The PyPI packages a product names: its subcomponents when it lists some."""
    if isinstance(product.value, str):  # v0.0.1: a purl
        target = pypi_target(product.text())
        return [target] if target else []
    subcomponents = product.opt("subcomponents").opt_items()
    named = subcomponents or [product]
    found: list[Target] = []
    for component in named:
        for purl in _purls(component):
            target = pypi_target(purl)
            if target:
                found.append(target)
    return found


def _purls(component: Node) -> list[str]:
    if isinstance(component.value, str):
        return [component.text()]
    purls: list[str] = []
    ident = component.opt("@id").opt_text()
    if ident and ident.lower().startswith("pkg:"):
        purls.append(ident)
    identifiers = component.opt("identifiers")
    if identifiers.value is not None:
        purl = identifiers.opt("purl").opt_text()
        if purl:
            purls.append(purl)
    return purls
