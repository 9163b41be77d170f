"""Maps of councils with matplotlib: polygons coloured by a measure, and flows drawn as arrows.

Used by the run summary, the comparison plots and the browser view (about 20 ms for England).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import matplotlib

matplotlib.use("Agg")
import matplotlib.colors as mcolors  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.collections import LineCollection, PolyCollection  # noqa: E402

from .data import load_boundaries, load_seeds  # noqa: E402


@lru_cache(maxsize=1)
def council_rings() -> dict[str, list[np.ndarray]]:
    """Outer rings of every council's polygons, keyed by code (lon/lat arrays)."""
    out: dict[str, list[np.ndarray]] = {}
    for feature in load_boundaries()["features"]:
        geom = feature["geometry"]
        polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
        out[feature["properties"]["code"]] = [np.asarray(poly[0]) for poly in polys]
    return out


@lru_cache(maxsize=1)
def council_centroids() -> dict[str, tuple[float, float]]:
    """Council code -> (lon, lat) of its centroid, for every council in the seeds."""
    return {c.code: (float(c.lon), float(c.lat)) for c in load_seeds().councils.itertuples()}


def _aspect(ax: Axes, lat: float) -> None:
    ax.set_aspect(1 / np.cos(np.radians(lat)))


def draw_councils(ax: Axes, codes: Sequence[str], values: Sequence[float], *, cmap: str = "viridis",
                  norm: mcolors.Normalize | None = None, highlight: str | None = None,
                  context: Sequence[str] = (), label: str = "") -> PolyCollection:
    """Fill each council's polygons by its value; ``context`` councils are drawn in light grey."""
    rings = council_rings()
    verts, vals = [], []
    for code, v in zip(codes, values, strict=True):
        for ring in rings.get(code, []):
            verts.append(ring)
            vals.append(v)
    grey = [ring for code in context for ring in rings.get(code, [])]
    if grey:
        ax.add_collection(PolyCollection(grey, facecolor="#eeeeee", edgecolor="#bbbbbb", linewidth=0.3))
    coll = PolyCollection(verts, array=np.asarray(vals, dtype=float), cmap=cmap, norm=norm,
                          edgecolor="white", linewidth=0.3)
    ax.add_collection(coll)
    if highlight and highlight in rings:
        ax.add_collection(PolyCollection(rings[highlight], facecolor="none", edgecolor="red", linewidth=1.6))
    allv = np.concatenate(verts or grey) if verts or grey else np.zeros((1, 2))  # fit the coloured councils
    pad_x = 0.04 * (allv[:, 0].max() - allv[:, 0].min()) + 0.02
    pad_y = 0.04 * (allv[:, 1].max() - allv[:, 1].min()) + 0.02
    ax.set_xlim(allv[:, 0].min() - pad_x, allv[:, 0].max() + pad_x)
    ax.set_ylim(allv[:, 1].min() - pad_y, allv[:, 1].max() + pad_y)
    _aspect(ax, float(allv[:, 1].mean()))
    ax.set_xticks([])
    ax.set_yticks([])
    if label:
        ax.figure.colorbar(coll, ax=ax, shrink=0.7, label=label)
    return coll


def draw_flows(ax: Axes, origins: np.ndarray, destinations: np.ndarray, movers: np.ndarray,
               centroids: dict[str, tuple[float, float]], codes: Sequence[str], *, max_width: float = 4.0,
               color: str = "black", top: int = 60) -> None:
    """Draw the largest flows as lines from origin to destination centroid, width by movers, with a
    dot at the destination end."""
    if len(movers) == 0:
        return
    order = np.argsort(-np.asarray(movers))[:top]
    segs, widths, heads = [], [], []
    biggest = float(np.max(movers)) or 1.0
    for i in order:
        a, b = centroids[codes[origins[i]]], centroids[codes[destinations[i]]]
        segs.append([a, b])
        widths.append(0.4 + max_width * movers[i] / biggest)
        heads.append(b)
    ax.add_collection(LineCollection(segs, linewidths=widths, colors=color, alpha=0.55))
    h = np.asarray(heads)
    ax.scatter(h[:, 0], h[:, 1], s=np.asarray(widths) * 6, color=color, alpha=0.7, zorder=3)
