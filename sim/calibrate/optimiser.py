"""The search: optuna (TPE or CMA-ES) in ask-and-tell batches, runs evaluated in a process pool.

Each batch asks the sampler for ``workers`` trials, evaluates them in parallel (every trial runs all
its base years and seeds in one process) and tells the results back in trial order. Because the
batch is told in order and every run is seeded, a calibration with the same spec gives the same
trials whatever the machine's timing. The current defaults are always trial 0, so the result is never
worse than where it started. After the search, each free parameter is profiled: the objective on a
grid across its range with the others held at the optimum.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .objective import (
    CalibrationSpec,
    census_targets,
    distance,
    mean_moments,
    moment_weights,
    simulate_moments,
    with_fixed,
)

Job = tuple[str, list[int], list[int], dict[str, float]]


@dataclass
class CalibrationResult:
    """Everything a calibration found, for the parameter file and the report."""

    spec: CalibrationSpec
    best: dict[str, float]
    best_value: float
    prior_value: float
    weights: dict[str, float]
    targets: dict[int, dict[str, float]]
    model: dict[int, dict[str, float]]  # seed-averaged moments at the optimum
    model_seeds: dict[int, list[dict[str, float]]]
    prior_model: dict[int, dict[str, float]]
    history: list[tuple[int, dict[str, float], float]]
    profiles: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    seconds: float = 0.0
    seconds_per_trial: float = 0.0


class Evaluator:
    """Evaluates parameter sets, in this process (``workers`` = 1) or in a spawned process pool."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.pool: cf.ProcessPoolExecutor | None = None
        if workers > 1:
            self.pool = cf.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))

    def map(self, jobs: Iterable[Job]) -> Iterator[dict[int, list[dict[str, float]]]]:
        """Moments of each job, in order."""
        jobs = list(jobs)
        if self.pool is None:
            return map(simulate_moments, jobs)
        return self.pool.map(simulate_moments, jobs)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)

    def __enter__(self) -> Evaluator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def make_sampler(spec: CalibrationSpec):
    """The optuna sampler the spec names (TPE multivariate with a constant liar, or CMA-ES)."""
    import optuna

    if spec.sampler == "cmaes":
        return optuna.samplers.CmaEsSampler(seed=spec.sampler_seed, x0=spec.prior_point(),
                                            n_startup_trials=0)
    return optuna.samplers.TPESampler(seed=spec.sampler_seed, multivariate=True, constant_liar=True,
                                      n_startup_trials=max(10, 2 * len(spec.free)))


def calibrate(spec: CalibrationSpec, targets: dict[int, dict[str, float]] | None = None,
              progress: Callable[[int, int, float], None] | None = None, profile: bool = True) -> CalibrationResult:
    """Estimate the free parameters of ``spec`` by minimising the weighted moment distance.

    Args:
        spec: the calibration spec.
        targets: moments to match per base year (default: the census of the following year). Tests
            pass moments the model itself generated.
        progress: called as ``progress(trials_done, trials, best_value)`` after each batch.
        profile: also compute the one-at-a-time profiles of the objective.

    Returns:
        A :class:`CalibrationResult`.
    """
    import optuna
    from optuna.distributions import FloatDistribution

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    start = time.perf_counter()
    targets = targets if targets is not None else census_targets(spec.region, spec.base_years)
    weights = moment_weights(spec.region, spec.weight_multipliers)
    dists = {n: FloatDistribution(lo, hi) for n, (lo, hi) in spec.free.items()}
    study = optuna.create_study(direction="minimize", sampler=make_sampler(spec))
    study.enqueue_trial(spec.prior_point())
    history: list[tuple[int, dict[str, float], float]] = []
    moments_of: dict[int, dict[int, list[dict[str, float]]]] = {}

    def job(params: dict[str, float]) -> Job:
        return (spec.region, spec.base_years, spec.seeds, with_fixed(spec, params))

    with Evaluator(spec.workers) as ev:
        done = 0
        while done < spec.trials:
            batch = [study.ask(dists) for _ in range(min(spec.workers, spec.trials - done))]
            for trial, per_seed in zip(batch, ev.map(job(t.params) for t in batch), strict=True):
                model = {y: mean_moments(v) for y, v in per_seed.items()}
                value = distance(model, targets, weights)
                study.tell(trial, value)
                history.append((trial.number, dict(trial.params), value))
                moments_of[trial.number] = per_seed
            done += len(batch)
            if progress:
                progress(done, spec.trials, study.best_value)
        search_seconds = time.perf_counter() - start
        best_trial = study.best_trial
        best = dict(best_trial.params)
        result = CalibrationResult(
            spec=spec, best=best, best_value=float(best_trial.value), prior_value=history[0][2],
            weights=weights, targets=targets,
            model={y: mean_moments(v) for y, v in moments_of[best_trial.number].items()},
            model_seeds=moments_of[best_trial.number],
            prior_model={y: mean_moments(v) for y, v in moments_of[0].items()},
            history=history, seconds_per_trial=search_seconds / max(1, spec.trials))
        if profile:
            result.profiles = profiles(spec, best, targets, weights, ev)
    result.seconds = time.perf_counter() - start
    return result


def profile_grid(lo: float, hi: float, best: float, points: int) -> list[float]:
    """``points`` values evenly across [lo, hi], plus the optimum itself."""
    return sorted({*np.linspace(lo, hi, points).round(10).tolist(), float(best)})


def profiles(spec: CalibrationSpec, best: dict[str, float], targets: dict[int, dict[str, float]],
             weights: dict[str, float], ev: Evaluator) -> dict[str, list[tuple[float, float]]]:
    """The objective along each free parameter's range, the others held at the optimum."""
    points: list[tuple[str, float]] = [(n, x) for n, (lo, hi) in spec.free.items()
                                       for x in profile_grid(lo, hi, best[n], spec.profile_points)]
    jobs = [(spec.region, spec.base_years, spec.seeds, with_fixed(spec, {**best, n: x})) for n, x in points]
    out: dict[str, list[tuple[float, float]]] = {n: [] for n in spec.free}
    for (name, x), per_seed in zip(points, ev.map(jobs), strict=True):
        out[name].append((x, distance({y: mean_moments(v) for y, v in per_seed.items()}, targets, weights)))
    return out


def moments_at(spec: CalibrationSpec, params: dict[str, Any]) -> dict[int, dict[str, float]]:
    """Seed-averaged moments of one parameter set, in this process."""
    per_seed = simulate_moments((spec.region, spec.base_years, spec.seeds, with_fixed(spec, params)))
    return {y: mean_moments(v) for y, v in per_seed.items()}


__all__ = ["CalibrationResult", "Evaluator", "calibrate", "moments_at", "profile_grid", "profiles"]
