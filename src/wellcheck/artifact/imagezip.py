"""Archives inside an image, and an image file that is also a zip archive.

Wheels, eggs and zips in an image (a function's vendored wheel under ``var/task``,
an ``.egg`` in site-packages) become more trees, as they do in a zip
(:func:`~wellcheck.artifact.nested.find_nested`), read in place from the layers;
one that cannot be opened is listed as not scanned (the scan is then incomplete).

A file can also parse as two formats at once: a tar (docker-save, OCI, a root
filesystem) whose bytes hold a zip's entries, central directory and end record.
``docker load`` and containerd read the tar; a zip reader (AWS Lambda's,
``unzip``, CPython's ``zipfile``, all of which accept bytes before a zip and after
its end record) reads the zip.  wellcheck does not guess which runtime will get
the file: it reads it both ways and reports both, the zip's trees under the chain
``[read as a zip]`` (a crafted tar whose first member's name begins with a zip
signature used to be read as a Lambda zip only).  Legitimate images carry wheels,
and one that ends the last layer can make the whole file a zip; when that zip is
exactly a file of the image already opened as a nested archive, it is the same
archive and is not read twice.
"""

from __future__ import annotations

import os
from pathlib import Path

from wellcheck.artifact.common import Budget
from wellcheck.artifact.limits import Limits
from wellcheck.artifact.nested import NestedArchives, find_nested, tree_warnings
from wellcheck.artifact.overlay import OverlayTree
from wellcheck.artifact.zipend import EndRecord, find_end_record
from wellcheck.artifact.zipformat import looks_like_zip
from wellcheck.errors import ArtifactError, HostileArtifactError

ZIP_VIEW = "[read as a zip]"


def open_nested(
    path: str, tree: OverlayTree, limits: Limits, used: int, *, read_as_zip: bool
) -> tuple[NestedArchives, list[str]]:
    """The image's nested archives (and, with ``read_as_zip``, the file read as a zip
    when it is one), and the warnings to report.  ``used``: bytes the layers took."""
    read = Budget(limits)
    read.used = used  # one total for the artifact
    try:
        nested = find_nested(tree, limits, 0, read)
    except BaseException:
        tree.close()
        raise
    try:
        notes = _zip_view(path, tree, nested, limits, read) if read_as_zip else []
    except BaseException:
        for opened in (tree, *nested.trees):
            opened.close()
        raise
    return nested, [*tree_warnings(nested.trees), *notes]


def _zip_view(
    path: str, tree: OverlayTree, nested: NestedArchives, limits: Limits, read: Budget
) -> list[str]:
    """Open ``path`` as a zip too when it is one; the warnings that says so."""
    try:
        with Path(path).open("rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            end = find_end_record(fh, size) if looks_like_zip(fh, size) else None
        if end is None or _carried(path, tree, nested, end):
            return []
        view = _open_zip(path, limits, read)
    except HostileArtifactError:
        raise
    except ArtifactError as exc:
        nested.not_scanned.append(f"{ZIP_VIEW}: the file is also a zip, unreadable as one: {exc}")
        return []
    nested.trees.extend(view.trees)
    nested.not_scanned.extend(view.not_scanned)
    note = (
        "the file is also a zip archive (a zip reader such as AWS Lambda's reads it so): "
        f"its content is reported under {ZIP_VIEW}"
    )
    return [note, *tree_warnings(view.trees)]


def _open_zip(path: str, limits: Limits, read: Budget) -> NestedArchives:
    from wellcheck.artifact.zipreader import open_zip_file

    zip_tree = open_zip_file(path, limits, read, (ZIP_VIEW,), f"{path} {ZIP_VIEW}")
    try:
        inner = find_nested(zip_tree, limits, 0, read)
    except BaseException:
        zip_tree.close()
        raise
    return NestedArchives([zip_tree, *inner.trees], inner.not_scanned)


def _carried(path: str, tree: OverlayTree, nested: NestedArchives, end: EndRecord) -> bool:
    """Whether the zip the whole file holds (entries through end record) lies inside one
    file of the image that was opened as a nested archive: then both read the same end
    record (the last one in the file), so they are the same archive."""
    start, stop = end.concat, end.concat + end.cd_offset + end.cd_size + 22
    for inner in nested.trees:
        where = tree.extent(inner.chain[0]) if len(inner.chain) == 1 else None
        if (
            where is not None
            and where[0] == path
            and where[1] <= start < stop <= where[1] + where[2]
        ):
            return True
    return False
