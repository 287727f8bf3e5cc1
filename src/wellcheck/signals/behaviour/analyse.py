"""Analysing one file: read bytes in, facts out.  Pure: no tree, no component.

``analyse_source`` prefilters the bytes, parses them with ``ast.parse`` (never
``compile`` to code, never ``exec``), walks the tree once and places each fact
in time (import, called, main).  ``analyse_pth`` does the same for the lines a
``.pth`` file's ``site.py`` would execute.  Every bound the file hits, and every
parse failure of a file that holds a trigger, comes back as ``skipped`` /
``syntax_error`` on the result, never as an empty (clean-looking) one.
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import replace

from wellcheck.signals.behaviour.budget import BoundExceeded, Bounds, Budget
from wellcheck.signals.behaviour.evidence import escape
from wellcheck.signals.behaviour.facts import Fact, FileFacts, Kind, Role, When
from wellcheck.signals.behaviour.flow import without_parameters
from wellcheck.signals.behaviour.prefilter import triggers
from wellcheck.signals.behaviour.reach import MAIN, MODULE, when_of
from wellcheck.signals.behaviour.visitor import Walker

#: obfuscator banners live in comments, which the AST drops: matched on the bytes
_BANNER = re.compile(
    rb"(?i)#[^\n]{0,80}\b(?:obfuscated (?:by|with|using)|pyarmor|hyperion|blankobf|kramer)\b"
)


def analyse_source(
    path: str, data: bytes, role: Role, bounds: Bounds, *, entry: bool = False, native: bool = False
) -> FileFacts:
    """Facts of one Python source file.  ``entry``: the file runs by its position
    (a package's ``__init__``, a top-level module), so network or process imports
    alone are enough to parse it; ``native``: its distribution ships no extension
    module, so loading a native library is a trigger."""
    found = triggers(
        data,
        entry=entry or role in (Role.STARTUP, Role.INSTALL),
        native=native,
        strict=role in (Role.TEST, Role.SOURCE_ONLY),
    )
    if not found:
        return FileFacts(path, role)
    if len(data) > bounds.max_bytes:
        reason = f"{len(data)} bytes, more than the {bounds.max_bytes} parsed per file"
        return FileFacts(path, role, skipped=reason, triggers=found)
    try:
        tree = ast.parse(data)
    except (SyntaxError, ValueError) as exc:
        return FileFacts(path, role, syntax_error=_syntax(exc), triggers=found)
    except (RecursionError, MemoryError):
        return FileFacts(path, role, skipped="nested too deeply to parse", triggers=found)
    text = data.decode("utf-8", "replace")
    main_module = path.rsplit("/", 1)[-1] == "__main__.py"
    try:
        facts = walk(tree, text.splitlines(), Budget(bounds), main_module)
    except BoundExceeded as exc:
        return FileFacts(path, role, parsed=True, skipped=str(exc), triggers=found)
    except RecursionError:
        return FileFacts(
            path, role, parsed=True, skipped="code nested too deeply to follow", triggers=found
        )
    facts.extend(_banners(data, text))
    return FileFacts(path, role, tuple(facts), parsed=True, triggers=found)


def analyse_pth(path: str, data: bytes, bounds: Bounds) -> FileFacts:
    """The executable lines of a .pth file, as any supported CPython reads them
    (``signals.pth.read_pth``: ``site.addpackage`` passes a line starting with ``import``
    and a space or tab to ``exec``), each walked as start-up code."""
    from wellcheck.signals.pth import read_pth

    facts: list[Fact] = []
    budget = Budget(bounds)
    for found_line in read_pth(data).executable:
        line, number = found_line.text.strip(), found_line.line
        try:
            tree = ast.parse(line)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue  # site.py reports the error and runs nothing of the line
        try:
            found = walk(tree, [line], budget, False)
        except (BoundExceeded, RecursionError) as exc:
            return FileFacts(path, Role.STARTUP, skipped=f"line {number}: {exc}")
        facts.extend(_renumber(f, number) for f in found)
    return FileFacts(path, Role.STARTUP, tuple(facts), parsed=True)


def walk(tree: ast.Module, lines: list[str], budget: Budget, main_module: bool) -> list[Fact]:
    walker = Walker(lines, budget)
    walker.run(tree)
    imported = walker.graph.reachable(MODULE)
    as_main = walker.graph.reachable(MAIN)
    out = []
    for scope, fact in walker.facts:
        when = when_of(scope, imported, as_main, main_module)
        out.append(_with_when(fact, when))
    return out


def _with_when(fact: Fact, when: When) -> Fact:
    return replace(fact, when=when, tags=without_parameters(fact.tags))


def _renumber(fact: Fact, line: int) -> Fact:
    return replace(fact, line=line)


def _banners(data: bytes, text: str) -> list[Fact]:
    match = _BANNER.search(data)
    if match is None:
        return []
    line = data.count(b"\n", 0, match.start()) + 1
    shown = escape(match.group(0).decode("latin-1").lstrip("# "), 60)
    source = text.splitlines()[line - 1] if line <= len(text.splitlines()) else ""
    return [Fact(Kind.OBFUSCATOR, "banner", line, escape(source.strip()), When.IMPORT, text=shown)]


def _syntax(exc: SyntaxError | ValueError) -> str:
    """The parse error, naming the parser's Python: newer syntax (``type X = ...`` of
    3.12) does not parse with an older one; run wellcheck on the artifact's Python."""
    parser = f"Python {sys.version_info.major}.{sys.version_info.minor}"
    if isinstance(exc, SyntaxError):
        where = f" at line {exc.lineno}" if exc.lineno else ""
        return f"{escape(str(exc.msg), 80)}{where}, for the parser of {parser}"
    return f"{escape(str(exc), 80)}, for the parser of {parser}"
