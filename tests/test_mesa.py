"""Mesa's conventions: run_model ends, the DataCollector and batch_run work, only simulated councils are
agents, the app exposes a module-level page. Runs on Mesa 3.3 (Python 3.11) and 3.5 (Python 3.12)."""

from __future__ import annotations

import warnings

import mesa
import numpy as np
import pandas as pd
import pytest
from mesa.batchrunner import batch_run

from sim.agents import BoundaryCouncil, Council
from sim.collect import COUNCIL_REPORTERS, REGION_REPORTERS, RecordedDataCollector
from sim.model import WorkforceModel

REGION = "bexley_cluster"  # 7 simulated councils and 11 boundary councils
MESA_35 = tuple(int(x) for x in mesa.__version__.split(".")[:2]) >= (3, 4)


def test_run_model_stops_at_the_planned_length():
    m = WorkforceModel(region=REGION, months=6)
    for _ in range(6):
        assert m.running
        m.step()
    assert not m.running
    m.run_model()  # returns at once
    assert not m.running and m.tick == 6 and m.steps == 6
    assert m.recorder.rows == 7  # the census month and six simulated months


def test_default_planned_length_is_ten_years():
    assert WorkforceModel(region=REGION).months == 120


def test_run_goes_past_the_planned_length_and_no_end_means_running():
    m = WorkforceModel(region=REGION, months=2).run(months=4)
    assert m.tick == 4 and not m.running
    open_ended = WorkforceModel(region=REGION, months=None).run(months=3)
    assert open_ended.running


def test_only_simulated_councils_are_mesa_agents():
    m = WorkforceModel(region=REGION)
    assert m.councils.n_active == 7 and len(m.council_agents) == 18
    assert len(m.agents) == 7
    assert all(isinstance(a, Council) for a in m.agents)
    assert {a.code for a in m.agents} == {a.code for a in m.council_agents[:7]}
    boundary = m.council_agents[7:]
    assert all(isinstance(b, BoundaryCouncil) and not b.simulated for b in boundary)
    assert not any(b in m.agents for b in boundary)
    # boundary councils still show their row of the council table
    assert boundary[0].pay_gbp == m.councils.pay_gbp[7] and boundary[0].grade_name


def test_datacollector_tables_match_the_results():
    m = WorkforceModel(region=REGION, seed=2, months=5)
    m.run_model()
    dc = m.datacollector
    assert isinstance(dc, mesa.DataCollector) and isinstance(dc, RecordedDataCollector)
    model_df = dc.get_model_vars_dataframe()
    agents_df = dc.get_agent_vars_dataframe()
    assert len(model_df) == 6 and list(model_df.columns) == ["seed", *REGION_REPORTERS]
    assert len(agents_df) == 6 * 7 and list(agents_df.columns) == list(COUNCIL_REPORTERS)
    cm = m.results.council_months
    bexley = agents_df.xs(3, level="Step").set_index("council").loc["Bexley"]
    row = cm[(cm.tick == 3) & (cm.council == "Bexley")].iloc[0]
    assert bexley.perm_fte == pytest.approx(row.perm_fte)
    assert bexley.vacancy_rate_pct == pytest.approx(row.vacancy_rate_pct)
    assert bexley.net_poaching == row.net_poaching and isinstance(bexley.leavers, (int, np.integer))
    region = m.results.region
    assert model_df.region_perm_fte.tolist() == pytest.approx(region.perm_fte.tolist())
    assert model_df.region_agency_rate_pct.tolist() == pytest.approx(region.agency_rate_pct.tolist())


def test_datacollector_collects_lazily_and_catches_up():
    m = WorkforceModel(region=REGION, months=4)
    m.step()
    m.step()
    dc = m.datacollector
    assert len(dc.get_model_vars_dataframe()) == 3
    dc.collect(m)  # idempotent: nothing new recorded
    assert len(dc.get_model_vars_dataframe()) == 3
    m.run_model()
    assert m.datacollector is dc and len(dc.get_model_vars_dataframe()) == 5
    assert sorted(dc._agent_records) == [0, 1, 2, 3, 4]


def test_engine_does_not_collect_while_running():
    m = WorkforceModel(region=REGION, months=3)
    m.run_model()
    assert "_datacollector" not in m.__dict__  # nothing built until someone asks


def test_a_collector_the_user_assigns_is_kept():
    m = WorkforceModel(region=REGION)
    own = mesa.DataCollector(model_reporters={"tick": "tick"})
    m.datacollector = own
    own.collect(m)
    m.step()
    assert m.datacollector is own and len(own.model_vars["tick"]) == 1


def _batch(**kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return pd.DataFrame(batch_run(WorkforceModel, number_processes=1, display_progress=False, **kwargs))


def test_batch_run_returns_council_month_rows():
    seeds = {"rng": [0, 1]} if MESA_35 else {}
    params = {"region": REGION, "b_pay": [4.0, 6.0], **({} if MESA_35 else {"seed": [0, 1]})}
    df = _batch(parameters=params, max_steps=12, data_collection_period=1, **seeds)
    assert df.RunId.nunique() == 4
    assert set(df.seed) == {0, 1} and set(df.b_pay) == {4.0, 6.0}
    last = df.groupby("RunId").Step.max()
    assert (last >= 12).all()
    one = df[df.RunId == df.RunId.iloc[0]]
    assert len(one) == 7 * (one.Step.max() + 1)  # every month, every simulated council, no boundary
    assert {"council", "perm_fte", "vacancy_rate_pct", "region_perm_fte", "AgentID"} <= set(df.columns)
    # the same seed and parameters give the same rows; the parameter changes the run
    a = df[(df.seed == 0) & (df.b_pay == 4.0) & (df.Step == 12)].perm_fte.to_numpy()
    b = df[(df.seed == 0) & (df.b_pay == 6.0) & (df.Step == 12)].perm_fte.to_numpy()
    again = _batch(parameters={"region": REGION, "b_pay": 4.0, **({} if MESA_35 else {"seed": 0})},
                   max_steps=12, **({"rng": [0]} if MESA_35 else {}))
    assert again.perm_fte.to_numpy() == pytest.approx(a)
    assert not np.allclose(a, b)


def test_batch_run_stops_at_the_models_planned_length():
    df = _batch(parameters={"region": REGION, "months": 3}, max_steps=50, data_collection_period=1)
    # the runs stop after 3 months, not 50 (Mesa 3.3 reports steps 0..steps-1, Mesa 3.5 0..steps)
    assert df.Step.max() == (3 if MESA_35 else 2)


def test_batch_run_replicates_get_different_seeds():
    """Mesa 3.5 passes seed=None to each iteration (a fresh seed each); Mesa 3.3 passes none, so there the
    documented way is seeds as a parameter (docs: README "From Python")."""
    if MESA_35:
        df = _batch(parameters={"region": REGION}, iterations=2, max_steps=2)
    else:
        df = _batch(parameters={"region": REGION, "seed": range(2)}, max_steps=2)
    assert df.seed.nunique() == 2


def test_app_exposes_a_module_level_page():
    reacton = pytest.importorskip("reacton")
    from sim import app

    assert isinstance(app.page, reacton.core.Element)
    assert app.page.component.f is app.Page.f


def test_bulk_copy_equals_mesas_own_collect_every_month():
    m = WorkforceModel(region=REGION, seed=4, months=4)
    dc = m.datacollector
    plain = mesa.DataCollector(model_reporters=dc.model_reporters, agent_reporters=dc.agent_reporters)
    plain.collect(m)  # the ordinary Mesa way: call the reporters each month
    while m.running:
        m.step()
        plain.collect(m)
    pd.testing.assert_frame_equal(plain.get_model_vars_dataframe(), m.datacollector.get_model_vars_dataframe(),
                                  check_dtype=False, check_index_type=False)  # Mesa 3.5 steps are floats
    pd.testing.assert_frame_equal(plain.get_agent_vars_dataframe(), m.datacollector.get_agent_vars_dataframe(),
                                  check_dtype=False, check_index_type=False)  # Mesa 3.5 steps are floats
