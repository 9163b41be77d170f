"""Building a model's starting state from the census: councils, distances, reach and workforce."""

from __future__ import annotations

from typing import TYPE_CHECKING

import networkx as nx
import numpy as np
import pandas as pd

from . import kernels
from .agents import BoundaryCouncil, Council, CouncilTable
from .data import GRADE_REPUTATION, GRADES
from .errors import SimInputError, unknown
from .pay import national_pay, regional_ratio
from .workers import AGENCY, PERM, POOL, WorkerTable

if TYPE_CHECKING:
    from .model import WorkforceModel

HOME_ELSEWHERE_SHARE = 0.25  # assumption: a quarter of workers live in a neighbouring council
INITIAL_POOL_SHARE = 0.05  # assumption: agency workers between placements, per agency worker
PQ_MEAN_MONTHS = 150.0  # assumption: experience since qualifying ~ truncated exponential
TENURE_MEAN_MONTHS = 54.0  # assumption: time with the current employer ~ exponential, <= experience
TASTE_SIGMA = 0.3  # assumption: spread of the personal weight on pay (lognormal, mean 1)


def haversine_km(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    lon, lat = np.radians(lon), np.radians(lat)
    dlon = lon[:, None] - lon[None, :]
    dlat = lat[:, None] - lat[None, :]
    h = np.sin(dlat / 2) ** 2 + np.cos(lat[:, None]) * np.cos(lat[None, :]) * np.sin(dlon / 2) ** 2
    return 2 * 6371.0 * np.arcsin(np.sqrt(np.minimum(1.0, h)))


def build_councils(m: WorkforceModel, census: pd.DataFrame, pay_gbp: dict[str, float]) -> None:
    """Create the council table and one Mesa agent per council (simulated, then boundary)."""
    p = m.p
    c = CouncilTable(len(census), len(m.region.members))
    m.councils = c
    nat = national_pay(m.base_year, p.pay_2017_gbp, p.pay_award_pct_per_year)
    c.pay_gbp[:] = [nat * regional_ratio(r, ln) for r, ln in zip(census.region, census.london, strict=True)]
    inpost, vac, agency = (census[k].to_numpy(float) for k in ("inpost_fte", "vacancy_fte", "agency_fte"))
    c.establishment_fte[:] = inpost + vac
    c.cases[:] = census.cases.to_numpy(float)
    share = census.case_holders_fte.to_numpy(float) / np.maximum(inpost + agency, 1e-9)
    c.case_holder_share[:] = p.case_holder_share or np.clip(share, 0.3, 1.0)
    c.grade[:] = [GRADES.index(g) for g in census.grade]
    c.reputation[:] = GRADE_REPUTATION[c.grade]
    judged = pd.to_datetime(census.judgement_date)
    c.grade_tick[:] = ((judged.dt.year - m.base_year) * 12 + judged.dt.month - 9).to_numpy()
    c.agency_cover_ratio[:] = np.clip(agency / np.maximum(vac, 1.0), 0, p.agency_cover_ratio_max)
    c.fixed_vacancy_rate[:] = vac / np.maximum(vac + inpost, 1e-9)
    c.fixed_caseload[:] = census.caseload_fte.to_numpy(float)
    m.fte_ratio = np.clip(inpost / np.maximum(census.inpost_headcount.to_numpy(float), 1), 0.5, 1.0)
    # A council with nobody in post (Isles of Scilly after 2021) has no census turnover: use the median.
    turnover = census.turnover_rate_fte.to_numpy(float) / 100
    m.turnover_prior = np.where(np.isfinite(turnover), turnover, np.nanmedian(turnover))
    m.reference_caseload = float(np.average(c.fixed_caseload[: c.n_active],
                                            weights=census.case_holders_fte[: c.n_active]))
    # only the simulated councils are Mesa agents (model.agents); the boundary is kept apart
    m.council_agents = [(Council if i < c.n_active else BoundaryCouncil)(m, i, r.code, r.name, r.region, r.london)
                        for i, r in enumerate(census.itertuples())]
    m.dist_km = haversine_km(census.lon.to_numpy(float), census.lat.to_numpy(float))
    m.reach = build_reach(m, census.code.tolist(), int(p.reach_hops))
    for name, value in pay_gbp.items():
        c.pay_gbp[resolve_council(m, name, where="pay_gbp")] = _check_pay(name, value)


def _check_pay(name: str, value: float) -> float:
    if not isinstance(value, (int, float)) or not 1000 <= value <= 500000:
        raise SimInputError(f"pay_gbp[{name!r}] = {value!r}: pay must be a number of pounds a year "
                            "between 1,000 and 500,000")
    return float(value)


def build_reach(m: WorkforceModel, codes: list[str], hops: int) -> np.ndarray:
    """For each council, itself and the councils within ``hops`` in the table, padded with -1."""
    index = {code: i for i, code in enumerate(codes)}
    sub = m.graph.subgraph(codes)
    rows = []
    for code in codes:
        near = {code} | {n for n, d in _within(sub, code, hops).items() if d <= hops}
        rows.append(sorted(index[n] for n in near))
    width = max(len(r) for r in rows)
    reach = np.full((len(codes), width), -1, dtype=np.int64)
    for i, r in enumerate(rows):
        reach[i, : len(r)] = r
    return reach


def _within(g: nx.Graph, source: str, hops: int) -> dict[str, int]:
    return nx.single_source_shortest_path_length(g, source, cutoff=hops)


def build_workforce(m: WorkforceModel, census: pd.DataFrame) -> None:
    """Permanent workers (census headcount), agency workers in placements (census agency FTE), and a
    small agency pool."""
    a = m.councils.n_active
    perm = np.round(census.inpost_headcount.to_numpy(float)[:a]).astype(np.int64)
    agency = np.round(census.agency_fte.to_numpy(float)[:a]).astype(np.int64)
    pool = int(round(INITIAL_POOL_SHARE * agency.sum()))
    total = perm.sum() + agency.sum() + pool
    m.workers = WorkerTable(int(total * 1.4) + 1024)
    where_perm = np.repeat(np.arange(a), perm)
    where_agency = np.repeat(np.arange(a), agency)
    m.new_workers(where_perm, status=PERM, new_qualifier=False, initial=True)
    m.new_workers(where_agency, status=AGENCY, new_qualifier=False, agency=True, initial=True)
    # the pool's workers last worked (and live) where agency workers do: every k-th placement's council
    pick = np.linspace(0, max(where_agency.size - 1, 0), pool).astype(np.int64)
    pool_where = where_agency[pick] if where_agency.size else np.zeros(pool, dtype=np.int64)
    pooled = m.new_workers(pool_where, status=POOL, new_qualifier=False, agency=True, initial=True)
    m.workers.edit(pooled, employer=-1)


def fill_new_workers(m: WorkforceModel, slots: np.ndarray, council: np.ndarray, status: int,
                     new_qualifier: bool, agency: bool, initial: bool) -> None:
    """Set the columns of newly created workers (draws keyed by slot and month)."""
    w, s, t = m.workers, m.streams, m.tick if not initial else -1
    # status, employer, FTE and home: the council itself, or (for some) a simulated neighbour
    kernels.new_worker_columns(slots, council, status, m.reach, m.councils.n_active, HOME_ELSEWHERE_SHARE, t,
                               s.key("home_pick"), s.key("home"), None if agency else m.fte_ratio,
                               *w.writable("status", "employer", "home", "fte", changed=slots))
    u = s.uniform("experience", t, slots)
    if new_qualifier:
        pq = np.zeros(slots.size)
    else:
        span = m.p.career_months - (36 if agency else 12)
        pq = -PQ_MEAN_MONTHS * np.log1p(-u * (1 - np.exp(-span / PQ_MEAN_MONTHS)))
        pq += 36 if agency else (0 if initial else 12)
    w.pq_months[slots] = np.floor(pq).astype(np.int16)
    if initial:
        ten = -TENURE_MEAN_MONTHS * np.log1p(-s.uniform("tenure", t, slots))
        w.tenure[slots] = np.minimum(np.floor(ten), w.pq_months[slots]).astype(np.int16)
        w.hired_tick[slots] = -w.tenure[slots]
    else:
        w.tenure[slots] = 0
        w.hired_tick[slots] = t
    z = s.normal("taste", t, slots)
    w.taste_pay[slots] = np.exp(TASTE_SIGMA * z - TASTE_SIGMA**2 / 2)


def resolve_council(m: WorkforceModel, name: str, where: str) -> int:
    """Index of a simulated council given its name or code (case-insensitive)."""
    from .regions import slug

    key = str(name).strip().lower()
    for agent in m.council_agents[: m.councils.n_active]:
        if key in (agent.name.lower(), agent.code.lower(), slug(agent.name)):
            return agent.index
    raise unknown("council", str(name), [a.name for a in m.council_agents[: m.councils.n_active]],
                  where=f"{where} (region {m.region.name!r})")
