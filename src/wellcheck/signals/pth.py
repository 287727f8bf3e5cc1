"""Read a ``.pth`` file the way every supported CPython does, and keep every line one runs.

``site.addpackage`` (Lib/site.py) decides which lines of a ``.pth`` file it passes to
``exec``: a line that starts with ``import`` and a space or a tab.  What counts as a
*line* is what changed between versions, and an attacker picks the version that hides the
code from a scanner.  This module reads the bytes once per way a runtime reads them
(:data:`READINGS`) and reports a line if any of them would run it:

* **CPython 3.9-3.12** wrap the file in ``io.TextIOWrapper(io.open_code(path),
  encoding="locale")`` (3.9: the default, also the locale encoding) and iterate it:
  universal newlines, so ``\\n``, ``\\r`` and ``\\r\\n`` end a line and nothing else does.
  A UTF-8 BOM is *not* removed (``\\ufeffimport os`` does not start with ``import``).
  Every locale encoding a Linux runtime uses is ASCII-compatible and none has a multi-byte
  sequence containing ``\\n`` or ``\\r``, so where lines start (and whether they start
  with ``import``) is the same for all of them: one reading, UTF-8, stands for all.
* **CPython 3.13 and 3.14** read the bytes, decode them as ``utf-8-sig`` (a BOM is
  removed) and split with ``str.splitlines()``, which also ends a line at ``\\v``,
  ``\\f``, ``\\x1c``-``\\x1e``, ``\\x85``, U+2028 and U+2029.  Only when the bytes are
  not UTF-8 do they fall back to ``locale.getencoding()``: under a UTF-8 locale that
  raises and the interpreter does not start (nothing runs); under a single-byte locale
  (latin-1 family) byte ``\\x85`` becomes NEL and ends a line; GB18030 can spell U+2028,
  U+2029 and U+0085 with multi-byte sequences.  Both are read.
* **CPython 3.15** (PEP 829, ``Lib/site.py`` on the main branch, 2026) strips each line
  before the test, so leading whitespace no longer hides an ``import`` line.

Three things are the same in every version and are mirrored here: lines starting with
``#`` and blank lines are skipped; the test is ``line.startswith(("import ",
"import\\t"))`` on the unstripped line (3.9-3.14); other lines are ``sys.path`` entries.
Not mirrored, because it can only make *fewer* lines run: 3.9-3.14 stop at the first line
that raises ("Remainder of file ignored"), and 3.15 skips the import lines of a ``.pth``
that has a matching ``.start`` file.  Sources: CPython ``Lib/site.py`` ``addpackage`` at
the 3.9, 3.12 (after gh-113659), 3.13/3.14 and main-branch revisions.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

# str.splitlines() boundaries (CPython 3.13+ and 3.15); universal newlines (3.9-3.12)
_SPLITLINES = re.compile("\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_UNIVERSAL = re.compile("\r\n|[\n\r]")
_IMPORT = ("import ", "import\t")
# locale encodings 3.13+ fall back to for bytes that are not UTF-8 (see the module doc)
_LOCALE_FALLBACKS = ("latin-1", "gb18030")


@dataclass(frozen=True)
class Reading:
    """One way a CPython release reads a ``.pth`` file."""

    versions: str  # "3.9-3.12", shown in evidence
    splitter: re.Pattern[str]
    strip: bool = False  # the line is stripped before the import test (PEP 829)


LEGACY = Reading("3.9-3.12", _UNIVERSAL)
SPLITLINES = Reading("3.13-3.14", _SPLITLINES)
PEP_829 = Reading("3.15", _SPLITLINES, strip=True)
READINGS = (LEGACY, SPLITLINES, PEP_829)


@dataclass(frozen=True)
class PthLine:
    """A line some CPython release passes to ``exec`` (or appends to ``sys.path``)."""

    text: str  # as the runtime sees it, without the line end
    line: int  # 1-based physical line (\\n, \\r or \\r\\n counted), where it starts
    versions: tuple[str, ...]  # the releases that read it this way


@dataclass(frozen=True)
class PthContent:
    executable: tuple[PthLine, ...]
    paths: tuple[PthLine, ...]  # other non-comment lines: sys.path entries


def is_executable_line(line: str) -> bool:
    """site.py's own test: the line starts with 'import' and a space or a tab."""
    return line.startswith(_IMPORT)


def read_pth(data: bytes) -> PthContent:
    """Every executable and path line of ``data`` under any supported CPython."""
    executable: dict[str, PthLine] = {}
    paths: dict[str, PthLine] = {}
    for reading, text in _decodings(data):
        for start, line in _lines(text, reading.splitter):
            tested = line.strip() if reading.strip else line
            if not tested.strip() or tested.startswith("#"):
                continue
            found = executable if is_executable_line(tested) else paths
            key = tested.strip()
            number = len(_UNIVERSAL.findall(text, 0, start)) + 1
            _merge(found, key, number, reading.versions)
    return PthContent(tuple(executable.values()), tuple(paths.values()))


def _decodings(data: bytes) -> Iterator[tuple[Reading, str]]:
    yield LEGACY, data.decode("utf-8", errors="replace")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        for encoding in _LOCALE_FALLBACKS:
            fallback = data.decode(encoding, errors="replace")
            yield SPLITLINES, fallback
            yield PEP_829, fallback
    else:
        yield SPLITLINES, text
        yield PEP_829, text


def _lines(text: str, splitter: re.Pattern[str]) -> Iterator[tuple[int, str]]:
    start = 0
    for match in splitter.finditer(text):
        yield start, text[start : match.start()]
        start = match.end()
    if start < len(text):
        yield start, text[start:]


def _merge(found: dict[str, PthLine], key: str, number: int, versions: str) -> None:
    known = found.get(key)
    if known is None:
        found[key] = PthLine(key, number, (versions,))
    elif versions not in known.versions:
        found[key] = PthLine(key, min(known.line, number), (*known.versions, versions))


def runs_in(line: PthLine) -> str:
    """'CPython 3.13-3.14, 3.15' or 'every CPython 3.9-3.15'."""
    if set(line.versions) >= {r.versions for r in READINGS}:
        return "every CPython 3.9-3.15"
    return "CPython " + ", ".join(r.versions for r in READINGS if r.versions in line.versions)


def leaves_root(path_line: str) -> bool:
    """A path line naming a directory outside the one the .pth file is in."""
    if path_line.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", path_line):
        return True
    depth = 0
    for part in re.split(r"[/\\]", path_line):
        if part == "..":
            depth -= 1
            if depth < 0:
                return True
        elif part not in ("", "."):
            depth += 1
    return False


def read_start(data: bytes) -> tuple[str, ...]:
    """The entry points (``pkg.mod:callable``) a ``.start`` file names, as CPython 3.15 reads
    it (PEP 829, ``_read_pthstart_file``): ``utf-8-sig`` or nothing (no locale fallback for
    ``.start`` files), ``str.splitlines()``, each line stripped, blank and ``#`` lines skipped.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return ()
    lines = (line.strip() for line in text.splitlines())
    return tuple(line for line in lines if line and not line.startswith("#"))


def first_entry_line(data: bytes) -> int | None:
    """The physical line (``\\n``, ``\\r``, ``\\r\\n`` ending lines, as :class:`PthLine` counts)
    where the first entry point of a ``.start`` file starts."""
    text = data.decode("utf-8-sig", errors="replace")
    offset = 0
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            before = text[:offset]
            return before.count("\n") + before.count("\r") - before.count("\r\n") + 1
        offset += len(line)
    return None
