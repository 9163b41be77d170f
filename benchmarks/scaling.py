"""A synthetic scale-up of England's workforce, for measuring how the engine's cost grows.

``scaled_census(factor)`` multiplies every council's stocks in the census (FTE and headcount in post,
vacancies, agency FTE and cover, starters, leavers, case-holders and open cases) by ``factor``, and
leaves every rate (caseload, turnover, vacancy and agency rates), the graph and the parameters as
they are. A model built inside the context therefore has ``factor`` times as many workers, posts and
cases, in the same proportions, so each council behaves as in the real census, only bigger.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager

import sim.model
from sim.data import Seeds, load_seeds

#: census columns that are stocks or flows (scaled); every other column is a rate or a label (kept).
SCALED_COLUMNS = ("inpost_fte", "inpost_headcount", "starters_fte", "leavers_fte", "agency_fte",
                  "agency_cover_fte", "vacancy_fte", "case_holders_fte", "cases")


def scale_seeds(seeds: Seeds, factor: float) -> Seeds:
    """A copy of ``seeds`` whose census stocks are ``factor`` times the real ones."""
    if factor <= 0:
        raise ValueError(f"scale factor must be positive, got {factor}")
    census = seeds.census.copy()
    for col in SCALED_COLUMNS:
        census[col] = census[col] * factor
    return dataclasses.replace(seeds, census=census)


@contextmanager
def scaled_census(factor: float) -> Iterator[Seeds]:
    """Within the block, ``WorkforceModel`` starts from a census scaled by ``factor``.

    Example:
        >>> with scaled_census(2.0):
        ...     model = WorkforceModel(seed=1)  # about twice England's workforce
    """
    original = sim.model.load_seeds
    scaled = scale_seeds(load_seeds(), factor)
    sim.model.load_seeds = lambda *args, **kwargs: scaled
    try:
        yield scaled
    finally:
        sim.model.load_seeds = original
