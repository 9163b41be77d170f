"""The ``sim`` command line.

    sim run [--region R] [--base-year Y] [--years N] [--seed S] [--params FILE] [--set NAME=VALUE] [--out DIR]
    sim regions
    sim councils [REGION]
    sim params

Other subcommands (sweep, sensitivity, compare, scenario, calibrate, validate, app) register
themselves from their modules through ``SUBCOMMANDS``, imported only when that command runs, so
``sim --help`` stays fast. ``sim`` alone prints the help; ``sim --version`` the version; ``python -m
sim`` is the same command. Every option's default is shown in ``--help``. Long commands take
``--quiet`` (and ``--no-progress``); the one progress display is tqdm's, silent when stderr is not a
terminal; messages go to the ``sim`` logger (:mod:`sim.console`). Bad input prints a message naming
what was wrong and what is allowed, and exits with code 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Any

from .console import add_output_options, bar_callback, configure_logging, logger, progress_bar, wants_progress
from .errors import SimInputError

# Subcommands defined in other modules, imported only when that command runs (so `sim --help` stays
# fast): name -> (module, function that adds its parser(s) to the subparsers object, one-line help).
# The help is repeated here for the top-level listing; tests/test_cli_conventions.py checks it matches.
SUBCOMMANDS: dict[str, tuple[str, str, str]] = {
    "sweep": ("sim.sweep.cli", "add_sweep_parser", "run a parameter sweep described by a TOML spec (resumable)"),
    "sensitivity": ("sim.sweep.cli", "add_sensitivity_parser",
                    "Sobol / Morris sensitivity indices of a finished sweep"),
    "compare": ("sim.compare", "add_compare_parser", "compare a scenario with a baseline over paired replicate runs"),
    "scenario": ("sim.compare", "add_compare_parser", "scenario files"),
    "calibrate": ("sim.calibrate.cli", "add_calibrate_parser",
                  "estimate the posterior of the behavioural parameters from the census (screening, then ABC-SMC)"),
    "forecast": ("sim.forecast", "add_forecast_parser",
                 "forecast every council's next census year with predictive intervals"),
    "validate": ("sim.calibrate.cli", "add_validate_parser",
                 "12 months from the census of Y vs the census of Y+1, council by council"),
    "app": ("sim.app_cli", "add_app_parser", "open the browser view: step through a run on a map of the councils"),
}


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows every option's default, unless its help already says it or there is none to show."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        nothing = action.default is None or action.default is False or action.default == []
        if nothing or action.default is argparse.SUPPRESS or "default" in text.lower() or not text:
            return action.help
        return super()._get_help_string(action)


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # argparse exits with 2 too; keep its message short
        self.print_usage(sys.stderr)
        print(f"sim: error: {message}", file=sys.stderr)
        raise SystemExit(2)


def _assignment(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip() or not value.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE (e.g. b_pay=5.5), got {text!r}")
    return name.strip(), value.strip()


def add_set_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--set NAME=VALUE`` (repeatable): a parameter override without a file."""
    parser.add_argument("--set", dest="set", action="append", type=_assignment, default=[], metavar="NAME=VALUE",
                        help="override a parameter (see `sim params`); repeatable; wins over --params")


def parse_sets(pairs: list[tuple[str, str]]) -> dict[str, float]:
    """The ``--set`` pairs as parameter overrides, checked against the parameters' names and ranges."""
    from .params import Params

    out: dict[str, float] = {}
    for name, text in pairs:
        try:
            value = float(text)
        except ValueError:
            raise SimInputError(f"--set {name}={text}: {text!r} is not a number") from None
        out[name] = int(value) if value.is_integer() and "." not in text and "e" not in text.lower() else value
    Params(out, where="--set")
    return out


def cmd_run(args: argparse.Namespace) -> int:
    from .atomic import ResultsFolder
    from .limits import months_of_years
    from .model import WorkforceModel
    from .report import headline, write_summary_png, write_tables

    months = months_of_years(args.years, "--years")  # sim.limits: finite, at least a month, at most a century
    # the inputs first (a bad region or parameter is the error to report), then the output folder, both
    # before the run; the folder is written whole after it
    model = WorkforceModel(region=args.region, base_year=args.base_year, seed=args.seed, params_file=args.params,
                           params=parse_sets(args.set), validate=args.validate, months=months)
    folder = ResultsFolder(args.out, force=args.force, what="sim run")
    with progress_bar(months, f"{model.region.name} {model.base_year}", "month", wants_progress(args)) as bar:
        model.run(months=months, progress=bar_callback(bar))
    print(headline(model))
    with folder as tmp:
        names = [p.name for p in write_tables(model, tmp)] + [write_summary_png(model, tmp / "summary.png").name]
    logger.info("wrote %s", ", ".join(str(folder.path(n)) for n in names))
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


def build_parser(command: str | None = None, full: bool = False) -> argparse.ArgumentParser:
    """The ``sim`` parser. Only ``command``'s module is imported (all of them if ``full``); the other
    subcommands are listed by name and help."""
    from . import __version__

    parser = _Parser(prog="sim", description="Simulate the labour market for children's social workers "
                     "in England's councils.")
    parser.add_argument("--version", action="version", version=f"sim (cswsim) {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")
    run = sub.add_parser("run", help="simulate a region month by month and write tables and a picture")
    run.add_argument("--region", default="england", help="a region name (see `sim regions`)")
    run.add_argument("--base-year", type=int, default=2024, help="census year to start from (2017-2024)")
    run.add_argument("--years", type=float, default=5, help="years to simulate")
    run.add_argument("--seed", type=int, default=0, help="the run's seed (same seed, same results)")
    run.add_argument("--params", help="TOML file of parameter overrides (see `sim params`)")
    add_set_option(run)
    run.add_argument("--out", default="results/run", help="output folder")
    run.add_argument("--validate", action="store_true", help="check stocks against flows every month")
    run.add_argument("--force", action="store_true", help="replace the output folder if it holds results")
    add_output_options(run)
    run.set_defaults(func=cmd_run)
    sub.add_parser("regions", help="list the named regions").set_defaults(func=cmd_regions)
    councils = sub.add_parser("councils", help="list the councils of a region")
    councils.add_argument("region", nargs="?", default="england", help="a region name (see `sim regions`)")
    councils.set_defaults(func=cmd_councils)
    sub.add_parser("params", help="list every parameter with its default and source").set_defaults(func=cmd_params)
    for name, (module, function, _) in SUBCOMMANDS.items():
        if (full or name == command) and name not in sub.choices:
            getattr(importlib.import_module(module), function)(sub)
    for name, (_, _, text) in SUBCOMMANDS.items():
        if name not in sub.choices:  # listed only: its module is imported when it is the command
            sub.add_parser(name, help=text, add_help=False)
    return parser


def _command(argv: list[str]) -> str | None:
    """The subcommand named in ``argv`` (the first word that is not an option), if any."""
    return next((a for a in argv if not a.startswith("-")), None)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(_command(argv))
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    configure_logging(quiet=getattr(args, "quiet", False))
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
