"""The record phase and the tidy tables of a run.

``model.results.council_months``: one row per (month, council) with stocks, flows by source and
destination, costs and census-definition rates. ``model.results.flows``: one row per (month, origin,
destination) of moves between councils. ``model.results.region``: the region's totals per month.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from . import kernels
from .data import GRADES
from .record import FLOWS, LEAVER_DESTINATIONS, SPENDS, STARTER_SOURCES, STOCKS
from .status import AGENCY

if TYPE_CHECKING:
    from .model import WorkforceModel


class StockFlowError(AssertionError):
    """The validating mode found a month where stocks and flows disagree."""


def record_phase(m: WorkforceModel, initial: bool = False) -> None:
    """Store this month's stocks, flows and costs; check them in validating mode; age everyone."""
    m.recount()
    c, w, p, a = m.councils, m.workers, m.p, m.councils.n_active
    agency_cost_fte = agency_cost_weighted_fte(m)  # before ageing: a placement's start is tick - tenure
    nq_fte = np.zeros(c.n)
    pool_count = kernels.record_pass(*w.live("status", "employer", "pq_months", "tenure", "fte"), not initial, nq_fte)
    # pay bill: FTE x pay, less the discount for the newly qualified, x oncost, a month of it
    pay_bill = (c.pay_gbp[:a] * c.perm_fte[:a] - p.nq_pay_discount_gbp * nq_fte[:a]) * (p.oncost_multiplier / 12)

    stocks = {
        "perm_count": c.perm_count[:a], "perm_fte": c.perm_fte[:a], "agency_count": c.agency_count[:a],
        "agency_fte": c.agency_fte[:a], "vacancy_fte": c.vacancy_fte[:a],
        "establishment_fte": c.establishment_fte[:a], "cases": c.cases[:a], "caseload": c.caseload[:a],
        "unallocated_cases": c.unallocated_cases[:a],
        "pay_gbp": c.pay_gbp[:a], "reputation": c.reputation[:a], "grade": c.grade[:a],
        "pay_bill_gbp": pay_bill,
        "agency_spend_gbp": agency_cost_fte * c.pay_gbp[:a] * p.oncost_multiplier / 12,
    }
    if m.validate and not initial:
        check_stock_flow(m, stocks)
    m.recorder.close_month(stocks, pool_count, c.n)


def agency_cost_weighted_fte(m: WorkforceModel) -> np.ndarray:
    """Per simulated council, agency FTE times its cost multiplier: ``agency_cost_multiplier``, or the
    council's price cap for placements that started in or after the cap's first month (earlier ones keep
    their price until they end)."""
    c, p, a = m.councils, m.p, m.councils.n_active
    full = c.agency_fte[:a] * p.agency_cost_multiplier
    below = c.agency_price_cap[:a] < p.agency_cost_multiplier
    if not below.any():  # (no price cap: the common case)
        return full
    capped = np.flatnonzero(np.isfinite(c.agency_price_cap[:a]) & below)
    if capped.size == 0:
        return full
    w = m.workers
    placed = w.with_status(AGENCY)
    e = w.employer[placed].astype(np.intp)
    new = m.tick - w.tenure[placed] >= c.agency_price_cap_tick[e]
    new_fte = np.bincount(e[new], weights=w.fte[placed][new].astype(float), minlength=c.n)[:a]
    saving = new_fte * (p.agency_cost_multiplier - np.minimum(p.agency_cost_multiplier, c.agency_price_cap[:a]))
    return full - saving


def check_stock_flow(m: WorkforceModel, now: dict[str, np.ndarray]) -> None:
    """Headcount(t) = headcount(t-1) + starters - leavers for every council, for permanent and
    agency workers; the origin-destination moves agree with the flows."""
    rec, r = m.recorder, m.recorder.rows
    prev = {k: rec.stock[k][r - 1] for k in ("perm_count", "agency_count")}
    f = rec._flow
    starters = sum(f[f"starters_{s}"] for s in STARTER_SOURCES)
    leavers = sum(f[f"leavers_{d}"] for d in LEAVER_DESTINATIONS)
    problems = []
    bad = np.flatnonzero(prev["perm_count"] + starters - leavers != now["perm_count"])
    problems += [f"permanent headcount of council {i} ({m.council_agents[i].name})" for i in bad]
    bad = np.flatnonzero(prev["agency_count"] + f["agency_placed"] - f["agency_ended"] != now["agency_count"])
    problems += [f"agency headcount of council {i} ({m.council_agents[i].name})" for i in bad]
    od = rec._od_table(m.councils.n)
    a = m.councils.n_active
    inside = od[:, 1] < a
    out = np.bincount(od[inside, 0].astype(int), weights=od[inside, 2], minlength=a)
    into = np.bincount(od[inside, 1].astype(int), weights=od[inside, 2], minlength=a)
    if not (np.array_equal(out, f["leavers_council"]) and np.array_equal(into, f["starters_council"])):
        problems.append("origin-destination moves disagree with council-to-council flows")
    outside = np.bincount(od[~inside, 0].astype(int), weights=od[~inside, 2], minlength=a)
    if not np.array_equal(outside, f["leavers_outside_region"]):
        problems.append("moves out of the region disagree with leavers to outside the region")
    if problems:
        raise StockFlowError(f"month {m.tick} ({m.date()}): " + "; ".join(problems))


class Results:
    """Tidy tables of a model's recorded months (built on demand)."""

    def __init__(self, model: WorkforceModel) -> None:
        self.model = model
        self._cm: pd.DataFrame | None = None

    @property
    def council_months(self) -> pd.DataFrame:
        if self._cm is None:
            self._cm = council_month_table(self.model)
        return self._cm

    @property
    def flows(self) -> pd.DataFrame:
        return flow_table(self.model)

    @property
    def region(self) -> pd.DataFrame:
        return region_table(self.council_months)

    def summary(self, last_months: int = 12) -> dict[str, float]:
        """Headline figures for the region over the last ``last_months`` months (census definitions)."""
        return summarise(self.council_months, last_months)


def council_month_table(m: WorkforceModel) -> pd.DataFrame:
    rec, a = m.recorder, m.councils.n_active
    rows = rec.rows
    ticks = np.repeat(np.arange(rows), a)
    agents = m.council_agents[:a]
    df = pd.DataFrame({
        "tick": ticks,
        "date": np.repeat([m.date(t) for t in range(rows)], a),
        "code": np.tile([x.code for x in agents], rows),
        "council": np.tile([x.name for x in agents], rows),
    })
    for k in STOCKS:
        df[k] = rec.stock[k][:rows].ravel()
    df["grade"] = pd.Categorical.from_codes(df["grade"].astype(int), categories=list(GRADES))
    for k in FLOWS:
        df[k] = rec.flow[k][:rows].ravel()
        df[f"{k}_fte"] = rec.flow_fte[k][:rows].ravel()
    for k in SPENDS:
        df[k] = rec.spend[k][:rows].ravel()
    df["incentive_spend_gbp"] = df[list(SPENDS)].sum(axis=1)
    df["total_cost_gbp"] = df.pay_bill_gbp + df.agency_spend_gbp + df.incentive_spend_gbp
    df["starters_fte"] = df[[f"starters_{s}_fte" for s in STARTER_SOURCES]].sum(axis=1)
    df["leavers_fte"] = df[[f"leavers_{d}_fte" for d in LEAVER_DESTINATIONS]].sum(axis=1)
    df["net_poaching"] = df.starters_council - df.leavers_council - df.leavers_outside_region
    df["vacancy_rate_pct"] = 100 * df.vacancy_fte / (df.vacancy_fte + df.perm_fte).clip(lower=1e-9)
    df["agency_rate_pct"] = 100 * df.agency_fte / (df.agency_fte + df.perm_fte).clip(lower=1e-9)
    leavers_12 = df.groupby("code", sort=False)["leavers_fte"].transform(
        lambda s: s.rolling(12, min_periods=12).sum())
    df["turnover_12m_pct"] = 100 * leavers_12 / df.perm_fte.clip(lower=1e-9)
    return df


def flow_table(m: WorkforceModel) -> pd.DataFrame:
    parts = [np.column_stack([np.full(len(od), t), od]) for t, od in enumerate(m.recorder.od) if len(od)]
    arr = np.concatenate(parts) if parts else np.zeros((0, 5))
    codes = [x.code for x in m.council_agents]
    names = [x.name for x in m.council_agents]
    o, d = arr[:, 1].astype(int), arr[:, 2].astype(int)
    return pd.DataFrame({
        "tick": arr[:, 0].astype(int), "date": [m.date(int(t)) for t in arr[:, 0]],
        "origin_code": [codes[i] for i in o], "origin": [names[i] for i in o],
        "destination_code": [codes[i] for i in d], "destination": [names[i] for i in d],
        "destination_in_region": d < m.councils.n_active,
        "movers": arr[:, 3].astype(int), "movers_fte": arr[:, 4],
    })


def region_table(cm: pd.DataFrame) -> pd.DataFrame:
    sums = [c for c in cm.columns if c.endswith(("_count", "_fte", "_gbp")) or c.startswith(
        ("starters_", "leavers_", "agency_placed", "agency_ended")) or c in ("cases", "net_poaching")]
    sums = [c for c in sums if c != "pay_gbp"]
    reg = cm.groupby(["tick", "date"], sort=True)[sums].sum().reset_index()
    reg["vacancy_rate_pct"] = 100 * reg.vacancy_fte / (reg.vacancy_fte + reg.perm_fte)
    reg["agency_rate_pct"] = 100 * reg.agency_fte / (reg.agency_fte + reg.perm_fte)
    reg["turnover_12m_pct"] = 100 * reg.leavers_fte.rolling(12, min_periods=12).sum() / reg.perm_fte
    w = cm.perm_fte + cm.agency_fte
    reg["caseload"] = (cm.caseload * w).groupby(cm.tick).sum().to_numpy() / w.groupby(cm.tick).sum().to_numpy()
    return reg


def summarise(cm: pd.DataFrame, last_months: int = 12) -> dict[str, float]:
    """Census-style headline figures over the last ``last_months`` months of a run."""
    end = cm.tick.max()
    window = cm[cm.tick > end - last_months]
    final = cm[cm.tick == end]
    scale = 12 / max(1, min(last_months, end))
    inpost = final.perm_fte.sum()
    leavers = window.leavers_fte.sum() * scale
    dest = {d: window[f"leavers_{d}_fte"].sum() * scale for d in LEAVER_DESTINATIONS}
    moves = (window.leavers_council_fte.sum() + window.leavers_outside_region_fte.sum()) * scale
    holders = final.perm_fte + final.agency_fte
    return {
        "perm_fte": inpost,
        "agency_fte": final.agency_fte.sum(),
        "turnover_pct": 100 * leavers / inpost,
        "leavers_to_council_pct": 100 * (dest["council"] + dest["outside_region"]) / max(leavers, 1e-9),
        "leavers_to_agency_pct": 100 * dest["agency"] / max(leavers, 1e-9),
        "leavers_out_pct": 100 * dest["out_of_profession"] / max(leavers, 1e-9),
        "council_moves_pct": 100 * moves / inpost,
        "agency_rate_pct": 100 * final.agency_fte.sum() / (final.agency_fte.sum() + inpost),
        "vacancy_rate_pct": 100 * final.vacancy_fte.sum() / (final.vacancy_fte.sum() + inpost),
        "caseload": float((final.caseload * holders).sum() / holders.sum()),
        "agency_vacancy_corr": float(np.corrcoef(final.agency_rate_pct, final.vacancy_rate_pct)[0, 1])
        if len(final) > 2 else float("nan"),
        "total_cost_gbp_per_year": window.total_cost_gbp.sum() * scale,
        "agency_spend_gbp_per_year": window.agency_spend_gbp.sum() * scale,
    }
