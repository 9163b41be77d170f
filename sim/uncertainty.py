"""Intervals that say what they include: the parameters' uncertainty and chance, by the law of total variance.

Replicate pairs are grouped by the posterior draw they used (several seeds per draw). For a difference
d between two arms (the same draw and seed in both: common random numbers),

    Var(d) = E[Var(d | theta)] + Var(E[d | theta])
             chance (seeds)      parameters (draws)

The quantity reported is the policy's average effect E[d | theta] under the true parameters, which we
know only through the posterior. Its 95% interval is the mean over all pairs plus or minus
t(0.975, D - 1) * sqrt(V), with D draws, S seeds per draw, N = D * S pairs and

    V = sigma_b^2 (1 + 1/D)  +  sigma_w^2 / N
        parameters              chance

where sigma_w^2 is the pooled variance between seeds of one draw and sigma_b^2 = max(0, variance of the
draw means - sigma_w^2 / S) the variance of the effect across the posterior. The first term does not
shrink with more replicates (it is what we do not know about the parameters); the second does (it is
the Monte Carlo error of a finite number of runs). With one draw (``--point``) V is sd^2 / N and the
interval is exactly the old one: t(0.975, N - 1) * sd / sqrt(N).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass
class Interval:
    """Mean, 95% interval and the two variance components (arrays over the trailing axes)."""

    mean: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    param_var: np.ndarray
    chance_var: np.ndarray

    @property
    def param_share(self) -> np.ndarray:
        """Share of the interval's variance that comes from the parameters (NaN where there is none)."""
        total = self.param_var + self.chance_var
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(total > 0, self.param_var / np.where(total > 0, total, 1), np.nan)


def t_interval(diffs: np.ndarray, axis: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean and 95% interval of paired differences (t distribution with N-1 degrees of freedom)."""
    n = diffs.shape[axis]
    mean = diffs.mean(axis=axis)
    if n < 2:
        return mean, mean * np.nan, mean * np.nan
    half = stats.t.ppf(0.975, n - 1) * diffs.std(axis=axis, ddof=1) / np.sqrt(n)
    return mean, mean - half, mean + half


def decompose(diffs: np.ndarray, groups: np.ndarray | list[int]) -> Interval:
    """The 95% interval of the average effect, with its parameter and chance variance (module docstring).

    Args:
        diffs: paired differences, replicate pairs along axis 0 (any trailing shape).
        groups: the posterior draw of each pair (one group for a single parameter set).
    """
    d = np.asarray(diffs, dtype=float)
    g = np.asarray(groups)
    n = d.shape[0]
    labels, inverse, counts = np.unique(g, return_inverse=True, return_counts=True)
    k = len(labels)
    if k == 1:  # one parameter set: chance only, exactly the classic paired t interval
        mean, lo, hi = t_interval(d)
        var = d.var(axis=0, ddof=1) / n if n > 1 else mean * np.nan
        return Interval(mean, lo, hi, np.zeros_like(mean), var)
    sums = np.zeros((k, *d.shape[1:]))
    np.add.at(sums, inverse, d)
    means = sums / counts.reshape(-1, *([1] * (d.ndim - 1)))
    resid = d - means[inverse]
    within = (resid ** 2).sum(axis=0) / (n - k) if n > k else np.zeros(d.shape[1:])
    between_of_means = means.var(axis=0, ddof=1)
    sigma_b = np.maximum(between_of_means - within * np.mean(1 / counts), 0.0)
    if n == k:  # one seed per draw: the two cannot be told apart; the whole spread, labelled neither
        half = stats.t.ppf(0.975, k - 1) * np.sqrt(between_of_means * (1 + 1 / k))
        nan = np.full_like(between_of_means, np.nan)
        mean = d.mean(axis=0)
        return Interval(mean, mean - half, mean + half, nan, nan)
    param_var = sigma_b * (1 + 1 / k)
    chance_var = within / n
    half = stats.t.ppf(0.975, k - 1) * np.sqrt(param_var + chance_var)
    mean = d.mean(axis=0)
    return Interval(mean, mean - half, mean + half, param_var, chance_var)


__all__ = ["Interval", "decompose", "t_interval"]
