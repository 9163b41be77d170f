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

from .. import kernels
from ..choice import logit_choice, ration
from ..workers import POOL

if TYPE_CHECKING:
    from ..model import WorkforceModel


def search_rate_table(m: WorkforceModel) -> np.ndarray:
    """Monthly probability of searching, before the early-career multiplier and the cap at 1, per
    (home council, employer): the base rate, raised by the employer's caseload overload and by the
    gap between the best pay in reach of home and the employer's pay."""
    p, c = m.p, m.councils
    overload = np.maximum(0.0, c.caseload - p.caseload_tolerable)
    rate = kernels.pay_gap_term(m.best_log_pay_in_reach(), m.log_pay(), p.search_pay_gap_weight,
                                p.search_overload_per_case * overload)
    np.exp(rate, out=rate)
    rate *= p.search_rate_per_month
    return rate


def option_utilities(m: WorkforceModel, slots: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Utilities and availability of [stay, each council in reach, agency] for searchers ``slots``
    (see :func:`sim.kernels.option_table`), after the policies' move rules.

    Returns:
        (utility, available, option): ``option[i, k]`` is the council of column k + 1 (a council in
        reach of the searcher's home).
    """
    p, c, w = m.p, m.councils, m.workers
    council_term = (-p.b_caseload_per_case * (c.current_caseload() - m.reference_caseload)
                    + p.b_ofsted * c.reputation)
    employer = w.employer[slots].astype(np.intp)
    utility, available, option = kernels.option_table(
        slots, w.employer, w.home, w.taste_pay, m.reach, m.log_pay(), m.log_pay(with_golden_hello=True),
        council_term, m.dist_km, m.offer_probability(), m.has_vacancy(), m.pending_payment_share(slots, employer),
        m.agency_work_open(slots), p.b_pay, p.b_commute_per_km, p.switching_cost, float(np.log(p.agency_pay_premium)),
        p.agency_constant, p.b_ofsted * 0.5, m.tick, m.streams.key("offer"))
    open_post = available[:, 1:-1]  # a view: the rules below close posts in place
    for rule in m.move_rules:  # e.g. a no-poaching agreement between signatory councils
        open_post &= rule(m, slots, employer, option)
    return utility, available, option


def moves_phase(m: WorkforceModel) -> None:
    """Search, choose, ration by vacancies, and move."""
    w, c, s, t, rec = m.workers, m.councils, m.streams, m.tick, m.recorder
    slots = kernels.search_pick(*w.live("status", "employer", "home", "pq_months"), search_rate_table(m),
                                m.p.search_early_career_multiplier, t, s.key("search"))
    if slots.size == 0:
        return
    utility, available, option = option_utilities(m, slots)
    pick = logit_choice(utility, available, s.uniform("choice", t, slots))
    origin = w.employer[slots].astype(np.intp)
    fte = w.fte[slots].astype(float)
    agency_col = utility.shape[1] - 1

    # Movers to another council, rationed by the destination's vacancies.
    to_council = (pick > 0) & (pick < agency_col)
    idx = np.flatnonzero(to_council)
    dest = option[idx, pick[idx] - 1]  # the council each of them picked
    capacity = np.where(c.active, np.floor(c.vacancy_fte + 0.5), np.iinfo(np.int32).max).astype(np.int64)
    ok = ration(dest, s.uniform("priority", t, slots[idx]), capacity)
    idx, d = idx[ok], dest[ok]
    inside = c.active[d]
    mv, o, f = slots[idx], origin[idx], fte[idx]
    rec.moves(o, d, f)
    rec.count("leavers_council", o[inside], f[inside])
    rec.count("leavers_outside_region", o[~inside], f[~inside])
    rec.count("starters_council", d[inside], f[inside])
    rec.pay("golden_hello_gbp", d[inside], c.golden_hello_gbp[d[inside]])
    m.on_permanent_exit(mv)
    w.edit(mv[inside], employer=d[inside], tenure=0, hired_tick=t)
    w.left_perm_tick[mv] = t
    w.release(mv[~inside])

    # Into agency work: the worker joins the agency pool.
    ag = np.flatnonzero(pick == agency_col)
    if ag.size:
        who = slots[ag]
        rec.count("leavers_agency", origin[ag], fte[ag])
        m.on_permanent_exit(who)
        w.edit(who, status=POOL, employer=-1, left_perm_tick=t, tenure=0)
