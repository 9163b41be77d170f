"""Phase 2 (councils: demand, caseloads, inspections, reputation, pay rules) and phase 3
(retention payments and market supplements)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy.special import expit

from ..data import GRADE_REPUTATION
from ..workers import PERM

if TYPE_CHECKING:
    from ..model import WorkforceModel

INADEQUATE = 3


def workforce_pressure(m: WorkforceModel) -> np.ndarray:
    """A standardised index of strain per simulated council: caseload, agency rate and turnover
    above typical census levels (0 = a typical council, +1 = about one spread worse)."""
    c, a = m.councils, m.councils.n_active
    agency_rate = c.agency_fte[:a] / np.maximum(c.agency_fte[:a] + c.perm_fte[:a], 1e-9)
    return ((c.caseload[:a] - 16.5) / 3.0 + (agency_rate - 0.16) / 0.10
            + (m.turnover_estimate() - 0.15) / 0.08) / 3.0


def councils_phase(m: WorkforceModel) -> None:
    """Demand trend, stocks and caseloads, stochastic inspections, reputation, council pay rules."""
    c, p, a = m.councils, m.p, m.councils.n_active
    if p.demand_trend_pct_per_year:
        c.cases[:a] *= (1 + p.demand_trend_pct_per_year / 100) ** (1 / 12)
    if m.tick <= 12:  # open cases drift toward the council's own forecast caseload over the first year
        c.cases[:a] *= np.exp(c.demand_drift[:a] / 12)
    # funded posts grow with England's census trend to the base year, and follow part of the change
    # in the council's own staffing beyond that trend (census: sim.identity.establishment_staffing_share)
    growth = np.exp(p.establishment_trend_weight * m.establishment_growth / 12)
    beyond = c.perm_fte[:a] - c.perm_fte_before[:a] * growth
    c.establishment_fte[:a] = np.maximum(0.0, c.establishment_fte[:a] * growth + m.establishment_follows * beyond)
    c.perm_fte_before[:a] = c.perm_fte[:a]
    m.recount()

    # Inspections: a council is inspected at random; more pressure, more likely a worse grade.
    u = m.streams.uniform("inspection", m.tick, np.arange(a))
    inspected = np.flatnonzero(u < p.inspection_rate_per_month)
    if inspected.size:
        z = p.inspection_pressure_weight * workforce_pressure(m)[inspected]
        p_worse = expit(p.inspection_change_logit + z)
        p_better = expit(p.inspection_change_logit - z)
        v = m.streams.uniform("inspection_outcome", m.tick, inspected)
        g = c.grade[inspected]
        g = np.where(v < p_worse, np.minimum(g + 1, INADEQUATE),
                     np.where(v < p_worse + p_better, np.maximum(g - 1, 0), g))
        c.grade[inspected] = g
        c.grade_tick[inspected] = m.tick

    # Reputation drifts toward the value of the current grade.
    step = 1 - 0.5 ** (1 / p.reputation_halflife_months)
    c.reputation[:a] += (GRADE_REPUTATION[c.grade[:a]] - c.reputation[:a]) * step

    for rule in m.council_rules:  # adaptive pay and other council behaviour added by policies
        rule(m)


def payments_phase(m: WorkforceModel) -> None:
    """Retention payments due this month, and market supplements (paid monthly)."""
    c, w, rec = m.councils, m.workers, m.recorder
    due = (c.retention_month == m.calendar_month) & (c.retention_gbp > 0)
    if not (due.any() or c.market_supplement_gbp.any()):
        return  # nothing to pay this month: no need to look at the workers
    perm = w.with_status(PERM)
    employer = w.employer[perm].astype(np.intp)
    fte = w.fte[perm].astype(float)
    supplement = c.market_supplement_gbp[employer]
    if supplement.any():
        rec.pay("supplement_gbp", employer, fte * supplement / 12)
    if due.any():
        eligible = due[employer] & (w.tenure[perm] >= c.retention_tenure_months[employer])
        rec.pay("retention_gbp", employer[eligible], c.retention_gbp[employer[eligible]])
        m.on_retention_paid(perm[eligible])
