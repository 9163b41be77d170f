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
