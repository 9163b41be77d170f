"""Ofsted inspections as a process, estimated from the judgements data.

``seeds/ofsted_process.csv`` and ``seeds/ofsted_event_study.csv`` are built from Ofsted's ILACS
judgements (2018 to September 2024) and the workforce census by ``seeds/build_ofsted_process.py``;
docs/ofsted_process.md gives the method and caveats. The model reads three things from them:

* **When** a council is next inspected: a Weibull hazard in the months since its last judgement,
  per grade, fitted with the clock stopped during the 2020-21 pause in inspections; the model stops
  the clock the same way (:data:`INSPECTION_PAUSE`: no inspections in those months, and a judgement
  before them is as old as the months outside them). Re-inspection follows a
  schedule: almost none within two years, medians of about 31 months after Inadequate, 37 after
  Requires improvement and 44-46 after Good or Outstanding.
* **What** grade it then gets: the rule fitted to the 89 re-inspections, a chance of a worse grade
  ``expit(a_worse[g] + w z)`` and of a better one ``expit(a_better[g] - w z)`` with intercepts per
  current grade ``g`` at workforce pressure ``z = 0`` and one weight ``w``
  (``inspection_pressure_weight``, 1.51, se 0.44: an association in the data, not a cause); which worse
  (or better) grade, in the shares the transition matrix at re-inspection shows (13 of the 14
  re-inspected Inadequate councils improved).
* **What a judgement does** to the workforce (stacked difference-in-differences on the census years
  around real judgements): entering Inadequate raises funded posts by about 11% (se 2%) and agency
  use (log +0.49, se 0.14; part of it a pre-trend); leaving Inadequate lowers funded posts by 6% (se
  1.5%) and agency use (log -0.26, se 0.11). Councils judged Inadequate also hire more: starters
  rise by 2.4 points of staff in post (se 1.2; log +0.12 on a mean of 18.1%), and by 1.1 points less
  once they leave Inadequate (se 1.5; log -0.06). No judgement moves turnover detectably (Inadequate:
  +0.7 points, se 1.3), so the model's Inadequate exit multiplier defaults to 1. Funded posts and agency
  cover move within three months: the census's first year after a judgement (event year 0, on average
  about six months after it) already shows their whole effect (posts +0.107 at year 0, +0.099 at year 1;
  agency +0.51, +0.51). Hiring builds up over a year (starters +0.8, +2.0, +5.6 points at years 0-2).
  experiments/validation/judgement_effects.py runs the event study in the model beside the census's.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from .data import GRADES, seeds_dir

INADEQUATE = GRADES.index("Inadequate")
# The 2020-21 pause: no inspection started between these dates (the longest gap between inspection
# start dates in the judgements data, 15.6 months; seeds/build_ofsted_process.py, docs/ofsted_process.md).
INSPECTION_PAUSE = (pd.Timestamp("2020-03-10"), pd.Timestamp("2021-06-28"))
MONTH_DAYS = 365.25 / 12


def paused(date: str) -> bool:
    """Whether the month ``date`` ("YYYY-MM") starts inside the inspection pause (April 2020 to June 2021)."""
    start = pd.Timestamp(f"{date}-01")
    return bool(INSPECTION_PAUSE[0] <= start < INSPECTION_PAUSE[1])


def pause_months(since: pd.Series, until: pd.Timestamp) -> np.ndarray:
    """Months of the inspection pause between each date of ``since`` and ``until`` (0 if none)."""
    lo = np.maximum(since.values.astype("datetime64[ns]"), np.datetime64(INSPECTION_PAUSE[0]))
    hi = np.minimum(np.datetime64(until), np.datetime64(INSPECTION_PAUSE[1]))
    return np.maximum((hi - lo) / np.timedelta64(1, "D"), 0.0) / MONTH_DAYS


@dataclass(frozen=True)
class InspectionProcess:
    """Estimated inspection timing, grade transitions and judgement effects (by grade index)."""

    shape: np.ndarray  # Weibull shape per grade
    scale_months: np.ndarray  # Weibull scale per grade
    transition: np.ndarray  # (4, 4) P(next grade | grade), rows sum to 1
    logit_worse: np.ndarray  # per grade: log-odds of a worse grade at z = 0 (-inf for Inadequate)
    logit_better: np.ndarray  # per grade: log-odds of a better grade at z = 0 (-inf for Outstanding)
    effects: dict[str, float]  # log-change of funded posts, agency and hires on entering / leaving Inadequate

    def inspection_probability(self, grade: np.ndarray, months_since: np.ndarray) -> np.ndarray:
        """Probability of a judgement this month given the months since the last one (discrete
        Weibull hazard: 1 - S(t + 1) / S(t))."""
        k, lam = self.shape[grade], self.scale_months[grade]
        t = np.maximum(months_since, 0).astype(float)
        return 1 - np.exp((t / lam) ** k - ((t + 1) / lam) ** k)


@lru_cache(maxsize=2)
def event_study(path: str | None = None) -> pd.DataFrame:
    """The event study's pooled effects over census years 0-3 after a judgement (main sample), indexed
    by (event, measure): estimate, se, ci_low, ci_high, n_events, treated_mean_at_minus1."""
    folder = seeds_dir() if path is None else __import__("pathlib").Path(path)
    e = pd.read_csv(folder / "ofsted_event_study.csv")
    e = e[(e["sample"] == "incl_first_ilacs") & (e.spec == "pooled") & (e.event_time == "0..3")]
    return e.set_index(["event", "measure"])


@lru_cache(maxsize=2)
def inspection_process(path: str | None = None) -> InspectionProcess:
    """Read the estimates (from the seeds folder unless ``path`` names another)."""
    folder = seeds_dir() if path is None else __import__("pathlib").Path(path)
    d = pd.read_csv(folder / "ofsted_process.csv")
    weibull = d[d.measure.eq("pause_excluded") & d.quantity.isin(["weibull_shape", "weibull_scale_months"])]
    w = weibull.pivot(index="grade", columns="quantity", values="value").loc[list(GRADES)]
    tr = d[d.quantity == "transition_prob"].pivot(index="grade", columns="to_grade", values="value")
    tr = tr.loc[list(GRADES), list(GRADES)].to_numpy(float)
    rule = d[d.measure.eq("model_z")]

    def intercepts(quantity: str, missing: str) -> np.ndarray:
        v = rule[rule.quantity == quantity].set_index("grade").value
        return np.array([-np.inf if g == missing else float(v[g]) for g in GRADES])

    logit_worse, logit_better = (intercepts("grade_rule_logit_worse", GRADES[-1]),
                                 intercepts("grade_rule_logit_better", GRADES[0]))
    e = event_study(str(folder))
    est = e.estimate

    def log_hires(event: str) -> float:
        # starters / in post (points) as a log-change of hiring, on the treated councils' mean before
        return float(np.log1p(est[event, "starters_rate"] / e.treated_mean_at_minus1[event, "starters_rate"]))

    effects = {"establishment_to_inadequate": float(est["to_inadequate", "log_establishment"]),
               "establishment_out_of_inadequate": float(est["out_of_inadequate", "log_establishment"]),
               "agency_to_inadequate": float(est["to_inadequate", "log_agency"]),
               "agency_out_of_inadequate": float(est["out_of_inadequate", "log_agency"]),
               "hires_to_inadequate": log_hires("to_inadequate"),
               "hires_out_of_inadequate": log_hires("out_of_inadequate")}
    return InspectionProcess(w.weibull_shape.to_numpy(float), w.weibull_scale_months.to_numpy(float),
                             tr / tr.sum(axis=1, keepdims=True), logit_worse, logit_better, effects)


def grade_probabilities(process: InspectionProcess, grade: np.ndarray, pressure: np.ndarray,
                        weight: float) -> np.ndarray:
    """P(each grade) at an inspection, per council (rows sum to 1): a worse grade with probability
    ``expit(logit_worse[g] + weight * z)``, a better one with ``expit(logit_better[g] - weight * z)``
    (together at most 1), each split among the worse (better) grades in the transition matrix's shares."""
    grade = np.asarray(grade, dtype=np.intp)
    z = np.asarray(pressure, dtype=float)
    with np.errstate(over="ignore"):
        worse = 1 / (1 + np.exp(-(process.logit_worse[grade] + weight * z)))
        better = 1 / (1 + np.exp(-(process.logit_better[grade] - weight * z)))
    total = worse + better
    scale = np.where(total > 1, 1 / np.maximum(total, 1e-300), 1.0)
    worse, better = worse * scale, better * scale
    step = np.sign(np.arange(len(GRADES))[None, :] - grade[:, None])  # +1 worse, -1 better
    row = process.transition[grade]
    probs = np.zeros_like(row)
    for direction, p in ((1, worse), (-1, better)):
        share = np.where(step == direction, row, 0.0)
        probs += p[:, None] * share / np.maximum(share.sum(axis=1, keepdims=True), 1e-300)
    probs += (1 - worse - better)[:, None] * (step == 0)
    return probs


def next_grades(process: InspectionProcess, grade: np.ndarray, pressure: np.ndarray, weight: float,
                u: np.ndarray) -> np.ndarray:
    """The grade each inspected council gets: drawn from :func:`grade_probabilities` by inverting with
    one uniform ``u`` each."""
    cum = np.cumsum(grade_probabilities(process, grade, pressure, weight), axis=1)
    return np.minimum((cum < u[:, None]).sum(axis=1), len(GRADES) - 1)


# Months over which each effect is reached (linearly), from the event study by event year (docs/ofsted_process.md):
# posts and agency cover show their whole effect at the first census after a judgement, hiring only later.
JUDGEMENT_PHASE_IN_MONTHS = {"posts": 3, "agency": 3, "hires": 12}


def apply_judgement(m, index: np.ndarray, new_grade: np.ndarray) -> None:
    """Set the grade of councils ``index`` (a judgement published this month) and set the estimated
    effects of entering or leaving Inadequate on funded posts, agency cover and outside hiring as
    targets, reached over ``JUDGEMENT_PHASE_IN_MONTHS`` (see :func:`phase_in_judgements`).

    The effects do not compound over repeated judgements: each council's target log-change
    (``judgement_posts_target``, ``judgement_agency_target``) is raised to the entry effect on entering
    Inadequate (not beyond) and lowered by the exit effect on leaving it (not below zero), so a council
    that goes in and out of Inadequate does not ratchet its posts or agency use up."""
    c = m.councils
    index, new_grade = np.asarray(index, dtype=np.intp), np.asarray(new_grade, dtype=np.int64)
    old = c.grade[index].copy()
    eff = m.inspections.effects
    k = m.p.judgement_effects
    entering = (new_grade == INADEQUATE) & (old != INADEQUATE)
    leaving = (old == INADEQUATE) & (new_grade != INADEQUATE)
    for target, (up, down) in ((c.judgement_posts_target, ("establishment_to_inadequate",
                                                            "establishment_out_of_inadequate")),
                               (c.judgement_agency_target, ("agency_to_inadequate", "agency_out_of_inadequate")),
                               (c.judgement_hires_target, ("hires_to_inadequate", "hires_out_of_inadequate"))):
        target[index] = np.where(entering, np.maximum(target[index], k * eff[up]),
                                 np.where(leaving, np.maximum(target[index] + k * eff[down], 0.0), target[index]))
    c.grade[index] = new_grade
    c.grade_tick[index] = m.tick


def phase_in_judgements(m) -> None:
    """Move each council's carried judgement effect a step toward its target (at most the entry effect
    over ``JUDGEMENT_PHASE_IN_MONTHS`` a month), scaling funded posts and agency cover by the step (the
    hiring effect is read by :func:`sim.phases.recruitment.monthly_hires`)."""
    c, eff, k = m.councils, m.inspections.effects, m.p.judgement_effects
    for carried, target, column, up, months in (
            (c.judgement_posts_log, c.judgement_posts_target, c.establishment_fte, "establishment_to_inadequate",
             JUDGEMENT_PHASE_IN_MONTHS["posts"]),
            (c.judgement_agency_log, c.judgement_agency_target, c.agency_base_fte, "agency_to_inadequate",
             JUDGEMENT_PHASE_IN_MONTHS["agency"]),
            (c.judgement_hires_log, c.judgement_hires_target, None, "hires_to_inadequate",
             JUDGEMENT_PHASE_IN_MONTHS["hires"])):
        gap = target - carried
        if not gap.any():
            continue
        step = np.clip(gap, -abs(k * eff[up]) / months, abs(k * eff[up]) / months)
        if column is not None:
            column *= np.exp(step)
        if column is c.establishment_fte:  # posts a judgement adds are not a gap agency cover follows
            c.establishment_census_fte[:] *= np.exp(step)
        carried += step


def expected_entry_factors(m, months: int = 12) -> dict[str, np.ndarray]:
    """For each simulated council, the expected factor ``E[exp(effect carried at month months)]`` by
    which the model's own inspections in the first ``months`` raise its funded posts (``"posts"``) and
    agency cover (``"agency"``) through entering Inadequate: the chance of a first inspection in each
    month (the Weibull hazard by grade and months since the last judgement; none in a paused month)
    times the chance it is judged Inadequate (:func:`grade_probabilities` at the council's workforce
    pressure at the start) times the effect phased in by month ``months``. 1 for councils already
    Inadequate (their effect is in the census they start from) and with ``judgement_effects`` at 0.

    A council's one-lag forecast from its census history already holds what the judgements councils
    like it received did on average, so the first year's forecast drift is netted of this expectation
    (:func:`net_expected_judgements`); the model's judgements then spread the outcomes around the
    forecast instead of shifting them."""
    from .phases.councils import workforce_pressure

    c, p, a = m.councils, m.p, m.councils.n_active
    process, k = m.inspections, p.judgement_effects
    grade = c.grade[:a].astype(np.intp)
    q = grade_probabilities(process, grade, workforce_pressure(m), p.inspection_pressure_weight)[:, INADEQUATE]
    q = np.where((grade == INADEQUATE) | m.inspection_hold[:a], 0.0, q)
    since = (m.tick - c.grade_tick[:a]).astype(float)
    survive = np.ones(a)
    out = {"posts": np.ones(a), "agency": np.ones(a)}
    for t in range(m.tick + 1, m.tick + months + 1):
        if t in m.inspection_pause_ticks:
            continue  # nobody is inspected and the clock stops
        since += 1  # the councils phase's months since the last judgement in month t: t - grade_tick
        first = survive * process.inspection_probability(grade, since)
        survive -= first
        for name, effect in (("posts", "establishment_to_inadequate"), ("agency", "agency_to_inadequate")):
            reached = min(1.0, (m.tick + months - t + 1) / JUDGEMENT_PHASE_IN_MONTHS[name])
            out[name] += first * q * np.expm1(k * process.effects[effect] * reached)
    return out


def net_expected_judgements(m) -> None:
    """Take the expected effect of the first year's judgements (:func:`expected_entry_factors`) out of
    each council's forecast drift of agency cover and funded posts, in proportion to the weight of its
    own forecast (``council_identity``)."""
    c, a, weight = m.councils, m.councils.n_active, m.p.council_identity
    factors = expected_entry_factors(m)
    c.agency_drift[:a] -= weight * np.log(factors["agency"])
    c.establishment_year1_change[:a] -= weight * c.establishment_fte[:a] * (factors["posts"] - 1)


__all__ = ["INADEQUATE", "INSPECTION_PAUSE", "InspectionProcess", "apply_judgement", "event_study",
           "inspection_process",
           "grade_probabilities", "next_grades", "pause_months", "paused", "phase_in_judgements",
           "expected_entry_factors", "net_expected_judgements"]
