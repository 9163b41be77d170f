"""Pay set by rule: a national pay scale, pay harmonisation after a merger, and adaptive pay (councils
that raise pay toward their best-paying neighbour when short of staff or after a bad judgement)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from ..data import GRADES
from ..errors import unknown
from ..pay import national_pay, regional_ratio
from .base import Policy

if TYPE_CHECKING:
    from ..model import WorkforceModel


def _restore_pay(policy: Policy, m: WorkforceModel) -> None:
    m.councils.pay_gbp[policy._pay_index] = policy._before


@dataclass
class NationalPayScale(Policy):
    """One national pay scale: every council (simulated and boundary, or the named ones) pays the same
    qualified rate, optionally with the usual regional weighting (London, South East, ...).

    Attributes:
        gbp: the national rate in pounds a year (None = the model's national mean for the base year).
        regional_weighting: multiply by each council's regional pay ratio (see :mod:`sim.pay`).
    """

    gbp: float | None = None
    regional_weighting: bool = False
    kind: ClassVar[str] = "national_pay_scale"

    def check(self) -> None:
        if self.gbp is not None:
            self._require(isinstance(self.gbp, (int, float)) and 1000 <= self.gbp <= 500_000, "gbp", self.gbp,
                          "pounds a year from 1,000 to 500,000")

    def start_(self, m: WorkforceModel) -> None:
        c = m.councils
        self._pay_index = self.index if self.councils else list(range(c.n))
        self._before = c.pay_gbp[self._pay_index].copy()
        rate = self.gbp or national_pay(m.base_year, m.p.pay_2017_gbp, m.p.pay_award_pct_per_year)
        for i in self._pay_index:
            agent = m.council_agents[i]
            c.pay_gbp[i] = rate * (regional_ratio(agent.region, agent.london) if self.regional_weighting else 1.0)

    def end_(self, m: WorkforceModel) -> None:
        _restore_pay(self, m)


@dataclass
class PayHarmonisation(Policy):
    """Pay harmonised after a merger (BCP kept two pay scales after 2019): the named councils move to
    one rate, the highest or the FTE-weighted mean of their current rates, their neighbours' mean
    rate, or a given figure, reached in equal steps over ``ramp_months``.

    Attributes:
        to: "highest", "mean", "neighbours" or "gbp".
        gbp: the rate when ``to = "gbp"``.
        ramp_months: months to reach the new rate (1 = at once).
    """

    to: str = "highest"
    gbp: float | None = None
    ramp_months: int = 1
    kind: ClassVar[str] = "pay_harmonisation"
    TARGETS: ClassVar[tuple[str, ...]] = ("highest", "mean", "neighbours", "gbp")

    def check(self) -> None:
        if self.to not in self.TARGETS:
            raise unknown("harmonisation target", str(self.to), self.TARGETS, where="policy 'pay_harmonisation' "
                          "field 'to'")
        if self.to == "gbp":
            self._require(isinstance(self.gbp, (int, float)) and 1000 <= self.gbp <= 500_000, "gbp", self.gbp,
                          "pounds a year from 1,000 to 500,000 (needed with to = 'gbp')")
        self._require(isinstance(self.ramp_months, int) and self.ramp_months >= 1, "ramp_months",
                      self.ramp_months, "a whole number of months >= 1")

    def start_(self, m: WorkforceModel) -> None:
        c, i = m.councils, self.index
        self._pay_index = i
        self._before = c.pay_gbp[i].copy()
        if self.to == "highest":
            target = np.full(len(i), self._before.max())
        elif self.to == "mean":
            target = np.full(len(i), np.average(self._before, weights=np.maximum(c.perm_fte[i], 1e-9)))
        elif self.to == "neighbours":
            target = np.array([np.mean([c.pay_gbp[j] for j in m.reach[k] if j >= 0 and j != k] or [c.pay_gbp[k]])
                               for k in i])
        else:
            target = np.full(len(i), float(self.gbp))
        self._target = target

    def month(self, m: WorkforceModel) -> None:
        done = min(1.0, (m.tick - self.start_tick + 1) / self.ramp_months)
        m.councils.pay_gbp[self.index] = self._before + done * (self._target - self._before)

    def end_(self, m: WorkforceModel) -> None:
        _restore_pay(self, m)


@dataclass
class AdaptivePay(Policy):
    """Councils that review pay once a year and, when their vacancy rate is high or after a bad Ofsted
    judgement, close part of the gap to the best-paying council in their reach, within a budget.

    Reviews happen in the councils phase of ``pay_month`` (after inspections). Raises stay after the
    policy ends; ``end`` only stops further reviews.

    Attributes:
        pay_month: calendar month of the review (4 = April, the usual pay year).
        vacancy_trigger_pct: review raises pay when the vacancy rate is at least this (None = never).
        trigger_grade: a judgement at this grade or worse triggers a raise (None = never).
        judgement_window_months: how recent the judgement must be.
        close_share: share of the gap to the best-paying council in reach closed at a review.
        min_raise_pct: a triggered council raises pay by at least this percentage, even when no
            council in reach pays more (a council investing after a bad judgement).
        budget_gbp_per_year: most extra annual pay bill (pay x FTE x on-costs) per review and council
            (None = no limit).
    """

    pay_month: int = 4
    vacancy_trigger_pct: float | None = 20.0
    trigger_grade: str | None = "Inadequate"
    judgement_window_months: int = 24
    close_share: float = 0.5
    min_raise_pct: float = 0.0
    budget_gbp_per_year: float | None = None
    kind: ClassVar[str] = "adaptive_pay"

    def check(self) -> None:
        self._require(isinstance(self.pay_month, int) and 1 <= self.pay_month <= 12, "pay_month", self.pay_month,
                      "a calendar month 1-12")
        self._non_negative("judgement_window_months", "close_share", "min_raise_pct")
        self._require(self.close_share <= 1, "close_share", self.close_share, "a share from 0 to 1")
        if self.vacancy_trigger_pct is not None:
            self._non_negative("vacancy_trigger_pct")
        if self.budget_gbp_per_year is not None:
            self._non_negative("budget_gbp_per_year")
        self.grade_index = None
        if self.trigger_grade is not None:
            names = {g.lower(): k for k, g in enumerate(GRADES)}
            if str(self.trigger_grade).lower() not in names:
                raise unknown("grade", str(self.trigger_grade), GRADES,
                              where="policy 'adaptive_pay' field 'trigger_grade'")
            self.grade_index = names[str(self.trigger_grade).lower()]
        self.raises_gbp: list[tuple[str, str, float]] = []  # (date, council, raise) for reports

    def start_(self, m: WorkforceModel) -> None:
        m.council_rules.append(self._review)

    def end_(self, m: WorkforceModel) -> None:
        m.council_rules.remove(self._review)

    def _review(self, m: WorkforceModel) -> None:
        if m.calendar_month != self.pay_month:
            return
        c = m.councils
        vac = c.vacancy_rate()
        for k in self.index:
            hot = self.vacancy_trigger_pct is not None and 100 * vac[k] >= self.vacancy_trigger_pct
            if self.grade_index is not None:
                hot |= bool(c.grade[k] >= self.grade_index and m.tick - c.grade_tick[k] <= self.judgement_window_months)
            if not hot:
                continue
            near = [j for j in m.reach[k] if j >= 0 and j != k]
            best = max((c.pay_gbp[j] for j in near), default=c.pay_gbp[k])
            rise = max(max(0.0, best - c.pay_gbp[k]) * self.close_share, c.pay_gbp[k] * self.min_raise_pct / 100)
            if self.budget_gbp_per_year is not None:
                bill = max(c.perm_fte[k], 1e-9) * m.p.oncost_multiplier
                rise = min(rise, self.budget_gbp_per_year / bill)
            if rise > 0:
                c.pay_gbp[k] += rise
                self.raises_gbp.append((m.date(), m.council_agents[k].name, float(rise)))
