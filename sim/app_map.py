"""The browser view's interactive map: the data behind ``council_map.vue`` (an SVG drawn in the page).

The map is plain SVG in a Vue template served by ipyvue (installed with Solara), so it needs no
JavaScript from a CDN: hover shows a council's name and figures, a click picks a council, the mouse
wheel and the +/- buttons zoom, dragging pans, and the preset buttons jump to the whole region or
London. Councils' names are drawn where they fit at the current zoom.

Everything here is plain Python and numpy, testable without a browser:

* :func:`map_frame` projects the councils of a model's region (and the grey councils around it) once
  per region: SVG paths, centroids, sizes and the zoom presets.
* :func:`map_layers` computes what changes every month: fill colours, hover texts, the legend and
  the flows (curved arrows, thickness by movers; a flow to a council outside the frame ends at the
  frame's edge with the council's name).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import matplotlib.colors as mcolors
import numpy as np
from matplotlib import colormaps

from . import app_components as ac
from .maps import council_rings

if TYPE_CHECKING:
    from .model import WorkforceModel

WIDTH = 1000.0  # SVG user units across the frame
TOP_FLOWS = 60
TIP_MEASURES = ("vacancy rate %", "agency rate %", "net poaching, last 12 months", "pay")


@dataclass(frozen=True)
class Frame:
    """A region's councils projected to SVG units (y down), with the frame's size and zoom presets."""

    shapes: list[dict[str, Any]]  # code, name, d (path), ctx (outside the region), cx, cy, w (width)
    width: float
    height: float
    zooms: dict[str, list[float]]  # preset name -> viewBox [x, y, w, h]

    def inside(self, x: float, y: float) -> bool:
        return 0 <= x <= self.width and 0 <= y <= self.height


def _bbox(rings: list[np.ndarray]) -> np.ndarray:
    allv = np.concatenate(rings)
    return np.array([allv[:, 0].min(), allv[:, 1].min(), allv[:, 0].max(), allv[:, 1].max()])


@lru_cache(maxsize=16)
def map_frame(members: tuple[tuple[str, str, str], ...], context: tuple[tuple[str, str], ...]) -> Frame:
    """Project ``members`` ((code, name, ONS region) of the simulated councils) and ``context``
    ((code, name) of the grey councils around them) into a frame fitted to the members."""
    rings = council_rings()
    box = _bbox([r for code, _, _ in members for r in rings.get(code, [])])
    lat0 = np.radians((box[1] + box[3]) / 2)
    kx = np.cos(lat0)
    pad = 0.04 * max((box[2] - box[0]) * kx, box[3] - box[1])
    x0, y1 = box[0] * kx - pad, box[3] + pad
    scale = WIDTH / ((box[2] - box[0]) * kx + 2 * pad)
    height = (box[3] - box[1] + 2 * pad) * scale

    def project(ring: np.ndarray) -> np.ndarray:
        return np.column_stack([(ring[:, 0] * kx - x0) * scale, (y1 - ring[:, 1]) * scale])

    shapes = []
    for (code, name, *_), ctx in [(m, False) for m in members] + [(c, True) for c in context]:
        parts = [project(r) for r in rings.get(code, [])]
        if not parts:
            continue
        d = " ".join("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in p) + "Z" for p in parts)
        allp = np.concatenate(parts)
        biggest = max(parts, key=len)
        cx, cy = biggest.mean(axis=0)
        shapes.append({"code": code, "name": name, "d": d, "ctx": ctx, "cx": round(float(cx), 1),
                       "cy": round(float(cy), 1), "w": round(float(np.ptp(allp[:, 0])), 1)})
    zooms = {"whole region": [0.0, 0.0, WIDTH, round(float(height), 1)]}
    in_london = {code for code, _, region in members if region == "London"}
    london = [s for s in shapes if s["code"] in in_london]
    if london and len(london) < len(members):
        allp = np.array([[s["cx"], s["cy"]] for s in london])
        (lx0, ly0), (lx1, ly1) = allp.min(axis=0), allp.max(axis=0)
        side = max(lx1 - lx0, (ly1 - ly0) * WIDTH / height) * 1.35 + 20
        cx, cy = (lx0 + lx1) / 2, (ly0 + ly1) / 2
        h = side * height / WIDTH
        zooms["London"] = [round(float(v), 1) for v in (cx - side / 2, cy - h / 2, side, h)]
    return Frame(shapes, WIDTH, round(float(height), 1), zooms)


def frame_of(m: WorkforceModel) -> Frame:
    """The :class:`Frame` of a model's region."""
    a = m.councils.n_active
    members = tuple((x.code, x.name, x.region) for x in m.council_agents[:a])
    context = tuple((x.code, x.name) for x in m.council_agents[a:])
    return map_frame(members, context)


def _hex(cmap: Any, norm: mcolors.Normalize, values: np.ndarray) -> list[str]:
    cm = colormaps[cmap] if isinstance(cmap, str) else cmap
    return [mcolors.to_hex(c) for c in cm(norm(values))]


def _clip_to_frame(frame: Frame, x0: float, y0: float, x1: float, y1: float) -> tuple[float, float]:
    """The point where the segment from an inside point (x0, y0) to (x1, y1) leaves the frame."""
    t = 1.0
    for p, dp, hi in ((x0, x1 - x0, frame.width), (y0, y1 - y0, frame.height)):
        if dp > 0 and p + dp > hi:
            t = min(t, (hi - p) / dp)
        elif dp < 0 and p + dp < 0:
            t = min(t, -p / dp)
    return x0 + t * (x1 - x0), y0 + t * (y1 - y0)


def flow_arrows(m: WorkforceModel, frame: Frame, arm: str, months: int = ac.FLOW_MONTHS,
                top: int = TOP_FLOWS) -> list[dict[str, Any]]:
    """The largest flows of the last ``months`` months as curved arrows (SVG path, width in pixels,
    colour, end point and direction for the arrow head); ``arm="difference"`` draws the change in
    each flow, red for more movers with the policy and blue for fewer."""
    origin, dest, movers = ac.arm_moves(m, months, arm)
    if not movers.size:
        return []
    pos = {s["code"]: (s["cx"], s["cy"]) for s in frame.shapes}
    agents = m.council_agents
    order = np.argsort(-np.abs(movers), kind="stable")[:top]
    biggest = float(np.abs(movers[order]).max())
    out = []
    for i in order:
        a, b = agents[origin[i]], agents[dest[i]]
        if a.code not in pos or b.code not in pos:
            continue
        (x0, y0), (x1, y1) = pos[a.code], pos[b.code]
        outside = dest[i] >= m.councils.n_active  # not simulated: labelled, and cut at the frame's edge
        if not frame.inside(x1, y1):
            x1, y1 = _clip_to_frame(frame, x0, y0, x1, y1)
        length = float(np.hypot(x1 - x0, y1 - y0)) or 1.0
        bend = 0.0 if outside else 0.18  # curve to the right, so A->B and B->A do not overlap
        qx, qy = (x0 + x1) / 2 + bend * (y1 - y0), (y0 + y1) / 2 - bend * (x1 - x0)
        tx, ty = x1 - qx, y1 - qy
        norm = float(np.hypot(tx, ty)) or length
        value = float(movers[i])
        colour = "#333333" if arm != "difference" else ("#b2182b" if value > 0 else "#2166ac")
        label = f"{b.name} {value:+.0f}" if arm == "difference" else f"{b.name} {value:.0f}"
        out.append({"d": f"M{x0:.1f},{y0:.1f}Q{qx:.1f},{qy:.1f} {x1:.1f},{y1:.1f}",
                    "w": round(1.0 + 5.0 * abs(value) / biggest, 2), "colour": colour,
                    "ex": round(x1, 1), "ey": round(y1, 1), "tx": round(tx / norm, 3), "ty": round(ty / norm, 3),
                    "label": label if outside else "", "tip": f"{a.name} -> {b.name}: {value:+.0f}"
                    if arm == "difference" else f"{a.name} -> {b.name}: {value:.0f} movers"})
    return out


def map_layers(m: WorkforceModel, measure: str, arm: str, tick: int | None = None) -> dict[str, Any]:
    """What the map shows this month: ``fills`` and ``tips`` (aligned with the frame's shapes), the
    ``legend`` (title, colour stops, labels), the ``flows`` and a ``title``."""
    frame = frame_of(m)
    spec = ac.MEASURES[measure]
    t = m.tick if tick is None else tick
    values = ac.arm_series(m, measure, arm)[t]
    cmap, norm = ac.colour_scale(measure, values, arm)
    a = m.councils.n_active
    colours = _hex(cmap, norm, values)
    by_code = {x.code: i for i, x in enumerate(m.council_agents[:a])}
    tables = {}
    for key in dict.fromkeys((measure, *TIP_MEASURES)):
        pol, base = (ac.arm_series(m, key, arm_)[t] for arm_ in ("policy", "baseline"))
        tables[key] = (pol, base, pol - base)
    fills, tips = [], []
    for s in frame.shapes:
        i = by_code.get(s["code"])
        if i is None:
            fills.append("#e6e6e6")
            tips.append(f"{s['name']}: outside the region (not simulated)")
            continue
        fills.append(colours[i])
        lines = [f"{s['name']} ({m.council_agents[i].grade_name})"]
        for key, (pol, base, diff) in tables.items():
            fmt = ac.MEASURES[key].fmt
            lines.append(f"{key}: policy {fmt.format(pol[i])}, baseline {fmt.format(base[i])}, "
                         f"difference {ac._signed(fmt, diff[i])}")
        tips.append("\n".join(lines))
    lo, hi = float(norm.vmin), float(norm.vmax)
    stops = _hex(cmap, norm, np.linspace(lo, hi, 7))
    fmt = "{:+.1f}" if arm == "difference" else spec.fmt
    what = {"policy": "policy arm", "baseline": "baseline", "difference": "policy minus baseline"}[arm]
    return {"fills": fills, "tips": tips, "flows": flow_arrows(m, frame, arm),
            "legend": {"title": f"{spec.label}, {what}", "stops": stops,
                       "labels": [fmt.format(lo), fmt.format((lo + hi) / 2), fmt.format(hi)]},
            "title": f"{spec.label}, {what}, {m.date(t)}; arrows: moves in the last {ac.FLOW_MONTHS} months"}
