"""Figures and tables for the browser view (``sim app``), computed from a model's current state.

Everything here is plain numpy and matplotlib (``Figure``, never pyplot), so it can be tested and
timed without a browser. :mod:`sim.app` wraps these in Solara components.

Measures shown on the map (``MEASURES``): vacancy rate, agency rate, turnover over the last 12
months, net poaching over the last 12 months, caseload, pay and the Ofsted grade.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.colors as mcolors  # noqa: E402
import matplotlib.dates as mdates  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from .data import GRADES  # noqa: E402
from .maps import council_centroids, council_rings, draw_councils, draw_flows  # noqa: E402
from .record import LEAVER_DESTINATIONS  # noqa: E402

if TYPE_CHECKING:
    from .model import WorkforceModel

GRADE_COLOURS = ("#1a9850", "#91cf60", "#fdae61", "#d73027")  # Outstanding .. Inadequate
FLOW_MONTHS = 3  # the map draws the moves of this many recent months


# --------------------------------------------------------------------------- series per council


def _rows(m: WorkforceModel) -> int:
    return m.recorder.rows


def _rate(num: np.ndarray, other: np.ndarray) -> np.ndarray:
    """100 * num / (num + other), 0 where both are 0 (works on any shape)."""
    den = num + other
    return 100 * np.divide(num, den, out=np.zeros_like(den, dtype=float), where=den > 0)


def vacancy_series(m: WorkforceModel) -> np.ndarray:
    s = m.recorder.stock
    r = _rows(m)
    return _rate(s["vacancy_fte"][:r], s["perm_fte"][:r])


def agency_series(m: WorkforceModel) -> np.ndarray:
    s = m.recorder.stock
    r = _rows(m)
    return _rate(s["agency_fte"][:r], s["perm_fte"][:r])


def leavers_series(m: WorkforceModel) -> np.ndarray:
    """Permanent leavers (FTE) per month and council."""
    r = _rows(m)
    return sum(m.recorder.flow_fte[f"leavers_{d}"][:r] for d in LEAVER_DESTINATIONS)


def turnover_series(m: WorkforceModel) -> np.ndarray:
    """Leavers over the last 12 months / FTE in post, %, per month and council.

    Months before the run are filled with the census turnover rate (as the engine does), so the
    line starts at the census value instead of being empty for a year.
    """
    r = _rows(m)
    perm = m.recorder.stock["perm_fte"][:r]
    leavers = leavers_series(m)
    leavers[0] = 0.0  # tick 0 is the starting state, not a month of flows
    cum = np.cumsum(leavers, axis=0)
    months = np.arange(r)
    k = np.minimum(12, months)[:, None]
    window = cum - np.where(months[:, None] >= 12, cum[np.maximum(months - 12, 0)], 0.0)
    prior = m.turnover_prior[: m.councils.n_active]
    prior = prior[None, :] * perm * (12 - k) / 12
    return 100 * (window + prior) / np.maximum(perm, 1e-9)


def net_poaching_series(m: WorkforceModel) -> np.ndarray:
    """Movers gained from other councils minus movers lost to them, summed over the last 12 months."""
    r = _rows(m)
    f = m.recorder.flow
    net = f["starters_council"][:r] - f["leavers_council"][:r] - f["leavers_outside_region"][:r]
    cum = np.cumsum(net, axis=0)
    months = np.arange(r)
    return cum - np.where(months[:, None] >= 12, cum[np.maximum(months - 12, 0)], 0.0)


def _stock(name: str) -> Callable[[WorkforceModel], np.ndarray]:
    return lambda m: m.recorder.stock[name][: _rows(m)].copy()


@dataclass(frozen=True)
class Measure:
    """One way of colouring the map: its label, a (months, councils) series, and its colours."""

    label: str
    series: Callable[[WorkforceModel], np.ndarray]
    cmap: str
    vmin: float | None = None  # None: from the data
    vmax: float | None = None
    diverging: bool = False  # centred on 0
    fmt: str = "{:.1f}"


MEASURES: dict[str, Measure] = {
    "vacancy rate %": Measure("vacancy rate %", vacancy_series, "YlOrRd", 0, 40),
    "agency rate %": Measure("agency rate %", agency_series, "PuRd", 0, 40),
    "turnover, last 12 months %": Measure("turnover, last 12 months %", turnover_series, "OrRd", 0, 35),
    "net poaching, last 12 months": Measure("net poaching, last 12 months (movers)", net_poaching_series, "RdBu",
                                            diverging=True, fmt="{:+.0f}"),
    "caseload": Measure("cases per case-holder", _stock("caseload"), "YlGnBu", 8, 30),
    "pay": Measure("qualified pay, GBP a year", _stock("pay_gbp"), "viridis", fmt="£{:,.0f}"),
    "Ofsted grade": Measure("Ofsted grade", _stock("grade"), "grade", fmt="{:.0f}"),
}


def current_values(m: WorkforceModel, measure: str) -> np.ndarray:
    """This month's value of ``measure`` for every simulated council."""
    return MEASURES[measure].series(m)[-1]


# --------------------------------------------------------------------------- the map




def recent_moves(m: WorkforceModel, months: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Origins, destinations (indices into ``m.council_agents``) and movers summed over the last
    ``months`` recorded months."""
    parts = [od for od in m.recorder.od[-months:] if len(od)] if months > 0 else []
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    od = np.concatenate(parts)
    n = m.councils.n
    key = od[:, 0].astype(np.int64) * n + od[:, 1].astype(np.int64)
    uniq, inv = np.unique(key, return_inverse=True)
    return uniq // n, uniq % n, np.bincount(inv, weights=od[:, 2])


def map_figure(m: WorkforceModel, measure: str, focus: int | None = None, flow_months: int = FLOW_MONTHS,
               size: tuple[float, float] = (6.4, 7.0)) -> Figure:
    """The region's councils coloured by ``measure``, this month, with the moves of the last
    ``flow_months`` months as lines (width by movers) and the ``focus`` council outlined in red."""
    spec = MEASURES[measure]
    a = m.councils.n_active
    agents = m.council_agents
    codes = [x.code for x in agents[:a]]
    values = current_values(m, measure)
    fig = Figure(figsize=size, dpi=90)  # fixed axes: a layout engine would double the drawing time
    ax = fig.add_axes((0.01, 0.05, 0.82, 0.87))
    if spec.cmap == "grade":
        cmap = mcolors.ListedColormap(GRADE_COLOURS)
        norm = mcolors.BoundaryNorm(np.arange(-0.5, len(GRADES)), cmap.N)
    elif spec.diverging:
        lim = max(1.0, float(np.abs(values).max()) if values.size else 1.0)
        cmap, norm = spec.cmap, mcolors.TwoSlopeNorm(0.0, -lim, lim)
    else:
        lo = spec.vmin if spec.vmin is not None else float(values.min())
        hi = spec.vmax if spec.vmax is not None else float(values.max())
        cmap, norm = spec.cmap, mcolors.Normalize(lo, max(hi, lo + 1e-9))
    highlight = codes[focus] if focus is not None and 0 <= focus < a else None
    coll = draw_councils(ax, codes, values, cmap=cmap, norm=norm, context=[x.code for x in agents[a:]])
    if highlight:  # black under cyan shows on every colour scale
        rings = council_rings()[highlight]
        ax.add_collection(PolyCollection(rings, facecolor="none", edgecolor="black", linewidth=3.2, zorder=4))
        ax.add_collection(PolyCollection(rings, facecolor="none", edgecolor="#00e5ff", linewidth=1.6, zorder=5))
    if spec.cmap == "grade":
        fig.legend(handles=[Patch(color=col, label=g) for col, g in zip(GRADE_COLOURS, GRADES, strict=True)],
                   loc="lower center", ncol=4, fontsize=8, frameon=False)
    else:
        fig.colorbar(coll, cax=fig.add_axes((0.86, 0.2, 0.035, 0.6)), label=spec.label)
    origin, dest, movers = recent_moves(m, flow_months)
    if movers.size:
        draw_flows(ax, origin, dest, movers, council_centroids(), [x.code for x in agents], max_width=3.5,
                   color="#222222", top=60)
    ax.set_title(f"{spec.label}, {m.date()}\nlines: moves between councils in the last {flow_months} months "
                 "(width = movers)", fontsize=10)
    return fig


# --------------------------------------------------------------------------- charts


def month_axis(m: WorkforceModel) -> np.ndarray:
    """The calendar month of every recorded tick (tick 0 = September of the base year)."""
    start = np.datetime64(f"{m.base_year}-09", "M")
    return start + np.arange(_rows(m)).astype("timedelta64[M]")


def region_rates(m: WorkforceModel) -> dict[str, np.ndarray]:
    """The region's vacancy, agency and 12-month turnover rates (%) per month."""
    s, r = m.recorder.stock, _rows(m)
    perm = s["perm_fte"][:r].sum(axis=1)
    vac = s["vacancy_fte"][:r].sum(axis=1)
    agency = s["agency_fte"][:r].sum(axis=1)
    turnover = (turnover_series(m) * s["perm_fte"][:r]).sum(axis=1) / np.maximum(perm, 1e-9)
    return {"vacancy rate %": _rate(vac, perm), "agency rate %": _rate(agency, perm), "turnover, 12 months %": turnover}


def _chart(size: tuple[float, float], left: float = 0.11, right: float = 0.97) -> tuple[Figure, Axes]:
    fig = Figure(figsize=size, dpi=90)  # fixed margins: a layout engine would double the drawing time
    fig.subplots_adjust(left=left, right=right, bottom=0.13, top=0.9)
    return fig, fig.subplots()


def _time_axes(ax: Axes, x: np.ndarray) -> None:
    """Month axis with at most about six labels, e.g. 'Oct 2024'."""
    ax.grid(alpha=0.3)
    if len(x) < 2:
        ax.set_xlim(x[0] - np.timedelta64(1, "M"), x[0] + np.timedelta64(1, "M"))
    loc = mdates.AutoDateLocator(minticks=3, maxticks=6)
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc))
    ax.tick_params(labelsize=8)


def region_figure(m: WorkforceModel, size: tuple[float, float] = (6.0, 3.2)) -> Figure:
    """Line chart of the region's vacancy, agency and turnover rates over the run so far."""
    fig, ax = _chart(size)
    x = month_axis(m)
    for (name, y), colour in zip(region_rates(m).items(), ("C3", "C4", "C1"), strict=True):
        ax.plot(x, y, color=colour, label=name, marker="." if len(x) < 3 else None)
    ax.set_ylabel("%")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8, loc="lower left")
    ax.set_title(f"{m.region.description}: rates over time", fontsize=9)
    _time_axes(ax, x)
    return fig


def neighbours_of(m: WorkforceModel, index: int) -> list[int]:
    """Simulated councils that share a boundary with council ``index``."""
    a = m.councils.n_active
    pos = {x.code: x.index for x in m.council_agents[:a]}
    code = m.council_agents[index].code
    return sorted(pos[n] for n in m.graph.neighbors(code) if n in pos)


def neighbour_figure(m: WorkforceModel, index: int, measure: str, size: tuple[float, float] = (6.0, 3.2)) -> Figure:
    """``measure`` over time for council ``index`` (thick red) and its simulated neighbours (thin)."""
    spec = MEASURES[measure]
    series = spec.series(m)
    x = month_axis(m)
    fig, ax = _chart(size, left=0.25 if spec.cmap == "grade" else 0.11, right=0.7)
    others = neighbours_of(m, index)
    for j, k in enumerate(others):
        ax.plot(x, series[:, k], lw=1, color=f"C{j % 10}", alpha=0.8, label=m.council_agents[k].name)
    ax.plot(x, series[:, index], lw=2.6, color="red", label=m.council_agents[index].name,
            marker="." if len(x) < 3 else None)
    if spec.cmap == "grade":
        ax.set_yticks(range(len(GRADES)), GRADES, fontsize=7)
        ax.invert_yaxis()
    ax.set_ylabel(spec.label, fontsize=8)
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    ax.set_title(f"{m.council_agents[index].name} and its neighbours: {spec.label}", fontsize=9)
    _time_axes(ax, x)
    return fig


# --------------------------------------------------------------------------- tables


def top_flows(m: WorkforceModel, months: int = 12, n: int = 10) -> list[tuple[str, str, int]]:
    """The ``n`` largest council-to-council flows of the last ``months`` months: (from, to, movers).

    A destination outside the region is marked "(outside the region)".
    """
    origin, dest, movers = recent_moves(m, months)
    order = np.argsort(-movers, kind="stable")[:n]
    a = m.councils.n_active
    names = [x.name for x in m.council_agents]
    return [(names[origin[i]], names[dest[i]] + ("" if dest[i] < a else " (outside the region)"), int(movers[i]))
            for i in order if movers[i] > 0]


def html_table(header: list[str], rows: list[list[str]], css_class: str) -> str:
    """A small HTML table (escaped), styled inline so it needs no stylesheet."""
    cell = "padding:2px 8px;border-bottom:1px solid #ddd;"
    head = "".join(f'<th style="{cell}text-align:left">{html.escape(h)}</th>' for h in header)
    body = "".join(
        "<tr>" + "".join(f'<td style="{cell}">{html.escape(str(v))}</td>' for v in row) + "</tr>" for row in rows
    )
    return f'<table class="{css_class}" style="border-collapse:collapse;font-size:13px">' \
           f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def council_facts(m: WorkforceModel, index: int) -> list[tuple[str, str]]:
    """This month's figures for one council, as (label, formatted value) pairs."""
    c = m.councils
    agent = m.council_agents[index]
    facts = [("council", f"{agent.name} ({agent.region})"), ("Ofsted grade", agent.grade_name)]
    for key in ("pay", "vacancy rate %", "agency rate %", "turnover, last 12 months %", "caseload",
                "net poaching, last 12 months"):
        spec = MEASURES[key]
        facts.append((key, spec.fmt.format(spec.series(m)[-1, index])))
    facts += [("permanent FTE", f"{c.perm_fte[index]:.1f}"), ("agency FTE", f"{c.agency_fte[index]:.1f}"),
              ("vacancies FTE", f"{c.vacancy_fte[index]:.1f}")]
    extras = []
    if c.golden_hello_gbp[index] > 0:
        extras.append(f"golden hello £{c.golden_hello_gbp[index]:,.0f}")
    if c.retention_gbp[index] > 0:
        extras.append(f"retention payment £{c.retention_gbp[index]:,.0f}")
    if np.isfinite(c.agency_cap_fte[index]):
        extras.append(f"agency cap {c.agency_cap_fte[index]:.1f} FTE")
    if np.isfinite(c.agency_cap_share[index]):
        share = c.agency_cap_share[index] / (1 + c.agency_cap_share[index])
        extras.append(f"agency cap {100 * share:.0f}% of the workforce")
    facts.append(("incentives and caps", ", ".join(extras) or "none"))
    return facts
