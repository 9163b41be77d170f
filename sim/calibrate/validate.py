"""Out-of-sample validation: start from the census of Y, run 12 months, compare with the census of Y + 1.

Council by council, four measures (turnover, agency rate, vacancy rate, caseload) are forecast three
ways and scored against the census of Y + 1:

* ``model``: the simulation (the mean over replication seeds);
* ``no_change``: the census of Y carried forward;
* ``mean_reversion``: each council moves toward the national (region) figure of Y by a share lambda,
  estimated by least squares on the census pairs before Y + 1 (pooled councils; 0.5 when none).

Scores: mean absolute error, Spearman rank correlation of forecast and actual levels, and the share
of councils whose direction of change is right. Direction has three classes (down, flat, up) with a
dead band of ``FLAT_BAND`` (half a point, or half a case): the no-change forecast always says "flat",
so it is right exactly where a council barely moved.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from ..data import CENSUS_YEARS, load_seeds
from ..errors import SimInputError
from ..regions import build_region
from .moments import MEASURES, census_councils, census_moments, model_councils, model_moments, simulated_codes
from .objective import run_council_months

FORECASTS = ("model", "no_change", "mean_reversion")
FLAT_BAND = {"turnover_pct": 0.5, "agency_rate_pct": 0.5, "vacancy_rate_pct": 0.5, "caseload": 0.5}
NATIONAL = ("turnover_pct", "agency_rate_pct", "vacancy_rate_pct", "caseload", "council_moves_pct",
            "leavers_to_council_pct", "leavers_to_agency_pct", "leavers_out_pct")
DEFAULT_LAMBDA = 0.5


def check_base_year(year: int) -> int:
    """The base year if it has a following census year; otherwise a SimInputError saying what is allowed."""
    first, last = CENSUS_YEARS[0], CENSUS_YEARS[-1]
    if not isinstance(year, (int, np.integer)) or not first <= year <= last:
        raise SimInputError(f"--base-year {year}: the census covers {first} to {last}; a validation base "
                            f"year must be {first} to {last - 1}")
    if year == last:
        raise SimInputError(f"--base-year {year}: there is no census year {year + 1} to compare with yet; "
                            f"use {first} to {last - 1} ({last - 1} -> {last} is the out-of-sample check)")
    return int(year)


@dataclass
class Validation:
    """The result of validating one base year."""

    region: str
    base_year: int
    seeds: list[int]
    councils: pd.DataFrame  # one row per council: census Y, census Y+1 and the forecasts, per measure
    scores: pd.DataFrame  # rows (measure, forecast): mae, spearman, direction
    national: pd.DataFrame  # rows national figures: census Y, census Y+1, model mean and sd over seeds
    mean_reversion_lambda: dict[str, float]


def reversion_lambda(seeds, codes: list[str], measure: str, base_year: int) -> float:
    """Least-squares share of the gap to the national figure closed in a year, on census pairs
    (t, t+1) with t + 1 <= base_year (strictly before the year being forecast)."""
    col = MEASURES[measure]
    xs, ys = [], []
    for t in range(CENSUS_YEARS[0], base_year):
        a, b = census_councils(seeds, codes, t)[col], census_councils(seeds, codes, t + 1)[col]
        gap = census_moments(seeds, codes, t)[measure] - a
        ok = a.notna() & b.notna()
        xs.append(gap[ok].to_numpy())
        ys.append((b - a)[ok].to_numpy())
    if not xs:
        return DEFAULT_LAMBDA
    x, y = np.concatenate(xs), np.concatenate(ys)
    return float(np.clip((x @ y) / max(x @ x, 1e-12), 0.0, 1.0))


def direction_share(start: pd.Series, forecast: pd.Series, actual: pd.Series, band: float) -> float:
    """Share of councils whose change class (down / flat / up, dead band ``band``) is forecast right."""
    def cls(d: pd.Series) -> np.ndarray:
        return np.where(d > band, 1, np.where(d < -band, -1, 0))

    ok = start.notna() & forecast.notna() & actual.notna()
    return float(np.mean(cls(forecast[ok] - start[ok]) == cls(actual[ok] - start[ok])))


def score(start: pd.Series, forecast: pd.Series, actual: pd.Series, band: float) -> dict[str, float]:
    """MAE, Spearman rank correlation (levels) and direction share of one forecast."""
    ok = forecast.notna() & actual.notna()
    rho = spearmanr(forecast[ok], actual[ok]).statistic if ok.sum() > 2 else float("nan")
    return {"mae": float((forecast[ok] - actual[ok]).abs().mean()), "spearman": float(rho),
            "direction": direction_share(start, forecast, actual, band)}


def validate(base_year: int, region: str = "england", seeds: int | list[int] = 3,
             params: dict[str, float] | None = None) -> Validation:
    """Run the model from the census of ``base_year`` for 12 months and score it against ``base_year + 1``.

    Args:
        base_year: 2017 to 2023.
        region: a region name.
        seeds: a number of replication seeds (1..n) or a list of seeds.
        params: parameter overrides (default: the model's defaults, i.e. the calibrated values).
    """
    base_year = check_base_year(base_year)
    seed_list = list(range(1, seeds + 1)) if isinstance(seeds, int) else list(seeds)
    if not seed_list:
        raise SimInputError("--seeds must be at least 1")
    data = load_seeds()
    codes = simulated_codes(data, list(build_region(data, region).members))
    before, after = census_councils(data, codes, base_year), census_councils(data, codes, base_year + 1)
    runs = [run_council_months(region, base_year, s, dict(params or {})) for s in seed_list]
    per_seed = [model_councils(cm, codes) for cm in runs]
    nat_y, nat_next = census_moments(data, codes, base_year), census_moments(data, codes, base_year + 1)

    table = pd.DataFrame(index=pd.Index(codes, name="code"))
    table["council"] = data.councils.set_index("code").loc[codes, "name"]
    rows, lambdas = [], {}
    for measure, col in MEASURES.items():
        start, actual = before[col], after[col]
        model = pd.concat([d[measure] for d in per_seed], axis=1).mean(axis=1)
        lam = lambdas[measure] = reversion_lambda(data, codes, measure, base_year)
        forecasts = {"model": model, "no_change": start, "mean_reversion": start + lam * (nat_y[measure] - start)}
        table[f"{measure}_census_{base_year}"] = start
        table[f"{measure}_census_{base_year + 1}"] = actual
        for name, f in forecasts.items():
            if name != "no_change":
                table[f"{measure}_{name}"] = f
            rows.append({"measure": measure, "forecast": name, **score(start, f, actual, FLAT_BAND[measure])})
    scores = pd.DataFrame(rows).set_index(["measure", "forecast"])

    sims = pd.DataFrame([model_moments(cm, codes) for cm in runs])
    national = pd.DataFrame({
        f"census_{base_year}": pd.Series(nat_y), f"census_{base_year + 1}": pd.Series(nat_next),
        "model": sims.mean(), "model_sd": sims.std(ddof=1) if len(runs) > 1 else np.nan,
    }).loc[list(NATIONAL)]
    national["error"] = national["model"] - national[f"census_{base_year + 1}"]
    return Validation(region, base_year, seed_list, table, scores, national, lambdas)


def backtest(base_years: list[int], region: str = "england", seeds: int | list[int] = 3,
             params: dict[str, float] | None = None) -> list[Validation]:
    """Validate each base year in turn (e.g. 2018 -> 2019 ... 2022 -> 2023)."""
    return [validate(y, region, seeds, params) for y in base_years]


def summary_table(results: list[Validation]) -> pd.DataFrame:
    """One row per (base year, measure, forecast) with the three scores, plus the national errors."""
    parts = []
    for v in results:
        s = v.scores.reset_index()
        s.insert(0, "base_year", v.base_year)
        nat = v.national
        s["national_census"] = s.measure.map(nat[f"census_{v.base_year + 1}"])
        s["national_model"] = s.measure.map(nat["model"])
        parts.append(s)
    return pd.concat(parts, ignore_index=True)


__all__ = ["FORECASTS", "Validation", "backtest", "check_base_year", "direction_share", "reversion_lambda",
           "score", "summary_table", "validate"]
