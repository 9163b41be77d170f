"""Workers as numpy columns (structure of arrays), with a fixed capacity of slots.

A slot is a worker's stable identity for random draws (see :mod:`sim.rng`). Slots are never
appended to: the table starts with room to spare, new workers take the lowest free slots, and the
table doubles its capacity in the rare month it runs out (draws depend on slot numbers only, so
growing changes nobody's numbers). Slots at or above the high-water mark ``used`` have never been
taken, so scans over the workers look at ``live`` columns (the slots below it) only.
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
    "pq_months": (np.int16, 0),  # months since qualifying
    "tenure": (np.int16, 0),  # months with the current employer or placement
    "fte": (np.float32, 0.0),  # full-time equivalent of the contract
    "taste_pay": (np.float32, 1.0),  # personal weight on pay (multiplies b_pay)
    "left_perm_tick": (np.int32, NEVER),  # month the worker last left a permanent post in the region
    "hired_tick": (np.int32, NEVER),  # month the current employment began
}


class WorkerTable:
    """The population of social workers as columns.

    Attributes:
        capacity: number of slots.
        status, employer, home, pq_months, tenure, fte, taste_pay, left_perm_tick, hired_tick:
            one numpy array per column, of length ``capacity``.
    """

    def __init__(self, capacity: int) -> None:
        self.capacity = int(capacity)
        for name, (dtype, empty) in COLUMNS.items():
            setattr(self, name, np.full(self.capacity, empty, dtype=dtype))
        self.used = 0  # 1 + the highest slot ever taken: every slot from here up is free
        self._tally: _Tally | None = None

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
        """Reserve ``n`` free slots (the lowest numbered), growing the table if needed."""
        free = kernels.first_with_status(self.status, FREE, n)
        if free.size < n:
            self._grow(max(self.capacity, n - free.size))
            free = kernels.first_with_status(self.status, FREE, n)
        if free.size:
            self.used = max(self.used, int(free[-1]) + 1)
        return free

    def release(self, slots: np.ndarray) -> None:
        """Empty the given slots (the workers left the simulated market)."""
        if kernels.compiled():  # one pass over the slots, for the columns listed (tests check it covers COLUMNS)
            kernels.release(slots, self.status, self.employer, self.home, self.pq_months, self.tenure, self.fte,
                            self.taste_pay, self.left_perm_tick, self.hired_tick, NEVER)
            return
        for name, (_, empty) in COLUMNS.items():
            getattr(self, name)[slots] = empty

    def stocks(self, out: np.ndarray, changed: np.ndarray | None = None, check: bool = False) -> None:
        """Per council ``0..n-1``, into the rows of ``out`` (4, n): headcount and FTE of permanent
        workers, then of placed agency workers.

        The first call counts every slot; later calls compare the status, employer and FTE columns
        with a copy taken at the previous call and re-tally only the slots that changed, whoever
        changed them. The result is bit-identical to a full count: FTEs are float32 values, so every
        partial sum of them in float64 is exact (a float32 FTE >= 2**-7 is a multiple of 2**-30, and
        sums stay far below 2**53 of those), whatever the order of addition.

        Args:
            out: the (4, n) array to write.
            changed: if given, the only slots that can have changed since the last call (the caller
                knows; saves comparing every slot).
            check: with ``changed``, compare every slot afterwards anyway, and raise
                AssertionError if any other slot had changed.
        """
        n = out.shape[1]
        t = self._tally
        if t is None or t.n != n or t.status.size != self.capacity:
            t = self._tally = _Tally(n, self.status.copy(), self.employer.copy(), self.fte.copy())
            kernels.add_to_tally(t.status, t.employer, t.fte, 1, t.count, t.total)
        else:
            u = self.used  # the slots above have never been taken (here and in the copies)
            columns = (self.status[:u], self.employer[:u], self.fte[:u], t.status[:u], t.employer[:u], t.fte[:u],
                       t.count, t.total)
            kernels.tally(*columns, only=changed)
            if changed is not None and check and (missed := kernels.tally(*columns)):
                raise AssertionError(f"{missed} worker slots changed outside the {len(changed)} slots said to")
        out[0::2] = t.count
        out[1::2] = t.total

    def _grow(self, extra: int) -> None:
        for name, (dtype, empty) in COLUMNS.items():
            col = getattr(self, name)
            setattr(self, name, np.concatenate([col, np.full(extra, empty, dtype=dtype)]))
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
