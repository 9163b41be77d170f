"""The random-utility (multinomial logit) choice, vectorised over searchers.

With utilities ``V[i, j]`` plus independent Gumbel noise, worker i picks option j with probability
``exp(V[i, j]) / sum_k exp(V[i, k])`` over the options open to them. We sample that distribution
exactly by inverting its cumulative sum with one uniform per worker, which keeps one random number
per worker (common random numbers) instead of one per option.
"""

from __future__ import annotations

import numpy as np


def logit_probabilities(utility: np.ndarray, available: np.ndarray) -> np.ndarray:
    """Choice probabilities per row; unavailable options get 0. Each row needs one available option."""
    v = np.where(available, utility, -np.inf)
    v = v - v.max(axis=1, keepdims=True)
    ex = np.exp(v)
    return ex / ex.sum(axis=1, keepdims=True)


def logit_choice(utility: np.ndarray, available: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Index of the chosen option per row, given uniforms ``u`` (one per row) in [0, 1)."""
    if utility.shape[0] == 0:
        return np.zeros(0, dtype=np.intp)
    cum = np.cumsum(logit_probabilities(utility, available), axis=1)
    pick = (cum < (u * cum[:, -1])[:, None]).sum(axis=1)
    # never pick an unavailable trailing option because of rounding
    last = available.shape[1] - 1 - np.argmax(available[:, ::-1], axis=1)
    return np.minimum(pick, last)


def ration(destination: np.ndarray, priority: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """Accept at most ``capacity[d]`` of the applicants to each destination d, by priority
    (lowest first). Returns a boolean mask over applicants."""
    if destination.size == 0:
        return np.zeros(0, dtype=bool)
    order = np.lexsort((priority, destination))
    d_sorted = destination[order]
    first = np.r_[0, np.flatnonzero(d_sorted[1:] != d_sorted[:-1]) + 1]
    group_start = np.repeat(first, np.diff(np.r_[first, d_sorted.size]))
    rank = np.arange(d_sorted.size) - group_start
    accepted = np.empty(destination.size, dtype=bool)
    accepted[order] = rank < capacity[d_sorted]
    return accepted
