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

from ..errors import SimInputError
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


REFINE_BOX = 0.1  # the refinement stage searches +-10% of each parameter's range around the best point


def make_sampler(spec: CalibrationSpec, seed_offset: int = 0):
    """The optuna sampler of the spec: TPE (multivariate, constant liar) or CMA-ES (needs ``cmaes``)."""
    import optuna

    seed = spec.sampler_seed + seed_offset
    if spec.sampler == "cmaes":
        try:
            import cmaes  # noqa: F401
        except ImportError:
            raise SimInputError("sampler 'cmaes' needs the cmaes package (pip install cmaes); or use 'tpe'") from None
        return optuna.samplers.CmaEsSampler(seed=seed, n_startup_trials=1, warn_independent_sampling=False)
    return optuna.samplers.TPESampler(seed=seed, multivariate=True, constant_liar=True,
                                      n_startup_trials=max(10, 2 * len(spec.free)))


def refine_box(spec: CalibrationSpec, x0: dict[str, float]) -> dict[str, tuple[float, float]]:
    """The local search box: +-``REFINE_BOX`` of each range around ``x0``, clipped to the range."""
    box = {}
    for n, (lo, hi) in spec.free.items():
        half = REFINE_BOX * (hi - lo)
        box[n] = (max(lo, x0[n] - half), min(hi, x0[n] + half))
    return box


@dataclass
class _Search:
    """State shared by the search stages."""

    spec: CalibrationSpec
    targets: dict[int, dict[str, float]]
    weights: dict[str, float]
    ev: Evaluator
    progress: Callable[[int, int, float], None] | None
    history: list[tuple[int, dict[str, float], float]] = field(default_factory=list)
    moments_of: dict[int, dict[int, list[dict[str, float]]]] = field(default_factory=dict)

    def stage(self, sampler: Any, trials: int, start: dict[str, float], total: int,
              box: dict[str, tuple[float, float]] | None = None) -> None:
        """Run ``trials`` trials of ``sampler`` over ``box`` (default: the free ranges) in batches of
        ``workers``, the first trial being ``start``."""
        import optuna
        from optuna.distributions import FloatDistribution

        spec = self.spec
        dists = {n: FloatDistribution(lo, hi) for n, (lo, hi) in (box or spec.free).items()}
        study = optuna.create_study(direction="minimize", sampler=sampler)
        study.enqueue_trial(start)
        done = 0
        while done < trials:
            batch = [study.ask(dists) for _ in range(min(spec.workers, trials - done))]
            jobs = [(spec.region, spec.base_years, spec.seeds, with_fixed(spec, t.params)) for t in batch]
            for trial, per_seed in zip(batch, self.ev.map(jobs), strict=True):
                value = distance({y: mean_moments(v) for y, v in per_seed.items()}, self.targets, self.weights)
                study.tell(trial, value)
                self.moments_of[len(self.history)] = per_seed
                self.history.append((len(self.history), dict(trial.params), value))
            done += len(batch)
            if self.progress:
                self.progress(len(self.history), total, self.best()[2])

    def best(self) -> tuple[int, dict[str, float], float]:
        return min(self.history, key=lambda h: h[2])


def calibrate(spec: CalibrationSpec, targets: dict[int, dict[str, float]] | None = None,
              progress: Callable[[int, int, float], None] | None = None, profile: bool = True) -> CalibrationResult:
    """Estimate the free parameters of ``spec`` by minimising the weighted moment distance.

    Two stages: ``spec.trials`` trials of the spec's sampler from the current defaults (a global
    search), then ``spec.refine_trials`` trials of TPE in a box of +-10% of each range around the best
    point so far (a local search, started at that point). Every trial is numbered in one history; the
    best of all is the estimate.

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

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    start = time.perf_counter()
    targets = targets if targets is not None else census_targets(spec.region, spec.base_years)
    weights = moment_weights(spec.region, spec.weight_multipliers, last_year=max(spec.base_years) + 1)
    total = spec.trials + spec.refine_trials
    with Evaluator(spec.workers) as ev:
        search = _Search(spec, targets, weights, ev, progress)
        search.stage(make_sampler(spec), spec.trials, spec.prior_point(), total)
        if spec.refine_trials:
            x0 = search.best()[1]
            search.stage(make_sampler(spec, seed_offset=1), spec.refine_trials, x0, total, refine_box(spec, x0))
        search_seconds = time.perf_counter() - start
        number, best, value = search.best()
        result = CalibrationResult(
            spec=spec, best=best, best_value=value, prior_value=search.history[0][2],
            weights=weights, targets=targets,
            model={y: mean_moments(v) for y, v in search.moments_of[number].items()},
            model_seeds=search.moments_of[number],
            prior_model={y: mean_moments(v) for y, v in search.moments_of[0].items()},
            history=search.history, seconds_per_trial=search_seconds / max(1, total))
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
