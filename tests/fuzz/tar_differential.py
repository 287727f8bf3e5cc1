"""Differential testing of wellcheck's tar reader against CPython's ``tarfile`` (issue 11).

    python tests/fuzz/tar_differential.py --seconds 600 --seed 1

Layer tars (the seeds of tests/fuzz/fuzz_archives.py, in pax, GNU and ustar form, and
hand-built ones: PAX and GNU sparse files, long names and links, base-256 sizes,
old-style directories, trailing slashes, duplicates, a global header) are mutated at
the byte level and structurally: header fields set to values the two readers parse
differently (octal with leading NULs, spaces or junk, base-256, signs), typeflags,
magics, prefixes, names ending in ``/``; PAX, global and GNU long-name records
inserted before a member (path, linkpath, size, ``GNU.sparse.*``, uid, mtime, empty
and malformed values); members duplicated, dropped or preceded by a zero block.

The contract: wherever wellcheck accepts a layer, CPython's ``tarfile`` reads the same
members -- names (normalised alike), kinds, sizes, link targets and every file's
content -- else wellcheck must refuse the layer (an input error).  A mutant breaking
it is a *disagreement*; ``--save`` keeps it.  Run under each CPython the project
supports (tarfile changed between 3.11, 3.12 and 3.13).
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "artifact"))
sys.path.insert(0, str(HERE))

from fuzz_archives import _layers, mutate_tar  # noqa: E402
from imagebuilder import layer_tar  # noqa: E402
from tarkit import (  # noqa: E402
    BLOCK,
    GNU,
    USTAR,
    header,
    longname,
    member,
    octal,
    pad,
    pax,
    record,
    sparse_01,
    sparse_10,
    tar,
)

from wellcheck.artifact.limits import Limits  # noqa: E402
from wellcheck.artifact.tarsafe import (  # noqa: E402
    Budget,
    MemberKind,
    iter_members,
    normalise_tar_name,
    open_slice,
)
from wellcheck.artifact.tarsparse import open_sparse  # noqa: E402
from wellcheck.errors import WellcheckError  # noqa: E402

LIMITS = Limits(max_member_size=4 << 20, max_total_size=64 << 20, max_metadata_size=1 << 20)
#: one member as both readers must see it: name, kind, size, link target, content
Member = tuple[str, str, int, str, bytes | None]


# ----------------------------------------------------------------------------- the two views


def wellcheck_view(path: Path) -> list[Member] | str:
    """The members wellcheck catalogues, in archive order; the error class if it refuses."""
    try:
        found: list[Member] = []
        size = path.stat().st_size
        for m in iter_members(str(path), 0, size, LIMITS, Budget(LIMITS), "layer"):
            content = None
            if m.kind is MemberKind.FILE:
                if m.sparse is not None:
                    stream = open_sparse(str(path), m.offset, m.sparse, m.size, m.name)
                else:
                    stream = open_slice(str(path), m.offset, m.size, m.name)
                with stream:
                    content = stream.read()
            found.append((m.name, m.kind.value, m.size, m.linkname, content))
        return found
    except WellcheckError as exc:
        return type(exc).__name__


def _text(name: str) -> str:
    """A tarfile name (surrogate-escaped) spelled as wellcheck spells names."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def cpython_view(data: bytes) -> list[Member] | str:
    """The members CPython's tarfile reads; ``cpython: <error>`` when it cannot."""
    if not data:  # tarfile.open refuses an empty file ("empty file"): no member either way
        return []
    try:
        found: list[Member] = []
        with tarfile.open(
            fileobj=io.BytesIO(data), mode="r:", encoding="utf-8", errors="surrogateescape"
        ) as archive:
            for info in archive.getmembers():
                name = normalise_tar_name(_text(info.name))
                if info.isreg() or info.type not in tarfile.SUPPORTED_TYPES:
                    content = archive.extractfile(info).read()  # type: ignore[union-attr]
                    found.append((name, "file", info.size, "", content))
                elif info.isdir():
                    found.append((name, "dir", 0, "", None))
                elif info.issym():
                    found.append((name, "symlink", 0, _text(info.linkname), None))
                elif info.islnk():
                    target = normalise_tar_name(_text(info.linkname))
                    found.append((name, "hardlink", 0, target, None))
                else:
                    found.append((name, "special", 0, "", None))
        return found
    except Exception as exc:  # any failure of CPython's reader counts
        return f"cpython: {type(exc).__name__}"


def compare(data: bytes, path: Path) -> tuple[str, str | None]:
    """(outcome, disagreement): 'refused', 'agree', or a disagreement described."""
    path.write_bytes(data)
    ours = wellcheck_view(path)
    if isinstance(ours, str):
        return "refused", None
    theirs = cpython_view(data)
    if theirs == ours:
        return "agree", None
    if isinstance(theirs, str):
        return "disagree", f"wellcheck read {len(ours)} members, {theirs}"
    for index, (mine, other) in enumerate(zip(ours, theirs, strict=False)):
        if mine != other:
            return "disagree", f"member {index}: wellcheck {_short(mine)} cpython {_short(other)}"
    return "disagree", f"wellcheck read {len(ours)} members, cpython {len(theirs)}"


def _short(member: Member) -> str:
    name, kind, size, link, content = member
    shown = None if content is None else content[:24]
    return repr((name[:60], kind, size, link[:40], shown))


# ----------------------------------------------------------------------------- seeds


def seeds() -> dict[str, bytes]:
    """Layer tars: the fuzzer's image layers in three formats, and hand-built ones."""
    found: dict[str, bytes] = {}
    for index, layer in enumerate(_layers()):
        found[f"layer{index}-pax"] = layer_tar(layer)  # type: ignore[arg-type]
        for fmt, label in ((tarfile.GNU_FORMAT, "gnu"), (tarfile.USTAR_FORMAT, "ustar")):
            found[f"layer{index}-{label}"] = _rewrite(found[f"layer{index}-pax"], fmt)
    holey = b"\0" * 700 + b"import os\n" + b"\0" * 2000 + b"end"
    name = b"usr/local/lib/python3.12/site-packages/x.pth"
    found["sparse-0.1"] = tar(sparse_01(name, holey), member(b"after.py", b"a"))
    found["sparse-1.0"] = tar(sparse_10(name, holey), member(b"after.py", b"a"))
    found["gnu-long"] = tar(
        longname(b"opt/" + b"n" * 150 + b"/m.py") + member(b"short", b"long"),
        longname(b"t" * 120, b"K") + member(b"opt/link", kind=b"2", magic=GNU),
        member(b"opt/hard", kind=b"1", linkname=b"short"),
    )
    found["pax-links"] = tar(
        pax({"path": "opt/é" * 30, "mtime": "1700000000.5", "uid": "1000"}) + member(b"x", b"p"),
        pax({"linkpath": "../" + "q" * 120}) + member(b"opt/sym", kind=b"2"),
    )
    found["odd-types"] = tar(
        header(b"d/", 512, b"\0"),
        member(b"d/f.py", b"f"),
        member(b"slash.pth/", b"import sys\n"),
        member(b"cont.py", b"c", kind=b"7"),
        member(b"dev/null", kind=b"3"),
        member(b"fifo", kind=b"6"),
        member(b"dir", kind=b"5"),
        member(b"caf\xe9.py", b"latin"),
    )
    big = header(b"big.py", 0, fields={124: b"\x80" + bytes(7) + (5).to_bytes(4, "big")})
    found["numbers"] = tar(
        big + pad(b"12345"),
        header(b"spaced.py", 0, fields={124: b"         12 "}) + pad(b"x" * 10),
        pax({"comment": "c" * 40}, kind=b"g"),
        member(b"dup.py", b"one"),
        member(b"dup.py", b"two"),
    )
    return found


def _rewrite(data: bytes, fmt: int) -> bytes:
    out = io.BytesIO()
    with (
        tarfile.open(fileobj=io.BytesIO(data)) as src,
        tarfile.open(fileobj=out, mode="w", format=fmt) as dst,
    ):
        for info in src.getmembers():
            info.pax_headers = {}
            stream = src.extractfile(info) if info.isreg() else None
            dst.addfile(info, stream)
    return out.getvalue()


# ----------------------------------------------------------------------------- mutations

TYPES = [b"0", b"\0", b"1", b"2", b"3", b"4", b"5", b"6", b"7", b"x", b"g", b"L", b"K", b"S",
         b"D", b"X", b"V", b"A"]  # fmt: skip
MAGICS = [USTAR, GNU, b"ustar\x00  ", bytes(8), b"ustar\x00xx", b"USTAR\x0000"]


def _numbers(width: int, value: int) -> list[bytes]:
    """Spellings of ``value`` in a ``width``-byte field; readers differ on most."""
    digits = b"%o" % value
    return [
        octal(value, width),
        (b" " * (width - len(digits) - 2) + digits + b" \0")[-width:],
        (b"\0" * (width - len(digits) - 1) + digits + b"\0")[-width:],
        (digits + b"\0junk" + bytes(width))[:width],
        (digits + b" \0 x" + bytes(width))[:width],
        b"\x80" + value.to_bytes(width - 1, "big"),
        b"\x81" + bytes(width - 1),
        b"\xff" * width,
        (b"+" + digits + bytes(width))[:width],
        (b"0o" + digits + bytes(width))[:width],
        (b"\t" + digits + bytes(width))[:width],
        b" " * width,
        bytes(width),
        (b"9" + digits + bytes(width))[:width],
    ]


def _headers(data: bytes) -> list[int]:
    """Offsets of blocks that look like headers (a ustar magic)."""
    return [
        at for at in range(0, len(data) - BLOCK + 1, BLOCK) if data[at + 257 : at + 262] == b"ustar"
    ]


def _size_of(block: bytes) -> int:
    try:
        return int(block[124:136].split(b"\0")[0].strip() or b"0", 8)
    except ValueError:
        return 0


def _fix(block: bytearray) -> None:
    block[148:156] = b" " * 8
    block[148:156] = b"%06o\x00 " % sum(block)


def mutate_field(data: bytes, rng: random.Random) -> bytes:
    at_list = _headers(data)
    if not at_list:
        return mutate_tar(data, rng)
    at = rng.choice(at_list)
    block = bytearray(data[at : at + BLOCK])
    choice = rng.randrange(9)
    size = _size_of(bytes(block))
    if choice == 0:
        block[124:136] = rng.choice(_numbers(12, rng.choice([size, size + 1, 0, 512, size + 512])))
    elif choice == 1:
        block[156:157] = rng.choice(TYPES)
    elif choice == 2:
        name = bytes(block[0:100]).split(b"\0")[0]
        new = rng.choice([name + b"/", name + b"//", b"./" + name, b"/" + name, b"\xff" + name,
                          b"", b"a/../b", name[:-1] + b"\\x41"])  # fmt: skip
        block[0:100] = (new + bytes(100))[:100]
    elif choice == 3:
        block[257:265] = rng.choice(MAGICS)
    elif choice == 4:
        block[345:500] = (rng.choice([b"pre", b"00000000000", b"a/b", b"\xff"]) + bytes(155))[:155]
    elif choice == 5:
        start, end = rng.choice([(100, 108), (108, 116), (116, 124), (136, 148), (329, 337)])
        block[start:end] = rng.choice(_numbers(end - start, 0o644))
    elif choice == 6:
        block[345:357] = rng.choice(_numbers(12, 1_700_000_000))  # a GNU atime / prefix
    elif choice == 7:
        block[508:512] = b"tar\0"  # a star header
    else:
        block[157:257] = (rng.choice([b"a.py", b"../x", b"", b"d/"]) + bytes(100))[:100]
    if rng.random() < 0.9:
        _fix(block)
    return data[:at] + bytes(block) + data[at + BLOCK :]


KEYS = ["path", "linkpath", "size", "uid", "mtime", "comment", "hdrcharset", "GNU.sparse.name",
        "GNU.sparse.size", "GNU.sparse.realsize", "GNU.sparse.map", "GNU.sparse.numblocks",
        "GNU.sparse.major", "GNU.sparse.minor", "GNU.sparse.offset", "GNU.sparse.foo"]  # fmt: skip


def _values(rng: random.Random, name: bytes, size: int) -> bytes:
    return rng.choice([name, name + b"/", b"other.py", b"", b"\xc2\xb2", b"9" * 40, b"+5",
                       b"%d" % size, b"%d" % (size + 1), b"0", b"1", b"0,1", b"0,%d" % size,
                       b"1.5", b"BINARY", b"a\0b", b"-1", b"%d" % (size * 3)])  # fmt: skip


def mutate_records(data: bytes, rng: random.Random) -> bytes:
    """Insert a PAX, global or GNU long-name record before some member."""
    at_list = _headers(data)
    if not at_list:
        return mutate_tar(data, rng)
    at = rng.choice(at_list)
    name = data[at : at + 100].split(b"\0")[0]
    size = _size_of(data[at : at + BLOCK])
    roll = rng.random()
    if roll < 0.2:
        inserted = longname(_values(rng, name, size), rng.choice([b"L", b"K"]))
    else:
        items = [(k, _values(rng, name, size)) for k in rng.sample(KEYS, rng.randrange(1, 4))]
        body = b"".join(record(k, v) for k, v in items)
        if rng.random() < 0.15:  # malformed: a wrong length, no newline, junk
            body = rng.choice([body[1:], body[:-1], b"99 " + body, body + b"\0x"])
        kind = b"g" if roll > 0.85 else b"x"
        padding = b"\x00" if rng.random() < 0.9 else b"7"
        inserted = pax(raw=body, kind=kind, padding=padding)
    return data[:at] + inserted + data[at:]


def mutate_structure(data: bytes, rng: random.Random) -> bytes:
    """Duplicate, drop or swap members, or put a zero block before one."""
    try:
        with tarfile.open(fileobj=io.BytesIO(data)) as archive:
            spans = [(m.offset, m.offset_data + (-(-m.size // BLOCK) * BLOCK if m.isreg() else 0))
                     for m in archive.getmembers()]  # fmt: skip
    except Exception:  # a damaged input: mutate its bytes instead
        return mutate_tar(data, rng)
    if not spans:
        return mutate_tar(data, rng)
    start, end = rng.choice(spans)
    chunk = data[start:end]
    op = rng.randrange(4)
    if op == 0:
        return data[:end] + chunk + data[end:]
    if op == 1:
        return data[:start] + data[end:]
    if op == 2:
        return data[:start] + bytes(BLOCK) + data[start:]
    other_start, other_end = rng.choice(spans)
    if other_start >= end:
        return data[:start] + data[end:other_start] + data[other_start:other_end] + chunk
    return data[:start] + chunk + data[end:]


MUTATORS: list[Callable[[bytes, random.Random], bytes]] = [
    mutate_tar,
    mutate_field,
    mutate_field,
    mutate_records,
    mutate_records,
    mutate_structure,
]


# ----------------------------------------------------------------------------- the harness


@dataclass
class DiffResult:
    mutants: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    disagreements: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = [
            f"python: {sys.version.split()[0]}",
            f"mutants: {self.mutants}",
            "outcomes: " + ", ".join(f"{k}={v}" for k, v in sorted(self.outcomes.items())),
            f"disagreements: {len(self.disagreements)}",
        ]
        return "\n".join(lines + [f"DISAGREE {d}" for d in self.disagreements[:20]])


def run(
    seconds: float,
    seed: int = 0,
    max_mutants: int | None = None,
    save: Path | None = None,
) -> DiffResult:
    rng = random.Random(seed)
    result = DiffResult()
    corpus = seeds()
    names = sorted(corpus)
    with tempfile.TemporaryDirectory(prefix="wellcheck-tardiff-") as tmp:
        path = Path(tmp) / "layer.tar"
        for name in names:  # the seeds themselves must agree
            outcome, problem = compare(corpus[name], path)
            if outcome != "agree":
                result.disagreements.append(f"seed {name}: {outcome} {problem}")
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if max_mutants is not None and result.mutants >= max_mutants:
                break
            kind = rng.choice(names)
            data = corpus[kind]
            for _ in range(rng.choice((1, 1, 1, 2, 3))):
                data = rng.choice(MUTATORS)(data, rng)
            outcome, problem = compare(data, path)
            result.mutants += 1
            result.outcomes[outcome] = result.outcomes.get(outcome, 0) + 1
            if problem is not None:
                result.disagreements.append(f"{kind}: {problem}")
                if save is not None:
                    save.mkdir(parents=True, exist_ok=True)
                    (save / f"{kind}-{result.mutants}.tar").write_bytes(data)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="time budget")
    parser.add_argument("--seed", type=int, default=0, help="random seed (runs are repeatable)")
    parser.add_argument("--save", type=Path, default=None, help="keep disagreeing mutants here")
    args = parser.parse_args(argv)
    started = time.monotonic()
    result = run(args.seconds, args.seed, save=args.save)
    print(result.summary())
    print(f"elapsed: {time.monotonic() - started:.0f}s")
    return 1 if result.disagreements else 0


if __name__ == "__main__":
    sys.exit(main())
