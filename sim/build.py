"""Building a model's starting state from the census: councils, distances, reach and workforce."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np
import pandas as pd
from scipy.special import ndtri

from . import geography, kernels
from .agents import BoundaryCouncil, Council, CouncilTable
from .data import GRADE_REPUTATION, GRADES
from .errors import SimInputError, unknown
from .ofsted import pause_months
from .pay import national_pay, regional_ratio
from .workers import AGENCY, NEVER, PERM, POOL, WorkerTable

if TYPE_CHECKING:
    from .model import WorkforceModel

HOME_ELSEWHERE_SHARE = 0.25  # assumption: a quarter of workers live in a neighbouring council
INITIAL_POOL_SHARE = 0.05  # assumption: agency workers between placements, per agency worker
PQ_MEAN_MONTHS = 150.0  # assumption: experience since qualifying ~ truncated exponential
TENURE_MEAN_MONTHS = 54.0  # assumption: time with the current employer ~ exponential, <= experience
TASTE_SIGMA = 0.3  # assumption: spread of the personal weight on pay (lognormal, mean 1)
CASE_HOLDER_SHARE = (0.3, 1.0)  # plausible case holders per FTE (census 2017-2024: 5%-95% of councils 0.40-0.69)
AGENCY_MIN_PQ_MONTHS = 36  # assumption: agency workers from outside the region have 3+ years' experience


def headcount_in_post(census: pd.DataFrame) -> np.ndarray:
    """Permanent staff in post per council: the census headcount, but never fewer people than its FTE
    (three census rows count more FTE than heads, Warwickshire's 2020 by 47: 368 FTE, 321 heads; the
    rates are per FTE, so the FTE is kept and the heads raised to it)."""
    return np.maximum(census.inpost_headcount.to_numpy(float), np.ceil(census.inpost_fte.to_numpy(float)))


def build_councils(m: WorkforceModel, census: pd.DataFrame) -> None:
    """Create the council table and one Mesa agent per council (simulated, then boundary)."""
    p = m.p
    c = CouncilTable(len(census), len(m.region.members))
    m.councils = c
    nat = national_pay(m.base_year, p.pay_2017_gbp, p.pay_award_pct_per_year)
    c.pay_gbp[:] = [nat * regional_ratio(r, ln) for r, ln in zip(census.region, census.london, strict=True)]
    inpost, vac, agency = (census[k].to_numpy(float) for k in ("inpost_fte", "vacancy_fte", "agency_fte"))
    c.establishment_fte[:] = inpost + vac
    cases = census.cases.to_numpy(float)
    share = census.case_holders_fte.to_numpy(float) / np.maximum(inpost + agency, 1e-9)
    c.case_holder_share[:] = p.case_holder_share or np.clip(share, CASE_HOLDER_SHARE[0], CASE_HOLDER_SHARE[1])
    # A share of case holders outside the plausible range is a partial return (Cumbria's 2018 census
    # counts 29 case holders among 250 FTE, and 417 cases): read with the plausible share, the census
    # caseload (cases per case holder) holds, so the cases are scaled with it.
    c.cases[:] = cases if p.case_holder_share else cases * c.case_holder_share / np.maximum(share, 1e-9)
    c.grade[:] = [GRADES.index(g) for g in census.grade]
    c.reputation[:] = GRADE_REPUTATION[c.grade]
    judged = pd.to_datetime(census.judgement_date)
    # the month of the last judgement, moved later by the inspection pause between it and the census
    # (the re-inspection clock stops during the pause, as in the estimates: sim.ofsted)
    stopped = np.rint(np.nan_to_num(pause_months(judged, pd.Timestamp(f"{m.base_year}-09-30")))).astype(np.int64)
    c.grade_tick[:] = ((judged.dt.year - m.base_year) * 12 + judged.dt.month - 9).to_numpy() + stopped
    c.fixed_vacancy_rate[:] = vac / np.maximum(vac + inpost, 1e-9)
    c.fixed_caseload[:] = census.caseload_fte.to_numpy(float)
    m.fte_ratio = np.clip(inpost / np.maximum(headcount_in_post(census), 1), 0.5, 1.0)
    # A council with nobody in post (Isles of Scilly after 2021) has no census turnover: use the median.
    turnover = census.turnover_rate_fte.to_numpy(float) / 100
    m.turnover_prior = np.where(np.isfinite(turnover), turnover, np.nanmedian(turnover))
    m.reference_caseload = float(np.average(c.fixed_caseload[: c.n_active],
                                            weights=census.case_holders_fte[: c.n_active]))
    # only the simulated councils are Mesa agents (model.agents); the boundary is kept apart
    m.council_agents = [(Council if i < c.n_active else BoundaryCouncil)(m, i, r.code, r.name, r.region, r.london)
                        for i, r in enumerate(census.itertuples())]
    m.reach = build_reach(m, census.code.tolist(), int(p.reach_hops))
    # where workers live: K home zones per council, commuting distances from each to every council
    m.zones_per_council = geography.points_per_council()
    m.dist_zone = geography.commute_table(census.code.tolist(), p.tidal_crossing_km)
    m.reach_zone = np.repeat(m.reach, m.zones_per_council, axis=0)
    # boundary councils take movers from the region at their census rate, in proportion to how much
    # of their border the region makes up (counted in neighbours)
    members = set(m.region.members)
    for i in range(c.n_active, c.n):
        near = list(m.graph.neighbors(census.code.iloc[i]))
        inside = sum(n in members for n in near) / max(len(near), 1)
        starters = float(census.starters_fte.iloc[i]) if np.isfinite(census.starters_fte.iloc[i]) else 0.0
        c.boundary_rate[i] = starters * p.boundary_mover_share_of_starters / 12 * inside
    c.boundary_credit[:] = c.boundary_rate


def apply_pay_overrides(m: WorkforceModel, pay_gbp: dict[str, float]) -> None:
    """Council pay set by the user (``pay_gbp``): a change from the census state, in force from
    month 1 (each council's identity is estimated at its default pay; see :func:`build_identity`)."""
    for name, value in pay_gbp.items():
        m.councils.pay_gbp[resolve_council(m, name, where="pay_gbp")] = _check_pay(name, value)


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
    perm = np.round(headcount_in_post(census)[:a]).astype(np.int64)
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
                     new_qualifier: bool | np.ndarray, agency: bool, initial: bool) -> None:
    """Set the columns of newly created workers (draws keyed by slot and month). ``new_qualifier``:
    for all of them, or a flag per slot."""
    w, s, t = m.workers, m.streams, m.tick if not initial else -1
    all_new = bool(new_qualifier.all()) if isinstance(new_qualifier, np.ndarray) else bool(new_qualifier)
    # agency workers have at least three years' experience, or what the agency rules in force ask
    least = max(AGENCY_MIN_PQ_MONTHS, m.p.agency_min_pq_months) if agency else (0 if initial else 12)
    # status, employer, FTE and home (the council itself, or for some a simulated neighbour), the point
    # of the home council they live at, and the draws of experience and taste (sim.kernels.new_workers)
    w.note(slots)
    x, taste_u = kernels.new_workers(slots, council, status, m.reach, m.councils.n_active, HOME_ELSEWHERE_SHARE,
                                     m.zones_per_council, t, (s.key("home_pick"), s.key("home"), s.key("home_point"),
                                                              s.key("experience"), s.key("taste")),
                                     None if agency else m.fte_ratio, not initial, w.columns(), NEVER,
                                     _truncation(max(m.p.career_months - least, 1)))
    # experience: -PQ_MEAN_MONTHS x log1p(-u x truncation) + least months (a truncated exponential;
    # 0 for new qualifiers); taste for pay: lognormal, exp(sigma z - sigma^2 / 2) with z = normal_of(u)
    kernels.finish_new_workers(slots, None if all_new else np.log1p(x), -PQ_MEAN_MONTHS, least,
                               new_qualifier if isinstance(new_qualifier, np.ndarray) else None,
                               np.exp(TASTE_SIGMA * ndtri(taste_u) - TASTE_SIGMA**2 / 2), w.pq_months, w.taste_pay)
    if initial:
        ten = -TENURE_MEAN_MONTHS * np.log1p(-s.uniform("tenure", t, slots))
        w.tenure[slots] = np.minimum(np.floor(ten), w.pq_months[slots]).astype(np.int16)
        w.hired_tick[slots] = -w.tenure[slots]


@lru_cache(maxsize=16)
def _truncation(span: int) -> np.float64:
    """The share of the exponential distribution of experience (mean ``PQ_MEAN_MONTHS``) below
    ``span`` months: experience is drawn from it truncated there."""
    return 1 - np.exp(-span / PQ_MEAN_MONTHS)


def resolve_council(m: WorkforceModel, name: str, where: str) -> int:
    """Index of a simulated council given its name or code (case-insensitive)."""
    from .regions import slug

    key = str(name).strip().lower()
    for agent in m.council_agents[: m.councils.n_active]:
        if key in (agent.name.lower(), agent.code.lower(), slug(agent.name)):
            return agent.index
    raise unknown("council", str(name), [a.name for a in m.council_agents[: m.councils.n_active]],
                  where=f"{where} (region {m.region.name!r})")


# In month t of the first year, the hires' "leavers of the last 12 months" hold 13 - t months of the
# census year's turnover (Model.turnover_estimate): on average (12 + 11 + ... + 1) / 144 of them.
YEAR1_PRIOR_SHARE = 78 / 144


def build_identity(m: WorkforceModel) -> None:
    """Each council's own propensities and base state, from its census history (see :mod:`sim.identity`).

    * ``leave_identity``: the model's structural terms (career stage, caseload, grade, the offers in
      reach) give each council an expected turnover ``T_s`` at the census. Its forecast turnover is
      England's (the mean of the census years to the base year) times its forecast ratio to England,
      which the census history shrinks toward the structural prediction. The multiplier on the hazards
      of leaving the profession and of searching is forecast / ``T_s``.
    * Both fade after the first year toward the council's permanent effect alone (``*_long``), by the
      persistence ``rho`` the census shows for each rate (about 0.5 a year): see :func:`fade_identity`.
    * ``hire_identity``: the same for starters, with next year's forecast raised where the council's
      vacancy rate stands above England's (:func:`sim.identity.hire_vacancy_response`). The forecast of
      all starters less the movers the council can expect from other councils and the agency workers it
      can expect to convert is what it must hire from outside; the multiplier is that over the matching
      function's prediction.
    * ``agency_drift``, ``demand_drift``: the log-change of agency cover and of open cases over the
      first year, from the council's agency rate and caseload at the census toward their one-lag
      forecasts (:func:`sim.identity.one_lag_forecast`: for these two the last year carries nearly all
      the council's history says).
    * The census state the rules measure changes from: caseload norm, workload gap, agency FTE, pay
      and attractiveness.

    ``council_identity`` (0 to 1) scales every identity term in logs; 0 erases them (the structural
    terms and the calibrated national parameters alone).
    """
    from .data import load_seeds
    from .identity import (
        ONE_LAG_RATES,
        _rates,
        council_effects,
        establishment_growth,
        establishment_response,
        hire_vacancy_response,
        national_forecast,
        one_lag_error,
        one_lag_forecast,
        vacancy_gap,
    )
    from .phases.recruitment import attractiveness

    p, c, a = m.p, m.councils, m.councils.n_active
    m.recount()
    c.caseload_norm[:a] = c.caseload[:a]
    c.perm_fte_census[:a] = c.perm_fte[:a]
    c.establishment_census_fte[:a] = c.establishment_fte[:a]
    c.workload_gap0_fte[:a] = workload_need_fte(m) - c.perm_fte[:a]
    c.agency_base_fte[:a] = c.agency_fte[:a]
    c.base_log_pay[:] = m.log_pay()
    m.census_mean_log_pay = c.base_log_pay[:a].mean()  # the region's mean, for recruitment's pull
    c.base_attractiveness[:a] = attractiveness(m)
    for column in (c.leave_identity, c.hire_identity, c.leave_identity_long, c.hire_identity_long):
        column[:] = 1.0
    codes = [agent.code for agent in m.council_agents[:a]]
    eff = council_effects(m.base_year).reindex(codes)
    weight = p.council_identity

    # leaving and moving in: the structural expectations at the census, per council
    x = leaving_expectations(m)
    e, f, search, prob, option = x.employer, x.fte, x.search, x.prob, x.option
    fte_sum = np.bincount(e, weights=f, minlength=a)[:a]
    t_s = x.turnover(a)

    # With council_forecast_error > 0, each council's forecasts carry a draw of their error (in logs for
    # turnover and starters, in levels for the one-lag rates): a run is then one possible next year,
    # and an ensemble's spread holds what the council's history cannot tell (sim forecast, the league
    # table). The error variances come from the census years to the base year (sim.identity).
    draw = p.council_forecast_error

    def error(rate: str, k: int, sd: np.ndarray) -> np.ndarray:
        if not draw:
            return np.zeros(a)
        z = m.streams.normal("forecast_error", -1, np.arange(a, dtype=np.int64) * 8 + k)
        return draw * np.nan_to_num(sd) * z

    def one_lag_sd(rate: str) -> np.ndarray:
        base, per = one_lag_error(m.base_year, rate)
        num, den = ONE_LAG_RATES[rate]
        n = load_seeds().year(m.base_year).set_index("code").reindex(codes)
        n = (n.inpost_fte + n.agency_fte if den == "workforce_fte" else n.inpost_fte + n.vacancy_fte
             if den == "establishment" else n[den]).to_numpy(float)
        return np.sqrt(base + per / np.clip(np.nan_to_num(n, nan=1.0), 1.0, None))

    miss = {"leave": error("leave", 0, np.sqrt(eff["leave_error_var"].to_numpy(float))),
            "hire": error("hire", 1, np.sqrt(eff["hire_error_var"].to_numpy(float)))}

    # councils with posts standing empty hire more next year than their history predicts
    vacancy_push = hire_vacancy_response(m.base_year) * np.nan_to_num(vacancy_gap(m.base_year).reindex(codes)
                                                                       .to_numpy(float))

    def council_forecast(rate: str, structural: np.ndarray, horizon: str = "") -> np.ndarray:
        """England's forecast rate x the council's forecast ratio, shrunk toward the structural ratio
        (next year's, with hiring's response to vacancies; ``horizon="_long"``: the council's
        permanent effect alone)."""
        ok = np.isfinite(structural) & (structural > 0) & (fte_sum > 0)
        mean = np.average(structural[ok], weights=fte_sum[ok]) if ok.any() else 1.0
        q = np.log(np.where(ok, structural, mean) / mean)
        names = ("y_long", "weight_long") if horizon == "_long" else ("y_hat", "weight")
        y_hat, own = (np.nan_to_num(eff[f"{rate}_{k}"].to_numpy(float)) for k in names)
        push = vacancy_push if (rate, horizon) == ("hire", "_hat") else 0.0
        if horizon != "_long":
            push = push + miss[rate]
        return national_forecast(m.base_year, rate) * np.exp(y_hat + push + (1 - own) * q)

    perm = np.maximum(c.perm_fte[:a], 1e-9)
    leave = council_forecast("leave", t_s, "_hat")
    c.leave_identity[:a] = _scaled(leave / np.maximum(t_s, 1e-9), weight, t_s > 0)
    c.leave_identity_long[:a] = _scaled(council_forecast("leave", t_s, "_long") / np.maximum(t_s, 1e-9), weight,
                                        t_s > 0)
    # movers each council can expect from the others, at the searchers' identity-scaled rates
    searching = f * search * c.leave_identity[e]
    moves_in = 12 * np.bincount(option.ravel(), weights=np.repeat(searching, option.shape[1]) * prob[:, 1:-1].ravel(),
                                minlength=c.n)[:a]

    # hiring: what the council must hire from outside to reach its forecast starters. Hires follow the
    # leavers of the last 12 months, which in the first year are partly the census year's (the months
    # before the run: Model.turnover_estimate), on average a share YEAR1_PRIOR_SHARE of them.
    converts = c.agency_fte[:a] * 12 / p.agency_placement_months * p.agency_convert_prob
    for horizon, column in (("_hat", c.hire_identity), ("_long", c.hire_identity_long)):
        if horizon == "_hat":
            leavers = YEAR1_PRIOR_SHARE * m.turnover_prior[:a] + (1 - YEAR1_PRIOR_SHARE) * leave
        else:
            leavers = council_forecast("leave", t_s, "_long")
        outside = 12 * (p.hire_per_leaver * leavers * perm / 12 + p.hire_vacancy_fill_per_month * c.vacancy_fte[:a])
        starters = council_forecast("hire", (outside + moves_in + converts) / perm, horizon) * perm
        needed = np.maximum(starters - moves_in - converts, 0.1 * starters)
        column[:a] = _scaled(needed / np.maximum(outside, 1e-9), weight, outside > 0)
        if horizon == "_hat":
            starters_year1 = starters
    c.leave_identity_year1[:] = c.leave_identity
    c.hire_identity_year1[:] = c.hire_identity

    # The first year's expected paths of FTE in post (the forecast starters less leavers) and of funded
    # posts (England's trend, the excess vacancies cut and the share that follows staffing): the agency
    # cover of the workload gap answers departures from these, as the forecast already holds them.
    # Funded posts head for those that give the council its one-lag forecast vacancy rate with its
    # expected staff; without identity, for what the structural rules would give.
    response = establishment_response(m.base_year)
    trend = np.exp(establishment_growth(m.base_year)) - 1
    posts = c.establishment_fte[:a]
    change = starters_year1 - leave * perm
    structural = (posts * trend - response.cut * ((1 - response.national_vacancy) * posts - c.perm_fte[:a])
                  + response.follow * (change - c.perm_fte[:a] * trend))
    vacancy = np.clip(one_lag_forecast(m.base_year, "vacancy").reindex(codes).to_numpy(float)
                      + error("vacancy", 2, one_lag_sd("vacancy")), 0.0, 0.9)
    own = np.where(np.isfinite(vacancy), np.maximum(c.perm_fte[:a] + change, 0.0) / (1 - np.nan_to_num(vacancy))
                   - posts, structural)
    c.perm_fte_year1_change[:a] = weight * change
    c.establishment_year1_change[:a] = weight * own + (1 - weight) * structural

    # agency cover and open cases drift from the census toward the council's one-lag forecast over the
    # first year (agency FTE such that, with its expected staff, its agency rate is the forecast)
    def census_and_forecast(rate: str, lo: float, hi: float, k: int) -> tuple[np.ndarray, np.ndarray]:
        now = _rates(m.base_year, rate)[0].reindex(codes).to_numpy(float)
        ahead = one_lag_forecast(m.base_year, rate).reindex(codes).to_numpy(float) + error(rate, k, one_lag_sd(rate))
        return np.clip(now, lo, hi), np.clip(ahead, lo, hi)

    now, ahead = census_and_forecast("agency", 0.005, 0.95, 3)
    staff = np.maximum(c.perm_fte[:a] + c.perm_fte_year1_change[:a], 1e-9) / np.maximum(c.perm_fte[:a], 1e-9)
    drift = np.log(ahead / (1 - ahead)) - np.log(now / (1 - now)) + np.log(staff)
    c.agency_drift[:a] = weight * np.clip(np.nan_to_num(drift), -1.0, 1.0)
    # open cases: the forecast caseload held by the staff expected in a year (FTE in post and agency)
    agency_ahead = c.agency_fte[:a] * np.exp(c.agency_drift[:a])
    holders = (np.maximum(c.perm_fte[:a] + c.perm_fte_year1_change[:a], 0.0) + agency_ahead) / np.maximum(
        c.perm_fte[:a] + c.agency_fte[:a], 1e-9)
    now, ahead = census_and_forecast("caseload", 1.0, 100.0, 4)
    drift = np.log(ahead / now) + np.log(np.maximum(holders, 1e-9))
    c.demand_drift[:a] = weight * np.clip(np.nan_to_num(drift), -0.5, 0.5)


@dataclass
class LeavingExpectations:
    """Each permanent worker's expected monthly leaving at the model's current state: the hazard of
    leaving the profession, the chance of searching, and the logit probabilities of each option (stay,
    each post in reach, agency work) given one draw of offers (``option``: the council of each post)."""

    employer: np.ndarray
    fte: np.ndarray
    exit_hazard: np.ndarray
    search: np.ndarray
    prob: np.ndarray
    option: np.ndarray

    def turnover(self, a: int) -> np.ndarray:
        """Expected turnover a year (a share) per council ``0..a-1``, FTE-weighted."""
        e, f = self.employer, self.fte
        leave = 12 * np.bincount(e, weights=f * (self.exit_hazard + self.search * (1 - self.prob[:, 0])), minlength=a)
        return leave[:a] / np.maximum(np.bincount(e, weights=f, minlength=a)[:a], 1e-9)


def leaving_expectations(m: WorkforceModel) -> LeavingExpectations:
    """The expectations of :class:`LeavingExpectations` for every permanent worker (used to set each
    council's identity, and by experiments/validation/envelope.py to show what the model expects)."""
    from .phases.exits import hazard_table
    from .phases.moves import option_utilities, search_rate_table

    p, w = m.p, m.workers
    slots = w.with_status(PERM)
    e = w.employer[slots].astype(np.intp)
    pq = w.pq_months[slots]
    stage = (pq >= kernels.NQ_MONTHS).astype(np.intp) + (pq >= kernels.LATE_MONTHS)
    early = (pq >= kernels.EARLY_CAREER[0]) & (pq < kernels.EARLY_CAREER[1])
    search = search_rate_table(m)[w.home[slots].astype(np.intp), e]
    search = np.minimum(1.0, np.where(early, search * p.search_early_career_multiplier, search))
    utility, available, option = option_utilities(m, slots)
    prob = np.exp(np.where(available, utility - utility.max(axis=1, keepdims=True), -np.inf))
    prob /= prob.sum(axis=1, keepdims=True)
    return LeavingExpectations(e, w.fte[slots].astype(float), hazard_table(m)[stage, e], search, prob, option)


def fade_identity(m: WorkforceModel) -> None:
    """After the first year, each council's leaving and hiring multipliers move from next year's
    forecast toward its permanent effect: ``log k(t) = log k_long + (log k_1 - log k_long) * rho^((t - 12) / 12)``,
    with ``rho`` the year-to-year persistence of the fading council effect in the census (sim.identity)."""
    if m.tick <= 12:
        return
    c, a = m.councils, m.councils.n_active
    for rate, now, first, long in (("leave", c.leave_identity, c.leave_identity_year1, c.leave_identity_long),
                                   ("hire", c.hire_identity, c.hire_identity_year1, c.hire_identity_long)):
        keep = m.identity_persistence[rate] ** ((m.tick - 12) / 12)
        now[:a] = long[:a] * (first[:a] / long[:a]) ** keep


def _scaled(ratio: np.ndarray, weight: float, ok: np.ndarray) -> np.ndarray:
    """``ratio ** weight`` where ``ok`` (and finite), 1 elsewhere."""
    ok = ok & np.isfinite(ratio) & (ratio > 0)
    return np.where(ok, np.exp(weight * np.log(np.where(ok, ratio, 1.0))), 1.0)


def workload_need_fte(m: WorkforceModel) -> np.ndarray:
    """FTE (permanent and agency) each simulated council needs to hold its cases at its census caseload."""
    c, a = m.councils, m.councils.n_active
    norm = np.maximum(c.caseload_norm[:a], 1.0)
    return c.cases[:a] / (np.maximum(c.case_holder_share[:a], 1e-9) * norm)
