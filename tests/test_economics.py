"""The economics of issue #12, each mechanism checked against its absence.

Every test here runs the mechanism and the same model with the mechanism switched off (or reversed),
on the same seeds, and asserts a difference the mechanism must make. Tolerances are stated where set.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.data import load_seeds
from sim.identity import council_effects, fit_covariance
from sim.model import WorkforceModel
from sim.policies import PayUplift
from sim.policies.agency import DfeAgencyRules
from sim.policies.supply import OfstedJudgement
from sim.workers import AGENCY, PERM


def census_turnover(year: int) -> pd.Series:
    s = load_seeds()
    c = s.census[(s.census.year == year) & (s.census.inpost_fte > 20)].set_index("code")
    return c.turnover_rate_fte


def simulated_turnover(seeds: range, **params: float) -> pd.Series:
    """Mean over seeds of each council's 12-month turnover, England from the 2023 census."""
    parts = []
    for seed in seeds:
        cm = WorkforceModel(base_year=2023, seed=seed, months=12, **params).run(months=12).results.council_months
        by = cm[cm.tick >= 1].groupby("code")
        parts.append(100 * by.leavers_fte.sum() / cm[cm.tick == 0].set_index("code").perm_fte)
    return pd.concat(parts, axis=1).mean(axis=1)


def test_identity_keeps_each_council_near_its_own_turnover():
    """With identity, councils' simulated turnover (3 seeds) correlates with their own census turnover
    of the base year about as the census does with itself a year later (0.3-0.5); with identity erased
    (council_identity = 0) only the structural terms are left, and the correlation falls by at least 0.2."""
    census = census_turnover(2023)
    with_ = simulated_turnover(range(3)).reindex(census.index)
    without = simulated_turnover(range(3), council_identity=0).reindex(census.index)
    r_with, r_without = census.corr(with_), census.corr(without)
    assert r_with > 0.4, r_with
    assert r_with - r_without > 0.2, (r_with, r_without)


def test_empirical_bayes_shrinks_a_short_noisy_history_more():
    """The predictor's weight on a council's own data grows with the number of census years and is
    below 1 (shrinkage toward England), and the fitted variance components are non-negative."""
    short, long = council_effects(2018), council_effects(2023)
    assert (short.leave_weight < long.leave_weight).mean() > 0.9
    assert (long.leave_weight < 1).all() and (long.leave_weight > 0).all()
    y = pd.DataFrame(np.random.default_rng(0).normal(size=(100, 6)), columns=range(2018, 2024))
    cov = fit_covariance(y, y * 0)  # pure noise: no persistent council effect to find
    assert cov.tau2 + cov.gamma2 < 0.1 and cov.sigma2 > 0.8


def bexley_with_room(seed: int, pct: float, **params: float) -> WorkforceModel:
    """The Bexley cluster with Bexley's funded posts up a half (so that vacancies do not bind), and
    Bexley's pay raised by ``pct`` from the first month."""
    policies = [PayUplift(councils=["Bexley"], pct=pct, start="2024-10")] if pct else []
    m = WorkforceModel(region="bexley_cluster", seed=seed, months=12, policies=policies, **params)
    m.councils.establishment_fte[m.council_index("Bexley")] *= 1.5
    return m


def test_a_pay_rise_poaches_from_neighbours_without_making_them_search_more():
    """Directed poaching: Bexley +10% draws more of its neighbours' movers (10 paired seeds, 12
    months), while nobody's chance of searching depends on what Bexley pays. Under the old rule, where
    search rose with the gap to the best pay in reach, the second assertion fails; with b_pay = 0
    (pay plays no part in the choice) the first does."""
    from sim.phases.moves import search_rate_table

    def gained(**params: float) -> list[float]:
        out = []
        for seed in range(10):
            runs = []
            for pct in (0, 10):
                m = bexley_with_room(seed, pct, **params).run(months=12)
                f = m.results.flows
                runs.append(f[(f.destination == "Bexley") & (f.origin != "Bexley")].movers.sum())
            out.append(runs[1] - runs[0])
        return out

    with_pay = gained()
    assert np.mean(with_pay) > 1.0 and np.mean(np.array(with_pay) > 0) >= 0.7, with_pay
    without_pay = gained(b_pay=0.0)
    assert abs(np.mean(without_pay)) < np.mean(with_pay) / 3, (with_pay, without_pay)
    m = bexley_with_room(0, 0)
    before = search_rate_table(m).copy()
    m.councils.pay_gbp[m.council_index("Bexley")] *= 1.1
    m._cache.clear()
    assert np.array_equal(search_rate_table(m), before)


def test_pay_enters_the_decision_to_leave_the_profession():
    """Bexley +20%: the rate at which its staff leave the profession (leavers out of the profession /
    mean FTE in post, 12 months, 10 paired seeds pooled) falls by about exit_pay_elasticity x ln 1.2
    (0.8 x 0.18 = 14%); with the elasticity at 0 it moves by less than a third of that (only the
    workforce's composition changes)."""
    def change(elasticity: float) -> float:
        rate = {}
        for pct in (0, 20):
            out = fte = 0.0
            for seed in range(10):
                m = WorkforceModel(region="bexley_cluster", seed=seed, months=12, exit_pay_elasticity=elasticity,
                                   policies=[PayUplift(councils=["Bexley"], pct=pct, start="2024-10")] if pct else [])
                cm = m.run(months=12).results.council_months
                b = cm[(cm.council == "Bexley") & (cm.tick >= 1)]
                out += b.leavers_out_of_profession_fte.sum()
                fte += b.perm_fte.mean()
            rate[pct] = out / fte
        return rate[20] / rate[0] - 1

    with_, without = change(0.8), change(0.0)
    assert -0.25 < with_ < -0.07, with_
    assert abs(without) < abs(with_) / 3, (with_, without)


def test_a_council_that_pays_more_loses_fewer_staff_to_agency_work():
    """Agency work pays the market's rate, not a premium on the worker's own council's pay: Bexley +20%
    cuts its leavers into agency work (12 months, 20 paired seeds pooled: -10% measured, about
    b_pay x ln 1.2 = 0.19 off the agency option's utility against staying, less the agency share of
    choices). Under the old rule (agency pay = premium x own pay: the rise lifts staying and agency
    work alike) the same rise leaves agency exits where they were or raises them (+6% measured: other
    councils' posts lose their pull, so agency gains a share), so the two differ by at least 8 points."""
    def change(own_pay_rule: bool) -> float:
        total = {}
        for pct in (0, 20):
            total[pct] = 0.0
            for seed in range(20):
                m = WorkforceModel(region="bexley_cluster", seed=seed, months=12,
                                   policies=[PayUplift(councils=["Bexley"], pct=pct, start="2024-10")] if pct else [])
                if own_pay_rule:
                    m.agency_log_pay = lambda m=m: m.log_pay() + np.log(m.p.agency_pay_premium)
                cm = m.run(months=12).results.council_months
                total[pct] += cm[(cm.council == "Bexley") & (cm.tick >= 1)].leavers_agency_fte.sum()
        return total[20] / total[0] - 1

    market, own = change(False), change(True)
    assert market < -0.04, market
    assert own - market > 0.08, (market, own)


def test_hiring_follows_leavers_even_with_few_vacancies():
    """Councils with vacancy rates under 8% at the 2023 census hired about 16% of their staff a year;
    the model keeps their hiring at least half of that. And hires follow leavers: when Leeds's staff
    start leaving at twice their rate, its outside hires over the year rise by at least half the extra
    leavers; without the replacement term (hire_per_leaver = 0) by at least 0.2 less (vacancies alone
    draw fewer hires)."""
    seeds = load_seeds()
    c = seeds.census[(seeds.census.year == 2023) & (seeds.census.inpost_fte > 20)].set_index("code")
    low = c.index[c.vacancy_rate_fte < 8]
    census_rate = (c.starters_fte[low].sum() / c.inpost_fte[low].sum())
    cm = WorkforceModel(base_year=2023, seed=1, months=12).run(months=12).results.council_months
    cm = cm[cm.code.isin(low)]
    assert cm[cm.tick >= 1].starters_fte.sum() / cm[cm.tick == 0].perm_fte.sum() > 0.5 * census_rate

    def response(**params: float) -> float:
        extra = {}
        for double in (False, True):
            m = WorkforceModel(region="west_yorkshire", seed=1, months=12, **params)
            i = m.council_index("Leeds")
            if double:
                m.councils.leave_identity[i] *= 2
            t = m.run(months=12).results.council_months
            t = t[(t.council == "Leeds") & (t.tick >= 1)]
            outside = t.starters_new_qualifier_fte + t.starters_returner_overseas_fte
            extra[double] = (t.leavers_fte.sum(), outside.sum())
        return (extra[True][1] - extra[False][1]) / (extra[True][0] - extra[False][0])

    with_, without = response(), response(hire_per_leaver=0.0)
    assert with_ > 0.5 and with_ > without + 0.2, (with_, without)


def test_agency_cover_follows_the_workload_gap():
    """Remove a fifth of Leeds's permanent staff at the start: Leeds's agency cover rises by about the
    census share of a staffing gap covered by agency staff, less the share of the posts its funded
    posts follow down (the census estimates both; on their own the two shares give the net response of
    a simpler census regression, about 0.22); with agency_gap_cover_weight = 0 it does not."""
    def agency_after(weight: float) -> tuple[float, float]:
        m = WorkforceModel(region="west_yorkshire", seed=2, months=3, agency_gap_cover_weight=weight)
        i = m.council_index("Leeds")
        w = m.workers
        perm = w.with_status(PERM)
        gone = perm[w.employer[perm] == i][::5]
        lost = float(w.fte[gone].sum())
        w.release(gone)
        m.recount()
        m.run(months=3)
        return float(m.councils.agency_fte[i]), lost * (m.agency_theta[0] - m.agency_theta[2] * m.establishment_follows)

    with_, expected = agency_after(1.0)
    without, _ = agency_after(0.0)
    assert with_ - without > 0.5 * expected > 2, (with_, without, expected)


def test_an_inadequate_judgement_ends_and_moves_posts():
    """Judged Inadequate at the start: funded posts rise by the estimated 11% within three months (a
    third of it in the first month, all of it by month 12; sim.ofsted.JUDGEMENT_PHASE_IN_MONTHS), and the judgement does not last: by eight years most
    seeds have been re-inspected out of Inadequate (the judgements data: 13 of 14 re-inspected councils
    improved, median 44 months). With the chance of a better grade from Inadequate at zero, none leave it."""
    from sim import ofsted

    effect = ofsted.inspection_process().effects["establishment_to_inadequate"]

    def share_still_inadequate(stuck: bool) -> tuple[float, list[float]]:
        process = ofsted.inspection_process()
        saved = process.logit_better.copy()
        if stuck:
            process.logit_better[ofsted.INADEQUATE] = -np.inf
        try:
            still, carried = [], []
            for seed in range(8):
                m = WorkforceModel(region="bexley_cluster", seed=seed, months=96,
                                   policies=[OfstedJudgement(councils=["Bexley"], grade="Inadequate", start="2024-10")])
                i = m.council_index("Bexley")
                m.step()
                first = m.councils.judgement_posts_log[i]
                m.run(months=11)
                carried.append((first, m.councils.judgement_posts_log[i]))
                m.run(months=84)
                still.append(m.councils.grade[i] == ofsted.INADEQUATE)
            return float(np.mean(still)), carried
        finally:
            process.logit_better[:] = saved

    share, carried = share_still_inadequate(stuck=False)
    # "most": the process alone leaves 14% Inadequate after 96 months at zero workforce pressure and
    # 29% at a pressure of 0.5 (the tilt toward worse grades), so with 8 seeds under a half
    assert share < 0.5, share
    first, after_a_year = carried[0]
    assert first == pytest.approx(effect / ofsted.JUDGEMENT_PHASE_IN_MONTHS["posts"])
    assert after_a_year == pytest.approx(effect)
    stuck, _ = share_still_inadequate(stuck=True)
    assert stuck == 1.0


def test_councils_outside_the_region_take_movers_at_their_census_rate():
    """No council outside the Bexley cluster takes more movers than its census allowance (monthly
    rate, with up to three months banked); with the allowance lifted, the busiest takes more."""
    def taken(lift: bool) -> tuple[pd.Series, np.ndarray]:
        m = WorkforceModel(region="bexley_cluster", seed=3, months=24)
        c = m.councils
        if lift:
            c.boundary_rate[c.n_active:] = 1e6
        rate = c.boundary_rate.copy()
        m.run(months=24)
        f = m.results.flows
        outside = f[~f.destination.isin([a.name for a in m.council_agents[: c.n_active]])]
        return outside.groupby("destination").movers.sum(), rate

    capped, rate = taken(False)
    names = [a.name for a in WorkforceModel(region="bexley_cluster", months=1).council_agents]
    allowance = pd.Series(24 * rate + 1 + 3 * rate, index=names)
    assert (capped <= allowance.reindex(capped.index) + 1e-9).all()
    lifted, _ = taken(True)
    assert lifted.max() > capped.max()


def test_commutes_are_local_and_crossing_the_thames_costs():
    """Movers' new commutes (home point to the new employer's nearest office) average under 30 km in
    England; making the tidal crossing cost 200 km removes most moves between councils that meet only
    mid-river (Kent and Thurrock, Bexley and Havering, ...)."""
    def moves(tidal_km: float) -> tuple[float, int]:
        m = WorkforceModel(seed=4, months=12, tidal_crossing_km=tidal_km)
        seeds = load_seeds()
        tidal = seeds.edges[seeds.edges.edge_type == "tidal_water"]
        pairs = set(zip(tidal.code_a, tidal.code_b, strict=True)) | set(zip(tidal.code_b, tidal.code_a, strict=True))
        codes = [a.code for a in m.council_agents]
        commutes, crossings = [], 0
        w = m.workers
        for _ in range(12):
            perm = w.with_status(PERM)
            before = dict(zip(perm.tolist(), w.employer[perm].tolist(), strict=True))
            m.step()
            now = w.with_status(PERM)
            moved = [s for s in now.tolist() if s in before and w.employer[s] != before[s]]
            for s in moved:
                commutes.append(m.dist_zone[w.home_zone[s], w.employer[s]] - (tidal_km if (
                    codes[w.home[s]], codes[w.employer[s]]) in pairs else 0))
                crossings += (codes[before[s]], codes[w.employer[s]]) in pairs
        return float(np.mean(commutes)), crossings

    mean_km, crossings = moves(20.0)
    assert mean_km < 30, mean_km
    _, few = moves(200.0)
    assert crossings > 5 and few < crossings / 2, (crossings, few)  # "most": more than half gone


def test_dfe_rules_end_legacy_placements_of_the_inexperienced_on_time():
    """Legacy placements of workers below the experience rule continue until ``legacy_until``, then
    end (some convert to permanent posts where they were placed). To have many of them, the rule here
    asks for ten years' experience. Without a legacy deadline they are still there."""
    def placed_inexperienced(legacy: str | None) -> tuple[list[int], int]:
        m = WorkforceModel(region="london", seed=5, months=14,
                           policies=[DfeAgencyRules(start="2024-11", min_pq_months=120, legacy_until=legacy)])
        counts = []
        for _ in range(14):
            m.step()
            w = m.workers
            placed = w.with_status(AGENCY)
            counts.append(int((w.pq_months[placed] < 120).sum()))
        cm = m.results.council_months
        return counts, int(cm[cm.tick == 13].starters_agency.sum())

    (with_, converted), (without, _) = placed_inexperienced("2025-10"), placed_inexperienced(None)
    # index i is tick i + 1; tick 13 is 2025-10
    assert with_[11] > 20 and with_[12] == 0 and with_[13] == 0, with_
    assert converted > 0
    assert without[13] > 20, without


@pytest.mark.parametrize("cap", [1.3])
def test_price_caps_apply_to_new_assignments_only(cap: float):
    """A price cap from a date lowers the cost of placements that start from then, not of those
    already running: spend falls gradually, not at once."""
    m = WorkforceModel(region="london", seed=6, months=18,
                       policies=[DfeAgencyRules(start="2024-10", min_pq_months=0, cooldown_months=0,
                                                legacy_until=None, price_cap=cap, price_cap_from="2025-04")])
    base = WorkforceModel(region="london", seed=6, months=18)
    a = m.run(months=18).results.region.set_index("tick").agency_spend_gbp
    b = base.run(months=18).results.region.set_index("tick").agency_spend_gbp
    ratio = a / b
    assert np.allclose(ratio.loc[:6], 1.0)  # before the cap's first month (tick 7 is 2025-04)
    assert ratio.loc[7] > ratio.loc[18] and ratio.loc[18] < 0.99 and ratio.loc[7] > cap / 1.4 + 0.02
