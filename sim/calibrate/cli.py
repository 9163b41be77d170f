"""The ``sim calibrate`` and ``sim validate`` commands.

    sim calibrate [--spec FILE] [--workers N | --scheduler ADDRESS | --dask-workers N] [--out DIR] [--install]
    sim calibrate --method optuna [--trials N] ...       # the single optimiser point of before issue 13
    sim validate --base-year Y [--seeds N] [--region R] [--params FILE] [--set NAME=VALUE] [--out DIR]
    sim validate --backtest [--bank N] [--region R]      # the forecast league table (amortised posterior)
    sim validate --backtest --refit TRIALS ...           # point calibration per fold (optuna)
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
    """Estimate the posterior (default) or the optimiser point of the spec's parameters, and write them."""
    if args.method == "abc":
        return cmd_calibrate_posterior(args)
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


def cmd_calibrate_posterior(args: argparse.Namespace) -> int:
    """Screening then ABC-SMC; write the posterior with provenance, the point file, report and plots."""
    import time

    from ..console import logger
    from ..posterior import POSTERIOR_FILE
    from .abc import AbcSettings, calibrate_posterior, posterior_check
    from .posterior_report import write_posterior

    check_calibration_args(args)
    if args.scheduler and args.dask_workers:
        raise SimInputError("give --scheduler ADDRESS or --dask-workers N, not both")
    spec = CalibrationSpec.from_toml(args.spec)
    workers = _positive("workers", args.workers) or spec.workers
    overrides = {k: v for k, v in (("population_size", _positive("population", args.population)),
                                   ("max_generations", _positive("generations", args.generations)),
                                   ("max_minutes", args.max_minutes)) if v is not None}
    settings = AbcSettings.from_dict({**spec.posterior, **overrides}, where="[posterior] / flags")
    out = Path(args.out)
    start = time.perf_counter()
    result = calibrate_posterior(spec, settings, workers=workers, scheduler=args.scheduler,
                                 dask_workers=_positive("dask-workers", args.dask_workers),
                                 screen_first=not args.no_screening, db=out / "abc.db", log=logger.info)
    check = posterior_check(spec, result.posterior)
    result.seconds = time.perf_counter() - start
    # The posterior's mean is written beside it, but not installed as the point: with most parameters
    # nearly as uncertain as their priors, the mean is not a good run (on the model of issue #12's second
    # round, distance 64.5 against the optimiser point's 39.3); `--method optuna --install` sets the point.
    install = (POSTERIOR_FILE, None) if args.install else None
    paths = write_posterior(result, out, list(spec.free), install=install, check=check)
    p = result.posterior
    print(f"posterior of {len(p.names)} parameters from {int(result.generations.samples.sum())} simulated particles "
          f"in {len(result.generations)} generations, {result.seconds / 60:.1f} min (final epsilon "
          f"{result.generations.epsilon.iloc[-1]:.3g}, effective sample size {p.ess():.0f})")
    if result.screening is not None and result.screening.fixed:
        print("fixed by screening (the census moments cannot see them): " + ", ".join(
            f"{n} = {v:.4g}" for n, v in result.screening.fixed.items()))
    print(p.summary()[["mean", "sd", "q05", "q95"]].to_string(float_format=lambda x: f"{x:.4g}"))
    print("wrote " + ", ".join(str(x) for x in paths))
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
    if args.backtest and args.refit is None:
        from .league import cmd_league

        return cmd_league(args, years)
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
    p = sub.add_parser("calibrate", help="estimate the posterior of the behavioural parameters from the census "
                       "(screening, then ABC-SMC)")
    p.add_argument("--spec", default=str(DEFAULT_SPEC), help="calibration spec TOML (default "
                   "experiments/calibration/spec.toml)")
    p.add_argument("--method", choices=("abc", "optuna"), default="abc", help="abc: Morris screening then ABC-SMC "
                   "(a posterior; default); optuna: the single optimiser point of before issue 13")
    p.add_argument("--workers", type=int, help="parallel worker processes (default: the spec's)")
    p.add_argument("--scheduler", help="abc: a dask.distributed scheduler address (tcp://HOST:8786) to run on")
    p.add_argument("--dask-workers", type=int, help="abc: start a local Dask cluster of N worker processes")
    p.add_argument("--population", type=int, help="abc: particles per generation (default: the spec's)")
    p.add_argument("--generations", type=int, help="abc: most generations (default: the spec's)")
    p.add_argument("--max-minutes", type=float, help="abc: stop after this many minutes (default: the spec's)")
    p.add_argument("--no-screening", action="store_true", help="abc: every free parameter goes to ABC")
    p.add_argument("--trials", type=int, help="optuna: number of trials (default: the spec's)")
    p.add_argument("--out", default="results/calibration", help="output folder (default results/calibration)")
    p.add_argument("--install", action="store_true", help="also install the result as the model's defaults: "
                   "sim/calibrated_posterior.parquet (abc), or the point sim/calibrated_params.toml (optuna)")
    p.add_argument("--no-profiles", action="store_true", help="optuna: skip the one-at-a-time objective profiles")
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
    p.add_argument("--spec", default=str(DEFAULT_SPEC), help="calibration spec (priors and moments) for "
                   "--backtest and --refit")
    p.add_argument("--bank", type=int, help="--backtest: parameter draws from the prior in the bank of "
                   "simulations (default 400; each runs every base year once)")
    p.add_argument("--accept", type=float, default=0.1, help="--backtest: share of the bank kept as each fold's "
                   "posterior (ABC rejection on the fold's own census years)")
    p.add_argument("--workers", type=int, help="--backtest: worker processes (default all cores)")
    p.add_argument("--out", default="results/validation", help="output folder (default results/validation)")
    add_set_option(p)
    add_output_options(p, no_progress=False)
    p.set_defaults(func=cmd_validate)


__all__ = ["add_calibrate_parser", "add_validate_parser", "cmd_calibrate", "cmd_validate"]
