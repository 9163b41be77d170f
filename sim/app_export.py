"""Exports of the browser view's run: both arms as one table (Parquet or CSV), and the map's history
as an animated GIF (matplotlib frames joined by Pillow)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from . import app_components as ac

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


def map_gif(m: WorkforceModel, measure: str, arm: str = "policy", focus: int | None = None,
            max_frames: int = 36, ms_per_frame: int = 400) -> bytes:
    """The map of ``measure`` (one arm or the difference) month by month, as an animated GIF.

    Long runs are sampled to at most ``max_frames`` frames (the last month is always included).
    """
    from PIL import Image

    ticks = np.unique(np.linspace(0, m.tick, min(max_frames, m.tick + 1)).round().astype(int))
    frames = []
    for t in ticks:
        fig = ac.map_figure(m, measure, focus, arm=arm, tick=int(t), size=(5.6, 6.0))
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=70)
        buf.seek(0)
        frames.append(Image.open(buf).convert("P", palette=Image.Palette.ADAPTIVE))
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], duration=ms_per_frame, loop=0)
    return out.getvalue()
