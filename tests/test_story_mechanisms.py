"""Each news story's stylised fact as a falsifiable test (issue #14): the fact holds with the mechanism
behind it, and the same assertion fails with that mechanism switched off. Paired runs with common
random numbers at the calibrated point (``point=True``: the mechanism, not the parameters' uncertainty,
is under test); 95% intervals over the pairs.

The Bradford allowance's January timing (the retention forfeit) is tested in tests/test_stories.py,
against the forfeit horizon switched off.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from sim.compare import compare
from sim.scenario import Scenario

SCENARIOS = Path(__file__).resolve().parents[1] / "experiments" / "scenarios"


def scenario(name: str, **params: float) -> Scenario:
    s = Scenario.from_toml(SCENARIOS / f"{name}.toml")
    return replace(s, params={**s.params, **params})


def effect(a: Scenario, b: Scenario, council: str, measure: str, pairs: int) -> tuple[float, float, float]:
    """(difference, lo, hi) of ``measure`` for ``council``, b against a."""
    t = compare(a, b, replicates=pairs, workers=2, point=True).table
    r = t[(t.council == council) & (t.measure == measure)].iloc[0]
    return float(r["diff"]), float(r.lo), float(r.hi)


def test_bexley_loses_staff_to_neighbours_because_they_pay_more():
    """Bexley's neighbours (Greenwich, Bromley, Kent) paying over the odds, against the same councils at
    their regional pay: Bexley loses more staff to other councils (about 0.4 a year of its 40 leavers:
    the model's poaching is real but small). The mechanism is pay in the worker's choice between posts
    (b_pay); with b_pay = 0 the neighbours' higher pay draws nobody clearly extra."""
    def losses(**params: float) -> tuple[float, float, float]:
        paying_more = scenario("bexley_baseline", **params)
        return effect(replace(paying_more, pay_gbp={}), paying_more, "Bexley", "losses_to_councils", 30)

    diff, lo, _ = losses()
    assert lo > 0, diff
    diff_off, lo_off, _ = losses(b_pay=0.0)
    assert not lo_off > 0, (diff_off, diff)


def test_an_inadequate_judgement_brings_agency_staff_and_funded_posts():
    """BCP judged Inadequate (the bcp_inadequate scenario) against the same run without the judgement:
    more agency FTE. Two channels carry it: the census event study's direct effect (log agency +0.49 on
    entering Inadequate: about 0.3 of the 0.7 FTE) and the grade's pull on workers and recruits (staff
    leave and fewer join, and agency cover fills the gap). With the direct effect and the grade's pull
    switched off (judgement_effects, b_ofsted and hire_reputation_weight at 0), no more agency FTE."""
    def agency(**params: float) -> tuple[float, float, float]:
        judged = scenario("bcp_inadequate", **params)
        return effect(replace(judged, policies=[]), judged, "Bournemouth, Christchurch and Poole", "agency_fte", 12)

    diff, lo, _ = agency()
    assert lo > 0, diff
    diff_off, lo_off, _ = agency(judgement_effects=0.0, b_ofsted=0.0, hire_reputation_weight=0.0)
    assert not lo_off > 0, diff_off


def test_doubling_referrals_overload_bromley_and_raise_its_turnover():
    """Bromley's open cases doubling over a year (bromley_referrals) against no shock: its turnover
    rises, through caseloads: the overload above the council's norm in the decisions to leave and to
    search (pinned by the census's within-council slope of turnover on caseload) and the caseload in the
    choice between posts (b_caseload_per_case, fixed from the same slope). With the overload weights
    alone at 0, 1.2 of the 1.5 points remain: most of the rise runs through the choice. With both
    overload weights and the caseload weight of the choice at 0, turnover does not rise."""
    def turnover(**params: float) -> tuple[float, float, float]:
        shock = scenario("bromley_referrals", **params)
        return effect(replace(shock, policies=[]), shock, "Bromley", "turnover_pct", 20)

    diff, lo, _ = turnover()
    assert lo > 0, diff
    diff_off, lo_off, _ = turnover(exit_overload_per_case=0.0, search_overload_per_case=0.0, b_caseload_per_case=0.0)
    assert not lo_off > 0, diff_off


def test_kent_golden_hellos_draw_more_starters_only_through_their_pull_on_recruits():
    """A golden hello alone (Kent's £2,000, no overseas recruitment: issue #14 found the scenario's
    extra starters included the overseas hires it adds) against none: more starters at Kent, through two
    channels: its pull on outside recruits (hire_golden_hello_per_1000gbp, an uncalibrated assumption:
    about 60% of the effect) and on movers from other councils (pay with incentives in the choice,
    b_pay). With both at 0, none."""
    def starters(**params: float) -> tuple[float, float, float]:
        base = replace(scenario("kent_baseline", **params), policies=[])
        hello = replace(base, policies=[{"kind": "golden_hello", "councils": ["Kent"], "gbp": 2000,
                                         "start": "2024-10"}])
        return effect(base, hello, "Kent", "starters", 12)

    diff, lo, _ = starters()
    assert lo > 0, diff
    diff_off, lo_off, _ = starters(hire_golden_hello_per_1000gbp=0.0, b_pay=0.0)
    assert not lo_off > 0, diff_off
