"""Theory checks of MODEL.md section 9: multinomial logit shares, and the Burdett-Mortensen job ladder."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sim.choice import logit_choice, logit_probabilities, ration
from sim.model import WorkforceModel
from sim.phases import exits_phase, moves_phase
from sim.phases.moves import option_utilities
from sim.rng import Streams
from sim.workers import PERM, POOL


def chi_square_p(observed: np.ndarray, expected: np.ndarray, min_expected: float = 5.0) -> float:
    """Chi-square goodness of fit, pooling the cells with small expectations into one."""
    small = expected < min_expected
    obs = np.r_[observed[~small], observed[small].sum()] if small.any() else observed
    exp = np.r_[expected[~small], expected[small].sum()] if small.any() else expected
    keep = exp > 0
    return float(stats.chisquare(obs[keep], exp[keep] * obs[keep].sum() / exp[keep].sum()).pvalue)


def test_logit_kernel_matches_probabilities():
    """200,000 choosers among 5 options with 2 unavailable to some: shares match the logit formula."""
    rng = np.random.default_rng(0)
    n, k = 200_000, 5
    utility = np.tile([0.0, 1.0, -0.5, 2.0, 0.3], (n, 1))
    available = np.ones((n, k), dtype=bool)
    available[: n // 2, 3] = False
    u = Streams(1).uniform("test", 0, np.arange(n))
    pick = logit_choice(utility, available, u)
    for rows in (slice(0, n // 2), slice(n // 2, n)):
        observed = np.bincount(pick[rows], minlength=k)
        expected = logit_probabilities(utility[rows], available[rows]).sum(axis=0)
        assert observed[~available[rows][0]].sum() == 0
        assert chi_square_p(observed, expected) > 0.001
    # the test can fail: choosing the best option always is not logit
    best = np.argmax(np.where(available, utility, -np.inf), axis=1)
    assert chi_square_p(np.bincount(best[n // 2:], minlength=k),
                        logit_probabilities(utility[n // 2:], available[n // 2:]).sum(axis=0)) < 1e-6
    del rng


def test_engine_search_shares_match_logit_when_vacancies_are_unlimited():
    """In the engine's own moves phase, with every worker searching and hearing of every post and no
    vacancy limit, the counts choosing to stay / each council / agency match the logit expectation."""
    m = WorkforceModel(region="bexley_cluster", seed=8, search_rate_per_month=1.0, offer_per_vacancy_rate=100,
                       agency_constant=2.0, council_identity=0)  # everyone searches
    c = m.councils
    c.establishment_fte[: c.n_active] *= 50  # unlimited vacancies
    c.boundary_rate[c.n_active:] = 1e9  # and no limit on the councils outside the region
    m.tick = 1
    m.recount()
    perm = m.workers.with_status(PERM)
    utility, available, option = option_utilities(m, perm)
    dest = np.column_stack([np.full(perm.size, -1), np.where(available[:, 1:-1], option, -1), np.full(perm.size, -1)])
    probs = logit_probabilities(utility, available)
    n_all = c.n
    # expected count per destination council (index n_all = agency, origin = stay)
    expected = np.zeros(n_all + 1)
    np.add.at(expected, np.where(dest >= 0, dest, n_all)[:, 1:-1].ravel(), probs[:, 1:-1].ravel())
    expected[n_all] = probs[:, -1].sum()
    stay_expected = probs[:, 0].sum()
    moves_phase(m)
    od = m.recorder._od_table(n_all)
    observed = np.bincount(od[:, 1].astype(int), weights=od[:, 2], minlength=n_all + 1)
    observed[n_all] = np.count_nonzero(m.workers.status == POOL) - m.recorder.pool_count[0]
    stay_observed = perm.size - observed.sum()
    obs = np.r_[observed, stay_observed]
    exp = np.r_[expected, stay_expected]
    assert exp.sum() == pytest.approx(perm.size)
    assert chi_square_p(obs, exp) > 0.001


def test_ration_never_exceeds_capacity_and_prefers_priority():
    dest = np.array([0, 0, 0, 1, 1, 2])
    prio = np.array([0.9, 0.1, 0.5, 0.3, 0.2, 0.7])
    ok = ration(dest, prio, np.array([2, 0, 5]))
    assert ok.tolist() == [False, True, True, False, False, True]


def burdett_mortensen_share(f: np.ndarray, k: float) -> np.ndarray:
    """G(w_j) = F / (1 + k (1 - F)) at each offer level, F the cumulative offer distribution."""
    big_f = np.cumsum(f)
    return big_f / (1 + k * (1 - big_f))


def test_job_ladder_matches_burdett_mortensen():
    """Degenerate market: complete graph, utility = pay only, offers at rate lambda1 from councils drawn
    from F, exits at rate delta replaced by entrants who take their first offer. The steady-state
    share of workers at or below each pay level must match G(w) = F(w) / (1 + k (1 - F(w))).

    The engine runs its own exits and moves phases; the test only replaces recruitment (entrants from
    F) and switches off councils' other behaviour. Discrete months with independent offers make the
    chance of a better offer 1 - prod(1 - lambda1 f_j) instead of lambda1 (1 - F): a relative bias of
    order lambda1 / 2 = 2.5%, and the sampling error of G with ~6,000 workers averaged over 150 months
    is under 0.005; tolerance 0.02 covers both (a rule that ignored pay misses by more than 0.1)."""
    lam, delta = 0.05, 0.02
    m = WorkforceModel(region="london", seed=21, search_rate_per_month=1.0, switching_cost=0, b_caseload_per_case=0,
                       b_ofsted=0, b_commute_per_km=0, agency_constant=-20, agency_pay_premium=1.0,
                       exit_nq_per_month=delta,
                       exit_mid_per_month=delta, exit_late_per_month=delta, career_months=720,
                       caseload_tolerable=100, exit_inadequate_multiplier=1, exit_pay_elasticity=0,
                       council_identity=0)  # the same exit rate delta everywhere, whatever a council pays
    c, w = m.councils, m.workers
    a = c.n_active
    n_levels = a
    c.pay_gbp[:a] = 30_000 * 1.03 ** np.arange(a)  # council j pays the j-th level
    c.pay_gbp[a:] = 1.0  # boundary councils: never chosen
    m._cache.clear()
    c.base_log_pay[:] = m.log_pay()  # this pay structure is the market's: agency work pays what a post does
    c.establishment_fte[:a] *= 100
    m.reach = np.tile(np.arange(c.n), (c.n, 1))  # complete graph
    m.reach_zone = np.repeat(m.reach, m.zones_per_council, axis=0)  # (searchers look up reach by home zone)
    f = np.full(n_levels, 1 / n_levels)
    offer = np.r_[lam * f, np.zeros(c.n - a)]
    m.offer_probability = lambda: offer
    w.taste_pay[w.status == PERM] = 100  # b_pay 4 x 100: the better offer is always taken
    w.edit(np.flatnonzero(w.status != PERM), status=0)
    streams = Streams(99)
    shares = []
    for t in range(1, 451):
        m.tick = t
        m._cache.clear()
        m.recount()
        before = np.count_nonzero(w.status == PERM)
        exits_phase(m)
        gone = before - np.count_nonzero(w.status == PERM)
        moves_phase(m)
        # entrants take their first offer: a council drawn from F
        where = np.minimum((streams.uniform("entry", t, np.arange(gone)) * n_levels).astype(int), n_levels - 1)
        slots = m.new_workers(where, status=PERM, new_qualifier=True)
        w.taste_pay[slots] = 100
        m.recorder._reset_month()
        if t > 300:
            e = w.employer[w.status == PERM]
            shares.append(np.cumsum(np.bincount(e, minlength=c.n)[:a]) / e.size)
    g_sim = np.mean(shares, axis=0)
    g_theory = burdett_mortensen_share(f, lam / delta)
    print("max |G_sim - G_BM| =", np.abs(g_sim - g_theory).max(), "vs F:", np.abs(g_sim - np.cumsum(f)).max())
    assert np.abs(g_sim - g_theory).max() < 0.02
    assert np.abs(g_sim - np.cumsum(f)).max() > 0.1  # and it is not simply the offer distribution
