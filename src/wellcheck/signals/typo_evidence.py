"""Evidence beyond the name: what an installed near-name says about itself.

The name alone cannot separate ``djongo`` (a real project) from ``diango`` (a
squat of django): both are one letter from the target, and the name-only
scores overlap (bench/typosquat_quality.py prints the trade-off).  An
installed distribution carries more: the squats in public write-ups copy the
imitated project's metadata and code so that nothing looks amiss, and they run
at start-up.  Each of these, found on a name near a popular project (scoring at
least typosquat.CORROBORATION_FLOOR), is evidence that the name is borrowed:

* **borrowed repository**: a project URL points at a repository named like the
  target (``colourama`` whose home page is ``github.com/tartley/colorama``);
* **shadowed import**: the distribution installs the target's import package
  (``colourama`` installing ``colorama/``), so ``import colorama`` may run the
  squat's copy.  The import name is taken to be the project's name with ``_`` for
  ``-``: projects imported under another name (``python-dateutil`` as
  ``dateutil``) are not covered; deriving it from affixes as well flagged more
  legitimate names than the budget allows (bench/typosquat_corroboration.py);
* **start-up hook**: it ships a ``.pth`` file or a ``sitecustomize`` /
  ``usercustomize`` module (source, bytecode, extension or package), which
  Python runs at every start.  The ``.pth`` files installers write are exempt
  only for the distribution they belong to (``<own-name>-...-nspkg.pth``,
  setuptools' ``distutils-precedence.pth``).

Everything here is offline and reads only the component's own metadata.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from packaging.utils import canonicalize_name

from wellcheck.models import Component
from wellcheck.signals.startup import CUSTOMIZE_MODULES, MODULE_SUFFIXES

# hosts whose second path segment is the repository name
FORGES = ("github.com", "gitlab.com", "bitbucket.org", "codeberg.org")


def repository_name(url: str) -> str | None:
    """The canonical name of the repository a forge URL is the home of, if it is one.

    Only the repository's own page counts (``github.com/OWNER/REPO``): a URL into
    a monorepo (``.../tree/main/libraries/plugin``), its issues or its releases is
    how plugins and forks that live beside the target point at it.
    """
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    host = (parts.hostname or "").lower().removeprefix("www.")
    segments = [s for s in parts.path.split("/") if s]
    if host not in FORGES or len(segments) != 2 or parts.query:
        return None
    repo = segments[1].removesuffix(".git")
    return canonicalize_name(repo) if repo else None


def import_name(project: str) -> str:
    """The import package a project of this canonical name usually provides."""
    return project.replace("-", "_")


def borrowed_repository(component: Component, target: str) -> str | None:
    """A project URL of ``component`` naming the target's repository, if any."""
    own = component.name
    for label, url in component.project_urls:
        repo = repository_name(url)
        if repo is not None and repo == target and repo != own:
            return f"its {label or 'project'} URL {url} is the repository of {target!r}"
    return None


def shadowed_import(component: Component, target: str) -> str | None:
    """The target's import package, when ``component`` installs it under another name."""
    wanted = import_name(target)
    if wanted == import_name(component.name):
        return None
    modules = {m.lower() for m in component.top_level}
    for path in component.files:
        modules.add(path.split("/", 1)[0].removesuffix(".py").lower())
    if wanted in modules:
        return f"it installs the import package {wanted!r} of {target!r}"
    return None


def _installers_own_pth(name: str, component: Component) -> bool:
    """Is ``name`` a .pth file an installer writes for ``component`` itself?"""
    if name == "distutils-precedence.pth":
        return component.name == "setuptools"
    stem = name.removeprefix("__editable__.")
    if name.endswith("-nspkg.pth") or stem != name:
        return canonicalize_name(stem.split("-", 1)[0]) == component.name
    return False


def _is_customize_module(head: str) -> bool:
    """``sitecustomize.py``, ``.pyc``, ``sitecustomize.cpython-312-....so``, or a package."""
    module, dot, _ = head.partition(".")
    if module not in CUSTOMIZE_MODULES:
        return False
    return not dot or head.endswith(MODULE_SUFFIXES)


def startup_hook(component: Component) -> str | None:
    """A start-up file the component installs at its site-packages root, if any."""
    for path in component.files:
        head, _, rest = path.partition("/")
        if not rest and head.endswith(".pth") and not _installers_own_pth(head, component):
            return f"it installs the start-up file {path!r}"
        if _is_customize_module(head):
            return f"it installs the start-up module {head!r}"
    return None


def corroboration(component: Component, target: str) -> tuple[str, ...]:
    """Every piece of evidence that ``component`` borrows ``target``'s identity."""
    found = (
        borrowed_repository(component, target),
        shadowed_import(component, target),
        startup_hook(component),
    )
    return tuple(e for e in found if e)
