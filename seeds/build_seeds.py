"""Rebuild every seed table in seeds/ from the raw official statistics in shared/data.

Usage: python seeds/build_seeds.py [--shared PATH]   (default: <repo>/../shared/data)

All outputs are deterministic: rows sorted, floats rounded to fixed decimals.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _geo import build_councils, build_edges, build_geojson  # noqa: E402
from _mapping import add_note, map_to_units, to_number  # noqa: E402
from _ofsted import grades_table, judgements_table, load_judgements  # noqa: E402

SEEDS = Path(__file__).resolve().parent
YEARS = range(2017, 2025)
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
RATES = ["caseload_fte", "turnover_rate_fte", "agency_rate_fte", "vacancy_rate_fte"]
CENSUS_COLS = ["code", "year", *COUNTS, *RATES, "derived"]


def read_table(path: Path) -> pd.DataFrame:
    """Read an EES-style CSV with every cell as text (symbols kept for to_number)."""
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def add_rates(df: pd.DataFrame) -> pd.DataFrame:
    """Recompute the four rates from (already rounded) counts; NaN where a denominator is 0."""

    def ratio(num: pd.Series, den: pd.Series, scale: float) -> pd.Series:
        return (scale * num / den.where(den > 0)).round(3)

    df["caseload_fte"] = ratio(df["cases"], df["case_holders_fte"], 1.0)
    df["turnover_rate_fte"] = ratio(df["leavers_fte"], df["inpost_fte"], 100.0)
    df["agency_rate_fte"] = ratio(df["agency_fte"], df["agency_fte"] + df["inpost_fte"], 100.0)
    df["vacancy_rate_fte"] = ratio(df["vacancy_fte"], df["vacancy_fte"] + df["inpost_fte"], 100.0)
    return df


# Imputation base: a count is scaled by this column when the row has it, else by inpost_fte.
IMPUTE_BASE = {"agency_cover_fte": "agency_fte", "cases": "case_holders_fte"}


def impute_census(df: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Fill missing counts from the same unit's nearest reported year, scaled to this year.

    value(y) = count(y') / base(y') * base(y), where y' is the nearest year with a published
    value (ties: the later year) and base is in-post FTE (agency FTE for agency cover,
    case holders for cases). Only published values are used as donors, never imputed ones.
    Falls back to the regional ratio in the same year if the unit never reports the count.
    Returns the filled frame and the number of cells imputed.
    """
    df = df.sort_values(["code", "year"]).reset_index(drop=True)
    published = df[COUNTS].notna()
    n_cells = 0
    for i in df.index[~published.all(axis=1)]:
        code, year = df.at[i, "code"], df.at[i, "year"]
        notes: dict[str, list[str]] = {}
        for col in [c for c in COUNTS if not published.at[i, c]]:
            base = IMPUTE_BASE.get(col, "inpost_fte")
            base = base if df.at[i, base] > 0 else "inpost_fte"
            ok = published[col] & published[base] & (df[base] > 0)
            donors = df[ok & (df["code"] == code)]
            if len(donors):
                j = (donors["year"] - year).abs().mul(2).sub(donors["year"] > year).idxmin()
                ratio = donors.at[j, col] / donors.at[j, base]
                how = f"{donors.at[j, 'year']} ratio to {base}"
            else:
                peers = df[ok & (df["region"] == df.at[i, "region"]) & (df["year"] == year)]
                ratio = peers[col].sum() / peers[base].sum()
                how = f"regional ratio to {base}"
            df.at[i, col] = ratio * df.at[i, base]
            notes.setdefault(how, []).append(col)
            n_cells += 1
        text = "; ".join(f"imputed {', '.join(c)} from {h}" for h, c in sorted(notes.items()))
        df.at[i, "derived"] = add_note(df.at[i, "derived"], text)
    return df, n_cells


def build_census(raw: pd.DataFrame, units: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Local-authority census rows 2017-2024 mapped onto the 151 units of 2024."""
    la = raw[raw["geographic_level"] == "Local authority"]
    src = pd.DataFrame({"code": la["new_la_code"], "year": la["time_period"].astype(int)})
    for col in COUNTS:
        src[col] = to_number(la[col]).to_numpy()
    out = map_to_units(src, COUNTS, set(units["code"]))
    out = out.merge(units[["code", "region"]], on="code")
    out, n_cells = impute_census(out)
    out[COUNTS] = out[COUNTS].round(3)
    out = add_rates(out)
    expected = len(units) * len(YEARS)
    assert len(out) == expected and not out[COUNTS].isna().any().any(), "census panel incomplete"
    return out[CENSUS_COLS].sort_values(["code", "year"]).reset_index(drop=True), n_cells


def build_census_national(raw: pd.DataFrame) -> pd.DataFrame:
    """National and regional (incl. Inner/Outer London) rows exactly as published."""
    agg = raw[raw["geographic_level"].isin(["National", "Regional"])]
    out = pd.DataFrame(
        {
            "level": agg["geographic_level"],
            "code": np.where(
                agg["geographic_level"] == "National", agg["country_code"], agg["region_code"]
            ),
            "area": np.where(
                agg["geographic_level"] == "National", agg["country_name"], agg["region_name"]
            ),
            "year": agg["time_period"].astype(int),
        }
    )
    for col in COUNTS + RATES:
        out[col] = to_number(agg[col]).to_numpy()
    order = out["level"].map({"National": 0, "Regional": 1})
    return out.assign(o=order).sort_values(["o", "code", "year"]).drop(columns="o")


def impute_residual(
    mapped: pd.DataFrame, col: str, regional: pd.Series, region_of: dict[str, str]
) -> tuple[pd.DataFrame, int]:
    """Fill gaps with the published regional total minus the units that report, split among the
    missing units of that region by their shares in the nearest year where all of them report."""
    mapped = mapped.copy()
    mapped["region"] = mapped["code"].map(region_of)
    original = mapped.copy()
    n_cells = 0
    gaps = mapped[mapped[col].isna() & mapped["year"].isin(regional.index.get_level_values(0))]
    for (year, region), grp in gaps.groupby(["year", "region"]):
        same = mapped[(mapped["year"] == year) & (mapped["region"] == region)]
        residual = max(regional.get((year, region), np.nan) - same[col].sum(), 0.0)
        wide = (
            original[original["code"].isin(grp["code"])]
            .pivot(index="year", columns="code", values=col)
            .dropna()
        )
        ref = wide.index[np.argmin(np.abs(wide.index - year) * 2 - (wide.index > year))]
        shares = wide.loc[ref] / wide.loc[ref].sum()
        for i in grp.index:
            mapped.at[i, col] = residual * shares[mapped.at[i, "code"]]
            note = f"{col} = regional total minus other units, split by {ref} shares"
            mapped.at[i, "derived"] = add_note(mapped.at[i, "derived"], note)
            n_cells += 1
    return mapped.drop(columns="region"), n_cells


def build_demand(
    shared: Path, units: set[str], census_raw: pd.DataFrame
) -> tuple[pd.DataFrame, int]:
    """CIN referrals (year to 31 March) and 0-17 population (mid-year) on the 151 units.

    A unit's region for the residual imputation is its census region (Inner/Outer London split).
    """
    is_la = census_raw["geographic_level"] == "Local authority"
    la24 = census_raw[is_la & (census_raw["time_period"] == "2024")]
    region_of = dict(zip(la24["new_la_code"], la24["region_name"], strict=True))
    parts, n_total = [], 0
    for fname, col, out_col in [
        ("cin_referrals_2013_to_2025.csv", "referral_count", "referrals"),
        ("child_population_0_17_2012_to_2024.csv", "population_estimate", "child_population"),
    ]:
        raw = read_table(shared / "demand" / fname)
        la = raw[raw["geographic_level"] == "Local authority"]
        src = pd.DataFrame(
            {
                "code": la["new_la_code"],
                "year": la["time_period"].astype(int),
                out_col: to_number(la[col]).to_numpy(),
            }
        )
        mapped = map_to_units(src, [out_col], units)
        reg = raw[raw["geographic_level"] == "Regional"]
        regional = pd.Series(
            to_number(reg[col]).to_numpy(),
            index=pd.MultiIndex.from_arrays([reg["time_period"].astype(int), reg["region_name"]]),
        )
        mapped, n = impute_residual(mapped, out_col, regional, region_of)
        n_total += n
        parts.append(mapped)
    out = parts[0].merge(parts[1], on=["code", "year"], how="outer", suffixes=("_r", "_p"))
    out["derived"] = [
        "; ".join(dict.fromkeys(n for d in pair if isinstance(d, str) for n in d.split("; ") if n))
        for pair in zip(out["derived_r"], out["derived_p"], strict=True)
    ]
    full = pd.MultiIndex.from_product(
        [sorted(units), range(out["year"].min(), out["year"].max() + 1)], names=["code", "year"]
    )
    out = out.set_index(["code", "year"]).reindex(full).reset_index()
    out["derived"] = out["derived"].fillna("")
    out = out.round({"referrals": 3, "child_population": 3})
    return out[["code", "year", "referrals", "child_population", "derived"]], n_total


def write_csv(df: pd.DataFrame, name: str) -> None:
    """Write a seed CSV with a fixed float format and Unix newlines."""
    df.to_csv(SEEDS / name, index=False, float_format="%.15g", lineterminator="\n")


def main(argv: list[str] | None = None) -> None:
    """Build all seeds and print a short summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=SEEDS.parent.parent / "shared" / "data")
    shared = parser.parse_args(argv).shared

    census_raw = read_table(shared / "csww" / "csww_indicators_2017_to_2024.csv")
    la24 = census_raw[
        (census_raw["geographic_level"] == "Local authority")
        & (census_raw["time_period"] == "2024")
    ]
    census_units = pd.DataFrame(
        {"code": la24["new_la_code"], "name": la24["la_name"], "census_region": la24["region_name"]}
    )
    nodes = pd.read_csv(shared / "geo" / "nodes.csv")
    councils = build_councils(nodes, census_units)
    write_csv(councils, "councils.csv")

    census, n_census = build_census(census_raw, councils)
    write_csv(census, "census.csv")
    write_csv(build_census_national(census_raw), "census_national.csv")

    attr = pd.read_csv(shared / "csww" / "attrition_national_2021_to_2024.csv")
    attr = attr.drop(columns="source").rename(columns={"time_period": "year"})
    write_csv(attr.sort_values("year"), "attrition_national.csv")

    judg = load_judgements(str(shared / "ofsted" / "ilacs_judgements_2018_to_2024-09.csv"))
    units = set(councils["code"])
    write_csv(judgements_table(judg, units), "ofsted_judgements.csv")
    grades = grades_table(judg, sorted(units), YEARS)
    write_csv(grades, "grades.csv")

    edges = build_edges(pd.read_csv(shared / "geo" / "edges.csv"), councils)
    write_csv(edges, "edges.csv")
    geo = build_geojson(shared / "geo" / "councils_2023.geojson", councils)
    (SEEDS / "councils.geojson").write_text(json.dumps(geo, separators=(",", ":")) + "\n")

    demand, n_demand = build_demand(shared, units, census_raw)
    write_csv(demand, "demand.csv")

    no_land = sorted(
        set(councils["code"])
        - set(edges.loc[edges["edge_type"] == "land", ["code_a", "code_b"]].stack())
    )
    print(
        f"units: {len(councils)} (islands: {', '.join(councils.loc[councils.island == 1, 'name'])})"
    )
    print(f"edges: {len(edges)} = {edges['edge_type'].value_counts().sort_index().to_dict()}")
    print(f"units without a land edge: {no_land}")
    print(
        f"census rows: {len(census)}; imputed count cells: {n_census}; "
        f"rows with derived note: {(census['derived'] != '').sum()}"
    )
    print(f"grades by source: {grades['grade_source'].value_counts().sort_index().to_dict()}")
    print(
        f"demand rows: {len(demand)}; imputed cells: {n_demand}; NaN cells: "
        f"{demand[['referrals', 'child_population']].isna().sum().to_dict()}"
    )


if __name__ == "__main__":
    main()
