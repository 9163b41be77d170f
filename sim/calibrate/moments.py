"""Moments: the census figures a run must reproduce, computed the same way from the census and a run.

A *moment* is one number about a region in one census year: a national rate, a percentile across
councils, a correlation. ``census_moments`` reads them from the seed tables; ``model_moments`` from
the per-council table of a run that started at the previous census and ran 12 months. Councils
flagged ``tiny`` in the seeds (Isles of Scilly, City of London) are left out of both.

The per-council measures (turnover, agency rate, vacancy rate, caseload) are also what ``sim
validate`` compares council by council.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..data import Seeds

# name -> meaning (the order is the order of every table)
MOMENTS: dict[str, str] = {
    "turnover_pct": "leavers in the year / FTE in post (region)",
    "leavers_to_council_pct": "share of leavers going to another council (national attrition table)",
    "leavers_to_agency_pct": "share of leavers going to agency work",
    "leavers_out_pct": "share of leavers leaving council children's social work",
    "council_moves_pct": "council-to-council moves / FTE in post",
    "agency_rate_pct": "agency FTE / (agency + in-post FTE) (region)",
    "vacancy_rate_pct": "vacant FTE / (vacant + in-post FTE) (region)",
    "caseload": "cases per case-holding FTE (region)",
    "perm_fte_growth_pct": "growth of FTE in post over the year (region)",
    "turnover_p10": "10th percentile across councils of turnover",
    "turnover_p50": "median across councils of turnover",
    "turnover_p90": "90th percentile across councils of turnover",
    "agency_rate_p10": "10th percentile across councils of the agency rate",
    "agency_rate_p50": "median across councils of the agency rate",
    "agency_rate_p90": "90th percentile across councils of the agency rate",
    "vacancy_rate_p10": "10th percentile across councils of the vacancy rate",
    "vacancy_rate_p50": "median across councils of the vacancy rate",
    "vacancy_rate_p90": "90th percentile across councils of the vacancy rate",
    "agency_vacancy_corr": "correlation across councils of agency and vacancy rates",
    "agency_ratio_inadequate_outstanding": "mean agency rate of Inadequate / of Outstanding councils",
}
# Per-council measures: name -> column of the census table.
MEASURES: dict[str, str] = {
    "turnover_pct": "turnover_rate_fte",
    "agency_rate_pct": "agency_rate_fte",
    "vacancy_rate_pct": "vacancy_rate_fte",
    "caseload": "caseload_fte",
}
ATTRITION_YEARS = (2021, 2022, 2023, 2024)


def simulated_codes(seeds: Seeds, codes: list[str]) -> list[str]:
    """The councils of ``codes`` that count for moments (not flagged tiny), in the given order."""
    tiny = set(seeds.councils.loc[seeds.councils.tiny == 1, "code"])
    return [c for c in codes if c not in tiny]


def census_councils(seeds: Seeds, codes: list[str], year: int) -> pd.DataFrame:
    """Census rows of ``codes`` in ``year`` with their grade, indexed by code."""
    c = seeds.census[seeds.census.year == year].set_index("code")
    g = seeds.grades[seeds.grades.year == year].set_index("code")["grade"]
    out = c.loc[codes].join(g)
    return out


def _spread(prefix: str, values: pd.Series) -> dict[str, float]:
    q = np.nanpercentile(values.to_numpy(float), [10, 50, 90])
    return {f"{prefix}_p10": float(q[0]), f"{prefix}_p50": float(q[1]), f"{prefix}_p90": float(q[2])}


def _grade_ratio(rate: pd.Series, grade: pd.Series) -> float:
    bad, good = rate[grade == "Inadequate"], rate[grade == "Outstanding"]
    if bad.empty or good.empty or good.mean() <= 0:
        return float("nan")
    return float(bad.mean() / good.mean())


def cross_council_moments(turnover: pd.Series, agency: pd.Series, vacancy: pd.Series,
                          grade: pd.Series) -> dict[str, float]:
    """Percentiles, the agency-vacancy correlation and the grade ratio from per-council rates (pct)."""
    out = {**_spread("turnover", turnover), **_spread("agency_rate", agency), **_spread("vacancy_rate", vacancy)}
    ok = agency.notna() & vacancy.notna()
    out["agency_vacancy_corr"] = float(np.corrcoef(agency[ok], vacancy[ok])[0, 1]) if ok.sum() > 2 else float("nan")
    out["agency_ratio_inadequate_outstanding"] = _grade_ratio(agency, grade)
    return out


def census_moments(seeds: Seeds, codes: list[str], year: int) -> dict[str, float]:
    """The moments of the census of ``year`` for the councils ``codes`` (tiny ones dropped).

    Leaver destinations and the council-to-council move rate exist only nationally and only for
    2021-2024 (``attrition_national.csv``); other years leave them out (NaN).
    """
    d = census_councils(seeds, simulated_codes(seeds, codes), year)
    inpost = d.inpost_fte.sum()
    out = {
        "turnover_pct": 100 * d.leavers_fte.sum() / inpost,
        "agency_rate_pct": 100 * d.agency_fte.sum() / (d.agency_fte.sum() + inpost),
        "vacancy_rate_pct": 100 * d.vacancy_fte.sum() / (d.vacancy_fte.sum() + inpost),
        "caseload": d.cases.sum() / d.case_holders_fte.sum(),
    }
    prev = seeds.census[(seeds.census.year == year - 1) & seeds.census.code.isin(d.index)]
    if len(prev):
        out["perm_fte_growth_pct"] = 100 * (inpost / prev.inpost_fte.sum() - 1)
    att = seeds.attrition.set_index("year")
    if year in att.index:
        r = att.loc[year]
        out["leavers_to_council_pct"] = 100 * r.movers_las_fte / r.leavers_fte
        out["leavers_to_agency_pct"] = 100 * r.agency_attrition_fte / r.leavers_fte
        out["leavers_out_pct"] = 100 * r.full_attrition_fte / r.leavers_fte
        out["council_moves_pct"] = float(r.movers_las_rate_fte)
    out.update(cross_council_moments(d.turnover_rate_fte, d.agency_rate_fte, d.vacancy_rate_fte, d.grade))
    return {k: float(out.get(k, float("nan"))) for k in MOMENTS}


def model_councils(cm: pd.DataFrame, codes: list[str]) -> pd.DataFrame:
    """Per-council measures at the last month of a run (census definitions), indexed by code."""
    end = cm[cm.tick == cm.tick.max()].set_index("code").loc[codes]
    first = cm.tick.max() - 11
    window = cm[(cm.tick >= max(first, 1)) & cm.code.isin(codes)]
    scale = 12 / max(1, min(12, int(cm.tick.max())))
    by = window.groupby("code")
    leavers = by.leavers_fte.sum().loc[codes] * scale
    moves = (by.leavers_council_fte.sum() + by.leavers_outside_region_fte.sum()).loc[codes] * scale
    out = pd.DataFrame({
        "turnover_pct": 100 * leavers / end.perm_fte.clip(lower=1e-9),
        "agency_rate_pct": end.agency_rate_pct,
        "vacancy_rate_pct": end.vacancy_rate_pct,
        "caseload": end.caseload,
        "perm_fte": end.perm_fte, "agency_fte": end.agency_fte, "vacancy_fte": end.vacancy_fte,
        "leavers_fte": leavers, "moves_fte": moves, "grade": end.grade.astype(str),
    })
    for d in ("council", "outside_region", "agency", "out_of_profession"):
        out[f"leavers_{d}_fte"] = by[f"leavers_{d}_fte"].sum().loc[codes] * scale
    return out


def model_moments(cm: pd.DataFrame, codes: list[str]) -> dict[str, float]:
    """The moments of a run's last month and last 12 months, for the councils ``codes``.

    National caseload is weighted by each council's workforce (perm + agency FTE), as in
    :func:`sim.results.summarise`.
    """
    d = model_councils(cm, codes)
    inpost, leavers = d.perm_fte.sum(), d.leavers_fte.sum()
    workforce = d.perm_fte + d.agency_fte
    out = {
        "turnover_pct": 100 * leavers / inpost,
        "leavers_to_council_pct": 100 * (d.leavers_council_fte.sum() + d.leavers_outside_region_fte.sum())
        / max(leavers, 1e-9),
        "leavers_to_agency_pct": 100 * d.leavers_agency_fte.sum() / max(leavers, 1e-9),
        "leavers_out_pct": 100 * d.leavers_out_of_profession_fte.sum() / max(leavers, 1e-9),
        "council_moves_pct": 100 * d.moves_fte.sum() / inpost,
        "agency_rate_pct": 100 * d.agency_fte.sum() / (d.agency_fte.sum() + inpost),
        "vacancy_rate_pct": 100 * d.vacancy_fte.sum() / (d.vacancy_fte.sum() + inpost),
        "caseload": float((d.caseload * workforce).sum() / workforce.sum()),
        "perm_fte_growth_pct": 100 * (inpost / cm[(cm.tick == 0) & cm.code.isin(codes)].perm_fte.sum() - 1),
    }
    out.update(cross_council_moments(d.turnover_pct, d.agency_rate_pct, d.vacancy_rate_pct, d.grade))
    return {k: float(out[k]) for k in MOMENTS}


__all__ = ["ATTRITION_YEARS", "MEASURES", "MOMENTS", "census_councils", "census_moments", "model_councils",
           "model_moments", "simulated_codes"]
