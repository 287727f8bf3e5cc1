"""Time `wellcheck sbom --validate`: schema validation of one CycloneDX SBOM.

    python bench/validate_bench.py [ARTIFACT] [--synthetic N] [--repeat N] [--library]

The SBOM is rendered once: from ARTIFACT (default bench/out/artifacts/big-function.zip,
made by bench/build_artifacts.py) or, with --synthetic N, from N made-up components with
four project URLs each.  Then, for CycloneDX 1.6 JSON and XML, each repeat runs in a fresh
interpreter and times

    cold   import + build the validator + validate (what one `--validate` run pays)
    warm   a second validation in the same process

and prints the best of the repeats.  --library also times cyclonedx-python-lib's own
validators (JsonStrictValidator / XmlValidator: what `--validate` used before).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_ARTIFACT = HERE / "out" / "artifacts" / "big-function.zip"

_CHILD = r"""
import json, sys, time
path, fmt, spec, how = sys.argv[1:]
text = open(path, encoding="utf-8").read()
if how == "library":
    from cyclonedx.schema import SchemaVersion
    def validate():
        if fmt == "json":
            from cyclonedx.validation.json import JsonStrictValidator as cls
        else:
            from cyclonedx.validation.xml import XmlValidator as cls
        validate.v = getattr(validate, "v", None) or cls(SchemaVersion.from_version(spec))
        error = validate.v.validate_str(text)
        return None if error is None else str(error)
else:
    from wellcheck.sbom import validate_sbom
    def validate():
        validate_sbom(text, "cyclonedx-" + fmt, spec=spec)
t = time.perf_counter(); first = validate(); cold = time.perf_counter() - t
t = time.perf_counter(); validate(); warm = time.perf_counter() - t
print(json.dumps({"cold": cold, "warm": warm, "error": first}))
"""


def render(artifact: Path | None, synthetic: int, fmt: str) -> str:
    from wellcheck.sbom import render_sbom

    if synthetic:
        inventory = synthetic_inventory(synthetic)
    else:
        from wellcheck.pipeline import inventory_artifact

        assert artifact is not None
        inventory = inventory_artifact(str(artifact))
    return render_sbom([inventory], f"cyclonedx-{fmt}", spec="1.6")


def synthetic_inventory(count: int) -> object:
    from wellcheck.models import ArtifactInfo, Component, ComponentKind
    from wellcheck.pipeline import Inventory

    site = "python/lib/python3.12/site-packages"
    components = tuple(
        Component(
            name=f"package-{i}",
            version=f"1.{i}.0",
            kind=ComponentKind.DIST_INFO,
            location=f"{site}/package_{i}-1.{i}.0.dist-info",
            site_root=site,
            summary=f"Synthetic package number {i}.",
            licenses=("License :: OSI Approved :: MIT License",),
            project_urls=(
                ("Homepage", f"https://package-{i}.example.org/"),
                ("Source", f"https://github.com/example/package-{i}"),
                ("Issues", f"https://github.com/example/package-{i}/issues?q=is%3Aopen"),
                ("Documentation", f"https://package-{i}.readthedocs.io/en/latest/#intro"),
            ),
        )
        for i in range(count)
    )
    return Inventory(ArtifactInfo("synthetic.zip", "lambda-zip"), components, ())


def child(path: Path, fmt: str, how: str, repeat: int) -> dict[str, object]:
    runs = []
    for _ in range(repeat):
        out = subprocess.run(
            [sys.executable, "-c", _CHILD, str(path), fmt, "1.6", how],
            capture_output=True,
            text=True,
            check=True,
        )
        runs.append(json.loads(out.stdout))
    return {
        "cold": min(float(r["cold"]) for r in runs),
        "warm": min(float(r["warm"]) for r in runs),
        "error": runs[0]["error"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("artifact", nargs="?", type=Path, default=DEFAULT_ARTIFACT)
    parser.add_argument("--synthetic", type=int, default=0, metavar="N")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--library", action="store_true")
    args = parser.parse_args()
    if not args.synthetic and not args.artifact.is_file():
        sys.exit(f"{args.artifact}: not found (run bench/build_artifacts.py, or --synthetic N)")
    source = f"{args.synthetic} synthetic components" if args.synthetic else args.artifact.name
    hows = ("wellcheck", "library") if args.library else ("wellcheck",)
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in ("json", "xml"):
            text = render(args.artifact, args.synthetic, fmt)
            path = Path(tmp) / f"sbom.cdx.{fmt}"
            path.write_text(text, encoding="utf-8")
            urls = text.count('"url"') if fmt == "json" else text.count("<url>")
            for how in hows:
                r = child(path, fmt, how, args.repeat)
                print(
                    f"{source}: CycloneDX 1.6 {fmt} ({len(text) // 1024} KiB, {urls} URLs) "
                    f"{how:9} cold {r['cold']:6.2f} s  warm {r['warm']:6.3f} s"
                    + (f"  INVALID: {r['error']}" if r["error"] else "")
                )


if __name__ == "__main__":
    main()
