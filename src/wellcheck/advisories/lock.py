"""A cross-platform lock file for writers of files wellcheck owns.

``os.open(O_CREAT | O_EXCL)`` is atomic on every platform and filesystem we
care about.  The file holds the owner's pid and host; a lock is stale when its
owner is gone (same host, POSIX) or when it is older than ``stale_after``
seconds (any platform), and is then broken.  Readers never take the lock: they
only ever see complete files, because writers rename new files into place.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

from wellcheck.errors import DatabaseError


def _owner_alive(info: dict[str, object]) -> bool:
    pid = info.get("pid")
    if os.name != "posix" or info.get("host") != socket.gethostname():
        return True  # cannot tell: rely on the age rule
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _is_stale(path: Path, stale_after: float) -> bool:
    try:
        age = time.time() - path.stat().st_mtime
    except OSError:
        return False  # released meanwhile: just retry
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return age > 5.0  # being written right now, or half-written by a killed owner
    if not isinstance(info, dict):
        return True
    return age > stale_after or not _owner_alive(info)


def _break(path: Path) -> None:
    # rename first so two breakers cannot both remove a fresh lock
    aside = path.with_name(f"{path.name}.stale-{os.getpid()}")
    with contextlib.suppress(OSError):
        path.replace(aside)
        aside.unlink()


@contextlib.contextmanager
def file_lock(path: Path, wait: float = 30.0, stale_after: float = 3600.0) -> Iterator[None]:
    """Hold ``path`` exclusively; DatabaseError if another live owner keeps it."""
    deadline = time.monotonic() + wait
    payload = json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "t": time.time()})
    while True:
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            if _is_stale(path, stale_after):
                _break(path)
                continue
            if time.monotonic() >= deadline:
                raise DatabaseError(
                    f"{path} is locked by another wellcheck process; "
                    f"if none is running, delete the lock file"
                ) from None
            time.sleep(0.1)
            continue
        except OSError as exc:  # a read-only directory, a file in the way
            raise DatabaseError(f"cannot create the lock file {path}: {exc}") from exc
        break
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(payload)
        yield
    finally:
        with contextlib.suppress(OSError):
            path.unlink()
