"""Rules on agency work and on hiring from each other: agency caps and targets, the DfE agency rules,
and no-poaching agreements such as the London Pledge."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from ..errors import SimInputError
from ..workers import NEVER
from .base import Policy

if TYPE_CHECKING:
    from ..model import WorkforceModel


@dataclass
class AgencyCap(Policy):
    """The most agency cover a council will take: a number of FTE, or a share of its workforce
    (Kent's target: at most 10% temporary staff). The share is applied each month by the agency phase,
    to the permanent FTE left after that month's exits and moves.

    Attributes:
        max_fte: most agency FTE (None = no fixed cap).
        max_share: most agency FTE as a share of agency + permanent FTE, 0 to 1 (None = no target).
    """

    max_fte: float | None = None
    max_share: float | None = None
    kind: ClassVar[str] = "agency_cap"

    def check(self) -> None:
        self._require(self.max_fte is not None or self.max_share is not None, "max_fte", self.max_fte,
                      "a number of FTE, or give max_share")
        if self.max_fte is not None:
            self._non_negative("max_fte")
        if self.max_share is not None:
            self._non_negative("max_share")
            self._require(self.max_share < 1, "max_share", self.max_share, "a share from 0 to below 1")

    def start_(self, m: WorkforceModel) -> None:
        c = m.councils
        self._before = (c.agency_cap_fte[self.index].copy(), c.agency_cap_share[self.index].copy())
        if self.max_fte is not None:
            c.agency_cap_fte[self.index] = np.minimum(self._before[0], float(self.max_fte))
        if self.max_share is not None:
            # agency / (agency + permanent) <= s  <=>  agency <= s / (1 - s) x permanent, checked by the
            # agency phase against the permanent staff left after this month's exits and moves
            c.agency_cap_share[self.index] = np.minimum(self._before[1], self.max_share / (1 - self.max_share))

    def end_(self, m: WorkforceModel) -> None:
        m.councils.agency_cap_fte[self.index], m.councils.agency_cap_share[self.index] = self._before


@dataclass
class DfeAgencyRules(Policy):
    """The DfE statutory guidance "Child and family social workers: agency rules" (in force 31 October
    2024 for new assignments).

    * Experience: only social workers with at least ``min_pq_months`` (36) of post-qualifying
      experience may take an agency assignment; a permanent worker without it cannot choose agency
      work, and the pool places nobody without it.
    * Cooling-off: nobody who left a permanent post in the region within ``cooldown_months`` (3) is
      placed as agency staff. (The guidance limits this to the same council or region and exempts
      moves to a permanent post, redundancy and leaving in probation; the model applies it region-wide,
      which differs only for posts across a regional border within a worker's reach.)
    * Legacy assignments: placements that existed when the rules began may continue until
      ``legacy_until`` (1 October 2025); then those held by workers who do not meet the experience
      rule end. Each such worker takes a permanent post at the council where they were placed if it
      has a vacancy, in a random order, and otherwise returns to the pool (where the rules keep them
      from a new assignment).
    * Price caps: new assignments from ``price_cap_from`` (1 October 2025) cost the council at most
      ``price_cap`` times a permanent post's cost; assignments that started earlier keep their price
      until they end (regional caps: one policy per region with its own cap and councils).
    * The four-week notice period of an assignment is the model's month: a placement a council no
      longer wants ends at the end of the month.

    Attributes:
        min_pq_months, cooldown_months: as above.
        legacy_until: "YYYY-MM" from which legacy placements must meet the rules (None = never).
        price_cap: most a council pays for agency cover per pound of a permanent post's cost (None = no cap).
        price_cap_from: "YYYY-MM" from which new assignments are capped (None = from the start of the rules).
    """

    min_pq_months: int = 36
    cooldown_months: int = 3
    legacy_until: str | None = "2025-10"
    price_cap: float | None = None
    price_cap_from: str | None = "2025-10"
    kind: ClassVar[str] = "dfe_agency_rules"

    def check(self) -> None:
        self._non_negative("min_pq_months", "cooldown_months")
        if self.price_cap is not None:
            self._require(isinstance(self.price_cap, (int, float)) and self.price_cap >= 1, "price_cap",
                          self.price_cap, "a multiplier >= 1 (agency cover costs at least a permanent post)")

    def attach(self, m: WorkforceModel) -> None:
        super().attach(m)
        where = f"policy {self.kind!r}"
        self._legacy_tick = m.tick_of(self.legacy_until, f"{where} legacy_until") if self.legacy_until else None
        self._cap_tick = (m.tick_of(self.price_cap_from, f"{where} price_cap_from") if self.price_cap_from
                          else self.start_tick)
        for name, tick in (("legacy_until", self._legacy_tick), ("price_cap_from", self._cap_tick)):
            if tick is not None and tick < self.start_tick:
                raise SimInputError(f"{where}: {name} {getattr(self, name)!r} is before the rules start "
                                    f"({m.date(self.start_tick)})")

    def start_(self, m: WorkforceModel) -> None:
        self._params = m.p
        m.p = m.p.replace(agency_min_pq_months=int(self.min_pq_months),
                          agency_cooldown_months=int(self.cooldown_months))
        c = m.councils
        self._caps = (c.agency_price_cap[self.index].copy(), c.agency_price_cap_tick[self.index].copy())
        if self.price_cap is not None:
            c.agency_price_cap[self.index] = np.minimum(self._caps[0], self.price_cap)
            c.agency_price_cap_tick[self.index] = self._cap_tick

    def month(self, m: WorkforceModel) -> None:
        if m.tick == self._legacy_tick:
            end_legacy_placements(m, int(self.min_pq_months), self.index)

    def end_(self, m: WorkforceModel) -> None:
        m.p = self._params
        m.councils.agency_price_cap[self.index], m.councils.agency_price_cap_tick[self.index] = self._caps


def end_legacy_placements(m: WorkforceModel, min_pq_months: int, councils: list[int]) -> None:
    """End the placements at ``councils`` held by workers with less post-qualifying experience than the
    rules require: each takes a permanent post there if it has a vacancy (random order), or returns to
    the pool."""
    from ..choice import ration
    from ..workers import AGENCY, PERM, POOL

    w, c, t, rec = m.workers, m.councils, m.tick, m.recorder
    flagged = np.zeros(c.n, dtype=bool)
    flagged[councils] = True
    placed = w.with_status(AGENCY)
    legacy = placed[flagged[w.employer[placed].astype(np.intp)] & (w.pq_months[placed] < min_pq_months)]
    if legacy.size == 0:
        return
    m.recount()
    council = w.employer[legacy].astype(np.intp)
    fte = w.fte[legacy].astype(float)
    capacity = np.floor(c.vacancy_fte + 0.5).astype(np.int64)
    converts = ration(council, m.streams.uniform("dfe_legacy", t, legacy), capacity)
    rec.count("agency_ended", council, fte)
    rec.count("starters_agency", council[converts], fte[converts])
    w.edit(legacy[converts], status=PERM, tenure=0, hired_tick=t)
    w.edit(legacy[~converts], status=POOL, employer=-1, tenure=0)


@dataclass
class NoPoaching(Policy):
    """A no-poaching agreement (the South East memorandum, the London Pledge): signatory councils do
    not hire permanent staff from each other, except on promotion; optionally, nobody who left a
    permanent post at a signatory is placed as agency staff within some months.

    Attributes:
        councils: the signatories (at least two).
        promotion_share: share of would-be movers between signatories whose move is a promotion and
            so still allowed (drawn per worker and month from its own random stream).
        agency_reengage_months: months after leaving a signatory before an agency placement in the
            region (London Pledge: 6; 0 = no such rule).
    """

    promotion_share: float = 0.0
    agency_reengage_months: int = 0
    kind: ClassVar[str] = "no_poaching"

    def check(self) -> None:
        self._non_negative("promotion_share", "agency_reengage_months")
        self._require(self.promotion_share <= 1, "promotion_share", self.promotion_share, "a share from 0 to 1")

    def attach(self, m: WorkforceModel) -> None:
        super().attach(m)
        if len(set(self.index)) < 2:
            raise SimInputError("policy 'no_poaching' field 'councils': an agreement needs at least two "
                                "signatory councils (empty = every simulated council)")

    def start_(self, m: WorkforceModel) -> None:
        self._signatory = np.zeros(m.councils.n, dtype=bool)
        self._signatory[self.index] = True
        self._left: dict[int, int] = {}  # slot -> month it left a permanent post at a signatory
        m.move_rules.append(self._allowed_moves)
        if self.agency_reengage_months:
            m.exit_listeners.append(self._on_exit)
            m.agency_rules.append(self._agency_open)

    def end_(self, m: WorkforceModel) -> None:
        m.move_rules.remove(self._allowed_moves)
        if self.agency_reengage_months:
            m.exit_listeners.remove(self._on_exit)
            m.agency_rules.remove(self._agency_open)

    def _allowed_moves(self, m: WorkforceModel, slots: np.ndarray, origin: np.ndarray,
                       destination: np.ndarray) -> np.ndarray:
        blocked = self._signatory[origin][:, None] & self._signatory[destination]
        if self.promotion_share > 0:
            promoted = m.streams.uniform("no_poaching_promotion", m.tick, slots) < self.promotion_share
            blocked &= ~promoted[:, None]
        return ~blocked

    def _on_exit(self, m: WorkforceModel, slots: np.ndarray) -> None:
        here = self._signatory[m.workers.employer[slots].astype(np.intp)]
        for slot in slots[here].tolist():
            self._left[slot] = m.tick

    def _agency_open(self, m: WorkforceModel, slots: np.ndarray, for_placement: bool) -> np.ndarray:
        if not for_placement or not self._left:
            return np.ones(slots.size, dtype=bool)
        left = np.array([self._left.get(s, NEVER) for s in slots.tolist()], dtype=np.int64)
        # the slot may have been reused by someone new: trust the record only if it matches the column
        same = m.workers.left_perm_tick[slots] == left
        return ~(same & (m.tick - left < self.agency_reengage_months))
