"""The random-utility (multinomial logit) choice, vectorised over searchers.

With utilities ``V[i, j]`` plus independent Gumbel noise, worker i picks option j with probability
``exp(V[i, j]) / sum_k exp(V[i, k])`` over the options open to them. We sample that distribution
exactly by inverting its cumulative sum with one uniform per worker, which keeps one random number
per worker (common random numbers) instead of one per option.
"""

from __future__ import annotations

import numpy as np

from . import kernels


def logit_probabilities(utility: np.ndarray, available: np.ndarray) -> np.ndarray:
    """Choice probabilities per row; unavailable options get 0. Each row needs one available option."""
    v = np.where(available, utility, -np.inf)
    v = v - v.max(axis=1, keepdims=True)
    ex = np.exp(v)
    return ex / ex.sum(axis=1, keepdims=True)


logit_choice = kernels.logit_choice
ration = kernels.ration
