"""Reading the seeds: councils, census figures, Ofsted grades, the adjacency graph and boundaries.

The seeds are built from the public sources by ``seeds/build_seeds.py`` (see seeds/README.md). They
are found in the project's ``seeds/`` folder, or where the ``CSWSIM_SEEDS`` environment variable points.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd

from .errors import SimInputError

CENSUS_YEARS = tuple(range(2017, 2025))
GRADES = ("Outstanding", "Good", "Requires improvement", "Inadequate")
GRADE_REPUTATION = np.array([1.0, 2 / 3, 1 / 3, 0.0])  # reputation each grade pulls toward


def seeds_dir() -> Path:
    """Where the seed tables live."""
    env = os.environ.get("CSWSIM_SEEDS")
    path = Path(env) if env else Path(__file__).resolve().parents[1] / "seeds"
    if not (path / "councils.csv").exists():
        raise SimInputError(f"seed tables not found in {path} (set CSWSIM_SEEDS to the seeds folder, "
                            "or rebuild them with `python seeds/build_seeds.py`)")
    return path


@dataclass(frozen=True)
class Seeds:
    """All seed tables, read once."""

    councils: pd.DataFrame  # one row per reporting unit, indexed 0..n-1 in file order
    census: pd.DataFrame  # (code, year) rows
    census_national: pd.DataFrame
    grades: pd.DataFrame  # (code, year) -> grade
    edges: pd.DataFrame
    attrition: pd.DataFrame
    demand: pd.DataFrame | None

    @property
    def codes(self) -> list[str]:
        return self.councils["code"].tolist()

    def graph(self) -> nx.Graph:
        """The adjacency graph of every reporting unit (nodes are codes); built once, shared, read-only
        (a frozen view: a model only reads it)."""
        if "_graph" not in self.__dict__:  # frozen dataclass: cache in the instance dict directly
            self.__dict__["_graph"] = nx.freeze(self._build_graph())
        return self.__dict__["_graph"]

    def _build_graph(self) -> nx.Graph:
        g = nx.Graph()
        for row in self.councils.itertuples():
            g.add_node(row.code, name=row.name, region=row.region, pos=(row.lon, row.lat),
                       island=bool(row.island))
        for e in self.edges.itertuples():
            g.add_edge(e.code_a, e.code_b, edge_type=e.edge_type,
                       shared_boundary_km=float(e.shared_boundary_km), distance_km=float(e.centroid_km))
        return g

    def year(self, year: int) -> pd.DataFrame:
        """Census figures and grade of every council in census ``year``, in council order (a copy)."""
        cache = self.__dict__.setdefault("_years", {})
        if year not in cache:
            cache[year] = self._build_year(year)
        return cache[year].copy()

    def _build_year(self, year: int) -> pd.DataFrame:
        if year not in CENSUS_YEARS:
            raise SimInputError(f"base year {year} has no census data; allowed: "
                                f"{CENSUS_YEARS[0]} to {CENSUS_YEARS[-1]}")
        c = self.census[self.census.year == year].set_index("code")
        g = self.grades[self.grades.year == year].set_index("code")
        out = self.councils.set_index("code").join(c.drop(columns="year")).join(
            g[["grade", "judgement_date"]])
        return out.loc[self.codes].reset_index()


@lru_cache(maxsize=4)
def load_seeds(path: str | None = None) -> Seeds:
    """Read the seed tables (cached)."""
    d = Path(path) if path else seeds_dir()
    councils = pd.read_csv(d / "councils.csv", keep_default_na=False,
                           dtype={"london": str, "code": str})
    demand_path = d / "demand.csv"
    return Seeds(
        councils=councils,
        census=pd.read_csv(d / "census.csv", keep_default_na=False, na_values=[""]),
        census_national=pd.read_csv(d / "census_national.csv"),
        grades=pd.read_csv(d / "grades.csv"),
        edges=pd.read_csv(d / "edges.csv"),
        attrition=pd.read_csv(d / "attrition_national.csv"),
        demand=pd.read_csv(demand_path) if demand_path.exists() else None,
    )


@lru_cache(maxsize=2)
def load_boundaries(path: str | None = None) -> dict:
    """The council polygons as a GeoJSON FeatureCollection (dict)."""
    d = Path(path) if path else seeds_dir()
    return json.loads((d / "councils.geojson").read_text())
