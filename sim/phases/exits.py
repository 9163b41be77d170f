"""Phase 4: exits from the profession (and retirement)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import kernels

if TYPE_CHECKING:
    from ..model import WorkforceModel


def hazard_table(m: WorkforceModel) -> np.ndarray:
    """Monthly probability of leaving the profession, per (career stage, employer): stages are
    newly qualified (under 2 years), mid-career and late (25 years or more; see sim.kernels).

    The stage hazard is multiplied by the council's identity (its own propensity to lose staff, from
    its census history: :func:`sim.build.build_identity`), by caseload above the tolerable level, by
    an Inadequate grade, and by pay relative to the council's pay at the census, with elasticity
    ``exit_pay_elasticity``: a council that pays 10% more than at the census loses about
    ``exit_pay_elasticity`` x 10% fewer people out of the profession (the outside option, what a
    social worker earns elsewhere, is taken as unchanged by one council's policy)."""
    p, c = m.p, m.councils
    # c.leave_identity x exp(exit_overload_per_case x max(0, caseload - caseload_tolerable)
    #                        - exit_pay_elasticity x (log pay - census log pay)), x the Inadequate multiplier
    factor = np.exp(kernels.overload_exponent(c.caseload, p.caseload_tolerable, p.exit_overload_per_case, m.log_pay(),
                                              c.base_log_pay, p.exit_pay_elasticity))
    return kernels.hazard_rows(c.leave_identity, factor, c.grade, p.exit_inadequate_multiplier, p.exit_nq_per_month,
                               p.exit_mid_per_month, p.exit_late_per_month)


def exits_phase(m: WorkforceModel) -> None:
    """Permanent workers leave the profession at their hazard, or retire at the end of a career."""
    w = m.workers
    gone = kernels.exit_pick(*w.live("status", "employer", "pq_months"), hazard_table(m), m.tick, m.streams.key("exit"),
                             m.p.career_months)
    m.recorder.count("leavers_out_of_profession", w.employer[gone], w.fte[gone].astype(float))
    m.on_permanent_exit(gone)
    w.release(gone)
