"""What if Bexley pays more? Paired runs of the Bexley baseline and the "Bexley pays more" scenario.

    python experiments/run_bexley.py [--replicates 200] [--workers N] [--out results/bexley_pays_more]

Writes the comparison (table.parquet, replicates.parquet, series.parquet, flows.parquet,
meta.parquet, comparison.txt and PNG plots) for notebooks/bexley_pays_more.ipynb to read. With the
environment variable CSWSIM_SMALL=1 the default is 4 replicates (for CI).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from sim.atomic import ResultsFolder
from sim.compare import compare

HERE = Path(__file__).resolve().parent
BASELINE = HERE / "scenarios" / "bexley_baseline.toml"
SCENARIO = HERE / "scenarios" / "bexley_pays_more.toml"


def main(argv: list[str] | None = None) -> int:
    small = os.environ.get("CSWSIM_SMALL") == "1"
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=4 if small else 200)
    parser.add_argument("--workers", type=int, default=None, help="processes (default all cores)")
    parser.add_argument("--out", default=str(HERE.parent / "results" / "bexley_pays_more"))
    args = parser.parse_args(argv)

    def progress(done: int, total: int) -> None:
        print(f"\rpaired runs {done}/{total}", end="\n" if done == total else "", file=sys.stderr, flush=True)

    folder = ResultsFolder(args.out, force=True, what="experiments/run_bexley.py")  # replaced whole, or kept
    start = time.perf_counter()
    comp = compare(BASELINE, SCENARIO, replicates=args.replicates, workers=args.workers, progress=progress)
    with folder as tmp:
        paths = comp.write(tmp)
    print(comp.text())
    print(f"\n{args.replicates} paired runs on {comp.workers} workers in {time.perf_counter() - start:.1f}s; wrote "
          f"{len(paths)} files to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
