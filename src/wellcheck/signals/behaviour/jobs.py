"""One file to read and analyse, as the plan (``files``) gives it to the work (``work``).

Kept apart from the planning code so that a background process analysing a plan it was
given imports only what analysing needs.
"""

from __future__ import annotations

from dataclasses import dataclass

from wellcheck.signals.behaviour.facts import Role


@dataclass(frozen=True)
class Job:
    """One file to read: ``kind`` is "source", "pth", "pyc" or "head" (native magic)."""

    path: str
    kind: str
    owner: int  # index into Plan.owners; -1: no distribution owns it
    role: Role = Role.MODULE
    entry: bool = False  # runs by its position (top-level module, package __init__)
    source: str = ""  # for "pyc": the source file it was compiled from, if present
    has_bytecode: bool = False  # for "source": compiled bytecode sits beside it
    native: bool = False  # for "source": its owner ships no extension module
    size: int | None = None  # the size the archive declares
