"""The behaviour check: static analysis of the code inside an artifact (issue 10).

Rules (kind "behaviour"; each finding names the file and line, with an escaped
snippet; context decides severity, see docs/behaviour.md):

==========================  ===========================================================
rule                        what
==========================  ===========================================================
WC-CODE-DECODE-EXEC         code decoded from a literal and run (exec/eval/marshal...)
WC-CODE-OBFUSCATED          obfuscator runtimes and banners; very long high-entropy literals
WC-CODE-DOWNLOAD-EXEC       something downloaded is run; download-and-run shell commands
WC-CODE-REVERSE-SHELL       a shell wired to a socket
WC-CODE-EXFILTRATION        secrets, the environment or host details sent to a fixed endpoint
WC-CODE-SINK                a known exfiltration endpoint used as a destination
WC-CODE-STEALER             browser, token and wallet stores read
WC-CODE-CLIPPER             clipboard coin-address swapping
WC-CODE-PERSISTENCE         start-up folders, Run keys, cron, rc files, new .pth files
WC-CODE-MINER               cryptocurrency mining
WC-CODE-IMPORT-SPAWN/...    a process, a connection or a file write at import/start-up/install
WC-CODE-NATIVE-BUNDLED      native executables in a pure-Python distribution
WC-CODE-NATIVE-LOAD         a pure-Python distribution loading a library from its directory
WC-CODE-WINDOWS-PAYLOAD     Windows-only payload code in a Linux artifact
WC-CODE-SOURCELESS          importable bytecode without source
WC-CODE-PYC-MISMATCH        unchecked bytecode that does not match its source
WC-CODE-UNPARSABLE          a source that does not parse, shipped with bytecode
==========================  ===========================================================

Nothing from an artifact is imported, compiled to code objects, executed or
unmarshalled: files are read through the Tree API and parsed with ``ast.parse``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wellcheck.signals.behaviour.budget import Bounds
    from wellcheck.signals.behaviour.check import BehaviourCheck

__all__ = ["BehaviourCheck", "Bounds"]


def __getattr__(name: str) -> object:
    """Imported on first use: a background process analysing files imports only the
    analysis (``work``), not the rules and the planning the check itself needs."""
    if name == "BehaviourCheck":
        from wellcheck.signals.behaviour.check import BehaviourCheck

        return BehaviourCheck
    if name == "Bounds":
        from wellcheck.signals.behaviour.budget import Bounds

        return Bounds
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
