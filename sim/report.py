"""What ``sim run`` shows and writes: a headline table, tidy Parquet tables and a PNG summary."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from .atomic import atomic_write  # noqa: E402,F401  (the one writer; re-exported here)
from .maps import council_centroids, draw_councils, draw_flows  # noqa: E402
from .model import WorkforceModel  # noqa: E402
from .tables import file_form  # noqa: E402

CENSUS_TARGETS = {  # MODEL.md s7, national 2017-2024
    "turnover_pct": "13.4-17.2", "leavers_to_council_pct": "23-28", "leavers_to_agency_pct": "12-20",
    "leavers_out_pct": "55-61", "council_moves_pct": "3.7-4.3", "agency_rate_pct": "15.4-17.9",
    "vacancy_rate_pct": "16.1-20.0", "caseload": "15.4-17.7", "agency_vacancy_corr": "~0.9",
}


def headline(model: WorkforceModel, top: int = 5) -> str:
    """A plain-text table: the region's figures over the last year, and the councils that gained
    and lost most by poaching."""
    res = model.results
    s = res.summary()
    cm = res.council_months
    lines = [f"{model.region.description} ({model.region.name}), {model.date(0)} to {model.date()}, "
             f"seed {model.seed}", "", f"{'last 12 months':32} {'model':>10}  census 2017-2024"]
    for k, target in CENSUS_TARGETS.items():
        lines.append(f"{k:32} {s[k]:>10.2f}  {target}")
    lines.append(f"{'permanent FTE':32} {s['perm_fte']:>10.0f}")
    lines.append(f"{'agency FTE':32} {s['agency_fte']:>10.0f}")
    lines.append(f"{'agency spend, GBP m a year':32} {s['agency_spend_gbp_per_year'] / 1e6:>10.1f}")
    lines.append(f"{'workforce cost, GBP m a year':32} {s['total_cost_gbp_per_year'] / 1e6:>10.1f}")
    last = cm[cm.tick > cm.tick.max() - 12]
    per = last.groupby("council").agg(net_poaching=("net_poaching", "sum"),
                                      leavers=("leavers_fte", "sum"))
    final = cm[cm.tick == cm.tick.max()].set_index("council")
    per["agency_rate_pct"] = final.agency_rate_pct
    per["turnover_pct"] = 100 * per.leavers / final.perm_fte.clip(lower=1e-9)
    per = per.sort_values("net_poaching")
    fmt = "{:34} {:>12.0f} {:>10.1f} {:>10.1f}"
    gains = per[per.net_poaching > 0].iloc[::-1][:top]
    losses = per[per.net_poaching < 0][:top]
    for title, rows in (("largest net poaching gains", gains), ("largest net poaching losses", losses)):
        lines += ["", f"{title:34} {'net movers':>12} {'agency %':>10} {'turnover %':>10}"]
        lines += [fmt.format(name[:34], r.net_poaching, r.agency_rate_pct, r.turnover_pct)
                  for name, r in rows.iterrows()]
    return "\n".join(lines)


def write_tables(model: WorkforceModel, out: Path) -> list[Path]:
    """Write council_months.parquet, flows.parquet and region.parquet atomically, in their file form
    (real dates, whole-number counts: :func:`sim.tables.file_form`)."""
    res = model.results
    paths = []
    for name, df in (("council_months", res.council_months), ("flows", res.flows), ("region", res.region)):
        path = out / f"{name}.parquet"
        table = file_form(df)
        atomic_write(path, lambda tmp, table=table: table.to_parquet(tmp, index=False))
        paths.append(path)
    return paths


def summary_figure(model: WorkforceModel) -> plt.Figure:
    """Time series of the region's rates and a map of net poaching with the largest flows."""
    res = model.results
    reg, cm, flows = res.region, res.council_months, res.flows
    fig = plt.figure(figsize=(13, 6.5))
    grid = fig.add_gridspec(3, 2, width_ratios=[1.1, 1])
    first = None
    for i, (col, title) in enumerate((("vacancy_rate_pct", "vacancy rate %"), ("agency_rate_pct", "agency rate %"),
                                      ("turnover_12m_pct", "turnover, last 12 months %"))):
        ax = fig.add_subplot(grid[i, 0], sharex=first)  # one time axis for all three
        first = first or ax
        ax.plot(pd.to_datetime(reg.date), reg[col], color="C0")
        ax.set_ylabel(title)
        ax.grid(alpha=0.3)
    ax = fig.add_subplot(grid[:, 1])
    net = cm.groupby("code", sort=False)["net_poaching"].sum()
    codes = [a.code for a in model.council_agents[: model.councils.n_active]]
    lim = max(1.0, float(np.abs(net.to_numpy()).max()))
    import matplotlib.colors as mcolors
    draw_councils(ax, codes, net.loc[codes].to_numpy(), cmap="RdBu",
                  norm=mcolors.TwoSlopeNorm(0, -lim, lim), label="net movers from other councils",
                  context=[a.code for a in model.council_agents[model.councils.n_active:]])
    inside = flows[flows.destination_in_region]
    pair = inside.groupby(["origin_code", "destination_code"], as_index=False).movers.sum()
    index = {c: i for i, c in enumerate(codes)}
    draw_flows(ax, pair.origin_code.map(index).to_numpy(), pair.destination_code.map(index).to_numpy(),
               pair.movers.to_numpy(), council_centroids(), codes, top=40)
    ax.set_title(f"net poaching {model.date(1)} to {model.date()} (lines: largest flows)")
    fig.suptitle(f"{model.region.description}: simulated workforce, seed {model.seed}")
    fig.tight_layout()
    return fig


def write_summary_png(model: WorkforceModel, path: Path) -> Path:
    fig = summary_figure(model)
    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=110, format="png"))
    plt.close(fig)
    return path
