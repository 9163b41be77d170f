"""Phase 6: external recruitment into vacant posts.

Each vacant post of a council may be filled this month from outside the simulated market: by a
newly qualified worker (the cohort arrives in September, a little in October) or by a returner or
overseas recruit (all year). Reputation, pay above the region's mean and golden hellos raise a
council's chances. One random number per (council, vacant post) keeps common random numbers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import kernels
from ..workers import PERM

if TYPE_CHECKING:
    from ..model import WorkforceModel

VACANCY_ID_SHIFT = 20  # id of vacant post k of council c: (c << 20) | k


def vacancy_ids(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For integer counts per council, the council of each post and its stable id."""
    return kernels.post_ids(counts, VACANCY_ID_SHIFT)


def attractiveness(m: WorkforceModel) -> np.ndarray:
    """Multiplier on a council's chance of filling a post from outside."""
    p, c, a = m.p, m.councils, m.councils.n_active
    log_pay = m.log_pay()[:a]
    return np.exp(p.hire_reputation_weight * (c.reputation[:a] - 0.5)
                  + p.hire_pay_weight * (log_pay - log_pay.mean())
                  + p.hire_golden_hello_per_1000gbp * c.golden_hello_gbp[:a] / 1000)


def recruitment_phase(m: WorkforceModel) -> None:
    p, c, rec, t = m.p, m.councils, m.recorder, m.tick
    m.recount()
    a = c.n_active
    posts = np.floor(c.vacancy_fte[:a] + 0.5).astype(np.int64)
    council, ids = vacancy_ids(posts)
    if council.size == 0:
        return
    nq_rate = {9: 1.0, 10: 0.5}.get(m.calendar_month, 0.0) * p.nq_hire_per_vacancy_september
    attract = attractiveness(m)
    p_nq = np.minimum(0.9, nq_rate * attract)
    p_any = np.minimum(0.95, p_nq + p.returner_hire_per_vacancy_month * attract + m.extra_hire_rate[:a])
    u = m.streams.uniform("hire", t, ids)
    hired = u < p_any[council]
    nq = u < p_nq[council]
    for source, mask in (("new_qualifier", hired & nq), ("returner_overseas", hired & ~nq)):
        where = council[mask]
        if where.size == 0:
            continue
        slots = m.new_workers(where, status=PERM, new_qualifier=source == "new_qualifier")
        rec.count(f"starters_{source}", where, m.workers.fte[slots].astype(float))
        rec.pay("golden_hello_gbp", where, c.golden_hello_gbp[where])
