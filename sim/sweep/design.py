"""Expanding a sweep specification into a deterministic table of runs.

Every run is one model call: a design point (parameter values) crossed with a
policy scenario and a replicate. Replicate ``k`` uses the same seed at every
design point and in every scenario (common random numbers), so differences
between points or scenarios are paired comparisons rather than noise.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.sweep.spec import LEVER_PREFIX, SweepSpec

# Distinct SeedSequence streams derived from root_seed.
_REPLICATE_STREAM = 0
_DESIGN_STREAM = 1


def replicate_seeds(root_seed: int, replicates: int) -> list[int]:
    """Model seeds for each replicate, derived from ``root_seed``.

    Replicate ``k`` always gets the same seed whatever the total number of
    replicates, so adding replicates later keeps the existing ones.

    Args:
        root_seed: The sweep's root seed.
        replicates: Number of replicates.

    Returns:
        One non-negative 63-bit integer seed per replicate.
    """
    seeds = []
    for k in range(replicates):
        ss = np.random.SeedSequence(root_seed, spawn_key=(_REPLICATE_STREAM, k))
        seeds.append(int(ss.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)))
    return seeds


def design_seed(root_seed: int) -> int:
    """Seed for the SALib sampler, independent of the replicate seeds."""
    ss = np.random.SeedSequence(root_seed, spawn_key=(_DESIGN_STREAM,))
    return int(ss.generate_state(1, dtype=np.uint32)[0])


@dataclass(frozen=True)
class Design:
    """The expanded design.

    Attributes:
        points: One row per design point (column ``point_id`` plus one column per
            parameter, in the model's units).
        runs: One row per run: ``run_id``, ``point_id``, ``replicate``,
            ``scenario``, ``seed`` and the parameter values.
        problem: The SALib problem (bounds in sampling space; log-scaled
            parameters are sampled in natural-log space), or ``None`` for factorial.
        sample: The SALib sample matrix (rows = points, sampling space) or ``None``.
    """

    points: pd.DataFrame
    runs: pd.DataFrame
    problem: dict[str, Any] | None
    sample: np.ndarray | None


def salib_problem(spec: SweepSpec) -> dict[str, Any]:
    """SALib problem dict for the ranged parameters of a sampled design."""
    ranged = [p for p in spec.parameters if p.range is not None]
    bounds = [
        [math.log(p.range[0]), math.log(p.range[1])] if p.log else list(p.range)  # type: ignore[index]
        for p in ranged
    ]
    return {"num_vars": len(ranged), "names": [p.name for p in ranged], "bounds": bounds}


def _sample(spec: SweepSpec, problem: dict[str, Any]) -> np.ndarray:
    seed = design_seed(spec.root_seed)
    n = int(spec.samples or 0)
    if spec.design == "lhs":
        from SALib.sample import latin

        return latin.sample(problem, n, seed=seed)
    if spec.design == "sobol":
        from SALib.sample import sobol

        return sobol.sample(problem, n, calc_second_order=spec.second_order, seed=seed)
    from SALib.sample import morris

    return morris.sample(problem, n, num_levels=spec.morris_levels, seed=seed)


def design_points(spec: SweepSpec) -> tuple[pd.DataFrame, dict[str, Any] | None, Any]:
    """Parameter values at each design point.

    Args:
        spec: A validated specification.

    Returns:
        ``(points, problem, sample)``; see :class:`Design`.
    """
    fixed = {p.name: p.fixed_value() for p in spec.parameters if p.is_fixed}
    names = [p.name for p in spec.parameters]
    problem = sample = None
    if spec.design == "factorial":
        varying = [p for p in spec.parameters if not p.is_fixed]
        combos = itertools.product(*(p.levels for p in varying))  # type: ignore[misc]
        rows = [{**fixed, **dict(zip([p.name for p in varying], c, strict=True))} for c in combos]
    else:
        problem = salib_problem(spec)
        sample = _sample(spec, problem)
        logs = {p.name for p in spec.parameters if p.log}
        rows = []
        for x in sample:
            row = dict(fixed)
            for name, v in zip(problem["names"], x, strict=True):
                row[name] = float(math.exp(v)) if name in logs else float(v)
            rows.append(row)
    points = pd.DataFrame(rows, columns=names)
    points.insert(0, "point_id", np.arange(len(points), dtype=np.int64))
    for p in spec.parameters:
        points[p.name] = points[p.name].astype(_PANDAS_DTYPES[p.dtype])
    return points, problem, sample


_PANDAS_DTYPES = {"float": "float64", "int": "int64", "bool": "bool", "str": "object"}


def expand(spec: SweepSpec) -> Design:
    """Expand a specification into its runs (scenario-major, then point, then replicate).

    Args:
        spec: A validated specification.

    Returns:
        The :class:`Design`; ``run_id`` is ``"r"`` plus the zero-padded row number.
    """
    points, problem, sample = design_points(spec)
    seeds = replicate_seeds(spec.root_seed, spec.replicates)
    scenarios = list(spec.scenario_policies())
    n_pts, n_rep = len(points), spec.replicates
    total = len(scenarios) * n_pts * n_rep
    width = max(6, len(str(max(total - 1, 0))))
    runs = pd.DataFrame(
        {
            "run_id": [f"r{i:0{width}d}" for i in range(total)],
            "point_id": np.tile(np.repeat(points["point_id"].to_numpy(), n_rep), len(scenarios)),
            "replicate": np.tile(np.arange(n_rep, dtype=np.int64), n_pts * len(scenarios)),
            "scenario": np.repeat(np.array(scenarios, dtype=object), n_pts * n_rep),
        }
    )
    runs["seed"] = np.array(seeds, dtype=np.int64)[runs["replicate"].to_numpy()]
    runs = runs.merge(points, on="point_id", how="left", sort=False)
    return Design(points=points, runs=runs, problem=problem, sample=sample)


def _substitute(obj: Any, values: dict[str, Any]) -> Any:
    if isinstance(obj, str) and obj.startswith(LEVER_PREFIX):
        return values[obj[len(LEVER_PREFIX) :]]
    if isinstance(obj, dict):
        return {k: _substitute(v, values) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_substitute(v, values) for v in obj]
    return obj


def run_call(spec: SweepSpec, run: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments for the model call of one run.

    Lever parameters (referenced from policies as ``"$name"``) are substituted
    into the policies and not passed in ``params``.

    Args:
        spec: The specification.
        run: One row of :attr:`Design.runs` as a dict.

    Returns:
        Keyword arguments for ``model(**kwargs)``.
    """
    levers = set(spec.levers)
    values = {p.name: _py(run[p.name]) for p in spec.parameters}
    policies = _substitute(spec.scenario_policies()[run["scenario"]], values)
    return {
        "region": spec.region,
        "base_year": spec.base_year,
        "years": spec.years,
        "seed": int(run["seed"]),
        "params": {k: v for k, v in values.items() if k not in levers},
        "policies": policies,
        "keep_council_months": spec.keep_council_months,
    }


def _py(v: Any) -> Any:
    """Convert numpy scalars to plain Python values."""
    return v.item() if isinstance(v, np.generic) else v
