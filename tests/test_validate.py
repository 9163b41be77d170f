"""Validation: the command end to end on a small region, the error scores, and clear errors for bad years."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.calibrate.validate import check_base_year, direction_share, score, validate
from sim.cli import main
from sim.errors import SimInputError


def test_direction_and_scores_on_a_hand_example():
    start = pd.Series([10.0, 10.0, 10.0, 10.0])
    actual = pd.Series([12.0, 8.0, 10.2, 11.0])
    assert direction_share(start, start, actual, 0.5) == 0.25  # no change is right only where flat
    assert direction_share(start, pd.Series([11.0, 9.0, 10.0, 9.0]), actual, 0.5) == 0.75
    s = score(start, actual, actual, 0.5)
    assert s["mae"] == 0 and s["spearman"] == pytest.approx(1) and s["direction"] == 1


def test_validate_small_region_scores_three_forecasts():
    v = validate(2022, region="west_yorkshire", seeds=2)
    assert set(v.scores.index.get_level_values("forecast")) == {"model", "no_change", "mean_reversion"}
    assert np.isfinite(v.scores["mae"]).all()
    t = v.councils
    for m in ("turnover_pct", "agency_rate_pct", "vacancy_rate_pct", "caseload"):
        flat = ((t[f"{m}_census_2023"] - t[f"{m}_census_2022"]).abs() <= 0.5).mean()
        assert v.scores.loc[(m, "no_change"), "direction"] == pytest.approx(flat)  # right only where flat
    assert v.national.loc["turnover_pct", "census_2023"] > 0
    assert len(v.councils) == 5 and 0 <= min(v.mean_reversion_lambda.values())


def test_validate_command_writes_table_and_plots(tmp_path, capsys):
    code = main(["validate", "--base-year", "2023", "--seeds", "1", "--region", "west_yorkshire",
                 "--out", str(tmp_path)])
    assert code == 0
    assert "2023 -> 2024" in capsys.readouterr().out
    scores = pd.read_csv(tmp_path / "scores.csv")
    assert set(scores.forecast) == {"model", "no_change", "mean_reversion"}
    assert (tmp_path / "scatter_2023_2024.png").stat().st_size > 10_000
    assert "no_change MAE" in (tmp_path / "validation.md").read_text()


@pytest.mark.parametrize(("year", "message"), [(2024, "no census year 2025"), (2030, "2017 to 2024"),
                                               (2016, "2017 to 2024")])
def test_base_year_without_following_census_is_a_clear_error(year, message, capsys):
    with pytest.raises(SimInputError, match=message):
        check_base_year(year)
    assert main(["validate", "--base-year", str(year), "--region", "west_yorkshire"]) == 2
    assert message in capsys.readouterr().err


def test_validate_needs_a_year_or_backtest(capsys):
    assert main(["validate", "--region", "west_yorkshire"]) == 2
    assert "--backtest" in capsys.readouterr().err


def test_refit_calibrates_each_fold_on_earlier_census_years_only(tmp_path, capsys):
    """`sim validate --base-year 2020 --refit N` calibrates on base years before 2020 (targets up to the
    2020 census, never 2021, the year it forecasts), writes the fold's parameter file, and validates
    with it."""
    import tomllib

    from sim.cli import main

    spec = tmp_path / "spec.toml"
    spec.write_text('[calibration]\nregion = "bexley_cluster"\nbase_years = [2019, 2020, 2021, 2022]\n'
                    'seeds = [1]\nworkers = 1\n[free]\nexit_mid_per_month = [0.004, 0.012]\n')
    out = tmp_path / "out"
    assert main(["validate", "--base-year", "2020", "--refit", "3", "--seeds", "1", "--region", "bexley_cluster",
                 "--spec", str(spec), "--out", str(out), "--quiet"]) == 0
    prov = tomllib.loads((out / "fold_2020" / "calibrated_params.toml").read_text())["provenance"]
    assert max(prov["census_years"]) == 2020 and max(prov["base_years"]) == 2019
    assert "2020 -> 2021" in capsys.readouterr().out
