"""`sim compare` with parameter uncertainty: pairs draw their parameters from the posterior (both arms share
the draw and the seed), the text says which share of each interval comes from the parameters and which
from chance, and `--point` keeps the one-parameter-set comparison exactly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sim.posterior
from sim.cli import main
from sim.compare import MEASURES, compare, summarise_run
from sim.posterior import Posterior
from sim.scenario import load
from sim.uncertainty import t_interval

SCENARIO = "experiments/scenarios/bexley_pays_more.toml"


def posterior() -> Posterior:
    rng = np.random.default_rng(5)
    draws = pd.DataFrame({"b_pay": rng.uniform(1.0, 6.0, 30), "switching_cost": rng.uniform(0.0, 4.0, 30)})
    return Posterior(draws, np.ones(30), {}, {"bounds": {"b_pay": [1.0, 6.0], "switching_cost": [0.0, 4.0]},
                                             "created": "test"})


def test_point_reproduces_the_one_parameter_set_comparison():
    """--point: seeds 0..N-1 with the calibrated defaults, mean and t interval of the paired differences."""
    comp = compare("baseline", SCENARIO, replicates=3, workers=1, point=True)
    scen = load(SCENARIO)
    base = scen.baseline()
    w = scen.first_policy_tick
    pairs = [(summarise_run(base.run(s), w), summarise_run(scen.run(s), w)) for s in range(3)]
    for k in ("losses_to_councils", "turnover_pct", "total_cost_gbp"):
        mean, lo, hi = t_interval(np.array([b.values[k] - a.values[k] for a, b in pairs]))
        rows = comp.table[comp.table.measure == k]
        assert np.array_equal(rows["diff"].to_numpy(), mean) and np.array_equal(rows.lo.to_numpy(), lo)
        assert np.array_equal(rows.hi.to_numpy(), hi)
    assert (comp.table[comp.table.measure.isin(list(MEASURES))].param_share.fillna(0) == 0).all()
    assert comp.posterior is None and "chance only" in comp.text() and "[parameters" not in comp.text()


def test_pairs_draw_from_the_posterior_and_report_parameter_and_chance_shares():
    comp = compare("baseline", SCENARIO, replicates=6, workers=1, posterior=posterior(), seeds_per_draw=2)
    reps = comp.replicates
    assert sorted(reps.drop_duplicates("seed").draw) == [0, 0, 1, 1, 2, 2]  # pair i uses draw i // 2
    point = compare("baseline", SCENARIO, replicates=6, workers=1, point=True)
    bexley = reps[(reps.council == "Bexley") & (reps.measure == "turnover_pct")].set_index("seed")
    ref = point.replicates
    ref = ref[(ref.council == "Bexley") & (ref.measure == "turnover_pct")].set_index("seed")
    assert not np.allclose(bexley.baseline, ref.baseline)  # the draws change the runs ...
    shares = comp.table.param_share.dropna()
    assert shares.between(0, 1).all() and (shares > 0.05).any()  # ... and some of the width is theirs
    text = comp.text()
    assert "drew its parameters from the calibrated posterior (3 draws, 2 seeds each" in text
    assert "[parameters " in text and "% from the parameters" in text


def test_compare_command_uses_the_installed_posterior_unless_point(tmp_path, monkeypatch, capsys):
    path = tmp_path / "posterior.parquet"
    posterior().save(path)
    monkeypatch.setattr(sim.posterior, "POSTERIOR_FILE", path)
    assert main(["compare", "baseline", SCENARIO, "--replicates", "4", "--workers", "1", "--quiet"]) == 0
    assert "[parameters " in capsys.readouterr().out
    assert main(["compare", "baseline", SCENARIO, "--replicates", "2", "--workers", "1", "--point", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "chance only" in out and "[parameters " not in out
    assert main(["compare", "baseline", SCENARIO, "--replicates", "2", "--seeds-per-draw", "0"]) == 2
    assert "--seeds-per-draw 0" in capsys.readouterr().err


@pytest.mark.parametrize("replicates", [1, 3])
def test_odd_or_single_replicates_still_work_with_draws(replicates):
    comp = compare("baseline", SCENARIO, replicates=replicates, workers=1, posterior=posterior())
    assert comp.n == replicates and np.isfinite(comp.table["diff"]).any()
