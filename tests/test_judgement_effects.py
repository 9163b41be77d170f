"""An Ofsted judgement's effects in the model against the census event study around real judgements
(experiments/validation/judgement_effects.py runs the same experiment with more seeds and prints it).

England from 2024, 20 councils judged Inadequate (from Good or Requires improvement) or Outstanding
(from Good) in October 2024 against the same runs without the judgements, 2 paired seeds, each measure
the councils' mean over months 1-36. The model's effect on each measure must lie inside the census's
95% interval. The spread over seeds of the model's effects is 0.1-0.3 points (3 seeds), against census
intervals 3-8 points wide, so two seeds decide it.

The caseload is left out: the model's caseload falls by about 1 case after Inadequate (the added agency
cover holds cases) while the census's does not move (+0.0, -0.9 to +0.9): a known miss, reported in
docs/ofsted_process.md.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "experiments" / "validation" / "judgement_effects.py"
spec = importlib.util.spec_from_file_location("judgement_effects", SCRIPT)
je = importlib.util.module_from_spec(spec)
spec.loader.exec_module(je)

CHECKED = ["turnover", "starters_rate", "agency_rate", "vacancy_rate", "log_inpost", "log_establishment"]


def outside(event: str, **params: float) -> list[str]:
    census = je.census_effects()
    effects = je.model_effects(event, 2024, 2, **params).mean()
    misses = []
    for k in CHECKED:
        c = census.loc[(event, je.MEASURES[k][0])]
        if not c.ci_low <= effects[k] <= c.ci_high:
            misses.append(f"{k}: model {effects[k]:+.3f}, census {c.estimate:+.3f} ({c.ci_low:+.3f} to {c.ci_high:+.3f})")
    return misses


@pytest.mark.parametrize("event", ["to_inadequate", "to_outstanding"])
def test_a_judgements_effects_lie_inside_the_census_event_study(event):
    assert outside(event) == []


def test_without_the_estimated_effects_an_inadequate_judgement_misses_the_census():
    """With the event study's direct effects (funded posts, agency cover, hiring) switched off, an
    Inadequate judgement moves starters, vacancies and funded posts outside the census's intervals:
    the grade's pull on workers alone does not produce what the census recorded."""
    misses = outside("to_inadequate", judgement_effects=0.0)
    assert {m.split(":")[0] for m in misses} >= {"starters_rate", "log_establishment"}, misses
