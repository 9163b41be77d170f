"""The model as the EMA Workbench uses it: a flat function, a ReplicatorModel with the seeds as
replications, perform_experiments with the real workbench, then PRIM and feature scoring."""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import pytest

from sim.ema import OUTCOMES, SCALARS, SERIES, ema_model, run
from sim.errors import SimInputError

ema = pytest.importorskip("ema_workbench")
REGION = "bexley_cluster"


def test_run_takes_flat_parameters_and_levers_and_returns_flat_outcomes():
    out = run(region=REGION, months=12, seed=1, b_pay=5.0)
    assert set(out) == set(OUTCOMES)
    assert all(isinstance(out[k], float) for k in SCALARS)
    assert all(out[f"{s}_by_month"].shape == (13,) for s in SERIES)
    again = run(region=REGION, months=12, seed=1, b_pay=5.0)
    assert all(np.array_equal(out[k], again[k], equal_nan=True) for k in OUTCOMES)
    lever = run(region=REGION, months=12, seed=1, b_pay=5.0, bexley_pay_uplift_pct=10)
    assert lever["total_cost_gbp_per_year"] > out["total_cost_gbp_per_year"]
    # month 0 is the census, before the lever acts
    assert lever["perm_fte_by_month"][0] == out["perm_fte_by_month"][0]


def test_run_rejects_unknown_names_and_councils():
    with pytest.raises(SimInputError, match="unknown parameter 'b_pya'"):
        run(region=REGION, months=2, b_pya=5.0)
    with pytest.raises(SimInputError, match="narnia"):
        run(region=REGION, months=2, narnia_pay_uplift_pct=5.0)
    with pytest.raises(SimInputError, match="unknown council"):
        ema_model(region=REGION, pay_levers=["Camden"])
    with pytest.raises(SimInputError, match="unknown parameter"):
        ema_model(region=REGION, uncertainties=["b_pya"])


def test_perform_experiments_replicates_the_ema_way_then_prim_and_feature_scoring():
    from ema_workbench import perform_experiments, process_replications
    from ema_workbench.analysis import feature_scoring, prim

    np.random.seed(7)  # the workbench's samplers draw from numpy's global generator
    model = ema_model(region=REGION, months=12, replications=2,
                      uncertainties={"b_pay": (2.0, 8.0), "search_rate_per_month": (0.004, 0.03)},
                      pay_levers=["Bexley"], lever_range=(0.0, 10.0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = perform_experiments(model, scenarios=10, policies=2)
    experiments, outcomes = results
    assert len(experiments) == 20
    assert {"b_pay", "search_rate_per_month", "bexley_pay_uplift_pct"} <= set(experiments.columns)
    assert outcomes["turnover_pct"].shape == (20, 2)  # experiments x replications (seeds 0 and 1)
    assert outcomes["vacancy_rate_pct_by_month"].shape == (20, 2, 13)
    assert not np.allclose(outcomes["council_moves_pct"][:, 0], outcomes["council_moves_pct"][:, 1])
    # each replication is the flat function with the experiment's inputs and that replication's seed
    row = experiments.iloc[3]
    direct = run(region=REGION, months=12, seed=1, b_pay=row.b_pay, search_rate_per_month=row.search_rate_per_month,
                 bexley_pay_uplift_pct=row.bexley_pay_uplift_pct)
    assert outcomes["turnover_pct"][3, 1] == pytest.approx(direct["turnover_pct"])
    np.testing.assert_allclose(outcomes["perm_fte_by_month"][3, 1], direct["perm_fte_by_month"])

    experiments, means = process_replications(results)
    assert means["council_moves_pct"].shape == (20,) and means["perm_fte_by_month"].shape == (20, 13)
    x = experiments[["b_pay", "search_rate_per_month", "bexley_pay_uplift_pct"]]
    scores = feature_scoring.get_feature_scores_all(x, {"council_moves_pct": means["council_moves_pct"]})
    assert scores["council_moves_pct"].idxmax() == "search_rate_per_month"

    high = means["council_moves_pct"] > np.percentile(means["council_moves_pct"], 70)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # EMA 2.x takes a density threshold; 3.x dropped the argument
        takes_threshold = "threshold" in inspect.signature(prim.Prim).parameters
        box = prim.Prim(x, high, **({"threshold": 0.6} if takes_threshold else {})).find_box()
    limits = box.box_lims[box._cur_box]
    assert limits.loc[0, "search_rate_per_month"] > 0.004  # the box asks for a higher search rate
