"""The forecast league table (``sim validate --backtest``): honest backtests with predictive intervals.

A full ABC per fold would not fit in a working day, so the folds share one **bank** of simulations
(amortised ABC): ``n`` parameter draws from the prior (a Latin hypercube over the spec's ``[free]``
ranges, the spec's ``[fixed]`` values added), each run for 12 months from the census of every base year
2017-2023 with its own seed. For the fold that forecasts Y + 1 from Y, each draw is scored on the
moments of the base years before Y only (targets: census years up to Y; weights from census years up
to Y; at most the last four), the closest ``accept`` share is kept (ABC rejection with Epanechnikov
weights), and the kept draws' runs from the census of Y are the predictive ensemble for Y + 1. No fold
sees its target year; each council's identity uses census years up to Y only.

Scores per fold and measure (turnover, agency rate, vacancy rate, caseload; council by council):
the mean absolute error of the ensemble mean and its Spearman rank correlation, beside the no-change
and mean-reversion forecasts (as in :mod:`.validate`); the continuous ranked probability score (CRPS)
of the ensemble (for a point forecast the CRPS is its absolute error, so the naive forecasts' CRPS is
their MAE); the coverage of the 50% and 90% central intervals; and the national rates against the
census. The goals of issue 13 are printed beside, with the misses shown.
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..data import CENSUS_YEARS, load_seeds
from ..ensemble import FORECAST_ERROR, one_year, run_many
from ..forecast import summarise
from .moments import MEASURES, census_councils, census_moments
from .objective import CalibrationSpec, census_targets, distance, moment_weights
from .validate import reversion_lambda, score

BANK_YEARS = list(range(CENSUS_YEARS[0], CENSUS_YEARS[-2] + 1))  # every base year with a following census
MAX_FOLD_BASE_YEARS = 4
NATIONAL_RATES = ("turnover_pct", "agency_rate_pct", "vacancy_rate_pct", "caseload")
GOALS = {"cover50": (40.0, 60.0), "cover90": (85.0, 95.0), "national_points": 1.0}
LABELS = {"turnover_pct": "turnover %", "agency_rate_pct": "agency rate %", "vacancy_rate_pct": "vacancy rate %",
          "caseload": "caseload"}


@dataclass
class Bank:
    """Prior draws and their 12-month runs from every bank year."""

    region: str
    draws: pd.DataFrame  # one row per draw, one column per free parameter
    moments: dict[tuple[int, int], dict[str, float]]  # (draw, base year) -> region moments
    councils: pd.DataFrame  # draw, base_year, code, council measures
    seconds: float


def prior_draws(spec: CalibrationSpec, n: int, seed: int = 17) -> pd.DataFrame:
    """``n`` draws from the uniform prior over the spec's ranges (a Latin hypercube, for even coverage)."""
    from scipy.stats import qmc

    names = list(spec.free)
    u = qmc.LatinHypercube(d=len(names), seed=seed).random(n)
    lo = np.array([spec.free[k][0] for k in names])
    hi = np.array([spec.free[k][1] for k in names])
    return pd.DataFrame(lo + u * (hi - lo), columns=names)


def build_bank(spec: CalibrationSpec, region: str, n: int, years: list[int] | None = None, workers: int | None = None,
               progress: Callable[[int, int], None] | None = None, seed: int = 17) -> Bank:
    """Run every prior draw for 12 months from the census of each of ``years`` (default 2017-2023)."""
    years = years or BANK_YEARS
    start = time.perf_counter()
    draws = prior_draws(spec, n, seed)
    records = draws.to_dict("records")
    jobs = [(region, y, 1000 + i, {**spec.fixed, **records[i], **FORECAST_ERROR}) for i in range(n) for y in years]
    results = run_many(one_year, jobs, workers, progress)
    moments, parts = {}, []
    for (_, y, s, _), (councils, m) in zip(jobs, results, strict=True):
        i = s - 1000
        moments[(i, y)] = m
        parts.append(councils.reset_index().assign(draw=i, base_year=y))
    return Bank(region, draws, moments, pd.concat(parts, ignore_index=True), time.perf_counter() - start)


def fold_years(base_year: int) -> list[int]:
    """The calibration base years of the fold forecasting ``base_year + 1``: before ``base_year`` (so
    their targets are census years up to ``base_year``), at most the last four."""
    return [b for b in BANK_YEARS if b < base_year][-MAX_FOLD_BASE_YEARS:]


def fold_posterior(bank: Bank, spec: CalibrationSpec, base_year: int, accept: float) -> pd.DataFrame:
    """The fold's posterior by ABC rejection on the bank: one row per kept draw with its distance and weight."""
    years = fold_years(base_year)
    if not years:
        raise ValueError(f"base year {base_year}: no earlier base year to condition on")
    targets = census_targets(bank.region, years)
    weights = moment_weights(bank.region, spec.weight_multipliers, last_year=base_year)
    n = len(bank.draws)
    d = np.array([distance({y: bank.moments[(i, y)] for y in years}, targets, weights) for i in range(n)])
    k = min(n, max(5, math.ceil(accept * n)))
    order = np.argsort(d, kind="stable")
    kept = order[:k]
    h = d[order[k]] if k < n else d[order[-1]] * 1.01 + 1e-12
    w = np.clip(1 - (d[kept] / max(h, 1e-12)) ** 2, 1e-6, None)  # Epanechnikov kernel
    return pd.DataFrame({"draw": kept, "distance": d[kept], "weight": w / w.sum(), "base_year": base_year,
                         "conditioned_on": ",".join(str(y + 1) for y in years)})


def crps_ensemble(x: np.ndarray, w: np.ndarray, y: float) -> float:
    """CRPS of a weighted ensemble ``x`` for the outcome ``y``: E|X - y| - E|X - X'| / 2."""
    ok = np.isfinite(x)
    x, w = x[ok], w[ok] / w[ok].sum()
    return float(np.sum(w * np.abs(x - y)) - 0.5 * np.sum(w[:, None] * w[None, :] * np.abs(x[:, None] - x[None, :])))


def score_fold(bank: Bank, post: pd.DataFrame, base_year: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Council-level scores of the fold's ensemble and the naive forecasts, and national rates."""
    data = load_seeds()
    ens = bank.councils[(bank.councils.base_year == base_year) & bank.councils.draw.isin(post.draw)]
    ens = ens.rename(columns={"draw": "member"})
    w = post.set_index("draw").loc[np.sort(ens.member.unique()), "weight"].to_numpy()
    summary = summarise(ens, tuple(MEASURES), weights=w).set_index(["code", "measure"])
    codes = list(ens.code.unique())
    before, after = census_councils(data, codes, base_year), census_councils(data, codes, base_year + 1)
    nat_y = census_moments(data, codes, base_year)
    rows = []
    for m, col in MEASURES.items():
        start, actual = before[col], after[col]
        s = summary.xs(m, level="measure").loc[codes]
        model = s["mean"]
        lam = reversion_lambda(data, codes, m, base_year)
        ok = actual.notna()
        by_code = ens.pivot(index="member", columns="code", values=m).loc[np.sort(ens.member.unique())]
        crps = np.mean([crps_ensemble(by_code[c].to_numpy(float), w, actual[c]) for c in codes if ok[c]])
        cover50 = 100 * float(((s.q25 <= actual) & (actual <= s.q75))[ok].mean())
        cover90 = 100 * float(((s.q05 <= actual) & (actual <= s.q95))[ok].mean())
        forecasts = {"model": model, "no_change": start, "mean_reversion": start + lam * (nat_y[m] - start)}
        for name, f in forecasts.items():
            sc = score(start, f, actual, 0.5)
            rows.append({"base_year": base_year, "measure": m, "forecast": name, "mae": sc["mae"],
                         "spearman": sc["spearman"], "crps": crps if name == "model" else sc["mae"],
                         "cover50": cover50 if name == "model" else np.nan,
                         "cover90": cover90 if name == "model" else np.nan, "members": len(w)})
    nat_next = census_moments(data, codes, base_year + 1)
    members = np.sort(ens.member.unique())
    nat = []
    for m in NATIONAL_RATES:
        vals = np.array([bank.moments[(i, base_year)][m] for i in members])
        mean = float(np.average(vals, weights=w))
        nat.append({"base_year": base_year, "measure": m, "census_base": nat_y[m], "census_target": nat_next[m],
                    "model": mean, "error": mean - nat_next[m]})
    return pd.DataFrame(rows), pd.DataFrame(nat)


@dataclass
class League:
    """The league table: council-level scores and national rates per fold."""

    region: str
    scores: pd.DataFrame
    national: pd.DataFrame
    posteriors: pd.DataFrame
    bank_size: int
    accept: float
    seconds: float

    def averaged(self) -> pd.DataFrame:
        """Scores averaged over the folds, per measure and forecast."""
        return self.scores.groupby(["measure", "forecast"], sort=False)[["mae", "spearman", "crps", "cover50",
                                                                         "cover90"]].mean().reset_index()

    def goals(self) -> list[tuple[str, bool, str]]:
        """Each goal of issue 13: (goal, met, the figures)."""
        out = []
        last = int(self.scores.base_year.max())
        for label, df in (("averaged over the folds", self.averaged()),
                          (f"{last} -> {last + 1}", self.scores[self.scores.base_year == last])):
            for m in MEASURES:
                t = df[df.measure == m].set_index("forecast")
                naive = min(t.loc["no_change", "mae"], t.loc["mean_reversion", "mae"])
                model = t.loc["model", "mae"]
                out.append((f"MAE {LABELS[m]} {label} <= better naive", model <= naive + 1e-12,
                            f"{model:.2f} vs {naive:.2f} ({model - naive:+.2f})"))
        avg = self.averaged()
        model = avg[avg.forecast == "model"].set_index("measure")
        for key, name in (("cover90", "90%"), ("cover50", "50%")):
            lo, hi = GOALS[key]
            for m in MEASURES:
                c = model.loc[m, key]
                out.append((f"{name} interval covers {lo:.0f}-{hi:.0f}% of councils: {LABELS[m]} (folds averaged)",
                            lo <= c <= hi, f"{c:.0f}%"))
        nat = self.national[self.national.base_year == last].set_index("measure")
        for m in ("turnover_pct", "agency_rate_pct", "vacancy_rate_pct"):
            e = nat.loc[m, "error"]
            out.append((f"national {LABELS[m]} within {GOALS['national_points']:g} point of the census, "
                        f"{last} -> {last + 1}", abs(e) <= GOALS["national_points"], f"{e:+.2f}"))
        return out

    def markdown(self) -> str:
        """The league table, averages, national rates and the goals (Markdown)."""
        def f(x: float, d: int = 2) -> str:
            return "–" if not np.isfinite(x) else f"{x:.{d}f}"

        head = ("| base → target | measure | model MAE | no change | mean reversion | ρ model | CRPS model | "
                "50% cover | 90% cover |")
        rule = "|---|---|---:|---:|---:|---:|---:|---:|---:|"

        def rows(df: pd.DataFrame, label: Callable[[int], str]) -> list[str]:
            out = []
            for key, g in df.groupby(["base_year", "measure"] if "base_year" in df else ["measure"], sort=False):
                t = g.set_index("forecast")
                y = key[0] if isinstance(key, tuple) and "base_year" in df else None
                m = key[1] if y is not None else (key[0] if isinstance(key, tuple) else key)
                mdl, nc, mr = t.loc["model"], t.loc["no_change"], t.loc["mean_reversion"]
                best = "**" if mdl.mae <= min(nc.mae, mr.mae) else ""
                out.append(f"| {label(y)} | {LABELS[m]} | {best}{f(mdl.mae)}{best} | {f(nc.mae)} | {f(mr.mae)} | "
                           f"{f(mdl.spearman)} | {f(mdl.crps)} | {f(mdl.cover50, 0)}% | {f(mdl.cover90, 0)}% |")
            return out

        md = [f"Region {self.region}; bank of {self.bank_size} prior draws x {len(BANK_YEARS)} base years; each fold "
              f"keeps the closest {100 * self.accept:.0f}% on its own census years; {self.seconds / 60:.1f} min.", "",
              head, rule, *rows(self.scores, lambda y: f"{y} → {y + 1}"), "",
              "Averaged over the folds:", "", head, rule,
              *rows(self.averaged().assign(), lambda y: "all folds"), "",
              "National rates (ensemble mean vs census):", "",
              "| base → target | measure | census base | census target | model | model − census |",
              "|---|---|---:|---:|---:|---:|"]
        for r in self.national.itertuples():
            md.append(f"| {r.base_year} → {r.base_year + 1} | {LABELS[r.measure]} | {f(r.census_base)} | "
                      f"{f(r.census_target)} | {f(r.model)} | {r.error:+.2f} |")
        md += ["", "Goals (issue 13):", "", "| goal | met | figures |", "|---|---|---|"]
        md += [f"| {g} | {'yes' if ok else '**missed**'} | {x} |" for g, ok, x in self.goals()]
        return "\n".join(md)

    def write(self, out: Path) -> list[Path]:
        from ..atomic import atomic_write, write_text

        paths = []
        for name, df in (("league", self.scores), ("league_averaged", self.averaged()), ("national", self.national),
                         ("fold_posteriors", self.posteriors)):
            for ext in ("parquet", "csv"):
                p = out / f"{name}.{ext}"
                if ext == "parquet":
                    atomic_write(p, lambda tmp, df=df: df.to_parquet(tmp, index=False))
                else:
                    atomic_write(p, lambda tmp, df=df: df.round(4).to_csv(tmp, index=False))
                paths.append(p)
        paths.append(write_text(out / "league.md", "# Forecast league table\n\n" + self.markdown() + "\n"))
        return paths


def league(spec: CalibrationSpec, region: str, years: list[int], bank_size: int = 400, accept: float = 0.1,
           workers: int | None = None, progress: Callable[[int, int], None] | None = None) -> tuple[League, Bank]:
    """Build the bank and score every fold (module docstring)."""
    start = time.perf_counter()
    bank_years = sorted({*(b for y in years for b in fold_years(y)), *years})
    bank = build_bank(spec, region, bank_size, bank_years, workers, progress)
    scores, national, posts = [], [], []
    for y in years:
        post = fold_posterior(bank, spec, y, accept)
        s, n = score_fold(bank, post, y)
        scores.append(s)
        national.append(n)
        posts.append(post.merge(bank.draws, left_on="draw", right_index=True))
    result = League(region, pd.concat(scores, ignore_index=True), pd.concat(national, ignore_index=True),
                    pd.concat(posts, ignore_index=True), bank_size, accept, time.perf_counter() - start)
    return result, bank


def cmd_league(args: argparse.Namespace, years: list[int]) -> int:
    """``sim validate --backtest``: the league table."""
    from ..console import bar_callback, logger, progress_bar, wants_progress
    from ..errors import SimInputError
    from ..limits import REPLICATES

    years = [y for y in years if fold_years(y)]
    if not years:
        raise SimInputError(f"--backtest: a fold needs an earlier base year to calibrate on; allowed base years "
                            f"{BANK_YEARS[1]} to {BANK_YEARS[-1]}")
    spec = CalibrationSpec.from_toml(args.spec)
    bank_size = REPLICATES.check(args.bank if args.bank is not None else 400, "--bank")
    if not 0 < args.accept <= 1:
        raise SimInputError(f"--accept {args.accept}: allowed a share above 0 and at most 1")
    runs = bank_size * len(sorted({*(b for y in years for b in fold_years(y)), *years}))
    with progress_bar(runs, "bank of runs", "run", wants_progress(args)) as bar:
        result, bank = league(spec, args.region, years, bank_size, args.accept, args.workers, bar_callback(bar))
    print(result.markdown())
    out = Path(args.out)
    paths = result.write(out)
    logger.info("bank: %d runs in %.1f min", runs, bank.seconds / 60)
    print("\nwrote " + ", ".join(str(p) for p in paths))
    return 0


__all__ = ["BANK_YEARS", "Bank", "League", "build_bank", "cmd_league", "crps_ensemble", "fold_posterior",
           "fold_years", "league", "prior_draws", "score_fold"]
