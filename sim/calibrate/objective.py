"""The calibration spec, the simulated moments of a parameter set, and the weighted distance.

A trial runs the model from each base year's census for 12 months, once per replication seed, and
compares the seed-averaged moments with the census of the following year. The distance is

    D(theta) = mean over base years Y of  sum over moments k of  w_k * (m_k(theta, Y) - c_k(Y + 1))^2

with ``w_k = multiplier_k / s_k^2``, where ``s_k`` is the standard deviation of the census moment
across the census years 2017-2024 (how much the quantity really moves from year to year), floored
(``SCALE_FLOOR``) so that a moment that happens to be stable cannot dominate. A moment the census does
not have for a year (leaver destinations before 2021) is left out of that year's sum.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..data import CENSUS_YEARS, load_seeds
from ..errors import SimInputError, read_toml
from ..params import INTEGER_PARAMS, SPECS
from ..regions import build_region
from .moments import MOMENTS, census_moments, model_moments, simulated_codes

# Smallest scale (in the moment's unit) used in a weight: half a point for rates and shares.
SCALE_FLOOR: dict[str, float] = {k: 0.5 for k in MOMENTS} | {
    "caseload": 0.2, "agency_vacancy_corr": 0.02, "agency_ratio_inadequate_outstanding": 0.25}
LAST_BASE_YEAR = CENSUS_YEARS[-2]  # a base year needs the following census


@dataclass
class CalibrationSpec:
    """What to estimate, on which census years, with which seeds and budget."""

    free: dict[str, tuple[float, float]]
    region: str = "england"
    base_years: list[int] = field(default_factory=lambda: [2020, 2021, 2022])
    seeds: list[int] = field(default_factory=lambda: [1, 2])
    trials: int = 200
    refine_trials: int = 0
    workers: int = 2
    sampler: str = "tpe"
    sampler_seed: int = 7
    profile_points: int = 9
    fixed: dict[str, float] = field(default_factory=dict)
    weight_multipliers: dict[str, float] = field(default_factory=dict)
    source: str = "(in code)"
    start: dict[str, float] | None = None  # the first trial (default: the current defaults)
    posterior: dict[str, Any] = field(default_factory=dict)  # [posterior]: ABC budget and screening (.abc)

    def __post_init__(self) -> None:
        problems = []
        for name, (lo, hi) in self.free.items():
            if name not in SPECS:
                problems.append(f"unknown parameter {name!r} in [free]")
            elif name in INTEGER_PARAMS:
                problems.append(f"{name} is a whole-number parameter; fix it in [fixed] instead")
            elif not SPECS[name].lo <= lo < hi <= SPECS[name].hi:
                problems.append(f"[free] {name} = [{lo}, {hi}] must satisfy "
                                f"{SPECS[name].lo:g} <= lo < hi <= {SPECS[name].hi:g}")
        problems += [f"unknown parameter {n!r} in [fixed]" for n in self.fixed if n not in SPECS]
        problems += [f"unknown moment {n!r} in [weights]; allowed: {', '.join(MOMENTS)}"
                     for n in self.weight_multipliers if n not in MOMENTS]
        bad_years = [y for y in self.base_years if not CENSUS_YEARS[0] <= y <= LAST_BASE_YEAR]
        if bad_years:
            problems.append(f"base years {bad_years} need a following census year: allowed "
                            f"{CENSUS_YEARS[0]} to {LAST_BASE_YEAR}")
        if not self.free:
            problems.append("[free] names no parameter to estimate")
        if self.sampler not in ("tpe", "cmaes"):
            problems.append(f"sampler {self.sampler!r}: allowed 'tpe' or 'cmaes'")
        if self.trials < 1 or self.refine_trials < 0 or self.workers < 1 or not self.seeds or not self.base_years:
            problems.append("trials and workers must be >= 1, seeds and base_years non-empty")
        from .abc import AbcSettings

        try:
            AbcSettings.from_dict(self.posterior)
        except SimInputError as exc:
            problems.append(str(exc))
        if problems:
            raise SimInputError(f"{self.source}: " + "; ".join(problems))

    @classmethod
    def from_toml(cls, path: str | Path) -> CalibrationSpec:
        """Read a spec: a ``[calibration]`` table, ``[free]`` (name = [lo, hi]), optional ``[fixed]``,
        ``[weights]`` (multipliers per moment) and ``[posterior]`` (the budget of ``sim calibrate``'s ABC;
        checked by :class:`sim.calibrate.abc.AbcSettings`)."""
        path = Path(path)
        data = read_toml(path, "calibration spec")
        known = {"calibration", "free", "fixed", "weights", "posterior"}
        if set(data) - known:
            raise SimInputError(f"{path}: unknown table(s) {sorted(set(data) - known)}; allowed {sorted(known)}")
        main = dict(data.get("calibration", {}))
        allowed = {"region", "base_years", "seeds", "trials", "refine_trials", "workers", "sampler", "sampler_seed",
                   "profile_points"}
        if set(main) - allowed:
            raise SimInputError(f"{path}: unknown key(s) {sorted(set(main) - allowed)} in [calibration]; "
                                f"allowed {sorted(allowed)}")
        free = {}
        for name, bounds in data.get("free", {}).items():
            if not (isinstance(bounds, list) and len(bounds) == 2):
                raise SimInputError(f"{path}: [free] {name} must be [lo, hi]")
            free[name] = (float(bounds[0]), float(bounds[1]))
        return cls(free=free, fixed=dict(data.get("fixed", {})), weight_multipliers=dict(data.get("weights", {})),
                   posterior=dict(data.get("posterior", {})), source=str(path), **main)

    def prior_point(self) -> dict[str, float]:
        """The first trial: ``start`` if given, else the current defaults of the free parameters,
        clipped into their ranges."""
        if self.start is not None:
            return dict(self.start)
        return {n: float(min(max(SPECS[n].default, lo), hi)) for n, (lo, hi) in self.free.items()}


def region_codes(region: str) -> list[str]:
    """Codes of the simulated councils of a region that count for moments."""
    seeds = load_seeds()
    return simulated_codes(seeds, list(build_region(seeds, region).members))


def run_council_months(region: str, base_year: int, seed: int, params: dict[str, float]):
    """One 12-month run from the census of ``base_year``; returns its per-council monthly table."""
    from ..model import WorkforceModel

    model = WorkforceModel(region=region, base_year=base_year, seed=seed, params=params, months=12)
    try:
        model.run(months=12)
        return model.results.council_months
    finally:
        release_model(model)


def release_model(model: Any) -> None:
    """Let a finished model be freed. Mesa 3.3 counts agent ids per model in a class-level dictionary
    (``mesa.Agent._ids``) that keeps every model ever built alive: about 5 MB per England run, so the
    thousands of runs of a calibration ran a worker out of memory."""
    from mesa import Agent

    ids = getattr(Agent, "_ids", None)
    if isinstance(ids, dict):
        ids.pop(model, None)


def simulate_moments(job: tuple[str, list[int], list[int], dict[str, float]]) -> dict[int, list[dict[str, float]]]:
    """Moments of every (base year, seed) run of one parameter set (runs in a worker process).

    Args:
        job: (region, base years, seeds, parameters).

    Returns:
        ``{base_year: [moments of seed 1, moments of seed 2, ...]}``.
    """
    region, base_years, seeds, params = job
    codes = region_codes(region)
    return {y: [model_moments(run_council_months(region, y, s, params), codes) for s in seeds] for y in base_years}


def mean_moments(per_seed: list[dict[str, float]]) -> dict[str, float]:
    """Average moments over seeds (NaNs ignored)."""
    return {k: float(np.nanmean([m[k] for m in per_seed])) if any(math.isfinite(m[k]) for m in per_seed)
            else float("nan") for k in MOMENTS}


def census_targets(region: str, base_years: list[int]) -> dict[int, dict[str, float]]:
    """The census moments of the year after each base year."""
    seeds = load_seeds()
    codes = list(build_region(seeds, region).members)
    return {y: census_moments(seeds, codes, y + 1) for y in base_years}


def moment_weights(region: str, multipliers: dict[str, float] | None = None,
                   last_year: int = CENSUS_YEARS[-1]) -> dict[str, float]:
    """Inverse-variance weights: 1 / max(sd across census years up to ``last_year``, floor)^2, times any
    multiplier (a calibration's weights use no census year after its last target)."""
    seeds = load_seeds()
    codes = list(build_region(seeds, region).members)
    table = [census_moments(seeds, codes, y) for y in CENSUS_YEARS if y <= last_year]
    out = {}
    for k in MOMENTS:
        values = np.array([t[k] for t in table], dtype=float)
        values = values[np.isfinite(values)]
        sd = float(np.std(values, ddof=1)) if values.size > 1 else 0.0
        out[k] = (multipliers or {}).get(k, 1.0) / max(sd, SCALE_FLOOR[k]) ** 2
    return out


def distance(model: dict[int, dict[str, float]], targets: dict[int, dict[str, float]],
             weights: dict[str, float]) -> float:
    """Weighted squared distance, summed over moments and averaged over base years."""
    totals = []
    for y, target in targets.items():
        total = 0.0
        for k, w in weights.items():
            a, b = model[y][k], target[k]
            if math.isfinite(b):
                total += w * ((a - b) ** 2 if math.isfinite(a) else 100.0)  # a missing moment costs 10 sds
        totals.append(total)
    return float(np.mean(totals))


def contributions(model: dict[int, dict[str, float]], targets: dict[int, dict[str, float]],
                  weights: dict[str, float]) -> dict[str, float]:
    """Each moment's share of the distance (averaged over base years)."""
    out = {}
    for k, w in weights.items():
        terms = [w * (model[y][k] - t[k]) ** 2 for y, t in targets.items()
                 if math.isfinite(t[k]) and math.isfinite(model[y][k])]
        out[k] = float(np.sum(terms) / len(targets)) if terms else 0.0
    return out


def with_fixed(spec: CalibrationSpec, params: dict[str, Any]) -> dict[str, float]:
    """A trial's parameters plus the spec's fixed values."""
    return {**spec.fixed, **params}


__all__ = ["CalibrationSpec", "census_targets", "contributions", "distance", "mean_moments", "moment_weights",
           "region_codes", "release_model", "run_council_months", "simulate_moments", "with_fixed"]
