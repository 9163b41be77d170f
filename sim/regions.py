"""Named regions: the parts of England a run can simulate.

A region is an induced subgraph of the council adjacency graph. Workers in a region may still hear
of posts in councils just outside it (its *boundary*); taking one is an exit from the simulated
market, recorded as a move out of the region.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import networkx as nx

from .data import Seeds
from .errors import SimInputError, unknown


def slug(text: str) -> str:
    """'Yorkshire and The Humber' -> 'yorkshire_and_the_humber'."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def _by_name(seeds: Seeds, name: str) -> str:
    hits = seeds.councils.loc[seeds.councils.name.str.lower() == name.lower(), "code"]
    if hits.empty:
        raise unknown("council", name, seeds.councils.name)
    return str(hits.iloc[0])


def _with_neighbours(*names: str) -> Callable[[Seeds, nx.Graph], set[str]]:
    def members(seeds: Seeds, g: nx.Graph) -> set[str]:
        out: set[str] = set()
        for n in names:
            code = _by_name(seeds, n)
            out |= {code, *g.neighbors(code)}
        return out
    return members


def _named(*names: str) -> Callable[[Seeds, nx.Graph], set[str]]:
    return lambda seeds, g: {_by_name(seeds, n) for n in names}


WEST_YORKSHIRE = ("Bradford", "Calderdale", "Kirklees", "Leeds", "Wakefield")

# Clusters around the news stories that started the project.
CLUSTERS: dict[str, tuple[str, Callable[[Seeds, nx.Graph], set[str]]]] = {
    "bexley_cluster": ("Bexley and its neighbours", _with_neighbours("Bexley")),
    "kent_cluster": ("Kent and Medway with their neighbours", _with_neighbours("Kent", "Medway")),
    "bromley_cluster": ("Bromley and its neighbours", _with_neighbours("Bromley")),
    "bcp_cluster": ("Bournemouth, Christchurch and Poole and its neighbours",
                    _with_neighbours("Bournemouth, Christchurch and Poole")),
    "west_yorkshire": ("the five West Yorkshire councils", _named(*WEST_YORKSHIRE)),
    "bradford_cluster": ("Bradford with West Yorkshire and its other neighbours",
                         lambda s, g: _named(*WEST_YORKSHIRE)(s, g) | _with_neighbours("Bradford")(s, g)),
}


@dataclass(frozen=True)
class Region:
    """A set of councils simulated together, and the councils just outside it."""

    name: str
    description: str
    members: tuple[str, ...]  # council codes, in seed order
    boundary: tuple[str, ...]  # neighbours outside the region, in seed order


def region_names(seeds: Seeds) -> dict[str, str]:
    """Every region's name and a one-line description."""
    out = {"england": "all 151 reporting units of England"}
    for r in sorted(seeds.councils.region.unique()):
        out[slug(r)] = f"the {r} region"
    for name, (desc, _) in CLUSTERS.items():
        out[name] = desc
    return out


def build_region(seeds: Seeds, name: str, graph: nx.Graph | None = None) -> Region:
    """Resolve a region name into its members and boundary, checking the graph."""
    g = graph if graph is not None else seeds.graph()
    key = slug(name)
    names = region_names(seeds)
    if key not in names:
        raise unknown("region", name, names, where="--region")
    if key == "england":
        members = set(seeds.codes)
    elif key in CLUSTERS:
        members = CLUSTERS[key][1](seeds, g)
    else:
        members = set(seeds.councils.loc[seeds.councils.region.map(slug) == key, "code"])
    order = [c for c in seeds.codes if c in members]
    check_connected(g.subgraph(order), seeds, where=f"region {key!r}")
    boundary = {n for c in order for n in g.neighbors(c)} - members
    return Region(key, names[key], tuple(order), tuple(c for c in seeds.codes if c in boundary))


def check_connected(sub: nx.Graph, seeds: Seeds, where: str) -> None:
    """Reject councils with no neighbour in the simulated graph (islands excepted)."""
    island = dict(zip(seeds.councils.code, seeds.councils.island, strict=True))
    if sub.number_of_nodes() <= 1:
        return
    lonely = [n for n in sub.nodes if sub.degree(n) == 0 and not island.get(n, 0)]
    if lonely:
        names = seeds.councils.set_index("code").loc[lonely, "name"].tolist()
        raise SimInputError(f"{where}: council(s) with no neighbour in the graph: {', '.join(names)}; "
                            "every council except an island must share a boundary with another")
