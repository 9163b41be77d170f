"""Shared helpers: the 2024 reporting-unit structure and how older council codes map onto it."""

from __future__ import annotations

import numpy as np
import pandas as pd

JOINT_UNITS: dict[str, tuple[str, str]] = {
    "E09000021 / E09000027": ("E09000021", "E09000027"),  # Kingston upon Thames / Richmond
    "E06000061 / E06000062": ("E06000061", "E06000062"),  # North / West Northamptonshire
}

# Old or member code -> (reporting unit, note written into `derived`).
RECODE: dict[str, tuple[str, str]] = {
    "E10000002": ("E06000060", "recoded from Buckinghamshire CC E10000002 (same area)"),
    "E10000023": ("E06000065", "recoded from North Yorkshire CC E10000023 (same area)"),
    "E10000027": ("E06000066", "recoded from Somerset CC E10000027 (same area)"),
    "E10000009": ("E06000059", "from Dorset CC E10000009 (pre-2019 county, without Christchurch)"),
    "E06000028": ("E06000058", "sum of Bournemouth E06000028 and Poole E06000029"),
    "E06000029": ("E06000058", "sum of Bournemouth E06000028 and Poole E06000029"),
    "E10000021": ("E06000061 / E06000062", "from Northamptonshire CC E10000021"),
    "E06000061": ("E06000061 / E06000062", "sum of North and West Northamptonshire"),
    "E06000062": ("E06000061 / E06000062", "sum of North and West Northamptonshire"),
    "E09000021": ("E09000021 / E09000027", "sum of Kingston and Richmond upon Thames"),
    "E09000027": ("E09000021 / E09000027", "sum of Kingston and Richmond upon Thames"),
}

# Old code split between successors pro rata to their shares in the first year both appear.
SPLITS: dict[str, tuple[str, ...]] = {"E10000006": ("E06000063", "E06000064")}  # Cumbria

# Predecessor codes for Ofsted grades (a new unit inherits these until inspected itself).
PREDECESSORS: dict[str, tuple[str, ...]] = {
    "E06000058": ("E06000028", "E06000029"),
    "E06000059": ("E10000009",),
    "E06000060": ("E10000002",),
    "E06000061": ("E10000021",),
    "E06000062": ("E10000021",),
    "E06000063": ("E10000006",),
    "E06000064": ("E10000006",),
    "E06000065": ("E10000023",),
    "E06000066": ("E10000027",),
}

SYMBOLS = ["x", "c", "u", "z", "low", ""]


def to_number(series: pd.Series) -> pd.Series:
    """Convert a published column to float; suppression symbols become NaN."""
    return pd.to_numeric(series.replace(SYMBOLS, np.nan), errors="coerce")


def nan_sum(frame: pd.DataFrame, keys: list[str], cols: list[str]) -> pd.DataFrame:
    """Group-wise sum that stays NaN if any component is NaN (no silent partial sums)."""
    grouped = frame.groupby(keys, sort=True)
    total = grouped[cols].sum()
    has_nan = frame[cols].isna().groupby([frame[k] for k in keys]).sum() > 0
    return total.mask(has_nan.reindex(total.index)).reset_index()


def map_to_units(src: pd.DataFrame, cols: list[str], units: set[str]) -> pd.DataFrame:
    """Map rows keyed by (code, year) in any past structure onto the 2024 reporting units.

    Counts are summed over merged councils; a split council is shared between its successors
    pro rata to their values in the first year the successors report (per column). Returns
    columns code, year, *cols, derived.
    """
    rows = []
    for old, succ in SPLITS.items():
        later = src[src["code"].isin(succ)]
        first = later["year"].min()
        base = later[later["year"] == first].set_index("code")[cols]
        shares = base / base.sum()
        for _, rec in src[src["code"] == old].iterrows():
            for new in succ:
                row = {"code": new, "year": rec["year"]}
                row.update({c: rec[c] * shares.at[new, c] for c in cols})
                row["derived"] = (
                    f"Cumbria E10000006 split by successors' {first} "
                    f"{cols[0] if len(cols) == 1 else 'count'} shares"
                )
                rows.append(row)
    split_part = pd.DataFrame(rows)
    rest = src[~src["code"].isin(SPLITS)].copy()
    rest["derived"] = [RECODE[c][1] if c in RECODE else "" for c in rest["code"]]
    rest["code"] = [RECODE[c][0] if c in RECODE else c for c in rest["code"]]
    both = pd.concat([rest[["code", "year", *cols, "derived"]], split_part], ignore_index=True)
    out = nan_sum(both, ["code", "year"], cols)
    notes = both.groupby(["code", "year"])["derived"].agg(
        lambda s: "; ".join(sorted(set(s) - {""}))
    )
    out = out.merge(notes.reset_index(), on=["code", "year"])
    unknown = set(out["code"]) - units
    if unknown:
        raise ValueError(f"codes not mapped to a 2024 unit: {sorted(unknown)}")
    return out


def add_note(old: str, new: str) -> str:
    """Join two `derived` notes with '; '."""
    return "; ".join(p for p in (old, new) if p)
