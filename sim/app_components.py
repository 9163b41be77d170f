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
import numpy as np  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from .data import GRADES  # noqa: E402
from .record import LEAVER_DESTINATIONS  # noqa: E402

if TYPE_CHECKING:
    from .model import WorkforceModel

GRADE_COLOURS = ("#1a9850", "#91cf60", "#fdae61", "#d73027")  # Outstanding .. Inadequate
FLOW_MONTHS = 3  # the map draws the moves of this many recent months
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


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


# --------------------------------------------------------------------------- the two arms

ARMS = ("policy", "baseline", "difference")  # what the map and the facts can show


def arm_series(m: WorkforceModel, measure: str, arm: str = "policy") -> np.ndarray:
    """(months, councils) series of ``measure`` for one arm of an app model, or their difference
    (policy minus baseline). A plain model (no ``baseline``) is its own baseline."""
    series = MEASURES[measure].series
    base = getattr(m, "baseline", m)
    if arm == "policy":
        return series(m)
    if arm == "baseline":
        return series(base)
    if arm == "difference":
        return series(m) - series(base)
    raise ValueError(f"unknown arm {arm!r}: allowed {', '.join(ARMS)}")


def recent_moves(m: WorkforceModel, months: int, tick: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Origins, destinations (indices into ``m.council_agents``) and movers summed over the
    ``months`` recorded months up to ``tick`` (default: the latest)."""
    end = len(m.recorder.od) if tick is None else min(tick + 1, len(m.recorder.od))
    parts = [od for od in m.recorder.od[max(0, end - months):end] if len(od)] if months > 0 else []
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    od = np.concatenate(parts)
    n = m.councils.n
    key = od[:, 0].astype(np.int64) * n + od[:, 1].astype(np.int64)
    uniq, inv = np.unique(key, return_inverse=True)
    return uniq // n, uniq % n, np.bincount(inv, weights=od[:, 2])


def arm_moves(m: WorkforceModel, months: int, arm: str = "policy", tick: int | None = None
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`recent_moves` of one arm, or the change in each flow (policy minus baseline)."""
    base = getattr(m, "baseline", m)
    if arm != "difference":
        return recent_moves(m if arm == "policy" else base, months, tick)
    n = m.councils.n
    o1, d1, v1 = recent_moves(m, months, tick)
    o0, d0, v0 = recent_moves(base, months, tick)
    key = np.concatenate([o1 * n + d1, o0 * n + d0])
    uniq, inv = np.unique(key, return_inverse=True)
    delta = np.bincount(inv, weights=np.concatenate([v1, -v0]), minlength=len(uniq))
    keep = delta != 0
    return uniq[keep] // n, uniq[keep] % n, delta[keep]


def colour_scale(measure: str, values: np.ndarray, arm: str = "policy") -> tuple[object, mcolors.Normalize]:
    """The colour map and norm for ``measure`` (fixed ranges for rates, centred on 0 for net
    poaching and for every difference)."""
    spec = MEASURES[measure]
    if arm == "difference" or spec.diverging:
        lim = float(np.abs(values).max()) if values.size else 0.0
        lim = lim if lim > 0 else 1.0
        return ("PuOr_r" if arm == "difference" else spec.cmap), mcolors.TwoSlopeNorm(0.0, -lim, lim)
    if spec.cmap == "grade":
        return mcolors.ListedColormap(GRADE_COLOURS), mcolors.BoundaryNorm(np.arange(-0.5, len(GRADES)), 4)
    lo = spec.vmin if spec.vmin is not None else float(values.min())
    hi = spec.vmax if spec.vmax is not None else float(values.max())
    return spec.cmap, mcolors.Normalize(lo, max(hi, lo + 1e-9))


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


def _chart(size: tuple[float, float], bottom: float = 0.1) -> tuple[Figure, Axes, Axes]:
    """A figure with a main panel and a smaller difference panel under it, fixed margins (a layout
    engine would double the drawing time)."""
    fig = Figure(figsize=size, dpi=90)
    fig.subplots_adjust(left=0.17, right=0.93, bottom=bottom, top=0.92, hspace=0.12)
    top, bottom = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [2.2, 1]})
    return fig, top, bottom


def _time_axes(ax: Axes, x: np.ndarray) -> None:
    """Month ticks ('Oct 2024'): never days; the axis spans at least 12 months."""
    span = max(12, len(x) - 1)
    step = max(1, int(np.ceil(span / 5)))
    ax.set_xlim(x[0].astype("datetime64[D]"), (x[0] + np.timedelta64(span, "M")).astype("datetime64[D]"))
    ticks = x[0] + np.arange(0, span + 1, step).astype("timedelta64[M]")
    ax.set_xticks(ticks.astype("datetime64[D]"), [_month_name(t) for t in ticks])
    for ax_ in ax.figure.axes:
        ax_.grid(alpha=0.3)
        ax_.tick_params(labelsize=10)


def _month_name(month: np.datetime64) -> str:
    """'Sep 2024' for a month."""
    year, m = divmod(int(month.astype("datetime64[M]").astype(int)), 12)
    return f"{MONTH_NAMES[m]} {1970 + year}"


def _dates(x: np.ndarray) -> np.ndarray:
    return x.astype("datetime64[D]")


def region_figure(m: WorkforceModel, size: tuple[float, float] = (5.6, 4.0)) -> Figure:
    """The region's vacancy, agency and turnover rates: policy (solid) and baseline (dashed) on top,
    policy minus baseline (percentage points) below."""
    fig, ax, diff = _chart(size)
    x = _dates(month_axis(m))
    base = region_rates(getattr(m, "baseline", m))
    marker = "." if len(x) < 3 else None
    for (name, y), colour in zip(region_rates(m).items(), ("C3", "C4", "C1"), strict=True):
        ax.plot(x, y, color=colour, label=name, marker=marker, lw=1.8)
        ax.plot(x, base[name], color=colour, ls="--", lw=1.2)
        diff.plot(x, y - base[name], color=colour, lw=1.6, marker=marker)
    ax.set_ylabel("%", fontsize=11)
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=9, loc="lower left", ncol=2, title="solid: policy, dashed: baseline", title_fontsize=9)
    diff.axhline(0, color="grey", lw=0.8)
    diff.set_ylabel("difference\n(points)", fontsize=10)
    ax.set_title(f"{m.region.description}: rates over time", fontsize=12)
    _time_axes(diff, month_axis(m))
    return fig


def neighbours_of(m: WorkforceModel, index: int) -> list[int]:
    """Simulated councils that share a boundary with council ``index``."""
    a = m.councils.n_active
    pos = {x.code: x.index for x in m.council_agents[:a]}
    code = m.council_agents[index].code
    return sorted(pos[n] for n in m.graph.neighbors(code) if n in pos)


def neighbour_figure(m: WorkforceModel, index: int, measure: str, size: tuple[float, float] = (5.6, 4.8)
                     ) -> Figure:
    """``measure`` over time for council ``index`` (thick red: policy solid, baseline dashed) and its
    simulated neighbours (thin: policy solid, baseline dashed); below, policy minus baseline for each."""
    spec = MEASURES[measure]
    series, base = arm_series(m, measure, "policy"), arm_series(m, measure, "baseline")
    x = _dates(month_axis(m))
    fig, ax, diff = _chart(size, bottom=0.24)
    for j, k in enumerate(neighbours_of(m, index)):
        ax.plot(x, series[:, k], lw=1, color=f"C{j % 10}", alpha=0.8, label=m.council_agents[k].name)
        ax.plot(x, base[:, k], lw=0.8, color=f"C{j % 10}", alpha=0.6, ls="--")
        diff.plot(x, series[:, k] - base[:, k], lw=1, color=f"C{j % 10}", alpha=0.8)
    marker = "." if len(x) < 3 else None
    name = m.council_agents[index].name
    ax.plot(x, series[:, index], lw=2.6, color="red", label=f"{name} (policy)", marker=marker)
    ax.plot(x, base[:, index], lw=1.8, color="red", ls="--", label=f"{name} (baseline)")
    diff.plot(x, series[:, index] - base[:, index], lw=2.4, color="red", marker=marker)
    diff.axhline(0, color="grey", lw=0.8)
    diff.set_ylabel("policy -\nbaseline", fontsize=10)
    if spec.cmap == "grade":
        ax.set_yticks(range(len(GRADES)), [g[:12] for g in GRADES], fontsize=8)
        ax.invert_yaxis()
    ax.set_ylabel(spec.label, fontsize=10)
    fig.legend(*ax.get_legend_handles_labels(), fontsize=9, loc="lower center", ncol=3, frameon=False)
    ax.set_title(f"{name} and its neighbours", fontsize=12)
    _time_axes(diff, month_axis(m))
    return fig


# --------------------------------------------------------------------------- tables


def top_flows(m: WorkforceModel, months: int = 12, n: int = 10, arm: str = "policy") -> list[tuple[str, str, int]]:
    """The ``n`` largest council-to-council flows of the last ``months`` months: (from, to, movers);
    for ``arm="difference"`` the largest changes (policy minus baseline).

    A destination outside the region is marked "(outside the region)".
    """
    origin, dest, movers = arm_moves(m, months, arm)
    order = np.argsort(-np.abs(movers), kind="stable")[:n]
    a = m.councils.n_active
    names = [x.name for x in m.council_agents]
    return [(names[origin[i]], names[dest[i]] + ("" if dest[i] < a else " (outside the region)"), int(movers[i]))
            for i in order if movers[i] != 0]


def html_table(header: list[str], rows: list[list[str]], css_class: str) -> str:
    """A small HTML table (escaped), styled inline so it needs no stylesheet."""
    cell = "padding:2px 8px;border-bottom:1px solid #ddd;"
    head = "".join(f'<th style="{cell}text-align:left">{html.escape(h)}</th>' for h in header)
    body = "".join(
        "<tr>" + "".join(f'<td style="{cell}">{html.escape(str(v))}</td>' for v in row) + "</tr>" for row in rows
    )
    return f'<table class="{css_class}" style="border-collapse:collapse;font-size:13px">' \
           f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def council_facts(m: WorkforceModel, index: int) -> list[list[str]]:
    """This month's figures for one council: rows of (label, policy arm, baseline, difference)."""
    base = getattr(m, "baseline", m)
    agent = m.council_agents[index]
    rows = [["council", f"{agent.name} ({agent.region})", "", ""],
            ["Ofsted grade", agent.grade_name, base.council_agents[index].grade_name, ""]]
    for key in ("pay", "vacancy rate %", "agency rate %", "turnover, last 12 months %", "caseload",
                "net poaching, last 12 months"):
        spec = MEASURES[key]
        a, b = spec.series(m)[-1, index], spec.series(base)[-1, index]
        rows.append([key, spec.fmt.format(a), spec.fmt.format(b), _signed(spec.fmt, a - b)])
    for label, name in (("permanent FTE", "perm_fte"), ("agency FTE", "agency_fte"), ("vacancies FTE", "vacancy_fte")):
        a, b = getattr(m.councils, name)[index], getattr(base.councils, name)[index]
        rows.append([label, f"{a:.1f}", f"{b:.1f}", f"{a - b:+.1f}"])
    rows.append(["incentives and caps", _incentives(m, index), _incentives(base, index), ""])
    return rows


def _signed(fmt: str, value: float) -> str:
    if value == 0:
        return "0"
    text = fmt.format(abs(value))
    return ("+" if value > 0 else "-") + text.lstrip("+-")


def _incentives(m: WorkforceModel, index: int) -> str:
    c = m.councils
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
    return ", ".join(extras) or "none"
