"""How many CPUs this process may use (shared by the scan and the hashing pools)."""

from __future__ import annotations

import os


def usable_cpus() -> int:
    """The CPUs this process may run on (affinity-aware where the platform tells it)."""
    counter = getattr(os, "process_cpu_count", None)  # Python 3.13+
    if counter is not None:
        count = counter()
    elif hasattr(os, "sched_getaffinity"):
        count = len(os.sched_getaffinity(0))
    else:
        count = os.cpu_count()
    return max(1, count or 1)
