"""Historical checks: start from a past census, replay the judgements Ofsted really published, and see
whether each following census year falls inside the model's predictive intervals.

A historical check is a forecast several years ahead from a census the model may have been fitted
to, with the real judgements at their real dates (:class:`sim.policies.supply.RecordedJudgements`)
instead of random inspections. Each member of the ensemble is one run with its own seed, its own
parameter draw from the posterior (as ``sim forecast``) and its own draw of every council's forecast
error (``council_forecast_error``), so the intervals hold the parameters, chance and what a council's
history could not tell. The news stories' checks (experiments/stories/report.py) are built on it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .data import CENSUS_YEARS
from .ensemble import FORECAST_ERROR, run_many
from .errors import SimInputError
from .posterior import Posterior, installed_posterior

MEASURES = {"turnover_pct": "turnover_rate_fte", "agency_rate_pct": "agency_rate_fte",
            "vacancy_rate_pct": "vacancy_rate_fte", "caseload": "caseload_fte", "perm_fte": "inpost_fte"}
ENGLAND = "E92000001"  # the national row of an England check (census_national.csv)


def years_run(job: tuple[str, int, int, int, dict[str, float]]) -> pd.DataFrame:
    """One run of ``years`` years from the census of ``base_year`` with the recorded judgements; the
    per-council census measures at the end of each year (rows: code, year, measure, value), and for
    all England the national ones (code ``ENGLAND``)."""
    from .calibrate.moments import model_councils, model_moments
    from .calibrate.objective import region_codes, release_model
    from .model import WorkforceModel
    from .policies.supply import RecordedJudgements

    region, base_year, years, seed, params = job
    codes = region_codes(region)
    m = WorkforceModel(region=region, base_year=base_year, seed=seed, params=params, months=12 * years,
                       policies=[RecordedJudgements()])
    try:
        m.run(years=years)
        cm = m.results.council_months
    finally:
        release_model(m)
    parts = []
    for k in range(1, years + 1):
        at = model_councils(cm[cm.tick <= 12 * k], codes)[list(MEASURES)].astype(float)
        at = at.reset_index().melt(id_vars="code", var_name="measure", value_name="value")
        parts.append(at.assign(year=base_year + k))
        if region == "england":
            national = model_moments(cm[cm.tick <= 12 * k], codes)
            national["perm_fte"] = float(model_councils(cm[cm.tick <= 12 * k], codes).perm_fte.sum())
            parts.append(pd.DataFrame({"code": ENGLAND, "measure": list(MEASURES), "year": base_year + k,
                                       "value": [national[k] for k in MEASURES]}))
    return pd.concat(parts, ignore_index=True)


@dataclass
class HistoricalCheck:
    """The predictive intervals of every council and year against the census.

    Attributes:
        table: one row per (code, year, measure): mean, q05, q25, median, q75, q95, census,
            inside50, inside90 (census inside the 50% / 90% interval; NaN without a census figure).
        members: ensemble members (runs).
    """

    table: pd.DataFrame
    members: int

    def rows(self, code: str, measure: str) -> pd.DataFrame:
        return self.table[(self.table.code == code) & (self.table.measure == measure)].set_index("year")


def historical_check(region: str, base_year: int, years: int, draws: int = 20, seeds_per_draw: int = 2,
                     posterior: Posterior | None = None, point: bool = False, workers: int | None = None,
                     progress: Callable[[int, int], None] | None = None) -> HistoricalCheck:
    """Run the ensemble from ``base_year`` for ``years`` years (see the module docstring)."""
    from .data import load_seeds

    if base_year not in CENSUS_YEARS[:-1]:  # a check needs a census year after the base year
        raise SimInputError(f"historical check: base year {base_year}: allowed {CENSUS_YEARS[0]} to "
                            f"{CENSUS_YEARS[-1] - 1}")
    post = None if point else (posterior if posterior is not None else installed_posterior())
    sets = post.param_sets(draws) if post is not None else [{}] * draws
    jobs = [(region, base_year, years, 7000 + i, {**sets[i // seeds_per_draw], **FORECAST_ERROR})
            for i in range(draws * seeds_per_draw)]
    runs = pd.concat(run_many(years_run, jobs, workers, progress), ignore_index=True)
    by = runs.groupby(["code", "year", "measure"]).value
    table = pd.DataFrame({"mean": by.mean(), "q05": by.quantile(0.05), "q25": by.quantile(0.25),
                          "median": by.median(), "q75": by.quantile(0.75), "q95": by.quantile(0.95)}).reset_index()
    national = load_seeds().census_national
    census = pd.concat([load_seeds().census, national[national.level == "National"].assign(code=ENGLAND)],
                       ignore_index=True)
    long = census.melt(id_vars=["code", "year"], value_vars=list(MEASURES.values()), var_name="column",
                       value_name="census")
    long["measure"] = long.column.map({v: k for k, v in MEASURES.items()})
    table = table.merge(long[["code", "year", "measure", "census"]], on=["code", "year", "measure"], how="left")
    has = table.census.notna()
    table["inside50"] = np.where(has, (table.census >= table.q25) & (table.census <= table.q75), np.nan)
    table["inside90"] = np.where(has, (table.census >= table.q05) & (table.census <= table.q95), np.nan)
    names = load_seeds().councils.set_index("code")["name"]
    table.insert(1, "council", table.code.map(names).fillna("England"))
    return HistoricalCheck(table, len(jobs))


__all__ = ["ENGLAND", "HistoricalCheck", "MEASURES", "historical_check", "years_run"]
