"""Phase 7: agency cover.

Placements end after a few months (the worker converts to a permanent post there, leaves the
profession, or returns to the agency pool). Councils then seek agency cover for their workload gap
(:func:`agency_target`), up to their agency cap, from the pool of eligible agency workers, and from
outside the region when the pool runs short.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import kernels
from ..build import workload_need_fte
from ..workers import AGENCY, NEVER, POOL
from .recruitment import VACANCY_ID_SHIFT

if TYPE_CHECKING:
    from ..model import WorkforceModel


def _end_placements(m: WorkforceModel) -> None:
    """Placements end at random (on average after ``agency_placement_months``); the worker converts to
    a permanent post at the council if it has a vacancy for them (by the draw that chose conversion,
    lowest first), leaves the profession, or returns to the pool (:func:`sim.kernels.end_placements`)."""
    p, c, w, s, rec = m.p, m.councils, m.workers, m.streams, m.recorder
    m.recount()  # this month's vacancies (the placements ending are still counted as placed)
    ending = kernels.end_placements(
        w.columns(), NEVER, w.used, 1 / p.agency_placement_months, p.agency_convert_prob,
        p.agency_convert_prob + p.agency_exit_prob, np.floor(c.vacancy_fte + 0.5).astype(np.int64),
        c.golden_hello_gbp, m.tick, s.key("agency_end"), s.key("agency_end_kind"), rec.flow_row("agency_ended"),
        rec.flow_row("starters_agency"), rec.spend_row("golden_hello_gbp"))
    w.note(ending)


def _release_surplus(m: WorkforceModel, target: np.ndarray) -> None:
    """End the placements a council no longer wants (its vacancies fell or its cap was lowered)."""
    c, w = m.councils, m.workers
    surplus = np.floor(c.agency_fte[: c.n_active] - target).astype(np.int64)
    if (surplus < 1).all():
        return
    # only placements at councils with a surplus can end; each keeps the rest, by a draw
    keep = np.maximum(0, c.agency_count[: c.n_active] - np.maximum(surplus, 0)).astype(np.int64)
    out = kernels.release_surplus(w.columns(), NEVER, w.used, surplus >= 1, keep, m.tick,
                                  m.streams.key("agency_release"), m.recorder.flow_row("agency_ended"))
    w.note(out)


def agency_target(m: WorkforceModel) -> np.ndarray:
    """Agency FTE each simulated council seeks this month, before its caps.

    The workload gap is the work the council must staff less its permanent FTE in post; at the census
    the gap is exactly its agency FTE. A council covers shares of the change in the gap since the
    census that its forecast did not expect: the part opened by losing permanent staff, by more cases
    (the FTE needed to hold them at its census caseload, beyond the first year's drift of cases
    toward the forecast caseload) and by more funded posts (its own measure of the work, for the same cases;
    the posts a judgement adds are left out, as its effect on agency cover is estimated whole), all
    three estimated together on the census years up to the base year
    (:func:`sim.identity.agency_gap_cover_share`, times ``agency_gap_cover_weight``), and over the first
    year its cover drifts from its census level toward its own forecast agency rate (``agency_drift``:
    the council's persistent propensity to use agency staff)."""
    c, a = m.councils, m.councils.n_active
    staffing, cases, posts = (x * m.p.agency_gap_cover_weight for x in m.agency_theta)
    year = min(m.tick, 12) / 12
    # the need at the census (staff in post and agency FTE) on the path the first year's drift of open
    # cases toward the forecast caseload sets: that part of the change is in the forecast already
    expected_need = (c.workload_gap0_fte[:a] + c.perm_fte_census[:a]) * np.exp(c.demand_drift[:a] * year)
    need_change = workload_need_fte(m) - expected_need
    base = c.agency_base_fte[:a] * np.exp(c.agency_drift[:a] * year)
    return np.maximum(0.0, base + staffing * (c.perm_fte_census[:a] + c.perm_fte_year1_change[:a] * year
                                              - c.perm_fte[:a]) + cases * need_change
                      + posts * (c.establishment_fte[:a] - c.establishment_census_fte[:a]
                                 - c.establishment_year1_change[:a] * year))


def place_pool_workers(m: WorkforceModel, pool: np.ndarray, wanted: np.ndarray, rounds: int = 3
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Match agency workers between placements (``pool``, put in a stable random order) to the posts
    each council ``wanted``, within commuting reach: a worker takes a post at their home council or a
    neighbour (the reach table; an assumption, as for permanent moves). Each round, every unplaced
    worker applies to the council in reach with the most posts still open, and councils take
    applicants in priority order up to their open posts (:func:`sim.kernels.place_pool`). The placed
    take their posts, recorded as ``agency_placed`` (:func:`sim.kernels.pool_placements`; the caller
    notes them). Returns (placed slots, posts filled per council)."""
    w = m.workers
    return kernels.pool_placements(w.columns(), NEVER, pool, m.tick, m.streams.key("agency_pool_order"), m.reach,
                                   wanted[: m.councils.n_active], rounds, m.recorder.flow_row("agency_placed"))


def agency_phase(m: WorkforceModel) -> None:
    p, c, w, s, t, rec = m.p, m.councils, m.workers, m.streams, m.tick, m.recorder
    a = c.n_active
    _end_placements(m)
    m.recount()
    # cover sought: the workload gap (agency_target), within the council's caps (a share cap uses this
    # month's staff): sim.kernels.agency_cover
    staffing, cases, posts = (x * p.agency_gap_cover_weight for x in m.agency_theta)
    year = min(t, 12) / 12
    target = kernels.agency_cover(
        c.agency_base_fte[:a], np.exp(c.agency_drift[:a] * year), staffing, cases, posts, year, c.perm_fte_census[:a],
        c.perm_fte_year1_change[:a], c.perm_fte[:a], c.cases[:a], c.case_holder_share[:a], c.caseload_norm[:a],
        c.workload_gap0_fte[:a], np.exp(c.demand_drift[:a] * year), c.establishment_fte[:a],
        c.establishment_census_fte[:a], c.establishment_year1_change[:a], c.agency_cap_fte[:a], c.agency_cap_share[:a])
    _release_surplus(m, target)
    m.recount()

    # Posts to cover; pool workers, in a stable random order, take posts within reach of their homes.
    wanted = np.maximum(0, np.floor(target - c.agency_fte[:a] + 0.5)).astype(np.int64)
    if m.agency_rules:  # the policies' rules on who may take agency work
        pool = w.with_status(POOL)
        pool = pool[m.agency_work_open(pool, for_placement=True)]
    else:  # (sim.model.WorkforceModel.agency_work_open in one scan)
        pool = kernels.eligible_pool(w.status, w.pq_months, w.left_perm_tick, w.used, p.agency_min_pq_months,
                                     p.agency_cooldown_months, t)
    placed, filled = place_pool_workers(m, pool, wanted)
    w.note(placed)

    # Posts still uncovered (each with a stable id) may be filled by agency workers from outside the
    # region's workforce.
    outside = kernels.external_cover(wanted, filled, p.agency_external_fill_per_month, VACANCY_ID_SHIFT, t,
                                     s.key("agency_external"))
    if outside.size:
        new = m.new_workers(outside, status=AGENCY, new_qualifier=False, agency=True)
        rec.count("agency_placed", outside, w.fte[new].astype(float))

    # Agency workers between placements drift away.
    w.note(kernels.pool_exits(w.columns(), NEVER, w.used, p.agency_pool_exit_per_month, t, s.key("agency_pool_exit")))
