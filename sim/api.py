"""A plain function entry point for sweeps and tools such as the EMA Workbench.

``run(**params) -> dict``: one simulation from arguments, its outcomes as scalars.
"""

from __future__ import annotations

import re
from typing import Any

from .errors import SimInputError
from .limits import months_of_years
from .model import WorkforceModel
from .params import SPECS
from .policies.base import PayUplift
from .policies.registry import policy_from_dict

LEVER = re.compile(r"^(?P<council>[a-z0-9_]+)_pay_uplift_pct$")


def split_levers(params: dict[str, Any]) -> tuple[dict[str, float], list[PayUplift]]:
    """Separate model parameters from levers such as ``bexley_pay_uplift_pct`` (a pay rise, in
    percent, for that council from the first month)."""
    model_params, levers = {}, []
    for name, value in params.items():
        match = LEVER.match(name)
        if match and name not in SPECS:
            try:
                levers.append(PayUplift(councils=[match["council"]], pct=value))
            except SimInputError as exc:
                raise SimInputError(f"params[{name!r}]: {exc}") from None
        else:
            model_params[name] = value
    return model_params, levers


def run(*, region: str = "england", base_year: int = 2024, years: float = 10, seed: int = 0,
        params: dict[str, Any] | None = None, policies: list[dict] | None = None,
        keep_council_months: bool = False) -> dict[str, Any]:
    """Run one simulation and summarise it.

    Args:
        region, base_year, seed: as for :class:`~sim.model.WorkforceModel`.
        years: length of the run.
        params: parameter overrides by name, plus levers ``<council>_pay_uplift_pct``.
        policies: policies as dicts (``{"kind": "pay_uplift", "councils": ["Bexley"], "pct": 5}``).
        keep_council_months: also return the per-council monthly table.

    Returns:
        ``{"outcomes": {name: float}, "council_months": DataFrame or None}``; outcomes are the
        region's census-style figures over the last 12 months (see ``Results.summary``).
    """
    months = months_of_years(years, "years")
    if params is not None and not isinstance(params, dict):
        raise SimInputError(f"params = {params!r}: allowed a table of parameter name = value")
    if policies is not None and (not isinstance(policies, list) or not all(isinstance(p, dict) for p in policies)):
        raise SimInputError(f"policies = {policies!r}: allowed a list of policy tables ({{'kind': ..., ...}})")
    model_params, levers = split_levers(dict(params or {}))
    built = [policy_from_dict(p, where=f"policies[{i}]") for i, p in enumerate(policies or [])]
    model = WorkforceModel(region=region, base_year=base_year, seed=seed, params=model_params,
                           policies=[*levers, *built], months=months)
    for i, policy in enumerate(built):  # a policy that never acts would make a silent copy of the baseline
        if policy.start_tick > months:
            raise SimInputError(f"policies[{i}] ({policy.kind}) starts {policy.start!r}, after the run ends "
                                f"{model.date(months)}: allowed starts {model.date(1)} to {model.date(months)}")
    model.run(months=months)
    cm = model.results.council_months
    outcomes = {k: float(v) for k, v in model.results.summary().items()}
    return {"outcomes": outcomes, "council_months": cm if keep_council_months else None}


def parameter_names(region: str = "england") -> list[str]:
    """Names ``run`` accepts in ``params``: every model parameter, plus a pay-uplift lever
    ``<council>_pay_uplift_pct`` for each council of ``region``."""
    from .data import load_seeds
    from .regions import build_region, slug

    seeds = load_seeds()
    names = seeds.councils.set_index("code").loc[list(build_region(seeds, region).members), "name"]
    return [*SPECS, *(f"{slug(n)}_pay_uplift_pct" for n in names)]


__all__ = ["run", "parameter_names", "split_levers"]
