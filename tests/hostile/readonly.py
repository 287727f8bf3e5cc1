"""Directories that are read-only for the wellcheck process under test, root included.

CI containers often run the tests as root, and root writes through any mode bits
(CAP_DAC_OVERRIDE).  ``honour_modes`` is a ``preexec_fn`` that drops that
capability (and CAP_DAC_READ_SEARCH) from the child's bounding set before it execs
(Linux ``prctl(PR_CAPBSET_DROP)``), so a ``chmod 555`` directory is read-only for it
as it is for any user.  ``child_options`` says how to start such a child, or why not.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Callable

PR_CAPBSET_DROP = 24
CAP_DAC_OVERRIDE = 1
CAP_DAC_READ_SEARCH = 2


def honour_modes() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def child_options() -> tuple[Callable[[], None] | None, str]:
    """(preexec_fn, "") for a child that honours modes, or (None, why it cannot)."""
    if sys.platform != "linux":
        return None, "read-only directories are tested on Linux"
    if os.geteuid() != 0:
        return None, ""  # mode bits bind an ordinary user already
    return honour_modes, ""
