"""Random-mutation fuzzing of the archive readers (issue 5).

    python tests/fuzz/fuzz_archives.py --seconds 60 [--seed N] [--crashes DIR]
    python tests/fuzz/fuzz_archives.py --tar-differential --seconds 600 [--seed N]

Seeds are small valid artifacts generated here: a Lambda zip (stored, deflate,
symlinks, a nested wheel), docker-save tars (plain and gzip layers, the outer
tar also gzipped), OCI tars (gzip and zstd layers; a multi-platform one with a
nested index) and a plain root-filesystem tar.  Each iteration mutates one seed
at one of three levels -- the artifact's bytes, one layer's uncompressed tar
(recompressed and repacked, so the tar parser itself is reached past the
decompressor), or a JSON document of the image -- then runs ``open_artifact`` +
``inventory.collect`` on every tree and reads every file and link.

Layer and JSON mutants are then mostly rewritten honestly, as a real tool would
(see :func:`rewrite_digests`): the config's ``diff_ids``, then every blob that
no longer hashes to its name moves to its new digest and every descriptor and
docker ``manifest.json`` entry naming it follows, up to ``index.json``; so the
mutated document or layer reaches its parser past the digest checks.  A
fraction is left stale on purpose (no rewrite, a rewrite stopped part-way, or
sizes left stale), so that the digest and size checks are fuzzed too.

The contract checked: only WellcheckError subclasses escape, no iteration takes
more than ``--slow`` seconds, and no temporary directory is left behind.  Any
other outcome is a crash: its input and traceback are saved under ``--crashes``
and the run exits 1.  Not collected by pytest (no ``test_`` prefix);
tests/hostile/test_hostile_fuzz_smoke.py runs a two-second version.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import random
import re
import shutil
import sys
import tarfile
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "artifact"))

from imagebuilder import (  # noqa: E402
    DIR,
    Hardlink,
    Symlink,
    build_docker_archive,
    build_oci_tar,
    compress,
    layer_tar,
    opaque,
    whiteout,
)
from zipkit import RawMember, raw_zip, symlink, zip_bytes  # noqa: E402

from wellcheck.artifact import open_artifact  # noqa: E402
from wellcheck.artifact.base import EntryKind  # noqa: E402
from wellcheck.artifact.limits import Limits  # noqa: E402
from wellcheck.errors import WellcheckError  # noqa: E402
from wellcheck.inventory import collect  # noqa: E402

SITE = "usr/local/lib/python3.12/site-packages"
#: small limits keep every iteration fast; bombs still have to be caught
LIMITS = Limits(
    max_member_size=4 << 20,
    max_total_size=32 << 20,
    max_members=5000,
    max_metadata_size=1 << 20,
    max_layers=16,
)


def _dist(root: str, name: str, version: str) -> dict[str, bytes]:
    prefix = f"{root}/" if root else ""
    info = f"{prefix}{name}-{version}.dist-info"
    return {
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\n".encode(),
        f"{info}/RECORD": f"{name}/__init__.py,,\n{name}-{version}.dist-info/METADATA,,\n".encode(),
        f"{prefix}{name}/__init__.py": f"__version__ = '{version}'\n".encode(),
    }


def zip_seed() -> bytes:
    wheel = zip_bytes({**_dist("", "attrs", "23.2.0")})
    members = [RawMember(name, data) for name, data in _dist("", "requests", "2.25.1").items()]
    members += [
        RawMember("app.py", b"def handler(e, c):\n    return 1\n" * 8, method=0),
        symlink("link.py", "app.py"),
        RawMember("vendor/attrs.whl", wheel, method=0),
        RawMember("data/blob.bin", bytes(range(256)) * 16),
    ]
    return raw_zip(members)


def _layers() -> list[object]:
    base: dict[str, object] = {f"{SITE}/": DIR, **_dist(SITE, "idna", "3.6")}
    base["usr/bin/python3"] = Symlink("python3.12")
    base["usr/bin/python3.12"] = b"\x7fELF" + bytes(60)
    upper: list[tuple[str, object]] = [
        *_dist(SITE, "requests", "2.25.1").items(),
        (whiteout(f"{SITE}/idna-3.6.dist-info"), b""),
        (opaque("var/task"), b""),
        ("var/task/app.py", b"print('hi')\n"),
        ("var/task/again.py", Hardlink("var/task/app.py")),
        ("opt/" + "d" * 110 + "/long.py", b"x"),
    ]
    return [base, upper]


def _image_seed(kind: str, work: Path) -> bytes:
    dest = work / f"seed-{kind}"
    layers = _layers()
    if kind == "docker":
        build_docker_archive(dest, layers, None)  # type: ignore[arg-type]
    elif kind == "docker-gzip":
        build_docker_archive(dest, layers, "gzip", layout="blobs")  # type: ignore[arg-type]
    elif kind == "docker-outer-gzip":
        build_docker_archive(dest, layers, None)  # type: ignore[arg-type]
        return gzip.compress(dest.read_bytes(), mtime=0)
    elif kind in ("oci-gzip", "oci-zstd"):
        build_oci_tar(dest, layers, kind.removeprefix("oci-"))  # type: ignore[arg-type]
    elif kind == "oci-index":  # index.json -> nested index -> two platform manifests
        platforms = {"linux/arm64": layers[:1], "linux/amd64": layers}
        build_oci_tar(dest, [], "gzip", platforms=platforms)
    else:  # a plain root-filesystem tar
        return layer_tar(layers[1])  # type: ignore[arg-type]
    return dest.read_bytes()


SEED_KINDS = (
    "zip",
    "docker",
    "docker-gzip",
    "docker-outer-gzip",
    "oci-gzip",
    "oci-zstd",
    "oci-index",
    "rootfs-tar",
)


# ----------------------------------------------------------------------------- mutations


def mutate_bytes(data: bytes, rng: random.Random) -> bytes:
    """Byte-level havoc: flips, overwrites, interesting values, cuts, inserts, splices."""
    buf = bytearray(data)
    for _ in range(rng.choice((1, 1, 2, 3, 5, 8))):
        if not buf:
            buf += bytes(rng.randrange(256) for _ in range(8))
        op = rng.randrange(8)
        at = rng.randrange(len(buf))
        if op == 0:
            buf[at] ^= 1 << rng.randrange(8)
        elif op == 1:
            buf[at] = rng.randrange(256)
        elif op == 2:  # an interesting integer in little or big endian
            value = rng.choice((0, 1, 0x7F, 0x80, 0xFF, 0xFFFF, 0xFFFFFFFF, 0x7FFFFFFF, 2**63))
            width = rng.choice((1, 2, 4, 8))
            order = rng.choice(("little", "big"))
            buf[at : at + width] = (value % (1 << (8 * width))).to_bytes(width, order)  # type: ignore[arg-type]
        elif op == 3:
            del buf[at:]
        elif op == 4:
            del buf[at : at + rng.randrange(1, 600)]
        elif op == 5:
            junk = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 64)))
            buf[at:at] = junk
        elif op == 6:  # duplicate a chunk elsewhere
            end = min(len(buf), at + rng.randrange(1, 1024))
            chunk = bytes(buf[at:end])
            where = rng.randrange(len(buf))
            buf[where:where] = chunk
        else:  # ASCII digits (tar octal fields, JSON numbers)
            buf[at : at + 4] = rng.choice((b"7777", b"0000", b"9999", b"-1\x00\x00", b"    "))
    return bytes(buf)


def fix_tar_checksums(data: bytes) -> bytes:
    """Recompute the checksum of every block that looks like a tar header, so mutated
    header fields (sizes, types, names, PAX records) reach the parser."""
    buf = bytearray(data)
    for offset in range(0, len(buf) - 511, 512):
        block = buf[offset : offset + 512]
        if block[257:262] != b"ustar":
            continue
        block[148:156] = b" " * 8
        buf[offset + 148 : offset + 156] = b"%06o\x00 " % sum(block)
    return bytes(buf)


def mutate_tar(data: bytes, rng: random.Random) -> bytes:
    mutated = mutate_bytes(data, rng)
    return fix_tar_checksums(mutated) if rng.random() < 0.7 else mutated


def _repack_tar(data: bytes, edit: Callable[[str, bytes], bytes | None]) -> bytes:
    """Rewrite an outer tar, replacing member data by ``edit(name, data)`` when not None."""
    out = io.BytesIO()
    with (
        tarfile.open(fileobj=io.BytesIO(data)) as src,
        tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as dst,
    ):
        for info in src.getmembers():
            payload = src.extractfile(info).read() if info.isfile() else None  # type: ignore[union-attr]
            if payload is not None:
                replaced = edit(info.name, payload)
                if replaced is not None:
                    payload = replaced
                    info.size = len(payload)
            dst.addfile(info, io.BytesIO(payload) if payload is not None else None)
    return out.getvalue()


def mutate_layer(data: bytes, rng: random.Random) -> bytes:
    """Mutate one layer's *uncompressed* tar, then recompress it the same way."""
    layers = []
    with tarfile.open(fileobj=io.BytesIO(data)) as outer:
        for info in outer.getmembers():
            if info.isfile() and (info.name.endswith("layer.tar") or "/blobs/" in f"/{info.name}"):
                head = outer.extractfile(info).read(512)  # type: ignore[union-attr]
                if not head.startswith(b"{"):  # a JSON blob: left to mutate_json
                    layers.append((info.name, head))
    if not layers:
        return mutate_bytes(data, rng)
    target = rng.choice(layers)[0]
    renamed: dict[bytes, bytes] = {}  # old diff_id -> new one, patched into the config

    def edit(name: str, payload: bytes) -> bytes | None:
        if name != target:
            return None
        if payload.startswith(b"\x1f\x8b"):
            inner = gzip.decompress(payload)
            changed = mutate_tar(inner, rng)
            blob = gzip.compress(changed, mtime=0)
        elif payload.startswith(b"\x28\xb5\x2f\xfd"):
            import zstandard

            inner = zstandard.ZstdDecompressor().decompressobj().decompress(payload)
            changed = mutate_tar(inner, rng)
            blob = compress(changed, "zstd")
        elif payload[257:262] == b"ustar" or len(payload) % 512 == 0:
            inner = payload
            changed = blob = mutate_tar(payload, rng)
        else:
            return None  # a JSON blob: left to mutate_json
        if rng.random() < 0.9:  # mostly keep the image consistent, so the layer is used
            renamed[_sha(inner)] = _sha(changed)
        return blob

    repacked = _repack_tar(data, edit)
    if renamed:

        def patch(name: str, payload: bytes) -> bytes | None:
            if not payload.startswith(b"{"):
                return None
            for old_id, new_id in renamed.items():
                payload = payload.replace(old_id, new_id)
            return payload

        repacked = _repack_tar(repacked, patch)
    return repacked


def _sha(data: bytes) -> bytes:
    return b"sha256:" + hashlib.sha256(data).hexdigest().encode()


# ----------------------------------------------------------------------------- honest rewrite

#: a member named by the sha256 of its content: ``blobs/sha256/<hex>`` (OCI, Docker 25+),
#: ``<hex>.json`` and ``sha256:<hex>`` (docker-save configs); a legacy ``<id>/layer.tar``
#: is named by a layer id, not by its content, and is never checked nor renamed
_NAMED = re.compile(r"(?:blobs/sha256/|sha256:)?([0-9a-f]{64})(?:\.json)?")


def rewrite_digests(data: bytes, rounds: int = 8, sizes: bool = True) -> tuple[bytes, int]:
    """Rewrite an image tar honestly, as a tool that edited it would.

    Each round, every member named by a digest its content no longer has moves
    to its new digest, and every document naming it follows: a descriptor's
    ``digest`` and (with ``sizes``) ``size``, docker ``manifest.json``'s
    ``Config``/``Layers`` -- so the documents that changed move in the next
    round: layer and config, then manifest, then nested indexes, then
    ``index.json`` (named by nothing).  Edits are textual, so a byte-mutated
    document keeps its damage.  ``rounds`` below the image's depth leaves the
    upper levels stale.  Returns the tar and the rounds that moved something.
    """
    members = _members(data)
    used = 0
    for _ in range(rounds):
        moved: dict[bytes, tuple[bytes, int]] = {}  # old hex -> new hex, new size
        for info, payload in members:
            match = _NAMED.fullmatch(info.name) if payload is not None else None
            if match is None or payload is None:
                continue
            new = hashlib.sha256(payload).hexdigest()
            if new != match.group(1):
                moved[match.group(1).encode()] = (new.encode(), len(payload))
                info.name = info.name.replace(match.group(1), new)
                # a pax "path" record would win over the new name when written
                info.pax_headers = {k: v for k, v in info.pax_headers.items() if k != "path"}
        if not moved:
            break
        used += 1
        members = [
            (info, _retarget(payload, moved, sizes) if payload is not None else None)
            for info, payload in members
        ]
    return _pack(members), used


def _retarget(document: bytes, moved: dict[bytes, tuple[bytes, int]], sizes: bool) -> bytes:
    """Point a JSON document's references to moved blobs at their new digests."""
    if document[:1] not in (b"{", b"["):
        return document
    for old, (new, size) in moved.items():
        if old not in document:
            continue
        if sizes:  # a descriptor as json.dumps writes it: "digest" then "size"
            pattern = rb'("digest":\s*"sha256:)' + old + rb'("\s*,\s*"size":\s*)-?\d+'
            document = re.sub(pattern, rb"\g<1>" + new + rb"\g<2>%d" % size, document)
        document = document.replace(old, new)
    return document


def _members(data: bytes) -> list[tuple[tarfile.TarInfo, bytes | None]]:
    with tarfile.open(fileobj=io.BytesIO(data)) as src:
        return [
            (info, src.extractfile(info).read() if info.isfile() else None)  # type: ignore[union-attr]
            for info in src.getmembers()
        ]


def _pack(members: list[tuple[tarfile.TarInfo, bytes | None]]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as dst:
        for info, payload in members:
            if payload is not None:
                info.size = len(payload)
            dst.addfile(info, io.BytesIO(payload) if payload is not None else None)
    return out.getvalue()


def honest(data: bytes, rng: random.Random) -> tuple[str, bytes]:
    """Mostly the full rewrite; about one case in eight left stale on purpose (not
    rewritten, sizes left stale, or stopped part-way), so the digest and size checks
    are fuzzed too.  Returns how the tar was rewritten, and the tar."""
    roll = rng.random()
    if roll < 0.03:
        return "stale", data
    rewritten, used = rewrite_digests(data, sizes=roll >= 0.06)
    if roll < 0.06 and used:
        return "stale-sizes", rewritten
    if roll < 0.12 and used:  # stopped part-way: some upper level keeps an old digest
        return "part-way", rewrite_digests(data, rounds=rng.randrange(used))[0]
    return "rewritten", rewritten


def mutate_json(data: bytes, rng: random.Random) -> bytes:
    """Mutate a manifest, index or config document (as text or as a JSON value)."""
    names: list[str] = []
    with tarfile.open(fileobj=io.BytesIO(data)) as outer:
        for info in outer.getmembers():
            if info.isfile():
                head = outer.extractfile(info).read(1)  # type: ignore[union-attr]
                if head in (b"{", b"["):
                    names.append(info.name)
    if not names:
        return mutate_bytes(data, rng)
    target = rng.choice(names)
    values: list[object] = [
        None,
        0,
        -1,
        2**64,
        "",
        "../../etc/passwd",
        "sha256:" + "0" * 64,
        [],
        {},
    ]

    def edit(name: str, payload: bytes) -> bytes | None:
        if name != target:
            return None
        if rng.random() < 0.5:
            return mutate_bytes(payload, rng)
        doc = json.loads(payload)
        _poke(doc, rng, values)
        return json.dumps(doc).encode()

    return _repack_tar(data, edit)


def _poke(doc: object, rng: random.Random, values: list[object]) -> None:
    for _ in range(8):
        if isinstance(doc, dict) and doc:
            key = rng.choice(list(doc))
            if rng.random() < 0.4 or not isinstance(doc[key], dict | list):
                doc[key] = rng.choice(values)
                return
            doc = doc[key]
        elif isinstance(doc, list) and doc:
            index = rng.randrange(len(doc))
            if rng.random() < 0.4 or not isinstance(doc[index], dict | list):
                doc[index] = rng.choice(values)
                return
            doc = doc[index]
        else:
            return


def mutate(kind: str, data: bytes, rng: random.Random) -> tuple[str, bytes]:
    """One mutant of a seed, and its level (``layer`` and ``json`` mutants are then
    rewritten honestly, or on purpose not: see :func:`honest`)."""
    if kind in ("zip", "docker-outer-gzip"):
        return "bytes", mutate_bytes(data, rng)
    if kind == "rootfs-tar" or rng.random() < 0.3:
        return "bytes", mutate_tar(data, rng)
    level = "layer" if rng.random() < 0.7 else "json"
    mutant = mutate_layer(data, rng) if level == "layer" else mutate_json(data, rng)
    how, mutant = honest(mutant, rng)
    return (level if how == "rewritten" else f"{level}:{how}"), mutant


# ----------------------------------------------------------------------------- the harness


def exercise(path: Path) -> str:
    """Open, inventory, read everything.  Returns how it ended ('ok' or the error class)."""
    try:
        with open_artifact(str(path), LIMITS) as opened:
            for tree in opened.trees:
                collect(tree, artifact_python=opened.info.python_version)
                for name, entry in list(tree.entries().items()):
                    if entry.kind is EntryKind.DIR:
                        continue
                    try:
                        tree.read_bytes(name)
                    except WellcheckError:
                        continue
            _ = opened.info.sha256
    except WellcheckError as exc:
        return type(exc).__name__
    return "ok"


@dataclass
class FuzzResult:
    iterations: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    crashes: list[str] = field(default_factory=list)  # one line per crash
    slowest: float = 0.0
    per_seed: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        lines = [
            f"iterations: {self.iterations}",
            f"crashes: {len(self.crashes)}",
            f"slowest iteration: {self.slowest:.2f}s",
            "per seed: " + ", ".join(f"{k}={v}" for k, v in sorted(self.per_seed.items())),
            "outcomes: " + ", ".join(f"{k}={v}" for k, v in sorted(self.outcomes.items())),
        ]
        return "\n".join(lines + [f"CRASH {c}" for c in self.crashes])


def run(
    seconds: float,
    seed: int = 0,
    crash_dir: Path | None = None,
    slow: float = 10.0,
    max_iterations: int | None = None,
) -> FuzzResult:
    """Fuzz for ``seconds`` (or ``max_iterations``); never raises for a crash, counts it."""
    rng = random.Random(seed)
    result = FuzzResult()
    original_tempdir = tempfile.tempdir
    base = Path(tempfile.mkdtemp(prefix="wellcheck-fuzz-"))
    private = base / "tmp"
    private.mkdir()
    try:
        seeds = {kind: _seed(kind, base) for kind in SEED_KINDS}
        tempfile.tempdir = str(private)  # where the readers make their work dirs
        _check_rewrite(seeds, base / "input")
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if max_iterations is not None and result.iterations >= max_iterations:
                break
            kind = rng.choice(SEED_KINDS)
            level, data = mutate(kind, seeds[kind], rng)
            path = base / "input"
            path.write_bytes(data)
            started = time.monotonic()
            problem = None
            try:
                outcome = exercise(path)
            except Exception:  # the bug this fuzzer hunts: anything else escaping
                outcome = "CRASH"
                problem = traceback.format_exc()
            elapsed = time.monotonic() - started
            result.slowest = max(result.slowest, elapsed)
            if problem is None and elapsed > slow:
                problem = f"slow: {elapsed:.1f}s\n"
            leftovers = sorted(p.name for p in private.iterdir())
            if problem is None and leftovers:
                problem = f"temp dirs left behind: {leftovers}\n"
            for leftover in private.iterdir():
                shutil.rmtree(leftover, ignore_errors=True)
            result.iterations += 1
            result.per_seed[kind] = result.per_seed.get(kind, 0) + 1
            result.outcomes[outcome] = result.outcomes.get(outcome, 0) + 1
            if problem is not None:
                digest = hashlib.sha256(data).hexdigest()[:16]
                last = problem.strip().splitlines()[-1]
                result.crashes.append(f"{kind}/{level} {digest}: {last}")
                if crash_dir is not None:
                    crash_dir.mkdir(parents=True, exist_ok=True)
                    (crash_dir / f"{kind}-{digest}.bin").write_bytes(data)
                    (crash_dir / f"{kind}-{digest}.txt").write_text(problem, encoding="utf-8")
    finally:
        tempfile.tempdir = original_tempdir
        shutil.rmtree(base, ignore_errors=True)
    return result


def _check_rewrite(seeds: dict[str, bytes], path: Path) -> None:
    """The harness's own check: an image whose config changed opens once rewritten
    (else the honest rewrite no longer follows the seeds' layout, and the layer and
    JSON mutants would silently stop at the digest checks again)."""

    def edit(name: str, payload: bytes) -> bytes | None:
        return payload + b" " if payload.startswith(b"{") and b'"rootfs"' in payload else None

    for kind, data in seeds.items():
        if kind in ("zip", "docker-outer-gzip", "rootfs-tar"):
            continue
        path.write_bytes(rewrite_digests(_repack_tar(data, edit))[0])
        if (outcome := exercise(path)) != "ok":
            raise RuntimeError(f"fuzzer bug: a {kind} seed rewritten honestly gives {outcome}")


def _seed(kind: str, work: Path) -> bytes:
    return zip_seed() if kind == "zip" else _image_seed(kind.removeprefix("rootfs-"), work)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="time budget")
    parser.add_argument("--seed", type=int, default=0, help="random seed (runs are repeatable)")
    parser.add_argument("--crashes", type=Path, default=Path("fuzz-crashes"), help="crash dir")
    parser.add_argument("--slow", type=float, default=10.0, help="seconds that count as a hang")
    parser.add_argument(
        "--tar-differential",
        action="store_true",
        help="instead: compare the tar reader with CPython's tarfile on mutated layers "
        "(tests/fuzz/tar_differential.py); disagreeing mutants go to --crashes",
    )
    args = parser.parse_args(argv)
    started = time.monotonic()
    if args.tar_differential:
        from tar_differential import run as differential

        outcome = differential(args.seconds, args.seed, save=args.crashes)
        print(outcome.summary())
        print(f"elapsed: {time.monotonic() - started:.0f}s")
        return 1 if outcome.disagreements else 0
    result = run(args.seconds, args.seed, args.crashes, args.slow)
    print(result.summary())
    print(f"elapsed: {time.monotonic() - started:.0f}s, {result.iterations / args.seconds:.0f}/s")
    return 1 if result.crashes else 0


if __name__ == "__main__":
    sys.exit(main())
