"""Ensembles of 12-month runs: one per (parameter draw, seed), in a process pool, as small tables.

The forecast (``sim forecast``), the bank of simulations behind the forecast league table (``sim
validate --backtest``) and the screening of parameters all run many short runs from a census year and
keep, of each, the per-council measures at the end and the region's moments. :func:`run_many` maps any
picklable function over jobs in forked worker processes (they stop with the parent; the same pattern as
``sim compare``), in job order.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pandas as pd

from .limits import WORKERS
from .procs import pool_worker_init, signals_deferred, terminate_pool

# Forecasts draw each council's forecast error in every run (sim.build.build_identity), so that an
# ensemble's spread holds what a council's history cannot tell as well as the parameters and chance.
FORECAST_ERROR = {"council_forecast_error": 1.0}

# Per-council measures kept from each run: the census measures and FTE in post.
COUNCIL_MEASURES = ("turnover_pct", "agency_rate_pct", "vacancy_rate_pct", "caseload", "perm_fte")


def run_many(fn: Callable[[Any], Any], jobs: Iterable[Any], workers: int | None = None,
             progress: Callable[[int, int], None] | None = None) -> list[Any]:
    """``[fn(job) for job in jobs]``, on ``workers`` processes (default all cores; 1 = this process)."""
    from .compare import _context

    jobs = list(jobs)
    workers = WORKERS.check(os.cpu_count() or 1 if workers is None else workers, "--workers")
    out: list[Any] = [None] * len(jobs)
    if workers == 1 or len(jobs) <= 1:
        for i, job in enumerate(jobs):
            out[i] = fn(job)
            if progress:
                progress(i + 1, len(jobs))
        return out
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=_context(),
                             initializer=pool_worker_init) as pool:
        try:
            with signals_deferred():
                futures = {pool.submit(fn, job): i for i, job in enumerate(jobs)}
            done = 0
            from concurrent.futures import as_completed

            for fut in as_completed(futures):
                out[futures[fut]] = fut.result()
                done += 1
                if progress:
                    progress(done, len(jobs))
        except BaseException:
            terminate_pool(pool)
            raise
    return out


def one_year(job: tuple[str, int, int, dict[str, float]]) -> tuple[pd.DataFrame, dict[str, float]]:
    """Run 12 months from the census of a base year; return the per-council measures at the end
    (:data:`COUNCIL_MEASURES`, indexed by code) and the region's moments.

    Args:
        job: (region, base year, seed, parameters).
    """
    from .calibrate.moments import model_councils, model_moments
    from .calibrate.objective import region_codes, run_council_months

    region, base_year, seed, params = job
    codes = region_codes(region)
    cm = run_council_months(region, base_year, seed, params)
    councils = model_councils(cm, codes)[list(COUNCIL_MEASURES)].astype(float)
    return councils, model_moments(cm, codes)


__all__ = ["COUNCIL_MEASURES", "FORECAST_ERROR", "one_year", "run_many"]
