"""Phase 4: exits from the profession (and retirement)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..workers import PERM

if TYPE_CHECKING:
    from ..model import WorkforceModel

NQ_MONTHS, LATE_MONTHS = 24, 300  # career stages: newly qualified (<2 years), mid, late (25+ years)


def exit_hazard(m: WorkforceModel, employer: np.ndarray, pq_months: np.ndarray) -> np.ndarray:
    """Monthly probability of leaving the profession, by career stage and the employer's state."""
    p, c = m.p, m.councils
    overload = np.maximum(0.0, c.caseload - p.caseload_tolerable)
    council = np.exp(p.exit_overload_per_case * overload)
    council = np.where(c.grade == 3, council * p.exit_inadequate_multiplier, council)
    # The hazard of every (career stage, council) pair, then one lookup per worker.
    base = np.array([p.exit_nq_per_month, p.exit_mid_per_month, p.exit_late_per_month])
    table = np.minimum(1.0, base[:, None] * council[None, :])
    stage = (pq_months >= NQ_MONTHS).astype(np.intp)
    stage += pq_months >= LATE_MONTHS
    stage *= c.n
    stage += employer
    return np.take(table, stage)


def exits_phase(m: WorkforceModel) -> None:
    """Permanent workers leave the profession at their hazard, or retire at the end of a career."""
    w = m.workers
    perm = w.with_status(PERM)
    employer = w.employer[perm].astype(np.intp)
    pq = w.pq_months[perm]
    u = m.streams.uniform("exit", m.tick, perm)
    leaving = (u < exit_hazard(m, employer, pq)) | (pq >= m.p.career_months)
    gone = perm[leaving]
    m.recorder.count("leavers_out_of_profession", employer[leaving], w.fte[gone].astype(float))
    m.on_permanent_exit(gone)
    w.release(gone)
