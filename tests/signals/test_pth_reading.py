"""Issue 11, class 1: a ``.pth`` file read as every CPython 3.9-3.15 reads it.

Each case is bytes a hostile package could ship and the lines each release passes to
``exec`` (``site.addpackage``): 3.9-3.12 iterate a text file (universal newlines, locale
encoding, the BOM kept); 3.13-3.14 decode ``utf-8-sig`` (locale fallback) and use
``str.splitlines()``; 3.15 (PEP 829) strips each line first.
"""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wellcheck.signals.pth import read_pth, read_start, runs_in

EVERY = ("3.9-3.12", "3.13-3.14", "3.15")
NEW = ("3.13-3.14", "3.15")  # str.splitlines() readers

# (case id, bytes, [(executed text, 1-based line, versions)])
CASES: list[tuple[str, bytes, list[tuple[str, int, tuple[str, ...]]]]] = [
    ("newline", b"import os; os.getpid()\n", [("import os; os.getpid()", 1, EVERY)]),
    ("tab", b"import\tos\n", [("import\tos", 1, EVERY)]),
    ("cr-alone", b"some/dir\rimport os\n", [("import os", 2, EVERY)]),
    ("crlf", b"a\r\nimport os\r\n", [("import os", 2, EVERY)]),
    ("not-import", b"importos\n#import os\nImport os\n  \n", []),
    # str.splitlines() ends a line where a text file does not: only 3.13+ run these
    *(
        (f"splitlines-{sep!r}", b"# notes" + sep + b"import os\n", [("import os", 1, NEW)])
        for sep in (b"\x0b", b"\x0c", b"\x1c", b"\x1d", b"\x1e")
    ),
    *(
        (f"splitlines-U+{ord(ch):04X}", f"# notes{ch}import os\n".encode(), [("import os", 1, NEW)])
        for ch in ("\x85", "\u2028", "\u2029")
    ),
    # the UTF-8 BOM: removed by utf-8-sig (3.13+), part of the first line before
    ("bom", b"\xef\xbb\xbfimport os\n", [("import os", 1, NEW)]),
    ("bom-later-lines", b"\xef\xbb\xbfpath\nimport os\n", [("import os", 2, EVERY)]),
    # not UTF-8: 3.13+ fall back to the locale encoding; latin-1 makes \x85 a NEL
    ("latin-1-nel", b"# caf\xe9\x85import os\n", [("import os", 1, NEW)]),
    # valid UTF-8 ('\xc3\x85' is A-ring): no fallback, so the \x85 byte ends nothing
    ("utf-8-a-ring", b"# \xc3\x85import os\n", []),
    # a GB18030 locale spells U+2028 with four bytes
    ("gb18030", b"# x" + "\u2028".encode("gb18030") + b"import os\n", [("import os", 1, NEW)]),
    # PEP 829 strips the line before the test
    ("indented", b"  import os\n", [("import os", 1, ("3.15",))]),
    ("tab-indented", b"\timport os\n", [("import os", 1, ("3.15",))]),
    ("physical-line", b"a\nb\n# c\x0cimport os\n", [("import os", 3, NEW)]),
]


@pytest.mark.parametrize(("data", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_every_line_some_cpython_runs_is_found(
    data: bytes, expected: list[tuple[str, int, tuple[str, ...]]]
) -> None:
    found = [(line.text, line.line, line.versions) for line in read_pth(data).executable]
    assert found == expected


def test_a_line_all_readers_run_is_reported_once() -> None:
    (line,) = read_pth(b"import os\n").executable
    assert runs_in(line) == "every CPython 3.9-3.15"
    (only_new,) = read_pth(b"#\x0cimport os\n").executable
    assert runs_in(only_new) == "CPython 3.13-3.14, 3.15"


START_CASES: list[tuple[bytes, tuple[str, ...]]] = [
    (b"evil.hook:run\n", ("evil.hook:run",)),
    (b"\xef\xbb\xbf  a.b:c  \n# note\n\n\x0cd:e\n", ("a.b:c", "d:e")),  # BOM, strip, \f
    (b"# only a comment\n", ()),
    (b"a.b:c\n\xff\n", ()),  # not UTF-8: 3.15 ignores the file (no locale fallback)
]


@pytest.mark.parametrize(("data", "expected"), START_CASES)
def test_start_files_are_read_as_cpython_3_15_reads_them(
    data: bytes, expected: tuple[str, ...]
) -> None:
    assert read_start(data) == expected


def test_path_lines_are_kept_stripped_of_trailing_space() -> None:
    content = read_pth(b"vendored  \n../../../tmp/drop\n")
    assert [line.text for line in content.paths] == ["vendored", "../../../tmp/drop"]
    assert content.executable == ()


def _cpython_312_lines(data: bytes) -> list[str]:
    """Lib/site.py addpackage, 3.12 (UTF-8 locale), transcribed: a text file iterated.

    The real ``io.TextIOWrapper`` splits the lines; a decode error stops the loop (the
    interpreter fails to start there), so only the lines before it count.
    """
    lines: list[str] = []
    try:
        for line in io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"):
            if line.startswith("#") or line.strip() == "":
                continue
            if line.startswith(("import ", "import\t")):
                lines.append(line)
    except UnicodeDecodeError:
        pass
    return lines


def _cpython_313_lines(data: bytes) -> list[str]:
    """Lib/site.py addpackage, 3.13/3.14 (latin-1 locale fallback), transcribed."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return [
        line
        for line in text.splitlines()
        if not line.startswith("#") and line.strip() != "" and line.startswith(_IMPORT)
    ]


_IMPORT = ("import ", "import\t")
_PIECES = st.sampled_from(
    [b"import os", b"import\tx", b"#", b" ", b"\n", b"\r", b"\r\n", b"\x0b", b"\x0c", b"\x1c",
     b"\x85", b"\xc2\x85", b"\xe2\x80\xa8", b"\xef\xbb\xbf", b"\xff", b"a/b", b"\t"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_PIECES, st.binary(max_size=4)), max_size=12).map(b"".join))
def test_every_line_cpythons_own_loop_runs_is_reported(data: bytes) -> None:
    """Whatever the bytes, each line the transcribed 3.12 and 3.13 loops would exec is found."""
    reported = {line.text for line in read_pth(data).executable}
    for line in _cpython_312_lines(data) + _cpython_313_lines(data):
        assert line.strip() in reported
