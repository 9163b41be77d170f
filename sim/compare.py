"""Paired comparisons of two scenarios with common random numbers, and their 95% intervals.

``compare(baseline, scenario, replicates, workers)`` runs both scenarios with the seeds 0..N-1 (the
same seed gives both runs the same random numbers, so their difference is the policy's effect plus
little noise), summarises each run over the months the policy acts, and returns a :class:`Comparison`:
per council and for the region, the mean difference with a 95% interval.

By default each replicate pair also draws its parameters from the calibrated posterior
(:mod:`sim.posterior`): pair i uses seed i and draw i // S (S seeds per draw, default 2), and both arms
share the draw and the seed. The interval then includes the uncertainty of the parameters, and
:mod:`sim.uncertainty` splits its variance into the part that comes from the parameters and the part
that comes from chance (law of total variance). ``point=True`` (``--point``) runs every pair with the
one calibrated parameter set: the interval is then mean ± t(0.975, N-1) × sd / √N, chance only, as
before issue 13. Parameters set by the scenario file or ``--set`` win over the draws.

From the command line::

    sim compare baseline experiments/scenarios/bexley_pays_more.toml --replicates 200 --out results/bexley
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, replace
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import SimInputError
from .limits import REPLICATES, WORKERS
from .model import WorkforceModel
from .procs import pool_worker_init, signals_deferred, terminate_pool
from .scenario import Scenario, load
from .uncertainty import decompose, t_interval  # noqa: F401  (t_interval: part of this module's API)

# measure: (what it is, unit, sentence template: {amt} magnitude, {dir} direction word, (up, down) words)
MEASURES: dict[str, tuple[str, str, str, tuple[str, str]]] = {
    "losses_to_councils": ("social workers lost to other councils a year", "heads/yr",
                           "loses {amt} {dir} social workers a year to other councils", ("more", "fewer")),
    "gains_from_councils": ("social workers gained from other councils a year", "heads/yr",
                            "gains {amt} {dir} social workers a year from other councils", ("more", "fewer")),
    "net_poaching": ("net gain from other councils a year", "heads/yr",
                     "net gain from other councils is {amt} a year {dir}", ("higher", "lower")),
    "leavers": ("leavers a year (all destinations)", "heads/yr", "has {amt} {dir} leavers a year",
                ("more", "fewer")),
    "starters": ("starters a year (all sources)", "heads/yr", "has {amt} {dir} starters a year", ("more", "fewer")),
    "turnover_pct": ("turnover (leavers / FTE in post)", "% a year", "turnover is {amt} points {dir}",
                     ("higher", "lower")),
    "vacancy_rate_pct": ("vacancy rate", "%", "vacancy rate is {amt} points {dir}", ("higher", "lower")),
    "agency_fte": ("agency workers", "FTE", "uses {amt} {dir} agency FTE", ("more", "fewer")),
    "perm_fte": ("permanent staff", "FTE", "has {amt} {dir} permanent FTE", ("more", "fewer")),
    "caseload": ("caseload", "cases per case-holder", "caseload is {amt} cases per case-holder {dir}",
                 ("higher", "lower")),
    "incentive_spend_gbp": ("incentive spend", "GBP/yr", "spends {amt} a year {dir} on incentives",
                            ("more", "less")),
    "agency_spend_gbp": ("agency spend", "GBP/yr", "spends {amt} a year {dir} on agency staff", ("more", "less")),
    "total_cost_gbp": ("total workforce cost", "GBP/yr", "total workforce cost is {amt} a year {dir}",
                       ("higher", "lower")),
}
MONEY = {"incentive_spend_gbp", "agency_spend_gbp", "total_cost_gbp", "cost_per_worker_retained_gbp"}
SERIES = ("perm_fte", "vacancy_rate_pct", "agency_fte", "losses_to_councils", "caseload", "total_cost_gbp")
REGION = "(region)"


@dataclass
class RunSummary:
    """What one run contributes to a comparison (small enough to send between processes)."""

    values: dict[str, np.ndarray]  # measure -> per council (simulated councils, then the region)
    series: np.ndarray  # (len(SERIES), months + 1, councils + 1)
    od: np.ndarray  # (simulated councils, all councils) movers a year in the window


def summarise_run(m: WorkforceModel, window_start: int) -> RunSummary:
    """Annual rates and means over months ``window_start``..end of a finished run."""
    cm = m.results.council_months
    a, n = m.councils.n_active, m.councils.n
    ticks = cm.tick.to_numpy().reshape(-1, a)[:, 0]
    T = ticks.size

    def col(name: str) -> np.ndarray:
        return cm[name].to_numpy(float).reshape(T, a)

    w = ticks >= window_start
    years = max(w.sum(), 1) / 12
    leavers = sum(col(f"leavers_{d}") for d in ("council", "outside_region", "agency", "out_of_profession"))
    losses = col("leavers_council") + col("leavers_outside_region")
    perm, vac, agency = col("perm_fte"), col("vacancy_fte"), col("agency_fte")
    holders = perm + agency
    per_month = {
        "losses_to_councils": losses, "gains_from_councils": col("starters_council"),
        "net_poaching": col("starters_council") - losses, "leavers": leavers,
        "starters": sum(col(f"starters_{k}") for k in ("council", "agency", "new_qualifier", "returner_overseas")),
        "incentive_spend_gbp": col("incentive_spend_gbp"), "agency_spend_gbp": col("agency_spend_gbp"),
        "total_cost_gbp": col("total_cost_gbp"),
    }
    values: dict[str, np.ndarray] = {}
    for k, v in per_month.items():
        council = v[w].sum(axis=0) / years
        # for the region, moves between its councils cancel out: only moves out of it count
        region = council.sum() if k != "net_poaching" else -col("leavers_outside_region")[w].sum() / years
        values[k] = np.append(council, region)
    values["losses_to_councils"][-1] = col("leavers_outside_region")[w].sum() / years
    values["gains_from_councils"][-1] = 0.0
    leavers_fte = sum(col(f"leavers_{d}_fte") for d in ("council", "outside_region", "agency", "out_of_profession"))
    mean_perm = perm[w].mean(axis=0)
    values["turnover_pct"] = 100 * np.append(leavers_fte[w].sum(axis=0) / years / np.maximum(mean_perm, 1e-9),
                                             leavers_fte[w].sum() / years / max(mean_perm.sum(), 1e-9))
    values["vacancy_rate_pct"] = 100 * np.append((vac / np.maximum(vac + perm, 1e-9))[w].mean(axis=0),
                                                 (vac.sum(1) / np.maximum(vac.sum(1) + perm.sum(1), 1e-9))[w].mean())
    values["agency_fte"] = np.append(agency[w].mean(axis=0), agency[w].sum(axis=1).mean())
    values["perm_fte"] = np.append(mean_perm, perm[w].sum(axis=1).mean())
    caseload = col("caseload")
    values["caseload"] = np.append(caseload[w].mean(axis=0),
                                   ((caseload * holders).sum(1) / np.maximum(holders.sum(1), 1e-9))[w].mean())

    series = np.zeros((len(SERIES), T, a + 1))
    for i, k in enumerate(SERIES):
        if k == "vacancy_rate_pct":
            s = 100 * vac / np.maximum(vac + perm, 1e-9)
            reg = 100 * vac.sum(1) / np.maximum(vac.sum(1) + perm.sum(1), 1e-9)
        elif k == "caseload":
            s, reg = caseload, (caseload * holders).sum(1) / np.maximum(holders.sum(1), 1e-9)
        elif k == "losses_to_councils":
            s, reg = losses, col("leavers_outside_region").sum(1)
        else:
            s = col(k) if k in cm.columns else per_month[k]
            reg = s.sum(1)
        series[i, :, :a], series[i, :, a] = s, reg

    od = np.zeros((a, n))
    for t, table in enumerate(m.recorder.od):
        if t >= window_start and len(table):
            np.add.at(od, (table[:, 0].astype(int), table[:, 1].astype(int)), table[:, 2])
    return RunSummary(values, series, od / years)


Pair = tuple[int, int, RunSummary, RunSummary]  # (seed, posterior draw, baseline, scenario)


def with_draw(scenario: Scenario, draw: dict[str, float] | None) -> Scenario:
    """The scenario with a posterior draw under its own parameters (the file's and --set win)."""
    return scenario if not draw else replace(scenario, params={**draw, **scenario.params})


def run_pair(baseline: Scenario, scenario: Scenario, seed: int, window_start: int,
             draw: dict[str, float] | None = None, draw_index: int = 0) -> Pair:
    """Run both scenarios with one seed and one parameter draw (common random numbers) and summarise them."""
    from .calibrate.objective import release_model

    summaries = []
    for arm in (with_draw(baseline, draw), with_draw(scenario, draw)):
        model = arm.run(seed)
        summaries.append(summarise_run(model, window_start))
        release_model(model)  # Mesa 3.3 would keep it alive: workers run many pairs
    return (seed, draw_index, summaries[0], summaries[1])


class Comparison:
    """The paired differences between a scenario and its baseline, with 95% intervals.

    Attributes:
        table: one row per (council, measure): baseline and scenario means, the difference and its
            interval. ``council`` is a council name or "(region)".
        replicates: one row per (seed, council, measure) with both runs' values.
        series: mean difference and interval per (measure, council, month).
        flows: origin-destination movers a year in both runs and the difference with its interval.
    """

    def __init__(self, baseline: Scenario, scenario: Scenario, results: list[Pair], focus: str | None,
                 elapsed_s: float, workers: int, posterior: dict[str, Any] | None = None) -> None:
        self.baseline, self.scenario = baseline, scenario
        self.elapsed_s, self.workers = elapsed_s, workers
        self.n = len(results)
        self.posterior = posterior  # None: one parameter set; else what the draws came from (and how many)
        self.draws = len({r[1] for r in results})
        ref = baseline.build_model(0)
        agents = ref.council_agents
        self.a = ref.councils.n_active
        self.codes = [x.code for x in agents]
        self.names = [x.name for x in agents]
        self.window_start = scenario.first_policy_tick
        self.window = f"{ref.date(self.window_start)} to {ref.date(scenario.months)}"
        self.dates = [ref.date(t) for t in range(scenario.months + 1)]
        from .maps import council_centroids  # plotting modules are imported only when needed

        self.centroids = council_centroids()
        self.focus = self.names[ref.council_index(focus)] if focus else None
        self.neighbours = sorted({self.names[j] for j in ref.reach[ref.council_index(focus)] if j >= 0}
                                 - {self.focus}) if focus else []
        self.role = {name: ("focus" if name == self.focus else "neighbour" if name in self.neighbours else "other")
                     for name in self.names[: self.a]}
        self._build(results)

    # ---- tables -----------------------------------------------------------------------------
    def _build(self, results: list[Pair]) -> None:
        results = sorted(results, key=lambda r: r[0])
        seeds = [r[0] for r in results]
        groups = np.array([r[1] for r in results])
        units = self.names[: self.a] + [REGION]
        rows, reps = [], []
        for k, (label, unit, _, _) in MEASURES.items():
            base = np.array([r[2].values[k] for r in results])
            scen = np.array([r[3].values[k] for r in results])
            iv = decompose(scen - base, groups)
            share = iv.param_share
            for j, name in enumerate(units):
                rows.append(dict(council=name, measure=k, label=label, unit=unit, baseline=base[:, j].mean(),
                                 scenario=scen[:, j].mean(), diff=iv.mean[j], lo=iv.lo[j], hi=iv.hi[j], n=self.n,
                                 param_share=share[j]))
            reps.append(pd.DataFrame({"seed": np.repeat(seeds, len(units)), "draw": np.repeat(groups, len(units)),
                                      "council": np.tile(units, len(seeds)), "measure": k,
                                      "baseline": base.ravel(), "scenario": scen.ravel()}))
        # losses to each named destination, per origin council (OD flows)
        base_od = np.array([r[2].od for r in results])
        scen_od = np.array([r[3].od for r in results])
        iv = decompose(scen_od - base_od, groups)
        mean, lo, hi, share = iv.mean, iv.lo, iv.hi, iv.param_share
        keep = (base_od.mean(0) > 0.05) | (scen_od.mean(0) > 0.05)
        fl = [dict(origin=self.names[i], destination=self.names[j], destination_in_region=j < self.a,
                   baseline=base_od[:, i, j].mean(), scenario=scen_od[:, i, j].mean(), diff=mean[i, j],
                   lo=lo[i, j], hi=hi[i, j], n=self.n, param_share=share[i, j])
              for i, j in zip(*np.nonzero(keep), strict=True)]
        self.flows = pd.DataFrame(fl, columns=["origin", "destination", "destination_in_region", "baseline",
                                               "scenario", "diff", "lo", "hi", "n", "param_share"])
        for f in fl:
            rows.append(dict(council=f["origin"], measure=f"losses_to:{f['destination']}",
                             label=f"social workers lost to {f['destination']} a year", unit="heads/yr",
                             **{k: f[k] for k in ("baseline", "scenario", "diff", "lo", "hi", "n", "param_share")}))
        # cost per worker retained: extra cost over leavers avoided (ratio of means, bootstrap interval)
        for j, name in enumerate(units):
            d_cost = np.array([r[3].values["total_cost_gbp"][j] - r[2].values["total_cost_gbp"][j] for r in results])
            d_kept = np.array([r[2].values["leavers"][j] - r[3].values["leavers"][j] for r in results])
            est, lo_, hi_ = ratio_interval(d_cost, d_kept, groups=groups)
            rows.append(dict(council=name, measure="cost_per_worker_retained_gbp",
                             label="extra workforce cost per leaver avoided", unit="GBP", baseline=np.nan,
                             scenario=np.nan, diff=est, lo=lo_, hi=hi_, n=self.n, param_share=np.nan))
        table = pd.DataFrame(rows)
        table.insert(1, "role", table.council.map(self.role).fillna("region"))
        self.table = table
        self.replicates = pd.concat(reps, ignore_index=True)
        diff = np.array([r[3].series - r[2].series for r in results])  # (N, S, T, C)
        iv = decompose(diff, groups)
        mean, lo, hi = iv.mean, iv.lo, iv.hi
        S, T, C = mean.shape
        self.series = pd.DataFrame({
            "measure": np.repeat(SERIES, T * C), "tick": np.tile(np.repeat(np.arange(T), C), S),
            "date": np.tile(np.repeat(self.dates[:T], C), S), "council": np.tile(units, S * T),
            "diff": mean.ravel(), "lo": lo.ravel(), "hi": hi.ravel()})

    def row(self, council: str, measure: str) -> pd.Series:
        """The table row of one council (or "(region)") and measure."""
        hit = self.table[(self.table.council == council) & (self.table.measure == measure)]
        if hit.empty:
            raise KeyError((council, measure))
        return hit.iloc[0]

    # ---- text -------------------------------------------------------------------------------
    def text(self, council: str | None = None) -> str:
        """The comparison in sentences a non-specialist can read, focus council first."""
        from .compare_text import comparison_text

        return comparison_text(self, council)

    def plots(self, out_dir: str | Path) -> list[Path]:
        """Write the PNG plots (differences over time, map of net flows, changed flows)."""
        from .compare_plots import write_plots

        return write_plots(self, Path(out_dir))

    def write(self, out_dir: str | Path) -> list[Path]:
        """Write the tables as Parquet (atomically), the text, and the plots."""
        from .atomic import atomic_write
        from .tables import file_form

        out = Path(out_dir)
        paths = []
        for name, df in (("table", self.table), ("replicates", self.replicates), ("series", self.series),
                         ("flows", self.flows), ("meta", self.meta())):
            path = out / f"{name}.parquet"
            table = file_form(df, counts=False)  # real dates; the values are averages, not counts
            atomic_write(path, lambda tmp, table=table: table.to_parquet(tmp, index=False))
            paths.append(path)
        path = out / "comparison.txt"
        atomic_write(path, lambda tmp: Path(tmp).write_text(self.text() + "\n"))
        paths.append(path)
        return paths + self.plots(out)

    def meta(self) -> pd.DataFrame:
        post = self.posterior or {}
        return pd.DataFrame([dict(baseline=self.baseline.name, scenario=self.scenario.name,
                                  scenario_file=self.scenario.source, region=self.scenario.region,
                                  base_year=self.scenario.base_year, years=self.scenario.years,
                                  replicates=self.n, window=self.window, focus=self.focus or "",
                                  workers=self.workers, elapsed_s=self.elapsed_s,
                                  parameters="posterior draws" if self.posterior else "one parameter set (point)",
                                  draws=self.draws, posterior_file=str(post.get("file", "")),
                                  posterior_created=str(post.get("created", "")))])

    def param_share(self, council: str | None = None) -> float:
        """Median share of the interval's variance that comes from the parameters over the table's rows
        (of one council, or all); 0 with one parameter set."""
        t = self.table if council is None else self.table[self.table.council == council]
        s = t.param_share.dropna()
        return float(s.median()) if len(s) else float("nan")


def ratio_interval(num: np.ndarray, den: np.ndarray, draws: int = 2000,
                   groups: np.ndarray | None = None) -> tuple[float, float, float]:
    """Ratio of means with a 95% percentile-bootstrap interval over replicate pairs (resampling whole
    posterior draws when ``groups`` names them); NaN when the denominator's own interval includes zero
    (the ratio is then not meaningful)."""
    groups = np.zeros(len(den), int) if groups is None else np.asarray(groups)
    iv = decompose(den, groups)
    if len(den) < 2 or not iv.lo > 0:
        return float("nan"), float("nan"), float("nan")
    rng = np.random.default_rng(20240930)  # analysis only: a fixed bootstrap, not the engine's streams
    labels = np.unique(groups)
    if len(labels) == 1:
        pick = rng.integers(0, len(den), size=(draws, len(den)))
        boot = num[pick].mean(1) / np.maximum(den[pick].mean(1), 1e-9)
    else:  # a cluster bootstrap: the draws are the units
        members = [np.flatnonzero(groups == g) for g in labels]
        chosen = rng.integers(0, len(labels), size=(draws, len(labels)))
        boot = np.array([num[np.concatenate([members[c] for c in row])].mean()
                         / max(den[np.concatenate([members[c] for c in row])].mean(), 1e-9) for row in chosen])
    return float(num.mean() / den.mean()), float(np.percentile(boot, 2.5)), float(np.percentile(boot, 97.5))


def compare(baseline: str | Path | Scenario, scenario: str | Path | Scenario, replicates: int = 20,
            workers: int | None = None, council: str | None = None,
            progress: Callable[[int, int], None] | None = None, point: bool = False, seeds_per_draw: int = 2,
            posterior: Any = None) -> Comparison:
    """Run ``replicates`` paired runs (seeds 0..N-1) of both scenarios and compare them.

    Args:
        baseline: a scenario (file) or the word "baseline" for the scenario's base with no policies.
        scenario: a scenario (file).
        replicates: number of seed pairs (at least 2 for intervals).
        workers: processes (default all cores; 1 runs in this process).
        council: council to report on first (default the scenario's focus).
        progress: called with (pairs done, pairs) as runs finish.
        point: one parameter set for every pair (the calibrated defaults): intervals of chance only.
        seeds_per_draw: seeds per posterior draw (at least 2, so that chance and parameters can be told
            apart); pair i uses draw i // seeds_per_draw.
        posterior: a :class:`sim.posterior.Posterior` (default the installed one; with none installed the
            comparison falls back to one parameter set and says so).
    """
    scen = load(scenario)
    base = scen.baseline() if str(baseline).lower() == "baseline" else load(baseline)
    if (base.region, base.base_year, base.months) != (scen.region, scen.base_year, scen.months):
        raise SimInputError(f"baseline {base.source} and scenario {scen.source} must share region, base year and "
                            f"years (got {base.region}/{base.base_year}/{base.years} and "
                            f"{scen.region}/{scen.base_year}/{scen.years})")
    REPLICATES.check(replicates, "--replicates")  # sim.limits (2 or more for intervals)
    workers = WORKERS.check(os.cpu_count() or 1 if workers is None else workers, "--workers")
    focus = council or scen.focus_council()
    if focus:
        base.build_model(0).council_index(focus, where="--council")
    draws, post_info = pair_draws(replicates, point, seeds_per_draw, posterior)
    start, window = time.perf_counter(), scen.first_policy_tick
    results = []
    if workers == 1:
        for seed in range(replicates):
            results.append(run_pair(base, scen, seed, window, *draws[seed]))
            if progress:
                progress(len(results), replicates)
    else:
        with ProcessPoolExecutor(max_workers=min(workers, replicates), mp_context=_context(),
                                 initializer=pool_worker_init) as pool:
            try:
                with signals_deferred():  # the workers are forked here: no stop signal in the middle of a fork
                    futures = [pool.submit(run_pair, base, scen, seed, window, *draws[seed])
                               for seed in range(replicates)]
                for fut in as_completed(futures):
                    results.append(fut.result())
                    if progress:
                        progress(len(results), replicates)
            except BaseException:  # Ctrl-C, SIGTERM or a failed run: stop every worker now
                terminate_pool(pool)
                raise
    return Comparison(base, scen, results, focus, time.perf_counter() - start, workers, post_info)


def pair_draws(replicates: int, point: bool, seeds_per_draw: int,
               posterior: Any = None) -> tuple[list[tuple[dict[str, float] | None, int]], dict[str, Any] | None]:
    """The parameter draw and draw number of each pair, and what the draws came from (None: one set)."""
    from .posterior import installed_posterior

    if point:
        return [(None, 0)] * replicates, None
    if not isinstance(seeds_per_draw, int) or isinstance(seeds_per_draw, bool) or not 1 <= seeds_per_draw <= 100_000:
        raise SimInputError(f"--seeds-per-draw {seeds_per_draw}: allowed a whole number from 1 (2 or more tell the "
                            "parameters' share of an interval from chance); or use --point")
    seeds_per_draw = min(seeds_per_draw, replicates)
    posterior = posterior if posterior is not None else installed_posterior()
    if posterior is None:
        from .console import logger

        logger.warning("no calibrated posterior installed (sim/calibrated_posterior.parquet; or CSWSIM_PRIORS=1): "
                       "every pair uses one parameter set, and the intervals are chance only")
        return [(None, 0)] * replicates, None
    n_draws = -(-replicates // seeds_per_draw)
    sets = posterior.param_sets(n_draws)
    info = {**{k: posterior.provenance.get(k) for k in ("file", "created", "code_version")}, "draws": n_draws,
            "seeds_per_draw": seeds_per_draw}
    return [(sets[i // seeds_per_draw], i // seeds_per_draw) for i in range(replicates)], info


def _context() -> Any:
    """Fork where the platform has it (no ``if __name__ == "__main__"`` needed in analysts' scripts and
    notebooks; workers only compute and return), else spawn."""
    import multiprocessing

    return get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")


def cmd_compare(args: argparse.Namespace) -> int:
    from .atomic import ResultsFolder
    from .cli import parse_sets
    from .console import bar_callback, logger, progress_bar, wants_progress

    scen = load(args.scenario)
    base = scen.baseline() if str(args.baseline).lower() == "baseline" else load(args.baseline)
    sets = parse_sets(args.set)
    if sets:  # the same overrides in both, on top of each file's own
        scen, base = (replace(x, params={**x.params, **sets}) for x in (scen, base))
    folder = ResultsFolder(args.out, force=args.force, what="sim compare") if args.out else None
    with progress_bar(args.replicates, "paired runs", "pair", wants_progress(args)) as bar:
        comp = compare(base, scen, replicates=args.replicates, workers=args.workers, council=args.council,
                       progress=bar_callback(bar), point=args.point, seeds_per_draw=args.seeds_per_draw)
    print(comp.text())
    if folder is not None:
        with folder as tmp:
            names = [p.name for p in comp.write(tmp)]
        logger.info("wrote %s", ", ".join(str(folder.path(n)) for n in names))
    return 0


def cmd_scenario_run(args: argparse.Namespace) -> int:
    from .atomic import ResultsFolder
    from .report import headline, write_tables

    scen = Scenario.from_toml(args.file)
    folder = ResultsFolder(args.out, force=args.force, what="sim scenario run") if args.out else None
    model = scen.run(seed=args.seed, validate=args.validate)
    print(headline(model))
    if folder is not None:
        with folder as tmp:
            names = [p.name for p in write_tables(model, tmp)]
        print("\nwrote " + ", ".join(str(folder.path(n)) for n in names))
    return 0


def add_compare_parser(sub: Any) -> None:
    """Add ``sim compare`` and ``sim scenario run`` to the command line."""
    from .cli import add_set_option
    from .console import add_output_options

    p = sub.add_parser("compare", help="compare a scenario with a baseline over paired replicate runs")
    p.add_argument("baseline", help="a scenario file, or the word 'baseline' (the scenario's base, no policies)")
    p.add_argument("scenario", help="a scenario file (see experiments/scenarios/)")
    p.add_argument("--replicates", type=int, default=20, help="paired runs, seeds 0..N-1 (default 20)")
    p.add_argument("--workers", type=int, default=None, help="processes (default all cores)")
    p.add_argument("--council", default=None, help="council to report on first (default the scenario's focus)")
    p.add_argument("--point", action="store_true", help="one parameter set (the calibrated defaults) for every "
                   "pair: faster, but the intervals are chance only (by default each pair draws its parameters "
                   "from the calibrated posterior)")
    p.add_argument("--seeds-per-draw", type=int, default=2, help="seeds per posterior draw: pair i uses draw "
                   "i // S (default 2)")
    p.add_argument("--out", default=None, help="folder for Parquet tables, text and PNG plots")
    add_set_option(p)
    add_output_options(p)
    p.add_argument("--force", action="store_true", help="replace the --out folder if it holds results")
    p.set_defaults(func=cmd_compare)
    s = sub.add_parser("scenario", help="scenario files").add_subparsers(dest="scenario_command", required=True)
    r = s.add_parser("run", help="run one scenario file once and show its headline table")
    r.add_argument("file", help="a scenario file (see experiments/scenarios/)")
    r.add_argument("--seed", type=int, default=0, help="the run's seed")
    r.add_argument("--out", default=None, help="folder for the Parquet tables")
    r.add_argument("--force", action="store_true", help="replace the --out folder if it holds results")
    r.add_argument("--validate", action="store_true", help="check stocks against flows every month")
    r.set_defaults(func=cmd_scenario_run)
