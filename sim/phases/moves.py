"""Phase 5: on-the-job search and moves between councils (the poaching flows) and into agency work.

Some permanent workers search this month (at their council's own rate, more when overloaded or two
years into the job). A searcher hears of posts at councils in reach that have vacancies, and picks
among staying, each post and (if eligible) agency work by the logit rule of :mod:`sim.choice`.
Poaching is directed: a council that pays more, pays incentives or has a better grade wins more of
the searchers who hear of its posts, and its own staff accept fewer outside offers; it does not make
its neighbours' staff search more. Councils take no more movers than they have vacancies; a council
outside the region takes movers at its census rate (``boundary_mover_share_of_starters``).

Timing: vacancies and caseloads are those counted in the councils phase at the start of the month,
so posts left by this month's exits open to movers next month (a one-month lag, as with advertising
and interviewing; the calibration was fitted with this timing).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import kernels
from ..choice import logit_choice
from ..workers import NEVER

if TYPE_CHECKING:
    from ..model import WorkforceModel


def search_rate_table(m: WorkforceModel) -> np.ndarray:
    """Monthly probability of searching, before the early-career multiplier and the cap at 1, per
    (home council, employer): the base rate times the employer's identity (its census propensity to
    lose staff), raised by its caseload overload. The same for every home council: searching is the
    worker's decision about their own job, and what other councils pay acts through the choice.

    The table is one row broadcast (a read-only view, not n x n numbers): the row depends on the
    caseloads, which change at every recount, and on the leaving identity, which fades every month
    after the first year, so it is computed anew at each call."""
    p, c = m.p, m.councils
    # exp(search_overload_per_case x max(0, caseload - caseload_tolerable))
    factor = np.exp(kernels.overload_exponent(c.caseload, p.caseload_tolerable, p.search_overload_per_case))
    row = p.search_rate_per_month * c.leave_identity * factor
    table = np.ndarray((c.n, c.n), dtype=row.dtype, buffer=row, strides=(0, row.itemsize))  # np.broadcast_to
    table.flags.writeable = False
    return table


def option_utilities(m: WorkforceModel, slots: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Utilities and availability of [stay, each council in reach, agency] for searchers ``slots``
    (see :func:`sim.kernels.option_table`), after the policies' move rules.

    Returns:
        (utility, available, option): ``option[i, k]`` is the council of column k + 1 (a council in
        reach of the searcher's home).
    """
    p, w = m.p, m.workers
    council_term = m.council_term()  # caseload and reputation
    employer = w.employer[slots].astype(np.intp)
    utility, available, option = kernels.option_table(
        slots, w.employer, w.home_zone, w.taste_pay, m.reach_zone, m.log_pay(), m.log_pay(with_golden_hello=True),
        council_term, m.dist_zone, m.offer_probability(), m.has_vacancy(),
        m.pending_payment_share(slots, employer), m.agency_work_open(slots), p.b_pay, p.b_commute_per_km,
        p.switching_cost, m.agency_log_pay(), p.agency_constant, p.b_ofsted * 0.5, m.tick, m.streams.key("offer"))
    open_post = available[:, 1:-1]  # a view: the rules below close posts in place
    for rule in m.move_rules:  # e.g. a no-poaching agreement between signatory councils
        open_post &= rule(m, slots, employer, option)
    return utility, available, option


def moves_phase(m: WorkforceModel) -> None:
    """Search, choose, ration by vacancies, and move."""
    w, c, s, t, rec = m.workers, m.councils, m.streams, m.tick, m.recorder
    # a council outside the region can take its month's share of movers (unused places keep 3 months)
    out = ~c.active
    c.boundary_credit[out] = np.minimum(c.boundary_credit[out] + c.boundary_rate[out], 1 + 3 * c.boundary_rate[out])
    slots = kernels.search_pick(*w.live("status", "employer", "home", "pq_months"), search_rate_table(m),
                                m.p.search_early_career_multiplier, t, s.key("search"))
    if slots.size == 0:
        return
    utility, available, option = option_utilities(m, slots)
    pick = logit_choice(utility, available, s.uniform("choice", t, slots))

    # Movers to another council, rationed by the destination's vacancies (or a boundary council's
    # places); into agency work, the agency pool (sim.kernels.move_outcomes records the flows).
    capacity = np.floor(np.where(c.active, c.vacancy_fte + 0.5, c.boundary_credit)).astype(np.int64)
    mv, o, d, f, inside, who = kernels.move_outcomes(
        pick, slots, option, w.employer, w.fte, c.active, capacity, c.golden_hello_gbp, t, s.key("priority"),
        c.boundary_credit, rec.flow_row("leavers_council"), rec.flow_row("leavers_outside_region"),
        rec.flow_row("starters_council"), rec.spend_row("golden_hello_gbp"), rec.flow_row("leavers_agency"))
    rec.moves(o, d, f)
    m.on_permanent_exit(mv)
    kernels.settle_moves(w.columns(), NEVER, mv, d, inside, t)
    w.note(mv)
    if who.size:
        m.on_permanent_exit(who)
        kernels.to_pool(w.columns(), NEVER, who, left_tick=t)
        w.note(who)
