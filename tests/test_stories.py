"""The news stories as experiments: each scenario in experiments/scenarios/ reproduces its stylised
fact on fixed seeds (few replicates, small regions). Tolerances are stated where they are set.

Where the engine's default parameters cannot produce the reported size of an effect, the test checks
its direction and the docstring says so.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.compare import compare
from sim.model import WorkforceModel
from sim.scenario import Scenario
from sim.workers import FREE, PERM

SCENARIOS = Path(__file__).resolve().parents[1] / "experiments" / "scenarios"
BCP = "Bournemouth, Christchurch and Poole"


def path(name: str) -> Path:
    return SCENARIOS / f"{name}.toml"


def council_movers_by_experience(m: WorkforceModel, council: str, months: int) -> tuple[list[int], list[int]]:
    """Run ``m`` for ``months``, collecting months since qualifying of the council's movers to other
    councils (in or out of the region) and of its permanent staff each month."""
    idx = m.council_index(council)
    movers: list[int] = []
    stock: list[int] = []
    leaving: list[np.ndarray] = []
    m.exit_listeners.append(lambda mm, slots: leaving.append(slots[mm.workers.employer[slots] == idx].copy()))
    moves = m._phase_functions["moves"]

    def tracked_moves(mm: WorkforceModel) -> None:
        w = mm.workers
        here = (w.status == PERM) & (w.employer == idx)
        stock.extend(w.pq_months[here].tolist())
        leaving.clear()
        before = {int(s): int(w.pq_months[s]) for s in np.flatnonzero(here)}
        moves(mm)
        for slots in leaving:  # moved within the region (still permanent) or out of it (slot freed)
            gone = slots[(w.status[slots] == PERM) | (w.status[slots] == FREE)]
            movers.extend(before[int(s)] for s in gone)

    m._phase_functions["moves"] = tracked_moves
    m.run(months=months)
    return movers, stock


def test_bexley_loses_staff_about_two_years_after_qualifying():
    """Outstanding Bexley among neighbours who pay more: workers 18-36 months after qualifying are
    over-represented among those it loses to other councils (the council: "when they've done their
    two years here we lose them"). Four seeds pooled give several hundred moves; the share among
    movers must exceed the share in post by at least a half (the engine's early-career search
    multiplier is 1.6, diluted by other reasons to move)."""
    scen = Scenario.from_toml(path("bexley_baseline"))
    movers, stock = [], []
    for seed in range(4):
        a, b = council_movers_by_experience(scen.build_model(seed), "Bexley", scen.months)
        movers += a
        stock += b
    movers, stock = np.asarray(movers), np.asarray(stock)
    early = lambda x: np.mean((x >= 18) & (x < 36))  # noqa: E731
    assert movers.size > 100
    assert early(movers) > 1.5 * early(stock), (early(movers), early(stock))


@pytest.fixture(scope="module")
def bexley() -> pd.DataFrame:
    return compare(path("bexley_baseline"), path("bexley_pays_more"), replicates=6, workers=2).table


def test_bexley_pays_more_loses_fewer_to_named_neighbours_and_spends_less_on_agency(bexley):
    """+GBP 3,000 and a GBP 150k incentive budget: fewer losses to Greenwich, Bromley, Lewisham and
    Kent (together; each alone on 6 pairs is too noisy for Lewisham, just outside the cluster) and
    lower agency spend, both with 95% intervals excluding zero; incentive spend about GBP 150-200k."""
    t = bexley[bexley.council == "Bexley"].set_index("measure")
    named = [f"losses_to:{n}" for n in ("Greenwich", "Bromley", "Lewisham", "Kent")]
    assert set(named) <= set(t.index)
    assert t.loc[named, "diff"].sum() < 0
    for k in ("losses_to_councils", "agency_spend_gbp", "turnover_pct", "vacancy_rate_pct"):
        assert t.loc[k, "hi"] < 0, k
    assert 120_000 < t.loc["incentive_spend_gbp", "diff"] < 220_000
    # and what happens next door: the rows exist and neighbours lose no fewer staff than before
    neighbours = bexley[bexley.role == "neighbour"]
    assert {"Greenwich", "Bromley", "Kent"} <= set(neighbours.council)
    assert (neighbours[neighbours.measure == "losses_to_councils"]["diff"] > -1).all()


def test_kent_package_raises_starters_and_meets_the_agency_target():
    """Golden hellos, caseload bonuses, overseas recruits, a 10% agency cap and an improving grade:
    more starters, and an agency share (agency / (agency + permanent FTE)) near 10% against about 20%
    without them (we allow up to 12%: the cap binds month by month but placements end gradually)."""
    table = compare(path("kent_baseline"), path("kent_recruitment"), replicates=4, workers=2).table
    t = table[table.council == "Kent"].set_index("measure")
    assert t.loc["starters", "lo"] > 0
    share = lambda arm: t.loc["agency_fte", arm] / (t.loc["agency_fte", arm] + t.loc["perm_fte", arm])  # noqa: E731
    assert share("baseline") > 0.15 and share("scenario") < 0.12


def test_bromley_referrals_push_caseload_and_turnover_up_and_the_response_pushes_back():
    """Referrals doubling in a year roughly double caseload and raise turnover by at least 5 points;
    the retention bonus, supplement, ten extra posts and caseload cap bring both down."""
    shock = compare("baseline", path("bromley_referrals"), replicates=3, workers=2).table
    s = shock[shock.council == "Bromley"].set_index("measure")
    assert s.loc["caseload", "lo"] > 0.5 * s.loc["caseload", "baseline"]
    assert s.loc["turnover_pct", "lo"] > 5
    response = compare(path("bromley_referrals"), path("bromley_response"), replicates=3, workers=2).table
    r = response[response.council == "Bromley"].set_index("measure")
    assert r.loc["caseload", "hi"] < 0 and r.loc["turnover_pct", "hi"] < 0


def test_bcp_turnover_about_twice_its_neighbours_within_two_years_and_agency_climbs():
    """Inadequate with uncompetitive pay: within two years BCP's turnover is about twice its neighbours'
    (the news: 36% against 13-17%, i.e. 2.1-2.8 times) and its agency FTE climbs from the census.

    Measured as the news does: leavers over months 1-24 / mean FTE in post, BCP against Dorset and
    Hampshire together, pooled over seeds 0-4. The calibrated model gives 2.1 times (25% against 12%;
    single seeds 1.75 to 2.35, so the pooled ratio has a standard error of about 0.12). The test asks
    for at least 1.8 times: "twice" less 1.5 standard errors."""
    scen = Scenario.from_toml(path("bcp_inadequate"))
    bcp_leavers = bcp_fte = other_leavers = other_fte = 0.0
    climbs = []
    for seed in range(5):
        cm = scen.run(seed).results.council_months
        win = cm[(cm.tick >= 1) & (cm.tick <= 24)]
        leavers = win.groupby("council").leavers_fte.sum()
        fte = win.groupby("council").perm_fte.mean()
        bcp_leavers += leavers[BCP]
        bcp_fte += fte[BCP]
        other_leavers += leavers.drop(BCP).sum()
        other_fte += fte.drop(BCP).sum()
        bcp = cm[cm.council == BCP].set_index("tick")
        climbs.append(bcp.agency_fte.loc[bcp.index.max() - 11:].mean() - bcp.agency_fte.loc[0])
    ratio = (bcp_leavers / bcp_fte) / (other_leavers / other_fte)
    assert ratio > 1.8, ratio
    assert min(climbs) > 0, climbs


def test_bcp_pay_harmonisation_cuts_turnover():
    table = compare(path("bcp_inadequate"), path("bcp_pay_harmonised"), replicates=3, workers=2).table
    t = table[table.council == BCP].set_index("measure")
    assert t.loc["turnover_pct", "hi"] < 0 and t.loc["losses_to_councils", "hi"] < 0


def test_bradford_leavers_hold_until_january_then_rise():
    """A GBP 2,400 allowance each January: relative to no allowance, Bradford's movers (to councils and
    agency) fall in the three months before payment (Nov-Jan) more than in the three after (Feb-Apr).
    Pooled over four seeds and three Januaries; the ratio of ratios must exceed 1.1."""
    scen = Scenario.from_toml(path("bradford_neighbours_invest"))
    base = scen.baseline()

    def movers(s: Scenario, seed: int) -> pd.Series:
        cm = s.run(seed).results.council_months
        b = cm[(cm.council == "Bradford") & (cm.tick >= 1)]
        moves = b.leavers_council + b.leavers_outside_region + b.leavers_agency
        return moves.groupby(b.date.str[-2:].astype(int)).sum()

    with_, without = sum(movers(scen, s) for s in range(4)), sum(movers(base, s) for s in range(4))
    before = with_[[11, 12, 1]].sum() / without[[11, 12, 1]].sum()
    after = with_[[2, 3, 4]].sum() / without[[2, 3, 4]].sum()
    assert after > 1.1 * before, (before, after)


def test_bradford_neighbours_invest_and_a_national_scale_stops_the_drain():
    """Neighbours judged Inadequate raise pay above Bradford's; under a national pay scale instead,
    Bradford loses fewer staff to other councils. With the calibrated weights the effect is small
    (about 0.4 fewer a year, against a spread of about 0.6 between paired runs), so 20 pairs are
    needed for the 95% interval to exclude zero."""
    m = Scenario.from_toml(path("bradford_neighbours_invest")).run(0)
    pay = {a.name: a.pay_gbp for a in m.council_agents[: m.councils.n_active]}
    assert pay["Wakefield"] > pay["Bradford"] and pay["Kirklees"] > pay["Bradford"]
    table = compare(path("bradford_neighbours_invest"), path("bradford_national_pay"), replicates=20,
                    workers=2).table
    t = table[table.council == "Bradford"].set_index("measure")
    assert t.loc["losses_to_councils", "hi"] < 0


def test_dfe_agency_rules_lower_agency_use_in_england():
    """The DfE rules from October 2024 (experience, cooling-off, price cap): fewer agency FTE and lower
    agency spend across England within 18 months (2 paired runs; the spend effect is large)."""
    table = compare("baseline", path("england_dfe_agency_rules"), replicates=2, workers=2).table
    t = table[table.council == "(region)"].set_index("measure")
    assert t.loc["agency_fte", "diff"] < 0
    assert t.loc["agency_spend_gbp", "hi"] < 0
