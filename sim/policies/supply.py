"""Where staff come from and how councils are judged: overseas recruitment and Ofsted judgements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from ..data import GRADE_REPUTATION, GRADES
from ..errors import unknown
from .base import Policy

if TYPE_CHECKING:
    from ..model import WorkforceModel

MAX_EXTRA_HIRE_RATE = 0.5  # at most half of a council's vacant posts filled from overseas in a month


@dataclass
class OverseasRecruitment(Policy):
    """Extra permanent hires from overseas (or any outside programme) into vacant posts.

    The engine fills each vacant post from outside with a monthly chance; this policy adds
    ``hires_per_year / 12 / vacant posts`` to that chance each month, so it hires about
    ``hires_per_year`` while the council has vacancies (they count as returner/overseas starters).

    Attributes:
        hires_per_year: extra hires a year per council.
    """

    hires_per_year: float = 0.0
    kind: ClassVar[str] = "overseas_recruitment"

    def check(self) -> None:
        self._non_negative("hires_per_year")

    def start_(self, m: WorkforceModel) -> None:
        self._rate = np.zeros(len(self.index))

    def month(self, m: WorkforceModel) -> None:
        posts = np.floor(m.councils.vacancy_fte[self.index] + 0.5)
        rate = np.where(posts >= 1, np.minimum(MAX_EXTRA_HIRE_RATE, self.hires_per_year / 12 / np.maximum(posts, 1)),
                        0.0)
        m.extra_hire_rate[self.index] += rate - self._rate
        self._rate = rate

    def end_(self, m: WorkforceModel) -> None:
        m.extra_hire_rate[self.index] -= self._rate
        self._rate = np.zeros(len(self.index))


@dataclass
class OfstedJudgement(Policy):
    """An Ofsted judgement on a date: the council's grade is set (until a later inspection).

    Reputation then moves toward the new grade at its usual pace, or at once with ``immediate``; entering
    or leaving Inadequate changes funded posts and agency use as estimated from real judgements
    (:func:`sim.ofsted.apply_judgement`); the next inspection follows the estimated schedule.
    A judgement is not undone, so ``end`` is not allowed.

    Attributes:
        grade: "Outstanding", "Good", "Requires improvement" or "Inadequate".
        immediate: set reputation to the grade's value at once.
    """

    grade: str = "Good"
    immediate: bool = False
    kind: ClassVar[str] = "ofsted_judgement"

    def check(self) -> None:
        names = {g.lower(): i for i, g in enumerate(GRADES)}
        if str(self.grade).lower() not in names:
            raise unknown("grade", str(self.grade), GRADES, where="policy 'ofsted_judgement' field 'grade'")
        self._require(self.end is None, "end", self.end, "nothing: a judgement stands until the next inspection")
        self.grade_index = names[str(self.grade).lower()]

    def start_(self, m: WorkforceModel) -> None:
        from ..ofsted import apply_judgement

        c = m.councils
        apply_judgement(m, np.atleast_1d(self.index), np.full(np.size(self.index), self.grade_index))
        if self.immediate:
            c.reputation[self.index] = GRADE_REPUTATION[self.grade_index]


@dataclass
class RecordedJudgements(Policy):
    """The judgements Ofsted published (seeds/ofsted_judgements.csv), each applied in its month of
    publication, for runs that start from a past census (sim.history); random inspections are held off
    for the councils it covers while it is active, so the run's judgements are the real ones. Not a
    scenario policy (it describes the past, not a choice): build it in code.

    Attributes:
        immediate: set reputation to each new grade's value at once (default: it moves at its usual pace).
    """

    immediate: bool = False
    kind: ClassVar[str] = "recorded_judgements"

    def start_(self, m: WorkforceModel) -> None:
        import pandas as pd

        from ..data import seeds_dir

        codes = [m.council_agents[i].code for i in self.index]
        j = pd.read_csv(seeds_dir() / "ofsted_judgements.csv")
        j = j[j.code.isin(codes)].assign(month=lambda d: pd.to_datetime(d.publication_date).dt.strftime("%Y-%m"))
        grades = {g.lower(): i for i, g in enumerate(GRADES)}
        self.by_tick: dict[int, list[tuple[int, int]]] = {}
        for row in j.itertuples():
            tick = m.tick_of(row.month)
            if tick >= self.start_tick and str(row.grade).lower() in grades:
                council = self.index[codes.index(row.code)]
                self.by_tick.setdefault(tick, []).append((council, grades[str(row.grade).lower()]))
        m.inspection_hold[self.index] = True

    def month(self, m: WorkforceModel) -> None:
        from ..ofsted import apply_judgement

        due = self.by_tick.get(m.tick, [])
        if due:
            index, grade = (np.array(x) for x in zip(*due, strict=True))
            apply_judgement(m, index, grade)
            if self.immediate:
                m.councils.reputation[index] = GRADE_REPUTATION[grade]

    def end_(self, m: WorkforceModel) -> None:
        m.inspection_hold[self.index] = False
