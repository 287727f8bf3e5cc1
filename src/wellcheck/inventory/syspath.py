"""Which directories of a tree a Python runtime puts on ``sys.path``, and which are *site*
directories.  Nothing here reads file contents: one pass over the entry names.

The difference matters for start-up hooks.  ``site.addsitedir`` (CPython ``Lib/site.py``,
every version 3.9-3.15) lists a *site* directory and processes its ``.pth`` files;
``site.main`` then imports ``sitecustomize`` and ``usercustomize`` from whatever is on
``sys.path`` at that moment.  A :class:`PathDir` says both: ``site`` (its ``.pth`` files
are processed) and ``at_startup`` (it is on ``sys.path`` when ``site`` imports the
customize modules), with the reason in words.

Where a tree sits depends on what it is (:class:`TreeRole`):

* a container image's file system (``/``): every ``lib/python3.X/site-packages``,
  ``lib64/...``, free-threaded ``python3.Xt``, Debian's ``dist-packages``
  (``/usr/lib/python3/dist-packages``, ``/usr/local/lib/python3.X/dist-packages``),
  virtual environments and user sites are site directories of the interpreter (or venv)
  at their prefix; ``lib/python3.X`` and its ``lib-dynload`` are the standard library
  (on ``sys.path``, not site directories; not for a venv, whose prefix has
  ``pyvenv.cfg``).  Lambda base images add ``/var/task``, ``/opt/python`` and
  ``/opt/python/lib/python3.X/site-packages``: the managed runtime's bootstrap
  (``/var/runtime/bootstrap.py`` as shipped in the python3.10 and 3.11 runtimes) inserts
  them in ``sys.path`` *and* calls ``site.addsitedir`` on each, after the interpreter
  started; the runtime's own ``/var/lang/lib/python3.X/site-packages`` is an ordinary site
  directory; the image's ``PYTHONPATH`` (config ``Env``) is on ``sys.path`` at start-up;
* a Lambda function zip (unpacked at ``/var/task``) or layer (``/opt``), a directory, any
  other zip: both readings at once, the root as ``/var/task`` and ``python/`` and
  ``python/lib/python3.X/site-packages`` as a layer's, plus the patterns above;
* a zip inside the artifact (not a wheel, egg or stdlib zip): read like a bundle, but
  nothing is on ``sys.path`` or a site directory until something unpacks it;
* a wheel: its root and ``*.data/purelib``/``platlib`` are installed into site-packages;
  ``*.data/data`` is installed into the environment's prefix (pip 24-25 ``install_wheel``:
  the ``data`` scheme path is ``sys.prefix``, or the user base), so its
  ``lib/python3.X/site-packages`` *is* the site directory and its ``lib/python3.X`` the
  standard library of a Python installed there;
* ``lib/python3XY.zip``: the standard library zip, on ``sys.path`` as an archive (a
  :class:`PathDir` that is a file); opened as a nested tree, it has its own role.

Directory symlinks are followed inside the tree.  In a whole file system ``..`` at the
root stays at the root, as the kernel does; in a zip a link that leaves the tree cannot be
followed (``real`` is None: the caller reports the directory as not checked).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from wellcheck.artifact.base import Entry, EntryKind

IMAGE_KINDS = frozenset({"docker-archive", "oci-layout", "image", "tar"})
MAX_DIR_LINKS = 40  # symlinks followed while resolving one directory (a loop otherwise)

# <prefix>/lib/python3.12[/site-packages], lib64, python3.13t, python3/dist-packages
_PYTHON_DIR = re.compile(
    r"^(?:(.*?)/)?(lib(?:64)?/python\d+(?:\.\d+)?t?)(?:/((?:site|dist)-packages))?(?=/|$)"
)
_STDLIB = re.compile(r"lib(?:64)?/python\d+\.\d+t?")
_STDLIB_ZIP = re.compile(r"(?:^|/)lib(?:64)?/python\d+t?\.zip$")


class TreeRole(StrEnum):
    FILESYSTEM = "filesystem"  # an image's merged root file system
    BUNDLE = "bundle"  # a Lambda function or layer zip, a directory, another zip
    ARCHIVE = "archive"  # a zip inside the artifact: on sys.path only if something unpacks it
    WHEEL = "wheel"  # installed into a site-packages directory
    STDLIB_ZIP = "stdlib-zip"  # lib/python3XY.zip: on sys.path as it is
    EGG = "egg"  # a zipped egg: on sys.path when easy-install.pth names it


def tree_role(artifact_kind: str, chain: tuple[str, ...]) -> TreeRole:
    """What a tree is, from the artifact's kind and the nested archives leading to it."""
    if not chain:
        if artifact_kind in IMAGE_KINDS:
            return TreeRole.FILESYSTEM
        return TreeRole.WHEEL if artifact_kind == "wheel" else TreeRole.BUNDLE
    inner = chain[-1].lower()
    if inner.endswith(".whl"):
        return TreeRole.WHEEL
    if inner.endswith(".egg"):
        return TreeRole.EGG
    return TreeRole.STDLIB_ZIP if _STDLIB_ZIP.search(inner) else TreeRole.ARCHIVE


@dataclass(frozen=True)
class PathDir:
    path: str  # as the runtime names it, relative to the tree ('' is the root)
    real: str | None  # after directory symlinks; None when a link leaves the tree
    site: bool  # site.addsitedir processes it: its .pth files run
    at_startup: bool  # on sys.path when site.py imports sitecustomize/usercustomize
    why: str


_TASK = "the function root (/var/task): the Lambda runtime's bootstrap puts it on sys.path"
_LAYER = "a Lambda layer's {where}: the Lambda runtime's bootstrap puts it on sys.path"
_ADDSITEDIR = " and passes it to site.addsitedir, after the interpreter started"
_FIXED: dict[TreeRole, tuple[tuple[str, bool, bool, str], ...]] = {
    TreeRole.FILESYSTEM: (
        ("var/task", True, False, _TASK + _ADDSITEDIR),
        ("opt/python", True, False, _LAYER.format(where="/opt/python") + _ADDSITEDIR),
        ("var/runtime", False, False, "the Lambda runtime's bootstrap directory, on sys.path"),
    ),
    TreeRole.BUNDLE: (
        ("", True, False, _TASK + _ADDSITEDIR),
        ("python", True, False, _LAYER.format(where="python/ (/opt/python)") + _ADDSITEDIR),
    ),
    TreeRole.ARCHIVE: (
        (
            "",
            False,
            False,
            "the root of an archive inside the artifact, as if unpacked at /var/task",
        ),
        ("python", False, False, "python/ of an archive inside the artifact, as if a layer"),
    ),
    TreeRole.WHEEL: (("", True, True, "a wheel's root: installed into site-packages"),),
    TreeRole.STDLIB_ZIP: (("", False, True, "the standard library zip, on sys.path"),),
    TreeRole.EGG: (("", False, True, "a zipped egg: on sys.path when a .pth names it"),),
}


def path_dirs(
    entries: Mapping[str, Entry],
    role: TreeRole,
    install_roots: Iterable[str] = (),
    python_path: Iterable[str] = (),
) -> list[PathDir]:
    """Every sys.path directory of the tree, sorted by path.

    ``install_roots`` are directories distributions were found installed in; those no rule
    above names are kept too (on ``sys.path`` only if the application adds them).
    ``python_path`` is the PYTHONPATH a file system's image sets: its absolute entries are
    on ``sys.path`` at start-up.  The fixed directories of a role are listed whether the
    tree has them or not.
    """
    found: dict[str, PathDir] = {}
    whole = role is TreeRole.FILESYSTEM

    def add(path: str, site: bool, at_startup: bool, why: str) -> None:
        if path not in found:
            found[path] = PathDir(path, resolve(entries, path, whole), site, at_startup, why)

    for path, site, at_startup, why in _FIXED[role]:
        add(path, site, at_startup, why)
    for entry in python_path if whole else ():
        normal = _lexical(entry.split("/"), whole) if entry.startswith("/") else None
        if normal is not None:  # relative entries depend on the working directory
            add("/".join(normal), False, True, f"on the image's PYTHONPATH ({entry})")
    if role in (TreeRole.FILESYSTEM, TreeRole.BUNDLE, TreeRole.ARCHIVE):
        for path, site, at_startup, why in _pattern_dirs(entries, role):
            add(path, site, at_startup, why)
    if role is TreeRole.WHEEL:
        for path in _wheel_data_dirs(entries):
            add(path, True, True, "a wheel's .data/purelib or platlib: put in site-packages")
        for path, site, why in _wheel_prefix_dirs(entries):
            add(path, site, True, why)
    for path in install_roots:
        add(path, False, False, "distributions are installed here; on sys.path if the app adds it")
    return sorted(found.values(), key=lambda d: d.path)


def _pattern_dirs(
    entries: Mapping[str, Entry], role: TreeRole
) -> Iterable[tuple[str, bool, bool, str]]:
    for path in sorted(_python_dirs(entries)):
        match = _PYTHON_DIR.match(path)
        if match is None:  # lib/python3XY.zip
            why = "the standard library zip (lib/python3XY.zip), on sys.path as an archive"
            yield path, False, role is TreeRole.FILESYSTEM, why
            continue
        prefix, libdir, packages = match.group(1) or "", match.group(2), match.group(3)
        where = f"/{prefix}" if role is TreeRole.FILESYSTEM else (prefix or "the root")
        venv = f"{prefix}/pyvenv.cfg" if prefix else "pyvenv.cfg"
        if packages:
            owner = "virtual environment" if venv in entries else "Python"
            if role is TreeRole.ARCHIVE:
                yield match.group(0), True, False, f"{packages} inside an archive of the artifact"
            elif prefix == ("python" if role is TreeRole.BUNDLE else "opt/python"):
                why = _LAYER.format(where=match.group(0)) + _ADDSITEDIR
                yield match.group(0), True, False, why
            else:
                yield match.group(0), True, True, f"{packages} of the {owner} at {where}"
        elif _STDLIB.fullmatch(libdir) and venv not in entries:
            stdlib = match.group(0)
            at_startup = role is TreeRole.FILESYSTEM
            why = f"the standard library of the Python at {where}"
            if not at_startup:
                why += " (on sys.path where this tree is an interpreter's prefix)"
            yield stdlib, False, at_startup, why
            yield f"{stdlib}/lib-dynload", False, at_startup, why + ": lib-dynload"
            if at_startup:  # its site-packages, also when a symlink hides it from the names
                owner = f"site-packages of the Python at {where}"
                yield f"{stdlib}/site-packages", True, True, owner


def _python_dirs(entries: Mapping[str, Entry]) -> set[str]:
    """Every ``lib/python3.X[/site-packages]`` directory and ``python3XY.zip`` the names show.

    The pattern is tried once per directory, not once per file.
    """
    found: set[str] = set()
    looked: set[str] = set()
    for path, entry in entries.items():
        where = path
        if entry.kind is EntryKind.FILE:
            if path.endswith(".zip") and _STDLIB_ZIP.search(path):
                found.add(path)
            where = path.rpartition("/")[0]
        if where in looked:
            continue
        looked.add(where)
        if "python" in where and "lib" in where and (match := _PYTHON_DIR.match(where)):
            found.add(match.group(0))
    return found


def _wheel_data_dirs(entries: Mapping[str, Entry]) -> set[str]:
    found: set[str] = set()
    for path in entries:
        head, _, rest = path.partition("/")
        kind = rest.partition("/")[0]
        if head.endswith(".data") and kind in ("purelib", "platlib"):
            found.add(f"{head}/{kind}")
    return found


def pth_path_dirs(
    entries: Mapping[str, Entry], directory: PathDir, lines: Iterable[str], pth: str, whole: bool
) -> list[PathDir]:
    """The directories the path lines of the ``.pth`` file ``pth`` in the site directory
    ``directory`` put on ``sys.path``.

    ``site.addpackage`` (CPython 3.9-3.15 ``Lib/site.py``) joins each line that is no
    ``import`` line to the site directory as the runtime names it and makes it absolute
    (``makepath``: ``os.path.join``, then ``os.path.abspath``, which folds ``..``
    lexically), and appends it to ``sys.path`` when it exists.  For a site directory
    processed at start-up that happens before ``site.main`` imports ``sitecustomize``
    and ``usercustomize``, so those modules are imported from such a directory too; its
    own ``.pth`` files are not processed (``addpackage`` calls no ``addsitedir``).  An
    absolute line names a directory of the artifact only in a whole file system.
    """
    found: list[PathDir] = []
    for line in lines:
        if line.startswith("/") and not whole:
            continue  # another artifact's directory (the zip is unpacked elsewhere)
        base = [] if line.startswith("/") else directory.path.split("/")
        normal = _lexical([*base, *line.split("/")], whole)
        if normal is None:
            continue
        path = "/".join(normal)
        why = (
            f"named by a path line of {pth} ({line[:100]!r}): site.py puts it on sys.path "
            "before it imports sitecustomize"
        )
        found.append(PathDir(path, resolve(entries, path, whole), False, True, why))
    return found


def _wheel_prefix_dirs(entries: Mapping[str, Entry]) -> Iterable[tuple[str, bool, str]]:
    """(path, site, why) of the Python directories under a wheel's ``*.data/data``: pip
    installs that directory into the prefix (``{base}`` in sysconfig's posix_prefix and
    posix_local schemes, ``{userbase}`` for --user), where ``lib/python3.X/site-packages``
    (``dist-packages`` on Debian) is the site directory and ``lib/python3.X`` the
    standard library unless the prefix is a virtual environment."""
    for path in sorted(_python_dirs(entries)):
        match = _PYTHON_DIR.match(path)
        prefix = match.group(1) if match else None
        if match is None or prefix is None or not re.fullmatch(r"[^/]+\.data/data", prefix):
            continue
        where = f"{prefix}/: pip installs a wheel's .data/data into the environment's prefix"
        if match.group(3):
            yield match.group(0), True, f"{where}, which makes this its site directory"
        else:
            why = f"{where}, which makes this the standard library of a Python there"
            yield match.group(0), False, why
            yield f"{match.group(0)}/lib-dynload", False, why


def resolve(entries: Mapping[str, Entry], path: str, whole: bool) -> str | None:
    """``path`` with every symlink among its components followed inside the tree, as the
    runtime would: in a whole file system (``whole``) absolute targets start at its root
    and ``..`` stops at the root; otherwise (a zip unpacked at /var/task) a link that leaves
    the tree gives None."""
    parts = path.split("/") if path else []
    done: list[str] = []
    hops = 0
    while parts:
        head = parts.pop(0)
        candidate = "/".join((*done, head))
        entry = entries.get(candidate)
        if entry is None or entry.kind is not EntryKind.SYMLINK:
            done.append(head)
            continue
        hops += 1
        target = entry.link_target or ""
        if hops > MAX_DIR_LINKS or "\x00" in target or (target.startswith("/") and not whole):
            return None  # a loop; or an absolute link out of a zip unpacked at /var/task
        base = [] if target.startswith("/") else done
        resolved = _lexical([*base, *target.split("/")], whole)
        if resolved is None:
            return None
        parts = [*resolved, *parts]
        done = []
    return "/".join(done)


def _lexical(parts: list[str], whole: bool) -> list[str] | None:
    out: list[str] = []
    for part in parts:
        if part in ("", "."):
            continue
        if part != "..":
            out.append(part)
        elif out:
            out.pop()
        elif not whole:  # leaves a zip unpacked at /var/task: not in the artifact
            return None
    return out
