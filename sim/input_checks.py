"""Checks of calibration spec files and ``sim calibrate`` / ``sim validate`` flags, before the
calibration code reads them (it assumes well-typed values).

Every problem in a calibration spec is reported at once, naming the file and the field, with the
ranges of :mod:`sim.limits`; the command line turns it into exit code 2.
"""

from __future__ import annotations

import argparse
import numbers
from pathlib import Path
from typing import Any

from .atomic import check_output_path
from .errors import SimInputError, read_toml
from .limits import SEED, TRIALS, WORKERS, Quantity

PROFILE_POINTS = Quantity("profile points", 0, 1000, whole=True, reason="each point runs the model per seed")
REFINE_TRIALS = Quantity("refinement trials", 0, 1_000_000, whole=True, reason="each trial runs the model")
WEIGHT = Quantity("moment weight multiplier", 0, 1e6, reason="a relative weight")
BOUND = Quantity("search bound", -1e9, 1e9, reason="checked against the parameter's own range later")
YEAR = Quantity("census base year", 2000, 2100, whole=True, reason="checked against the census years later")
SEEDS_MAX = 1000  # seeds per trial: each runs every base year


def _is_whole(v: Any) -> bool:
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


def calibration_problems(data: dict[str, Any]) -> list[str]:
    """Type and range problems of a calibration spec's tables (names are checked by the spec itself)."""
    bad: list[str] = []
    main = data.get("calibration", {})
    if not isinstance(main, dict):
        return ["[calibration] must be a table"]
    for key, quantity in (("trials", TRIALS), ("refine_trials", REFINE_TRIALS), ("workers", WORKERS),
                          ("sampler_seed", SEED), ("profile_points", PROFILE_POINTS)):
        if key in main and (msg := quantity.problem(main[key], f"[calibration].{key}")):
            bad.append(msg)
    for key, quantity, limit in (("seeds", SEED, SEEDS_MAX), ("base_years", YEAR, 20)):
        if key not in main:
            continue
        value = main[key]
        if not isinstance(value, list) or not 0 < len(value) <= limit:
            bad.append(f"[calibration].{key} = {value!r}: allowed a list of 1 to {limit} whole numbers")
        else:
            bad += [m for v in value if (m := quantity.problem(v, f"[calibration].{key}[]"))][:1]
    for key in ("region", "sampler"):
        if key in main and not isinstance(main[key], str):
            bad.append(f"[calibration].{key} = {main[key]!r}: allowed a name (text)")
    for table, check in (("free", "bounds"), ("fixed", "number"), ("weights", "weight")):
        entries = data.get(table, {})
        if not isinstance(entries, dict):
            bad.append(f"[{table}] must be a table")
            continue
        for name, value in entries.items():
            where = f"[{table}].{name}"
            if check == "bounds":
                if not (isinstance(value, list) and len(value) == 2):
                    bad.append(f"{where} = {value!r}: allowed [lo, hi], two finite numbers")
                else:
                    bad += [m for v in value if (m := BOUND.problem(v, where))][:1]
            elif check == "number":
                if msg := BOUND.problem(value, where):
                    bad.append(msg)
            elif msg := WEIGHT.problem(value, where):
                bad.append(msg)
    return bad


def check_calibration_spec(path: str | Path) -> None:
    """Raise :class:`SimInputError` naming the file and every bad field of a calibration spec."""
    data = read_toml(path, "calibration spec")
    bad = calibration_problems(data)
    if bad:
        raise SimInputError(f"{path}: " + "; ".join(bad))


def check_calibration_args(args: argparse.Namespace) -> None:
    """Check the numeric flags of ``sim calibrate`` / ``sim validate``, the ``--out`` folder and the
    calibration spec file."""
    for flag, quantity in (("trials", TRIALS), ("workers", WORKERS), ("seeds", SEED)):
        value = getattr(args, flag, None)
        if value is not None:
            quantity.check(value, f"--{flag}")
    if getattr(args, "seeds", None) is not None and not 1 <= args.seeds <= SEEDS_MAX:
        raise SimInputError(f"--seeds {args.seeds}: allowed 1 to {SEEDS_MAX}")
    if getattr(args, "out", None):
        check_output_path(args.out)
    if getattr(args, "spec", None):
        check_calibration_spec(args.spec)


def check_model_args(region: Any, base_year: Any, params: Any, policies: Any) -> list[Any]:
    """The types of ``WorkforceModel``'s arguments (names and values are checked where they are used).

    Returns:
        The policies as a list (``policies`` may be any iterable, read once here).

    Raises:
        SimInputError: naming the argument, the value and what is allowed.
    """
    bad = []
    if not isinstance(region, str):
        bad.append(f"region = {region!r}: allowed a region name (see `sim regions`)")
    if isinstance(base_year, bool) or not isinstance(base_year, numbers.Real) or YEAR.problem(base_year, "x"):
        bad.append(f"base_year = {base_year!r}: allowed a census year, a whole number")
    if params is not None and not isinstance(params, dict) and type(params).__name__ != "Params":
        bad.append(f"params = {params!r}: allowed a table of parameter name = value, or Params")
    try:
        items = list(policies)
    except TypeError:
        items = None
    if isinstance(policies, (str, bytes, dict)) or items is None:
        bad.append(f"policies = {policies!r}: allowed a list of policies")
    elif not all(callable(getattr(p, "attach", None)) for p in items):
        bad.append("policies: allowed policy objects (sim.policies, or sim.policies.registry.policy_from_dict "
                   "for a table)")
    if bad:
        raise SimInputError("WorkforceModel: " + "; ".join(bad))
    return items or []


__all__ = ["calibration_problems", "check_calibration_args", "check_calibration_spec", "check_model_args"]
