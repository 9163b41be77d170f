"""Global sensitivity analysis of a finished sobol or morris sweep (via SALib).

Replicates are averaged per design point first, so the indices describe the
expected outcome's sensitivity to each parameter; the remaining Monte Carlo
noise shows up as wider confidence intervals. Each scenario is analysed
separately.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sim.atomic import atomic_write
from sim.sweep import store

TIDY_COLUMNS = ["scenario", "outcome", "parameter", "index", "value", "conf"]


def point_means(results: pd.DataFrame, outcomes: Sequence[str]) -> pd.DataFrame:
    """Mean of each outcome per (scenario, point_id) over replicates."""
    return results.groupby(["scenario", "point_id"], sort=True)[list(outcomes)].mean()


def analyze_sensitivity(
    results_dir: str | Path,
    outcomes: Sequence[str] | None = None,
    *,
    out_png: str | Path | None = None,
    conf_level: float = 0.95,
    num_resamples: int = 1000,
    seed: int = 0,
) -> pd.DataFrame:
    """Sobol or Morris indices for each outcome and scenario of a sweep.

    Args:
        results_dir: Output directory of a finished ``sobol`` or ``morris`` sweep.
        outcomes: Outcomes to analyse (default: all outcomes of the spec).
        out_png: Where to save a bar chart with error bars (``None``: no plot).
        conf_level: Confidence level of the bootstrap intervals.
        num_resamples: Bootstrap resamples.
        seed: Seed for the bootstrap.

    Returns:
        Tidy table with columns ``scenario, outcome, parameter, index, value,
        conf``. ``index`` is ``S1``/``ST`` (sobol) or ``mu_star``/``sigma``/``mu``
        (morris); ``conf`` is the half-width of the confidence interval (NaN
        where SALib gives none, i.e. Morris ``sigma`` and ``mu``).

    Raises:
        SweepStateError: If the design is not sobol/morris or runs are missing.
        ValueError: If an outcome is not part of the sweep.
    """
    manifest = store.read_manifest(results_dir)
    spec = manifest["spec"]["sweep"]
    design = spec["design"]
    if design not in ("sobol", "morris"):
        raise store.SweepStateError(
            f"{results_dir}: sensitivity analysis needs a sobol or morris design, not {design!r}"
        )
    known = list(spec["outcomes"])
    outcomes = list(outcomes or known)
    unknown = [o for o in outcomes if o not in known]
    if unknown:
        raise ValueError(f"unknown outcome(s) {unknown}; this sweep has {known}")
    problem = dict(manifest["salib"]["problem"])
    sample = np.asarray(manifest["salib"]["sample"], dtype=float)
    n_points = len(sample)
    results = store.read_results(results_dir)
    if len(results) < manifest["n_runs"]:
        raise store.SweepStateError(
            f"{results_dir}: only {len(results)} of {manifest['n_runs']} runs finished; "
            "resume the sweep before analysing"
        )
    means = point_means(results, outcomes)
    rows: list[dict] = []
    for scenario in means.index.get_level_values("scenario").unique():
        sub = means.loc[scenario].reindex(range(n_points))
        for outcome in outcomes:
            y = sub[outcome].to_numpy(dtype=float)
            if design == "sobol":
                new = _sobol_rows(problem, y, spec["second_order"], conf_level, num_resamples, seed)
            else:
                new = _morris_rows(problem, sample, y, spec["morris_levels"], conf_level, num_resamples, seed)
            rows += [{**r, "scenario": scenario, "outcome": outcome} for r in new]
    df = pd.DataFrame(rows, columns=TIDY_COLUMNS)
    if out_png is not None:
        plot_sensitivity(df, out_png, title=f"{manifest['spec']['sweep']['name']} ({design})")
    return df


def _sobol_rows(
    problem: dict, y: np.ndarray, second_order: bool, conf_level: float, num_resamples: int, seed: int
) -> list[dict]:
    from SALib.analyze import sobol

    res = sobol.analyze(
        problem, y, calc_second_order=second_order, conf_level=conf_level, num_resamples=num_resamples, seed=seed
    )
    return [
        {"parameter": name, "index": idx, "value": float(res[idx][i]), "conf": float(res[f"{idx}_conf"][i])}
        for idx in ("S1", "ST")
        for i, name in enumerate(problem["names"])
    ]


def _morris_rows(
    problem: dict, x: np.ndarray, y: np.ndarray, num_levels: int, conf_level: float, num_resamples: int, seed: int
) -> list[dict]:
    from SALib.analyze import morris

    res = morris.analyze(
        problem, x, y, num_levels=num_levels, conf_level=conf_level, num_resamples=num_resamples, seed=seed
    )
    out = []
    for idx, conf in (("mu_star", "mu_star_conf"), ("sigma", None), ("mu", None)):
        for i, name in enumerate(problem["names"]):
            out.append(
                {
                    "parameter": name,
                    "index": idx,
                    "value": float(res[idx][i]),
                    "conf": float(res[conf][i]) if conf else math.nan,
                }
            )
    return out


def plot_sensitivity(df: pd.DataFrame, path: str | Path, title: str = "") -> Path:
    """Grouped bar chart of indices with confidence-interval error bars.

    One panel per (outcome, scenario); bars per parameter, one colour per index
    (Morris ``mu`` is omitted).

    Args:
        df: Output of :func:`analyze_sensitivity`.
        path: PNG file to write.
        title: Figure title.

    Returns:
        The path written.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    df = df[df["index"] != "mu"]
    outcomes = list(dict.fromkeys(df["outcome"]))
    scenarios = list(dict.fromkeys(df["scenario"]))
    indices = list(dict.fromkeys(df["index"]))
    params = list(dict.fromkeys(df["parameter"]))
    fig, axes = plt.subplots(
        max(1, len(outcomes)),
        max(1, len(scenarios)),
        squeeze=False,
        figsize=(1.2 + 0.9 * len(params) * max(1, len(scenarios)), 0.6 + 2.6 * len(outcomes)),
    )
    width = 0.8 / max(1, len(indices))
    xs = np.arange(len(params))
    for r, outcome in enumerate(outcomes):
        for c, scenario in enumerate(scenarios):
            ax = axes[r][c]
            sub = df[(df["outcome"] == outcome) & (df["scenario"] == scenario)]
            for k, idx in enumerate(indices):
                vals = sub[sub["index"] == idx].set_index("parameter").reindex(params)
                err = vals["conf"].to_numpy(dtype=float)
                ax.bar(
                    xs + (k - (len(indices) - 1) / 2) * width,
                    vals["value"],
                    width,
                    yerr=np.where(np.isnan(err), 0.0, err),
                    capsize=3,
                    label=idx,
                )
            ax.set_xticks(xs, params, rotation=30, ha="right", fontsize=8)
            ax.axhline(0, color="black", linewidth=0.5)
            ax.set_title(f"{outcome} | {scenario}", fontsize=9)
            if r == 0 and c == 0:
                ax.legend(fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    path = Path(path)
    fmt = path.suffix.lstrip(".").lower() or "png"
    atomic_write(path, lambda p: fig.savefig(p, dpi=120, format=fmt))
    plt.close(fig)
    return path
