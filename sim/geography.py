"""Where social workers live and work: points inside each council's boundary, commutes between them,
and the cost of crossing tidal water.

``seeds/home_points.csv`` (built by ``seeds/build_home_points.py`` from the ONS boundaries) gives each
council 16 points spread uniformly over its area: the first half are where its teams work (offices),
the second half where its residents live. A worker lives at one of their home council's home points
(their *home zone*, ``home council x K + point``, K = 8). The commute to council j is the distance from
the worker's home point to the nearest of j's offices; a worker living in a large county is near some
of its offices and far from others'. Where
two councils meet only mid-river or mid-estuary (the Thames, Mersey, Tyne, Tees, Tamar: ``tidal_water``
edges), a commute between them also costs ``tidal_crossing_km`` (an assumption: the detour and toll of
a bridge, tunnel or ferry, e.g. the Dartford crossing between Kent and Thurrock).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from .data import load_seeds, seeds_dir

EARTH_KM = 6371.0


def _haversine(lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray) -> np.ndarray:
    lon1, lat1, lon2, lat2 = (np.radians(x) for x in (lon1, lat1, lon2, lat2))
    h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_KM * np.arcsin(np.sqrt(np.minimum(1.0, h)))


@lru_cache(maxsize=2)
def home_points() -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """Council codes (seed order), their offices and their home points: arrays (councils, K, 2) of
    (lon, lat)."""
    codes = tuple(load_seeds().codes)
    d = pd.read_csv(seeds_dir() / "home_points.csv")
    order = {c: i for i, c in enumerate(codes)}
    d = d.assign(i=d.code.map(order)).sort_values(["i", "point"])
    per = int(d.point.max()) + 1
    pts = d[["lon", "lat"]].to_numpy(float).reshape(len(codes), per, 2)
    half = per // 2
    return codes, pts[:, :half], pts[:, half:]


@lru_cache(maxsize=2)
def _england_commutes() -> np.ndarray:
    """Distance (km) from every home point to the nearest office of every council: (councils x K, councils)."""
    _, offices, homes = home_points()
    n, k, _ = homes.shape
    flat = homes.reshape(-1, 2)
    d = _haversine(flat[:, None, 0], flat[:, None, 1], offices.reshape(-1, 2)[None, :, 0],
                   offices.reshape(-1, 2)[None, :, 1])
    return d.reshape(n * k, n, offices.shape[1]).min(axis=2)


@lru_cache(maxsize=2)
def _tidal_pairs() -> frozenset[tuple[str, str]]:
    e = load_seeds().edges
    tidal = e[e.edge_type == "tidal_water"]
    return frozenset(zip(tidal.code_a, tidal.code_b, strict=True)) | frozenset(zip(tidal.code_b, tidal.code_a,
                                                                                   strict=True))


def points_per_council() -> int:
    """K: home zones per council."""
    return home_points()[2].shape[1]


def commute_table(codes: list[str], tidal_crossing_km: float) -> np.ndarray:
    """Commuting distance (km) from each home zone of the councils ``codes`` (row ``i x K + point``) to
    each of those councils (column), with the tidal-water crossing cost added."""
    all_codes, _, homes = home_points()
    k = homes.shape[1]
    index = {c: i for i, c in enumerate(all_codes)}
    idx = np.array([index[c] for c in codes])
    rows = (idx[:, None] * k + np.arange(k)[None, :]).ravel()
    table = _england_commutes()[np.ix_(rows, idx)].copy()
    tidal = _tidal_pairs()
    pos = {c: i for i, c in enumerate(codes)}
    pairs = [(pos[a], pos[b]) for a, b in tidal if a in pos and b in pos]
    if pairs:
        crossing = np.zeros((len(codes), len(codes)))
        rows_, cols = zip(*pairs, strict=True)
        crossing[list(rows_), list(cols)] = tidal_crossing_km
        table += np.repeat(crossing, k, axis=0)
    return table


__all__ = ["commute_table", "home_points", "points_per_council"]
