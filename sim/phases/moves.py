"""Phase 5: on-the-job search and moves between councils (the poaching flows) and into agency work.

Some permanent workers search this month (more when overloaded, paid below what councils in their
reach pay, or two years into the job). A searcher hears of posts at councils in reach that have
vacancies, and picks among staying, each post and (if eligible) agency work by the logit rule of
:mod:`sim.choice`. Councils take no more movers than they have vacancies.

Timing: vacancies and caseloads are those counted in the councils phase at the start of the month,
so posts left by this month's exits open to movers next month (a one-month lag, as with advertising
and interviewing; the calibration was fitted with this timing).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..choice import logit_choice, ration
from ..workers import PERM, POOL

if TYPE_CHECKING:
    from ..model import WorkforceModel


def search_probability(m: WorkforceModel, employer: np.ndarray, home: np.ndarray,
                       pq: np.ndarray) -> np.ndarray:
    p, c = m.p, m.councils
    overload = np.maximum(0.0, c.caseload - p.caseload_tolerable)
    # rate * exp(overload term + pay-gap term), worked in place on one array per term
    gap = np.take(m.best_log_pay_in_reach(), home)
    gap -= np.take(m.log_pay(), employer)
    np.maximum(gap, 0.0, out=gap)
    gap *= p.search_pay_gap_weight
    rate = np.take(p.search_overload_per_case * overload, employer)
    rate += gap
    np.exp(rate, out=rate)
    rate *= p.search_rate_per_month
    np.multiply(rate, p.search_early_career_multiplier, out=rate, where=(pq >= 18) & (pq < 36))
    return np.minimum(rate, 1.0, out=rate)


def option_utilities(m: WorkforceModel, slots: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Utilities and availability of [stay, each council in reach, agency] for searchers ``slots``.

    Returns:
        (utility, available, destinations): ``destinations[i, k]`` is the council of option k
        (column 0 the current employer, the last column -1 for agency).
    """
    p, c, w, s, t = m.p, m.councils, m.workers, m.streams, m.tick
    employer = w.employer[slots].astype(np.intp)
    home = w.home[slots].astype(np.intp)
    b = p.b_pay * w.taste_pay[slots].astype(float)
    reach = m.reach[home]  # (n, D), -1 padded
    width = reach.shape[1]
    opt = np.where(reach >= 0, reach, 0)

    council_term = (-p.b_caseload_per_case * (c.current_caseload() - m.reference_caseload)
                    + p.b_ofsted * c.reputation)
    offer_log_pay = m.log_pay(with_golden_hello=True)
    heard = s.uniform("offer", t, slots[:, None], np.arange(width)[None, :]) < m.offer_probability()[opt]
    open_post = (reach >= 0) & (opt != employer[:, None]) & heard & m.has_vacancy()[opt]
    for rule in m.move_rules:  # e.g. a no-poaching agreement between signatory councils
        open_post &= rule(m, slots, employer, opt)

    stay = (b * m.log_pay()[employer] + council_term[employer] - p.b_commute_per_km * m.dist_km[home, employer]
            + b * m.pending_payment_share(slots, employer))
    offers = (b[:, None] * offer_log_pay[opt] + council_term[opt]
              - p.b_commute_per_km * m.dist_km[home[:, None], opt] - p.switching_cost)
    agency = (b * (m.log_pay()[employer] + np.log(p.agency_pay_premium)) + p.agency_constant
              + p.b_ofsted * 0.5 - p.switching_cost)
    agency_ok = m.agency_work_open(slots)

    utility = np.column_stack([stay, offers, agency])
    available = np.column_stack([np.ones(len(slots), dtype=bool), open_post, agency_ok])
    destinations = np.column_stack([employer, np.where(open_post, opt, -1), np.full(len(slots), -1)])
    return utility, available, destinations


def moves_phase(m: WorkforceModel) -> None:
    """Search, choose, ration by vacancies, and move."""
    w, c, s, t, rec = m.workers, m.councils, m.streams, m.tick, m.recorder
    perm = w.with_status(PERM)
    employer = w.employer[perm].astype(np.intp)
    searching = s.uniform("search", t, perm) < search_probability(
        m, employer, w.home[perm].astype(np.intp), w.pq_months[perm])
    slots = perm[searching]
    if slots.size == 0:
        return
    utility, available, dest_table = option_utilities(m, slots)
    pick = logit_choice(utility, available, s.uniform("choice", t, slots))
    origin = w.employer[slots].astype(np.intp)
    fte = w.fte[slots].astype(float)
    agency_col = utility.shape[1] - 1

    # Movers to another council, rationed by the destination's vacancies.
    to_council = (pick > 0) & (pick < agency_col)
    dest = dest_table[np.arange(slots.size), pick]
    capacity = np.where(c.active, np.floor(c.vacancy_fte + 0.5), np.iinfo(np.int32).max).astype(np.int64)
    idx = np.flatnonzero(to_council)
    ok = ration(dest[idx], s.uniform("priority", t, slots[idx]), capacity)
    idx = idx[ok]
    inside = c.active[dest[idx]]
    mv, o, d, f = slots[idx], origin[idx], dest[idx], fte[idx]
    rec.moves(o, d, f)
    rec.count("leavers_council", o[inside], f[inside])
    rec.count("leavers_outside_region", o[~inside], f[~inside])
    rec.count("starters_council", d[inside], f[inside])
    rec.pay("golden_hello_gbp", d[inside], c.golden_hello_gbp[d[inside]])
    m.on_permanent_exit(mv)
    w.employer[mv[inside]] = d[inside]
    w.tenure[mv[inside]] = 0
    w.hired_tick[mv[inside]] = t
    w.left_perm_tick[mv] = t
    w.release(mv[~inside])

    # Into agency work: the worker joins the agency pool.
    ag = np.flatnonzero(pick == agency_col)
    if ag.size:
        who = slots[ag]
        rec.count("leavers_agency", origin[ag], fte[ag])
        m.on_permanent_exit(who)
        w.status[who] = POOL
        w.employer[who] = -1
        w.left_perm_tick[who] = t
        w.tenure[who] = 0
