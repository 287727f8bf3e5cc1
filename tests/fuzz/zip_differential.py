"""Differential fuzzing of the zip reader against CPython's ``zipfile`` (issue 11).

    python tests/fuzz/zip_differential.py --seconds 300 [--seed N] [--save DIR]

Each mutant of a seed zip is read twice: by ``zipfile`` (what pip installs from)
and by wellcheck.  For every member both report, the normalised path, the kind,
the declared size and (up to 64 KiB) the content must agree; where they do not,
wellcheck must have refused the archive (any ``WellcheckError`` at open, or a
hostile-artifact error when the member is read).  wellcheck seeing a symlink
where zipfile sees a file agrees when the file holds the link's target.

Allowed without a refusal, because zipfile then installs nothing at all: zipfile
refusing the whole archive for a malformed extra field or a name flagged UTF-8
that is not (wellcheck reads such a zip as ``unzip`` does); zipfile unable to
read a member wellcheck cannot read either.

Seeds: the Lambda zip of ``fuzz_archives.py`` and zips written here (zipfile
with each method, data descriptors, zip64, a comment, extra fields, a wheel).
Mutations: ``zipmodel.MUTATORS`` (end records, comment lengths, prepended
bytes, local/central disagreements, names, methods, flags, extra fields, zip64
records, data descriptors, overlapping entries, sizes and CRCs, unix modes,
duplicated records, versions), then byte-level havoc one time in five.
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import tempfile
import time
import warnings
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "artifact"))
sys.path.insert(0, str(HERE))

from fuzz_archives import mutate_bytes, zip_seed  # noqa: E402
from zipkit import WHEEL, RawMember, extra_field, raw_zip, unicode_path  # noqa: E402
from zipmodel import mutant, parse  # noqa: E402

from wellcheck.artifact import open_artifact  # noqa: E402
from wellcheck.artifact.base import EntryKind  # noqa: E402
from wellcheck.artifact.limits import Limits  # noqa: E402
from wellcheck.artifact.paths import normalise_member  # noqa: E402
from wellcheck.errors import HostileArtifactError, WellcheckError  # noqa: E402

LIMITS = Limits(max_member_size=4 << 20, max_total_size=64 << 20, max_members=5000)
CONTENT = 64 * 1024  # bytes of each member compared
#: zipfile's refusals of a whole archive that leave nothing installed and nothing to compare
ALLOWED_ZIPFILE_REFUSALS = ("Corrupt extra field", "'utf-8' codec can't decode")

#: a member as one reader sees it: (kind, declared size, content or error)
Item = tuple[str, int, bytes | str]


@dataclass
class View:
    refused: str | None = None  # why the whole archive was refused
    items: dict[str, Item] = field(default_factory=dict)
    hostile_name: str | None = None  # zipfile lists a name wellcheck must refuse


def zipfile_view(data: bytes) -> View:
    with warnings.catch_warnings():  # 3.12+ warns of an empty Unicode Path field
        warnings.simplefilter("ignore")
        return _zipfile_view(data)


def _zipfile_view(data: bytes) -> View:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except Exception as exc:  # anything zipfile raises refuses the archive
        return View(refused=f"{type(exc).__name__}: {exc}")
    view = View()
    for info in zf.infolist():
        name = _as_wellcheck_names(info)
        try:
            path = normalise_member(name, allow_root=True)
        except HostileArtifactError as exc:
            view.hostile_name = str(exc)
            continue
        if not path:
            continue
        if name.endswith("/"):
            view.items[path] = ("dir", 0, b"")
            continue
        view.items[path] = ("file", info.file_size, _zipfile_content(zf, info))
    return view


def _as_wellcheck_names(info: zipfile.ZipInfo) -> str:
    """zipfile's name, spelt as wellcheck decodes raw names (UTF-8 first, then cp437;
    zipfile decodes unflagged names as cp437): the same bytes either way."""
    if info.filename != info.orig_filename.partition("\x00")[0]:
        return info.filename  # a Unicode Path field renamed it (zipfile 3.12+)
    raw = info.orig_filename.encode("utf-8" if info.flag_bits & 0x800 else "cp437")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp437")


def _zipfile_content(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes | str:
    try:
        with zf.open(info) as fh:
            return fh.read(CONTENT)
    except Exception as exc:  # any failure means zipfile cannot read it
        return f"error: {type(exc).__name__}"


def wellcheck_view(path: Path) -> View:
    try:
        opened = open_artifact(str(path), LIMITS)
    except WellcheckError as exc:
        return View(refused=f"{type(exc).__name__}: {exc}")
    view = View()
    with opened:
        tree = opened.trees[0]
        try:
            entries = dict(tree.entries())
        except WellcheckError as exc:  # listing the members refused the archive
            return View(refused=f"{type(exc).__name__}: {exc}")
        for name, entry in entries.items():
            if entry.kind is EntryKind.DIR:
                view.items[name] = ("dir", 0, b"")
            elif entry.kind is EntryKind.SYMLINK:  # zipfile writes its target as content
                view.items[name] = ("file", entry.size, (entry.link_target or "").encode())
            else:
                view.items[name] = ("file", entry.size, _wellcheck_content(tree, name))
    return view


def _wellcheck_content(tree: object, name: str) -> bytes | str:
    try:
        with tree.open(name) as fh:  # type: ignore[attr-defined]
            return fh.read(CONTENT)  # type: ignore[no-any-return]
    except HostileArtifactError:
        return "refused"
    except WellcheckError as exc:
        return f"error: {type(exc).__name__}"


def compare(theirs: View, ours: View) -> str:
    """An outcome; those starting with 'disagree' break the rule."""
    if ours.refused is not None:
        return "both refuse" if theirs.refused is not None else "wellcheck refuses"
    if theirs.refused is not None:
        if any(allowed in theirs.refused for allowed in ALLOWED_ZIPFILE_REFUSALS):
            return "zipfile refuses (allowed)"
        return f"disagree: zipfile refuses ({theirs.refused[:80]}), wellcheck reads"
    if theirs.hostile_name is not None:
        return f"disagree: zipfile lists {theirs.hostile_name[:80]}"
    if set(theirs.items) != set(ours.items):
        only = sorted(set(theirs.items) ^ set(ours.items))[:3]
        return f"disagree: members {only}"
    outcome = "agree"
    for path, (kind, size, content) in theirs.items.items():
        our_kind, our_size, our_content = ours.items[path]
        if (kind, size) != (our_kind, our_size):
            return f"disagree: {path!r} is {kind}/{size} for zipfile, {our_kind}/{our_size}"
        if our_content == "refused":
            outcome = "agree (wellcheck refuses a member)"
        elif isinstance(content, bytes) != isinstance(our_content, bytes):
            return f"disagree: {path!r} reads as {str(content)[:40]} / {str(our_content)[:40]}"
        elif isinstance(content, bytes) and content != our_content:
            return f"disagree: {path!r} has different content"
    return outcome


def seeds() -> dict[str, bytes]:
    """Well-formed zips, each parsed into editable records by the mutators."""
    made: dict[str, bytes] = {"lambda": zip_seed()}
    files = {
        "app.py": b"def handler(e, c):\n    return 1\n" * 4,
        "pkg/__init__.py": b"x = 1\n",
        "pkg-1.0.dist-info/METADATA": b"Name: pkg\nVersion: 1.0\n",
        "data/": b"",
    }
    for label, method in (("stored", 0), ("deflate", 8), ("bzip2", 12), ("lzma", 14)):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", method) as zf:
            for name, data in files.items():
                zf.writestr(name, data)
        made[label] = buffer.getvalue()
    made["zip64"] = raw_zip([RawMember(n, d) for n, d in files.items()], zip64=True)
    made["comment"] = raw_zip([RawMember(n, d) for n, d in files.items()], comment=b"built")
    made["extras"] = raw_zip(
        [
            RawMember("a.py", b"a = 1\n", extra=extra_field(0x5455, b"\x01\x00\x00\x00\x00")),
            RawMember(
                "café.py", b"b", extra=unicode_path("café.py", header_name="café.py".encode())
            ),
        ]
    )
    info = "pkg-1.0.dist-info"
    made["wheel"] = raw_zip(
        [
            RawMember(f"{info}/WHEEL", WHEEL),
            RawMember(f"{info}/METADATA", b"Name: pkg\n"),
            RawMember(f"{info}/RECORD", b""),
            RawMember("pkg/__init__.py", b""),
        ]
    )
    return made


@dataclass
class Result:
    mutants: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    by_mutator: Counter[str] = field(default_factory=Counter)
    disagreements: list[tuple[str, list[str], bytes]] = field(default_factory=list)

    def summary(self) -> str:
        lines = [f"{self.mutants} mutants, {len(self.disagreements)} disagreements"]
        lines += [f"  {count:7d}  {outcome}" for outcome, count in self.outcomes.most_common()]
        return "\n".join(lines)


def run(*, seconds: float | None = None, mutants: int | None = None, seed: int = 0) -> Result:
    """Mutants until the time or count is spent (fixed ``seed``: the same mutants)."""
    rng = random.Random(seed)
    made = seeds()
    parsed = {label: parse(data) for label, data in made.items()}
    others = list(made.values())
    result = Result()
    deadline = time.monotonic() + seconds if seconds is not None else None
    with tempfile.TemporaryDirectory(prefix="wellcheck-zipdiff-") as work:
        path = Path(work) / "mutant.zip"
        while (mutants is None or result.mutants < mutants) and (
            deadline is None or time.monotonic() < deadline
        ):
            label = rng.choice(sorted(parsed))
            names, data = mutant(parsed[label], rng, others)
            if rng.random() < 0.2:
                names, data = [*names, "bytes"], mutate_bytes(data, rng)
            path.write_bytes(data)
            outcome = compare(zipfile_view(data), wellcheck_view(path))
            result.mutants += 1
            result.outcomes[outcome.split(":")[0]] += 1
            result.by_mutator.update(names)
            if outcome.startswith("disagree"):
                result.disagreements.append((outcome, [label, *names], data))
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="time budget")
    parser.add_argument("--seed", type=int, default=0, help="random seed (runs are repeatable)")
    parser.add_argument("--save", type=Path, default=None, help="directory for disagreements")
    args = parser.parse_args(argv)
    result = run(seconds=args.seconds, seed=args.seed)
    print(f"python {sys.version.split()[0]}, seed {args.seed}, {args.seconds:g} s")
    print(result.summary())
    for index, (outcome, names, data) in enumerate(result.disagreements[:20]):
        print(f"  {'+'.join(names)}: {outcome}")
        if args.save is not None:
            args.save.mkdir(parents=True, exist_ok=True)
            (args.save / f"disagreement-{index}.zip").write_bytes(data)
    return 1 if result.disagreements else 0


if __name__ == "__main__":
    sys.exit(main())
