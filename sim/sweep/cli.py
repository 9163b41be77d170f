"""argparse glue for ``sim sweep`` and ``sim sensitivity``.

The main ``sim`` command registers these on its subparsers::

    from sim.sweep.cli import add_sensitivity_parser, add_sweep_parser

    add_sweep_parser(subparsers)
    add_sensitivity_parser(subparsers)
    args = parser.parse_args()
    sys.exit(args.func(args))

Exit codes: 0 success, 1 a run failed or a worker died (finished runs are
kept), 2 bad specification (including inputs the model rejects with a
``ValueError`` such as ``SimInputError``) or unusable output directory,
130 interrupted.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import sys
from pathlib import Path
from typing import Any

from sim.atomic import atomic_write, check_output_path
from sim.console import add_output_options, logger, wants_progress
from sim.errors import SimInputError
from sim.limits import RESAMPLES, WORKERS
from sim.sweep.checks import REGISTERED_MODELS, check_against_model, check_model_allowed
from sim.sweep.executors import SweepRunError, check_scheduler_address
from sim.sweep.spec import SweepSpecError, validate_parameter_names
from sim.sweep.store import SweepStateError

DEFAULT_RESULTS_ROOT = Path("results") / "sweeps"


def add_sweep_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``sweep SPEC.toml`` on an argparse subparsers object.

    Args:
        subparsers: The object returned by ``ArgumentParser.add_subparsers()``.

    Returns:
        The new subparser (its ``func`` default is :func:`cmd_sweep`).
    """
    p = subparsers.add_parser(
        "sweep",
        help="run a parameter sweep described by a TOML spec (resumable)",
        description="Run a parameter sweep. Re-running on the same output directory "
        "resumes: finished runs are skipped.",
    )
    p.add_argument("spec", type=Path, metavar="SPEC.toml", help="sweep specification")
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help=f"output directory (default: {DEFAULT_RESULTS_ROOT}/<sweep name>)",
    )
    how = p.add_mutually_exclusive_group()
    how.add_argument(
        "--workers", type=int, default=None, metavar="N", help="local worker processes (default: all CPUs)"
    )
    how.add_argument(
        "--scheduler", default=None, metavar="ADDRESS", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786"
    )
    how.add_argument("--serial", action="store_true", help="run in this process, one by one")
    p.add_argument(
        "--force-new", action="store_true", help="if DIR holds a different spec's results, move them aside and restart"
    )
    p.add_argument("--dry-run", action="store_true", help="validate the spec and print the design size; run nothing")
    p.add_argument("--allow-import", action="store_true", help="let the spec's [sweep].model import code other than "
                   "the project's model (a spec file is data; only use this with specs you trust)")
    add_output_options(p)
    p.set_defaults(func=cmd_sweep)
    return p


def add_sensitivity_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``sensitivity RESULTS_DIR`` on an argparse subparsers object.

    Args:
        subparsers: The object returned by ``ArgumentParser.add_subparsers()``.

    Returns:
        The new subparser (its ``func`` default is :func:`cmd_sensitivity`).
    """
    p = subparsers.add_parser(
        "sensitivity",
        help="Sobol / Morris sensitivity indices of a finished sweep",
    )
    p.add_argument("results_dir", type=Path, metavar="RESULTS_DIR")
    p.add_argument("--outcomes", nargs="+", default=None, metavar="NAME", help="outcomes to analyse (default: all)")
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="PNG",
        help="bar chart (default: RESULTS_DIR/sensitivity.png); the table is written next to it as .csv",
    )
    p.add_argument("--resamples", type=int, default=1000, help="bootstrap resamples")
    p.set_defaults(func=cmd_sensitivity)
    return p


def _err(msg: str) -> None:
    print(f"error: {msg}", file=sys.stderr)


def _model_parameter_names(model: str, region: str | None = None) -> list[str] | None:
    """Parameter names the model advertises, or ``None`` if it does not.

    The model's module may define ``parameter_names`` as a list or as a function; a function
    that takes an argument is called with the sweep's region (``sim.api.parameter_names(region)``
    lists the model parameters plus a pay lever per council of that region).
    """
    module, _, _ = model.partition(":")
    try:
        mod = importlib.import_module(module)
    except ImportError:
        return None
    names = getattr(mod, "parameter_names", None)
    if callable(names):
        try:
            takes_region = bool(inspect.signature(names).parameters)
        except (TypeError, ValueError):
            takes_region = False
        names = names(region) if takes_region and region is not None else names()
    return list(names) if names is not None else None


def cmd_sweep(args: argparse.Namespace) -> int:
    """Handle ``sim sweep``; returns the process exit code."""
    from sim.sweep.runner import Sweep

    try:
        sweep = Sweep.from_toml(args.spec)
        spec = sweep.spec
        check_model_allowed(spec, args.allow_import)  # a spec file never imports code by itself
        if spec.model in REGISTERED_MODELS or not args.dry_run:
            try:
                allowed = _model_parameter_names(spec.model, spec.region)
            except ValueError as exc:  # e.g. SimInputError: unknown region
                raise SweepSpecError(str(args.spec), [f"[sweep].region = {spec.region!r}: {exc}"]) from exc
            if allowed is not None:
                names = [p.name for p in spec.parameters if p.name not in spec.levers]
                validate_parameter_names(names, allowed, source=str(args.spec))
        check_against_model(spec)
        if args.workers is not None:
            WORKERS.check(args.workers, "--workers")
        if args.scheduler is not None:
            check_scheduler_address(args.scheduler)
        out = check_output_path(args.out or DEFAULT_RESULTS_ROOT / spec.name)
    except SimInputError as exc:
        _err(str(exc))
        return 2
    n = len(sweep.runs())
    if args.dry_run:
        design = sweep.design
        print(
            f"{spec.name}: design {spec.design}, {len(design.points)} points x "
            f"{spec.replicates} replicates x {len(spec.scenario_policies())} scenarios "
            f"= {n} runs"
        )
        return 0
    if args.serial:
        executor = "serial"
    elif args.scheduler:
        executor = "dask"
    else:
        executor = "processes"
    try:
        report = sweep.run(
            out,
            executor=executor,
            workers=args.workers,
            scheduler=args.scheduler,
            force_new=args.force_new,
            progress=wants_progress(args),
            allow_import=args.allow_import,
        )
    except SweepStateError as exc:
        _err(str(exc))
        return 2
    except SweepRunError as exc:
        if isinstance(exc.__cause__, ValueError):  # e.g. SimInputError: the model rejected input
            _err(f"{exc}\nthe model rejected the spec's inputs; fix {args.spec} and re-run")
            return 2
        _err(f"{exc}\nresults so far are in {out}; re-run the same command to resume")
        return 1
    except KeyboardInterrupt:
        _err(f"interrupted; finished runs are saved in {out}; re-run to resume")
        return 130
    logger.info(
        "%s: %d runs done now, %d earlier, %d total -> %s (%.1f s)",
        spec.name, report.completed, report.already_done, report.total, report.out_dir, report.elapsed_s,
    )
    return 0


def cmd_sensitivity(args: argparse.Namespace) -> int:
    """Handle ``sim sensitivity``; returns the process exit code."""
    from sim.sweep.sensitivity import analyze_sensitivity

    png = args.out or args.results_dir / "sensitivity.png"
    try:
        RESAMPLES.check(args.resamples, "--resamples")
        check_output_path(Path(png).parent, "--out")
        if Path(png).is_dir():
            raise SimInputError(f"--out {png}: is a folder; allowed a .png file name")
        df = analyze_sensitivity(args.results_dir, args.outcomes, out_png=png, num_resamples=args.resamples)
    except (SweepStateError, ValueError) as exc:
        _err(str(exc))
        return 2
    csv = Path(png).with_suffix(".csv")
    atomic_write(csv, lambda p: df.to_csv(p, index=False))
    with_conf = df.assign(conf=df["conf"].round(3), value=df["value"].round(3))
    print(with_conf.to_string(index=False))
    logger.info("wrote %s and %s", png, csv)
    return 0
