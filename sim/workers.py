"""Workers as numpy columns (structure of arrays), with a fixed capacity of slots.

A slot is a worker's stable identity for random draws (see :mod:`sim.rng`). Slots are never
appended to: the table starts with room to spare, new workers take the lowest free slots, and the
table doubles its capacity in the rare month it runs out (draws depend on slot numbers only, so
growing changes nobody's numbers).
"""

from __future__ import annotations

import numpy as np

# Worker status codes.
FREE, PERM, AGENCY, POOL = 0, 1, 2, 3
STATUS_NAMES = {FREE: "free slot", PERM: "permanent", AGENCY: "agency (placed)", POOL: "agency (between placements)"}
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

    def with_status(self, *codes: int) -> np.ndarray:
        """Slots whose status is one of ``codes`` (ascending)."""
        if len(codes) == 1:
            return np.flatnonzero(self.status == codes[0])
        return np.flatnonzero(np.isin(self.status, codes))

    def count(self, code: int) -> int:
        return int(np.count_nonzero(self.status == code))

    def take_free(self, n: int) -> np.ndarray:
        """Reserve ``n`` free slots (the lowest numbered), growing the table if needed."""
        free = np.flatnonzero(self.status == FREE)
        if free.size < n:
            self._grow(max(self.capacity, n - free.size))
            free = np.flatnonzero(self.status == FREE)
        return free[:n]

    def release(self, slots: np.ndarray) -> None:
        """Empty the given slots (the workers left the simulated market)."""
        for name, (_, empty) in COLUMNS.items():
            getattr(self, name)[slots] = empty

    def _grow(self, extra: int) -> None:
        for name, (dtype, empty) in COLUMNS.items():
            col = getattr(self, name)
            setattr(self, name, np.concatenate([col, np.full(extra, empty, dtype=dtype)]))
        self.capacity += extra

    def nbytes(self) -> int:
        return sum(getattr(self, name).nbytes for name in COLUMNS)
