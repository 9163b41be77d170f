"""The reference model's worker: one Mesa ``CellAgent`` per social worker, with its rules written
per agent in plain Python (see :mod:`reference.model` for the month and the councils)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from mesa.discrete_space import CellAgent

if TYPE_CHECKING:
    from .model import ReferenceModel

PERM, AGENCY, POOL = "permanent", "agency", "pool"
NEVER = -(10**6)
NQ_MONTHS, LATE_MONTHS = 24, 300


class Worker(CellAgent):
    """A social worker. Their cell is the council that employs them (or hosts their agency
    placement); ``None`` while they are in the agency pool between placements.

    Attributes:
        status: ``PERM``, ``AGENCY`` or ``POOL``.
        home: index of the council they live in (their reach is it and its neighbours).
        home_zone: where in it (``home x K + point``: commuting distances are from there).
        pq_months, tenure: months since qualifying, months with the current employer.
        fte, taste_pay: contract FTE and personal weight on pay.
        left_perm_tick, hired_tick: month they last left a permanent post, month they were hired.
    """

    model: ReferenceModel

    def __init__(self, model: ReferenceModel, status: str, home: int, pq_months: int, tenure: int,
                 fte: float, taste_pay: float, hired_tick: int) -> None:
        super().__init__(model)
        self.status = status
        self.home = home
        self.pq_months = pq_months
        self.tenure = tenure
        self.fte = fte
        self.taste_pay = taste_pay
        self.left_perm_tick = NEVER
        self.hired_tick = hired_tick

    @property
    def employer(self) -> int:
        """Index of the council of the worker's cell (-1 in the pool)."""
        return -1 if self.cell is None else self.cell.coordinate

    def leave_market(self) -> None:
        """Leave the simulated market (the profession, the region or the agency pool)."""
        self.cell = None
        self.remove()

    # ---- phase 4: exits ----------------------------------------------------------------------
    def exit_hazard(self) -> float:
        """Monthly probability of leaving the profession."""
        m, p, e = self.model, self.model.p, self.employer
        if self.pq_months < NQ_MONTHS:
            base = p.exit_nq_per_month
        elif self.pq_months < LATE_MONTHS:
            base = p.exit_mid_per_month
        else:
            base = p.exit_late_per_month
        overload = max(0.0, m.c.caseload[e] - p.caseload_tolerable)
        factor = m.c.leave_identity[e] * math.exp(p.exit_overload_per_case * overload
                                                  - p.exit_pay_elasticity * (m.log_pay[e] - m.c.base_log_pay[e]))
        if m.c.grade[e] == 3:
            factor *= p.exit_inadequate_multiplier
        return min(1.0, base * factor)

    def exits(self) -> bool:
        """Does the worker leave the profession this month?"""
        return self.model.random.random() < self.exit_hazard() or self.pq_months >= self.model.p.career_months

    # ---- phase 5: search and choice ------------------------------------------------------------
    def search_probability(self) -> float:
        m, p, e = self.model, self.model.p, self.employer
        overload = max(0.0, m.c.caseload[e] - p.caseload_tolerable)
        rate = p.search_rate_per_month * m.c.leave_identity[e] * math.exp(p.search_overload_per_case * overload)
        if 18 <= self.pq_months < 36:
            rate *= p.search_early_career_multiplier
        return min(1.0, rate)

    def pending_payment_share(self) -> float:
        """Retention payment forfeited by leaving now, as a share of pay, weighted by how soon it is due."""
        m, c, e = self.model, self.model.c, self.employer
        if c.retention_gbp[e] <= 0 or c.retention_month[e] <= 0:
            return 0.0
        months_to = (c.retention_month[e] - m.calendar_month - 1) % 12 + 1
        if self.tenure + months_to < c.retention_tenure_months[e]:
            return 0.0
        weight = max(0.0, 1 - months_to / m.p.forfeit_horizon_months)
        return c.retention_gbp[e] * weight / c.pay_gbp[e]

    def choose(self) -> int | str | None:
        """Search and pick among staying, the posts heard of, and agency work by the logit rule
        (utility plus Gumbel noise, best option wins). Returns a council index, ``AGENCY``, or
        ``None`` to stay."""
        m, p, rnd = self.model, self.model.p, self.model.random
        e, home = self.employer, self.home
        b = p.b_pay * self.taste_pay
        best = (b * m.log_pay[e] + m.council_term[e] - p.b_commute_per_km * m.dist_zone[self.home_zone][e]
                + b * self.pending_payment_share() + _gumbel(rnd))
        pick: int | str | None = None
        for dest in m.reach[home]:
            heard = rnd.random() < m.offer_probability[dest]
            if dest == e or not heard or not m.has_vacancy[dest]:
                continue
            u = (b * m.log_pay_gh[dest] + m.council_term[dest] - p.b_commute_per_km * m.dist_zone[self.home_zone][dest]
                 - p.switching_cost + _gumbel(rnd))
            if u > best:
                best, pick = u, dest
        if self.pq_months >= p.agency_min_pq_months:
            u = (b * m.agency_log_pay[e] + p.agency_constant + p.b_ofsted * 0.5
                 - p.switching_cost + _gumbel(rnd))
            if u > best:
                pick = AGENCY
        return pick

    def may_take_placement(self) -> bool:
        p = self.model.p
        return (self.pq_months >= p.agency_min_pq_months
                and self.model.tick - self.left_perm_tick >= p.agency_cooldown_months)


class DoubleExitWorker(Worker):
    """A deliberately wrong worker: twice the exit hazard. Used to show the agreement test fails."""

    def exit_hazard(self) -> float:
        return min(1.0, 2 * super().exit_hazard())


def _gumbel(rnd) -> float:
    """A standard Gumbel draw by inversion."""
    u = min(max(rnd.random(), 1e-300), 1 - 2**-53)
    return -math.log(-math.log(u))
