"""The calibrated posterior: weighted parameter draws consistent with the census, with their provenance.

``sim calibrate`` (ABC-SMC, :mod:`sim.calibrate.abc`) writes it; ``sim compare`` and ``sim forecast``
draw their parameters from it, so their intervals include the uncertainty of the parameters and not
only the noise between seeds. The installed posterior is ``sim/calibrated_posterior.parquet``: one row
per draw, one column per estimated parameter and a ``weight`` column; the provenance (census years,
moments, method, population sizes and epsilons, seeds, code version, the parameters fixed by
screening) is JSON in the Parquet file's metadata. ``CSWSIM_PRIORS=1`` ignores it, like the point file.

This module needs only numpy, pandas and pyarrow (not pyabc): reading a posterior is cheap.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import SimInputError

POSTERIOR_FILE = Path(__file__).with_name("calibrated_posterior.parquet")
META_KEY = b"cswsim_posterior"
DRAW_SEED = 20241130  # analysis stream for picking draws (not an engine stream): the same draws every time


@dataclass
class Posterior:
    """Weighted draws of the estimated parameters, plus the values held fixed.

    Attributes:
        draws: one row per draw, one column per estimated parameter.
        weights: importance weights (normalised to sum to 1).
        fixed: parameters held at one value in every draw (fixed by the spec or by screening).
        provenance: where the draws come from (JSON-able).
    """

    draws: pd.DataFrame
    weights: np.ndarray
    fixed: dict[str, float] = field(default_factory=dict)
    provenance: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        w = np.asarray(self.weights, dtype=float)
        if len(w) != len(self.draws) or len(w) == 0 or not np.all(np.isfinite(w)) or (w < 0).any() or w.sum() <= 0:
            raise SimInputError("posterior: weights must be one finite, non-negative number per draw, not all 0")
        self.weights = w / w.sum()
        self.draws = self.draws.reset_index(drop=True).astype(float)

    @property
    def names(self) -> list[str]:
        """The estimated parameters."""
        return list(self.draws.columns)

    def mean(self) -> dict[str, float]:
        """The weighted posterior mean of each estimated parameter."""
        return {n: float(np.dot(self.weights, self.draws[n])) for n in self.names}

    def sd(self) -> dict[str, float]:
        """The weighted posterior standard deviation of each estimated parameter."""
        mean = self.mean()
        return {n: float(np.sqrt(np.dot(self.weights, (self.draws[n] - mean[n]) ** 2))) for n in self.names}

    def quantile(self, q: float) -> dict[str, float]:
        """The weighted ``q`` quantile of each estimated parameter."""
        return {n: weighted_quantile(self.draws[n].to_numpy(), self.weights, q) for n in self.names}

    def ess(self) -> float:
        """Effective sample size of the weights."""
        return float(1 / np.sum(self.weights ** 2))

    def param_sets(self, n: int, seed: int = DRAW_SEED) -> list[dict[str, float]]:
        """``n`` parameter sets drawn with replacement by weight, each with the fixed values.

        The same ``n`` and ``seed`` always give the same draws.
        """
        rng = np.random.default_rng(seed)
        rows = rng.choice(len(self.draws), size=n, replace=True, p=self.weights)
        records = self.draws.to_dict("records")
        return [{**self.fixed, **{k: float(v) for k, v in records[i].items()}} for i in rows]

    def widened(self, factor: float) -> Posterior:
        """The draws moved away from the weighted mean by ``factor`` (> 1 wider, < 1 narrower), clipped to
        the bounds in the provenance: a way to ask how an answer depends on the posterior's width."""
        mean, bounds = self.mean(), self.provenance.get("bounds", {})
        d = self.draws.copy()
        for n in self.names:
            d[n] = mean[n] + factor * (d[n] - mean[n])
            if n in bounds:
                d[n] = d[n].clip(*bounds[n])
        return Posterior(d, self.weights.copy(), dict(self.fixed), {**self.provenance, "widened_by": factor})

    def summary(self) -> pd.DataFrame:
        """One row per estimated parameter: mean, sd, 5%, 50%, 95% and the prior range."""
        bounds = self.provenance.get("bounds", {})
        q05, q50, q95 = self.quantile(0.05), self.quantile(0.5), self.quantile(0.95)
        mean, sd = self.mean(), self.sd()
        rows = [dict(parameter=n, mean=mean[n], sd=sd[n], q05=q05[n], median=q50[n], q95=q95[n],
                     lo=bounds.get(n, [np.nan, np.nan])[0], hi=bounds.get(n, [np.nan, np.nan])[1]) for n in self.names]
        return pd.DataFrame(rows).set_index("parameter")

    # ---- files ------------------------------------------------------------------------------
    def table(self) -> Any:
        """The posterior as a pyarrow table with the provenance and fixed values in its metadata."""
        import pyarrow as pa

        df = self.draws.copy()
        df["weight"] = self.weights
        table = pa.Table.from_pandas(df, preserve_index=False)
        meta = {**(table.schema.metadata or {}),
                META_KEY: json.dumps({"fixed": self.fixed, "provenance": self.provenance}, default=_jsonable).encode()}
        return table.replace_schema_metadata(meta)

    def save(self, path: str | Path) -> Path:
        """Write the posterior to ``path`` (Parquet) completely or not at all."""
        import pyarrow.parquet as pq

        from .atomic import atomic_write

        table = self.table()
        return atomic_write(path, lambda tmp: pq.write_table(table, tmp))

    @classmethod
    def load(cls, path: str | Path) -> Posterior:
        """Read a posterior written by :meth:`save`; a clear error if the file is not one."""
        import pyarrow.parquet as pq

        path = Path(path)
        if not path.is_file():
            raise SimInputError(f"{path}: posterior file not found (run `sim calibrate` to make one)")
        try:
            table = pq.read_table(path)
        except Exception as exc:  # pyarrow raises several kinds for a file that is not Parquet
            raise SimInputError(f"{path}: not a posterior Parquet file ({exc})") from None
        raw = (table.schema.metadata or {}).get(META_KEY)
        df = table.to_pandas()
        if raw is None or "weight" not in df.columns:
            raise SimInputError(f"{path}: a Parquet file but not a posterior (no weights or provenance)")
        meta = json.loads(raw)
        return cls(df.drop(columns="weight"), df["weight"].to_numpy(), dict(meta.get("fixed", {})),
                   dict(meta.get("provenance", {}), file=str(path)))


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float | np.ndarray) -> Any:
    """Quantile(s) of weighted values (the inverse of the weighted empirical distribution, interpolated)."""
    values, weights = np.asarray(values, float), np.asarray(weights, float)
    order = np.argsort(values)
    v, w = values[order], weights[order]
    cdf = (np.cumsum(w) - 0.5 * w) / w.sum()
    out = np.interp(q, cdf, v)
    return float(out) if np.ndim(out) == 0 else out


def _jsonable(x: Any) -> Any:
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (np.floating,)):
        return float(x)
    if isinstance(x, np.ndarray):
        return x.tolist()
    return str(x)


def installed_posterior(path: str | Path | None = None) -> Posterior | None:
    """The installed posterior (``POSTERIOR_FILE``), or None when there is none or ``CSWSIM_PRIORS=1`` asks
    for the priors."""
    path = POSTERIOR_FILE if path is None else path
    if os.environ.get("CSWSIM_PRIORS") == "1" or not Path(path).exists():
        return None
    return Posterior.load(path)


__all__ = ["POSTERIOR_FILE", "Posterior", "installed_posterior", "weighted_quantile"]
