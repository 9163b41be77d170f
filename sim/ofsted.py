"""Ofsted inspections as a process, estimated from the judgements data.

``seeds/ofsted_process.csv`` and ``seeds/ofsted_event_study.csv`` are built from Ofsted's ILACS
judgements (2018 to September 2024) and the workforce census by ``seeds/build_ofsted_process.py``;
docs/ofsted_process.md gives the method and caveats. The model reads three things from them:

* **When** a council is next inspected: a Weibull hazard in the months since its last judgement,
  per grade (the clock stopped during the 2020-21 pause in inspections). Re-inspection follows a
  schedule: almost none within two years, medians of about 31 months after Inadequate, 37 after
  Requires improvement and 44-46 after Good or Outstanding.
* **What** grade it then gets: the observed transition matrix at re-inspection (13 of the 14
  re-inspected Inadequate councils improved), tilted toward a worse grade under workforce pressure
  by ``inspection_pressure_weight`` (an association in the data, not a cause).
* **What a judgement does** to the workforce (stacked difference-in-differences on the census years
  around real judgements): entering Inadequate raises funded posts by about 11% (se 2%) and agency
  use (log +0.49, se 0.14; part of it a pre-trend); leaving Inadequate lowers funded posts by 6% (se
  1.5%) and agency use (log -0.26, se 0.11). No judgement moves turnover detectably (Inadequate:
  +0.7 points, se 1.3), so the model's Inadequate exit multiplier defaults to 1. The effects phase in
  over a year (the estimates pool census years 0-3 after a judgement; a year is an assumption).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from .data import GRADES, seeds_dir

INADEQUATE = GRADES.index("Inadequate")


@dataclass(frozen=True)
class InspectionProcess:
    """Estimated inspection timing, grade transitions and judgement effects (by grade index)."""

    shape: np.ndarray  # Weibull shape per grade
    scale_months: np.ndarray  # Weibull scale per grade
    transition: np.ndarray  # (4, 4) P(next grade | grade), rows sum to 1
    effects: dict[str, float]  # log-change of establishment and agency on entering / leaving Inadequate

    def inspection_probability(self, grade: np.ndarray, months_since: np.ndarray) -> np.ndarray:
        """Probability of a judgement this month given the months since the last one (discrete
        Weibull hazard: 1 - S(t + 1) / S(t))."""
        k, lam = self.shape[grade], self.scale_months[grade]
        t = np.maximum(months_since, 0).astype(float)
        return 1 - np.exp((t / lam) ** k - ((t + 1) / lam) ** k)


@lru_cache(maxsize=2)
def inspection_process(path: str | None = None) -> InspectionProcess:
    """Read the estimates (from the seeds folder unless ``path`` names another)."""
    folder = seeds_dir() if path is None else __import__("pathlib").Path(path)
    d = pd.read_csv(folder / "ofsted_process.csv")
    weibull = d[d.measure.eq("pause_excluded") & d.quantity.isin(["weibull_shape", "weibull_scale_months"])]
    w = weibull.pivot(index="grade", columns="quantity", values="value").loc[list(GRADES)]
    tr = d[d.quantity == "transition_prob"].pivot(index="grade", columns="to_grade", values="value")
    tr = tr.loc[list(GRADES), list(GRADES)].to_numpy(float)
    e = pd.read_csv(folder / "ofsted_event_study.csv")
    e = e[(e["sample"] == "incl_first_ilacs") & (e.spec == "pooled") & (e.event_time == "0..3")]
    est = e.set_index(["event", "measure"]).estimate
    effects = {"establishment_to_inadequate": float(est["to_inadequate", "log_establishment"]),
               "establishment_out_of_inadequate": float(est["out_of_inadequate", "log_establishment"]),
               "agency_to_inadequate": float(est["to_inadequate", "log_agency"]),
               "agency_out_of_inadequate": float(est["out_of_inadequate", "log_agency"])}
    return InspectionProcess(w.weibull_shape.to_numpy(float), w.weibull_scale_months.to_numpy(float),
                             tr / tr.sum(axis=1, keepdims=True), effects)


def next_grades(process: InspectionProcess, grade: np.ndarray, pressure: np.ndarray, weight: float,
                u: np.ndarray) -> np.ndarray:
    """The grade each inspected council gets: drawn (by inverting with one uniform ``u`` each) from
    its current grade's row of the transition matrix, with worse grades weighted by
    ``exp(weight * pressure)`` and better ones by ``exp(-weight * pressure)``."""
    probs = process.transition[grade].copy()
    step = np.sign(np.arange(len(GRADES))[None, :] - grade[:, None])  # +1 worse, -1 better
    probs *= np.exp(weight * pressure[:, None] * step)
    # np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1), without their Python wrappers
    cum = np.add.accumulate(probs / np.add.reduce(probs, axis=1, keepdims=True), axis=1)
    return np.minimum((cum < u[:, None]).sum(axis=1), len(GRADES) - 1)


JUDGEMENT_PHASE_IN_MONTHS = 12  # the event study pools census years 0-3 after a judgement; assumption: a year to act


def apply_judgement(m, index: np.ndarray, new_grade: np.ndarray) -> None:
    """Set the grade of councils ``index`` (a judgement published this month) and set the estimated
    effects of entering or leaving Inadequate on funded posts and agency cover as targets, reached over
    ``JUDGEMENT_PHASE_IN_MONTHS`` (see :func:`phase_in_judgements`).

    The effects do not compound over repeated judgements: each council's target log-change
    (``judgement_posts_target``, ``judgement_agency_target``) is raised to the entry effect on entering
    Inadequate (not beyond) and lowered by the exit effect on leaving it (not below zero), so a council
    that goes in and out of Inadequate does not ratchet its posts or agency use up."""
    c = m.councils
    index, new_grade = np.asarray(index, dtype=np.intp), np.asarray(new_grade, dtype=np.int64)
    eff = m.inspections.effects
    k = m.p.judgement_effects
    # A month's judgements are a handful: council by council, with Python floats (the same IEEE
    # operations as numpy's on the arrays; each new target from the targets before this call, and a
    # council listed twice takes its last, as numpy's assignment does).
    old, new = c.grade[index].tolist(), new_grade.tolist()
    entering = [g == INADEQUATE and o != INADEQUATE for g, o in zip(new, old, strict=True)]
    leaving = [o == INADEQUATE and g != INADEQUATE for g, o in zip(new, old, strict=True)]
    for target, (up, down) in ((c.judgement_posts_target, ("establishment_to_inadequate",
                                                            "establishment_out_of_inadequate")),
                               (c.judgement_agency_target, ("agency_to_inadequate", "agency_out_of_inadequate"))):
        raised, lowered = k * eff[up], k * eff[down]
        values = target[index].tolist()
        for j, x in enumerate(values):
            if entering[j]:
                values[j] = _maximum(x, raised)
            elif leaving[j]:
                values[j] = _maximum(x + lowered, 0.0)
        target[index] = values
    c.grade[index] = new_grade
    c.grade_tick[index] = m.tick


def _maximum(a: float, b: float) -> float:
    """``np.maximum`` of two floats (NaN wins)."""
    return a if a >= b or a != a else b


def phase_in_judgements(m) -> None:
    """Move each council's carried judgement effect a step toward its target (at most a twelfth of the
    entry effect a month), scaling funded posts and agency cover by the step."""
    c, eff, k = m.councils, m.inspections.effects, m.p.judgement_effects
    for carried, target, column, up in (
            (c.judgement_posts_log, c.judgement_posts_target, c.establishment_fte, "establishment_to_inadequate"),
            (c.judgement_agency_log, c.judgement_agency_target, c.agency_base_fte, "agency_to_inadequate")):
        gap = target - carried
        if not gap.any():
            continue
        step = np.clip(gap, -abs(k * eff[up]) / JUDGEMENT_PHASE_IN_MONTHS, abs(k * eff[up]) / JUDGEMENT_PHASE_IN_MONTHS)
        column *= np.exp(step)
        if column is c.establishment_fte:  # posts a judgement adds are not a gap agency cover follows
            c.establishment_census_fte[:] *= np.exp(step)
        carried += step


__all__ = ["INADEQUATE", "InspectionProcess", "apply_judgement", "inspection_process", "next_grades",
           "phase_in_judgements"]
