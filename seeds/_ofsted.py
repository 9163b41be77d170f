"""Ofsted ILACS seeds: every judgement mapped to a reporting unit, and the grade at 30 September."""

from __future__ import annotations

import pandas as pd
from _mapping import JOINT_UNITS, PREDECESSORS, SPLITS

GRADE_RANK = {"Outstanding": 1, "Good": 2, "Requires improvement": 3, "Inadequate": 4}
NORMALISE = {"Requires improvement to be good": "Requires improvement"}
SOURCE_RANK = {"judgement": 0, "predecessor": 1, "backfilled": 2}


def load_judgements(path: str) -> pd.DataFrame:
    """Read the ILACS file: ISO dates and grades normalised to the four allowed values."""
    raw = pd.read_csv(path, dtype=str)
    out = pd.DataFrame(
        {
            "ofsted_code": raw["Local authority area code"],
            "ofsted_name": raw["Local authority name"],
            "inspection_date": pd.to_datetime(raw["Inspection date"], format="%d/%m/%Y"),
            "publication_date": pd.to_datetime(raw["Publication date"], format="%d/%m/%Y"),
            "grade": raw["Overall effectiveness"].replace(NORMALISE),
            "inspection_type": raw["Inspection type"],
        }
    )
    bad = set(out["grade"]) - set(GRADE_RANK)
    if bad:
        raise ValueError(f"unexpected grades {bad}")
    return out


def unit_targets(code: str, units: set[str]) -> list[str]:
    """The reporting unit(s) whose history a judgement of `code` belongs to."""
    member_of = {m: u for u, ms in JOINT_UNITS.items() for m in ms}
    targets = {member_of.get(code, code)} if code in units or code in member_of else set()
    for new, olds in PREDECESSORS.items():
        if code in olds:
            targets.add(member_of.get(new, new))
    return sorted(targets | set(SPLITS.get(code, ())))


def judgements_table(judg: pd.DataFrame, units: set[str]) -> pd.DataFrame:
    """Every judgement, once per reporting unit it maps to (Cumbria's maps to both successors)."""
    rows = []
    for rec in judg.to_dict("records"):
        targets = unit_targets(rec["ofsted_code"], units)
        if not targets:
            raise ValueError(f"judgement for unknown council {rec['ofsted_code']}")
        rows += [{"code": t, **rec} for t in targets]
    out = pd.DataFrame(rows).sort_values(["code", "publication_date", "ofsted_code"])
    for col in ("inspection_date", "publication_date"):
        out[col] = out[col].dt.strftime("%Y-%m-%d")
    cols = [
        "code",
        "ofsted_code",
        "ofsted_name",
        "inspection_date",
        "publication_date",
        "grade",
        "inspection_type",
    ]
    return out[cols].reset_index(drop=True)


def _member_grade(judg: pd.DataFrame, member: str, when: pd.Timestamp) -> dict:
    """Grade of one council at `when` from its own and its predecessors' judgements."""
    own = judg[judg["ofsted_code"] == member].assign(kind="judgement")
    pred = judg[judg["ofsted_code"].isin(PREDECESSORS.get(member, ()))].assign(kind="predecessor")
    hist = pd.concat([own, pred]).sort_values(["publication_date", "kind"])
    if hist.empty:
        raise ValueError(f"no judgement at all for {member}")
    past = hist[hist["publication_date"] <= when]
    if len(past):
        last = past.iloc[-1]
        return {"grade": last["grade"], "date": last["publication_date"], "source": last["kind"]}
    first = hist.iloc[0]
    return {"grade": first["grade"], "date": first["publication_date"], "source": "backfilled"}


def grades_table(judg: pd.DataFrame, units: list[str], years: range) -> pd.DataFrame:
    """Grade of every unit at 30 September of each year; joint units take the worse member grade."""
    rows = []
    for code in units:
        members = JOINT_UNITS.get(code, (code,))
        for year in years:
            when = pd.Timestamp(year=year, month=9, day=30)
            cands = [_member_grade(judg, m, when) for m in members]
            best = max(
                cands, key=lambda c: (GRADE_RANK[c["grade"]], -SOURCE_RANK[c["source"]], c["date"])
            )
            rows.append(
                {
                    "code": code,
                    "year": year,
                    "grade": best["grade"],
                    "judgement_date": best["date"].strftime("%Y-%m-%d"),
                    "grade_source": best["source"],
                }
            )
    return pd.DataFrame(rows).sort_values(["code", "year"]).reset_index(drop=True)
