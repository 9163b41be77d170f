"""The fast engine agrees in distribution with the plain-Mesa reference model (tests/reference).

Design. For each small region (West Yorkshire; Bexley and its neighbours) we run N = 80 seeds of
the engine and 80 other seeds of the reference for 24 months and compare four outcomes over the
second year: annual turnover, council-to-council moves (% of the workforce a year), and the agency and
vacancy rates at the end. For each outcome two two-sample tests must not reject: Welch's t-test on
the means and the Kolmogorov-Smirnov test on the whole distribution, each at alpha = 0.01 / 4 per
region (Bonferroni over the outcomes), so a correct engine fails with probability below about 2% per
region for a given set of seeds. The seeds are fixed, so the verdict is reproducible.

Power. Across seeds the standard deviations are about 1.2 points for turnover (of ~15.7%), 0.5 for
moves (~3.5%), 0.8 for the agency rate and 1.0 for the vacancy rate, so the standard errors of the
differences of means are 0.19, 0.08, 0.13 and 0.16 points: shifts of about 0.75 points of turnover
(5% of its level), 0.3 of moves (9%), 0.5 of the agency rate and 0.6 of the vacancy rate are
detected with 80% power. As a check that the test can fail, a deliberately wrong reference with
twice the exit hazard must be rejected on turnover by both tests (it moves turnover by ~25 SE).

Runtime: about 20 s on two idle cores (the runs are spread over two processes).
"""

from __future__ import annotations

import numpy as np
import pytest
from reference.compare import OUTCOMES, sample
from scipy import stats

from sim.model import WorkforceModel
from sim.workers import AGENCY, PERM

REGIONS = ("west_yorkshire", "bexley_cluster")
MONTHS, N_SEEDS, N_WRONG = 24, 80, 16
ALPHA = 0.01 / len(OUTCOMES)  # per test, per region (Bonferroni over outcomes)
ENGINE_SEEDS = range(N_SEEDS)
REFERENCE_SEEDS = range(10_000, 10_000 + N_SEEDS)  # different seeds: the models share no streams


@pytest.fixture(scope="module")
def samples() -> dict[tuple[str, str], np.ndarray]:
    jobs = [("reference", r, MONTHS, s) for r in REGIONS for s in REFERENCE_SEEDS]
    jobs += [("double_exit_reference", REGIONS[0], MONTHS, s) for s in REFERENCE_SEEDS[:N_WRONG]]
    jobs += [("engine", r, MONTHS, s) for r in REGIONS for s in ENGINE_SEEDS]
    return sample(jobs)


def compare(a: np.ndarray, b: np.ndarray) -> dict[str, tuple[float, float]]:
    """Per outcome: (Welch t-test p-value, Kolmogorov-Smirnov p-value)."""
    return {k: (stats.ttest_ind(a[:, i], b[:, i], equal_var=False).pvalue, stats.ks_2samp(a[:, i], b[:, i]).pvalue)
            for i, k in enumerate(OUTCOMES)}


def describe(a: np.ndarray, b: np.ndarray) -> str:
    return "; ".join(f"{k}: engine {a[:, i].mean():.2f} (sd {a[:, i].std(ddof=1):.2f}) vs reference "
                     f"{b[:, i].mean():.2f} (sd {b[:, i].std(ddof=1):.2f})" for i, k in enumerate(OUTCOMES))


@pytest.mark.slow
@pytest.mark.parametrize("region", REGIONS)
def test_engine_agrees_with_reference(samples: dict[tuple[str, str], np.ndarray], region: str) -> None:
    engine, reference = samples["engine", region], samples["reference", region]
    pvalues = compare(engine, reference)
    failed = {k: p for k, p in pvalues.items() if min(p) < ALPHA}
    assert not failed, f"{region}: engine and reference disagree on {failed} (alpha {ALPHA:.4f}); " + describe(
        engine, reference)


@pytest.mark.slow
def test_wrong_reference_is_detected(samples: dict[tuple[str, str], np.ndarray]) -> None:
    region = REGIONS[0]
    engine, wrong = samples["engine", region], samples["double_exit_reference", region]
    t_p, ks_p = compare(engine, wrong)["turnover_pct"]
    assert t_p < ALPHA and ks_p < ALPHA, f"double exit hazard not detected (p = {t_p:.3g}, {ks_p:.3g}); " + describe(
        engine, wrong)


def test_incremental_stocks_equal_a_full_count() -> None:
    """The engine's council stocks are tallied incrementally (only slots that changed since the last
    count); they must equal a plain count of every slot, also after columns are edited from outside."""
    m = WorkforceModel(region="london", seed=4).run(months=4)
    w, c = m.workers, m.councils
    rng = np.random.default_rng(0)
    for _ in range(3):
        occupied = np.flatnonzero(np.isin(w.status, (PERM, AGENCY)))
        edit = rng.choice(occupied, 50, replace=False)
        w.edit(edit, fte=rng.choice([0.5, 0.6, 0.8, 1.0], 50).astype(np.float32))
        w.edit(edit[:10], employer=rng.integers(0, c.n_active, 10))
        w.edit(edit[10:20], status=AGENCY)
        m.recount()
        for code, count, fte in ((PERM, c.perm_count, c.perm_fte), (AGENCY, c.agency_count, c.agency_fte)):
            mask = w.status == code
            assert np.array_equal(count, np.bincount(w.employer[mask], minlength=c.n))
            assert np.array_equal(fte, np.bincount(w.employer[mask], weights=w.fte[mask], minlength=c.n))
        m.step()
