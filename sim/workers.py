"""Workers as numpy columns (structure of arrays), with a fixed capacity of slots.

A slot is a worker's stable identity for random draws (see :mod:`sim.rng`). Slots are never
appended to: the table starts with room to spare, new workers take the lowest free slots, and the
table doubles its capacity in the rare month it runs out (draws depend on slot numbers only, so
growing changes nobody's numbers). Slots at or above the high-water mark ``used`` have never been
written, so scans over the workers look at ``live`` columns (the slots below it) only.

The councils' stocks are a running tally of the status, employer and FTE columns. Those three are
read-only arrays: they change only through :meth:`WorkerTable.edit`, :meth:`WorkerTable.release`
and new workers' :meth:`WorkerTable.writable` columns, which note the slots they touch, so that a
recount re-tallies those slots only (a direct write raises numpy's "assignment destination is
read-only").
"""

from __future__ import annotations

import numpy as np

from . import kernels
from .status import AGENCY, FREE, PERM, POOL, STATUS_NAMES  # noqa: F401 (re-exported)

NEVER = -(10**6)

# column name -> (dtype, value of an empty slot)
COLUMNS: dict[str, tuple[type, float]] = {
    "status": (np.int8, FREE),  # FREE, PERM, AGENCY or POOL
    "employer": (np.int16, -1),  # council index (permanent employer or agency placement), -1 none
    "home": (np.int16, -1),  # council the worker lives in: their reach is it and its neighbours
    "home_zone": (np.int16, -1),  # where in it: home x K + point (sim.geography), for commuting distances
    "pq_months": (np.int16, 0),  # months since qualifying
    "tenure": (np.int16, 0),  # months with the current employer or placement
    "fte": (np.float32, 0.0),  # full-time equivalent of the contract
    "taste_pay": (np.float32, 1.0),  # personal weight on pay (multiplies b_pay)
    "left_perm_tick": (np.int32, NEVER),  # month the worker last left a permanent post in the region
    "hired_tick": (np.int32, NEVER),  # month the current employment began
}


TALLIED = ("status", "employer", "fte")  # the columns the council stocks are counted from


class WorkerTable:
    """The population of social workers as columns.

    Attributes:
        capacity: number of slots.
        used: 1 + the highest slot ever written (every slot from there up is free).
        status, employer, home, pq_months, tenure, fte, taste_pay, left_perm_tick, hired_tick:
            one numpy array per column, of length ``capacity``; ``status``, ``employer`` and ``fte``
            are read-only (write them with :meth:`edit`).
    """

    def __init__(self, capacity: int) -> None:
        self.capacity = int(capacity)
        self._columns = {name: np.full(self.capacity, empty, dtype=dtype) for name, (dtype, empty) in COLUMNS.items()}
        self._expose()
        self.used = 0
        self._tally: _Tally | None = None
        self._changed: list[np.ndarray] = []  # slots whose tallied columns were written since the last tally

    def _expose(self) -> None:
        """The columns as attributes: the tallied ones as read-only views."""
        self._column_tuple = tuple(self._columns.values())
        for name, column in self._columns.items():
            if name in TALLIED:
                column = column.view()
                column.flags.writeable = False
            setattr(self, name, column)

    def edit(self, slots: np.ndarray, **values: np.ndarray | float) -> None:
        """Set columns of the workers in ``slots`` (index arrays; one value, or one per slot), e.g.
        ``edit(who, status=POOL, employer=-1, tenure=0)``."""
        for name, value in values.items():
            if name not in self._columns:
                raise KeyError(f"no worker column {name!r} (columns: {', '.join(self._columns)})")
            self._columns[name][slots] = value
        if not values.keys().isdisjoint(TALLIED):
            self._note(slots)

    def writable(self, *names: str, changed: np.ndarray) -> tuple[np.ndarray, ...]:
        """The named columns, writable, for a kernel that writes the slots ``changed`` (noted)."""
        self._note(changed)
        return tuple(self._columns[name] for name in names)

    def columns(self) -> tuple[np.ndarray, ...]:
        """Every column, writable, in the order of ``COLUMNS``, for a kernel that decides which slots
        it writes (:mod:`sim.kernels`' whole decisions); the caller notes them (:meth:`note`)."""
        return self._column_tuple

    def note(self, slots: np.ndarray) -> None:
        """Note slots whose tallied columns a kernel wrote (see :meth:`columns`)."""
        self._note(slots)

    def _note(self, slots: np.ndarray) -> None:
        """Note slots whose tallied columns are being written (and raise the high-water mark)."""
        slots = np.asarray(slots, dtype=np.int64).ravel()
        if slots.size:
            self._changed.append(slots)
            self.used = max(self.used, int(slots[slots.argmax()]) + 1)  # argmax: a quarter of max's overhead

    def live(self, *names: str) -> tuple[np.ndarray, ...]:
        """Views of the named columns over the slots below the high-water mark (the rest are free)."""
        return tuple(getattr(self, name)[: self.used] for name in names)

    def with_status(self, *codes: int) -> np.ndarray:
        """Slots whose status is one of ``codes`` (ascending)."""
        status = self.status[: self.used]
        if len(codes) == 1:
            return kernels.first_with_status(status, codes[0], status.size)
        return np.flatnonzero(np.isin(status, codes))

    def count(self, code: int) -> int:
        return int(np.count_nonzero(self.status == code))

    def take_free(self, n: int) -> np.ndarray:
        """The ``n`` lowest-numbered free slots, growing the table if needed (they stay free until
        written)."""
        free = kernels.first_with_status(self.status, FREE, n)
        if free.size < n:
            self._grow(max(self.capacity, n - free.size))
            free = kernels.first_with_status(self.status, FREE, n)
        return free

    def release(self, slots: np.ndarray) -> None:
        """Empty the given slots (the workers left the simulated market)."""
        columns = self.writable(*COLUMNS, changed=slots)
        if kernels.compiled():  # one pass over the slots (tests check it empties every column)
            kernels.release(slots, *columns, NEVER)
            return
        for column, (_, empty) in zip(columns, COLUMNS.values(), strict=True):
            column[slots] = empty

    def stocks(self, out: np.ndarray, check: bool = False) -> None:
        """Per council ``0..n-1``, into the rows of ``out`` (4, n): headcount and FTE of permanent
        workers, then of placed agency workers.

        The first call counts every slot; later calls re-tally only the slots written since (noted
        by :meth:`edit`, :meth:`release` and :meth:`writable`), comparing them with a copy of the
        columns taken when they were last counted. The result is bit-identical to a full count: FTEs
        are float32 values, so every partial sum of them in float64 is exact (a float32 FTE >= 2**-7
        is a multiple of 2**-30, and sums stay far below 2**53 of those), whatever the order.

        Args:
            out: the (4, n) array to write.
            check: compare every slot with the copy afterwards anyway, and raise AssertionError if
                a slot changed without being noted (the validating mode does this).
        """
        n = out.shape[1]
        t = self._tally
        if t is None or t.n != n or t.status.size != self.capacity:
            t = self._tally = _Tally(n, self.status.copy(), self.employer.copy(), self.fte.copy())
            kernels.add_to_tally(t.status, t.employer, t.fte, 1, t.count, t.total)
            self._changed.clear()
            out[0::2] = t.count
            out[1::2] = t.total
            return
        changed, self._changed = self._changed, []
        u = self.used  # the slots above have never been written (here and in the copies)
        kernels.retally(self.status, self.employer, self.fte, t.status, t.employer, t.fte, t.count, t.total, changed,
                        u, out)
        if check and (missed := kernels.tally(self.status[:u], self.employer[:u], self.fte[:u], t.status[:u],
                                              t.employer[:u], t.fte[:u], t.count, t.total)):
            raise AssertionError(f"{missed} worker slots changed without being noted for the stock tally")

    def _grow(self, extra: int) -> None:
        for name, (dtype, empty) in COLUMNS.items():
            self._columns[name] = np.concatenate([self._columns[name], np.full(extra, empty, dtype=dtype)])
        self._expose()
        self.capacity += extra

    def nbytes(self) -> int:
        return sum(getattr(self, name).nbytes for name in COLUMNS)


class _Tally:
    """Running per-council counts and FTE totals of permanent and placed agency workers, with the
    columns they were counted from (see :meth:`WorkerTable.stocks`)."""

    def __init__(self, n: int, status: np.ndarray, employer: np.ndarray, fte: np.ndarray) -> None:
        self.n, self.status, self.employer, self.fte = n, status, employer, fte
        self.count = np.zeros((2, n), dtype=np.int64)
        self.total = np.zeros((2, n))
