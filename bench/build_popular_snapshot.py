"""Build src/wellcheck/data/popular.json from a package list with download ranks.

Usage: python bench/build_popular_snapshot.py PYPI_TSV [OUT]

(The bundled snapshot was built from the tool library's ``env/packages/pypi.tsv``.)

PYPI_TSV has the columns name, version, month, rank_among_15000_most_downloaded,
summary (first line is the header); rows with a rank are the popular ones.  The
snapshot keeps the canonical names in rank order: ``names[i]`` has rank ``i + 1``
and ranks absent from the source are kept as "" so every rank stays exact.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

from packaging.utils import canonicalize_name

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "src/wellcheck/data/popular.json"


def build(tsv: Path) -> dict[str, object]:
    ranked: dict[int, str] = {}
    newest_month = ""
    csv.field_size_limit(1 << 24)
    with tsv.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(reader)
        for row in reader:
            if len(row) < 4:
                continue
            newest_month = max(newest_month, row[2])
            if row[3].strip():
                ranked.setdefault(int(row[3]), canonicalize_name(row[0]))
    names: list[str] = []
    seen: set[str] = set()
    for rank in range(1, max(ranked) + 1):
        name = ranked.get(rank, "")
        names.append("" if name in seen else name)
        seen.add(name)
    return {
        "generated": newest_month,
        "source": "PyPI download ranking (15,000 most-downloaded projects)",
        "names": names,
    }


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    tsv = Path(argv[1])
    out = Path(argv[2]) if len(argv) > 2 else DEFAULT_OUT
    snapshot = build(tsv)
    out.write_text(json.dumps(snapshot, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {out} ({len(snapshot['names'])} ranks, {out.stat().st_size} bytes)")  # type: ignore[arg-type]
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
