"""Estimate the Ofsted (ILACS) process for the model from the project's own seeds.

Reads only seeds/ofsted_judgements.csv, seeds/grades.csv, seeds/census.csv and seeds/councils.csv
and writes two tidy tables (deterministic: sorted rows, fixed rounding):

* seeds/ofsted_process.csv       re-inspection timing by grade (constant and piecewise monthly
                                 hazards, Kaplan-Meier shares and medians), the transition matrix
                                 at re-inspection, the pressure logits, and cross-sectional
                                 workforce facts by grade;
* seeds/ofsted_event_study.csv   stacked difference-in-differences of the census measures around
                                 judgements (to Inadequate, out of Inadequate, to Outstanding).

Run: python seeds/build_ofsted_process.py   (pandas, numpy and scipy only; a few seconds).
Method and caveats: docs/ofsted_process.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import optimize, stats

SEEDS = Path(__file__).resolve().parent
CENSOR = pd.Timestamp("2024-09-30")  # the judgements file covers publications to 30 Sep 2024
MONTH_DAYS = 365.25 / 12
GRADES = ["Outstanding", "Good", "Requires improvement", "Inadequate"]
RANK = {g: i for i, g in enumerate(GRADES)}  # 0 best .. 3 worst
KR_JOINT = "E09000021 / E09000027"  # Kingston + Richmond: two councils, inspected separately
BANDS = [(0, 24), (24, 36), (36, 48), (48, 60), (60, np.inf)]
KM_HORIZONS = [12, 24, 36, 48, 60]
PRESSURE = {
    "turnover_rate_fte": "turnover %",
    "agency_rate_fte": "agency rate %",
    "caseload_fte": "caseload",
    "vacancy_rate_fte": "vacancy rate %",
    "model_z": "model pressure index z",
}
OUTCOMES = {
    "turnover_rate_fte": "turnover %",
    "agency_rate_fte": "agency rate %",
    "vacancy_rate_fte": "vacancy rate %",
    "caseload_fte": "caseload",
    "starters_rate": "starters / in post %",
    "log_inpost": "log in-post FTE",
    "log_establishment": "log (in post + vacancies) FTE",
    "log_agency": "log (1 + agency FTE)",
}
EVENT_TIMES = [-2, -1, 0, 1, 2, 3]  # -1 is the reference year


# ------------------------------------------------------------------------------------ loading
def load() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    j = pd.read_csv(SEEDS / "ofsted_judgements.csv", dtype=str)
    for col in ("inspection_date", "publication_date"):
        j[col] = pd.to_datetime(j[col])
    g = pd.read_csv(SEEDS / "grades.csv", dtype={"code": str})
    c = pd.read_csv(SEEDS / "census.csv", dtype={"code": str})
    u = pd.read_csv(SEEDS / "councils.csv", dtype={"code": str})
    return j, g, c, u


def judgement_sequences(j: pd.DataFrame) -> pd.DataFrame:
    """One row per judgement in a 'lineage' (the history a model unit carries), with the next one.

    Lineage = reporting unit, except Kingston and Richmond (two councils inspected separately,
    one joint census return): each is its own lineage. A successor's first own judgement counts as
    the re-inspection of the grade it inherited (BCP from Bournemouth, the Northamptonshire unit
    from Northamptonshire, Cumberland and Westmorland & Furness from Cumbria). Judgements of the
    same unit published the same day (North and West Northamptonshire) are one event (worse grade).
    """
    j = j.copy()
    j["lineage"] = np.where(j["code"] == KR_JOINT, j["ofsted_code"], j["code"])
    j["rank"] = j["grade"].map(RANK)
    j = (j.sort_values(["lineage", "publication_date", "rank"])
           .groupby(["lineage", "publication_date"], as_index=False).last())
    j = j.sort_values(["lineage", "publication_date"]).reset_index(drop=True)
    nxt = j.groupby("lineage")
    j["seq"] = nxt.cumcount() + 1
    j["prev_grade"] = nxt["grade"].shift(1)
    j["next_grade"] = nxt["grade"].shift(-1)
    j["next_publication"] = nxt["publication_date"].shift(-1)
    j["next_inspection"] = nxt["inspection_date"].shift(-1)
    j["next_type"] = nxt["inspection_type"].shift(-1)
    j["event"] = j["next_grade"].notna().astype(int)
    end = j["next_publication"].fillna(CENSOR)
    j["months"] = (end - j["publication_date"]).dt.days / MONTH_DAYS
    j["months_to_next_inspection"] = (j["next_inspection"] - j["publication_date"]).dt.days / MONTH_DAYS
    return j


def inspection_pause(j: pd.DataFrame) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The longest gap between inspection start dates (the 2020-21 pandemic suspension)."""
    d = j["inspection_date"].drop_duplicates().sort_values().reset_index(drop=True)
    i = int(d.diff().idxmax())
    return d[i - 1] + pd.Timedelta(days=1), d[i]


def months_outside(start: pd.Series, end: pd.Series, pause: tuple) -> pd.Series:
    """Spell length in months with the clock stopped during the inspection pause."""
    lo = np.maximum(start.values.astype("datetime64[ns]"), np.datetime64(pause[0]))
    hi = np.minimum(end.values.astype("datetime64[ns]"), np.datetime64(pause[1]))
    overlap = np.maximum((hi - lo) / np.timedelta64(1, "D"), 0)
    return ((end - start).dt.days - overlap) / MONTH_DAYS


# ------------------------------------------------------------------------------ 1. timing
def poisson_ci(events: float, exposure: float) -> tuple[float, float]:
    lo = stats.chi2.ppf(0.025, 2 * events) / 2 / exposure if events > 0 else 0.0
    hi = stats.chi2.ppf(0.975, 2 * events + 2) / 2 / exposure
    return lo, hi


def kaplan_meier(t: np.ndarray, e: np.ndarray) -> pd.DataFrame:
    times = np.unique(t[e == 1])
    s, rows = 1.0, []
    for x in times:
        at_risk = (t >= x).sum()
        d = ((t == x) & (e == 1)).sum()
        s *= 1 - d / at_risk
        rows.append((x, s, at_risk))
    return pd.DataFrame(rows, columns=["t", "surv", "at_risk"])


def km_at(km: pd.DataFrame, h: float) -> float:
    past = km[km["t"] <= h]
    return 1.0 if past.empty else float(past["surv"].iloc[-1])


def km_median(km: pd.DataFrame) -> float:
    hit = km[km["surv"] <= 0.5]
    return float(hit["t"].iloc[0]) if len(hit) else np.nan


def weibull_fit(t: np.ndarray, e: np.ndarray) -> tuple[float, float, float]:
    """Censored Weibull ML fit: shape k, scale lam (months); S(t) = exp(-(t/lam)^k)."""
    t = np.maximum(t, 1e-3)

    def nll(th: np.ndarray) -> float:
        k, lam = np.exp(th)
        z = (t / lam) ** k
        return -np.sum(e * (np.log(k / lam) + (k - 1) * np.log(t / lam)) - z)

    res = optimize.minimize(nll, np.array([np.log(3.0), np.log(50.0)]), method="Nelder-Mead",
                            options=dict(xatol=1e-9, fatol=1e-10, maxiter=4000))
    k, lam = np.exp(res.x)
    return k, lam, -res.fun


def timing_tables(sp: pd.DataFrame, pause: tuple) -> list[dict]:
    rows = []
    sp = sp.assign(months_paused=months_outside(sp["publication_date"],
                                                sp["next_publication"].fillna(CENSOR), pause))
    for clock, col in (("calendar", "months"), ("pause_excluded", "months_paused")):
        for grade in GRADES + ["All"]:
            s = sp if grade == "All" else sp[sp["grade"] == grade]
            t, e = s[col].to_numpy(), s["event"].to_numpy()
            for lo, hi in [(0, np.inf)] + BANDS:
                expo = np.clip(np.minimum(t, hi) - lo, 0, None).sum()
                ev = int(((t >= lo) & (t < hi) & (e == 1)).sum())
                n = int((t > lo).sum()) if lo > 0 else len(t)
                h = ev / expo if expo > 0 else np.nan
                ci = poisson_ci(ev, expo) if expo > 0 else (np.nan, np.nan)
                period = f"{lo}-" if hi == np.inf else f"{lo}-{hi}"
                rows.append(dict(quantity="reinspection_hazard_per_month", grade=grade,
                                 measure=clock, period=period, value=h, ci_low=ci[0],
                                 ci_high=ci[1], events=ev, exposure_months=expo, n=n))
            km = kaplan_meier(t, e)
            for h in KM_HORIZONS:
                rows.append(dict(quantity="share_reinspected_by_month", grade=grade, measure=clock,
                                 period=str(h), value=1 - km_at(km, h), n=len(t),
                                 events=int(((t <= h) & (e == 1)).sum())))
            rows.append(dict(quantity="median_months_to_next_judgement_km", grade=grade,
                             measure=clock, value=km_median(km), n=len(t), events=int(e.sum())))
            k, lam, ll = weibull_fit(t, e)
            for q, v in (("weibull_shape", k), ("weibull_scale_months", lam),
                         ("weibull_median_months", lam * np.log(2) ** (1 / k))):
                rows.append(dict(quantity=q, grade=grade, measure=clock, value=v, n=len(t),
                                 events=int(e.sum())))
            for h in (24, 36, 48):
                rows.append(dict(quantity="weibull_share_reinspected_by_month", grade=grade,
                                 measure=clock, period=str(h), value=1 - np.exp(-(h / lam) ** k),
                                 n=len(t), events=int(e.sum())))
            if clock == "calendar":
                obs = s.loc[s["event"] == 1]
                rows.append(dict(quantity="median_months_to_next_judgement_reinspected_only",
                                 grade=grade, measure=clock, value=obs["months"].median(),
                                 n=len(obs), events=len(obs)))
                rows.append(dict(quantity="median_months_publication_to_next_inspection_start",
                                 grade=grade, measure=clock,
                                 value=obs["months_to_next_inspection"].median(), n=len(obs),
                                 events=len(obs)))
    return rows


# ------------------------------------------------------------------------- 2. transitions
def wilson(k: int, n: int) -> tuple[float, float]:
    if n == 0:
        return np.nan, np.nan
    z, p = 1.959964, k / n
    mid = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(mid - half, 0.0), min(mid + half, 1.0)


def transition_tables(sp: pd.DataFrame) -> tuple[list[dict], pd.DataFrame]:
    tr = sp[sp["event"] == 1]
    rows = []
    mat = pd.crosstab(tr["grade"], tr["next_grade"]).reindex(index=GRADES, columns=GRADES,
                                                             fill_value=0)
    for a in GRADES:
        n = int(mat.loc[a].sum())
        for b in GRADES:
            k = int(mat.loc[a, b])
            lo, hi = wilson(k, n)
            rows.append(dict(quantity="transition_prob", grade=a, to_grade=b,
                             value=k / n if n else np.nan, ci_low=lo, ci_high=hi, events=k, n=n))
        sub = tr[tr["grade"] == a]
        step = sub["next_grade"].map(RANK) - sub["grade"].map(RANK)
        for name, mask in (("better", step < 0), ("same", step == 0), ("worse", step > 0)):
            k = int(mask.sum())
            lo, hi = wilson(k, n)
            rows.append(dict(quantity=f"share_{name}_at_reinspection", grade=a,
                             value=k / n if n else np.nan, ci_low=lo, ci_high=hi, events=k, n=n))
        moved = sub[step != 0]
        rows.append(dict(quantity="median_months_to_reinspection_given_change", grade=a,
                         value=moved["months"].median() if len(moved) else np.nan,
                         events=len(moved), n=len(moved)))
    return rows, mat


# -------------------------------------------------------------------- 3. pressure logits
def logit_fit(y: np.ndarray, X: np.ndarray, groups: np.ndarray) -> dict:
    """Newton-Raphson logit; model-based and council-clustered standard errors."""
    b = np.zeros(X.shape[1])
    for _ in range(100):
        p = 1 / (1 + np.exp(-X @ b))
        H = X.T @ (X * (p * (1 - p))[:, None])
        step = np.linalg.solve(H + 1e-9 * np.eye(len(b)), X.T @ (y - p))
        b += step
        if np.abs(step).max() < 1e-10:
            break
    p = 1 / (1 + np.exp(-X @ b))
    Hinv = np.linalg.inv(X.T @ (X * (p * (1 - p))[:, None]))
    score = X * (y - p)[:, None]
    G = pd.Series(range(len(y))).groupby(groups).apply(lambda i: score[i.to_numpy()].sum(0))
    meat = sum(np.outer(s, s) for s in G)
    g = len(G)
    Vc = Hinv @ meat @ Hinv * g / (g - 1)
    ll = np.sum(y * np.log(p) + (1 - y) * np.log(1 - p))
    return dict(b=b, se=np.sqrt(np.diag(Hinv)), se_cl=np.sqrt(np.diag(Vc)), ll=ll,
                max_abs_b=np.abs(b).max())


def pressure_panel(c: pd.DataFrame, u: pd.DataFrame) -> pd.DataFrame:
    tiny = set(u.loc[u["tiny"] == 1, "code"])
    p = c[~c["code"].isin(tiny)].copy()
    # the model's own index (sim/phases/councils.py::workforce_pressure), rates as fractions
    p["model_z"] = ((p["caseload_fte"] - 16.5) / 3.0 + (p["agency_rate_fte"] / 100 - 0.16) / 0.10
                    + (p["turnover_rate_fte"] / 100 - 0.15) / 0.08) / 3.0
    for m in PRESSURE:
        raw = p[m]
        p[m + "_zp"] = (raw - raw.mean()) / raw.std() if m != "model_z" else raw
        p[m + "_zy"] = p.groupby("year")[m].transform(lambda s: (s - s.mean()) / s.std())
    return p


def census_year_before(d: pd.Series) -> pd.Series:
    """Year of the last census (30 September) strictly before date d."""
    sep30 = pd.to_datetime(d.dt.year.astype(str) + "-09-30")
    return np.where(d > sep30, d.dt.year, d.dt.year - 1)


def pressure_logits(sp: pd.DataFrame, panel: pd.DataFrame) -> tuple[list[dict], pd.DataFrame]:
    tr = sp[sp["event"] == 1].copy()
    tr["unit"] = tr["code"]
    tr["cyear"] = census_year_before(tr["next_inspection"])
    tr = tr.merge(panel, left_on=["unit", "cyear"], right_on=["code", "year"], how="inner",
                  suffixes=("", "_c"))
    step = tr["next_grade"].map(RANK) - tr["grade"].map(RANK)
    tr["worse"], tr["better"] = (step > 0).astype(int), (step < 0).astype(int)
    rows = []
    for outcome, excl in (("worse", "Inadequate"), ("better", "Outstanding")):
        s = tr[tr["grade"] != excl]
        levels = [gr for gr in GRADES if gr != excl and gr != "Good"]
        base = np.column_stack([np.ones(len(s))] + [(s["grade"] == gr).to_numpy(float)
                                                    for gr in levels])
        y = s[outcome].to_numpy(float)
        null = logit_fit(y, base, s["lineage"].to_numpy())
        for m in PRESSURE:
            for std, suffix in (("pooled", "_zp"), ("within_year", "_zy")):
                if m == "model_z" and std == "pooled":
                    suffix = ""
                    std = "model_scale"
                x = s[m + suffix].to_numpy(float)
                fit = logit_fit(y, np.column_stack([base, x]), s["lineage"].to_numpy())
                lr = 2 * (fit["ll"] - null["ll"])
                rows.append(dict(quantity=f"logit_{outcome}_per_sd_pressure", grade="All",
                                 measure=f"{m}|{std}", value=fit["b"][-1], se=fit["se"][-1],
                                 se_clustered=fit["se_cl"][-1],
                                 p_value=2 * stats.norm.sf(abs(fit["b"][-1] / fit["se_cl"][-1])),
                                 p_value_lr=stats.chi2.sf(lr, 1), events=int(y.sum()), n=len(y)))
    z = panel["model_z"]
    rows.append(dict(quantity="model_z_distribution", grade="All", measure="model_z",
                     period="2017-2024", value=z.mean(), se=z.std(), n=int(z.notna().sum())))
    return rows, tr


def model_form_fit(tr: pd.DataFrame) -> list[dict]:
    """ML fit of the lead's inspection rule: P(worse)=expit(c+w z), P(better)=expit(c-w z),
    one step, no worse from Inadequate and no better from Outstanding (the model clips)."""
    z = tr["model_z"].to_numpy(float)
    r0 = tr["grade"].map(RANK).to_numpy()
    step = np.sign(tr["next_grade"].map(RANK).to_numpy() - r0)

    def nll(theta: np.ndarray) -> float:
        c, w = theta
        pw = 1 / (1 + np.exp(-(c + w * z)))
        pb = 1 / (1 + np.exp(-(c - w * z)))
        pw = np.where(r0 == 3, 0.0, pw)  # clipped at Inadequate: a 'worse' draw keeps the grade
        pb = np.where(r0 == 0, 0.0, pb)
        # at the clipped end the 'worse' draw is a 'same' outcome (see councils_phase)
        p_same = 1 - pw - pb
        p = np.where(step > 0, pw, np.where(step < 0, pb, p_same))
        return -np.sum(np.log(np.clip(p, 1e-12, 1)))

    res = optimize.minimize(nll, np.array([-1.6, 0.5]), method="Nelder-Mead",
                            options=dict(xatol=1e-8, fatol=1e-10, maxiter=4000))
    th = res.x
    eps = 1e-4
    H = np.zeros((2, 2))
    for a in range(2):
        for b in range(2):
            ea, eb = np.eye(2)[a] * eps, np.eye(2)[b] * eps
            H[a, b] = (nll(th + ea + eb) - nll(th + ea - eb) - nll(th - ea + eb)
                       + nll(th - ea - eb)) / (4 * eps * eps)
    se = np.sqrt(np.diag(np.linalg.inv(H)))
    w0 = optimize.minimize_scalar(lambda c: nll(np.array([c, 0.0])), bounds=(-10, 10),
                                  method="bounded")
    lr = 2 * (w0.fun - res.fun)
    rows = [dict(quantity="model_rule_inspection_change_logit", grade="All", measure="model_z",
                 value=th[0], se=se[0], n=len(z)),
            dict(quantity="model_rule_inspection_pressure_weight", grade="All", measure="model_z",
                 value=th[1], se=se[1], p_value_lr=stats.chi2.sf(lr, 1), n=len(z)),
            dict(quantity="model_rule_inspection_change_logit_if_weight_0", grade="All",
                 measure="model_z", value=w0.x, n=len(z))]
    return rows + grade_specific_rule(z, r0, step)


def grade_specific_rule(z: np.ndarray, r0: np.ndarray, step: np.ndarray) -> list[dict]:
    """The same one-step rule with grade-specific intercepts and one shared pressure weight:
    P(worse | g) = expit(aw[g] + w z) for g < Inadequate, P(better | g) = expit(ab[g] - w z) for
    g > Outstanding (multi-step moves counted as one step in their direction)."""

    def probs(th: np.ndarray, zz: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        aw = np.r_[th[0:3], -np.inf]
        ab = np.r_[-np.inf, th[3:6]]
        w = th[6]
        pw = 1 / (1 + np.exp(-(aw[r0] + w * zz)))
        pb = 1 / (1 + np.exp(-(ab[r0] - w * zz)))
        return pw, pb

    def nll(th: np.ndarray, zz: np.ndarray = z) -> float:
        pw, pb = probs(th, zz)
        p = np.where(step > 0, pw, np.where(step < 0, pb, 1 - pw - pb))
        return -np.sum(np.log(np.clip(p, 1e-12, 1)))

    res = optimize.minimize(nll, np.r_[-1.0, -1.5, -1.2, -1.0, -0.5, 2.0, 0.5], method="BFGS")
    res = optimize.minimize(nll, res.x, method="Nelder-Mead",
                            options=dict(xatol=1e-9, fatol=1e-11, maxiter=20000))
    th = res.x
    eps, n = 1e-4, len(th)
    H = np.zeros((n, n))
    for a in range(n):
        for b in range(n):
            ea, eb = np.eye(n)[a] * eps, np.eye(n)[b] * eps
            H[a, b] = (nll(th + ea + eb) - nll(th + ea - eb) - nll(th - ea + eb)
                       + nll(th - ea - eb)) / (4 * eps * eps)
    se = np.sqrt(np.diag(np.linalg.inv(H)))
    r0w = optimize.minimize(lambda t6: nll(np.r_[t6, 0.0]), th[:6], method="Nelder-Mead",
                            options=dict(xatol=1e-9, fatol=1e-11, maxiter=20000))
    lr = 2 * (r0w.fun - res.fun)
    names = [("grade_rule_logit_worse", GRADES[0]), ("grade_rule_logit_worse", GRADES[1]),
             ("grade_rule_logit_worse", GRADES[2]), ("grade_rule_logit_better", GRADES[1]),
             ("grade_rule_logit_better", GRADES[2]), ("grade_rule_logit_better", GRADES[3])]
    rows = [dict(quantity=q, grade=g, measure="model_z", value=th[i], se=se[i], n=len(z))
            for i, (q, g) in enumerate(names)]
    rows.append(dict(quantity="grade_rule_pressure_weight", grade="All", measure="model_z",
                     value=th[6], se=se[6], p_value_lr=stats.chi2.sf(lr, 1), n=len(z)))
    return rows


# ------------------------------------------------------------------------ 4. event study
def event_year(d: pd.Series) -> pd.Series:
    """First census date (30 September) on or after d."""
    sep30 = pd.to_datetime(d.dt.year.astype(str) + "-09-30")
    return np.where(d <= sep30, d.dt.year, d.dt.year + 1)


def classify_events(sp: pd.DataFrame) -> pd.DataFrame:
    """Every judgement of a census unit, typed; Kingston and Richmond's joint unit is left out."""
    ev = sp[sp["code"] != KR_JOINT].copy()
    ev["eyear"] = event_year(ev["publication_date"])
    prev, cur = ev["prev_grade"], ev["grade"]
    first = prev.isna()
    ev["first"] = first
    ev["to_inadequate"] = (cur == "Inadequate") & (prev != "Inadequate")
    ev["out_of_inadequate"] = (prev == "Inadequate") & (cur != "Inadequate")
    ev["to_outstanding"] = (cur == "Outstanding") & (prev != "Outstanding")
    # a 'change' for control purposes: any known grade change, or a first ILACS judgement typed
    # as an event (Inadequate / Outstanding); first Good / RI judgements count as no change
    ev["change"] = (~first & (cur != prev)) | ev["to_inadequate"] | ev["to_outstanding"]
    return ev


def demean2(v: np.ndarray, g1: np.ndarray, g2: np.ndarray, n1: int, n2: int) -> np.ndarray:
    """Residualise the columns of v on two sets of fixed effects (alternating projections)."""
    v = v.copy()
    c1, c2 = np.bincount(g1, minlength=n1), np.bincount(g2, minlength=n2)
    for _ in range(500):
        old = v.copy()
        for g, cnt, n in ((g1, c1, n1), (g2, c2, n2)):
            for k in range(v.shape[1]):
                v[:, k] -= (np.bincount(g, weights=v[:, k], minlength=n) / cnt)[g]
        if np.abs(v - old).max() < 1e-11:
            break
    return v


def stacked_did(panel: pd.DataFrame, ev: pd.DataFrame, kind: str, measures: dict,
                first_ok: bool, treat: pd.DataFrame | None = None,
                spec_names: tuple = ("dynamic", "pooled")) -> list[dict]:
    if treat is None:
        treat = ev[ev[kind] & (first_ok | ~ev["first"])]
    change_years = ev[ev["change"]].groupby("code")["eyear"].apply(list).to_dict()
    years = sorted(panel["year"].unique())
    codes = sorted(panel["code"].unique())
    stacks = []
    for s, rec in enumerate(treat.itertuples()):
        e = rec.eyear
        win = [y for y in range(e - 2, e + 4) if y in years]
        # treated: truncate before the unit's next change (and after a change in -2)
        later = [y for y in change_years.get(rec.code, []) if y > e]
        earlier = [y for y in change_years.get(rec.code, []) if y < e]
        tw = [y for y in win if (not later or y < min(later)) and (not earlier or y >= max(earlier))]
        rows = [(s, rec.code, y, y - e, 1) for y in tw]
        for cc in codes:
            if cc == rec.code:
                continue
            if any(e - 2 <= y <= e + 3 for y in change_years.get(cc, [])):
                continue
            rows += [(s, cc, y, y - e, 0) for y in win]
        stacks.append(pd.DataFrame(rows, columns=["stack", "code", "year", "rel", "treated"]))
    st = pd.concat(stacks, ignore_index=True).merge(panel, on=["code", "year"], how="inner")
    st["su"] = pd.factorize(st["stack"].astype(str) + "|" + st["code"])[0]
    st["sy"] = pd.factorize(st["stack"].astype(str) + "|" + st["year"].astype(str))[0]
    cl = pd.factorize(st["code"])[0]
    out = []
    specs = {"dynamic": [k for k in EVENT_TIMES if k != -1], "pooled": ["pre", "post"]}
    specs = {k: v for k, v in specs.items() if k in spec_names}
    for spec, terms in specs.items():
        cols = []
        for k in terms:
            if spec == "dynamic":
                cols.append(((st["treated"] == 1) & (st["rel"] == k)).to_numpy(float))
            elif k == "pre":
                cols.append(((st["treated"] == 1) & (st["rel"] == -2)).to_numpy(float))
            else:
                cols.append(((st["treated"] == 1) & (st["rel"] >= 0)).to_numpy(float))
        X0 = np.column_stack(cols)
        for m in measures:
            ok = st[m].notna().to_numpy()
            y0 = st[m].to_numpy(float)[ok]
            g1 = pd.factorize(st["su"][ok])[0]
            g2 = pd.factorize(st["sy"][ok])[0]
            V = demean2(np.column_stack([y0, X0[ok]]), g1, g2, g1.max() + 1, g2.max() + 1)
            y, X = V[:, 0], V[:, 1:]
            XtX_inv = np.linalg.pinv(X.T @ X)
            b = XtX_inv @ X.T @ y
            resid = y - X @ b
            sc = X * resid[:, None]
            clk = cl[ok]
            meat = np.zeros((X.shape[1], X.shape[1]))
            for gidx in np.unique(clk):
                sg = sc[clk == gidx].sum(0)
                meat += np.outer(sg, sg)
            G, N, K = len(np.unique(clk)), len(y), X.shape[1]
            Vb = XtX_inv @ meat @ XtX_inv * G / (G - 1) * (N - 1) / (N - K)
            se = np.sqrt(np.diag(Vb))
            sub = st[ok]
            tr_sub = sub[sub["treated"] == 1]
            pre_mean = tr_sub.loc[tr_sub["rel"] == -1, m].mean()
            for i, k in enumerate(terms):
                if spec == "dynamic":
                    n_ev = int(tr_sub.loc[tr_sub["rel"] == k, "stack"].nunique())
                elif k == "pre":
                    n_ev = int(tr_sub.loc[tr_sub["rel"] == -2, "stack"].nunique())
                else:
                    n_ev = int(tr_sub.loc[tr_sub["rel"] >= 0, "stack"].nunique())
                if n_ev == 0:
                    b[i], se[i] = np.nan, np.nan
                tstat = b[i] / se[i] if se[i] > 0 else np.nan
                out.append(dict(event=kind, sample="incl_first_ilacs" if first_ok else
                                "known_change_only", spec=spec, measure=m,
                                event_time=str(k) if spec == "dynamic" else
                                ("-2" if k == "pre" else "0..3"),
                                estimate=b[i], se=se[i], ci_low=b[i] - 1.96 * se[i],
                                ci_high=b[i] + 1.96 * se[i],
                                p_value=2 * stats.t.sf(abs(tstat), G - 1),
                                n_events=n_ev,
                                n_units_treated=int(tr_sub["code"].nunique()),
                                n_control_units=int(sub.loc[sub["treated"] == 0, "code"].nunique()),
                                n_obs=int(N), treated_mean_at_minus1=pre_mean))
        # the reference year itself, for completeness
        for m in measures:
            tr_sub = st[(st["treated"] == 1)]
            out.append(dict(event=kind, sample="incl_first_ilacs" if first_ok else
                            "known_change_only", spec=spec, measure=m, event_time="-1",
                            estimate=0.0, se=0.0, ci_low=0.0, ci_high=0.0, p_value=np.nan,
                            n_events=int(tr_sub.loc[tr_sub["rel"] == -1, "stack"].nunique()),
                            n_units_treated=int(tr_sub["code"].nunique()),
                            n_control_units=np.nan, n_obs=np.nan,
                            treated_mean_at_minus1=tr_sub.loc[tr_sub["rel"] == -1, m].mean()))
    return out


def placebo(panel: pd.DataFrame, ev: pd.DataFrame, kind: str, draws: int,
            seed: int = 20240930) -> pd.DataFrame:
    """Placebo check of the clustered SEs: as many fake events as real ones, in the real event
    years, given to units with no grade change in the window; pooled spec re-estimated."""
    rng = np.random.default_rng(seed)
    real = ev[ev[kind]]
    change_years = ev[ev["change"]].groupby("code")["eyear"].apply(list).to_dict()
    codes = sorted(panel["code"].unique())
    out = []
    for d in range(draws):
        fake = []
        for e in real["eyear"]:
            pool = [c for c in codes if not any(e - 2 <= y <= e + 3 for y in change_years.get(c, []))]
            fake.append((pool[rng.integers(len(pool))], e))
        tr = pd.DataFrame(fake, columns=["code", "eyear"])
        for r in stacked_did(panel, ev, kind, OUTCOMES, True, treat=tr, spec_names=("pooled",)):
            if r["event_time"] == "0..3":
                out.append(dict(draw=d, measure=r["measure"], estimate=r["estimate"], se=r["se"]))
    return pd.DataFrame(out)


# ----------------------------------------------------------------- cross-sectional facts
def cross_section(g: pd.DataFrame, c: pd.DataFrame, u: pd.DataFrame) -> list[dict]:
    tiny = set(u.loc[u["tiny"] == 1, "code"])
    d = g.merge(c, on=["code", "year"])
    d = d[~d["code"].isin(tiny)]
    rows = []
    for period, s in (("2024", d[d["year"] == 2024]),
                      ("2018-2024", d[(d["year"] >= 2018) & (d["grade_source"] != "backfilled")])):
        for grade in GRADES + ["All"]:
            x = s if grade == "All" else s[s["grade"] == grade]
            for q, col, f in (("median_turnover_pct", "turnover_rate_fte", "median"),
                              ("mean_turnover_pct", "turnover_rate_fte", "mean"),
                              ("mean_agency_rate_pct", "agency_rate_fte", "mean"),
                              ("median_agency_rate_pct", "agency_rate_fte", "median"),
                              ("mean_vacancy_rate_pct", "vacancy_rate_fte", "mean"),
                              ("mean_caseload", "caseload_fte", "mean")):
                rows.append(dict(quantity=f"cross_section_{q}", grade=grade, measure=col,
                                 period=period, value=getattr(x[col], f)(), n=len(x)))
    return rows


# ---------------------------------------------------------------------------------- main
def fmt(df: pd.DataFrame, digits: int = 4) -> pd.DataFrame:
    df = df.copy()
    for col in df.columns:
        if df[col].dtype.kind == "f":
            df[col] = df[col].round(digits)
    return df


def main() -> int:
    pd.set_option("display.width", 200)
    pd.set_option("display.max_rows", 500)
    pd.set_option("display.max_columns", 20)
    j, g, c, u = load()
    sp = judgement_sequences(j)
    pause = inspection_pause(j)

    rows = timing_tables(sp, pause)
    trows, mat = transition_tables(sp)
    rows += trows
    panel = pressure_panel(c, u)
    lrows, tr = pressure_logits(sp, panel)
    rows += lrows + model_form_fit(tr) + cross_section(g, c, u)

    proc = pd.DataFrame(rows)
    cols = ["quantity", "grade", "to_grade", "measure", "period", "value", "se", "se_clustered",
            "ci_low", "ci_high", "p_value", "p_value_lr", "events", "exposure_months", "n"]
    proc = proc.reindex(columns=cols)
    for col in ("events", "n"):
        proc[col] = proc[col].astype("Int64")
    proc = fmt(proc)
    proc.to_csv(SEEDS / "ofsted_process.csv", index=False)

    # event study panel
    tiny = set(u.loc[u["tiny"] == 1, "code"])
    ep = c[~c["code"].isin(tiny | {KR_JOINT})].copy()
    ep["starters_rate"] = ep["starters_fte"] / ep["inpost_fte"] * 100
    ep["log_inpost"] = np.log(ep["inpost_fte"])
    ep["log_establishment"] = np.log(ep["inpost_fte"] + ep["vacancy_fte"])
    ep["log_agency"] = np.log1p(ep["agency_fte"])
    ep = ep[["code", "year"] + list(OUTCOMES)]
    ev = classify_events(sp)
    es = []
    for kind in ("to_inadequate", "out_of_inadequate", "to_outstanding"):
        for first_ok in (True, False):
            if kind == "out_of_inadequate" and not first_ok:
                continue  # always a known change
            es += stacked_did(ep, ev, kind, OUTCOMES, first_ok)
    es = pd.DataFrame(es)
    es["event_time_order"] = es["event_time"].map({"-2": 0, "-1": 1, "0": 2, "1": 3, "2": 4,
                                                   "3": 5, "0..3": 6})
    es = es[~((es["spec"] == "pooled") & (es["event_time"] == "-1"))]
    es = (es.sort_values(["event", "sample", "spec", "measure", "event_time_order"])
            .drop(columns="event_time_order").reset_index(drop=True))
    for col in ("n_events", "n_units_treated", "n_control_units", "n_obs"):
        es[col] = es[col].astype("Int64")
    es = fmt(es)
    es.to_csv(SEEDS / "ofsted_event_study.csv", index=False)

    # ---- print
    print(f"judgements {len(j)} -> {len(sp)} lineage judgements in {sp['lineage'].nunique()} "
          f"lineages; {int(sp['event'].sum())} re-inspections; inspection pause "
          f"{pause[0].date()} .. {pause[1].date()}\n")
    h = proc[(proc["quantity"] == "reinspection_hazard_per_month")]
    print("Re-inspection hazard per month (events / exposure months), calendar clock:")
    print(h[h["measure"] == "calendar"][["grade", "period", "events", "exposure_months", "n",
                                         "value", "ci_low", "ci_high"]].to_string(index=False))
    print("\n... with the clock stopped during the 2020-21 inspection pause:")
    print(h[(h["measure"] == "pause_excluded") & (h["period"] == "0-")][
        ["grade", "events", "exposure_months", "value", "ci_low", "ci_high"]].to_string(index=False))
    k = proc[proc["quantity"] == "share_reinspected_by_month"]
    print("\nKaplan-Meier share re-inspected by month (calendar | pause excluded):")
    print(k.pivot_table(index="grade", columns=["measure", "period"], values="value")
           .reindex(GRADES + ["All"]).round(3).to_string())
    med = proc[proc["quantity"].str.startswith("median_months")]
    print("\nMedians (months):")
    print(med.pivot_table(index="grade", columns=["quantity", "measure"], values="value")
             .reindex(GRADES + ["All"]).round(1).T.to_string())
    print("\nTransition counts at re-inspection (rows: grade, columns: next grade):")
    print(mat.to_string())
    t = proc[proc["quantity"] == "transition_prob"]
    print("\nP(next | current):")
    print(t.pivot(index="grade", columns="to_grade", values="value").reindex(
        index=GRADES, columns=GRADES).round(3).to_string())
    bsw = proc[proc["quantity"].str.match(r"share_(better|same|worse)_at")]
    print(bsw.pivot(index="grade", columns="quantity", values="value").reindex(GRADES).round(3)
             .to_string())
    lg = proc[proc["quantity"].str.startswith("logit_")]
    print("\nLogits of a worse / better grade at re-inspection on pressure (census before the "
          "inspection), current-grade dummies:")
    print(lg[["quantity", "measure", "value", "se", "se_clustered", "p_value", "p_value_lr",
              "events", "n"]].to_string(index=False))
    print("\nThe model's own rule fitted by ML:")
    print(proc[proc["quantity"].str.match("model_rule|grade_rule|model_z_dist")][
        ["quantity", "grade", "value", "se", "p_value_lr", "n"]].to_string(index=False))
    wb = proc[proc["quantity"].str.startswith("weibull")]
    print("\nWeibull fits (calendar | pause excluded):")
    print(wb.assign(q=wb["quantity"] + wb["period"].fillna("").radd("@").replace("@", ""))
            .pivot_table(index="grade", columns=["measure", "q"], values="value")
            .reindex(GRADES + ["All"]).round(3).to_string())
    cs = proc[proc["quantity"].str.startswith("cross_section")]
    print("\nCross-section by grade at 30 September:")
    print(cs.pivot_table(index=["period", "grade"], columns="quantity", values="value")
            .round(2).to_string())
    print(cs[cs["quantity"] == "cross_section_mean_turnover_pct"][["period", "grade", "n"]]
          .to_string(index=False))
    print("\nEvent study (stacked DiD, unit x stack and year x stack FE, council-clustered SE):")
    for (kind, samp), s in es.groupby(["event", "sample"], sort=False):
        s = s[s["spec"] == "dynamic"]
        print(f"\n{kind} [{samp}]  events by event time: "
              + ", ".join(f"{r.event_time}:{r.n_events}" for r in
                          s[s["measure"] == "turnover_rate_fte"].itertuples()))
        tab = s.assign(cell=s.apply(lambda r: f"{r.estimate:7.2f} ({r.se:.2f})"
                                    + ("*" if r.p_value < 0.05 else " "), axis=1))
        print(tab.pivot(index="measure", columns="event_time", values="cell")
                 [["-2", "-1", "0", "1", "2", "3"]].to_string())
    pooled = es[es["spec"] == "pooled"]
    print("\nPooled (pre = event time -2; post = 0..3; reference -1):")
    print(pooled[["event", "sample", "measure", "event_time", "estimate", "se", "p_value",
                  "n_events", "treated_mean_at_minus1"]].to_string(index=False))
    if "--placebo" in sys.argv:
        draws = int(sys.argv[sys.argv.index("--placebo") + 1])
        for kind in ("to_inadequate", "out_of_inadequate"):
            pl = placebo(ep, ev, kind, draws)
            summ = pl.groupby("measure").agg(sd_of_estimates=("estimate", "std"),
                                             mean_estimate=("estimate", "mean"),
                                             mean_clustered_se=("se", "mean"))
            real = es[(es["event"] == kind) & (es["sample"] == "incl_first_ilacs")
                      & (es["spec"] == "pooled") & (es["event_time"] == "0..3")].set_index("measure")
            summ["real_estimate"] = real["estimate"]
            summ["placebo_p"] = [
                (np.abs(pl.loc[pl["measure"] == m, "estimate"]) >= abs(real.at[m, "estimate"])).mean()
                for m in summ.index]
            print(f"\nPlacebo ({draws} draws, {kind}, pooled 0..3):")
            print(summ.round(4).to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main())
