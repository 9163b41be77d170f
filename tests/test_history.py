"""Historical checks: the recorded judgements replayed at their dates, and the predictive intervals
against the census (sim.history)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim import WorkforceModel
from sim.data import GRADES, seeds_dir
from sim.errors import SimInputError
from sim.history import ENGLAND, historical_check
from sim.policies.supply import RecordedJudgements

BCP = "Bournemouth, Christchurch and Poole"


def grades_by_month(policies: list, seed: int = 3, months: int = 30) -> dict[str, list[str]]:
    m = WorkforceModel(region="bcp_cluster", base_year=2020, seed=seed, months=months, policies=policies)
    names = [a.name for a in m.council_agents[: m.councils.n_active]]
    path = {n: [] for n in names}
    for _ in range(months):
        m.step()
        for i, n in enumerate(names):
            path[n].append(GRADES[m.councils.grade[i]])
    return path


def test_recorded_judgements_arrive_in_their_month_and_nothing_else_changes_a_grade():
    """From the 2020 census, BCP's recorded Inadequate (published February 2022, month 17 of the run)
    arrives in that month and no other; every grade change in 30 months is a recorded judgement
    (random inspections held off). Without the replay the grades follow the random schedule instead."""
    j = pd.read_csv(seeds_dir() / "ofsted_judgements.csv")
    path = grades_by_month([RecordedJudgements()])
    assert path[BCP][15] != "Inadequate" and path[BCP][16] == "Inadequate"  # ticks 16 and 17
    recorded = j[pd.to_datetime(j.publication_date).between("2020-10-01", "2023-03-31")]
    changes = sum(a != b for p in path.values() for a, b in zip(p, p[1:], strict=False))
    assert changes <= len(recorded)
    # switched off: over a few seeds the random process does not put BCP into Inadequate in month 17
    random_paths = [grades_by_month([], seed=s)[BCP][16] for s in range(3)]
    assert random_paths.count("Inadequate") < 3


def test_a_historical_check_puts_the_census_beside_its_intervals():
    check = historical_check("bcp_cluster", 2020, 2, draws=3, seeds_per_draw=1, point=True, workers=1)
    t = check.table
    assert check.members == 3 and set(t.year) == {2021, 2022}
    assert {"turnover_pct", "agency_rate_pct", "vacancy_rate_pct", "caseload", "perm_fte"} <= set(t.measure)
    assert (t.q05 <= t.q25).all() and (t.q25 <= t["median"]).all() and (t["median"] <= t.q75).all()
    bcp = check.rows(t[t.council == BCP].code.iloc[0], "turnover_pct")
    assert bcp.loc[2021, "census"] == pytest.approx(36.0, abs=0.1)  # the census figure the report quotes
    inside = (bcp.census >= bcp.q05) & (bcp.census <= bcp.q95)
    assert (bcp.inside90.astype(bool) == inside).all()
    assert np.isfinite(t.census).all()


def test_an_england_check_has_the_national_figures_beside_the_national_census():
    """For all England the check adds a national row (code E92000001) from the summed councils, beside
    census_national.csv (England's 2024 agency rate 16.2%, turnover 13.9%)."""
    check = historical_check("england", 2023, 1, draws=2, seeds_per_draw=1, point=True, workers=1)
    england = check.table[check.table.code == ENGLAND].set_index("measure")
    assert len(england) == 5 and (england.council == "England").all()
    assert england.loc["agency_rate_pct", "census"] == pytest.approx(16.2, abs=0.05)
    assert england.loc["turnover_pct", "census"] == pytest.approx(13.9, abs=0.05)
    councils = check.table[(check.table.code != ENGLAND) & (check.table.measure == "perm_fte")]
    assert england.loc["perm_fte", "mean"] == pytest.approx(councils["mean"].sum(), rel=1e-9)


def test_a_historical_check_needs_a_following_census_year():
    with pytest.raises(SimInputError, match="base year 2016"):
        historical_check("bcp_cluster", 2016, 1, draws=1, point=True, workers=1)
