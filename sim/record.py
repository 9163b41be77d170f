"""Recording the month: per-council stocks, flows and costs, and the origin-destination moves.

Storage is preallocated (and doubled when a browser session runs past it), one row per month. The
tidy pandas tables are built on demand by :mod:`sim.results`.
"""

from __future__ import annotations

import numpy as np

from . import kernels

# Flows are counted in heads and in FTE during the month, then stored by the record phase.
STARTER_SOURCES = ("council", "agency", "new_qualifier", "returner_overseas")
LEAVER_DESTINATIONS = ("council", "outside_region", "agency", "out_of_profession")
FLOWS = (
    tuple(f"starters_{s}" for s in STARTER_SOURCES)
    + tuple(f"leavers_{d}" for d in LEAVER_DESTINATIONS)
    + ("agency_placed", "agency_ended")
)
_LEAVER_FLOWS = tuple(f"leavers_{d}" for d in LEAVER_DESTINATIONS)
SPENDS = ("golden_hello_gbp", "retention_gbp", "supplement_gbp")
STOCKS = ("perm_count", "perm_fte", "agency_count", "agency_fte", "vacancy_fte", "establishment_fte",
          "cases", "caseload", "unallocated_cases", "pay_gbp", "reputation", "grade", "pay_bill_gbp",
          "agency_spend_gbp")


class Recorder:
    """Month-by-month storage for one run.

    Args:
        n_councils: number of simulated councils.
        months: expected number of months (storage grows if exceeded).
    """

    def __init__(self, n_councils: int, months: int = 120) -> None:
        self.n = n_councils
        self.rows = 0  # months stored (tick 0 included)
        cap = months + 2  # tick 0, the months, and the open row of the month after the last
        self.stock = {k: np.zeros((cap, n_councils)) for k in STOCKS}
        self.flow = {k: np.zeros((cap, n_councils)) for k in FLOWS}
        self.flow_fte = {k: np.zeros((cap, n_councils)) for k in FLOWS}
        self.spend = {k: np.zeros((cap, n_councils)) for k in SPENDS}
        self.pool_count = np.zeros(cap)
        self.od: list[np.ndarray] = []  # per month: (k, 4) array of origin, destination, heads, fte
        self._leavers_12: tuple[int, np.ndarray] | None = None  # (rows, leavers_last_12()) when computed
        self._reset_month()

    # ---- during the month -------------------------------------------------------------------
    def _reset_month(self) -> None:
        """Start this month's flows and spends in the next (zero) row of storage."""
        self._ensure(self.rows + 1)
        self._moves: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    # this month's rows of the flows (heads and FTE) and spending, by kind
    _flow = property(lambda self: {k: self.flow[k][self.rows] for k in FLOWS})
    _flow_fte = property(lambda self: {k: self.flow_fte[k][self.rows] for k in FLOWS})
    _spend = property(lambda self: {k: self.spend[k][self.rows] for k in SPENDS})

    def count(self, kind: str, council: np.ndarray, fte: np.ndarray) -> None:
        """Add workers (their council indices and FTE) to this month's flow ``kind``."""
        if council.size:
            r = self.rows
            kernels.add_by_council(council, fte, self.flow_fte[kind][r], self.flow[kind][r])

    def pay(self, kind: str, council: np.ndarray, amount: np.ndarray | float) -> None:
        """Add spending (GBP) by councils to this month's ``kind``."""
        if council.size:
            kernels.add_by_council(council, amount, self.spend[kind][self.rows])

    def flow_row(self, kind: str) -> tuple[np.ndarray, np.ndarray]:
        """This month's (FTE, heads) rows of flow ``kind``, for a kernel that records into them."""
        r = self.rows
        return self.flow_fte[kind][r], self.flow[kind][r]

    def spend_row(self, kind: str) -> np.ndarray:
        """This month's row of spending ``kind``, for a kernel that records into it."""
        return self.spend[kind][self.rows]

    def moves(self, origin: np.ndarray, destination: np.ndarray, fte: np.ndarray) -> None:
        """Record moves between councils (destination may be a boundary council, >= n)."""
        if origin.size:
            self._moves.append((origin.astype(np.int64), destination.astype(np.int64), fte))

    # ---- the record phase -------------------------------------------------------------------
    def close_month(self, stocks: dict[str, np.ndarray], pool_count: int, n_all: int) -> None:
        """Store the month's stocks (its flows are already in place) and start a new month."""
        r = self.rows
        for k in STOCKS:
            self.stock[k][r] = stocks[k]
        self.pool_count[r] = pool_count
        self.od.append(self._od_table(n_all))
        self.rows += 1
        self._reset_month()

    def _od_table(self, n_all: int) -> np.ndarray:
        if not self._moves:
            return np.zeros((0, 4))
        if len(self._moves) == 1:  # (one call a month, from the moves phase)
            o, d, f = self._moves[0]
        else:
            o, d, f = (np.concatenate(parts) for parts in zip(*self._moves, strict=True))
        return kernels.od_table(o, d, f, n_all)

    def _ensure(self, rows: int) -> None:
        cap = self.stock[STOCKS[0]].shape[0]
        if rows <= cap:
            return
        new = max(rows, 2 * cap)
        for table in (self.stock, self.flow, self.flow_fte, self.spend):
            for k, arr in table.items():
                grown = np.zeros((new, self.n))
                grown[:cap] = arr
                table[k] = grown
        pool = np.zeros(new)
        pool[:cap] = self.pool_count
        self.pool_count = pool

    def leavers_last_12(self) -> np.ndarray:
        """Permanent leavers (FTE) per council over the last 12 recorded months (computed once a
        month: recorded months do not change; do not write into the array returned)."""
        if self._leavers_12 is None or self._leavers_12[0] != self.rows:
            lo = max(0, self.rows - 12)
            total = sum(np.add.reduce(self.flow_fte[k][lo:self.rows], axis=0) for k in _LEAVER_FLOWS)  # .sum(axis=0)
            self._leavers_12 = (self.rows, total)
        return self._leavers_12[1]
