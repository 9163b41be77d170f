"""Run the behavioural Latin-hypercube sweep and print what drives each outcome.

Usage::

    python experiments/sweeps/run_behaviour_sweep.py                    # all CPUs
    python experiments/sweeps/run_behaviour_sweep.py --workers 2 --out results/sweeps/behaviour_lhs
    python experiments/sweeps/run_behaviour_sweep.py --scheduler tcp://127.0.0.1:8786

The sweep is ``behaviour_lhs.toml`` next to this file: 64 LHS points x 4 replicates over the
choice and search parameters. It is resumable like ``sim sweep``: run the same command again after an
interruption and finished runs are skipped. An LHS design has no Sobol indices, so the summary gives,
per outcome, its spread over the design and the Spearman rank correlation of each parameter with the
point means (replicates averaged), which is a fair first screen for monotone effects.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from sim.api import parameter_names
from sim.sweep import Sweep, SweepSpecError, read_results, validate_parameter_names

SPEC = Path(__file__).with_name("behaviour_lhs.toml")


def summarise(results: pd.DataFrame, parameters: list[str], outcomes: list[str]) -> pd.DataFrame:
    """Spearman correlation of each parameter with each outcome's point mean."""
    points = results.groupby("point_id")[parameters + outcomes].mean()
    corr = points.corr(method="spearman").loc[parameters, outcomes]
    return corr.round(2)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, default=Path("results/sweeps/behaviour_lhs"))
    how = p.add_mutually_exclusive_group()
    how.add_argument("--workers", type=int, default=None, help="local worker processes (default: all CPUs)")
    how.add_argument("--scheduler", default=None, help="Dask scheduler address, e.g. tcp://127.0.0.1:8786")
    a = p.parse_args(argv)

    sweep = Sweep.from_toml(SPEC)
    spec = sweep.spec
    try:
        validate_parameter_names([q.name for q in spec.parameters], parameter_names(spec.region), source=str(SPEC))
    except SweepSpecError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{sweep!r} -> {a.out}", file=sys.stderr)
    report = sweep.run(a.out, executor="processes", workers=a.workers, scheduler=a.scheduler)
    print(f"{report.completed} runs now, {report.already_done} earlier, {report.elapsed_s:.0f} s", file=sys.stderr)

    df = read_results(a.out)
    params = [q.name for q in spec.parameters]
    outcomes = list(spec.outcomes)
    print("\nOutcomes over the design (run level):\n")
    print(df[outcomes].describe(percentiles=[0.05, 0.5, 0.95]).T.round(2).to_string())
    print("\nSpearman rank correlation of each parameter with the outcome (point means):\n")
    print(summarise(df, params, outcomes).to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main())
