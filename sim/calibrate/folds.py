"""Calibration folds for honest backtests: parameters estimated on the census years before a forecast.

``sim validate --backtest --refit N`` (or ``--base-year Y --refit N``) calibrates, for each base year
Y, the spec's free parameters on base years up to Y - 1 only (so on census years up to Y: never the
year it forecasts, Y + 1), with N trials of the spec's sampler and N / 3 local trials, then validates
with those parameters. Each council's identity already uses census years up to Y only, so no part of
such a forecast has seen its target. The starting point is the priors (``CSWSIM_PRIORS`` semantics),
not the installed calibration, which was fitted on later years.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ..data import CENSUS_YEARS
from ..errors import SimInputError
from ..params import PRIOR_DEFAULTS
from .objective import CalibrationSpec

MAX_FOLD_BASE_YEARS = 4


def fold_spec(spec: CalibrationSpec, year: int, trials: int) -> CalibrationSpec:
    """The spec restricted to base years before ``year`` (at most the last four), with ``trials``
    global and ``trials // 3`` local trials, starting from the priors."""
    bases = [b for b in range(CENSUS_YEARS[0], year)][-MAX_FOLD_BASE_YEARS:]
    if not bases:
        raise SimInputError(f"--refit: base year {year} has no earlier census year to calibrate on; "
                            f"allowed {CENSUS_YEARS[0] + 1} to {CENSUS_YEARS[-2]}")
    start = {n: float(min(max(PRIOR_DEFAULTS[n], lo), hi)) for n, (lo, hi) in spec.free.items()}
    return replace(spec, base_years=bases, trials=trials, refine_trials=max(trials // 3, 0), start=start,
                   source=f"{spec.source} (fold for base year {year})")


def refit(year: int, trials: int, spec_path: str | Path, out: Path | None = None) -> dict[str, float]:
    """Calibrate a fold for base year ``year`` and return its parameters (written under ``out`` if given)."""
    from .optimiser import calibrate
    from .report import write_calibration

    spec = fold_spec(CalibrationSpec.from_toml(spec_path), year, trials)
    result = calibrate(spec, profile=False)
    if out is not None:
        write_calibration(result, out / f"fold_{year}")
    return {**spec.fixed, **result.best}


__all__ = ["fold_spec", "refit"]
