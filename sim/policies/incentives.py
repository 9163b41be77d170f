"""Money paid to workers on top of pay: market supplements, golden hellos and retention payments.

Each policy adds its amount to the council's column while active and takes it away when it ends, so
several policies at one council add up. The engine pays and records the money (see
:mod:`sim.phases.councils` and :mod:`sim.phases.recruitment`); retention payments may also claw
money back from workers who leave soon after being paid.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from ..errors import SimInputError
from .base import Policy

if TYPE_CHECKING:
    from ..model import WorkforceModel


@dataclass
class MarketSupplement(Policy):
    """An annual supplement per FTE on top of pay, paid monthly (e.g. for high-pressure teams).

    Attributes:
        gbp: supplement in pounds a year per FTE that receives it.
        share: share of the council's staff who receive it (1 = everyone); the council pays and
            workers weigh the average, ``gbp * share``.
    """

    gbp: float = 0.0
    share: float = 1.0
    kind: ClassVar[str] = "market_supplement"

    def check(self) -> None:
        self._non_negative("gbp", "share")
        self._require(self.share <= 1, "share", self.share, "a share between 0 and 1")

    def start_(self, m: WorkforceModel) -> None:
        m.councils.market_supplement_gbp[self.index] += self.gbp * self.share

    def end_(self, m: WorkforceModel) -> None:
        m.councils.market_supplement_gbp[self.index] -= self.gbp * self.share


@dataclass
class GoldenHello(Policy):
    """A one-off payment to every new permanent starter (from outside, another council or agency).

    Attributes:
        gbp: pounds per starter.
    """

    gbp: float = 0.0
    kind: ClassVar[str] = "golden_hello"

    def check(self) -> None:
        self._non_negative("gbp")

    def start_(self, m: WorkforceModel) -> None:
        m.councils.golden_hello_gbp[self.index] += self.gbp

    def end_(self, m: WorkforceModel) -> None:
        m.councils.golden_hello_gbp[self.index] -= self.gbp


@dataclass
class RetentionPayment(Policy):
    """A payment to workers who have stayed long enough, in a given calendar month each year.

    Workers weigh a payment that is due soon (they forfeit it by leaving), so leavers bunch just
    after the payment month. With ``clawback_months`` a worker who leaves within that many months
    of being paid repays ``clawback_share`` of it (recorded as negative retention spend).

    Attributes:
        gbp: pounds per payment per eligible worker.
        pay_month: calendar month(s) of payment, 1-12 (an int or a list, e.g. [1] for January).
        tenure_months: months with the council needed to qualify.
        share: share of eligible workers who also meet any other condition (e.g. Kent's caseload
            targets); the council pays ``gbp * share`` per eligible worker on average.
        clawback_months: months after payment within which leaving triggers repayment (0 = none).
        clawback_share: share of the payment recovered.
    """

    gbp: float = 0.0
    pay_month: int | list[int] = 1
    tenure_months: int = 12
    share: float = 1.0
    clawback_months: int = 0
    clawback_share: float = 1.0
    kind: ClassVar[str] = "retention_payment"
    recovered_gbp: float = field(default=0.0, init=False, repr=False)

    def check(self) -> None:
        self._non_negative("gbp", "tenure_months", "share", "clawback_months", "clawback_share")
        months = self.pay_month if isinstance(self.pay_month, list) else [self.pay_month]
        self._require(bool(months) and all(isinstance(x, int) and 1 <= x <= 12 for x in months), "pay_month",
                      self.pay_month, "a calendar month 1-12 or a list of them")
        self._require(self.share <= 1, "share", self.share, "a share between 0 and 1")
        self._require(self.clawback_share <= 1, "clawback_share", self.clawback_share, "a share between 0 and 1")
        self.months = sorted(set(months))

    @property
    def amount(self) -> float:
        return self.gbp * self.share

    def start_(self, m: WorkforceModel) -> None:
        c = m.councils
        clash = [m.council_agents[i].name for i in self.index
                 if c.retention_gbp[i] > 0 and c.retention_month[i] not in self.months]
        if clash:
            raise SimInputError(f"policy 'retention_payment' at {m.date()}: {', '.join(clash)} already pay(s) a "
                                "retention payment in another month; give both policies the same month")
        c.retention_gbp[self.index] += self.amount
        c.retention_tenure_months[self.index] = int(self.tenure_months)
        self._is_here = np.zeros(c.n, dtype=bool)
        self._is_here[self.index] = True
        self._paid: dict[int, tuple[int, int]] = {}  # slot -> (tick paid, council)
        m.retention_listeners.append(self._on_paid)
        m.exit_listeners.append(self._on_exit)

    def month(self, m: WorkforceModel) -> None:
        # The engine knows one payment month per council: point it at the next one due.
        now = m.calendar_month
        upcoming = [x for x in self.months if x >= now] or self.months
        m.councils.retention_month[self.index] = upcoming[0]

    def end_(self, m: WorkforceModel) -> None:
        c = m.councils
        c.retention_gbp[self.index] -= self.amount
        idle = [i for i in self.index if c.retention_gbp[i] <= 1e-9]
        c.retention_gbp[idle] = 0.0
        c.retention_month[idle] = 0
        c.retention_tenure_months[idle] = 0
        m.retention_listeners.remove(self._on_paid)
        m.exit_listeners.remove(self._on_exit)

    def _on_paid(self, m: WorkforceModel, slots: np.ndarray) -> None:
        employer = m.workers.employer[slots].astype(np.intp)
        for slot, council in zip(slots[self._is_here[employer]].tolist(), employer[self._is_here[employer]].tolist(),
                                 strict=True):
            self._paid[slot] = (m.tick, council)

    def _on_exit(self, m: WorkforceModel, slots: np.ndarray) -> None:
        if not self._paid:
            return
        back: list[int] = []
        for slot in slots.tolist():
            paid = self._paid.pop(slot, None)
            if paid and self.clawback_months and m.tick - paid[0] <= self.clawback_months:
                back.append(paid[1])
        if back:
            amount = self.amount * self.clawback_share
            m.recorder.pay("retention_gbp", np.asarray(back, dtype=np.intp), -amount)
            self.recovered_gbp += amount * len(back)
