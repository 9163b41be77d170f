"""Samples of outcomes from the engine and from the reference model, over many seeds, in parallel.

Used by tests/test_reference_agreement.py (each run is a pure function of its arguments, so the
samples are the same in any process and in any order)."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import numpy as np

OUTCOMES = ("turnover_pct", "council_moves_pct", "agency_rate_pct", "vacancy_rate_pct")
MODELS = ("engine", "reference", "double_exit_reference")


def outcomes(model: str, region: str, months: int, seed: int) -> list[float]:
    """The region's outcomes over the last 12 of ``months`` months, from one seeded run."""
    if model == "engine":
        from sim.model import WorkforceModel

        summary = WorkforceModel(region=region, seed=seed, months=months).run(months=months).results.summary()
    else:
        from .model import DoubleExitReference, ReferenceModel

        cls = ReferenceModel if model == "reference" else DoubleExitReference
        summary = cls(region=region, seed=seed).run(months).summary()
    return [float(summary[k]) for k in OUTCOMES]


def sample(jobs: list[tuple[str, str, int, int]], processes: int = 2) -> dict[tuple[str, str], np.ndarray]:
    """Run ``(model, region, months, seed)`` jobs; returns {(model, region): (seeds, outcomes) array}."""
    with ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn")) as pool:
        results = list(pool.map(outcomes, *zip(*jobs, strict=True), chunksize=4))
    out: dict[tuple[str, str], list[list[float]]] = {}
    for (model, region, _, _), row in zip(jobs, results, strict=True):
        out.setdefault((model, region), []).append(row)
    return {k: np.array(v) for k, v in out.items()}
