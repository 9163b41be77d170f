"""Checks of a sweep specification against the model it names, before anything runs.

* The ``model`` entry is data: it must name one of the project's registered entry points
  (:data:`REGISTERED_MODELS`); importing any other code needs an explicit ``--allow-import``
  (``allow_import=True``), and nothing is imported while a spec is read, validated or dry-run.
* For the project's own model (``sim.api:run``) every value the design can take is checked the way
  ``sim run`` and scenario files check theirs: parameter values inside the ranges of ``sim params``,
  pay levers inside :data:`sim.limits.PAY_UPLIFT_PCT`, the base year a census year, and every
  policy (with its ``$lever`` values at both ends of their ranges) valid and dated inside the run, so
  that no scenario silently equals the baseline.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from typing import Any

from sim.errors import SimInputError, unknown
from sim.limits import PAY_UPLIFT_PCT
from sim.sweep.spec import LEVER_PREFIX, ParameterSpec, SweepSpec, SweepSpecError

REGISTERED_MODELS = {"sim.api:run": "the simulation (sim.api.run)"}
PAY_LEVER_SUFFIX = "_pay_uplift_pct"


def estimated_runs(sweep: Mapping[str, Any], params: list[ParameterSpec], n_scenarios: int) -> int:
    """The number of runs a valid ``[sweep]`` table and its parameters expand to (an upper bound),
    computed without expanding the design."""
    ranged = sum(1 for p in params if p.range is not None)
    design, n = sweep["design"], sweep["samples"] or 1
    if design == "factorial":
        points = math.prod(len(p.levels) for p in params if p.levels is not None)
    elif design == "sobol":
        points = n * (2 * ranged + 2 if sweep["second_order"] else ranged + 2)
    elif design == "morris":
        points = n * (ranged + 1)
    else:
        points = n
    return points * sweep["replicates"] * max(1, n_scenarios)


def import_allowed(spec: SweepSpec, allow_import: bool | None) -> bool:
    """Whether the spec's model may be imported: a registered entry point, an explicit permission,
    or (``allow_import=None``) a spec built in Python rather than read from a file."""
    if spec.model in REGISTERED_MODELS or allow_import:
        return True
    return allow_import is None and spec.source == "<python>"


def check_model_allowed(spec: SweepSpec, allow_import: bool | None) -> None:
    """Raise :class:`SweepSpecError` unless :func:`import_allowed`."""
    if not import_allowed(spec, allow_import):
        known = ", ".join(f"{k!r} ({v})" for k, v in REGISTERED_MODELS.items())
        raise SweepSpecError(spec.source, [
            f"[sweep].model = {spec.model!r}: not one of the project's models ({known}); a spec file is data "
            "and does not import code unless you pass --allow-import (Python: allow_import=True)"])


def _extremes(p: ParameterSpec) -> list[Any]:
    if p.value is not None:
        return [p.value]
    if p.levels is not None:
        return list(p.levels)
    assert p.range is not None
    return list(p.range)


def _parameter_problems(spec: SweepSpec) -> list[str]:
    from sim.params import INTEGER_PARAMS, SPECS

    bad = []
    levers = set(spec.levers)
    for p in spec.parameters:
        if p.name in levers:
            continue
        where = f"[parameters.{p.name}]"
        for value in _extremes(p):
            if p.name in SPECS:
                s = SPECS[p.name]
                if p.dtype not in ("float", "int") or not s.lo <= value <= s.hi:
                    bad.append(f"{where}: value {value!r} outside the parameter's range {s.lo:g} to {s.hi:g} "
                               "(see `sim params`)")
                    break
                if p.name in INTEGER_PARAMS and (p.range is not None or value != int(value)):
                    bad.append(f"{where}: {p.name} is a whole number; give levels = [..] of whole numbers")
                    break
            elif p.name.endswith(PAY_LEVER_SUFFIX):
                msg = PAY_UPLIFT_PCT.problem(value, where)
                if msg:
                    bad.append(msg)
                    break
    return bad


@functools.cache
def model_outcomes() -> tuple[str, ...]:
    """The outcome names ``sim.api.run`` reports (from a one-month run of a small region)."""
    from sim.api import run

    return tuple(run(region="bexley_cluster", years=1 / 12)["outcomes"])


def _outcome_problems(spec: SweepSpec) -> list[str]:
    known = model_outcomes()
    return [unknown("outcome", o, known, where="[sweep].outcomes").args[0] for o in spec.outcomes if o not in known]


def _policy_problems(spec: SweepSpec) -> list[str]:
    from sim.scenario import Scenario
    from sim.sweep.design import _substitute

    lever_params = {p.name: _extremes(p) for p in spec.parameters if p.name in spec.levers}
    cases = [{k: v[0] for k, v in lever_params.items()}, {k: v[-1] for k, v in lever_params.items()}]
    bad: list[str] = []
    for name, policies in spec.scenario_policies().items():
        if not policies:
            continue
        for values in cases if lever_params else cases[:1]:
            concrete = _substitute(policies, values)
            scen = Scenario(name=name, region=spec.region, base_year=spec.base_year, years=spec.years,
                            policies=concrete, source=f"[scenarios.{name}]")
            try:
                scen.validate()
            except SimInputError as exc:
                shown = ", ".join(f"{LEVER_PREFIX}{k} = {v!r}" for k, v in values.items())
                bad.append(str(exc) + (f" (with {shown})" if shown else ""))
                break
    return bad


def check_against_model(spec: SweepSpec) -> None:
    """For the project's model, check every value the design can take (see the module docstring).

    Raises:
        SweepSpecError: listing every problem.
    """
    if spec.model != "sim.api:run":
        return
    from sim.data import CENSUS_YEARS

    if spec.base_year not in CENSUS_YEARS:
        raise SweepSpecError(spec.source, [f"[sweep].base_year = {spec.base_year!r}: allowed {CENSUS_YEARS[0]} to "
                                           f"{CENSUS_YEARS[-1]} (census years)"])
    bad = _outcome_problems(spec)
    bad += _parameter_problems(spec)
    bad += _policy_problems(spec)
    if bad:
        raise SweepSpecError(spec.source, bad)


__all__ = ["REGISTERED_MODELS", "check_against_model", "check_model_allowed", "estimated_runs", "import_allowed"]
