"""The ``sim`` command line.

    sim run [--region R] [--base-year Y] [--years N] [--seed S] [--params FILE] [--out DIR]
    sim regions
    sim councils [REGION]
    sim params

Other subcommands (sweep, sensitivity, compare, calibrate, validate, app) register themselves from
their modules through ``SUBCOMMANDS``. Bad input prints a message naming what was wrong and what is
allowed, and exits with code 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time

from .errors import SimInputError

# (module, function): each function takes the argparse subparsers object and adds its commands.
SUBCOMMANDS: list[tuple[str, str]] = [
    ("sim.sweep.cli", "add_sweep_parser"),
    ("sim.sweep.cli", "add_sensitivity_parser"),
    ("sim.compare", "add_compare_parser"),
    ("sim.calibrate.cli", "add_calibrate_parser"),
    ("sim.calibrate.cli", "add_validate_parser"),
    ("sim.app_cli", "add_app_parser"),
]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse exits with 2 too; keep its message short
        self.print_usage(sys.stderr)
        print(f"sim: error: {message}", file=sys.stderr)
        raise SystemExit(2)


def progress_bar(label: str):
    """A small text progress bar on stderr (months done, time left)."""
    start = time.perf_counter()

    def show(done: int, total: int) -> None:
        if not sys.stderr.isatty() and done not in (total,) and done % max(1, total // 10):
            return
        elapsed = time.perf_counter() - start
        left = elapsed / done * (total - done) if done else 0.0
        bar = "#" * int(30 * done / max(total, 1))
        tty = sys.stderr.isatty()
        print(f"{chr(13) if tty else ''}{label} [{bar:30}] {done}/{total} months, {elapsed:.1f}s, ~{left:.1f}s left",
              end="\n" if done == total or not tty else "", file=sys.stderr, flush=True)

    return show


def cmd_run(args: argparse.Namespace) -> int:
    from .atomic import ResultsFolder
    from .limits import months_of_years
    from .model import WorkforceModel
    from .report import headline, write_summary_png, write_tables

    months = months_of_years(args.years, "--years")  # sim.limits: finite, at least a month, at most a century
    folder = ResultsFolder(args.out, force=args.force, what="sim run")  # checked before the run, written whole after
    model = WorkforceModel(region=args.region, base_year=args.base_year, seed=args.seed,
                           params_file=args.params, validate=args.validate, months=months)
    model.run(months=months, progress=progress_bar(f"{model.region.name} {model.base_year}"))
    print(headline(model))
    with folder as tmp:
        names = [p.name for p in write_tables(model, tmp)] + [write_summary_png(model, tmp / "summary.png").name]
    print("\nwrote " + ", ".join(str(folder.path(n)) for n in names))
    return 0


def cmd_regions(args: argparse.Namespace) -> int:
    from .data import load_seeds
    from .regions import build_region, region_names

    seeds = load_seeds()
    for name, desc in region_names(seeds).items():
        n = len(build_region(seeds, name).members)
        print(f"{name:28} {n:4} councils  {desc}")
    return 0


def cmd_councils(args: argparse.Namespace) -> int:
    from .data import load_seeds
    from .regions import build_region

    seeds = load_seeds()
    region = build_region(seeds, args.region)
    table = seeds.year(2024).set_index("code").loc[list(region.members)]
    print(f"{'code':24} {'name':36} {'region':26} {'in post FTE':>11} {'grade (2024)'}")
    for code, r in table.iterrows():
        print(f"{code:24} {r['name']:36} {r.region:26} {r.inpost_fte:>11.1f} {r.grade}")
    if region.boundary:
        print(f"\nboundary (outside the region, not simulated): "
              f"{', '.join(seeds.councils.set_index('code').loc[list(region.boundary), 'name'])}")
    return 0


def cmd_params(args: argparse.Namespace) -> int:
    from .params import describe

    print(describe())
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="sim", description="Simulate the labour market for children's social workers "
                     "in England's councils.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    run = sub.add_parser("run", help="simulate a region month by month and write tables and a picture")
    run.add_argument("--region", default="england", help="a region name (see `sim regions`)")
    run.add_argument("--base-year", type=int, default=2024, help="census year to start from (2017-2024)")
    run.add_argument("--years", type=float, default=5, help="years to simulate (default 5)")
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--params", help="TOML file of parameter overrides (see `sim params`)")
    run.add_argument("--out", default="results/run", help="output folder (default results/run)")
    run.add_argument("--validate", action="store_true", help="check stocks against flows every month")
    run.add_argument("--force", action="store_true", help="replace the output folder if it holds results")
    run.set_defaults(func=cmd_run)
    sub.add_parser("regions", help="list the named regions").set_defaults(func=cmd_regions)
    councils = sub.add_parser("councils", help="list the councils of a region")
    councils.add_argument("region", nargs="?", default="england")
    councils.set_defaults(func=cmd_councils)
    sub.add_parser("params", help="list every parameter with its default and source").set_defaults(func=cmd_params)
    for module, function in SUBCOMMANDS:
        getattr(importlib.import_module(module), function)(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from .procs import stop_children, terminate_on_signals

    try:
        with terminate_on_signals():  # SIGTERM/SIGHUP unwind like Ctrl-C, so child processes are stopped
            return int(args.func(args) or 0)
    except SimInputError as exc:
        print(f"sim: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        stop_children()
        print(f"\nsim: {exc or 'interrupted'}", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
