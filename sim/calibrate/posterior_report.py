"""Writing a posterior calibration: the posterior (Parquet with provenance), the point parameter file, the
screening and generation tables, a Markdown report, and plots of the marginals and pairs."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from ..atomic import atomic_write, write_text
from ..params import PRIOR_DEFAULTS
from ..posterior import Posterior
from .abc import AbcResult
from .report import _toml_value

PAIRS_MAX = 6  # the pairs plot shows the parameters the data constrain most


def point_file_text(p: Posterior, free_names: list[str]) -> str:
    """``calibrated_params.toml``: the posterior mean of the estimated parameters and the screened-out
    values, with the posterior's provenance (the one parameter set for code that needs one)."""
    prov = p.provenance
    point = {**{n: v for n, v in p.fixed.items() if n in free_names}, **p.mean()}
    lines = [
        "# Calibrated defaults of cswsim, written by `sim calibrate`: the posterior mean of each estimated",
        "# parameter (sim/calibrated_posterior.parquet holds the draws) and the values fixed by screening.",
        "# sim/params.py overlays [params] on the priors in SPECS. Do not edit by hand (docs/calibration.md).",
        "",
        "[params]",
        *(f"{n} = {_toml_value(round(point[n], 6))}" for n in free_names if n in point),
        "",
        "[provenance]",
        *(f"{k} = {_toml_value(prov[k])}" for k in ("created", "code_version", "spec", "region", "base_years",
                                                    "census_years", "population_size", "simulations",
                                                    "final_epsilon", "abc_seed", "sampler", "seconds") if k in prov),
        f"point = {_toml_value('posterior mean (ABC-SMC); see calibrated_posterior.parquet')}",
        f"estimated = {_toml_value(p.names)}",
        f"fixed_by_screening = {_toml_value([f'{k}={v:.6g}' for k, v in prov.get('fixed_by_screening', {}).items()])}",
        f"fixed = {_toml_value([f'{k}={v}' for k, v in prov.get('fixed_by_spec', {}).items()])}",
        "",
        "[provenance.bounds]",
        *(f"{n} = {_toml_value(b)}" for n, b in prov.get("bounds", {}).items()),
        "",
        "[provenance.priors]",
        *(f"{n} = {_toml_value(PRIOR_DEFAULTS[n])}" for n in prov.get("bounds", {})),
        "",
    ]
    return "\n".join(lines)


def _shrinkage(p: Posterior) -> dict[str, float]:
    """Posterior sd over the sd of the uniform prior (1 = the data taught nothing)."""
    bounds, sd = p.provenance.get("bounds", {}), p.sd()
    return {n: sd[n] / ((bounds[n][1] - bounds[n][0]) / math.sqrt(12)) if n in bounds else float("nan")
            for n in p.names}


def plot_marginals(p: Posterior, path: Path) -> Path:
    """One weighted histogram per estimated parameter across its prior range, the mean marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(p.names)
    cols = min(4, n)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.3 * cols, 2.5 * rows), squeeze=False)
    bounds, mean, shrink = p.provenance.get("bounds", {}), p.mean(), _shrinkage(p)
    for ax, name in zip(axes.ravel(), p.names, strict=False):
        lo, hi = bounds.get(name, (p.draws[name].min(), p.draws[name].max()))
        ax.hist(p.draws[name], bins=20, range=(lo, hi), weights=p.weights, color="tab:blue", alpha=0.7)
        ax.axvline(mean[name], color="black", lw=1)
        ax.set_xlim(lo, hi)
        ax.set_title(f"{name}\nsd / prior sd {shrink[name]:.2f}", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.set_yticks([])
    for ax in axes.ravel()[n:]:
        ax.axis("off")
    fig.suptitle("Posterior marginals (x axis: the prior's range; line: posterior mean)", fontsize=10)
    fig.tight_layout()
    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=100, format="png"))
    plt.close(fig)
    return path


def plot_pairs(p: Posterior, path: Path) -> Path:
    """Pairs of the parameters the data constrain most (smallest sd / prior sd), points sized by weight."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shrink = _shrinkage(p)
    names = sorted(p.names, key=lambda n: shrink[n])[:PAIRS_MAX]
    k = len(names)
    fig, axes = plt.subplots(k, k, figsize=(2.2 * k, 2.2 * k), squeeze=False)
    bounds = p.provenance.get("bounds", {})
    size = 4 + 200 * p.weights / p.weights.max() / max(1, len(p.weights) / 50)
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            ax = axes[i, j]
            if i == j:
                ax.hist(p.draws[a], bins=20, weights=p.weights, color="tab:blue", alpha=0.7)
            else:
                ax.scatter(p.draws[b], p.draws[a], s=size, alpha=0.4, color="tab:blue", linewidths=0)
                if a in bounds:
                    ax.set_ylim(*bounds[a])
            if b in bounds:
                ax.set_xlim(*bounds[b])
            ax.tick_params(labelsize=6)
            if i == k - 1:
                ax.set_xlabel(b, fontsize=7)
            if j == 0:
                ax.set_ylabel(a, fontsize=7)
    fig.suptitle("Posterior pairs (the most constrained parameters; axes: prior ranges)", fontsize=10)
    fig.tight_layout()
    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=90, format="png"))
    plt.close(fig)
    return path


def report_text(r: AbcResult, check: pd.DataFrame | None) -> str:
    """The Markdown report: budget, generations, screening, the posterior summary and the moment check."""
    from .screening import screening_markdown

    p, prov = r.posterior, r.posterior.provenance
    shrink = _shrinkage(p)
    s = p.summary()
    rows = ["| parameter | mean | sd | 5% | 95% | prior range | sd / prior sd |", "|---|---:|---:|---:|---:|---|---:|"]
    for n, x in s.iterrows():
        rows.append(f"| {n} | {x['mean']:.4g} | {x.sd:.3g} | {x.q05:.4g} | {x.q95:.4g} | [{x.lo:g}, {x.hi:g}] | "
                    f"{shrink[n]:.2f} |")
    gens = ["| generation | epsilon | simulated | acceptance |", "|---:|---:|---:|---:|"]
    gens += [f"| {g.t} | {g.epsilon:.4g} | {g.samples} | {g.acceptance_rate:.3f} |" for g in r.generations.itertuples()]
    parts = [
        "# Posterior calibration",
        f"Region {prov.get('region')}; base years {prov.get('base_years')} (targets: the census of "
        f"{prov.get('census_years')}); {prov.get('sampler')}; {r.seconds / 60:.1f} minutes in all; "
        f"{prov.get('simulations')} particles simulated (each one 12-month run per base year); population "
        f"{prov.get('population_size')}; effective sample size {p.ess():.0f}. Code {prov.get('code_version')}.",
        "## Screening", screening_markdown(r.screening) if r.screening is not None else "No screening.",
        "## ABC-SMC generations", "\n".join(gens),
        "## Posterior", "\n".join(rows),
    ]
    if check is not None and len(check):
        piv = check.pivot(index="moment", columns="base_year", values="miss_sd").round(2)
        parts += ["## Census vs model at the posterior mean (miss in census sds)", piv.to_markdown()
                  if _has_tabulate() else piv.to_string()]
    parts += ["## Plots", "![marginals](marginals.png)", "![pairs](pairs.png)"]
    return "\n\n".join(parts) + "\n"


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return False
    return True


def write_posterior(r: AbcResult, out: Path, free_names: list[str], install: tuple[Path, Path | None] | None = None,
                    check: pd.DataFrame | None = None) -> list[Path]:
    """Write the posterior, the point file, tables, report and plots to ``out``; with ``install`` (posterior
    path, point path) also install them as the package defaults. Every file is written atomically."""
    out.mkdir(parents=True, exist_ok=True)
    p = r.posterior
    point = point_file_text(p, free_names)
    paths = [p.save(out / "posterior.parquet"), write_text(out / "calibrated_params.toml", point)]
    tables = {"generations": r.generations, "posterior_summary": p.summary().reset_index()}
    if r.screening is not None:
        tables["screening"] = r.screening.table.reset_index()
    if check is not None:
        tables["posterior_check"] = check
    for name, df in tables.items():
        paths.append(write_text(out / f"{name}.csv", df.to_csv(index=False)))
    paths += [plot_marginals(p, out / "marginals.png"), plot_pairs(p, out / "pairs.png")]
    paths.append(write_text(out / "report.md", report_text(r, check)))
    if install is not None:
        paths.append(p.save(install[0]))
        if install[1] is not None:
            paths.append(write_text(install[1], point))
    return paths


def draws_frame(p: Posterior) -> pd.DataFrame:
    """The draws with their weights (for notebooks)."""
    return p.draws.assign(weight=np.asarray(p.weights))


__all__ = ["plot_marginals", "plot_pairs", "point_file_text", "report_text", "write_posterior"]
