"""The posterior over the behavioural parameters: Morris screening, then ABC (rejection or SMC) with pyabc.

``sim calibrate`` (the default method, ``abc``):

1. **Screening** (:mod:`.screening`): parameters whose Morris visibility on the standardised moments is
   below the spec's threshold are fixed (at their prior default) and reported as such.
2. **ABC** (pyabc): priors uniform over the spec's ``[free]`` ranges for the remaining parameters; the
   model is one 12-month run from every base year of the spec with one seed (a fresh seed per particle,
   derived from its parameters, so the randomness of the census is part of the likelihood); the distance
   is the calibration objective (:func:`~.objective.distance`: inverse-variance weighted squared distance
   of the moments to the census of the following years, averaged over base years); each generation's
   epsilon is the ``epsilon_quantile`` of the previous distances (the first: of a prior sample). With
   ``max_generations = 1`` (the spec's default) this is ABC rejection with equal weights; more
   generations continue as ABC-SMC (multivariate normal transitions), which with 14 parameters and a
   noisy distance collapses its importance weights (docs/calibration.md). It stops at the first of:
   ``max_generations``, ``max_simulations`` particles, ``max_minutes`` (both checked between
   generations), an acceptance rate below ``min_acceptance_rate``; if pyabc fails inside a generation,
   the last finished one is the posterior and the provenance says so.
3. The last generation's particles and weights are the posterior (:class:`sim.posterior.Posterior`), with
   provenance; its weighted mean is the point written to ``calibrated_params.toml``.

Samplers: one process, pyabc's multicore sampler (``workers`` processes), or pyabc's Dask sampler on a
``dask.distributed`` scheduler (``--scheduler tcp://HOST:8786``, or ``--dask-workers N`` for a local
cluster). pyabc accepts particles in the order they finish, so a parallel calibration is reproducible
in distribution, not bit for bit.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import os
import tempfile
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import SimInputError
from ..posterior import Posterior
from .moments import MOMENTS
from .objective import CalibrationSpec, census_targets, distance, moment_weights, simulate_moments

SETTINGS: dict[str, tuple[type, float, float]] = {  # [posterior] key -> (type, min, max)
    "population_size": (int, 10, 100_000),
    "max_generations": (int, 1, 100),
    "max_simulations": (int, 10, 100_000_000),
    "max_minutes": (float, 0.1, 100_000),
    "min_acceptance_rate": (float, 0.0, 1.0),
    "epsilon_quantile": (float, 0.001, 1.0),
    "abc_seed": (int, 0, 2**31 - 1),
    "screening_trajectories": (int, 0, 1000),
    "screening_levels": (int, 2, 20),
    "screening_threshold": (float, 0.0, 1e6),
}


@dataclass
class AbcSettings:
    """The budget and the screening of the posterior (a spec's ``[posterior]`` table)."""

    population_size: int = 200
    max_generations: int = 8
    max_simulations: int = 5000
    max_minutes: float = 40.0
    min_acceptance_rate: float = 0.02
    epsilon_quantile: float = 0.5  # each generation's epsilon: this quantile of the previous one's distances
    abc_seed: int = 13
    screening_trajectories: int = 8  # 0 = no screening: every free parameter goes to ABC
    screening_levels: int = 4
    screening_threshold: float = 0.25

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: str = "[posterior]") -> AbcSettings:
        """Settings from a table; every unknown key and bad value reported at once."""
        problems = [f"{where}: unknown key {k!r}; allowed {', '.join(SETTINGS)}" for k in data if k not in SETTINGS]
        for k, v in data.items():
            if k not in SETTINGS:
                continue
            kind, lo, hi = SETTINGS[k]
            ok = isinstance(v, (int, float)) and not isinstance(v, bool) and (kind is float or float(v).is_integer())
            if not ok or not lo <= v <= hi:
                problems.append(f"{where}.{k} = {v!r}: allowed {'a whole number' if kind is int else 'a number'} "
                                f"from {lo:g} to {hi:g}")
        if problems:
            raise SimInputError("; ".join(problems))
        return cls(**{k: SETTINGS[k][0](v) for k, v in data.items()})


def particle_seed(params: dict[str, float], base: int) -> int:
    """The run seed of a particle: a hash of its parameter values (different particles, different seeds;
    the same particle, the same seed)."""
    text = ",".join(f"{k}={float(params[k]):.12g}" for k in sorted(params))
    return (zlib.crc32(text.encode()) + base) % (2**31 - 1)


class MomentModel:
    """pyabc's model: the moments of one 12-month run from each base year, keyed ``"year|moment"``."""

    def __init__(self, region: str, base_years: list[int], fixed: dict[str, float], seed_base: int) -> None:
        self.region, self.base_years, self.fixed, self.seed_base = region, list(base_years), dict(fixed), seed_base
        self.parent = os.getpid()
        self.ready = os.getpid()

    def _in_worker(self) -> None:
        """In a process pyabc forked: end quietly when pyabc terminates it at the end of a generation, and with
        the parent if that dies (the parent's SIGTERM handler, inherited by the fork, would print a traceback)."""
        if os.getpid() != self.ready and threading.current_thread() is threading.main_thread():
            from ..procs import pool_worker_init

            pool_worker_init()
        self.ready = os.getpid()

    def __call__(self, pars: dict[str, float]) -> dict[str, float]:
        if os.getpid() != self.ready:
            self._in_worker()
        params = {k: float(v) for k, v in pars.items()}
        seed = particle_seed(params, self.seed_base)
        per_seed = simulate_moments((self.region, self.base_years, [seed], {**self.fixed, **params}))
        return {f"{y}|{k}": float(v) for y, runs in per_seed.items() for k, v in runs[0].items()}


class MomentDistance:
    """pyabc's distance: the calibration objective on ``"year|moment"`` dictionaries."""

    def __init__(self, weights: dict[str, float], base_years: list[int]) -> None:
        self.weights, self.base_years = dict(weights), list(base_years)

    def unpack(self, x: dict[str, float]) -> dict[int, dict[str, float]]:
        return {y: {k: float(x[f"{y}|{k}"]) for k in MOMENTS} for y in self.base_years}

    def __call__(self, x: dict[str, float], x0: dict[str, float]) -> float:
        return distance(self.unpack(x), self.unpack(x0), self.weights)


def observed(targets: dict[int, dict[str, float]]) -> dict[str, float]:
    """The census moments in the model's ``"year|moment"`` form (keyed by base year)."""
    return {f"{y}|{k}": float(v) for y, m in targets.items() for k, v in m.items()}


@contextlib.contextmanager
def abc_sampler(workers: int, scheduler: str | None = None, dask_workers: int | None = None) -> Iterator[Any]:
    """A pyabc sampler: single core, multicore (``workers`` processes), or Dask (a scheduler address, or a
    local cluster of ``dask_workers`` processes); the Dask client and cluster are closed on exit."""
    import pyabc

    if scheduler or dask_workers:
        from distributed import Client, LocalCluster

        cluster = None
        if scheduler:
            client = Client(scheduler, timeout="30s")
        else:
            cluster = LocalCluster(n_workers=dask_workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None)
            client = Client(cluster)
        try:
            yield pyabc.sampler.DaskDistributedSampler(dask_client=client, batch_size=1)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
    elif workers > 1:
        yield pyabc.sampler.MulticoreEvalParallelSampler(n_procs=workers, check_max_eval=True)
    else:
        yield pyabc.sampler.SingleCoreSampler()


@dataclass
class AbcResult:
    """A posterior and how it was made."""

    posterior: Posterior
    generations: pd.DataFrame  # t, epsilon, samples, particles, acceptance rate, seconds
    settings: AbcSettings
    screening: Any = None  # a screening.Screening, or None
    seconds: float = 0.0
    check: pd.DataFrame = field(default_factory=pd.DataFrame)  # census vs model at the posterior mean


def run_abc(spec: CalibrationSpec, settings: AbcSettings, free: dict[str, tuple[float, float]],
            fixed: dict[str, float], targets: dict[int, dict[str, float]] | None = None, workers: int = 1,
            scheduler: str | None = None, dask_workers: int | None = None, db: str | Path | None = None,
            log: Callable[[str], None] | None = None) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame]:
    """ABC-SMC over ``free`` (uniform priors on the ranges), with ``fixed`` added to every run.

    Returns:
        (draws, weights, generations) of the last generation.
    """
    import logging

    import pyabc

    logging.getLogger("ABC").setLevel(logging.WARNING)
    logging.getLogger("Sampler").setLevel(logging.WARNING)
    targets = targets if targets is not None else census_targets(spec.region, spec.base_years)
    weights = moment_weights(spec.region, spec.weight_multipliers, last_year=max(spec.base_years) + 1)
    prior = pyabc.Distribution(**{n: pyabc.RV("uniform", lo, hi - lo) for n, (lo, hi) in free.items()})
    model = MomentModel(spec.region, spec.base_years, {**spec.fixed, **fixed}, settings.abc_seed)
    dist = MomentDistance(weights, spec.base_years)
    np.random.seed(settings.abc_seed)  # pyabc draws from numpy's global generator (calibration only, not the engine)
    with abc_sampler(workers, scheduler, dask_workers) as sampler, tempfile.TemporaryDirectory() as tmp:
        path = Path(db) if db is not None else Path(tmp) / "abc.db"
        path.parent.mkdir(parents=True, exist_ok=True)
        abc = pyabc.ABCSMC(model, prior, dist, population_size=settings.population_size, sampler=sampler,
                           eps=pyabc.QuantileEpsilon(initial_epsilon="from_sample", alpha=settings.epsilon_quantile))
        abc.new(f"sqlite:///{path}", observed(targets))
        stopped = "budget: generations, particles, minutes or acceptance rate"
        try:
            with np.errstate(divide="ignore", invalid="ignore"):
                history = abc.run(max_nr_populations=settings.max_generations,
                                  min_acceptance_rate=settings.min_acceptance_rate,
                                  max_total_nr_simulations=settings.max_simulations,
                                  max_walltime=dt.timedelta(minutes=settings.max_minutes))
        except (AssertionError, ValueError, FloatingPointError, ZeroDivisionError) as exc:
            # pyabc's importance weights can underflow in many dimensions once epsilon nears the noise
            # floor (seen in generation 8 of 14 parameters): every finished generation is in the database,
            # so the last one is the posterior, and the provenance says why it stopped there.
            history = abc.history
            if history.max_t < 0:
                raise
            stopped = (f"generation {history.max_t + 1} failed in pyabc ({type(exc).__name__}: {exc}); the posterior "
                       f"is generation {history.max_t}")
            if log:
                log(stopped)
        last = history.max_t
        df, w = history.get_distribution(m=0, t=last)
        pops = history.get_all_populations()
    pops = pops[(pops.t >= 0) & (pops.t <= last)].copy()
    pops["acceptance_rate"] = pops.particles / pops.samples
    gens = pops[["t", "epsilon", "samples", "particles", "acceptance_rate", "wall_time"]].reset_index(drop=True)
    gens.attrs["stopped"] = stopped
    if log:
        for r in gens.itertuples():
            log(f"generation {r.t}: epsilon {r.epsilon:.4g}, {r.samples} simulated, acceptance {r.acceptance_rate:.3f}")
    return df[list(free)].reset_index(drop=True), np.asarray(w, float), gens


def calibrate_posterior(spec: CalibrationSpec, settings: AbcSettings, workers: int = 1, scheduler: str | None = None,
                        dask_workers: int | None = None, targets: dict[int, dict[str, float]] | None = None,
                        screen_first: bool = True, db: str | Path | None = None,
                        log: Callable[[str], None] | None = None) -> AbcResult:
    """Screen the spec's free parameters, then ABC-SMC over those the data can see (module docstring)."""
    from .report import code_version
    from .screening import screen

    start = time.perf_counter()
    screening = None
    free, fixed = dict(spec.free), {}
    if screen_first and settings.screening_trajectories > 0:
        screening = screen(spec, settings.screening_trajectories, settings.screening_levels,
                           settings.screening_threshold, workers=workers)
        free = {n: spec.free[n] for n in screening.kept} or dict(spec.free)
        fixed = screening.fixed if screening.kept else {}
        if log:
            log(f"screening: {len(free)} free, fixed {sorted(fixed) or 'none'} ({screening.seconds / 60:.1f} min)")
    draws, weights, gens = run_abc(spec, settings, free, fixed, targets, workers, scheduler, dask_workers, db, log)
    seconds = time.perf_counter() - start
    w = moment_weights(spec.region, spec.weight_multipliers, last_year=max(spec.base_years) + 1)
    kind = "rejection, one generation" if len(gens) == 1 else f"SMC, {len(gens)} generations"
    provenance = {
        "created": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "code_version": code_version(),
        "method": (f"Morris screening (SALib), then ABC with pyabc ({kind}): "
                   f"uniform priors on the spec's ranges, epsilon the {settings.epsilon_quantile:g} quantile of the "
                   "previous distances, multivariate normal transitions; distance = inverse-variance weighted "
                   "squared distance of the moments (sim/calibrate/objective.py)"),
        "spec": spec.source, "region": spec.region, "base_years": spec.base_years,
        "census_years": sorted(y + 1 for y in spec.base_years),
        "weights_census_years": f"up to {max(spec.base_years) + 1}",
        "moments": list(MOMENTS), "weights": w,
        "population_size": settings.population_size,
        "generations": gens.drop(columns="wall_time", errors="ignore").to_dict("records"),
        "simulations": int(gens.samples.sum()), "final_epsilon": float(gens.epsilon.iloc[-1]),
        "stopped": gens.attrs.get("stopped", ""),
        "abc_seed": settings.abc_seed, "run_seeds": "one seed per particle: crc32 of its parameters + abc_seed",
        "sampler": f"dask {scheduler}" if scheduler else f"dask local cluster of {dask_workers}" if dask_workers
        else f"multicore {workers}" if workers > 1 else "single core",
        "budget": {k: getattr(settings, k) for k in SETTINGS},
        "bounds": {n: list(b) for n, b in spec.free.items()},
        "free": list(free), "fixed_by_screening": fixed, "fixed_by_spec": dict(spec.fixed),
        "screening": ({n: float(r.visibility) for n, r in screening.table.iterrows()} if screening else {}),
        "seconds": round(seconds, 1),
    }
    posterior = Posterior(draws, weights, {**spec.fixed, **fixed}, provenance)
    return AbcResult(posterior, gens, settings, screening, seconds)


def posterior_check(spec: CalibrationSpec, posterior: Posterior) -> pd.DataFrame:
    """Census moments against the model's at the posterior mean (seed-averaged over the spec's seeds),
    per base year, with each moment's standardised miss."""
    from .objective import mean_moments

    params = {**posterior.fixed, **posterior.mean()}
    per_seed = simulate_moments((spec.region, spec.base_years, spec.seeds, params))
    targets = census_targets(spec.region, spec.base_years)
    w = moment_weights(spec.region, spec.weight_multipliers, last_year=max(spec.base_years) + 1)
    rows = []
    for y, runs in per_seed.items():
        m = mean_moments(runs)
        for k in MOMENTS:
            c = targets[y][k]
            rows.append(dict(base_year=y, moment=k, census=c, model=m[k],
                             miss_sd=(m[k] - c) * math.sqrt(w[k]) if math.isfinite(c) else float("nan")))
    return pd.DataFrame(rows)


__all__ = ["AbcResult", "AbcSettings", "MomentDistance", "MomentModel", "abc_sampler", "calibrate_posterior",
           "particle_seed", "posterior_check", "run_abc"]
