"""Geography seeds: council attributes, adjacency edges and map polygons for the 151 units."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
from _mapping import JOINT_UNITS

EARTH_RADIUS_KM = 6371.0088
MEMBER_TO_UNIT = {m: unit for unit, members in JOINT_UNITS.items() for m in members}


def haversine_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance between two WGS84 points in km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def unit_of(code: str) -> str:
    """Reporting unit of a 2023-structure node code."""
    return MEMBER_TO_UNIT.get(code, code)


def build_councils(nodes: pd.DataFrame, census_2024: pd.DataFrame) -> pd.DataFrame:
    """One row per census reporting unit, geography from the 153 nodes merged to 151 units.

    census_2024 holds the 2024 local-authority rows (code, name, census_region).
    """
    nodes = nodes.assign(unit=nodes["code"].map(unit_of))
    rows = []
    for unit, grp in nodes.groupby("unit", sort=True):
        w = grp["area_km2"]
        rows.append(
            {
                "code": unit,
                "lon": (grp["lon"] * w).sum() / w.sum(),
                "lat": (grp["lat"] * w).sum() / w.sum(),
                "area_km2": w.sum(),
                "region": grp["region"].iloc[0],
                "region_code": grp["region_code"].iloc[0],
                "la_type": grp["la_type"].iloc[0],
                "island": int(grp["island"].max()),
            }
        )
    geo = pd.DataFrame(rows)
    out = census_2024.merge(geo, on="code", how="outer", validate="1:1", indicator=True)
    if (out["_merge"] != "both").any():
        raise ValueError(f"census and geography disagree: {out[out['_merge'] != 'both']}")
    london = {"Inner London": "inner", "Outer London": "outer"}
    out["london"] = out["census_region"].map(london).fillna("")
    out["tiny"] = out["code"].isin(["E06000053", "E09000001"]).astype(int)  # Scilly, City
    out = out.round({"lon": 5, "lat": 5, "area_km2": 2})
    cols = [
        "code",
        "name",
        "region",
        "region_code",
        "london",
        "lon",
        "lat",
        "area_km2",
        "island",
        "la_type",
        "tiny",
    ]
    return out[cols].sort_values("code").reset_index(drop=True)


def build_edges(edges: pd.DataFrame, councils: pd.DataFrame) -> pd.DataFrame:
    """Collapse the node-level neighbour list onto reporting units."""
    e = edges.assign(a=edges["code_a"].map(unit_of), b=edges["code_b"].map(unit_of))
    e = e[e["a"] != e["b"]].copy()  # the edge inside a joint unit disappears
    lo, hi = e[["a", "b"]].min(axis=1), e[["a", "b"]].max(axis=1)
    e["code_a"], e["code_b"] = lo, hi
    e["is_land"] = e["edge_type"] == "land"
    e["km"] = e["shared_boundary_km"].where(e["is_land"], 0.0).fillna(0.0)
    agg = e.groupby(["code_a", "code_b"], sort=True).agg(
        is_land=("is_land", "any"), shared_boundary_km=("km", "sum")
    )
    agg = agg.reset_index()
    agg["edge_type"] = agg["is_land"].map({True: "land", False: "tidal_water"})
    pos = councils.set_index("code")[["lon", "lat"]]
    agg["centroid_km"] = [
        haversine_km(*pos.loc[a], *pos.loc[b])
        for a, b in zip(agg["code_a"], agg["code_b"], strict=True)
    ]
    agg = agg.round({"shared_boundary_km": 3, "centroid_km": 2})
    check_edges(agg, councils)
    return agg[["code_a", "code_b", "edge_type", "shared_boundary_km", "centroid_km"]]


def check_edges(edges: pd.DataFrame, councils: pd.DataFrame) -> None:
    """Fail loudly on self loops, unknown codes, unordered pairs or isolated mainland units."""
    known = set(councils["code"])
    assert set(edges["code_a"]) | set(edges["code_b"]) <= known, "edge with unknown code"
    assert (edges["code_a"] < edges["code_b"]).all(), "self loop or unordered pair"
    assert not edges.duplicated(["code_a", "code_b"]).any(), "duplicate edge"
    linked = set(edges["code_a"]) | set(edges["code_b"])
    lonely = councils[(councils["island"] == 0) & ~councils["code"].isin(linked)]
    assert lonely.empty, f"non-island units without neighbours: {list(lonely['code'])}"


def _round_polygon(rings: list, ndigits: int = 4) -> list:
    """Round a polygon's rings, dropping repeated points and rings that collapse (< 4 points)."""
    out = []
    for ring in rings:
        pts = [[round(x, ndigits), round(y, ndigits)] for x, y in ring]
        pts = [p for i, p in enumerate(pts) if i == 0 or p != pts[i - 1]]
        if len(pts) >= 4:
            out.append(pts)
        elif not out:
            return []  # the outer ring vanished: drop the whole polygon
    return out


def build_geojson(path: Path, councils: pd.DataFrame) -> dict:
    """151 features; a joint unit is one MultiPolygon holding the polygons of both members."""
    src = json.loads(path.read_text())
    parts: dict[str, list] = {}
    for feat in src["features"]:
        geom = feat["geometry"]
        polys = [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]
        parts.setdefault(unit_of(feat["properties"]["code"]), []).extend(polys)
    names = councils.set_index("code")["name"]
    feats = []
    for code in sorted(parts):
        polys = [p for p in map(_round_polygon, parts[code]) if p]
        geom = (
            {"type": "Polygon", "coordinates": polys[0]}
            if len(polys) == 1
            else {"type": "MultiPolygon", "coordinates": polys}
        )
        feats.append(
            {"type": "Feature", "properties": {"code": code, "name": names[code]}, "geometry": geom}
        )
    assert len(feats) == len(councils)
    return {"type": "FeatureCollection", "features": feats}
