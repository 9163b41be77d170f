"""The ``sim calibrate`` and ``sim validate`` commands.

    sim calibrate [--spec FILE] [--trials N] [--workers N] [--out DIR] [--install]
    sim validate --base-year Y [--seeds N] [--region R] [--params FILE] [--set NAME=VALUE] [--out DIR]
    sim validate --backtest [--seeds N] [--refit TRIALS] ...
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..cli import add_set_option, parse_sets
from ..console import add_output_options, bar_callback, progress_bar, wants_progress
from ..data import CENSUS_YEARS
from ..errors import SimInputError
from ..input_checks import check_calibration_args
from ..params import CALIBRATED_FILE, Params
from .objective import CalibrationSpec

DEFAULT_SPEC = Path(__file__).resolve().parents[2] / "experiments" / "calibration" / "spec.toml"
BACKTEST_YEARS = list(range(CENSUS_YEARS[1], CENSUS_YEARS[-2] + 1))  # 2018 -> 2019 ... 2023 -> 2024


def _positive(kind: str, value: int | None) -> int | None:
    if value is not None and value < 1:
        raise SimInputError(f"--{kind} {value}: must be at least 1")
    return value


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Estimate the parameters of the spec and write the parameter file, report and plots."""
    from .optimiser import calibrate
    from .report import write_calibration

    check_calibration_args(args)  # sim.input_checks: types and ranges of the flags and the spec file
    spec = CalibrationSpec.from_toml(args.spec)
    spec.trials = _positive("trials", args.trials) or spec.trials
    spec.workers = _positive("workers", args.workers) or spec.workers
    if args.no_profiles:
        spec.profile_points = 0
    with progress_bar(spec.trials, "trials", "trial", wants_progress(args)) as bar:
        result = calibrate(spec, progress=bar_callback(bar), profile=not args.no_profiles)
    paths = write_calibration(result, Path(args.out), install=CALIBRATED_FILE if args.install else None)
    print(f"objective {result.best_value:.3f} (priors {result.prior_value:.3f}) in {result.seconds / 60:.1f} min")
    for n, v in result.best.items():
        print(f"  {n:34} {v:.5g}")
    print("wrote " + ", ".join(str(p) for p in paths))
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """Run the validation (one base year or the backtests) and write tables and scatter plots."""
    from .validate import backtest, check_base_year, validate
    from .validation_report import national_markdown, scores_markdown, write_validation

    check_calibration_args(args)  # sim.input_checks
    seeds = _positive("seeds", args.seeds)
    params = {**(Params.from_toml(args.params).non_defaults() if args.params else {}), **parse_sets(args.set)} or None
    if args.backtest:
        years = BACKTEST_YEARS if args.base_year is None else [check_base_year(args.base_year)]
    elif args.base_year is None:
        raise SimInputError("give --base-year Y (2017 to 2023) or --backtest")
    else:
        years = [check_base_year(args.base_year)]
    if args.refit is not None:
        from .folds import refit

        _positive("refit", args.refit)
        results = []
        for year in years:
            print(f"calibrating the fold for {year} -> {year + 1} on census years to {year} "
                  f"({args.refit} trials) ...", flush=True)
            fold = refit(year, args.refit, args.spec, Path(args.out))
            results.append(validate(year, args.region, seeds, {**fold, **(params or {})}))
    else:
        results = backtest(years, args.region, seeds, params)
    for v in results:
        print(f"\n{v.base_year} -> {v.base_year + 1} ({v.region}, seeds {v.seeds})")
        print(national_markdown(v))
    print("\n" + scores_markdown(results))
    paths = write_validation(results, Path(args.out))
    print("\nwrote " + ", ".join(str(p) for p in paths))
    return 0


def add_calibrate_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``sim calibrate``."""
    p = sub.add_parser("calibrate", help="estimate the behavioural parameters from the census (optuna)")
    p.add_argument("--spec", default=str(DEFAULT_SPEC), help="calibration spec TOML (default "
                   "experiments/calibration/spec.toml)")
    p.add_argument("--trials", type=int, help="number of trials (default: the spec's)")
    p.add_argument("--workers", type=int, help="parallel worker processes (default: the spec's)")
    p.add_argument("--out", default="results/calibration", help="output folder (default results/calibration)")
    p.add_argument("--install", action="store_true", help="also write the parameter file to "
                   "sim/calibrated_params.toml, making it the model's defaults")
    p.add_argument("--no-profiles", action="store_true", help="skip the one-at-a-time objective profiles")
    add_output_options(p)
    p.set_defaults(func=cmd_calibrate)


def add_validate_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``sim validate``."""
    p = sub.add_parser("validate", help="12 months from the census of Y vs the census of Y+1, council by council")
    p.add_argument("--base-year", type=int, help=f"census year to start from ({CENSUS_YEARS[0]} to "
                   f"{CENSUS_YEARS[-2]}; {CENSUS_YEARS[-2]} is out of sample)")
    p.add_argument("--backtest", action="store_true", help=f"every base year {BACKTEST_YEARS[0]} to "
                   f"{BACKTEST_YEARS[-1]}")
    p.add_argument("--seeds", type=int, default=3, help="replication seeds (default 3)")
    p.add_argument("--region", default="england", help="a region name (see `sim regions`)")
    p.add_argument("--params", help="TOML file of parameter overrides (default: the calibrated defaults)")
    p.add_argument("--refit", type=int, metavar="TRIALS", help="calibrate each base year's fold first, on the "
                   "census years before its target only (TRIALS trials and TRIALS/3 local ones; the spec's "
                   "other settings), instead of using the installed calibration, which saw later years")
    p.add_argument("--spec", default=str(DEFAULT_SPEC), help="calibration spec for --refit")
    p.add_argument("--out", default="results/validation", help="output folder (default results/validation)")
    add_set_option(p)
    add_output_options(p, no_progress=False)
    p.set_defaults(func=cmd_validate)


__all__ = ["add_calibrate_parser", "add_validate_parser", "cmd_calibrate", "cmd_validate"]
