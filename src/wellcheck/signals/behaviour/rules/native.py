"""Native code where a pure-Python distribution should have none.

* WC-CODE-NATIVE-BUNDLED: an ELF, PE or Mach-O file (told by its first bytes, whatever
  its name) in a distribution without extension modules (or tagged ``none-any``).
  Low (launchers such as setuptools' ``cli.exe`` are legitimate); medium when its
  name hides what it is; high (critical when it runs by itself) when the code runs
  it or loads it.
* WC-CODE-NATIVE-LOAD: ``ctypes``/``cffi`` loading a library from the package's own
  directory in such a distribution: medium (a platform wheel loading its own ``.so``
  is ordinary and not reported).
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from wellcheck.models import Severity
from wellcheck.signals.behaviour.facts import Kind, Tag
from wellcheck.signals.behaviour.rules.context import Hit, Subject, facts, hit, tagged, triggered

_EXECUTABLE_NAMES = (".exe", ".dll", ".so", ".dylib", ".pyd", ".bin", ".elf", "")


def rule(subject: Subject) -> Iterator[Hit]:
    if not subject.pure:
        return
    yield from _bundled(subject)
    for file, fact in facts(subject, Kind.NATIVE_LOAD):
        if tagged(fact, Tag.PACKAGE_PATH) and not subject.binaries:
            title = (
                "loads a native library from its own directory though it ships no extension module"
            )
            yield hit("WC-CODE-NATIVE-LOAD", Severity.MEDIUM, "medium", title, file, fact)
            return


def _bundled(subject: Subject) -> Iterator[Hit]:
    if not subject.binaries:
        return
    names = {posixpath.basename(b.path): b for b in subject.binaries}
    for file, fact in facts(subject, Kind.SPAWN, Kind.NATIVE_LOAD, Kind.WINDOWS, Kind.CHMOD_EXEC):
        used = next(
            (b for n, b in names.items() if n and (n in fact.text or n in fact.snippet)), None
        )
        if used is not None:
            severity = Severity.CRITICAL if triggered(file, fact) else Severity.HIGH
            title = (
                f"runs or loads a bundled {used.format} binary ({posixpath.basename(used.path)})"
            )
            yield hit("WC-CODE-NATIVE-BUNDLED", severity, "high", title, file, fact)
            return
    first = subject.binaries[0]
    listed = ", ".join(f"{b.path} ({b.format})" for b in subject.binaries[:3])
    more = f" and {len(subject.binaries) - 3} more" if len(subject.binaries) > 3 else ""
    disguised = [
        b
        for b in subject.binaries
        if posixpath.splitext(b.path)[1].lower() not in _EXECUTABLE_NAMES
    ]
    severity = Severity.MEDIUM if disguised else Severity.LOW
    title = "ships native executables though it has no extension modules"
    if disguised:
        title = f"ships a native {disguised[0].format} binary under a misleading name"
    yield Hit(
        "WC-CODE-NATIVE-BUNDLED", severity, "medium", title, first.path, None, f"{listed}{more}"
    )
