"""Shared fixtures: small models built once per session."""

from __future__ import annotations

import pytest

from sim.model import WorkforceModel


@pytest.fixture(scope="session")
def england_3y() -> WorkforceModel:
    """All England for three years, checking the stock-flow identities every month."""
    return WorkforceModel(seed=11, validate=True).run(years=3)


# The browser fixtures are defined once here, for every browser test module (see tests/browser_harness.py).
try:
    from browser_harness import chromium_browser, network_log, offline_page, solara_server_factory  # noqa: F401
except ImportError:  # playwright not installed: the browser test modules skip themselves
    pass
