"""``sim forecast``: every council's next census year, with predictive intervals from the posterior.

From the census of a base year Y (30 September), each member of the ensemble runs 12 months with a
parameter draw from the calibrated posterior and a seed (``draws`` draws x ``seeds_per_draw`` seeds,
seed i with draw i // seeds_per_draw). Per council, the ensemble gives the predictive distribution of
turnover, agency rate, vacancy rate, caseload and FTE in post at Y + 1: its mean, median and the 50% and
90% central intervals, which include both the parameters' uncertainty and chance. Where the census of
Y + 1 exists it is put beside (an out-of-sample check for Y = 2023, a backtest before); for the latest
census year the forecast is of a year not yet published.

    sim forecast --base-year 2024 [--region R] [--draws 40] [--seeds-per-draw 2] --out results/forecast
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .data import CENSUS_YEARS
from .ensemble import COUNCIL_MEASURES, FORECAST_ERROR, one_year, run_many
from .errors import SimInputError
from .posterior import Posterior, installed_posterior, weighted_quantile

LABELS = {"turnover_pct": "turnover %", "agency_rate_pct": "agency rate %", "vacancy_rate_pct": "vacancy rate %",
          "caseload": "caseload", "perm_fte": "FTE in post"}
CENSUS_COLUMNS = {"turnover_pct": "turnover_rate_fte", "agency_rate_pct": "agency_rate_fte",
                  "vacancy_rate_pct": "vacancy_rate_fte", "caseload": "caseload_fte", "perm_fte": "inpost_fte"}
QUANTILES = {"q05": 0.05, "q25": 0.25, "median": 0.5, "q75": 0.75, "q95": 0.95}
REGION_ROW = "(region)"  # the region's own figures (census definitions: sums over its councils), beside them


def check_forecast_year(year: Any) -> int:
    """The base year if the census has it; otherwise a :class:`SimInputError` saying what is allowed."""
    first, last = CENSUS_YEARS[0], CENSUS_YEARS[-1]
    if isinstance(year, bool) or not isinstance(year, (int, np.integer)) or not first <= year <= last:
        raise SimInputError(f"--base-year {year}: there is no census for that year; the census covers {first} to "
                            f"{last}, so a forecast starts from one of those ({last} forecasts {last + 1}, not yet "
                            "published)")
    return int(year)


def ensemble_table(results: list[tuple[pd.DataFrame, dict[str, float]]], draws: list[int],
                   seeds: list[int]) -> pd.DataFrame:
    """The runs' per-council measures in one long table (member, draw, seed, code, measures...), with a
    row for the region (its moments, and its total FTE in post) under the code ``(region)``."""
    parts = []
    for i, ((df, moments), d, s) in enumerate(zip(results, draws, seeds, strict=True)):
        region = {m: moments[m] for m in COUNCIL_MEASURES if m in moments} | {"perm_fte": float(df.perm_fte.sum())}
        table = pd.concat([df.reset_index(), pd.DataFrame([{"code": REGION_ROW, **region}])], ignore_index=True)
        parts.append(table.assign(member=i, draw=d, seed=s))
    return pd.concat(parts, ignore_index=True)


def summarise(ens: pd.DataFrame, measures: tuple[str, ...] = COUNCIL_MEASURES,
              weights: np.ndarray | None = None) -> pd.DataFrame:
    """Per council and measure: the ensemble's mean, quantiles, and the 50% and 90% intervals.

    ``weights`` (one per member, default equal) weight the members (ABC rejection weights in backtests).
    """
    rows = []
    members = np.sort(ens.member.unique())
    w_all = np.ones(len(members)) if weights is None else np.asarray(weights, float)
    for code, g in ens.groupby("code", sort=False):
        g = g.set_index("member").loc[members]
        for m in measures:
            x = g[m].to_numpy(float)
            ok = np.isfinite(x)
            w = w_all[ok]
            q = weighted_quantile(x[ok], w, np.array(list(QUANTILES.values()))) if ok.any() else [np.nan] * 5
            mean = float(np.average(x[ok], weights=w)) if ok.any() else np.nan
            rows.append({"code": code, "measure": m, "mean": mean,
                         **dict(zip(QUANTILES, map(float, q), strict=True)), "members": int(ok.sum())})
    return pd.DataFrame(rows)


@dataclass
class Forecast:
    """A forecast of every council of a region for the census year after ``base_year``."""

    region: str
    base_year: int
    table: pd.DataFrame  # one row per (council, measure): census Y, mean, median, q05..q95, census Y+1 if known
    ensemble: pd.DataFrame  # one row per (member, council): the runs' measures
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def target_year(self) -> int:
        return self.base_year + 1

    def wide(self) -> pd.DataFrame:
        """One row per council, columns ``<measure>_<statistic>``."""
        t = self.table.set_index(["code", "council", "measure"])
        w = t.drop(columns=["members"]).unstack("measure")
        w.columns = [f"{m}_{s}" for s, m in w.columns]
        return w.reset_index()

    def text(self, top: int = 10) -> str:
        """A short summary: the region's councils with the widest and the national-style means."""
        t = self.table[self.table.code != REGION_ROW]
        r = self.table[self.table.code == REGION_ROW].set_index("measure")
        lines = [f"Forecast of {self.region} for {self.target_year} from the census of {self.base_year}: "
                 f"{self.meta.get('members')} runs ({self.meta.get('parameters')}); 50% and 90% intervals include "
                 f"{'the parameters and chance' if self.meta.get('draws', 1) > 1 else 'chance only'}."]
        lines.append(f"{'measure':16} {'region: median':>15} {'50% interval':>17} {'90% interval':>17} "
                     f"{'councils: median 90% width':>27}")
        for m in COUNCIL_MEASURES:
            s, x = t[t.measure == m], r.loc[m]
            lines.append(f"{LABELS[m]:16} {x['median']:15.2f} {x.q25:8.2f}-{x.q75:<8.2f} {x.q05:8.2f}-{x.q95:<8.2f} "
                         f"{(s.q95 - s.q05).median():27.2f}")
        return "\n".join(lines)

    def write(self, out: Path) -> list[Path]:
        """Parquet and CSV of the table (long and wide), the ensemble, and a map (PNG)."""
        from .atomic import atomic_write

        paths = []
        for name, df in (("forecast", self.table), ("forecast_wide", self.wide()), ("ensemble", self.ensemble)):
            p = out / f"{name}.parquet"
            atomic_write(p, lambda tmp, df=df: df.to_parquet(tmp, index=False))
            paths.append(p)
        for name, df in (("forecast", self.table), ("forecast_wide", self.wide())):
            p = out / f"{name}.csv"
            atomic_write(p, lambda tmp, df=df: df.round(4).to_csv(tmp, index=False))
            paths.append(p)
        meta = out / "meta.json"
        import json

        atomic_write(meta, lambda tmp: Path(tmp).write_text(json.dumps(self.meta, indent=1, default=str)))
        paths.append(meta)
        paths.append(plot_forecast_map(self, out / "forecast_map.png"))
        return paths


def forecast(base_year: int, region: str = "england", draws: int = 40, seeds_per_draw: int = 2,
             posterior: Posterior | None = None, point: bool = False, workers: int | None = None,
             progress: Callable[[int, int], None] | None = None, council_error: bool = True) -> Forecast:
    """Forecast every council of ``region`` for ``base_year + 1`` (module docstring).

    Args:
        base_year: a census year (the latest included: a forecast of a year not yet published).
        region: a region name.
        draws: parameter draws from the posterior.
        seeds_per_draw: seeds per draw.
        posterior: the posterior to draw from (default the installed one; without one, or with
            ``point``, every run uses the calibrated defaults and the intervals are chance only).
        point: one parameter set (the calibrated defaults).
        council_error: each run draws every council's forecast error (``council_forecast_error``), so
            the intervals hold what a council's own history cannot tell; False leaves the parameters
            and chance only.
        workers: processes (default all cores).
        progress: called with (runs done, runs).
    """
    from .calibrate.moments import census_councils, census_moments
    from .calibrate.objective import region_codes
    from .data import load_seeds
    from .limits import REPLICATES

    base_year = check_forecast_year(base_year)
    REPLICATES.check(draws, "--draws")
    REPLICATES.check(seeds_per_draw, "--seeds-per-draw")
    codes = region_codes(region)  # a bad region is reported here, before any run
    post = None if point else (posterior if posterior is not None else installed_posterior())
    n_draws = draws if post is not None else 1
    sets = post.param_sets(n_draws) if post is not None else [{}]
    members = n_draws * seeds_per_draw if post is not None else draws * seeds_per_draw
    draw_of = [i // seeds_per_draw if post is not None else 0 for i in range(members)]
    seeds = list(range(members))
    start = time.perf_counter()
    # each run draws every council's forecast error too (council_forecast_error), so that the intervals
    # hold what a council's own history cannot tell, besides the parameters and chance
    error = FORECAST_ERROR if council_error else {}
    results = run_many(one_year, [(region, base_year, s, {**sets[d], **error})
                                  for s, d in zip(seeds, draw_of, strict=True)], workers, progress)
    ens = ensemble_table(results, draw_of, seeds)
    table = summarise(ens)
    data = load_seeds()
    names = data.councils.set_index("code")["name"]
    table.insert(1, "council", table.code.map(names).fillna(f"{region} (all its councils)"))
    for year, label in ((base_year, "census_base"), (base_year + 1, "census_target")):
        if year in CENSUS_YEARS:
            c = census_councils(data, codes, year)
            whole = {**census_moments(data, codes, year), "perm_fte": float(c.inpost_fte.sum())}
            table[label] = [whole[m] if code == REGION_ROW else float(c.loc[code, CENSUS_COLUMNS[m]])
                            for code, m in zip(table.code, table.measure, strict=True)]
        else:
            table[label] = np.nan
    meta = {"region": region, "base_year": base_year, "target_year": base_year + 1, "members": members,
            "draws": n_draws, "seeds_per_draw": seeds_per_draw if post is not None else members,
            "parameters": (f"{n_draws} posterior draws x {seeds_per_draw} seeds" if post is not None
                           else "one parameter set (the calibrated defaults) x seeds: chance only"),
            "posterior": {k: (post.provenance.get(k) if post else None) for k in ("file", "created", "code_version")},
            "seconds": round(time.perf_counter() - start, 1),
            "target_published": base_year + 1 in CENSUS_YEARS}
    return Forecast(region, base_year, table, ens, meta)


def plot_forecast_map(f: Forecast, path: Path) -> Path:
    """Maps of each measure's median forecast (top row) and the width of its 90% interval (bottom)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .atomic import atomic_write
    from .maps import draw_councils

    measures = [m for m in COUNCIL_MEASURES if m != "perm_fte"]
    fig, axes = plt.subplots(2, len(measures), figsize=(4.2 * len(measures), 8.5), squeeze=False)
    for j, m in enumerate(measures):
        s = f.table[(f.table.measure == m) & (f.table.code != REGION_ROW)]
        draw_councils(axes[0, j], list(s.code), list(s["median"]), cmap="viridis", label=LABELS[m])
        axes[0, j].set_title(f"{LABELS[m]}: median forecast {f.target_year}", fontsize=9)
        draw_councils(axes[1, j], list(s.code), list(s.q95 - s.q05), cmap="magma_r", label="points" if m != "caseload"
                      else "cases")
        axes[1, j].set_title(f"{LABELS[m]}: width of the 90% interval", fontsize=9)
    fig.suptitle(f"{f.region}: forecast for {f.target_year} from the census of {f.base_year} "
                 f"({f.meta.get('parameters')})", fontsize=11)
    fig.tight_layout()
    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=90, format="png"))
    plt.close(fig)
    return path


def cmd_forecast(args: argparse.Namespace) -> int:
    from .atomic import ResultsFolder
    from .console import bar_callback, logger, progress_bar, wants_progress

    year = check_forecast_year(args.base_year)
    post = Posterior.load(args.posterior) if args.posterior else None
    folder = ResultsFolder(args.out, force=args.force, what="sim forecast")
    members = args.draws * args.seeds_per_draw
    with progress_bar(members, f"forecast {year + 1}", "run", wants_progress(args)) as bar:
        f = forecast(year, args.region, args.draws, args.seeds_per_draw, posterior=post, point=args.point,
                     workers=args.workers, progress=bar_callback(bar))
    print(f.text())
    with folder as tmp:
        names = [p.name for p in f.write(tmp)]
    logger.info("wrote %s", ", ".join(str(folder.path(n)) for n in names))
    return 0


def add_forecast_parser(sub: Any) -> None:
    """Register ``sim forecast``."""
    from .console import add_output_options

    p = sub.add_parser("forecast", help="forecast every council's next census year with predictive intervals")
    p.add_argument("--base-year", type=int, required=True, help=f"census year to start from ({CENSUS_YEARS[0]} to "
                   f"{CENSUS_YEARS[-1]}; {CENSUS_YEARS[-1]} forecasts {CENSUS_YEARS[-1] + 1})")
    p.add_argument("--region", default="england", help="a region name (see `sim regions`)")
    p.add_argument("--draws", type=int, default=40, help="parameter draws from the posterior")
    p.add_argument("--seeds-per-draw", type=int, default=2, help="seeds per draw")
    p.add_argument("--posterior", help="a posterior Parquet file (default: the installed one)")
    p.add_argument("--point", action="store_true", help="one parameter set (the calibrated defaults): chance only")
    p.add_argument("--workers", type=int, default=None, help="processes (default all cores)")
    p.add_argument("--out", default="results/forecast", help="output folder")
    p.add_argument("--force", action="store_true", help="replace the output folder if it holds results")
    add_output_options(p)
    p.set_defaults(func=cmd_forecast)


__all__ = ["Forecast", "add_forecast_parser", "check_forecast_year", "cmd_forecast", "forecast", "summarise"]
