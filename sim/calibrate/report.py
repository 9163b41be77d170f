"""Writing a calibration's results: the parameter file with provenance, a markdown report and PNG plots."""

from __future__ import annotations

import datetime as dt
import math
import subprocess
from pathlib import Path
from typing import Any

import numpy as np

from ..params import PRIOR_DEFAULTS
from .moments import MOMENTS
from .objective import contributions
from .optimiser import CalibrationResult

REPO = Path(__file__).resolve().parents[2]


def code_version() -> str:
    """``git describe --always --dirty`` of the repository, or "unknown"."""
    try:
        out = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=REPO, capture_output=True,
                             text=True, timeout=10)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        return repr(float(v)) if math.isfinite(v) else "nan"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'


def parameter_file_text(r: CalibrationResult) -> str:
    """The calibrated parameter file: ``[params]`` (the estimates) and ``[provenance]``."""
    spec = r.spec
    years = sorted(y + 1 for y in spec.base_years)
    lines = [
        "# Calibrated defaults of cswsim, written by `sim calibrate`; sim/params.py overlays [params] on the",
        "# priors in SPECS. Do not edit by hand: re-run the calibration (docs/calibration.md).",
        "",
        "[params]",
        *(f"{n} = {_toml_value(round(v, 6))}" for n, v in r.best.items()),
        "",
        "[provenance]",
        f"created = {_toml_value(dt.datetime.now(dt.UTC).strftime('%Y-%m-%dT%H:%M:%SZ'))}",
        f"code_version = {_toml_value(code_version())}",
        f"spec = {_toml_value(spec.source)}",
        f"region = {_toml_value(spec.region)}",
        f"base_years = {_toml_value(spec.base_years)}",
        f"census_years = {_toml_value(years)}",
        f"seeds = {_toml_value(spec.seeds)}",
        f"sampler = {_toml_value(spec.sampler)}",
        f"sampler_seed = {spec.sampler_seed}",
        f"trials = {spec.trials}",
        f"refine_trials = {spec.refine_trials}",
        f"objective = {_toml_value(round(r.best_value, 4))}",
        f"objective_at_priors = {_toml_value(round(r.prior_value, 4))}",
        f"seconds = {_toml_value(round(r.seconds, 1))}",
        f"moments = {_toml_value(list(MOMENTS))}",
        f"fixed = {_toml_value([f'{k}={v}' for k, v in spec.fixed.items()])}",
        "",
        "[provenance.weights]",
        *(f"{k} = {_toml_value(round(w, 5))}" for k, w in r.weights.items()),
        "",
        "[provenance.bounds]",
        *(f"{n} = {_toml_value([lo, hi])}" for n, (lo, hi) in spec.free.items()),
        "",
        "[provenance.priors]",
        *(f"{n} = {_toml_value(PRIOR_DEFAULTS[n])}" for n in r.best),
        "",
    ]
    return "\n".join(lines)


def _fmt(x: float, digits: int = 2) -> str:
    return "–" if not math.isfinite(x) else f"{x:.{digits}f}"


def moment_table(r: CalibrationResult) -> str:
    """Markdown: each moment's weight, and census vs model (calibrated, and at the priors) per year."""
    years = sorted(r.targets)
    head = "| moment | weight | " + " | ".join(f"{y + 1} census | model | priors" for y in years) + " |"
    rule = "|---|---:|" + "---:|---:|---:|" * len(years)
    rows = [head, rule]
    for k in MOMENTS:
        cells = []
        for y in years:
            cells += [_fmt(r.targets[y][k]), _fmt(r.model[y][k]), _fmt(r.prior_model[y][k])]
        rows.append(f"| {k} | {r.weights[k]:.3g} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def parameter_table(r: CalibrationResult) -> str:
    """Markdown: each free parameter's prior, search range and estimate."""
    rows = ["| parameter | prior | range | calibrated |", "|---|---:|---|---:|"]
    for n, (lo, hi) in r.spec.free.items():
        rows.append(f"| {n} | {PRIOR_DEFAULTS[n]:.4g} | [{lo:g}, {hi:g}] | {r.best[n]:.4g} |")
    return "\n".join(rows)


def report_text(r: CalibrationResult, pngs: list[Path]) -> str:
    """The calibration report (markdown)."""
    contrib = contributions(r.model, r.targets, r.weights)
    worst = sorted(contrib.items(), key=lambda kv: -kv[1])[:5]
    return "\n\n".join([
        "# Calibration report",
        f"Region {r.spec.region}; base years {r.spec.base_years} (each run 12 months and compared with the "
        f"census of the next year); seeds {r.spec.seeds}; {r.spec.trials} trials of optuna {r.spec.sampler} "
        f"(seed {r.spec.sampler_seed}) and {r.spec.refine_trials} local trials around the best point, "
        f"with {r.spec.workers} workers; {r.seconds / 60:.1f} minutes "
        f"({r.seconds_per_trial:.2f} s a trial). Code {code_version()}.",
        f"Objective (weighted squared distance, mean over base years): **{r.best_value:.3f}** calibrated, "
        f"{r.prior_value:.3f} at the prior defaults.",
        "Largest remaining contributions: " + ", ".join(f"{k} {v:.2f}" for k, v in worst) + ".",
        "## Parameters", parameter_table(r),
        "## Moments: census vs model", moment_table(r),
        "## Plots", *[f"![{p.stem}]({p.name})" for p in pngs],
    ]) + "\n"


def plot_moments(r: CalibrationResult, path: Path) -> Path:
    """One panel per moment: census, calibrated model and priors over the target years."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    years = sorted(r.targets)
    x = [y + 1 for y in years]
    cols = 5
    rows = math.ceil(len(MOMENTS) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.4 * rows), squeeze=False)
    for ax, k in zip(axes.flat, MOMENTS, strict=False):
        ax.plot(x, [r.targets[y][k] for y in years], "ko-", label="census")
        ax.plot(x, [r.model[y][k] for y in years], "s-", color="tab:blue", label="calibrated")
        ax.plot(x, [r.prior_model[y][k] for y in years], "^--", color="tab:gray", label="priors")
        ax.set_title(k, fontsize=8)
        ax.tick_params(labelsize=7)
        ax.set_xticks(x)
    for ax in list(axes.flat)[len(MOMENTS):]:
        ax.axis("off")
    axes[0, 0].legend(fontsize=7)
    fig.suptitle("Moments: census of Y+1 vs 12-month runs from the census of Y")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_profiles(r: CalibrationResult, path: Path) -> Path:
    """One panel per free parameter: the objective on a grid across its range, others at the optimum."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(r.profiles)
    cols = 4
    rows = max(1, math.ceil(len(names) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(3.4 * cols, 2.5 * rows), squeeze=False)
    for ax, n in zip(axes.flat, names, strict=False):
        xs, ys = zip(*sorted(r.profiles[n]), strict=True)
        ax.plot(xs, ys, "o-", ms=3)
        ax.axvline(r.best[n], color="tab:red", lw=1, label="optimum")
        ax.axvline(PRIOR_DEFAULTS[n], color="tab:gray", lw=1, ls="--", label="prior")
        ax.set_title(n, fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(names):]:
        ax.axis("off")
    if names:
        axes[0, 0].legend(fontsize=7)
    fig.suptitle("Profiles of the objective (one parameter varied, others at the optimum)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_history(r: CalibrationResult, path: Path) -> Path:
    """The objective of each trial and the best so far."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    values = np.array([v for _, _, v in r.history])
    fig, ax = plt.subplots(figsize=(6, 3.2))
    ax.plot(values, ".", ms=3, color="tab:gray", label="trial")
    ax.plot(np.minimum.accumulate(values), "-", color="tab:blue", label="best so far")
    ax.set_yscale("log")
    ax.set_xlabel("trial")
    ax.set_ylabel("objective")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_calibration(r: CalibrationResult, out: Path, install: Path | None = None) -> list[Path]:
    """Write the parameter file, the report and its plots to ``out`` (and the file to ``install``)."""
    out.mkdir(parents=True, exist_ok=True)
    text = parameter_file_text(r)
    paths = [out / "calibrated_params.toml"]
    paths[0].write_text(text)
    if install is not None:
        install.write_text(text)
        paths.append(install)
    pngs = [plot_moments(r, out / "moments.png"), plot_history(r, out / "history.png")]
    if r.profiles:
        pngs.append(plot_profiles(r, out / "profiles.png"))
    report = out / "report.md"
    report.write_text(report_text(r, pngs))
    return [*paths, report, *pngs]


__all__ = ["code_version", "moment_table", "parameter_file_text", "parameter_table", "report_text",
           "write_calibration"]
