"""Checks on the committed seed tables in seeds/ (never reads ../shared)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
YEARS = list(range(2017, 2025))
COUNTS = [
    "inpost_fte",
    "inpost_headcount",
    "starters_fte",
    "leavers_fte",
    "agency_fte",
    "agency_cover_fte",
    "vacancy_fte",
    "case_holders_fte",
    "cases",
]
GRADES = {"Outstanding", "Good", "Requires improvement", "Inadequate"}
JOINT = {"E09000021 / E09000027", "E06000061 / E06000062"}


def read(name: str) -> pd.DataFrame:
    return pd.read_csv(
        SEEDS / name, dtype={"code": str, "code_a": str, "code_b": str}, keep_default_na=True
    )


@pytest.fixture(scope="module")
def councils() -> pd.DataFrame:
    return read("councils.csv")


@pytest.fixture(scope="module")
def census() -> pd.DataFrame:
    return read("census.csv")


@pytest.fixture(scope="module")
def edges() -> pd.DataFrame:
    return read("edges.csv")


def test_councils_are_the_151_census_units(councils: pd.DataFrame) -> None:
    assert len(councils) == 151
    assert councils["code"].is_unique
    assert JOINT <= set(councils["code"])
    assert set(councils["london"].fillna("")) == {"", "inner", "outer"}
    assert (councils["london"] == "inner").sum() == 14
    assert (councils["london"] == "outer").sum() == 18  # 19 outer boroughs, one joint pair
    tiny = set(councils.loc[councils["tiny"] == 1, "name"])
    assert tiny == {"Isles of Scilly", "City of London"}
    assert councils[["lon", "lat", "area_km2"]].notna().all().all()
    assert councils["lat"].between(49.8, 55.9).all() and councils["lon"].between(-6.5, 1.8).all()


def test_census_panel_complete(census: pd.DataFrame, councils: pd.DataFrame) -> None:
    assert len(census) == 151 * len(YEARS)
    assert not census.duplicated(["code", "year"]).any()
    full = {(c, y) for c in councils["code"] for y in YEARS}
    assert set(zip(census["code"], census["year"], strict=True)) == full
    assert census[COUNTS].notna().all().all()
    assert (census[COUNTS] >= 0).all().all()


def test_census_rates_match_counts(census: pd.DataFrame) -> None:
    c = census
    checks = {
        "turnover_rate_fte": 100 * c["leavers_fte"] / c["inpost_fte"],
        "agency_rate_fte": 100 * c["agency_fte"] / (c["agency_fte"] + c["inpost_fte"]),
        "vacancy_rate_fte": 100 * c["vacancy_fte"] / (c["vacancy_fte"] + c["inpost_fte"]),
        "caseload_fte": c["cases"] / c["case_holders_fte"],
    }
    for col, expected in checks.items():
        expected = expected.replace([np.inf, -np.inf], np.nan)
        both = expected.notna()
        assert (c.loc[both, col] - expected[both]).abs().max() < 0.01, col
        assert c.loc[~both, col].isna().all(), col
    # only a zero denominator (Isles of Scilly has no permanent staff) leaves a rate empty
    assert set(c.loc[c["turnover_rate_fte"].isna(), "code"]) <= {"E06000053"}


def test_inpost_totals_match_national(census: pd.DataFrame) -> None:
    nat = read("census_national.csv")
    nat = nat[nat["level"] == "National"].set_index("year")
    assert sorted(nat.index) == YEARS
    ours = census.groupby("year")["inpost_fte"].sum()
    rel = (ours / nat["inpost_fte"] - 1).abs()
    assert (rel < 0.01).all(), rel.to_dict()


def test_census_national_has_regions() -> None:
    nat = read("census_national.csv")
    areas = set(nat["area"])
    assert {"England", "London", "Inner London", "Outer London", "South East"} <= areas
    assert len(nat) == 12 * len(YEARS)


def test_mapped_units_have_derivation_notes(census: pd.DataFrame) -> None:
    notes = census.set_index(["code", "year"])["derived"].fillna("")
    assert "Cumbria" in notes[("E06000063", 2017)]
    assert "Bournemouth" in notes[("E06000058", 2018)]
    assert notes[("E06000058", 2019)] == ""
    assert "imputed" in notes[("E09000033", 2024)]


def test_edges_valid(edges: pd.DataFrame, councils: pd.DataFrame) -> None:
    known = set(councils["code"])
    assert set(edges["code_a"]) <= known and set(edges["code_b"]) <= known
    assert (edges["code_a"] < edges["code_b"]).all()  # no self loop, each pair once
    assert not edges.duplicated(["code_a", "code_b"]).any()
    assert set(edges["edge_type"]) == {"land", "tidal_water"}
    assert (edges.loc[edges["edge_type"] == "tidal_water", "shared_boundary_km"] == 0).all()
    assert (edges.loc[edges["edge_type"] == "land", "shared_boundary_km"] > 0).all()
    assert (edges["centroid_km"] > 0).all()
    # the joint units swallowed their internal edge
    for unit in JOINT:
        for member in unit.split(" / "):
            assert member not in known
            assert not ((edges["code_a"] == member) | (edges["code_b"] == member)).any()


def test_only_islands_lack_land_edges(edges: pd.DataFrame, councils: pd.DataFrame) -> None:
    land = edges[edges["edge_type"] == "land"]
    with_land = set(land["code_a"]) | set(land["code_b"])
    without = set(councils.loc[~councils["code"].isin(with_land), "name"])
    assert without == {"Isle of Wight", "Isles of Scilly"}
    islands = set(councils.loc[councils["island"] == 1, "name"])
    assert islands == without
    linked = set(edges["code_a"]) | set(edges["code_b"])
    assert councils.loc[councils["island"] == 0, "code"].isin(linked).all()


def test_bexley_neighbours(edges: pd.DataFrame, councils: pd.DataFrame) -> None:
    code = councils.set_index("name")["code"]
    bexley = code["Bexley"]
    mine = edges[(edges["code_a"] == bexley) | (edges["code_b"] == bexley)]
    other = {
        (b if a == bexley else a): t
        for a, b, t in zip(mine["code_a"], mine["code_b"], mine["edge_type"], strict=True)
    }
    assert other[code["Greenwich"]] == "land"
    assert other[code["Bromley"]] == "land"
    assert other[code["Havering"]] == "tidal_water"


def test_merged_edge_boundaries_summed(edges: pd.DataFrame) -> None:
    e = edges.set_index(["code_a", "code_b"])
    # Milton Keynes touches both North (2.58 km) and West (31.09 km) Northamptonshire
    assert e.loc[("E06000042", "E06000061 / E06000062"), "shared_boundary_km"] == pytest.approx(
        33.67, abs=0.01
    )


def test_grades(councils: pd.DataFrame) -> None:
    g = read("grades.csv")
    assert len(g) == 151 * len(YEARS)
    assert set(g["grade"]) <= GRADES
    assert set(g["grade_source"]) <= {"judgement", "predecessor", "backfilled"}
    assert set(g["code"]) == set(councils["code"])
    dates = pd.to_datetime(g["judgement_date"], format="%Y-%m-%d")
    as_at = pd.to_datetime(g["year"].astype(str) + "-09-30")
    back = g["grade_source"] == "backfilled"
    assert (dates[~back] <= as_at[~back]).all()
    assert (dates[back] > as_at[back]).all()
    cumberland = g[(g["code"] == "E06000063") & (g["year"] == 2024)].iloc[0]
    assert cumberland["grade_source"] == "predecessor"


def test_ofsted_judgements() -> None:
    j = read("ofsted_judgements.csv")
    assert set(j["grade"]) <= GRADES
    assert (j["inspection_date"] <= j["publication_date"]).all()


def test_geojson_matches_councils(councils: pd.DataFrame) -> None:
    geo = json.loads((SEEDS / "councils.geojson").read_text())
    codes = [f["properties"]["code"] for f in geo["features"]]
    assert len(codes) == 151 and set(codes) == set(councils["code"])
    types = {f["properties"]["code"]: f["geometry"]["type"] for f in geo["features"]}
    assert all(types[u] == "MultiPolygon" for u in JOINT)


def test_demand(councils: pd.DataFrame) -> None:
    d = read("demand.csv")
    assert set(d["code"]) == set(councils["code"])
    assert not d.duplicated(["code", "year"]).any()
    # gaps only where the source has no year at all: referrals start 2013, population ends 2024
    assert d.loc[d["referrals"].isna(), "year"].eq(2012).all()
    assert d.loc[d["child_population"].isna(), "year"].eq(2025).all()
    assert (d[["referrals", "child_population"]].fillna(0) >= 0).all().all()


def test_attrition_national() -> None:
    a = read("attrition_national.csv")
    assert sorted(a["year"]) == [2021, 2022, 2023, 2024]
    assert "source" not in a.columns
