"""Stand-in model functions for the sweep tests (the real model is sim.api:run).

They follow the ``sim.api.run`` contract: keyword arguments in, a dict with
``outcomes`` (scalars) and ``council_months`` (DataFrame or None) out, and they
are deterministic in ``seed``. Environment variables let tests slow them down
(``SWEEP_STANDIN_DELAY`` seconds per run), and a policy
``{"crash_flag": PATH}`` makes runs with ``b_pay > 3`` kill their worker
process while the file PATH exists.
"""

from __future__ import annotations

import os
import time
from typing import Any

import numpy as np
import pandas as pd

ALLOWED = ("b_pay", "search_rate_per_month", "b_ofsted")
COUNCILS = ("Bexley", "Bromley", "Greenwich")


def standin_run(
    *,
    region: str = "england",
    base_year: int = 2024,
    years: int = 10,
    seed: int = 0,
    params: dict[str, Any] | None = None,
    policies: list[dict[str, Any]] | None = None,
    keep_council_months: bool = False,
) -> dict[str, Any]:
    """A cheap noisy response surface shaped like the simulation's outputs."""
    params = dict(params or {})
    unknown = sorted(set(params) - set(ALLOWED))
    if unknown:
        raise ValueError(f"unknown parameter(s) {unknown}")
    delay = float(os.environ.get("SWEEP_STANDIN_DELAY", "0"))
    if delay:
        time.sleep(delay)
    for pol in policies or []:
        flag = pol.get("crash_flag")
        if flag and os.path.exists(flag) and params.get("b_pay", 0.0) > 3.0:
            os._exit(3)
    rng = np.random.default_rng(seed)
    b_pay = params.get("b_pay", 4.0)
    search = params.get("search_rate_per_month", 0.02)
    uplift = sum(float(p.get("pct", 0.0)) for p in policies or [])
    noise = rng.normal(0.0, 1.0, size=4)
    outcomes = {
        "turnover_pct": 16.0 - 1.2 * b_pay - 0.3 * uplift + 150.0 * search + 0.5 * noise[0],
        "agency_rate_pct": 14.0 - 0.8 * b_pay - 0.2 * uplift + 0.4 * noise[1],
        "vacancy_rate_pct": 18.0 - 0.5 * b_pay + 50.0 * search + 0.3 * noise[2],
        "caseload": 17.0 + 0.5 * noise[3] + years * 0.0 + (region == "x"),
    }
    months = None
    if keep_council_months:
        n = 12 * years
        months = pd.DataFrame(
            {
                "council": np.repeat(COUNCILS, n),
                "month": np.tile(np.arange(n), len(COUNCILS)),
                "headcount": rng.integers(80, 120, size=n * len(COUNCILS)),
            }
        )
    return {"outcomes": outcomes, "council_months": months}


def linear_run(*, seed: int = 0, params: dict[str, Any] | None = None, **_: Any) -> dict:
    """``y = 5*x1 + 0.1*x2 + N(0, 0.1^2)``: known Sobol indices and Morris effects."""
    p = params or {}
    rng = np.random.default_rng(seed)
    y = 5.0 * p["x1"] + 0.1 * p["x2"] + rng.normal(0.0, 0.1)
    return {"outcomes": {"y": y}, "council_months": None}


def test_standin_is_deterministic_in_seed() -> None:
    a = standin_run(seed=5, params={"b_pay": 3.0})
    b = standin_run(seed=5, params={"b_pay": 3.0})
    c = standin_run(seed=6, params={"b_pay": 3.0})
    assert a["outcomes"] == b["outcomes"] != c["outcomes"]
