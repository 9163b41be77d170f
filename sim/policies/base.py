"""What every policy shares: the councils it names, its start and optional end, and a lifecycle.

A policy is attached to a model (names and dates are checked then), acts on the month it starts
(``start_``), every month while active (``month``), and undoes itself on the month it ends (``end_``).
Nothing before its start month can change: the engine's random draws do not depend on policies.

Values are checked when the policy is built (``check``), so a scenario file with a negative amount
fails before any model is built.

A policy that changes workers (not only councils) writes their status, employer or FTE through
``model.workers.edit`` (those columns are read-only), so that the council stocks count the change.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from ..errors import SimInputError
from ..limits import policy_field_problems

if TYPE_CHECKING:
    from ..model import WorkforceModel



OPEN_END = 10**9  # the end tick of a policy with no end date

@dataclass
class Policy:
    """Base class. Subclasses set ``kind`` and override ``start_`` (and ``end_``/``month`` if needed).

    Attributes:
        councils: council names or codes the policy applies to (empty = every simulated council).
        start: first month it acts, "YYYY-MM" (default: the first month of the run).
        end: month it stops acting and is undone, "YYYY-MM" (default: never).
    """

    councils: list[str] = field(default_factory=list)
    start: str | None = None
    end: str | None = None
    kind: ClassVar[str] = "policy"

    def __post_init__(self) -> None:
        if isinstance(self.councils, str):
            self.councils = [self.councils]
        self._check_common()
        self.check()

    def _check_common(self) -> None:
        """Check what every policy shares: names, dates and numeric fields (ranges in :mod:`sim.limits`)."""
        problems = []
        if not isinstance(self.councils, list) or not all(isinstance(c, str) for c in self.councils):
            problems.append(f"policy {self.kind!r} field 'councils' = {self.councils!r}: allowed a council name "
                            "or a list of council names")
        for key in ("start", "end"):
            value = getattr(self, key)
            if value is not None and not isinstance(value, str):
                problems.append(f"policy {self.kind!r} field {key!r} = {value!r}: allowed a month \"YYYY-MM\"")
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)
                  if f.init and f.name not in ("councils", "start", "end")}
        problems += policy_field_problems(self.kind, values)
        if problems:
            raise SimInputError("; ".join(problems))

    def check(self) -> None:
        """Check the policy's values (not its names or dates); raise :class:`SimInputError`."""

    def _require(self, ok: bool, field_name: str, value: Any, allowed: str) -> None:
        if not ok:
            raise SimInputError(f"policy {self.kind!r} field {field_name!r} = {value!r}: allowed {allowed}")

    def _non_negative(self, *names: str) -> None:
        for name in names:
            value = getattr(self, name)
            ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) \
                and value >= 0
            self._require(ok, name, value, "a number >= 0")

    def attach(self, m: WorkforceModel) -> None:
        """Check names and dates against the model; remember council indices and ticks."""
        where = f"policy {self.kind!r}"
        if isinstance(self.councils, str):
            self.councils = [self.councils]
        self.index = [m.council_index(c, where=where) for c in self.councils] or list(
            range(m.councils.n_active))
        self.start_tick = m.tick_of(self.start, f"{where} start") if self.start else max(1, m.tick + 1)
        self.end_tick = m.tick_of(self.end, f"{where} end") if self.end else OPEN_END
        first = m.date(1)
        if self.start_tick < 1:
            raise SimInputError(f"{where}: start {self.start!r} is before the run; the run starts "
                                f"{first} (base year {m.base_year}), so allowed starts are {first} or later")
        if self.end_tick <= self.start_tick:
            raise SimInputError(f"{where}: end {self.end!r} must be after start {m.date(self.start_tick)}")

    def on_month(self, m: WorkforceModel) -> None:
        if m.tick == self.start_tick:
            self.start_(m)
        if self.start_tick <= m.tick < self.end_tick:
            self.month(m)
        if m.tick == self.end_tick:
            self.end_(m)

    # Subclasses override these.
    def start_(self, m: WorkforceModel) -> None:
        """Act on the start month."""

    def month(self, m: WorkforceModel) -> None:
        """Act every month while active."""

    def end_(self, m: WorkforceModel) -> None:
        """Undo on the end month."""

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "councils": self.councils, "start": self.start, "end": self.end}


@dataclass
class PayUplift(Policy):
    """Raise qualified pay by a percentage and/or a number of pounds a year.

    Source: the Bexley story ("neighbours pay more"; what if Bexley pays more?).
    """

    pct: float = 0.0
    gbp: float = 0.0
    kind: ClassVar[str] = "pay_uplift"

    def check(self) -> None:
        """The ranges of ``pct`` and ``gbp`` are :data:`sim.limits.PAY_UPLIFT_PCT` and ``PAY_UPLIFT_GBP``."""

    def start_(self, m: WorkforceModel) -> None:
        self._check_common()
        pay = m.councils.pay_gbp
        self._before = pay[self.index].copy()
        pay[self.index] = pay[self.index] * (1 + self.pct / 100) + self.gbp

    def end_(self, m: WorkforceModel) -> None:
        m.councils.pay_gbp[self.index] = self._before
