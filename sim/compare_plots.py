"""Pictures of a comparison: differences over time with 95% bands, a map of the change in net flows,
and the origin-destination flows that changed most."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.colors as mcolors  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from .atomic import atomic_write  # noqa: E402
from .maps import draw_councils, draw_flows  # noqa: E402

if TYPE_CHECKING:
    from .compare import Comparison

SERIES_TITLES = {
    "perm_fte": "permanent FTE", "vacancy_rate_pct": "vacancy rate, points", "agency_fte": "agency FTE",
    "losses_to_councils": "movers to other councils a month", "caseload": "caseload",
    "total_cost_gbp": "workforce cost, GBP a month",
}


def _save(fig: plt.Figure, path: Path) -> Path:
    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=110, format="png"))
    plt.close(fig)
    return path


def series_figure(comp: Comparison) -> plt.Figure:
    """Scenario minus baseline per month for the focus council and the region, with 95% bands."""
    units = [u for u in (comp.focus, "(region)") if u]
    s = comp.series
    fig, axes = plt.subplots(len(units), len(SERIES_TITLES), figsize=(3.2 * len(SERIES_TITLES), 2.8 * len(units)),
                             squeeze=False, sharex=True)
    for r, unit in enumerate(units):
        for c, (measure, title) in enumerate(SERIES_TITLES.items()):
            ax = axes[r, c]
            d = s[(s.council == unit) & (s.measure == measure) & (s.tick >= 1)]
            x = pd.to_datetime(d.date)
            ax.fill_between(x, d.lo, d.hi, color="C0", alpha=0.25, lw=0)
            ax.plot(x, d["diff"], color="C0", lw=1.2)
            ax.axhline(0, color="grey", lw=0.6)
            if comp.window_start > 1:
                ax.axvline(pd.to_datetime(comp.dates[comp.window_start]), color="C3", lw=0.6, ls="--")
            ax.set_title(f"{unit}: {title}", fontsize=8)
            ax.tick_params(labelsize=7)
            ax.grid(alpha=0.3)
    fig.suptitle(f"{comp.scenario.name} minus {comp.baseline.name}: mean difference and 95% band, "
                 f"{comp.n} paired runs", fontsize=10)
    fig.tight_layout()
    return fig


def map_figure(comp: Comparison) -> plt.Figure:
    """Change in each council's net gain from other councils (a year), with the flows that grew
    (blue) and shrank (red) most."""
    t = comp.table
    net = t[(t.measure == "net_poaching") & (t.council != "(region)")].set_index("council")["diff"]
    codes = comp.codes[: comp.a]
    values = net.reindex(comp.names[: comp.a]).to_numpy(float)
    lim = max(0.5, float(np.nanmax(np.abs(values))))
    fig, ax = plt.subplots(figsize=(8, 6.5))
    draw_councils(ax, codes, values, cmap="RdBu", norm=mcolors.TwoSlopeNorm(0, -lim, lim),
                  label="change in net gain from other councils, movers a year", context=comp.codes[comp.a:],
                  highlight=None)
    f = comp.flows
    index = {name: i for i, name in enumerate(comp.names)}
    for sign, color in ((1, "navy"), (-1, "firebrick")):
        part = f[np.sign(f["diff"]) == sign].reindex(f["diff"].abs().sort_values(ascending=False).index).dropna()
        part = part[part["diff"].abs() > 0].head(15)
        if len(part):
            draw_flows(ax, part.origin.map(index).to_numpy(int), part.destination.map(index).to_numpy(int),
                       part["diff"].abs().to_numpy(float), comp.centroids, comp.codes, color=color, top=15)
    ax.set_title(f"{comp.scenario.name}: change in net flows, {comp.window}\n(lines: flows up in blue, down in "
                 "red, width by size)", fontsize=9)
    fig.tight_layout()
    return fig


def flows_figure(comp: Comparison, top: int = 15) -> plt.Figure:
    """The origin-destination flows that changed most, with 95% intervals."""
    f = comp.flows.reindex(comp.flows["diff"].abs().sort_values(ascending=False).index).head(top)[::-1]
    fig, ax = plt.subplots(figsize=(8, 0.35 * max(len(f), 3) + 1.2))
    y = np.arange(len(f))
    colors = np.where(f["diff"] < 0, "firebrick", "navy")
    ax.barh(y, f["diff"], color=colors, alpha=0.8)
    ax.errorbar(f["diff"], y, xerr=[f["diff"] - f.lo, f.hi - f["diff"]], fmt="none", ecolor="black", lw=0.8)
    ax.set_yticks(y, [f"{o} -> {d}" for o, d in zip(f.origin, f.destination, strict=True)], fontsize=8)
    ax.axvline(0, color="grey", lw=0.6)
    ax.set_xlabel("change in movers a year (scenario minus baseline, 95% interval)")
    ax.set_title(f"{comp.scenario.name}: largest changes in flows between councils", fontsize=9)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return fig


def write_plots(comp: Comparison, out: Path) -> list[Path]:
    """Write differences.png, net_flows_map.png and flow_changes.png into ``out``."""
    return [_save(series_figure(comp), out / "differences.png"), _save(map_figure(comp), out / "net_flows_map.png"),
            _save(flows_figure(comp), out / "flow_changes.png")]
