"""Build seeds/home_points.csv: where each council's social workers live and work.

Each reporting unit gets ``POINTS`` points spread uniformly over its area (rejection sampling in
the bounding box of its polygons from seeds/councils.geojson, which is built from ONS boundaries;
see seeds/README.md). A worker lives at one of their home council's points; a council's offices are
taken to be at its points, so a commute to council j is the distance from the worker's point to the
nearest of j's points (a large county has teams across its area). Fixed seed: the file is the same
on every build.

    python seeds/build_home_points.py
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.path import Path as Polygon

SEEDS = Path(__file__).resolve().parent
POINTS = 16
SEED = 20230401  # the April 2023 council structure


def polygons(geometry: dict) -> list[Polygon]:
    """The outer rings of a Polygon or MultiPolygon (holes are rare in council boundaries and ignored)."""
    rings = [geometry["coordinates"][0]] if geometry["type"] == "Polygon" else [p[0] for p in geometry["coordinates"]]
    return [Polygon(np.asarray(r, dtype=float)) for r in rings]


def sample_points(parts: list[Polygon], n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` points uniform over the union of ``parts`` (lon, lat), by rejection in the bounding box.
    Uniform in degrees is uniform on the ground to within the change of cos(latitude) across one council
    (under 2% for the tallest, North Yorkshire)."""
    verts = np.vstack([p.vertices for p in parts])
    lo, hi = verts.min(axis=0), verts.max(axis=0)
    out = []
    while len(out) < n:
        cand = lo + rng.random((4096, 2)) * (hi - lo)
        inside = np.zeros(len(cand), dtype=bool)
        for p in parts:
            inside |= p.contains_points(cand)
        out.extend(cand[inside].tolist())
    return np.asarray(out[:n])


def main() -> None:
    geo = json.loads((SEEDS / "councils.geojson").read_text())
    councils = pd.read_csv(SEEDS / "councils.csv", keep_default_na=False)
    rng = np.random.default_rng(SEED)
    by_code = {f["properties"]["code"]: f["geometry"] for f in geo["features"]}
    rows = []
    for code in councils.code:  # council order, so that the file does not depend on the GeoJSON's order
        pts = sample_points(polygons(by_code[code]), POINTS, rng)
        rows += [(code, k, round(lon, 5), round(lat, 5)) for k, (lon, lat) in enumerate(pts)]
    out = pd.DataFrame(rows, columns=["code", "point", "lon", "lat"])
    out.to_csv(SEEDS / "home_points.csv", index=False)
    print(f"wrote {SEEDS / 'home_points.csv'}: {len(councils)} councils x {POINTS} points")


if __name__ == "__main__":
    main()
