"""Phase 6: external recruitment into vacant posts, by a matching function.

A council hires from outside the simulated market (newly qualified workers, returners, overseas
recruits) at a monthly rate

    hires = hire_identity x attractiveness change x judgement effect
            x (hire_per_leaver x leavers a month + hire_vacancy_fill_per_month x vacant FTE),

at most its vacant posts. Hires follow leavers as well as vacancies: posts are re-advertised as
people leave, and the census records about 15% of staff hired a year even at councils with few
vacancies at the census date. ``hire_identity`` is the council's own hiring propensity from its
census history (:func:`sim.build.build_identity`); the attractiveness change (reputation, pay
against the region's mean, golden hellos, each relative to the census state) is how a council that
pays or rates better draws more recruits; the judgement effect is the census event study's rise in
starters at councils judged Inadequate (:mod:`sim.ofsted`). Each vacant post is filled with the probability that
gives this rate (one random number per (council, vacant post) keeps common random numbers).
Newly qualified workers are a share of the hires, highest in September and October.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import kernels
from ..workers import PERM

if TYPE_CHECKING:
    from ..model import WorkforceModel

VACANCY_ID_SHIFT = 20  # id of vacant post k of council c: (c << 20) | k
# Share of September's newly qualified share in each calendar month (assumption: the cohort arrives
# in September and October; a few qualify at other times).
NQ_SEASON = {9: 1.0, 10: 0.5}
NQ_OTHER_MONTHS = 0.1
MAX_FILL = 0.95  # a vacant post is never certain to be filled within a month


def vacancy_ids(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For integer counts per council, the council of each post and its stable id."""
    return kernels.post_ids(counts, VACANCY_ID_SHIFT)


def attractiveness(m: WorkforceModel) -> np.ndarray:
    """A council's pull on outside recruits (reputation; pay against the region's mean at the census
    pay structure, with incentives and a golden hello valued as movers value them: half of it a year,
    over two years); recruitment uses its change from the census state."""
    p, c, a = m.p, m.councils, m.councils.n_active
    log_pay = m.log_pay(with_golden_hello=True)[:a]
    return np.exp(p.hire_reputation_weight * (c.reputation[:a] - 0.5)
                  + p.hire_pay_weight * (log_pay - m.census_mean_log_pay))  # c.base_log_pay[:a].mean()


def monthly_hires(m: WorkforceModel) -> np.ndarray:
    """Expected outside hires (FTE) this month per simulated council, before the cap at its vacancies."""
    p, c, a = m.p, m.councils, m.councils.n_active
    leavers_a_month = m.turnover_estimate() * c.perm_fte[:a] / 12
    pull = attractiveness(m) * np.exp(c.judgement_hires_log[:a]) / np.maximum(c.base_attractiveness[:a], 1e-12)
    return c.hire_identity[:a] * pull * (p.hire_per_leaver * leavers_a_month
                                         + p.hire_vacancy_fill_per_month * c.vacancy_fte[:a])


def recruitment_phase(m: WorkforceModel) -> None:
    p, c, rec, t = m.p, m.councils, m.recorder, m.tick
    m.recount()
    a = c.n_active
    posts = np.floor(c.vacancy_fte[:a] + 0.5).astype(np.int64)
    if not (posts > 0).any():
        return
    # monthly_hires(m) / m.fte_ratio[:a] people (the hires are in FTE; each new worker brings the
    # council's FTE ratio) over the posts, plus policies' extra hiring: sim.kernels.fill_probability
    pull = np.exp(kernels.attraction_exponent(c.reputation[:a], m.log_pay(with_golden_hello=True)[:a],
                                              p.hire_reputation_weight, p.hire_pay_weight,
                                              m.census_mean_log_pay))  # attractiveness(m)
    pull *= np.exp(c.judgement_hires_log[:a])  # an Inadequate judgement's recruitment drive (sim.ofsted)
    p_fill = kernels.fill_probability(pull, c.base_attractiveness[:a], c.hire_identity[:a], rec.leavers_last_12(),
                                      m.turnover_prior[:a], c.perm_fte[:a], min(12, rec.rows - 1), c.vacancy_fte[:a],
                                      m.fte_ratio[:a], posts, m.extra_hire_rate[:a], p.hire_per_leaver,
                                      p.hire_vacancy_fill_per_month, MAX_FILL)
    nq_share = p.nq_share_of_hires_september * NQ_SEASON.get(m.calendar_month, NQ_OTHER_MONTHS)
    # each vacant post (stable id: vacancy_ids) is filled with probability p_fill, by a new qualifier
    # with probability p_fill x nq_share (one draw of stream "hire" per post)
    first, then = kernels.hire_draws(posts, p_fill, nq_share, VACANCY_ID_SHIFT, t, m.streams.key("hire"))
    # new qualifiers take the lowest free slots, then returners (one call creates both)
    if first.size + then.size == 0:
        return
    is_nq = np.arange(first.size + then.size) < first.size
    slots = m.new_workers(np.concatenate([first, then]), status=PERM, new_qualifier=is_nq)
    fte = m.workers.fte[slots].astype(float)
    for source, where, f in (("new_qualifier", first, fte[is_nq]), ("returner_overseas", then, fte[~is_nq])):
        if where.size:
            rec.count(f"starters_{source}", where, f)
            rec.pay("golden_hello_gbp", where, c.golden_hello_gbp[where])
