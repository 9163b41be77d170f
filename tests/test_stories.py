"""The news stories as experiments: each scenario in experiments/scenarios/ reproduces its stylised
fact on fixed seeds (few replicates, small regions), at the calibrated point (`point=True`: the
stylised fact under one parameter set; tests/test_story_mechanisms.py switches the mechanisms off),
with the weight of pay in the choice between posts at its posterior median (as there, and for the same
reason: the optimiser's point puts it at the lower bound of its range).
Tolerances are stated where they are set.

Where the engine's default parameters cannot produce the reported size of an effect, the test checks
its direction and the docstring says so.
"""

from __future__ import annotations

from dataclasses import replace
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


def scen(name: str, **params: float) -> Scenario:
    """The scenario file with b_pay at its posterior median (tests/test_story_mechanisms.pay_weight)."""
    from test_story_mechanisms import pay_weight

    s = Scenario.from_toml(path(name))
    return replace(s, params={**s.params, **pay_weight(), **params})


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


def test_bexley_early_career_losses_come_from_the_early_career_assumption():
    """The council: "when they've done their two years here we lose them". The census cannot test this
    (it has no leavers by experience by council), so the model's answer is its assumption: workers 18-36
    months after qualifying search more often (search_early_career_multiplier, 1.6; an assumption in
    docs/ODD.md). This test checks that the assumption, and only it, puts them among those Bexley loses
    to other councils: with it, their share among movers exceeds their share in post by at least a half
    (2.1 times, measured); with the multiplier at 1 it does not (1.3 times: the model's other terms favour
    them a little). Four seeds pooled give over 200 moves each way."""
    def ratio(**params: float) -> float:
        baseline = Scenario.from_toml(path("bexley_baseline"))  # at the point: not a test of the pay channel
        baseline = replace(baseline, params={**baseline.params, **params})
        movers, stock = [], []
        for seed in range(4):
            a, b = council_movers_by_experience(baseline.build_model(seed), "Bexley", baseline.months)
            movers += a
            stock += b
        movers, stock = np.asarray(movers), np.asarray(stock)
        early = lambda x: np.mean((x >= 18) & (x < 36))  # noqa: E731
        assert movers.size > 100
        return early(movers) / early(stock)

    assert ratio() > 1.5
    assert ratio(search_early_career_multiplier=1.0) < 1.5


@pytest.fixture(scope="module")
def bexley():
    return compare(scen("bexley_baseline"), scen("bexley_pays_more"), replicates=12, workers=2, point=True)


def test_bexley_pays_more_keeps_more_of_its_staff_and_spends_less_on_agency(bexley):
    """+GBP 3,000 and a GBP 150k incentive budget: Bexley's turnover, its rate of losses to other councils
    (losses / mean FTE in post, paired over 12 seeds) and its vacancy rate fall and its agency spend falls,
    each with a 95% interval excluding zero; incentive spend about GBP 150-200k. Its head count of losses
    need not fall: it keeps and hires more staff. Next door, no neighbour's turnover moves by more than
    1.5 points (directed poaching: Bexley's pay does not send its neighbours' staff searching)."""
    t = bexley.table
    b = t[t.council == "Bexley"].set_index("measure")
    for k in ("agency_spend_gbp", "turnover_pct", "vacancy_rate_pct"):
        assert b.loc[k, "hi"] < 0, k
    assert 120_000 < b.loc["incentive_spend_gbp", "diff"] < 220_000
    reps = bexley.replicates[bexley.replicates.council == "Bexley"].pivot(index="seed", columns="measure")
    rate = {arm: reps[arm]["losses_to_councils"] / reps[arm]["perm_fte"] for arm in ("baseline", "scenario")}
    diff = rate["scenario"] - rate["baseline"]
    assert diff.mean() + 2.201 * diff.std(ddof=1) / np.sqrt(len(diff)) < 0  # t(11) 97.5%
    neighbours = t[(t.role == "neighbour") & (t.measure == "turnover_pct")]
    assert {"Greenwich", "Bromley", "Kent"} <= set(neighbours.council)
    assert (neighbours["diff"].abs() < 1.5).all(), neighbours[["council", "diff"]]


def test_kent_package_draws_starters_but_misses_the_agency_target():
    """Golden hellos, caseload bonuses, 20 overseas recruits a year and an improving grade, with the 10%
    temporary-staff target left as a target (no cap): Kent's starters rise (the overseas recruits the
    scenario adds, 20 a year, and about none from the labour market: 19.6, 95% interval 17.6 to 21.6, in
    40 pairs at the point of 2 December; hires follow leavers, and the staff the bonuses keep need no
    replacing) and
    its turnover falls, its agency share (agency / (agency + permanent FTE)) falls against the same
    councils without the package, and it stays above 10%, as the report says Kent's did. The baseline's
    share is Kent's own: within 3 points of its census rate (14.0% in 2024). 8 paired seeds."""
    table = compare(scen("kent_baseline"), scen("kent_recruitment"), replicates=8, workers=2, point=True).table
    t = table[table.council == "Kent"].set_index("measure")
    assert t.loc["starters", "lo"] > 0 and t.loc["turnover_pct", "hi"] < 0, t.loc[["starters", "turnover_pct"]]
    share = lambda arm: t.loc["agency_fte", arm] / (t.loc["agency_fte", arm] + t.loc["perm_fte", arm])  # noqa: E731
    assert abs(share("baseline") - 0.1398) < 0.03
    assert 0.10 < share("scenario") < share("baseline"), (share("baseline"), share("scenario"))


def test_bromley_referrals_push_caseload_and_locums_up_and_the_response_pushes_back():
    """Referrals doubling in a year raise caseload by at least half and are covered partly by locums
    ("we are covering things at the moment with locums": agency FTE up); turnover rises by no more
    than the census allows: within a council, log turnover rises 0.0065 per case (se 0.0067; sim/params.py),
    so by at most about 0.02 per case. The retention bonus, supplement, ten extra posts and caseload cap bring
    caseload and turnover down."""
    shock = compare("baseline", scen("bromley_referrals"), replicates=3, workers=2, point=True).table
    s = shock[shock.council == "Bromley"].set_index("measure")
    assert s.loc["caseload", "lo"] > 0.5 * s.loc["caseload", "baseline"]
    assert s.loc["agency_fte", "lo"] > 0.25 * s.loc["agency_fte", "baseline"]
    # the census's upper bound on caseload's effect on turnover within a council: 0.0065 + 2 x 0.0067 log points
    bound = s.loc["turnover_pct", "baseline"] * (np.exp(0.0199 * s.loc["caseload", "diff"]) - 1)
    assert s.loc["turnover_pct", "diff"] < bound, (s.loc["turnover_pct", "diff"], bound)
    response = compare(scen("bromley_referrals"), scen("bromley_response"), replicates=3, workers=2, point=True).table
    r = response[response.council == "Bromley"].set_index("measure")
    assert r.loc["caseload", "hi"] < 0 and r.loc["turnover_pct", "hi"] < 0


def bcp_from_2021(seed: int, judged: bool, **params: float) -> pd.DataFrame:
    """BCP and its neighbours from the 2021 census (BCP's turnover 36%, agency 37%), with or without
    its real Inadequate judgement of February 2022, for two years."""
    from sim.policies.supply import OfstedJudgement

    policies = [OfstedJudgement(councils=[BCP], grade="Inadequate", start="2022-02")] if judged else []
    m = WorkforceModel(region="bcp_cluster", base_year=2021, seed=seed, months=24, policies=policies, **params)
    return m.run(months=24).results.council_months


def test_bcp_keeps_its_own_churn_and_its_judgement_brings_agency_staff():
    """BCP's census in 2021 recorded turnover of 36% against 10-16% next door (the news report's
    comparison). Started from that census, the model keeps BCP's turnover in its first year well above
    its neighbours' (at least 1.3 times; its own history pulls the forecast part of the way back; 1.41
    measured at the point of 2 December); with every council's identity erased, less than half of that
    excess remains (1.16 measured: the structural terms alone). The February 2022
    Inadequate judgement then raises BCP's agency cover against the same runs without it (the event
    study's effect), and with the judgement's effects switched off it does not. 4 seeds pooled."""
    def first_year_ratio(**params: float) -> float:
        lv = fte = olv = ofte = 0.0
        for seed in range(4):
            cm = bcp_from_2021(seed, judged=False, **params)
            win = cm[(cm.tick >= 1) & (cm.tick <= 12)]
            leavers, mean_fte = win.groupby("council").leavers_fte.sum(), win.groupby("council").perm_fte.mean()
            lv, fte = lv + leavers[BCP], fte + mean_fte[BCP]
            olv, ofte = olv + leavers.drop(BCP).sum(), ofte + mean_fte.drop(BCP).sum()
        return (lv / fte) / (olv / ofte)

    with_identity, without = first_year_ratio(), first_year_ratio(council_identity=0.0)
    assert with_identity > 1.3
    assert without - 1 < 0.5 * (with_identity - 1), (with_identity, without)  # identity carries most of the excess

    def agency_effect(**params: float) -> float:
        diff = 0.0
        for seed in range(4):
            a, b = (bcp_from_2021(seed, judged, **params) for judged in (True, False))
            pick = lambda cm: cm[(cm.council == BCP) & (cm.tick >= 6)].agency_fte.mean()  # noqa: E731
            diff += pick(a) - pick(b)
        return diff / 4

    assert agency_effect() > 5
    assert abs(agency_effect(judgement_effects=0.0)) < 2


def test_bcp_pay_harmonisation_cuts_turnover():
    """From the 2021 census with the February 2022 judgement, pay harmonised upward to the neighbours'
    mean from April 2022: BCP's turnover and its losses to other councils fall (about 1.2 points and 0.4
    a year, the second against a spread of about 0.6 between paired runs; 40 pairs for the 95%
    intervals to exclude zero)."""
    table = compare(scen("bcp_inadequate"), scen("bcp_pay_harmonised"), replicates=40, workers=2, point=True).table
    t = table[table.council == BCP].set_index("measure")
    assert t.loc["turnover_pct", "hi"] < 0 and t.loc["losses_to_councils", "hi"] < 0


def test_bradford_allowance_holds_staff_before_january_more_than_after():
    """A GBP 2,400 allowance each January: a searcher who would forfeit it weighs it more the nearer it
    is due ("some people may leave after they receive the payment"). For Bradford's staff, the logit
    probability of leaving (averaged over the same searchers and offers) falls more, against no
    allowance, in December than in February, by at least 0.3 points more than with the forfeit horizon
    at one month (the pending payment then weighs nothing before the month it is due). The realised
    monthly movers are too few to show this on a handful of seeds (about 100 in Nov-Jan over 4 seeds);
    the probabilities show the mechanism exactly."""
    from sim.phases.moves import option_utilities
    from sim.workers import PERM as PERMANENT

    invest = scen("bradford_neighbours_invest")

    def leave_probability(model: WorkforceModel, month: int) -> float:
        while model.calendar_month != month:
            model.step()
        w = model.workers
        perm = w.with_status(PERMANENT)
        slots = perm[w.employer[perm] == model.council_index("Bradford")]
        utility, available, _ = option_utilities(model, slots)
        z = np.where(available, utility - utility.max(axis=1, keepdims=True), -np.inf)
        prob = np.exp(z)
        return float(1 - (prob[:, 0] / prob.sum(axis=1)).mean())

    def december_minus_february(**params: float) -> float:
        s = replace(invest, params={**invest.params, **params})
        drop = {}
        for month in (12, 2):
            drop[month] = (leave_probability(s.baseline().build_model(0), month)
                           - leave_probability(s.build_model(0), month))
        return drop[12] - drop[2]

    on, off = december_minus_february(), december_minus_february(forfeit_horizon_months=1)
    assert on - off > 0.003, (on, off)  # what the pending payment adds to December's drop
