"""Exports of the browser view's run: both arms as one table (Parquet or CSV), and the map's history
as an animated GIF (:func:`map_figure`, a still matplotlib map, one frame a month, joined by Pillow)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from . import app_components as ac
from .data import GRADES
from .maps import council_centroids, council_rings, draw_councils, draw_flows

if TYPE_CHECKING:
    from .model import WorkforceModel


def run_table(m: WorkforceModel) -> pd.DataFrame:
    """Every recorded council-month of both arms, with an ``arm`` column ("policy" or "baseline")."""
    base = getattr(m, "baseline", m)
    parts = []
    for arm, model in (("policy", m), ("baseline", base)):
        cm = model.results.council_months.copy()
        cm.insert(0, "arm", arm)
        parts.append(cm)
    return pd.concat(parts, ignore_index=True)


def run_bytes(m: WorkforceModel, fmt: str = "parquet") -> bytes:
    """:func:`run_table` as Parquet or CSV bytes."""
    table = run_table(m)
    buf = io.BytesIO()
    if fmt == "parquet":
        table.to_parquet(buf, index=False)
    elif fmt == "csv":
        buf.write(table.to_csv(index=False).encode())
    else:
        raise ValueError(f"unknown format {fmt!r}: allowed parquet, csv")
    return buf.getvalue()


def map_figure(m: WorkforceModel, measure: str, focus: int | None = None, flow_months: int = ac.FLOW_MONTHS,
               size: tuple[float, float] = (6.4, 7.0), arm: str = "policy", tick: int | None = None) -> Figure:
    """A still map (for the GIF export): councils coloured by ``measure`` of ``arm`` at ``tick``,
    the moves of the last ``flow_months`` months as arrows, the ``focus`` council outlined."""
    spec = ac.MEASURES[measure]
    t = m.tick if tick is None else tick
    a = m.councils.n_active
    agents = m.council_agents
    codes = [x.code for x in agents[:a]]
    values = ac.arm_series(m, measure, arm)[t]
    fig = Figure(figsize=size, dpi=90)  # fixed axes: a layout engine would double the drawing time
    ax = fig.add_axes((0.01, 0.05, 0.82, 0.87))
    cmap, norm = ac.colour_scale(measure, values, arm)
    coll = draw_councils(ax, codes, values, cmap=cmap, norm=norm, context=[x.code for x in agents[a:]])
    if focus is not None and 0 <= focus < a:  # black under cyan shows on every colour scale
        rings = council_rings()[codes[focus]]
        ax.add_collection(PolyCollection(rings, facecolor="none", edgecolor="black", linewidth=3.2, zorder=4))
        ax.add_collection(PolyCollection(rings, facecolor="none", edgecolor="#00e5ff", linewidth=1.6, zorder=5))
    label = f"{spec.label}{' (policy - baseline)' if arm == 'difference' else ''}"
    if spec.cmap == "grade" and arm != "difference":
        fig.legend(handles=[Patch(color=col, label=g) for col, g in zip(ac.GRADE_COLOURS, GRADES, strict=True)],
                   loc="lower center", ncol=4, fontsize=9, frameon=False)
    else:
        fig.colorbar(coll, cax=fig.add_axes((0.86, 0.2, 0.035, 0.6)), label=label)
    origin, dest, movers = ac.arm_moves(m, flow_months, arm, t)
    if movers.size:
        draw_flows(ax, origin, dest, np.abs(movers), council_centroids(), [x.code for x in agents], max_width=3.5,
                   color="#222222", top=60)
    ax.set_title(f"{label}, {m.date(t)} ({arm})\narrows: moves in the last {flow_months} months", fontsize=11)
    return fig


def map_gif(m: WorkforceModel, measure: str, arm: str = "policy", focus: int | None = None,
            max_frames: int = 36, ms_per_frame: int = 400) -> bytes:
    """The map of ``measure`` (one arm or the difference) month by month, as an animated GIF.

    Long runs are sampled to at most ``max_frames`` frames (the last month is always included).
    """
    from PIL import Image

    ticks = np.unique(np.linspace(0, m.tick, min(max_frames, m.tick + 1)).round().astype(int))
    frames = []
    for t in ticks:
        fig = map_figure(m, measure, focus, arm=arm, tick=int(t), size=(5.6, 6.0))
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=70)
        buf.seek(0)
        frames.append(Image.open(buf).convert("P", palette=Image.Palette.ADAPTIVE))
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], duration=ms_per_frame, loop=0)
    return out.getvalue()
