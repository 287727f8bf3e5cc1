"""How often legitimate near-names carry typosquat corroboration (false positives).

Usage: python bench/typosquat_corroboration.py [--verbose]   (needs PyPI; cached)

In a scan, a name scoring at least CORROBORATION_FLOOR but below THRESHOLD is
reported when the installed distribution corroborates it (typo_evidence:
a project URL naming the target's repository, the target's import package, a
start-up file).  Squats in write-ups do all three, but they have been removed
from PyPI, so this measures the other side: the popular names ranked
5,001-15,000 (checked with top=5000, as bench/typosquat_quality.py does) that
score in that band, with their real metadata and file lists.

For each such name it reads PyPI's project JSON (project URLs, home page) and
the newest wheel's file list (the zip's central directory, fetched with an HTTP
range request, not the whole wheel), builds the Component a scan would see,
and asks typo_evidence.corroboration.  Responses are cached under
bench/out/corroboration/ so a rerun is offline.  Names without a wheel are
counted apart (their files are unknown; only the URL evidence is checked).
"""

from __future__ import annotations

import io
import json
import struct
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import requests

from wellcheck.models import Component, ComponentKind
from wellcheck.signals import typosquat
from wellcheck.signals.popular import load_popular
from wellcheck.signals.typo_evidence import corroboration
from wellcheck.signals.typosquat import TyposquatDetector

HERE = Path(__file__).resolve().parent
CACHE = HERE / "out" / "corroboration"
PYPI = "https://pypi.org/pypi/{name}/json"
TOP = 5000
FLOORS = (0.4, 0.45, 0.5, 0.55, 0.6)
TAIL = 65536  # bytes read from the end of a wheel: its central directory


def cached(key: str, fetch: Any) -> Any:
    path = CACHE / f"{key}.json"
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    value = fetch()
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(value), encoding="utf-8")
    tmp.replace(path)
    return value


def project(session: requests.Session, name: str) -> dict[str, Any]:
    """Project URLs, home page and the newest wheel's URL and size."""
    response = session.get(PYPI.format(name=name), timeout=30)
    if response.status_code == 404:
        return {"missing": True}
    response.raise_for_status()
    data = response.json()
    info = data.get("info") or {}
    urls = dict(info.get("project_urls") or {})
    if info.get("home_page"):
        urls.setdefault("Homepage", info["home_page"])
    wheels = [u for u in data.get("urls") or [] if u.get("packagetype") == "bdist_wheel"]
    wheel = min(wheels, key=lambda u: u.get("size") or 0) if wheels else None
    return {
        "urls": urls,
        # the index may answer with URLs relative to the JSON's own
        "wheel": wheel
        and {"url": urljoin(response.url, wheel["url"]), "size": wheel.get("size") or 0},
    }


def wheel_files(session: requests.Session, url: str, size: int) -> list[str]:
    """The wheel's member names, from its central directory (one or two range reads)."""
    start = max(0, size - TAIL)
    tail = session.get(url, headers={"Range": f"bytes={start}-"}, timeout=60).content
    end = tail.rfind(b"PK\x05\x06")
    if end < 0:
        return []
    cd_size, cd_offset = struct.unpack("<II", tail[end + 12 : end + 20])
    if cd_offset < start:
        headers = {"Range": f"bytes={cd_offset}-{cd_offset + cd_size - 1}"}
        directory = session.get(url, headers=headers, timeout=60).content
    else:
        directory = tail[cd_offset - start : cd_offset - start + cd_size]
    # a fake archive made of the directory and an end record is enough for zipfile
    record = tail[end : end + 22]
    fake = directory + record[:16] + struct.pack("<I", 0) + record[20:]
    try:
        return zipfile.ZipFile(io.BytesIO(fake)).namelist()
    except zipfile.BadZipFile:
        return []


def component_of(name: str, meta: dict[str, Any], files: list[str]) -> Component:
    return Component(
        name=name,
        version="",
        kind=ComponentKind.DIST_INFO,
        location="",
        project_urls=tuple(meta.get("urls", {}).items()),
        files=tuple(files),
    )


def main(argv: list[str]) -> int:
    verbose = "--verbose" in argv
    detector = TyposquatDetector(load_popular())
    legit = [n for n in detector.popular.names[5000:15000] if n]
    band: list[typosquat.TyposquatVerdict] = []
    for name in legit:
        verdict = detector.check(name, top=TOP)
        if verdict.target and verdict.score >= min(FLOORS):
            band.append(verdict)
    session = requests.Session()

    def evidence(verdict: typosquat.TyposquatVerdict) -> tuple[str, bool, tuple[str, ...]]:
        meta = cached(f"pypi-{verdict.name}", lambda: project(session, verdict.name))
        wheel = meta.get("wheel")
        files: list[str] = []
        if wheel:
            files = cached(
                f"files-{verdict.name}", lambda: wheel_files(session, wheel["url"], wheel["size"])
            )
        assert verdict.target is not None
        found = corroboration(component_of(verdict.name, meta, files), verdict.target)
        return verdict.name, bool(wheel), found

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(evidence, band))
    suspects = sum(1 for v in band if v.suspect)
    below = [(r, v) for r, v in zip(results, band, strict=True) if not v.suspect]
    no_wheel = sum(1 for r, _ in below if not r[1])
    floor_in_use = typosquat.CORROBORATION_FLOOR
    print(f"legitimate names (ranks 5,001-15,000, top={TOP}): {len(legit)}")
    print(
        f"scoring >= {min(FLOORS)}: {len(band)}, of which {suspects} are name-only suspects "
        f"(score >= {typosquat.THRESHOLD}); {no_wheel} of the others have no wheel (URLs only)"
    )
    print("by floor (names corroborated below the threshold; all typosquat findings in a scan):")
    for floor in FLOORS:
        extra = sum(1 for r, v in below if r[2] and v.score >= floor)
        mark = " (in use)" if floor == floor_in_use else ""
        print(f"  {floor:.2f}: {extra}; {100 * (suspects + extra) / len(legit):.2f}%{mark}")
    added = [r for r, v in below if r[2] and v.score >= min(FLOORS)]
    kinds = {"repository": 0, "import": 0, "start-up": 0}
    for _, _, found in added:
        for text in found:
            key = "repository" if "repository" in text else "import" if "import" in text else ""
            kinds[key or "start-up"] += 1
    print(f"  evidence at {min(FLOORS)}: " + ", ".join(f"{k} {n}" for k, n in kinds.items()))
    if verbose:
        for (name, _, found), verdict in [(r, v) for r, v in below if r[2]]:
            print(f"  {name} ({verdict.score}): {'; '.join(found)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
