"""The engine's hottest loops over the worker columns, written twice.

Most functions below are written in numpy, which says what it computes, and have a compiled twin
in ``sim/_kernels.pyx`` (built by Cython when the package is installed) that does the same in one
pass over the columns instead of a dozen array operations. The twins give bit-identical results:
they do the same floating-point operations in the same order, the exponentials stay in numpy
(tables per council, computed before the kernel runs), and tests compare every pair and whole runs.

The compiled twins are used when they are importable and ``CSWSIM_NUMPY_ONLY`` is not set; the
numpy versions are the fallback (slower: see benchmarks/README.md) and the specification. The
compiled loops of many random draws also have an AVX-512 version, used when the CPU has it and
``CSWSIM_NO_AVX512`` is not set; the draws are integer arithmetic, so it gives the same bits.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from .status import AGENCY, FREE, PERM, POOL

try:
    from . import _kernels as _compiled
except ImportError:  # not built (e.g. running from a source tree without `pip install -e .`)
    _compiled = None

COMPILED_AVAILABLE = _compiled is not None and sys.byteorder == "little"  # the scans assume it
_use_compiled = COMPILED_AVAILABLE and not os.environ.get("CSWSIM_NUMPY_ONLY")
_avx512 = COMPILED_AVAILABLE and _compiled.select_isa(not os.environ.get("CSWSIM_NO_AVX512"))

NQ_MONTHS, LATE_MONTHS = 24, 300  # career stages: newly qualified (<2 years), mid, late (25+ years)
EARLY_CAREER = (18, 36)  # months since qualifying with the early-career search multiplier


def compiled() -> bool:
    """Whether the compiled kernels are in use."""
    return _use_compiled


def use_compiled(on: bool) -> None:
    """Use the compiled kernels (if built) or, with ``on=False``, the numpy versions from now on."""
    global _use_compiled
    _use_compiled = COMPILED_AVAILABLE and on


def avx512() -> bool:
    """Whether the compiled draw loops use AVX-512 (the CPU has it, and ``CSWSIM_NO_AVX512`` is not
    set). They give the same bits either way, eight draws at a time with it."""
    return _avx512 and _use_compiled


def use_avx512(on: bool) -> bool:
    """Let the compiled draw loops use AVX-512 (if the CPU has it) or not; returns whether they do."""
    global _avx512
    _avx512 = COMPILED_AVAILABLE and _compiled.select_isa(on)
    return avx512()


@contextmanager
def numpy_only(on: bool = True) -> Iterator[None]:
    """Use the numpy versions (``on``) or the compiled ones inside a ``with`` block."""
    before = _use_compiled
    use_compiled(not on)
    try:
        yield
    finally:
        use_compiled(before)


# ---- random numbers (the scheme is described in sim.rng) ---------------------------------------
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_S30, _S27, _S31, _S11 = (np.uint64(s) for s in (30, 27, 31, 11))
_TICK_SHIFT, _ID_SHIFT = np.uint64(44), np.uint64(12)
_TO_UNIT = 2.0**-53


def _mix(z: np.ndarray, tmp: np.ndarray) -> np.ndarray:
    """The splitmix64 finaliser on a uint64 array (wrapping arithmetic), in place, with a scratch
    array ``tmp`` of the same shape; returns ``z``."""
    for shift, mult in ((_S30, _M1), (_S27, _M2)):
        np.right_shift(z, shift, out=tmp)
        z ^= tmp
        z *= mult
    np.right_shift(z, _S31, out=tmp)
    z ^= tmp
    return z


def hash_uniform(ids: np.ndarray, tick: int, key: np.uint64, sub: np.ndarray | int = 0) -> np.ndarray:
    """Uniform [0, 1) draws: the counter ``id << 12 | sub | (tick + 1) << 44`` times the golden
    ratio, mixed, xor-ed with the stream key, mixed again; its top 53 bits scaled to [0, 1).
    ``ids`` and ``sub`` broadcast against each other."""
    t = np.uint64(tick + 1)
    ids = np.asarray(ids, dtype=np.uint64)
    z = np.left_shift(ids, _ID_SHIFT, out=np.empty(ids.shape, dtype=np.uint64))  # worked on in place below
    if not (np.isscalar(sub) and sub == 0):
        z = np.asarray(z | np.asarray(sub, dtype=np.uint64))
    z |= t << _TICK_SHIFT
    z *= _GOLDEN
    tmp = np.empty_like(z)
    _mix(z, tmp)
    z ^= key
    _mix(z, tmp)
    np.right_shift(z, _S11, out=tmp)
    # (z >> 11) * 2**-53 as float64, written over z's own memory (no third array)
    return np.multiply(tmp, _TO_UNIT, out=z.view(np.float64))


def uniform(ids: np.ndarray, tick: int, key: np.uint64, sub: np.ndarray | int = 0) -> np.ndarray:
    """:func:`hash_uniform`, compiled for the common case of 1-D ``ids`` and one ``sub``."""
    if _use_compiled and (type(ids) is np.ndarray and ids.ndim == 1 and type(sub) is int
                          or np.ndim(ids) == 1 and np.isscalar(sub)):  # (the first test is the quick one)
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        out = np.empty(ids.shape[0])
        _compiled.uniform(ids, np.uint64(sub), tick, key, out)
        return out
    return hash_uniform(ids, tick, key, sub)


# ---- the workers' monthly decisions and the stock tally --------------------------------------
def exit_pick(status: np.ndarray, employer: np.ndarray, pq: np.ndarray, table: np.ndarray, tick: int,
              key: np.uint64, career_months: int) -> np.ndarray:
    """Slots (ascending) of the permanent workers who leave the profession this month: those whose
    draw falls below the hazard ``table[career stage, employer]``, and those at the end of a career."""
    if _use_compiled:
        return _compiled.exit_pick(status, employer, pq, table, tick, key, career_months)
    perm = np.flatnonzero(status == PERM)
    e, months = employer[perm].astype(np.intp), pq[perm]
    stage = (months >= NQ_MONTHS).astype(np.intp)
    stage += months >= LATE_MONTHS
    hazard = table[stage, e]
    return perm[(hash_uniform(perm, tick, key) < hazard) | (months >= career_months)]


def search_pick(status: np.ndarray, employer: np.ndarray, home: np.ndarray, pq: np.ndarray, rate: np.ndarray,
                early_multiplier: float, tick: int, key: np.uint64) -> np.ndarray:
    """Slots (ascending) of the permanent workers who search this month: their draw falls below
    ``rate[home, employer]``, times ``early_multiplier`` in the early-career window, capped at 1."""
    if _use_compiled:
        return _compiled.search_pick(status, employer, home, pq, rate, early_multiplier, tick, key)
    perm = np.flatnonzero(status == PERM)
    months = pq[perm]
    r = rate[home[perm].astype(np.intp), employer[perm].astype(np.intp)]
    np.multiply(r, early_multiplier, out=r, where=(months >= EARLY_CAREER[0]) & (months < EARLY_CAREER[1]))
    np.minimum(r, 1.0, out=r)
    return perm[hash_uniform(perm, tick, key) < r]


def tally(status: np.ndarray, employer: np.ndarray, fte: np.ndarray, seen_status: np.ndarray,
          seen_employer: np.ndarray, seen_fte: np.ndarray, count: np.ndarray, total: np.ndarray,
          only: np.ndarray | None = None) -> int:
    """Update per-council counts ``count[row, council]`` and FTE totals ``total[row, council]`` (row 0
    permanent, row 1 placed agency) for the slots whose status, employer or FTE differ from the
    ``seen_*`` copies taken at the last call (among the slots ``only``, if given); the copies are
    brought up to date. Returns the number of slots that had changed.

    Any order of updates gives the same totals: FTEs are float32, so every partial sum of them in
    float64 is exact (see :meth:`sim.workers.WorkerTable.stocks`)."""
    if _use_compiled:
        return _compiled.tally(status, employer, fte, seen_status, seen_employer, seen_fte, count, total,
                               None if only is None else np.ascontiguousarray(only, dtype=np.int64))
    bits, seen_bits = fte.view(np.uint32), seen_fte.view(np.uint32)  # FTEs compared bit for bit
    if only is None:
        changed = np.flatnonzero((status != seen_status) | (employer != seen_employer) | (bits != seen_bits))
    else:
        only = np.unique(only)
        changed = only[(status[only] != seen_status[only]) | (employer[only] != seen_employer[only])
                       | (bits[only] != seen_bits[only])]
    if changed.size == 0:
        return 0
    for s, e, f, sign in ((seen_status[changed], seen_employer[changed], seen_fte[changed], -1),
                          (status[changed], employer[changed], fte[changed], 1)):
        add_to_tally(s, e, f, sign, count, total)
    seen_status[changed], seen_employer[changed], seen_fte[changed] = status[changed], employer[changed], fte[changed]
    return int(changed.size)


def retally(status: np.ndarray, employer: np.ndarray, fte: np.ndarray, seen_status: np.ndarray,
            seen_employer: np.ndarray, seen_fte: np.ndarray, count: np.ndarray, total: np.ndarray,
            changed: list[np.ndarray], used: int, out: np.ndarray) -> int:
    """:func:`tally` of the slots in the arrays ``changed`` (all below ``used``), then the counts and
    totals into the rows of ``out`` (4 x councils: permanent heads, FTE, placed agency heads, FTE).
    Returns the number of slots that had changed."""
    if _use_compiled:
        return _compiled.retally(status, employer, fte, seen_status, seen_employer, seen_fte, count, total, changed,
                                 used, out)
    only = np.concatenate(changed) if changed else np.zeros(0, dtype=np.int64)
    k = tally(status[:used], employer[:used], fte[:used], seen_status[:used], seen_employer[:used], seen_fte[:used],
              count, total, only=only)
    out[0::2] = count
    out[1::2] = total
    return k


def workload(a: int, perm_fte: np.ndarray, agency_fte: np.ndarray, establishment: np.ndarray,
             case_holder_share: np.ndarray, cases: np.ndarray, caseload_max: float, vacancy_fte: np.ndarray,
             caseload: np.ndarray, unallocated: np.ndarray) -> None:
    """For councils ``0..a-1``, in place: vacancies (establishment less FTE in post, at least 0);
    caseload (cases per case-holder, at most ``caseload_max``; case-holders are a share of the FTE in
    post and placed, at least 0.5); and the cases beyond ``caseload_max`` per case-holder, which are
    held unallocated (as councils in crisis do)."""
    if _use_compiled:
        _compiled.workload(a, perm_fte, agency_fte, establishment, case_holder_share, cases, caseload_max,
                           vacancy_fte, caseload, unallocated)
        return
    vacancy_fte[:a] = np.maximum(0.0, establishment[:a] - perm_fte[:a])
    holders = np.maximum(case_holder_share[:a] * (perm_fte[:a] + agency_fte[:a]), 0.5)
    caseload[:a] = np.minimum(cases[:a] / holders, caseload_max)
    unallocated[:a] = np.maximum(0.0, cases[:a] - caseload[:a] * holders)


def add_to_tally(status: np.ndarray, employer: np.ndarray, fte: np.ndarray, sign: int, count: np.ndarray,
                 total: np.ndarray) -> None:
    """Add (``sign`` 1) or remove (-1) workers from the counts and FTE totals of :func:`tally`."""
    n = count.shape[1]
    for row, code in enumerate((PERM, AGENCY)):
        mask = status == code
        e = employer[mask]
        if e.size:
            count[row] += sign * np.bincount(e, minlength=n)
            total[row] += sign * np.bincount(e, weights=fte[mask], minlength=n)


def record_pass(status: np.ndarray, employer: np.ndarray, pq: np.ndarray, tenure: np.ndarray, fte: np.ndarray,
                age: bool, nq_fte: np.ndarray) -> int:
    """Add the FTE of permanent workers in their first year after qualifying (paid less) to
    ``nq_fte`` by employer (an exact sum in any order, as FTEs are float32); if ``age``, every worker
    grows a month older (since qualifying and in post). Returns the number in the agency pool."""
    if _use_compiled:
        return int(_compiled.record_pass(status, employer, pq, tenure, fte, age, nq_fte))
    nq = np.flatnonzero((status == PERM) & (pq < 12))
    nq_fte += np.bincount(employer[nq], weights=fte[nq], minlength=nq_fte.size)
    if age:
        alive = status != FREE
        pq += alive  # adds 1 to every occupied slot, without indexing
        tenure += alive
    return int(np.count_nonzero(status == POOL))


def status_pick(status: np.ndarray, code: int, probability: float, tick: int, key: np.uint64) -> np.ndarray:
    """Slots (ascending) with status ``code`` whose draw falls below ``probability``."""
    if _use_compiled:
        return _compiled.status_pick(status, code, probability, tick, key)
    slots = np.flatnonzero(status == code)
    return slots[uniform(slots, tick, key) < probability]


def ration(destination: np.ndarray, priority: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """Accept at most ``capacity[d]`` of the applicants to each destination d, by priority
    (lowest first). Returns a boolean mask over applicants."""
    if destination.size == 0:
        return np.zeros(0, dtype=bool)
    if _use_compiled:
        return _compiled.ration(np.ascontiguousarray(destination, dtype=np.int64),
                                np.ascontiguousarray(priority, dtype=float),
                                np.ascontiguousarray(capacity, dtype=np.int64))
    order = np.lexsort((priority, destination))
    d_sorted = destination[order]
    first = np.r_[0, np.flatnonzero(d_sorted[1:] != d_sorted[:-1]) + 1]
    group_start = np.repeat(first, np.diff(np.r_[first, d_sorted.size]))
    rank = np.arange(d_sorted.size) - group_start  # place in the queue of its destination
    accepted = np.empty(destination.size, dtype=bool)
    accepted[order] = rank < capacity[d_sorted]
    return accepted


def option_table(slots: np.ndarray, employer: np.ndarray, home: np.ndarray, taste: np.ndarray, reach: np.ndarray,
                 log_pay: np.ndarray, offer_log_pay: np.ndarray, council_term: np.ndarray, dist_km: np.ndarray,
                 offer_probability: np.ndarray, has_vacancy: np.ndarray, pending: np.ndarray, agency_ok: np.ndarray,
                 b_pay: float, b_commute: float, switching_cost: float, agency_log_pay: np.ndarray,
                 agency_constant: float, ofsted_half: float, tick: int, offer_key: np.uint64
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The options of searchers ``slots`` (columns: stay, each council in reach of home, agency work).
    ``home`` and the rows of ``reach`` and ``dist_km`` are home zones (council x K + point: see
    :mod:`sim.geography`), so the commute in km is from the worker's own point to each council.
    Computed: their utilities (pay weighted by taste, caseload and reputation in ``council_term``, commute,
    switching cost, a pending retention payment ``pending``; agency work pays ``agency_log_pay`` of the
    employer's area, a market rate: see :meth:`sim.model.WorkforceModel.agency_log_pay`), whether each
    is open (a post is open if the council has a vacancy, is not the employer, and the searcher heard
    of it, with ``offer_probability``), and the council of each reach column (padding columns point at 0).

    Returns (utility (n, D + 2), available (n, D + 2) bool, option (n, D))."""
    n, width = slots.size, reach.shape[1]
    if _use_compiled:
        utility, available = np.empty((n, width + 2)), np.empty((n, width + 2), dtype=np.uint8)
        option = np.empty((n, width), dtype=np.int64)
        _compiled.option_table(np.ascontiguousarray(slots, dtype=np.int64), employer, home, taste, reach, log_pay,
                               offer_log_pay, council_term, dist_km, offer_probability, has_vacancy.view(np.uint8),
                               pending, agency_ok.view(np.uint8), b_pay, b_commute, switching_cost,
                               agency_log_pay, agency_constant, ofsted_half, tick, offer_key, utility,
                               available, option)
        return utility, available.view(bool), option
    e, h = employer[slots].astype(np.intp), home[slots].astype(np.intp)
    b = b_pay * taste[slots].astype(float)
    near = reach[h]
    option = np.where(near >= 0, near, 0)
    heard = hash_uniform(slots[:, None], tick, offer_key, np.arange(width)[None, :]) < offer_probability[option]
    open_post = (near >= 0) & (option != e[:, None]) & heard & has_vacancy[option]
    stay = b * log_pay[e] + council_term[e] - b_commute * dist_km[h, e] + b * pending
    offers = (b[:, None] * offer_log_pay[option] + council_term[option] - b_commute * dist_km[h[:, None], option]
              - switching_cost)
    agency = b * agency_log_pay[e] + agency_constant + ofsted_half - switching_cost
    utility = np.column_stack([stay, offers, agency])
    available = np.column_stack([np.ones(n, dtype=bool), open_post, agency_ok])
    return utility, available, option


def logit_choice(utility: np.ndarray, available: np.ndarray, u: np.ndarray) -> np.ndarray:
    """The logit choice by inversion: per row, the weights ``exp(utility - the row's best)`` of the
    available options, summed left to right; the pick is the first option whose running sum reaches
    ``u`` times the row's total (never beyond the last available option, whatever the rounding)."""
    n, width = utility.shape
    if n == 0:
        return np.zeros(0, dtype=np.intp)
    if _use_compiled:
        packed, column = np.empty(n * width + 8), np.empty(n * width + 8, dtype=np.int32)  # (8: AVX-512's stores)
        count, pick = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)
        flags = np.ascontiguousarray(available).view(np.uint8)
        k = _compiled.logit_shift(np.ascontiguousarray(utility), flags, packed, column, count)
        np.exp(packed[:k], out=packed[:k])  # only the available options: exp(-inf) is numpy's slow path
        _compiled.logit_pick(packed, np.ascontiguousarray(u, dtype=float), column, count, width, pick)
        return pick
    weight = np.where(available, utility, -np.inf)
    weight -= weight.max(axis=1, keepdims=True)
    np.exp(weight, out=weight)
    cum = np.cumsum(weight, axis=1)
    pick = (cum < (u * cum[:, -1])[:, None]).sum(axis=1)
    last = width - 1 - np.argmax(available[:, ::-1], axis=1)
    return np.minimum(pick, last)


def first_with_status(status: np.ndarray, code: int, n: int) -> np.ndarray:
    """The first ``n`` slots (ascending) with status ``code``, or all of them if there are fewer."""
    if _use_compiled:
        return _compiled.first_with_status(status, code, n)
    return np.flatnonzero(status == code)[:n]


def placed_at(status: np.ndarray, employer: np.ndarray, code: int, council: np.ndarray) -> np.ndarray:
    """Slots (ascending) with status ``code`` whose employer is flagged (bool per council) in
    ``council``."""
    if _use_compiled:
        return _compiled.placed_at(status, employer, code, np.ascontiguousarray(council, dtype=bool).view(np.uint8))
    slots = np.flatnonzero(status == code)
    return slots[council[employer[slots]]]


def add_by_council(council: np.ndarray, weight: np.ndarray | float, total: np.ndarray,
                   heads: np.ndarray | None = None) -> None:
    """Add the ``weight`` of each entry to ``total[council]`` and one to ``heads[council]`` (if
    given), in place, ignoring councils at or beyond ``total.size`` (boundary councils). The weights
    of one call are summed first, in order, then added (as ``np.bincount`` does)."""
    n = total.size
    if _use_compiled:
        same = np.ndim(weight) == 0
        _compiled.add_by_council(np.ascontiguousarray(council, dtype=np.int64),
                                 None if same else np.ascontiguousarray(weight, dtype=float),
                                 float(weight) if same else 0.0, total, heads)
        return
    council = council.astype(np.intp)
    total += np.bincount(council, weights=np.broadcast_to(np.asarray(weight, dtype=float), council.shape),
                         minlength=n)[:n]
    if heads is not None:
        heads += np.bincount(council, minlength=n)[:n]


def new_worker_columns(slots: np.ndarray, council: np.ndarray, code: int, reach: np.ndarray, n_active: int,
                       elsewhere_share: float, tick: int, pick_key: np.uint64, home_key: np.uint64,
                       fte_of_council: np.ndarray | None, status: np.ndarray, employer: np.ndarray, home: np.ndarray,
                       fte: np.ndarray) -> None:
    """Write the status ``code``, employer ``council``, home and FTE of new workers in ``slots``.
    Home is the council itself, or with probability ``elsewhere_share`` a council in its reach
    picked at random (a padding or boundary entry of the reach table counts as the council itself).
    FTE is ``fte_of_council[council]``, or 1 if that is None."""
    if _use_compiled:
        _compiled.new_worker_columns(np.ascontiguousarray(slots, dtype=np.int64), council, code, reach, n_active,
                                     elsewhere_share, tick, pick_key, home_key, fte_of_council, status, employer,
                                     home, fte)
        return
    status[slots] = code
    employer[slots] = council
    near = reach[council]
    near = np.where((near >= 0) & (near < n_active), near, council[:, None])
    pick = np.floor(uniform(slots, tick, pick_key) * near.shape[1]).astype(np.intp)
    elsewhere = uniform(slots, tick, home_key) < elsewhere_share
    home[slots] = np.where(elsewhere, near[np.arange(slots.size), pick], council)
    fte[slots] = 1.0 if fte_of_council is None else fte_of_council[council]


def new_workers(slots: np.ndarray, council: np.ndarray, code: int, reach: np.ndarray, n_active: int,
                elsewhere_share: float, zones: int, tick: int, keys: tuple[np.uint64, ...],
                fte_of_council: np.ndarray | None, start: bool, columns: tuple[np.ndarray, ...], never: int,
                truncation: float) -> tuple[np.ndarray, np.ndarray]:
    """New workers in ``slots``: :func:`new_worker_columns` (``keys`` of the home pick and home) and
    :func:`new_worker_draws` (``keys`` of the home point, experience and taste), and if ``start``
    their tenure 0 and hiring month ``tick``. Returns the experience draws u as ``-u x truncation``
    (the argument of log1p of the truncated exponential) and the taste draws clipped to
    ``[1e-300, 1 - 2**-53]`` (the argument of the normal quantile: :func:`sim.rng.normal_of`).
    ``columns``: every worker column, as in the whole decisions below."""
    pick_key, home_key, point_key, experience_key, taste_key = keys
    if _use_compiled:
        return _compiled.new_workers(np.ascontiguousarray(slots, dtype=np.int64),
                                     np.ascontiguousarray(council, dtype=np.int64), code, reach, n_active,
                                     elsewhere_share, zones, tick, pick_key, home_key, point_key, experience_key,
                                     taste_key, fte_of_council, start, columns, never, truncation)
    status, employer, home, home_zone, _, tenure, fte, _, _, hired_tick = columns
    new_worker_columns(slots, council, code, reach, n_active, elsewhere_share, tick, pick_key, home_key,
                       fte_of_council, status, employer, home, fte)
    u, taste = new_worker_draws(slots, zones, tick, point_key, experience_key, taste_key, home, home_zone)
    if start:
        tenure[slots], hired_tick[slots] = 0, tick
    return -u * truncation, np.minimum(np.maximum(taste, 1e-300), 1 - 2**-53)


def finish_new_workers(slots: np.ndarray, log_share: np.ndarray | None, scale: float, least: float,
                       new_qualifier: np.ndarray | None, taste: np.ndarray, pq: np.ndarray,
                       taste_pay: np.ndarray) -> None:
    """New workers' months since qualifying, ``floor(scale x log_share + least)`` (0 where
    ``new_qualifier``, and for everyone if ``log_share`` is None), and their taste for pay, written
    into the columns ``pq`` and ``taste_pay``."""
    if _use_compiled:
        _compiled.finish_new_workers(np.ascontiguousarray(slots, dtype=np.int64), log_share, scale, least,
                                     None if new_qualifier is None else new_qualifier.view(np.uint8), taste, pq,
                                     taste_pay)
        return
    if log_share is None:
        months = np.zeros(slots.size)
    else:
        months = scale * log_share
        months += least
        if new_qualifier is not None:
            months[new_qualifier] = 0.0
    pq[slots] = np.floor(months).astype(np.int16)
    taste_pay[slots] = taste


def hire_draws(posts: np.ndarray, p_fill: np.ndarray, nq_share: float, shift: int, tick: int, key: np.uint64
               ) -> tuple[np.ndarray, np.ndarray]:
    """Outside hires into vacant posts: post k of council c (``posts[c]`` of them; negative counts
    as 0) has the stable id ``c << shift | k`` and is filled if its draw falls below ``p_fill[c]``,
    by a new qualifier if also below ``p_fill[c] x nq_share``. Returns the councils of the posts
    filled by new qualifiers, then of those filled by others (each in post order)."""
    if _use_compiled:
        return _compiled.hire_draws(np.ascontiguousarray(posts, dtype=np.int64),
                                    np.ascontiguousarray(p_fill, dtype=float), nq_share, shift, tick, key)
    council, ids = post_ids(posts, shift)
    u = uniform(ids, tick, key)
    threshold = p_fill[council]
    hired, nq = u < threshold, u < threshold * nq_share
    return council[hired & nq], council[hired & ~nq]


def new_worker_draws(slots: np.ndarray, zones: int, tick: int, point_key: np.uint64, experience_key: np.uint64,
                     taste_key: np.uint64, home: np.ndarray, home_zone: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rest of new workers' draws, for ``slots``: the point of their home council they live at
    (``home_zone = home x zones + point``, written; point ``floor(u x zones)``, at most zones - 1),
    and the uniform draws of their experience and of their taste for pay (returned, in that order)."""
    if _use_compiled:
        return _compiled.new_worker_draws(np.ascontiguousarray(slots, dtype=np.int64), zones, tick, point_key,
                                          experience_key, taste_key, home, home_zone)
    point = np.minimum(np.floor(uniform(slots, tick, point_key) * zones), zones - 1).astype(np.int16)
    home_zone[slots] = home[slots] * zones + point
    return uniform(slots, tick, experience_key), uniform(slots, tick, taste_key)


def place_pool(pool: np.ndarray, home: np.ndarray, reach: np.ndarray, wanted: np.ndarray, rounds: int
               ) -> tuple[np.ndarray, np.ndarray]:
    """Match agency workers between placements (slots ``pool``, in priority order) to the posts each
    council ``0..a-1`` wants (``wanted``, of length a), within reach of their ``home`` council (rows
    of ``reach``; entries below 0 or at a and beyond are not eligible). Each of ``rounds`` rounds,
    every unplaced worker applies to the council in reach with the most posts open at the start of
    the round (the first such column of its reach row; none if no council in reach has one), and
    councils take applicants in priority order up to those open posts. Returns (placed slots, their
    councils), round by round and in priority order within a round."""
    if _use_compiled:
        return _compiled.place_pool(np.ascontiguousarray(pool, dtype=np.int64), home, reach,
                                    np.ascontiguousarray(wanted, dtype=np.int64), rounds)
    a = wanted.size
    open_posts = wanted.astype(np.int64).copy()
    priority = np.arange(pool.size, dtype=float)
    left = np.ones(pool.size, dtype=bool)
    placed, where = [], []
    near = reach[home[pool].astype(np.intp)]  # (workers, width), -1 padding
    for _ in range(rounds):
        idx = np.flatnonzero(left)
        if idx.size == 0 or not open_posts.any():
            break
        cand = near[idx]
        posts = np.where((cand >= 0) & (cand < a), open_posts[np.clip(cand, 0, a - 1)], 0)
        best = posts.argmax(axis=1)
        ok = posts[np.arange(idx.size), best] > 0
        idx, dest = idx[ok], cand[ok, best[ok]]
        took = ration(dest, priority[idx], open_posts)
        idx, dest = idx[took], dest[took]
        left[idx] = False
        open_posts -= np.bincount(dest, minlength=a)[:a]
        placed.append(pool[idx])
        where.append(dest)
    if not placed:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(placed).astype(np.int64), np.concatenate(where).astype(np.int64)


def od_table(origin: np.ndarray, destination: np.ndarray, fte: np.ndarray, n_all: int) -> np.ndarray:
    """Moves summed by (origin, destination) pair: rows (origin, destination, heads, FTE), sorted by
    origin then destination; destinations are below ``n_all``. The FTEs of a pair are summed in the
    order given."""
    if _use_compiled:
        return _compiled.od_table(np.ascontiguousarray(origin, dtype=np.int64),
                                  np.ascontiguousarray(destination, dtype=np.int64),
                                  np.ascontiguousarray(fte, dtype=float), n_all)
    pairs, which = np.unique(origin * n_all + destination, return_inverse=True)
    heads = np.bincount(which, minlength=pairs.size).astype(float)
    total = np.bincount(which, weights=fte, minlength=pairs.size)
    return np.column_stack([pairs // n_all, pairs % n_all, heads, total])


def release(slots: np.ndarray, *columns_and_never: np.ndarray | int) -> None:
    """Compiled only: :meth:`sim.workers.WorkerTable.release`, which is also its numpy version."""
    _compiled.release(np.ascontiguousarray(slots, dtype=np.int64), *columns_and_never)


def post_ids(counts: np.ndarray, shift: int) -> tuple[np.ndarray, np.ndarray]:
    """For integer counts per council (negative counts as 0), the council of each post and the
    post's stable id ``council << shift | k`` (k = 0, 1, ... within the council)."""
    counts = np.maximum(np.asarray(counts, dtype=np.int64), 0)
    if _use_compiled:
        return _compiled.post_ids(counts, shift)
    council = np.repeat(np.arange(counts.size), counts)
    k = np.arange(council.size) - np.repeat(np.cumsum(counts) - counts, counts)
    return council, (council << shift) | k


# ---- whole decisions: pick, ration, record the flows and edit the worker columns in one call ------
# ``columns`` is the tuple of every worker column, writable, in the order of sim.workers.COLUMNS
# (:meth:`sim.workers.WorkerTable.columns`), ``never`` the empty value of the tick columns; the caller
# notes the slots returned for the stock tally. Flows are (FTE row, heads row) pairs of the recorder's
# open month, spending one row; each is added to as :func:`add_by_council` does, one call per flow.
def release_columns(slots: np.ndarray, columns: tuple[np.ndarray, ...], never: int) -> None:
    """Empty ``slots`` in every column (:meth:`sim.workers.WorkerTable.release` without the note)."""
    if _use_compiled:
        release(slots, *columns, never)
        return
    from .workers import COLUMNS  # (sim.workers imports this module)

    for column, (name, (_, empty)) in zip(columns, COLUMNS.items(), strict=True):
        column[slots] = never if name in ("left_perm_tick", "hired_tick") else empty


def end_placements(columns: tuple[np.ndarray, ...], never: int, used: int, probability: float, convert_prob: float,
                   leave_prob: float, capacity: np.ndarray, golden_hello: np.ndarray, tick: int, end_key: np.uint64,
                   kind_key: np.uint64, ended: tuple[np.ndarray, np.ndarray], starters: tuple[np.ndarray, np.ndarray],
                   golden_spend: np.ndarray) -> np.ndarray:
    """Agency placements that end this month (slots below ``used`` placed as agency staff whose draw
    of stream ``end_key`` falls below ``probability``), recorded in ``ended``, and what each worker
    does next, by one draw of ``kind_key``: below ``convert_prob``, takes a permanent post at the
    council if it has a place (``capacity`` per council, lowest draws first: :func:`ration`; recorded
    in ``starters``, with the council's golden hello in ``golden_spend``); else below ``leave_prob``,
    leaves the profession (released); else returns to the pool. Returns the slots that ended."""
    if _use_compiled:
        return _compiled.end_placements(columns, never, used, probability, convert_prob, leave_prob,
                                        np.ascontiguousarray(capacity, dtype=np.int64), golden_hello, tick, end_key,
                                        kind_key, *ended, *starters, golden_spend)
    status, employer, _, _, _, tenure, fte, _, _, hired_tick = columns
    ending = status_pick(status[:used], AGENCY, probability, tick, end_key)
    if ending.size == 0:
        return ending
    council = employer[ending].astype(np.intp)
    f = fte[ending].astype(float)
    add_by_council(council, f, *ended)
    v = uniform(ending, tick, kind_key)
    wants = v < convert_prob
    idx = np.flatnonzero(wants)
    converts = np.zeros(ending.size, dtype=bool)
    converts[idx[ration(council[idx], v[idx], capacity)]] = True
    leaves = ~wants & (v < leave_prob)
    if converts.any():
        add_by_council(council[converts], f[converts], *starters)
        add_by_council(council[converts], golden_hello[council[converts]], golden_spend)
    who = ending[converts]
    status[who], tenure[who], hired_tick[who] = PERM, 0, tick
    release_columns(ending[leaves], columns, never)
    back = ending[~converts & ~leaves]
    status[back], employer[back], tenure[back] = POOL, -1, 0
    return ending


def release_surplus(columns: tuple[np.ndarray, ...], never: int, used: int, flagged: np.ndarray, keep: np.ndarray,
                    tick: int, key: np.uint64, ended: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Placements that end because their council has more than it wants: of the agency staff placed
    (slots below ``used``) at councils ``flagged`` (bool per council), each council keeps ``keep[c]``,
    those with the lowest draws of stream ``key`` (:func:`ration`); the others return to the pool,
    recorded in ``ended``. Returns their slots."""
    if _use_compiled:
        return _compiled.release_surplus(columns, never, used, np.ascontiguousarray(flagged, dtype=bool).view(np.uint8),
                                         np.ascontiguousarray(keep, dtype=np.int64), tick, key, *ended)
    status, employer, _, _, _, tenure, fte, _, _, _ = columns
    placed = placed_at(status[:used], employer[:used], AGENCY, flagged)
    council = employer[placed].astype(np.intp)
    kept = ration(council, uniform(placed, tick, key), keep)
    out = placed[~kept]
    if out.size:
        add_by_council(council[~kept], fte[out].astype(float), *ended)
    status[out], employer[out], tenure[out] = POOL, -1, 0
    return out


def pool_placements(columns: tuple[np.ndarray, ...], never: int, pool: np.ndarray, tick: int, order_key: np.uint64,
                    reach: np.ndarray, wanted: np.ndarray, rounds: int, placed_flow: tuple[np.ndarray, np.ndarray]
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Agency workers between placements (slots ``pool``) put in a stable random order (their draws
    of stream ``order_key``, ascending) and matched to the posts each council wants
    (:func:`place_pool`, within reach of their homes); the placed take their posts, recorded in
    ``placed_flow``. Returns (placed slots, posts filled per council)."""
    if _use_compiled:
        return _compiled.pool_placements(columns, never, np.ascontiguousarray(pool, dtype=np.int64), tick, order_key,
                                         reach, np.ascontiguousarray(wanted, dtype=np.int64), rounds, *placed_flow)
    status, employer, home, _, _, tenure, fte, _, _, _ = columns
    pool = pool[np.argsort(uniform(pool, tick, order_key), kind="stable")]
    placed, where = place_pool(pool, home, reach, wanted, rounds)
    status[placed], employer[placed], tenure[placed] = AGENCY, where, 0
    if where.size:
        add_by_council(where, fte[placed].astype(float), *placed_flow)
    return placed, np.bincount(where, minlength=wanted.size)[: wanted.size]


def external_cover(wanted: np.ndarray, filled: np.ndarray, probability: float, shift: int, tick: int,
                   key: np.uint64) -> np.ndarray:
    """Councils of the posts still uncovered after the pool's placements (post k of council c, with
    the stable id ``c << shift | k``, is uncovered if ``filled[c] <= k < wanted[c]``) that are covered
    from outside the region: their draw of stream ``key`` falls below ``probability``."""
    if _use_compiled:
        return _compiled.external_cover(np.ascontiguousarray(wanted, dtype=np.int64),
                                        np.ascontiguousarray(filled, dtype=np.int64), probability, shift, tick, key)
    council, ids = post_ids(wanted, shift)
    rest = (ids & ((1 << shift) - 1)) >= filled[council]
    return council[rest][uniform(ids[rest], tick, key) < probability]


def move_outcomes(pick: np.ndarray, slots: np.ndarray, option: np.ndarray, employer: np.ndarray,
                  fte: np.ndarray, active: np.ndarray, capacity: np.ndarray, golden_hello: np.ndarray, tick: int,
                  priority_key: np.uint64, boundary_credit: np.ndarray, council_flow: tuple[np.ndarray, np.ndarray],
                  outside_flow: tuple[np.ndarray, np.ndarray], starters_flow: tuple[np.ndarray, np.ndarray],
                  golden_spend: np.ndarray, agency_flow: tuple[np.ndarray, np.ndarray]
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """What the searchers ``slots`` picked (columns of :func:`option_table`: 0 stay, the last agency
    work, the others the council ``option[i, pick - 1]``) turned into moves: those to a council are
    rationed by its places (``capacity``, lowest draws of stream ``priority_key`` first:
    :func:`ration`); each accepted move to a council outside the region (not ``active``) uses one of
    its ``boundary_credit``. Recorded: leavers to a council in the region (``council_flow``) and out
    of it (``outside_flow``) by origin, starters by destination with its golden hello, and leavers into
    agency work (``agency_flow``). Returns (movers, their origins, destinations and FTEs, whether each
    stays in the region, the slots going into agency work)."""
    agency_col = option.shape[1] + 1
    if _use_compiled:
        return _compiled.move_outcomes(np.ascontiguousarray(pick, dtype=np.int64),
                                       np.ascontiguousarray(slots, dtype=np.int64),
                                       np.ascontiguousarray(option, dtype=np.int64), agency_col, employer, fte,
                                       np.ascontiguousarray(active, dtype=bool).view(np.uint8),
                                       np.ascontiguousarray(capacity, dtype=np.int64), golden_hello, tick, priority_key,
                                       boundary_credit, *council_flow, *outside_flow, *starters_flow, golden_spend,
                                       *agency_flow)
    origin = employer[slots].astype(np.int64)
    f_all = fte[slots].astype(float)
    idx = np.flatnonzero((pick > 0) & (pick < agency_col))
    dest = option[idx, pick[idx] - 1].astype(np.int64)
    ok = ration(dest, uniform(slots[idx], tick, priority_key), capacity)
    idx, d = idx[ok], dest[ok]
    inside = active[d]
    boundary_credit -= np.bincount(d[~inside], minlength=boundary_credit.size)
    o, f = origin[idx], f_all[idx]
    for where, weight, flow in ((o[inside], f[inside], council_flow), (o[~inside], f[~inside], outside_flow),
                                (d[inside], f[inside], starters_flow)):
        if where.size:
            add_by_council(where, weight, *flow)
    if inside.any():
        add_by_council(d[inside], golden_hello[d[inside]], golden_spend)
    ag = np.flatnonzero(pick == agency_col)
    if ag.size:
        add_by_council(origin[ag], f_all[ag], *agency_flow)
    return slots[idx].astype(np.int64), o, d, f, inside, slots[ag].astype(np.int64)


def settle_moves(columns: tuple[np.ndarray, ...], never: int, movers: np.ndarray, destination: np.ndarray,
                 inside: np.ndarray, tick: int) -> None:
    """Movers take up their posts: those staying in the region change employer to ``destination``
    (tenure 0, hired and left a permanent post at ``tick``); the others leave the region (released)."""
    if _use_compiled:
        _compiled.settle_moves(columns, never, np.ascontiguousarray(movers, dtype=np.int64),
                               np.ascontiguousarray(destination, dtype=np.int64),
                               np.ascontiguousarray(inside, dtype=bool).view(np.uint8), tick)
        return
    _, employer, _, _, _, tenure, _, _, left_perm_tick, hired_tick = columns
    stay = movers[inside]
    employer[stay], tenure[stay], hired_tick[stay] = destination[inside], 0, tick
    left_perm_tick[movers] = tick
    release_columns(movers[~inside], columns, never)


def to_pool(columns: tuple[np.ndarray, ...], never: int, slots: np.ndarray, left_tick: int | None = None) -> None:
    """Workers ``slots`` into the agency pool: status POOL, no employer, tenure 0 (and, unless
    ``left_tick`` is None, the month they left a permanent post)."""
    if _use_compiled:
        _compiled.to_pool(columns, never, np.ascontiguousarray(slots, dtype=np.int64), left_tick)
        return
    status, employer, _, _, _, tenure, _, _, left_perm_tick, _ = columns
    status[slots], employer[slots], tenure[slots] = POOL, -1, 0
    if left_tick is not None:
        left_perm_tick[slots] = left_tick


def eligible_pool(status: np.ndarray, pq: np.ndarray, left_perm_tick: np.ndarray, used: int, min_pq: float,
                  cooldown: float, tick: int) -> np.ndarray:
    """Slots (ascending, below ``used``) of the agency workers between placements who may be placed:
    at least ``min_pq`` months since qualifying and ``cooldown`` months since they last left a
    permanent post (:meth:`sim.model.WorkforceModel.agency_work_open` without the policies' rules)."""
    if _use_compiled:
        return _compiled.eligible_pool(status, pq, left_perm_tick, used, min_pq, cooldown, tick)
    pool = np.flatnonzero(status[:used] == POOL)
    return pool[(pq[pool] >= min_pq) & ((tick - left_perm_tick[pool]) >= cooldown)]


def pool_exits(columns: tuple[np.ndarray, ...], never: int, used: int, probability: float, tick: int,
               key: np.uint64) -> np.ndarray:
    """Agency workers between placements (below ``used``) whose draw of stream ``key`` falls below
    ``probability`` leave the market (released). Returns their slots (ascending)."""
    if _use_compiled:
        return _compiled.pool_exits(columns, never, used, probability, tick, key)
    gone = status_pick(columns[0][:used], POOL, probability, tick, key)
    release_columns(gone, columns, never)
    return gone


def offer_terms(active: np.ndarray, caseload: np.ndarray, fixed_caseload: np.ndarray, reference_caseload: float,
                minus_b_caseload: float, b_ofsted: float, reputation: np.ndarray, vacancy_fte: np.ndarray,
                perm_fte: np.ndarray, fixed_vacancy_rate: np.ndarray, offer_rate: float
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per council (boundary councils at their census values): the council's term of a searcher's
    utility, ``minus_b_caseload x (caseload - reference_caseload) + b_ofsted x reputation``; the
    probability of hearing of one of its posts, ``min(1, offer_rate x vacancy rate)``; and whether it
    has a post (half an FTE vacant or more). What :func:`option_table` takes from the councils."""
    if _use_compiled:
        return _compiled.offer_terms(np.ascontiguousarray(active, dtype=bool).view(np.uint8), caseload, fixed_caseload,
                                     reference_caseload, minus_b_caseload, b_ofsted, reputation, vacancy_fte, perm_fte,
                                     fixed_vacancy_rate, offer_rate)
    n = active.size
    term = minus_b_caseload * (np.where(active, caseload, fixed_caseload) - reference_caseload) + b_ofsted * reputation
    denom = vacancy_fte + perm_fte
    rate = np.divide(vacancy_fte, denom, out=np.zeros(n), where=denom > 0)  # as CouncilTable.vacancy_rate
    probability = np.minimum(1.0, offer_rate * np.where(active, rate, fixed_vacancy_rate))
    return term, probability, np.where(active, vacancy_fte >= 0.5, fixed_vacancy_rate > 0)


def attraction_exponent(reputation: np.ndarray, log_pay: np.ndarray, w_reputation: float, w_pay: float,
                        mean_log_pay: float) -> np.ndarray:
    """The exponent of the councils' pull on outside recruits (its exp is
    :func:`sim.phases.recruitment.attractiveness`): reputation, and log pay (incentives and half the
    golden hello included) against the region's mean at the census."""
    if _use_compiled:
        return _compiled.attraction_exponent(reputation, log_pay, w_reputation, w_pay, mean_log_pay)
    return w_reputation * (reputation - 0.5) + w_pay * (log_pay - mean_log_pay)


def fill_probability(pull_now: np.ndarray, pull_census: np.ndarray, hire_identity: np.ndarray, leavers_12: np.ndarray,
                     prior: np.ndarray, perm_fte: np.ndarray, months: int, vacancy_fte: np.ndarray,
                     fte_ratio: np.ndarray, posts: np.ndarray, extra: np.ndarray, hire_per_leaver: float,
                     fill_rate: float, max_fill: float) -> np.ndarray:
    """The probability that each vacant post of a council is filled from outside this month
    (:func:`sim.phases.recruitment.monthly_hires` in people, over its posts, plus policies' ``extra``,
    at most ``max_fill``). The turnover is :meth:`sim.model.WorkforceModel.turnover_estimate`: the
    last 12 months' leavers (``months`` of them recorded) topped up with the census ``prior``."""
    if _use_compiled:
        return _compiled.fill_probability(pull_now, pull_census, hire_identity, leavers_12, prior, perm_fte, months,
                                          vacancy_fte, fte_ratio, np.ascontiguousarray(posts, dtype=np.int64), extra,
                                          hire_per_leaver, fill_rate, max_fill)
    turnover = np.where(perm_fte > 0, (leavers_12 + prior * perm_fte * (12 - months) / 12) / np.maximum(perm_fte, 1e-9),
                        prior)
    pull = pull_now / np.maximum(pull_census, 1e-12)
    hires = hire_identity * pull * (hire_per_leaver * (turnover * perm_fte / 12) + fill_rate * vacancy_fte)
    return np.minimum(max_fill, hires / fte_ratio / np.maximum(posts, 1) + extra)


def overload_exponent(caseload: np.ndarray, tolerable: float, per_case: float, log_pay: np.ndarray | None = None,
                      base_log_pay: np.ndarray | None = None, pay_elasticity: float = 0.0) -> np.ndarray:
    """The exponent of a council's multiplier on leaving (exits) or searching: ``per_case`` times the
    caseload above ``tolerable``, less ``pay_elasticity`` times log pay against its census level (left
    out if ``log_pay`` is None)."""
    if _use_compiled:
        return _compiled.overload_exponent(caseload, tolerable, per_case, log_pay, base_log_pay, pay_elasticity)
    out = per_case * np.maximum(0.0, caseload - tolerable)
    if log_pay is not None:
        out = out - pay_elasticity * (log_pay - base_log_pay)
    return out


def hazard_rows(leave_identity: np.ndarray, factor: np.ndarray, grade: np.ndarray, inadequate_multiplier: float,
                nq: float, mid: float, late: float) -> np.ndarray:
    """Monthly probability of leaving the profession per (career stage: newly qualified, mid, late;
    council): the stage's rate times the council's identity times ``factor`` (times
    ``inadequate_multiplier`` at an Inadequate council), at most 1."""
    if _use_compiled:
        return _compiled.hazard_rows(leave_identity, factor, np.ascontiguousarray(grade, dtype=np.int64),
                                     inadequate_multiplier, nq, mid, late)
    council = leave_identity * factor
    council = np.where(grade == 3, council * inadequate_multiplier, council)
    base = np.array([nq, mid, late])
    return np.minimum(1.0, base[:, None] * council[None, :])


def agency_cover(base_fte: np.ndarray, drift_factor: np.ndarray, staffing: float, cases_weight: float,
                 posts_weight: float, year: float, perm_census: np.ndarray, perm_year1_change: np.ndarray,
                 perm_fte: np.ndarray, cases: np.ndarray, case_holder_share: np.ndarray, caseload_norm: np.ndarray,
                 gap0: np.ndarray, need_factor: np.ndarray, establishment: np.ndarray, establishment_census: np.ndarray,
                 establishment_year1_change: np.ndarray, cap_fte: np.ndarray, cap_share: np.ndarray) -> np.ndarray:
    """Agency FTE each simulated council seeks this month (:func:`sim.phases.agency.agency_target`,
    from its census cover times ``drift_factor`` and the shares of the changes in its gap beyond the
    expected: the census need times ``need_factor``), at most its cap in FTE and, where it has one, its
    cap as a share of its permanent FTE."""
    if _use_compiled:
        return _compiled.agency_cover(base_fte, drift_factor, staffing, cases_weight, posts_weight, year, perm_census,
                                      perm_year1_change, perm_fte, cases, case_holder_share, caseload_norm, gap0,
                                      need_factor, establishment, establishment_census, establishment_year1_change,
                                      cap_fte, cap_share)
    need = cases / (np.maximum(case_holder_share, 1e-9) * np.maximum(caseload_norm, 1.0))  # workload_need_fte
    target = np.maximum(0.0, base_fte * drift_factor + staffing * (perm_census + perm_year1_change * year - perm_fte)
                        + cases_weight * (need - (gap0 + perm_census) * need_factor)
                        + posts_weight * (establishment - establishment_census - establishment_year1_change * year))
    target = np.minimum(target, cap_fte)
    capped = np.flatnonzero(np.isfinite(cap_share))
    target[capped] = np.minimum(target[capped], cap_share[capped] * perm_fte[capped])
    return target
