"""Backtests without peeking: for each forecast year, calibrate on the census years before it only,
then forecast every council and score the forecast against the census and the naive forecasts.

For base year Y (forecasting the census of Y + 1) the fold's calibration uses base years up to Y - 1
(so its targets are census years up to Y), with the budget given here; each council's identity uses
census years up to Y (as in every run). The folds' parameter files, the per-fold scores and a summary
table are written to --out; the table is printed.

    python experiments/validation/backtest_folds.py [--years 2019 2020 2021 2022 2023] [--trials 100]
        [--refine 30] [--seeds 20] [--workers 2] [--out results/backtest]
"""

from __future__ import annotations

import argparse
import sys
import time
import tomllib
from pathlib import Path

import pandas as pd

from sim.calibrate.objective import CalibrationSpec
from sim.calibrate.optimiser import calibrate
from sim.calibrate.report import write_calibration
from sim.calibrate.validate import validate
from sim.data import CENSUS_YEARS

SPEC = Path(__file__).resolve().parents[1] / "calibration" / "spec.toml"
MEASURES = ("turnover_pct", "agency_rate_pct", "vacancy_rate_pct", "caseload")


def fold(year: int, args: argparse.Namespace) -> pd.DataFrame:
    base = CalibrationSpec.from_toml(SPEC)
    bases = [b for b in range(CENSUS_YEARS[0], year)][-4:]
    spec = CalibrationSpec(free=base.free, region=base.region, base_years=bases, seeds=base.seeds,
                           trials=args.trials, refine_trials=args.refine, workers=args.workers,
                           sampler=base.sampler, sampler_seed=base.sampler_seed, fixed=base.fixed,
                           weight_multipliers=base.weight_multipliers, source=f"{SPEC} (fold {year})")
    t0 = time.time()
    result = calibrate(spec, profile=False)
    out = Path(args.out) / f"fold_{year}"
    write_calibration(result, out)
    params = tomllib.loads((out / "calibrated_params.toml").read_text())["params"]
    v = validate(year, seeds=args.seeds, params=params)
    s = v.scores.reset_index()
    s.insert(0, "base_year", year)
    s["calibrated_on"] = f"{bases[0] + 1}-{bases[-1] + 1}"
    s["minutes"] = (time.time() - t0) / 60
    s.to_csv(out / "scores.csv", index=False)
    return s


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--years", type=int, nargs="+", default=[2019, 2020, 2021, 2022, 2023])
    ap.add_argument("--trials", type=int, default=100)
    ap.add_argument("--refine", type=int, default=30)
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", default="results/backtest")
    args = ap.parse_args(argv)
    parts = []
    for year in args.years:
        print(f"fold {year} -> {year + 1}: calibrating on census years before {year + 1} ...", flush=True)
        parts.append(fold(year, args))
    s = pd.concat(parts, ignore_index=True)
    s.to_csv(Path(args.out) / "scores.csv", index=False)
    mae = s.pivot_table(index=["base_year", "measure"], columns="forecast", values="mae")
    print("\nMean absolute error per council (model calibrated without the forecast year):\n")
    print("| base -> target | measure | model | no change | mean reversion | model <= better naive |")
    print("|---|---|---:|---:|---:|---|")
    for (y, k), r in mae.iterrows():
        best = min(r.no_change, r.mean_reversion)
        print(f"| {y} -> {y + 1} | {k} | {r.model:.2f} | {r.no_change:.2f} | {r.mean_reversion:.2f} | "
              f"{'yes' if r.model <= best else f'no (+{r.model - best:.2f})'} |")
    avg = mae.groupby(level="measure").mean()
    print("\nAveraged over the folds:\n")
    for k, r in avg.iterrows():
        print(f"  {k}: model {r.model:.2f}, no change {r.no_change:.2f}, mean reversion {r.mean_reversion:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
