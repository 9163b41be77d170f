"""Screening: which parameters can the census moments see at all? (Morris elementary effects, SALib.)

Each free parameter of the spec is moved along Morris trajectories across its range (SALib's sampler,
``trajectories`` of them, ``levels`` grid levels; a step is 2/3 of the range with 4 levels), the model
is run from every base year of the spec with one seed (the same seed everywhere: common random numbers,
so an elementary effect is the parameter's, not the seed's), and each moment is standardised by its
calibration scale, 1 / sqrt(w_k) (:func:`~sim.calibrate.objective.moment_weights`: how much the census
moment moves from year to year). A moment enters only for the base years whose target census has it.

A parameter's *visibility* is the largest mu* (mean absolute elementary effect) over the moments, in
those units, less what seed noise alone would give (an elementary effect of pure noise has mu* of about
1.13 times the moment's seed-to-seed sd, measured at the middle of the ranges with four more seeds):
how many census standard deviations one step of the parameter moves the moment it moves most. Below
``threshold`` the data cannot tell its values apart, so the calibration fixes it (at its prior default,
clipped to its range: a documented value that does not come from the census) and says so; ABC then
works on the others.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..params import PRIOR_DEFAULTS
from .moments import MOMENTS
from .objective import CalibrationSpec, census_targets, moment_weights, simulate_moments, with_fixed

NOISE_MU_STAR = 2 / math.sqrt(math.pi)  # E|X - X'| / sd for two independent normal draws: about 1.13


@dataclass
class Screening:
    """The result of screening: one row per parameter, and the parameters kept free or fixed."""

    table: pd.DataFrame  # parameter -> visibility, moment it moves most, mu* per moment, kept
    threshold: float
    trajectories: int
    levels: int
    runs: int
    seconds: float
    noise: dict[str, float]  # seed-to-seed sd of each standardised moment at the range's midpoint

    @property
    def kept(self) -> list[str]:
        return [n for n, r in self.table.iterrows() if r.kept]

    @property
    def fixed(self) -> dict[str, float]:
        return {n: float(r.fixed_at) for n, r in self.table.iterrows() if not r.kept}


def fixed_value(name: str, lo: float, hi: float) -> float:
    """Where a screened-out parameter is held: its prior default, clipped to its range."""
    return float(min(max(PRIOR_DEFAULTS[name], lo), hi))


def _standardised(per_seed: dict[int, list[dict[str, float]]], targets: dict[int, dict[str, float]],
                  scale: dict[str, float]) -> np.ndarray:
    """One value per moment: the run's moment over its scale, averaged over the base years whose census
    has it (NaN when none has)."""
    out = []
    for k in MOMENTS:
        vals = [per_seed[y][0][k] / scale[k] for y in targets if math.isfinite(targets[y][k])
                and math.isfinite(per_seed[y][0][k])]
        out.append(float(np.mean(vals)) if vals else float("nan"))
    return np.array(out)


def screen(spec: CalibrationSpec, trajectories: int = 8, levels: int = 4, threshold: float = 0.25,
           workers: int = 1, seed: int = 11, progress: Callable[[int, int], None] | None = None) -> Screening:
    """Morris screening of the spec's free parameters on the calibration moments (module docstring)."""
    from SALib.analyze import morris as morris_analyze
    from SALib.sample import morris as morris_sample

    from ..ensemble import run_many

    start = time.perf_counter()
    names = list(spec.free)
    problem = {"num_vars": len(names), "names": names, "bounds": [list(spec.free[n]) for n in names]}
    X = morris_sample.sample(problem, trajectories, num_levels=levels, seed=seed)
    run_seed = spec.seeds[0]
    targets = census_targets(spec.region, spec.base_years)
    weights = moment_weights(spec.region, spec.weight_multipliers, last_year=max(spec.base_years) + 1)
    scale = {k: 1 / math.sqrt(w) for k, w in weights.items()}
    mid = {n: (lo + hi) / 2 for n, (lo, hi) in spec.free.items()}
    noise_seeds = [run_seed + 1 + i for i in range(4)]
    jobs = [(spec.region, spec.base_years, [run_seed], with_fixed(spec, dict(zip(names, x, strict=True))))
            for x in X]
    jobs += [(spec.region, spec.base_years, [s], with_fixed(spec, mid)) for s in noise_seeds]
    results = run_many(simulate_moments, jobs, workers, progress)
    Y = np.array([_standardised(r, targets, scale) for r in results[: len(X)]])
    noise_runs = np.array([_standardised(r, targets, scale) for r in results[len(X):]])
    noise = {k: float(np.nanstd(noise_runs[:, j], ddof=1)) for j, k in enumerate(MOMENTS)}

    mu_star = pd.DataFrame(index=names, columns=list(MOMENTS), dtype=float)
    for j, k in enumerate(MOMENTS):
        if not np.all(np.isfinite(Y[:, j])):
            continue  # the census has no target for this moment in these years
        res = morris_analyze.analyze(problem, X, Y[:, j], num_levels=levels, seed=seed)
        mu_star[k] = np.asarray(res["mu_star"], dtype=float)
    signal = mu_star - NOISE_MU_STAR * pd.Series(noise)
    visibility = signal.max(axis=1, skipna=True)
    table = pd.DataFrame({
        "visibility": visibility,
        "moves_most": signal.idxmax(axis=1, skipna=True),
        "kept": visibility >= threshold,
        "fixed_at": [fixed_value(n, *spec.free[n]) for n in names],
        "lo": [spec.free[n][0] for n in names], "hi": [spec.free[n][1] for n in names],
    }, index=pd.Index(names, name="parameter"))
    table = table.join(mu_star.add_prefix("mu_star:"))
    return Screening(table.sort_values("visibility", ascending=False), threshold, trajectories, levels,
                     len(jobs) * len(spec.base_years), time.perf_counter() - start, noise)


def screening_markdown(s: Screening) -> str:
    """The screening result as a Markdown table."""
    rows = [f"Morris screening: {s.trajectories} trajectories x {s.levels} levels, {s.runs} twelve-month runs, "
            f"{s.seconds / 60:.1f} min. Visibility = largest mu* over the moments, in census standard deviations "
            f"per step; fixed below {s.threshold:g}.", "",
            "| parameter | visibility | moves most | decision |", "|---|---:|---|---|"]
    for n, r in s.table.iterrows():
        decision = "free (ABC)" if r.kept else f"fixed at {r.fixed_at:.4g} (the data cannot see it)"
        rows.append(f"| {n} | {r.visibility:.2f} | {r.moves_most} | {decision} |")
    return "\n".join(rows)


__all__ = ["Screening", "fixed_value", "screen", "screening_markdown"]
