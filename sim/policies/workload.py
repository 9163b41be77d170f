"""Demand and the posts to meet it: demand shocks, and caseload caps with extra funded posts."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from .base import Policy

if TYPE_CHECKING:
    from ..model import WorkforceModel


@dataclass
class DemandShock(Policy):
    """Open cases rise (or fall) by a share, reached gradually over ``ramp_months``.

    Attributes:
        share: relative change in cases, e.g. 1.0 doubles them (Bromley's referrals), -0.2 cuts a fifth.
        ramp_months: months over which the change builds up (geometrically), 1 = at once.
    """

    share: float = 0.0
    ramp_months: int = 1
    kind: ClassVar[str] = "demand_shock"

    def check(self) -> None:
        self._require(isinstance(self.share, (int, float)) and -1 < self.share <= 10, "share", self.share,
                      "a relative change above -1 (cases cannot vanish) and at most 10")
        self._require(isinstance(self.ramp_months, int) and self.ramp_months >= 1, "ramp_months",
                      self.ramp_months, "a whole number of months >= 1")

    def start_(self, m: WorkforceModel) -> None:
        self._applied = 1.0

    def month(self, m: WorkforceModel) -> None:
        if m.tick < self.start_tick + self.ramp_months:
            factor = (1 + self.share) ** (1 / self.ramp_months)
            m.councils.cases[self.index] *= factor
            self._applied *= factor

    def end_(self, m: WorkforceModel) -> None:
        m.councils.cases[self.index] /= self._applied


@dataclass
class CaseloadCap(Policy):
    """Fund extra posts: a fixed number, and/or as many as keep cases per case-holder at the cap
    when every funded post is filled.

    Attributes:
        extra_posts: FTE posts added to the establishment at the start (Bromley: ten).
        cap: most cases per case-holding FTE the council plans for (None = no cap).
        max_extra_posts: most posts the cap may add on top of ``extra_posts`` (None = no limit).
    """

    extra_posts: float = 0.0
    cap: float | None = None
    max_extra_posts: float | None = None
    kind: ClassVar[str] = "caseload_cap"

    def check(self) -> None:
        self._non_negative("extra_posts")
        if self.cap is not None:
            self._require(isinstance(self.cap, (int, float)) and self.cap > 0, "cap", self.cap,
                          "cases per case-holder > 0")
        if self.max_extra_posts is not None:
            self._non_negative("max_extra_posts")

    def start_(self, m: WorkforceModel) -> None:
        self._added = np.zeros(len(self.index))
        m.council_rules.append(self._fund)  # after the councils phase has moved funded posts this month
        self._fund(m)

    def _fund(self, m: WorkforceModel) -> None:
        c, i = m.councils, self.index
        base = c.establishment_fte[i] - self._added  # the posts the council would fund without the policy
        added = np.full(len(i), float(self.extra_posts))
        if self.cap is not None:
            needed = c.cases[i] / (c.case_holder_share[i] * self.cap) - base - self.extra_posts
            limit = math.inf if self.max_extra_posts is None else self.max_extra_posts
            added += np.clip(needed, 0.0, limit)
        c.establishment_fte[i] = base + added
        self._added = added

    def end_(self, m: WorkforceModel) -> None:
        m.council_rules.remove(self._fund)
        m.councils.establishment_fte[self.index] -= self._added
        self._added = np.zeros(len(self.index))
