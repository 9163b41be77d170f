"""The compiled kernels (sim/_kernels.pyx) against their numpy twins (sim/kernels.py): the same
bits on the same inputs, kernel by kernel and over whole runs with every kind of policy."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from sim import kernels
from sim.model import WorkforceModel
from sim.phases.exits import hazard_table
from sim.phases.moves import search_rate_table
from sim.scenario import Scenario
from sim.workers import AGENCY, FREE, NEVER, PERM, POOL, WorkerTable

SCENARIOS = Path(__file__).resolve().parents[1] / "experiments" / "scenarios"



def both(fn, *args):
    """``fn(*args)`` with the compiled kernels and with numpy only, each on its own copy of the
    array arguments (some kernels write into them); returns both results and both argument lists."""
    out = []
    for numpy_only in (False, True):
        copies = [_copy(a) for a in args]
        with kernels.numpy_only(numpy_only):
            out.append((fn(*copies), copies))
    return out


def _copy(a):
    """A copy of an array, or of a tuple of arrays (the worker columns, a flow's rows)."""
    if isinstance(a, np.ndarray):
        return a.copy()
    return tuple(_copy(x) for x in a) if isinstance(a, tuple) else a


def same(a, b) -> bool:
    if isinstance(a, (tuple, list)):
        return all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, np.ndarray):
        return a.shape == b.shape and np.array_equal(a, b)
    return a == b


@pytest.fixture(scope="module")
def model() -> WorkforceModel:
    """A London model a few months in, with its worker columns scrambled a little so that every
    status, career stage and council appears in no particular order."""
    m = WorkforceModel(region="london", seed=3).run(months=3)
    w, rng = m.workers, np.random.default_rng(1)
    occupied = np.flatnonzero(w.status != FREE)
    w.pq_months[occupied] = rng.integers(0, 500, occupied.size)
    return m


def test_the_compiled_kernels_are_built():
    """`pip install` builds them (pyproject's ext-modules); the engine must not fall back silently."""
    assert kernels.COMPILED_AVAILABLE and kernels.compiled()


@pytest.mark.parametrize("sub", [0, 5])
def test_uniform_draws_are_the_same_bits(sub):
    ids = np.r_[np.arange(1000), np.random.default_rng(0).integers(0, 2**31, 1000)]
    (a, _), (b, _) = both(kernels.uniform, ids, 17, np.uint64(0xDEADBEEF12345), sub)
    assert same(a, b) and a.min() >= 0 and a.max() < 1
    # and the same as a 2-D call (which always takes the numpy path)
    two_d = kernels.uniform(ids[:, None], 17, np.uint64(0xDEADBEEF12345), np.array([[sub]]))[:, 0]
    assert same(a, two_d)


@pytest.mark.parametrize("avx512", [True, False])
def test_draw_loops_give_the_same_bits_with_and_without_avx512(model, avx512):
    """The compiled draw loops have an AVX-512 version (used when the CPU has it) and a version for
    any CPU; both must give numpy's bits, in the plain draws and in the scans that draw per slot."""
    m, w = model, model.workers
    before = kernels.avx512()
    try:
        assert kernels.use_avx512(avx512) == kernels.avx512() and (avx512 or not kernels.avx512())
        ids = np.r_[np.arange(5000), np.random.default_rng(0).integers(0, 2**31, 3000)]
        (a, _), (b, _) = both(kernels.uniform, ids, 9, np.uint64(0xABCDEF), 3)
        assert same(a, b)
        (a, _), (b, _) = both(kernels.search_pick, w.status, w.employer, w.home, w.pq_months,
                              search_rate_table(m) * 5, m.p.search_early_career_multiplier, 9, np.uint64(7))
        assert same(a, b) and a.size > 100
        (a, _), (b, _) = both(kernels.status_pick, w.status, PERM, 0.5, 9, np.uint64(5))
        assert same(a, b) and a.size > 100
        (a, _), (b, _) = both(kernels.exit_pick, w.status, w.employer, w.pq_months, hazard_table(m) * 20, 9,
                              np.uint64(99), m.p.career_months)
        assert same(a, b) and a.size > 100
    finally:
        kernels.use_avx512(before)


def test_monthly_decisions_are_the_same(model):
    m, w = model, model.workers
    cols = (w.status, w.employer, w.pq_months)
    (a, _), (b, _) = both(kernels.exit_pick, *cols, hazard_table(m) * 20, 4, np.uint64(99), m.p.career_months)
    assert same(a, b) and a.size > 100  # hazards x20: plenty of leavers to compare
    (a, _), (b, _) = both(kernels.search_pick, w.status, w.employer, w.home, w.pq_months, search_rate_table(m) * 5,
                          m.p.search_early_career_multiplier, 4, np.uint64(7))
    assert same(a, b) and a.size > 100
    for code in (AGENCY, POOL, FREE):
        (a, _), (b, _) = both(kernels.first_with_status, w.status, code, 40)
        assert same(a, b)
    for code, probability in ((AGENCY, 0.3), (POOL, 0.9), (PERM, 0.05)):
        (a, _), (b, _) = both(kernels.status_pick, w.status, code, probability, 4, np.uint64(5))
        assert same(a, b) and a.size >= 5 and (w.status[a] == code).all()
    flagged = np.arange(m.councils.n) % 3 == 0
    (a, _), (b, _) = both(kernels.placed_at, w.status, w.employer, AGENCY, flagged)
    assert same(a, b) and a.size > 10 and flagged[w.employer[a]].all()
    (a, _), (b, _) = both(kernels.post_ids, np.array([3, 0, -2, 5, 1]), 20)
    assert same(a, b) and a[0].tolist() == [0, 0, 0, 3, 3, 3, 3, 3, 4]


@pytest.mark.parametrize("avx512", [True, False])
@pytest.mark.parametrize("n", [0, 1, 63, 64, 65, 127, 200, 1000])
def test_status_scans_find_every_slot_whatever_the_length(n, avx512):
    """The compiled scans compare 64 slots at a time (8 per machine word, or all 64 at once with
    AVX-512): lengths around a block and statuses at every position of a word (all four codes, and
    -1, whose bytes are all ones)."""
    before = kernels.avx512()
    kernels.use_avx512(avx512)
    try:
        _status_scans(n)
    finally:
        kernels.use_avx512(before)


def _status_scans(n):
    status = np.random.default_rng(n).choice(np.array([FREE, PERM, AGENCY, POOL, -1], dtype=np.int8), n)
    employer = (np.arange(n) % 7).astype(np.int16)
    for code in (FREE, PERM, AGENCY, POOL):
        (a, _), (b, _) = both(kernels.status_pick, status, code, 1.0, 0, np.uint64(1))
        assert same(a, b) and np.array_equal(a, np.flatnonzero(status == code))
        (a, _), (b, _) = both(kernels.placed_at, status, employer, code, np.arange(7) % 2 == 1)
        assert same(a, b) and np.array_equal(a, np.flatnonzero((status == code) & (employer % 2 == 1)))
        for first in (0, 1, 70, n + 5):
            (a, _), (b, _) = both(kernels.first_with_status, status, code, first)
            assert same(a, b) and np.array_equal(a, np.flatnonzero(status == code)[:first])
    pq, left = (np.arange(n) % 50).astype(np.int16), (np.arange(n) % 11 - 5).astype(np.int32)
    (a, _), (b, _) = both(kernels.eligible_pool, status, pq, left, n, 20, 3, 6)
    assert same(a, b) and np.array_equal(a, np.flatnonzero((status == POOL) & (pq >= 20) & (6 - left >= 3)))


@pytest.mark.parametrize("avx512", [True, False])
@pytest.mark.parametrize("n", [0, 1, 63, 2047, 2048, 2049, 7000])
def test_exit_and_search_decisions_are_the_same_whatever_the_length(n, avx512):
    """The compiled exit and search scans decide for every slot in one branch-free loop, a chunk of
    2048 slots at a time: lengths around a chunk, every status (employer and home -1 where nobody
    is employed), every career stage and the early-career window, hazards and rates up to 1 and
    beyond, and a search table that is one row broadcast (a strided view) or a full table."""
    rng = np.random.default_rng(n)
    n_councils = 9
    status = rng.choice(np.array([FREE, PERM, AGENCY, POOL], dtype=np.int8), n, p=[0.1, 0.7, 0.15, 0.05])
    employer = np.where(np.isin(status, (PERM, AGENCY)), rng.integers(0, n_councils, n), -1).astype(np.int16)
    home = np.where(status != FREE, rng.integers(0, n_councils, n), -1).astype(np.int16)
    pq = rng.integers(0, 420, n).astype(np.int16)
    hazard = rng.uniform(0, 0.6, (3, n_councils))
    hazard[1, 2] = 1.0
    row = rng.uniform(0, 0.8, n_councils)
    before = kernels.avx512()
    try:
        kernels.use_avx512(avx512)
        (a, _), (b, _) = both(kernels.exit_pick, status, employer, pq, hazard, 7, np.uint64(31), 400)
        assert same(a, b) and (status[a] == PERM).all() and (n < 2000 or 0.1 * n < a.size < 0.6 * n)
        for rate in (np.broadcast_to(row, (n_councils, n_councils)), rng.uniform(0, 0.8, (n_councils, n_councils))):
            picks = []
            for numpy_only in (False, True):  # not through both(): its copy would make the view contiguous
                with kernels.numpy_only(numpy_only):
                    picks.append(kernels.search_pick(status, employer, home, pq, rate, 1.7, 7, np.uint64(32)))
            a, b = picks
            assert same(a, b) and (status[a] == PERM).all() and (n < 2000 or 0.1 * n < a.size < 0.6 * n)
    finally:
        kernels.use_avx512(before)


def _tallied_then_edited(model, seed: int):
    """The worker columns tallied into fresh stock rows, and copies of them with 300 permanent workers
    edited (100 to agency, 100 moved, 100 to half time, 50 of those freed). Returns (workers, councils,
    seen columns, count, total, status, employer, fte, edited slots)."""
    w, n = model.workers, model.councils.n
    rng = np.random.default_rng(seed)
    seen = (w.status.copy(), w.employer.copy(), w.fte.copy())
    count, total = np.zeros((2, n), dtype=np.int64), np.zeros((2, n))
    kernels.add_to_tally(*seen, 1, count, total)
    status, employer, fte = w.status.copy(), w.employer.copy(), w.fte.copy()
    edit = rng.choice(np.flatnonzero(status == PERM), 300, replace=False)
    status[edit[:100]] = AGENCY
    employer[edit[100:200]] = rng.integers(0, model.councils.n_active, 100)
    fte[edit[200:]] = 0.5
    status[edit[250:]] = FREE
    return w, n, seen, count, total, status, employer, fte, edit


def test_tally_and_record_pass_are_the_same(model):
    w, n, seen, count, total, status, employer, fte, edit = _tallied_then_edited(model, 5)
    (n_a, a), (n_b, b) = both(kernels.tally, status, employer, fte, *seen, count, total)
    assert all(same(x, y) for x, y in zip(a, b, strict=True)) and n_a == n_b > 250
    assert not np.array_equal(a[6], count)  # the counts did change
    # told which slots changed (with repeats and unchanged ones), the same counts from either
    only = np.r_[edit, edit[:10], np.flatnonzero(w.status == POOL)]
    (n_c, c), (n_d, d) = both(kernels.tally, status, employer, fte, *seen, count, total, only)
    assert n_c == n_d == n_a and all(same(x, y) for x, y in zip(a[3:], c[3:8], strict=True))
    assert all(same(x, y) for x, y in zip(c, d, strict=True))
    before = kernels.avx512()
    try:
        for avx512 in (True, False):  # the record pass's loop is built for AVX-512 too
            kernels.use_avx512(avx512)
            for age in (True, False):
                (pool_a, a), (pool_b, b) = both(kernels.record_pass, w.status, w.employer, w.pq_months, w.tenure,
                                                w.fte, age, np.zeros(n))
                assert pool_a == pool_b == np.count_nonzero(w.status == POOL)
                assert all(same(x, y) for x, y in zip(a, b, strict=True)) and a[6].sum() > 0
                assert np.array_equal(a[2] - w.pq_months, (w.status != FREE) * age)
    finally:
        kernels.use_avx512(before)


def test_choices_and_rationing_are_the_same(model):
    m, w = model, model.workers
    c = m.councils
    slots = np.flatnonzero(w.status == PERM)[::7]
    council_term = -m.p.b_caseload_per_case * c.current_caseload() + m.p.b_ofsted * c.reputation
    args = (slots, w.employer, w.home_zone, w.taste_pay, m.reach_zone, m.log_pay(), m.log_pay(True), council_term,
            m.dist_zone,
            np.full(c.n, 0.6), np.arange(c.n) % 3 > 0, np.linspace(0, 0.1, slots.size), slots % 2 == 0,
            m.p.b_pay, m.p.b_commute_per_km, m.p.switching_cost, m.log_pay() + np.linspace(0.1, 0.3, c.n), -1.0, 0.3,
            6, np.uint64(11))
    (a, _), (b, _) = both(kernels.option_table, *args)
    assert same(a, b)
    utility, available, option = a
    # agency work pays the market's rate of the employer's area: an employer's own rise leaves it be
    risen = list(args)
    risen[5] = m.log_pay() + 0.05
    for numpy_only in (False, True):
        with kernels.numpy_only(numpy_only):
            again = kernels.option_table(*risen)[0]
        assert np.array_equal(again[:, -1], utility[:, -1]) and (again[:, 0] > utility[:, 0]).all()
    assert available[:, 1:-1].any() and not available[:, 1:-1].all()
    u = kernels.uniform(slots, 6, np.uint64(12))
    (pa, _), (pb, _) = both(kernels.logit_choice, utility, available, u)
    assert same(pa, pb) and available[np.arange(slots.size), pa].all()
    dest = np.random.default_rng(2).integers(0, 20, 3000)
    capacity = np.arange(20) * 8
    (ra, _), (rb, _) = both(kernels.ration, dest, np.resize(u, dest.size), capacity)
    assert same(ra, rb)
    assert np.array_equal(np.bincount(dest[ra], minlength=20), np.minimum(np.bincount(dest, minlength=20), capacity))


@pytest.mark.parametrize("width", [1, 2, 3, 4, 5, 16, 17])
def test_logit_picks_are_the_same_on_every_kind_of_row(width):
    """The logit pick, compiled (available options only, four running maxima) and in numpy: rows
    with one option or none open, the first column closed, ties (0.0 and -0.0 among them), widely
    spread utilities, and draws of exactly 0 and just below 1."""
    rng = np.random.default_rng(width)
    n = 3000
    utility = rng.normal(0, 3, (n, width))
    utility[::7] = np.round(utility[::7])  # ties
    utility[::11, : min(2, width)] = [0.0, -0.0][: min(2, width)]
    utility[::13] *= 200  # weights that underflow to 0
    available = rng.uniform(size=(n, width)) < rng.uniform(0.1, 1, (n, 1))
    available[::5] = False
    available[::5, rng.integers(0, width)] = True  # one option open
    available[::17] = False  # none open
    u = rng.uniform(size=n)
    u[::19], u[1::19] = 0.0, 1 - 2**-53
    utility[2::23], available[2::23], u[2::23] = 0.0, True, 0.5  # a running sum exactly at the threshold
    before = kernels.avx512()
    try:
        for avx512 in (True, False):  # the shift and packing are eight columns at a time with AVX-512
            kernels.use_avx512(avx512)
            with np.errstate(invalid="ignore"):  # numpy's rows with none open: -inf - -inf
                (a, _), (b, _) = both(kernels.logit_choice, utility, available, u)
            assert same(a, b) and a.dtype == np.int64 and ((0 <= a) & (a < width)).all()
    finally:
        kernels.use_avx512(before)
    fair = available.any(axis=1) & (u > 0)  # a draw of 0 picks column 0, open or not (in both)
    assert available[fair][np.arange(fair.sum()), a[fair]].all()


def test_new_worker_columns_are_the_same(model):
    """Status, employer, home and FTE of new workers: homes come from the reach table (padding and
    boundary entries count as the council itself), FTE from the council or 1 for agency workers."""
    m, w = model, model.workers
    slots = np.flatnonzero(w.status == FREE)[:800]
    council = np.random.default_rng(8).integers(0, m.councils.n_active, slots.size)
    for code, fte_of_council in ((PERM, m.fte_ratio), (AGENCY, None)):
        cols = (w.status.copy(), w.employer.copy(), w.home.copy(), w.fte.copy())
        (_, a), (_, b) = both(kernels.new_worker_columns, slots, council, code, m.reach, m.councils.n_active, 0.25, 5,
                              np.uint64(21), np.uint64(22), fte_of_council, *cols)
        status, employer, home, fte = a[10:]
        assert all(same(x, y) for x, y in zip(a[10:], b[10:], strict=True))
        assert (status[slots] == code).all() and np.array_equal(employer[slots], council)
        moved = home[slots] != council
        assert 0.1 < moved.mean() < 0.25  # a quarter pick a council in reach, some of them their own
        assert all(home[s] in m.reach[c] for s, c in zip(slots[moved], council[moved], strict=True))
        expected = np.ones(slots.size) if fte_of_council is None else m.fte_ratio[council]
        assert np.array_equal(fte[slots], expected.astype(np.float32))


@pytest.mark.parametrize("seed", range(3))
def test_hire_draws_are_the_same(seed):
    """Outside hires into vacant posts: councils with no posts, negative counts, posts beyond a
    block of draws, fill probabilities of 0 and near 1, and every new-qualifier share."""
    rng = np.random.default_rng(seed)
    posts = rng.integers(-3, 300, 40)
    posts[::6] = 0
    posts[3] = 2500
    p_fill = rng.uniform(0, 0.95, 40)
    p_fill[::7] = 0.0
    for nq_share in (0.0, 0.3, 1.0):
        (a, _), (b, _) = both(kernels.hire_draws, posts, p_fill, nq_share, 20, 5, np.uint64(77))
        assert same(a, b) and a[0].dtype == a[1].dtype == np.int64
        first, then = a
        if nq_share == 0.0:
            assert first.size == 0
        assert (np.diff(first) >= 0).all() and (np.diff(then) >= 0).all()  # in post order
        filled = np.bincount(np.r_[first, then], minlength=40)
        assert (filled <= np.maximum(posts, 0)).all() and (filled[p_fill == 0] == 0).all()
        assert abs(filled[3] / 2500 - p_fill[3]) < 0.05
    (a, _), (b, _) = both(kernels.hire_draws, np.zeros(0, np.int64), np.zeros(0), 0.5, 20, 5, np.uint64(77))
    assert same(a, b) and a[0].size == a[1].size == 0


@pytest.mark.parametrize("zones", [1, 3, 8])
def test_new_worker_draws_are_the_same(model, zones):
    """New workers' home points (home x zones + point, every point used) and their experience and
    taste draws, for slots in no particular order."""
    w = model.workers
    slots = np.random.default_rng(zones).permutation(np.flatnonzero(w.status != FREE))[:3000]
    args = (slots, zones, 8, np.uint64(41), np.uint64(42), np.uint64(43), w.home)
    ((ua, ta), a), ((ub, tb), b) = both(kernels.new_worker_draws, *args, np.full(w.capacity, -7, dtype=np.int16))
    home_zone = a[-1]
    assert same(ua, ub) and same(ta, tb) and same(home_zone, b[-1])
    assert np.array_equal(home_zone[slots] // zones, w.home[slots]) and (np.delete(home_zone, slots) == -7).all()
    assert np.unique(home_zone[slots] % zones).size == zones and not np.array_equal(ua, ta)
    assert same(ua, kernels.uniform(slots, 8, np.uint64(42))) and same(ta, kernels.uniform(slots, 8, np.uint64(43)))


@pytest.mark.parametrize("seed", range(4))
def test_agency_pool_placements_are_the_same(seed):
    """Pool workers matched to the posts councils want: random reach tables with padding (-1) and
    boundary councils (not eligible), ties between councils, councils that want nothing, and more or
    fewer workers than posts; every round count from none to more than are needed."""
    rng = np.random.default_rng(seed)
    a, n_all, width, capacity = 30, 36, 6, 5000
    reach = rng.integers(-1, n_all, (n_all, width))
    reach[:, 0] = np.arange(n_all)  # a council is in its own reach
    home = rng.integers(0, n_all, capacity).astype(np.int16)
    pool = rng.permutation(capacity)[: rng.integers(200, 2000)]
    wanted = np.where(rng.uniform(size=a) < 0.3, 0, rng.integers(0, 60, a))
    for rounds in (0, 1, 3, 8):
        (a_out, _), (b_out, _) = both(kernels.place_pool, pool, home, reach, wanted, rounds)
        assert same(a_out, b_out)
        placed, where = a_out
        assert placed.dtype == where.dtype == np.int64
        assert np.unique(placed).size == placed.size and np.isin(placed, pool).all()
        assert (np.bincount(where, minlength=a) <= wanted).all() and (where < a).all()
        assert all(c in reach[h] for c, h in zip(where, home[placed], strict=True))
        assert rounds == 0 or placed.size > 0
    (a_out, _), (b_out, _) = both(kernels.place_pool, pool[:0], home, reach, wanted, 3)
    assert same(a_out, b_out) and a_out[0].size == 0


def test_release_empties_every_column_the_same_way(model):
    """The compiled release names the columns it empties: it must cover every column of COLUMNS."""
    from sim.workers import COLUMNS

    w = model.workers
    slots = np.flatnonzero(w.status != FREE)[::5]
    tables = []
    for numpy_only in (False, True):
        table = WorkerTable(w.capacity)
        table.edit(np.arange(w.capacity), **{name: getattr(w, name) for name in COLUMNS})
        with kernels.numpy_only(numpy_only):
            table.release(slots)
        tables.append(table)
    for name, (_, empty) in COLUMNS.items():
        a, b = getattr(tables[0], name), getattr(tables[1], name)
        assert np.array_equal(a, b) and (a[slots] == empty).all(), name


def test_workload_is_the_same():
    """Vacancies, caseloads and unallocated cases, including councils over establishment, with
    nobody in post, and beyond the caseload ceiling."""
    rng = np.random.default_rng(6)
    n, a = 40, 35
    perm, agency = rng.uniform(0, 100, n), rng.uniform(0, 20, n)
    perm[:3], agency[:3] = 0.0, 0.0
    establishment = perm + rng.uniform(-10, 30, n)
    cases = rng.uniform(0, 3000, n)
    outs = (np.full(n, -1.0), np.full(n, -1.0), np.full(n, -1.0))
    (_, x), (_, y) = both(kernels.workload, a, perm, agency, establishment, np.full(n, 0.8), cases, 35.0, *outs)
    vacancy, caseload, unallocated = x[7:]
    assert all(same(p, q) for p, q in zip(x[7:], y[7:], strict=True))
    assert (vacancy[:a] >= 0).all() and (vacancy[:a] == 0).any() and (caseload[:a] == 35.0).any()
    assert (unallocated[:a] > 0).any() and (vacancy[a:] == -1).all()  # boundary councils untouched


def test_the_tallied_columns_change_only_through_the_table():
    """Status, employer and FTE are read-only: edits go through the table, which notes the slots
    for the stock tally; a write that bypasses it is caught when validating."""
    m = WorkforceModel(region="bexley_cluster", seed=1, validate=True).run(months=2)
    w, c = m.workers, m.councils
    moved = np.flatnonzero(w.status == PERM)[:3]
    with pytest.raises(ValueError, match="read-only"):
        w.employer[moved] = 0
    w.edit(moved, employer=(w.employer[moved] + 1) % c.n_active)
    m.recount()
    assert np.array_equal(c.perm_count[: c.n_active],
                          np.bincount(w.employer[w.status == PERM], minlength=c.n)[: c.n_active])
    w._columns["employer"][moved[:2]] = 0  # behind the table's back
    with pytest.raises(AssertionError, match="2 worker slots changed without being noted"):
        m.recount()
    with pytest.raises(KeyError, match="no worker column 'salary'"):
        w.edit(moved, salary=1.0)


def test_origin_destination_tables_are_the_same():
    rng = np.random.default_rng(9)
    origin, destination = rng.integers(0, 6, 400), rng.integers(0, 9, 400)
    fte = rng.uniform(0.5, 1, 400)
    (a, _), (b, _) = both(kernels.od_table, origin, destination, fte, 9)
    assert same(a, b) and a.shape[1] == 4 and a[:, 2].sum() == 400
    keys = a[:, 0] * 9 + a[:, 1]
    assert (np.diff(keys) > 0).all()  # each pair once, in order
    first = (origin == a[0, 0]) & (destination == a[0, 1])
    assert a[0, 2] == first.sum() and np.isclose(a[0, 3], fte[first].sum())
    (a, _), (b, _) = both(kernels.od_table, np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), 9)
    assert a.shape == b.shape == (0, 4)


def test_sums_by_council_are_the_same():
    """Flows and spending by council: boundary councils (index >= n) are left out, weights of one
    call are summed before they are added (so arbitrary amounts round the same way)."""
    rng = np.random.default_rng(4)
    council = rng.integers(0, 12, 500)  # 10 simulated councils, 2 on the boundary
    amounts = rng.uniform(0, 1e4, 500)
    start = rng.uniform(0, 1e6, 10)
    for weight in (amounts, 2500.5):
        (_, a), (_, b) = both(kernels.add_by_council, council, weight, start, np.zeros(10))
        assert same(a[2], b[2]) and same(a[3], b[3])
        inside = council < 10
        assert np.array_equal(a[3], np.bincount(council[inside], minlength=10))
        expected = start + np.bincount(council[inside], weights=np.broadcast_to(weight, council.shape)[inside],
                                       minlength=10)
        assert np.allclose(a[2], expected, rtol=1e-12)
    with pytest.raises(ValueError, match="negative"):
        kernels.add_by_council(np.array([1, -1]), 1.0, np.zeros(10))


@pytest.mark.parametrize("scenario", ["bexley_pays_more", "london_pledge", "kent_recruitment+agency_cap"])
def test_whole_runs_are_the_same_with_and_without_the_compiled_kernels(scenario):
    """Every recorded array of scenarios with policies (pay, incentives, a no-poaching pledge,
    recruitment drives, an agency cap), run with each implementation."""
    name, _, cap = scenario.partition("+")
    scen = Scenario.from_toml(SCENARIOS / f"{name}.toml")
    if cap:
        scen = replace(scen, policies=[*scen.policies, {"kind": "agency_cap", "councils": ["Kent"], "max_share": 0.10,
                                                        "start": "2024-10"}])
    runs = []
    for numpy_only in (False, True):
        with kernels.numpy_only(numpy_only):
            m = scen.build_model(seed=2).run(months=24)
        runs.append(m)
    a, b = (r.recorder for r in runs)
    for table in ("stock", "flow", "flow_fte", "spend"):
        for k, arr in getattr(a, table).items():
            assert np.array_equal(arr, getattr(b, table)[k]), f"{table}.{k} differs"
    assert all(np.array_equal(x, y) for x, y in zip(a.od, b.od, strict=True))
    for col in ("status", "employer", "home", "pq_months", "tenure", "fte", "taste_pay"):
        assert np.array_equal(getattr(runs[0].workers, col), getattr(runs[1].workers, col))


def _flow(rng, n):
    """A flow's (FTE, heads) rows with sums already in them (so the order of additions shows)."""
    return rng.uniform(0, 1e5, n), rng.integers(0, 50, n).astype(float)


def test_rationing_is_the_same_with_ties_and_unusual_priorities():
    """Rationing sorts by priority (a bucket sort for draws in [0, 1), a merge sort otherwise) and
    then by destination: ties (kept in applicant order), NaN (last), priorities outside [0, 1),
    destinations with one applicant or hundreds, and capacities of 0, some, and more than enough."""
    rng = np.random.default_rng(11)
    for n, spread in ((5, 3), (40, 2), (33, 1), (3000, 50), (3000, 3)):
        destination = rng.integers(0, spread, n)
        capacity = rng.integers(0, max(2, n // spread), spread + 2)
        for priority in (rng.uniform(size=n), np.round(rng.uniform(size=n), 2), rng.normal(size=n) * 10,
                         np.where(rng.uniform(size=n) < 0.1, np.nan, rng.uniform(size=n)),
                         np.where(rng.uniform(size=n) < 0.3, -0.0, 0.0), np.zeros(n) + 1 - 2**-53):
            (a, _), (b, _) = both(kernels.ration, destination, priority, capacity)
            assert same(a, b)
            assert np.array_equal(np.bincount(destination[a], minlength=spread + 2),
                                  np.minimum(np.bincount(destination, minlength=spread + 2), capacity))


def test_agency_placements_end_the_same_way(model):
    """Placements ending: conversions rationed by the councils' places (binding at some, none at
    others), leavers and returns to the pool, their flows and golden hellos, and every column."""
    m, w, rng = model, model.workers, np.random.default_rng(12)
    n, a = m.councils.n, m.councils.n_active
    capacity = np.where(rng.uniform(size=n) < 0.3, 0, rng.integers(0, 4, n))
    golden = np.where(rng.uniform(size=n) < 0.5, 0.0, rng.uniform(0, 5000, n))
    for probability, convert, leave in ((0.3, 0.4, 0.7), (1.0, 0.9, 0.95), (0.2, 0.0, 0.0)):
        args = (w.columns(), NEVER, w.used, probability, convert, leave, capacity, golden, 5, np.uint64(1),
                np.uint64(2), _flow(rng, a), _flow(rng, a), rng.uniform(0, 1e6, a))
        (ending, x), (ending_b, y) = both(kernels.end_placements, *args)
        assert same(ending, ending_b) and same(x, y) and ending.size > 20
        status, employer = x[0][0], x[0][1]
        assert (w.status[ending] == AGENCY).all() and not np.array_equal(x[11], args[11])
        converted = ending[status[ending] == PERM]
        assert (np.bincount(employer[converted], minlength=n) <= capacity).all()
        if convert > 0:
            assert converted.size > 0 and (status[ending] == FREE).any() and (status[ending] == POOL).any()
    (a_out, _), (b_out, _) = both(kernels.end_placements, *args[:3], 0.0, *args[4:])
    assert a_out.size == b_out.size == 0


def test_surplus_placements_end_the_same_way(model):
    """Councils with more agency staff than they want keep ``keep`` of those placed there (by draw)."""
    m, w, rng = model, model.workers, np.random.default_rng(13)
    a = m.councils.n_active
    flagged = rng.uniform(size=a) < 0.5
    keep = rng.integers(0, 6, a)
    (out, x), (out_b, y) = both(kernels.release_surplus, w.columns(), NEVER, w.used, flagged, keep, 5, np.uint64(3),
                                _flow(rng, a))
    assert same(out, out_b) and same(x, y) and out.size > 10
    status, employer = x[0][0], x[0][1]
    before = np.bincount(w.employer[w.status == AGENCY], minlength=a)
    after = np.bincount(employer[status == AGENCY], minlength=a)
    assert np.array_equal(after, np.where(flagged, np.minimum(before, keep), before))
    (out, _), (out_b, _) = both(kernels.release_surplus, w.columns(), NEVER, w.used, np.zeros(a, bool), keep, 5,
                                np.uint64(3), _flow(rng, a))
    assert out.size == out_b.size == 0


def test_pool_placements_and_outside_cover_are_the_same(model):
    """Pool workers in a random order matched to wanted posts, placed and recorded; the posts left
    uncovered, filled from outside the region by draw."""
    m, w, rng = model, model.workers, np.random.default_rng(14)
    a = m.councils.n_active
    for size in (0, 20, 3000):
        pool = np.sort(rng.choice(np.flatnonzero(w.status != FREE), size, replace=False))
        wanted = np.where(rng.uniform(size=a) < 0.3, 0, rng.integers(0, 30, a))
        ((placed, filled), x), ((placed_b, filled_b), y) = both(
            kernels.pool_placements, w.columns(), NEVER, pool, 5, np.uint64(4), m.reach, wanted, 3, _flow(rng, a))
        assert same(placed, placed_b) and same(filled, filled_b) and same(x, y)
        assert (filled <= wanted).all() and filled.sum() == placed.size and (size < 100 or placed.size > 50)
        assert (x[0][0][placed] == AGENCY).all() and np.array_equal(np.bincount(x[0][1][placed], minlength=a), filled)
        filled = np.where(rng.uniform(size=a) < 0.2, wanted + 3, filled)  # more filled than wanted: none left
        for probability in (0.0, 0.3, 1.0):
            (outside, _), (outside_b, _) = both(kernels.external_cover, wanted, filled, probability, 20, 5,
                                                np.uint64(6))
            assert same(outside, outside_b) and (np.diff(outside) >= 0).all()
            left = np.maximum(wanted - filled, 0)
            assert (np.bincount(outside, minlength=a) <= left).all()
            assert probability < 1 or np.array_equal(np.bincount(outside, minlength=a), left)


def test_moves_are_the_same(model):
    """Searchers' picks turned into moves: rationing by places (binding), moves to boundary councils
    using their credit, flows, golden hellos and moves into agency work; then the movers settle
    (changing employer, or released when leaving the region) and agency movers join the pool."""
    m, w, rng = model, model.workers, np.random.default_rng(15)
    c = m.councils
    n, a = c.n, c.n_active
    assert n > a  # boundary councils
    slots = np.flatnonzero(w.status == PERM)[::5]
    council_term = -m.p.b_caseload_per_case * c.current_caseload() + m.p.b_ofsted * c.reputation
    utility, available, option = kernels.option_table(
        slots, w.employer, w.home_zone, w.taste_pay, m.reach_zone, m.log_pay(), m.log_pay(True), council_term,
        m.dist_zone, np.full(n, 0.6), np.ones(n, dtype=bool), np.zeros(slots.size), slots % 3 == 0,
        m.p.b_pay, m.p.b_commute_per_km, m.p.switching_cost, m.log_pay() + 0.2, -1.0, 0.3, 6, np.uint64(11))
    utility[:, 1:] += 2.5  # plenty of movers, some into agency work
    pick = kernels.logit_choice(utility, available, kernels.uniform(slots, 6, np.uint64(12)))
    capacity = rng.integers(0, 4, n)
    active = c.active.copy()
    golden = np.where(rng.uniform(size=n) < 0.5, 0.0, rng.uniform(0, 5000, n))
    args = (pick, slots, option, w.employer, w.fte, active, capacity, golden, 6, np.uint64(13),
            rng.uniform(0, 3, n), _flow(rng, a), _flow(rng, a), _flow(rng, a), rng.uniform(0, 1e6, a), _flow(rng, a))
    (out, x), (out_b, y) = both(kernels.move_outcomes, *args)
    assert same(out, out_b) and same(x, y)
    movers, origin, destination, fte, inside, to_agency = out
    assert movers.size > 50 and inside.any() and not inside.all() and to_agency.size > 10
    assert (np.bincount(destination, minlength=n) <= capacity).all()
    assert np.array_equal(x[10], args[10] - np.bincount(destination[~inside], minlength=n))
    (_, x), (_, y) = both(kernels.settle_moves, w.columns(), NEVER, movers, destination, inside, 6)
    assert same(x, y)
    status, employer = x[0][0], x[0][1]
    assert (status[movers[~inside]] == FREE).all() and np.array_equal(employer[movers[inside]], destination[inside])
    for left_tick in (None, 6):
        (_, x), (_, y) = both(kernels.to_pool, w.columns(), NEVER, to_agency, left_tick)
        assert same(x, y) and (x[0][0][to_agency] == POOL).all()
        assert (x[0][8][to_agency] == 6).all() == (left_tick is not None)


def test_retally_is_the_same(model):
    """The stock tally from a list of noted arrays (repeats, unchanged slots, an empty array), written
    into the four stock rows."""
    w, n, seen, count, total, status, employer, fte, edit = _tallied_then_edited(model, 16)
    changed = [edit[:150], np.zeros(0, dtype=np.int64), edit[100:], edit[:10], np.flatnonzero(w.status == POOL)]
    out = np.full((4, n), -1.0)
    (k_a, a), (k_b, b) = both(kernels.retally, status, employer, fte, *seen, count, total, changed, w.used, out)
    assert k_a == k_b > 250 and same(a, b)
    assert np.array_equal(a[10][0], a[6][0]) and np.array_equal(a[10][3], a[7][1])
    (k_a, _), (k_b, _) = both(kernels.retally, status, employer, fte, *seen, count, total, [], w.used, out)
    assert k_a == k_b == 0


@pytest.mark.parametrize("start", [True, False])
def test_new_workers_are_the_same(model, start):
    """New workers' columns and draws in one pass: permanent (the council's FTE) and agency (FTE 1),
    homes in reach, points of the home council, and (if they start now) tenure and hiring month."""
    m, w = model, model.workers
    slots = np.flatnonzero(w.status == FREE)[:800]
    council = np.random.default_rng(17).integers(0, m.councils.n_active, slots.size)
    keys = tuple(np.uint64(k) for k in (21, 22, 23, 24, 25))
    for code, fte_of_council in ((PERM, m.fte_ratio), (AGENCY, None)):
        args = (slots, council, code, m.reach, m.councils.n_active, 0.25, m.zones_per_council, 5, keys,
                fte_of_council, start, w.columns(), NEVER, 0.87)
        ((ua, ta), a), ((ub, tb), b) = both(kernels.new_workers, *args)
        assert same(ua, ub) and same(ta, tb) and same(a[11], b[11])
        status, employer, home, home_zone, _, tenure, fte, _, _, hired = a[11]
        assert (status[slots] == code).all() and np.array_equal(employer[slots], council)
        assert np.array_equal(home_zone[slots] // m.zones_per_council, home[slots])
        assert ((tenure[slots] == 0) & (hired[slots] == 5)).all() == start
        assert same(ta, kernels.uniform(slots, 5, keys[4])) and same(ua, -kernels.uniform(slots, 5, keys[3]) * 0.87)


def test_new_workers_are_finished_the_same_way(model):
    """Months since qualifying from the truncated exponential (new qualifiers 0, everyone 0 without
    the draws) and the taste for pay, written as int16 and float32."""
    w, rng = model.workers, np.random.default_rng(21)
    slots = rng.permutation(np.flatnonzero(w.status == FREE))[:500]
    log_share = np.log1p(-rng.uniform(size=slots.size) * 0.9)
    taste = np.exp(0.3 * rng.normal(size=slots.size) - 0.045)
    flags = rng.uniform(size=slots.size) < 0.3
    for share, nq, least in ((log_share, flags, 12), (log_share, None, 36), (None, None, 0), (log_share, None, 0.5)):
        (_, a), (_, b) = both(kernels.finish_new_workers, slots, share, -150.0, least, nq, taste, w.pq_months,
                              w.taste_pay)
        assert same(a[6], b[6]) and same(a[7], b[7])
        assert np.array_equal(a[7][slots], taste.astype(np.float32))
        assert (a[6][slots] >= 0).all() and ((a[6][slots] == 0).all() == (share is None))


def test_origin_destination_tables_are_the_same_at_scale():
    """Thousands of moves among 150 councils (counting sorts by destination, then origin), FTEs of a
    pair summed in the order given, and a single move."""
    rng = np.random.default_rng(18)
    origin, destination = rng.integers(0, 140, 5000), rng.integers(0, 150, 5000)
    fte = rng.uniform(0.1, 1, 5000)
    (a, _), (b, _) = both(kernels.od_table, origin, destination, fte, 150)
    assert same(a, b) and a[:, 2].sum() == 5000 and (np.diff(a[:, 0] * 150 + a[:, 1]) > 0).all()
    (a, _), (b, _) = both(kernels.od_table, origin[:1], destination[:1], fte[:1], 150)
    assert same(a, b) and a.shape == (1, 4)


def test_pool_eligibility_and_exits_are_the_same(model):
    """Agency workers between placements who may be placed (experience and cooling-off, against
    parameters that are not whole numbers too), and those who leave the market by draw (released)."""
    w, rng = model.workers, np.random.default_rng(19)
    left = w.left_perm_tick.copy()
    pool = np.flatnonzero(w.status == POOL)
    left[pool[::2]] = rng.integers(0, 9, pool[::2].size)  # some left a permanent post lately
    for min_pq, cooldown in ((0, 0), (36, 3), (36.5, 2.5), (10**4, 0)):
        (a, _), (b, _) = both(kernels.eligible_pool, w.status, w.pq_months, left, w.used, min_pq, cooldown, 9)
        expected = pool[(w.pq_months[pool] >= min_pq) & (9 - left[pool] >= cooldown)]
        assert same(a, b) and np.array_equal(a, expected)
    assert 0 < kernels.eligible_pool(w.status, w.pq_months, left, w.used, 36, 3, 9).size < pool.size
    for probability in (0.0, 0.3, 1.0):
        (a, x), (b, y) = both(kernels.pool_exits, w.columns(), NEVER, w.used, probability, 5, np.uint64(7))
        assert same(a, b) and same(x, y) and (w.status[a] == POOL).all() and (x[0][0][a] == FREE).all()
        assert a.size == (pool.size if probability == 1 else 0 if probability == 0 else a.size) and a.size <= pool.size


def test_workforce_pressure_of_a_few_councils_is_the_same_bits():
    """The inspections' pressure index, council by council with Python floats, against the array
    version: every council, in any order, with one council empty (no staff in post or placed)."""
    from sim.phases.councils import workforce_pressure

    m = WorkforceModel(region="london", seed=4).run(months=5)
    c, a = m.councils, m.councils.n_active
    everyone = workforce_pressure(m)
    index = np.random.default_rng(20).permutation(a)
    assert same(workforce_pressure(m, index), everyone[index])
    c.stocks[:, 0] = 0.0  # nobody in post or placed at council 0
    assert same(workforce_pressure(m, np.array([0, 3])), workforce_pressure(m)[[0, 3]])
    assert workforce_pressure(m, np.zeros(0, dtype=np.intp)).shape == (0,)


def test_offer_terms_are_the_same():
    """The councils' terms of a searcher's choice: simulated and boundary councils, councils with no
    one in post or vacancies, vacancy rates past the cap of 1 on hearing of a post."""
    rng = np.random.default_rng(22)
    n = 60
    active = np.arange(n) < 45
    vacancy, perm = rng.uniform(0, 30, n), rng.uniform(0, 200, n)
    vacancy[::7], perm[::5] = 0.0, 0.0
    vacancy[3] = 0.5
    args = (active, rng.uniform(5, 40, n), rng.uniform(5, 40, n), 17.3, -0.12, 1.24, rng.uniform(0, 1, n), vacancy,
            perm, np.where(rng.uniform(size=n) < 0.3, 0.0, rng.uniform(0, 0.4, n)))
    for offer_rate in (0.8, 7.0):
        (a, _), (b, _) = both(kernels.offer_terms, *args, offer_rate)
        assert same(a, b) and a[2].dtype == bool and a[1].max() <= 1.0
    assert (a[1] == 1.0).any() and a[2][3] and not a[2][0] and a[2][~active].any() and not a[2][~active].all()


def test_outside_hiring_probabilities_are_the_same():
    """The recruitment arithmetic around its exp: the pull's exponent, and the probability that a
    vacant post is filled (turnover topped up with the census prior, councils with no one in post,
    posts of 0, the cap), compiled and numpy, and numpy against the model's own functions."""
    from sim.phases.recruitment import MAX_FILL, attractiveness, monthly_hires

    m = WorkforceModel(region="london", seed=5).run(months=4)
    p, c, a = m.p, m.councils, m.councils.n_active
    c.stocks[:, 1] = 0.0  # nobody in post at council 1
    exponent_args = (c.reputation[:a], m.log_pay(with_golden_hello=True)[:a], p.hire_reputation_weight,
                     p.hire_pay_weight, m.census_mean_log_pay)
    (x, _), (y, _) = both(kernels.attraction_exponent, *exponent_args)
    assert same(x, y) and same(np.exp(x), attractiveness(m))
    posts = np.floor(c.vacancy_fte[:a] + 0.5).astype(np.int64)
    posts[:3] = 0
    c.judgement_hires_log[4:6] = 0.12  # two councils in an Inadequate judgement's recruitment drive
    pull = np.exp(x) * np.exp(c.judgement_hires_log[:a])  # as the recruitment phase
    for extra in (m.extra_hire_rate[:a], np.full(a, 0.9)):
        args = (pull, c.base_attractiveness[:a], c.hire_identity[:a], m.recorder.leavers_last_12(),
                m.turnover_prior[:a], c.perm_fte[:a], min(12, m.recorder.rows - 1), c.vacancy_fte[:a],
                m.fte_ratio[:a], posts, extra, p.hire_per_leaver, p.hire_vacancy_fill_per_month, MAX_FILL)
        (f, _), (g, _) = both(kernels.fill_probability, *args)
        expected = np.minimum(MAX_FILL, monthly_hires(m) / m.fte_ratio[:a] / np.maximum(posts, 1) + extra)
        assert same(f, g) and same(f, expected) and (f <= MAX_FILL).all()
    assert (f == MAX_FILL).any()


def test_exit_hazards_and_search_rates_are_the_same():
    """The councils' exit hazards and search rates around numpy's exp: overloads (caseloads on either
    side of the tolerable level), pay against the census, Inadequate councils, the cap at 1, compiled
    and numpy, and numpy against the formulas as the phases wrote them."""
    m = WorkforceModel(region="london", seed=6).run(months=3)
    p, c = m.p, m.councils
    c.grade[:5] = 3
    c.caseload[::4] = p.caseload_tolerable + 9.0
    (x, _), (y, _) = both(kernels.overload_exponent, c.caseload, p.caseload_tolerable, p.exit_overload_per_case,
                          m.log_pay(), c.base_log_pay, p.exit_pay_elasticity)
    overload = np.maximum(0.0, c.caseload - p.caseload_tolerable)
    assert same(x, y) and same(x, p.exit_overload_per_case * overload
                               - p.exit_pay_elasticity * (m.log_pay() - c.base_log_pay))
    (s, _), (t, _) = both(kernels.overload_exponent, c.caseload, p.caseload_tolerable, p.search_overload_per_case)
    assert same(s, t) and same(s, p.search_overload_per_case * overload)
    for rates in ((p.exit_nq_per_month, p.exit_mid_per_month, p.exit_late_per_month), (0.03, 0.2, 0.5)):
        (h, _), (g, _) = both(kernels.hazard_rows, c.leave_identity, np.exp(x) * 3, c.grade, 2.0, *rates)
        council = c.leave_identity * (np.exp(x) * 3)
        council = np.where(c.grade == 3, council * 2.0, council)
        assert same(h, g) and same(h, np.minimum(1.0, np.array(rates)[:, None] * council[None, :]))
    assert (h == 1.0).any() and (h < 1.0).any()


def test_agency_cover_is_the_same():
    """The agency cover councils seek, around numpy's exp: compiled and numpy, and numpy against the
    phase's agency_target with its caps in FTE and as a share of permanent staff (some councils
    capped, some at zero cover)."""
    from sim.phases.agency import agency_target

    m = WorkforceModel(region="london", seed=7).run(months=14)
    p, c, a = m.p, m.councils, m.councils.n_active
    c.agency_cap_fte[:4] = [0.0, 2.5, 10.0, 1e4]
    c.agency_cap_share[4:8] = [0.0, 0.05, 0.1, np.inf]
    c.agency_base_fte[8] = 0.0
    c.cases[9] = 0.0
    year = min(m.tick, 12) / 12
    staffing, cases, posts = (x * p.agency_gap_cover_weight for x in m.agency_theta)
    args = (c.agency_base_fte[:a], np.exp(c.agency_drift[:a] * year), staffing, cases, posts, year,
            c.perm_fte_census[:a], c.perm_fte_year1_change[:a], c.perm_fte[:a], c.cases[:a], c.case_holder_share[:a],
            c.caseload_norm[:a], c.workload_gap0_fte[:a], np.exp(c.demand_drift[:a] * year), c.establishment_fte[:a],
            c.establishment_census_fte[:a], c.establishment_year1_change[:a], c.agency_cap_fte[:a],
            c.agency_cap_share[:a])
    (x, _), (y, _) = both(kernels.agency_cover, *args)
    expected = np.minimum(agency_target(m), c.agency_cap_fte[:a])
    capped = np.flatnonzero(np.isfinite(c.agency_cap_share[:a]))
    expected[capped] = np.minimum(expected[capped], c.agency_cap_share[capped] * c.perm_fte[capped])
    assert same(x, y) and same(x, expected) and x[0] == 0.0 and x[4] == 0.0 and (x > 0).sum() > a // 2
