"""The model for the EMA Workbench (exploratory modelling and analysis), the EMA way.

:func:`run` is a plain function of flat keyword arguments, as EMA calls a model: every model
parameter by name (``b_pay=5.0``, see ``sim params``), levers such as ``bexley_pay_uplift_pct=3``
(a pay rise in percent for that council from the first month), and the run's ``region``,
``base_year``, ``months`` and ``seed``. It returns flat outcomes: the region's census-style scalars
over the last 12 months (``turnover_pct``, ``vacancy_rate_pct``, ...) and monthly time series
(``vacancy_rate_pct_by_month``, ...; month 0 is the census).

:func:`ema_model` wraps it in EMA's ``ReplicatorModel``: the seeds are its ``replications``
(``[{"seed": 0}, {"seed": 1}, ...]``, the same seeds in every experiment: common random numbers),
the run's settings are ``Constant``\\ s, and every outcome is an ``ArrayOutcome`` with one value (or
series) per replication, which EMA's ``process_replications`` averages::

    from ema_workbench import perform_experiments, process_replications
    from sim.ema import ema_model

    model = ema_model(region="bexley_cluster", months=60, replications=5,
                      uncertainties=["b_pay", "search_rate_per_month"], pay_levers=["Bexley"])
    experiments, outcomes = process_replications(perform_experiments(model, scenarios=50, policies=4))
    outcomes["vacancy_rate_pct"]            # one value per experiment (mean over the seeds)
    outcomes["vacancy_rate_pct_by_month"]   # (experiments, months + 1)

The EMA Workbench is only imported by :func:`ema_model` (``pip install ema-workbench``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from .api import split_levers
from .data import CENSUS_YEARS
from .errors import SimInputError, unknown
from .params import INTEGER_PARAMS, SPECS

SCALARS = ("perm_fte", "agency_fte", "turnover_pct", "leavers_to_council_pct", "leavers_to_agency_pct",
           "leavers_out_pct", "council_moves_pct", "agency_rate_pct", "vacancy_rate_pct", "caseload",
           "agency_vacancy_corr", "total_cost_gbp_per_year", "agency_spend_gbp_per_year")
SERIES = ("perm_fte", "agency_fte", "vacancy_rate_pct", "agency_rate_pct", "turnover_12m_pct", "caseload",
          "total_cost_gbp")  # each returned as <name>_by_month
OUTCOMES = (*SCALARS, *(f"{s}_by_month" for s in SERIES))


def run(region: str = "england", base_year: int = CENSUS_YEARS[-1], months: int = 120, seed: int = 0,
        **inputs: float) -> dict[str, float | np.ndarray]:
    """Run the model once from flat keyword arguments and return flat outcomes.

    Args:
        region: a region name (``sim regions``).
        base_year: census year the run starts from.
        months: length of the run in months.
        seed: the run's seed.
        **inputs: model parameters by name and levers ``<council>_pay_uplift_pct`` (percent).

    Returns:
        ``{name: float}`` for :data:`SCALARS` (the region over the last 12 months) and
        ``{<series>_by_month: array of months + 1}`` for :data:`SERIES` (the region, month 0 the census).

    Raises:
        SimInputError: an unknown parameter or council, or a value out of range.
    """
    from .model import WorkforceModel

    if isinstance(months, bool) or int(months) != months or months < 1:
        raise SimInputError(f"months = {months!r}: allowed a whole number >= 1")
    params, levers = split_levers(inputs)
    model = WorkforceModel(region=region, base_year=base_year, seed=int(seed), params=params, policies=levers,
                           months=int(months))
    model.run_model()
    summary = model.results.summary()
    region_table = model.results.region
    out: dict[str, float | np.ndarray] = {k: float(summary[k]) for k in SCALARS}
    for name in SERIES:
        out[f"{name}_by_month"] = region_table[name].to_numpy(dtype=float)
    return out


def uncertainties(names: Iterable[str], ranges: dict[str, tuple[float, float]] | None = None) -> list[Any]:
    """EMA parameters for model parameters: their allowed range (``sim params``) unless ``ranges``
    narrows it; whole-number parameters become ``IntegerParameter``."""
    from ema_workbench import IntegerParameter, RealParameter

    ranges = ranges or {}
    out = []
    for name in names:
        if name not in SPECS:
            raise unknown("parameter", name, SPECS, where="uncertainties")
        lo, hi = ranges.get(name, (SPECS[name].lo, SPECS[name].hi))
        if not SPECS[name].lo <= lo < hi <= SPECS[name].hi:
            raise SimInputError(f"uncertainties: {name} range ({lo}, {hi}) must lie within "
                                f"{SPECS[name].lo:g} to {SPECS[name].hi:g} with low < high")
        kind = IntegerParameter if name in INTEGER_PARAMS else RealParameter
        out.append(kind(name, int(lo), int(hi)) if kind is IntegerParameter else kind(name, float(lo), float(hi)))
    return out


def pay_levers(councils: Iterable[str], region: str = "england", low: float = 0.0, high: float = 10.0) -> list[Any]:
    """One EMA ``RealParameter`` lever per council: ``<council>_pay_uplift_pct`` from ``low`` to
    ``high`` percent. Councils are checked against the region (names or slugs)."""
    from ema_workbench import RealParameter

    from .api import parameter_names
    from .regions import slug

    allowed = [n for n in parameter_names(region) if n.endswith("_pay_uplift_pct") and n not in SPECS]
    out = []
    for council in councils:
        name = f"{slug(council)}_pay_uplift_pct"
        if name not in allowed:
            raise unknown("council", council, [a.removesuffix("_pay_uplift_pct") for a in allowed],
                          where=f"pay_levers (region {region!r})")
        out.append(RealParameter(name, float(low), float(high)))
    return out


def ema_model(name: str = "cswsim", region: str = "england", base_year: int = CENSUS_YEARS[-1],
              months: int = 120, replications: int | Sequence[int] = 3,
              uncertainties: Iterable[str] | dict[str, tuple[float, float]] = ("b_pay", "search_rate_per_month"),
              pay_levers: Iterable[str] = (), lever_range: tuple[float, float] = (0.0, 10.0),
              outcomes: Iterable[str] = OUTCOMES) -> Any:
    """An EMA ``ReplicatorModel`` of :func:`run`.

    Args:
        name: the EMA model's name (letters and digits).
        region, base_year, months: the runs' settings (EMA ``Constant``\\ s).
        replications: how many seeds (0..N-1), or the seeds themselves; the same seeds in every
            experiment.
        uncertainties: parameter names (their full allowed range), or ``{name: (low, high)}``.
        pay_levers: councils given a ``<council>_pay_uplift_pct`` lever over ``lever_range``.
        outcomes: outcome names (:data:`OUTCOMES`).
    """
    from ema_workbench import ArrayOutcome, Constant, ReplicatorModel

    model = ReplicatorModel(name, function=run)
    ranges = dict(uncertainties) if isinstance(uncertainties, dict) else None
    model.uncertainties = globals()["uncertainties"](list(uncertainties), ranges)
    model.levers = globals()["pay_levers"](pay_levers, region, *lever_range)
    model.constants = [Constant("region", region), Constant("base_year", int(base_year)),
                       Constant("months", int(months))]
    bad = [o for o in outcomes if o not in OUTCOMES]
    if bad:
        raise unknown("outcome", bad[0], OUTCOMES, where="outcomes")
    model.outcomes = [ArrayOutcome(o) for o in outcomes]
    seeds = list(range(replications)) if isinstance(replications, int) else [int(s) for s in replications]
    if not seeds:
        raise SimInputError("replications: at least one seed is needed")
    model.replications = [{"seed": s} for s in seeds]
    return model


__all__ = ["OUTCOMES", "SCALARS", "SERIES", "ema_model", "pay_levers", "run", "uncertainties"]
