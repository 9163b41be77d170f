"""Writing validation results: CSV tables, a markdown summary and scatter plots per measure."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from .moments import MEASURES
from .validate import FORECASTS, Validation, summary_table

LABELS = {"turnover_pct": "turnover %", "agency_rate_pct": "agency rate %", "vacancy_rate_pct": "vacancy rate %",
          "caseload": "caseload", "council_moves_pct": "council moves %",
          "leavers_to_council_pct": "leavers to councils %", "leavers_to_agency_pct": "leavers to agency %",
          "leavers_out_pct": "leavers out %"}


def _f(x: float, d: int = 2) -> str:
    return "–" if not math.isfinite(x) else f"{x:.{d}f}"


def national_markdown(v: Validation) -> str:
    """Markdown: national figures, census Y and Y+1, model mean (sd over seeds) and error."""
    y = v.base_year
    rows = [f"| measure | census {y} | census {y + 1} | model | model − census |", "|---|---:|---:|---:|---:|"]
    for k, r in v.national.iterrows():
        sd = f" (± {_f(r.model_sd)})" if math.isfinite(r.model_sd) else ""
        rows.append(f"| {LABELS.get(k, k)} | {_f(r[f'census_{y}'])} | {_f(r[f'census_{y + 1}'])} | "
                    f"{_f(r.model)}{sd} | {_f(r.error):>5} |")
    return "\n".join(rows)


def scores_markdown(results: list[Validation]) -> str:
    """Markdown: per base year and measure, MAE / Spearman / direction share for each forecast."""
    head = "| base → target | measure | " + " | ".join(
        f"{f} MAE | ρ | dir" for f in FORECASTS) + " |"
    rows = [head, "|---|---|" + "---:|---:|---:|" * len(FORECASTS)]
    for v in results:
        for m in MEASURES:
            cells = []
            for f in FORECASTS:
                s = v.scores.loc[(m, f)]
                cells += [_f(s.mae), _f(s.spearman), _f(s.direction)]
            rows.append(f"| {v.base_year} → {v.base_year + 1} | {LABELS[m]} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def plot_scatter(v: Validation, path: Path) -> Path:
    """Two rows of panels per measure: model forecast vs census of Y+1 per council (levels), and the
    model's change over the year vs the census change."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    y = v.base_year
    t = v.councils
    fig, axes = plt.subplots(2, len(MEASURES), figsize=(3.6 * len(MEASURES), 7))
    for j, m in enumerate(MEASURES):
        start, actual, model = t[f"{m}_census_{y}"], t[f"{m}_census_{y + 1}"], t[f"{m}_model"]
        for i, (a, b, title) in enumerate(((model, actual, "level"), (model - start, actual - start, "change"))):
            ax = axes[i, j]
            ax.scatter(a, b, s=8, alpha=0.6)
            lo, hi = pd.concat([a, b]).min(), pd.concat([a, b]).max()
            ax.plot([lo, hi], [lo, hi], color="tab:gray", lw=1)
            if title == "change":
                ax.axhline(0, color="tab:gray", lw=0.5)
                ax.axvline(0, color="tab:gray", lw=0.5)
            s = v.scores.loc[(m, "model")]
            ax.set_title(f"{LABELS[m]} ({title})\nMAE {s.mae:.2f}, ρ {s.spearman:.2f}, dir {s.direction:.2f}",
                         fontsize=8)
            ax.set_xlabel(f"model {title}", fontsize=8)
            ax.set_ylabel(f"census {y + 1} {title}", fontsize=8)
            ax.tick_params(labelsize=7)
    fig.suptitle(f"{v.region}: 12 months from the census of {y} vs the census of {y + 1}, per council")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_validation(results: list[Validation], out: Path) -> list[Path]:
    """Write per-council tables, the score table (CSV and markdown) and scatter plots to ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for v in results:
        p = out / f"councils_{v.base_year}_{v.base_year + 1}.csv"
        v.councils.round(4).to_csv(p)
        paths.append(p)
        paths.append(plot_scatter(v, out / f"scatter_{v.base_year}_{v.base_year + 1}.png"))
    summary = summary_table(results)
    p = out / "scores.csv"
    summary.round(4).to_csv(p, index=False)
    paths.append(p)
    md = ["# Validation", f"Region {results[0].region}; seeds {results[0].seeds}; each base year's census run "
          "12 months and compared with the next census, council by council. Forecasts: model, no change, "
          "reversion to the national figure (share λ estimated on earlier census years).", ""]
    for v in results:
        md += [f"## {v.base_year} → {v.base_year + 1}: national", national_markdown(v), "",
               "λ (mean reversion): " + ", ".join(f"{LABELS[k]} {x:.2f}" for k, x in v.mean_reversion_lambda.items()),
               ""]
    md += ["## Council-level scores (MAE, Spearman ρ of levels, share of councils with the direction of change "
           "right: down / flat within ±0.5 / up)", scores_markdown(results), ""]
    md += [f"![scatter {v.base_year}](scatter_{v.base_year}_{v.base_year + 1}.png)" for v in results]
    p = out / "validation.md"
    p.write_text("\n".join(md) + "\n")
    paths.append(p)
    return paths


__all__ = ["national_markdown", "plot_scatter", "scores_markdown", "write_validation"]
