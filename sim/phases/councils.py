"""Phase 2 (councils: demand, caseloads, inspections, reputation, pay rules) and phase 3
(retention payments and market supplements)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..build import fade_identity
from ..data import GRADE_REPUTATION
from ..ofsted import apply_judgement, next_grades, phase_in_judgements
from ..workers import PERM

if TYPE_CHECKING:
    from ..model import WorkforceModel


def workforce_pressure(m: WorkforceModel, index: np.ndarray | None = None) -> np.ndarray:
    """A standardised index of strain per simulated council: caseload, agency rate and turnover
    above typical census levels (0 = a typical council, +1 = about one spread worse). ``index``:
    only these councils (a month's inspections, a handful: computed one by one with Python floats,
    the same IEEE operations in the same order as on the arrays)."""
    c, a = m.councils, m.councils.n_active
    if index is None:
        agency_rate = c.agency_fte[:a] / np.maximum(c.agency_fte[:a] + c.perm_fte[:a], 1e-9)
        return ((c.caseload[:a] - 16.5) / 3.0 + (agency_rate - 0.16) / 0.10
                + (m.turnover_estimate() - 0.15) / 0.08) / 3.0
    index = np.asarray(index, dtype=np.intp)
    leavers_12, prior = m.recorder.leavers_last_12()[index].tolist(), m.turnover_prior[index].tolist()
    months = min(12, m.recorder.rows - 1)
    out = []
    for i, leavers, before in zip(index.tolist(), leavers_12, prior, strict=True):
        perm, agency, caseload = float(c.perm_fte[i]), float(c.agency_fte[i]), float(c.caseload[i])
        leavers = leavers + before * perm * (12 - months) / 12  # as WorkforceModel.turnover_estimate
        turnover = leavers / (perm if perm >= 1e-9 or perm != perm else 1e-9) if perm > 0 else before
        total = agency + perm
        agency_rate = agency / (total if total >= 1e-9 or total != total else 1e-9)
        out.append(((caseload - 16.5) / 3.0 + (agency_rate - 0.16) / 0.10 + (turnover - 0.15) / 0.08) / 3.0)
    return np.array(out, dtype=float)


def update_establishment(m: WorkforceModel) -> None:
    """Funded posts grow with England's census trend to the base year; follow a share of the change in
    the council's own staffing beyond that trend (the part that followed staffing fades back to the
    trend with ``establishment_follow_halflife_months``); and lose a share of the vacancies beyond
    England's vacancy rate of the base year (posts a council cannot fill are deleted; below that rate,
    posts are added). Both shares from census pairs: :func:`sim.identity.establishment_response`.
    Posts an Inadequate judgement added (``judgement_posts_log``) are not cut for standing empty: the
    census event study finds them still there, with the vacancies, in the years after (sim.ofsted).
    In the first year, posts move along the council's expected path instead (toward its forecast
    vacancy rate with its expected staff) and follow the departures of its staff from their path."""
    c, p, a = m.councils, m.p, m.councils.n_active
    follow = c.establishment_follow_fte[:a]
    if m.tick <= 12:  # the first year: along the council's expected path (sim.build.build_identity)
        path = c.establishment_fte[:a] - follow + c.establishment_year1_change[:a] / 12
        beyond = c.perm_fte[:a] - c.perm_fte_before[:a] - c.perm_fte_year1_change[:a] / 12
    else:
        growth = np.exp(p.establishment_trend_weight * m.establishment_growth / 12)
        own_posts = c.establishment_fte[:a] * np.exp(-c.judgement_posts_log[:a])  # without a judgement's posts
        excess = (1 - m.vacancy_norm) * own_posts - c.perm_fte[:a]
        path = (c.establishment_fte[:a] - follow - m.establishment_cut * excess) * growth
        beyond = c.perm_fte[:a] - c.perm_fte_before[:a] * growth
    follow[:] = follow * 0.5 ** (1 / p.establishment_follow_halflife_months) + m.establishment_follows * beyond
    c.establishment_fte[:a] = np.maximum(0.0, path + follow)
    c.perm_fte_before[:a] = c.perm_fte[:a]


def councils_phase(m: WorkforceModel) -> None:
    """Demand trend, stocks and caseloads, stochastic inspections, reputation, council pay rules."""
    c, p, a = m.councils, m.p, m.councils.n_active
    if p.demand_trend_pct_per_year:
        c.cases[:a] *= (1 + p.demand_trend_pct_per_year / 100) ** (1 / 12)
    if m.tick <= 12:  # open cases drift toward the council's own forecast caseload over the first year
        c.cases[:a] *= np.exp(c.demand_drift[:a] / 12)
    update_establishment(m)
    fade_identity(m)
    m.recount()

    # Inspections on the schedule the judgements data show; the new grade from the observed transitions.
    # During the 2020-21 pause nobody is inspected and the clock since the last judgement stops.
    process = m.inspections
    if m.tick in m.inspection_pause_ticks:
        c.grade_tick[:a] += 1
        inspected = np.zeros(0, dtype=np.intp)
    else:
        u = m.streams.uniform("inspection", m.tick, np.arange(a))
        inspected = np.flatnonzero((u < process.inspection_probability(c.grade[:a], m.tick - c.grade_tick[:a]))
                                   & ~m.inspection_hold[:a])
    if inspected.size:
        v = m.streams.uniform("inspection_outcome", m.tick, inspected)
        grade = next_grades(process, c.grade[inspected], workforce_pressure(m, inspected),
                            p.inspection_pressure_weight, v)
        apply_judgement(m, inspected, grade)
    phase_in_judgements(m)

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
