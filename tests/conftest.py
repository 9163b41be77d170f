"""Shared fixtures: small models built once per session."""

from __future__ import annotations

import pytest

from sim.model import WorkforceModel


@pytest.fixture(scope="session")
def england_3y() -> WorkforceModel:
    """All England for three years, checking the stock-flow identities every month."""
    return WorkforceModel(seed=11, validate=True).run(years=3)
