"""What an Ofsted judgement does in the model, beside what the census recorded around real judgements.

The census event study (seeds/ofsted_event_study.csv, docs/ofsted_process.md section 4) compares each
council judged Inadequate or Outstanding with councils whose grade did not change, in the census years
0-3 after the judgement. This script runs the same experiment in the model: England from the base year,
20 councils (drawn once, fixed seed) judged Inadequate (from Good or Requires improvement) or
Outstanding (from Good) in the first month, against the same runs without the judgements (paired seeds,
common random numbers); reputation then moves toward the grade at its usual pace, and inspections
follow their schedule in both arms. Each measure is the council's mean over months 1-36 (census years
0-2 of the event study's 0-3), the difference averaged over the councils.

Printed: the model's effect (mean and its spread over seeds) beside the census estimate and its 95%
interval, and whether the model falls inside.

``--fit-b-ofsted`` also runs the experiment at several values of ``b_ofsted`` (the weight of reputation
in the worker's choice between posts) and estimates the value the census's turnover effects imply:
weighted least squares of the census's two turnover effects (to Inadequate, to Outstanding; each
weighted by 1 / se^2) on the model's, which are linear in ``b_ofsted`` over this range (the slopes are
fitted on the grid). Its standard error is 1 / sqrt(sum slope^2 / se^2).

    python experiments/validation/judgement_effects.py [--seeds 3] [--base-year 2024] [--fit-b-ofsted]
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
import pandas as pd

from sim.data import CENSUS_YEARS, GRADES
from sim.model import WorkforceModel
from sim.ofsted import event_study
from sim.policies.supply import OfstedJudgement

MONTHS = 36
N_COUNCILS = 20
MEASURES = {  # model measure: (census measure in the event study, label)
    "turnover": ("turnover_rate_fte", "turnover %"),
    "starters_rate": ("starters_rate", "starters / in post %"),
    "agency_rate": ("agency_rate_fte", "agency rate %"),
    "vacancy_rate": ("vacancy_rate_fte", "vacancy rate %"),
    "caseload": ("caseload_fte", "caseload"),
    "log_inpost": ("log_inpost", "log FTE in post"),
    "log_establishment": ("log_establishment", "log funded posts"),
}
EVENTS = {"to_inadequate": ("Inadequate", ("Good", "Requires improvement")),
          "to_outstanding": ("Outstanding", ("Good",))}


def census_effects() -> pd.DataFrame:
    """The event study's pooled effects over census years 0-3 (main sample): what the model reads."""
    return event_study()[["estimate", "se", "ci_low", "ci_high", "n_events"]]


def pick_councils(base_year: int, from_grades: tuple[str, ...], seed: int = 5) -> list[str]:
    m = WorkforceModel(region="england", base_year=base_year, seed=0, months=1)
    codes = {GRADES.index(g) for g in from_grades}
    names = [a.name for a in m.council_agents[: m.councils.n_active] if int(a.grade) in codes]
    return sorted(np.random.default_rng(seed).choice(names, N_COUNCILS, replace=False).tolist())


def council_measures(m: WorkforceModel, councils: list[str]) -> pd.DataFrame:
    cm = m.results.council_months
    cm = cm[(cm.tick >= 1) & cm.council.isin(councils)]
    g = cm.groupby("council")
    perm, years = g.perm_fte.mean(), MONTHS / 12
    return pd.DataFrame({
        "turnover": 100 * g.leavers_fte.sum() / years / perm,
        "starters_rate": 100 * g.starters_fte.sum() / years / perm,
        "agency_rate": g.agency_rate_pct.mean(),
        "vacancy_rate": g.vacancy_rate_pct.mean(),
        "caseload": g.caseload.mean(),
        "log_inpost": np.log(perm),
        "log_establishment": np.log(g.establishment_fte.mean()),
    })


def model_effects(event: str, base_year: int, seeds: int, **params: float) -> pd.DataFrame:
    """Per seed, the judged councils' mean difference (judged - not judged) in each measure."""
    grade, from_grades = EVENTS[event]
    councils = pick_councils(base_year, from_grades)
    start = f"{base_year}-10"
    rows = []
    for seed in range(1, seeds + 1):
        runs = [WorkforceModel(region="england", base_year=base_year, seed=seed, months=MONTHS, policies=p,
                               **params).run(months=MONTHS)
                for p in ([], [OfstedJudgement(councils=councils, grade=grade, start=start)])]
        rows.append((council_measures(runs[1], councils) - council_measures(runs[0], councils)).mean())
    return pd.DataFrame(rows)


def table(base_year: int, seeds: int, census: pd.DataFrame, **params: float) -> dict[str, pd.DataFrame]:
    out = {}
    for event in EVENTS:
        eff = model_effects(event, base_year, seeds, **params)
        rows = []
        for k, (cmeasure, label) in MEASURES.items():
            c = census.loc[(event, cmeasure)]
            mean, sd = eff[k].mean(), eff[k].std(ddof=1)
            rows.append({"measure": label, "model": mean, "model_sd": sd, "census": c.estimate, "lo": c.ci_low,
                         "hi": c.ci_high, "inside": bool(c.ci_low <= mean <= c.ci_high)})
        out[event] = pd.DataFrame(rows)
    return out


def print_table(tables: dict[str, pd.DataFrame], census: pd.DataFrame) -> None:
    for event, t in tables.items():
        n = int(census.loc[(event, "turnover_rate_fte")].n_events)
        print(f"\n{event.replace('_', ' ')} ({N_COUNCILS} councils in the model; {n} real events in the census)\n")
        print("| measure | model (sd over seeds) | census (95% interval) | inside |")
        print("|---|---:|---:|:---:|")
        for r in t.itertuples():
            print(f"| {r.measure} | {r.model:+.2f} ({r.model_sd:.2f}) | {r.census:+.2f} ({r.lo:+.2f} to {r.hi:+.2f}) | "
                  f"{'yes' if r.inside else 'NO'} |")
    inside = sum(int(t.inside.sum()) for t in tables.values())
    total = sum(len(t) for t in tables.values())
    print(f"\nInside the census's 95% interval: {inside} of {total} effects.")


def fit_b_ofsted(base_year: int, seeds: int, census: pd.DataFrame, grid: list[float]) -> tuple[float, float]:
    """Weighted least squares of the census's turnover effects on the model's, linear in b_ofsted."""
    print(f"\nTurnover effect (points) against b_ofsted ({seeds} seeds each):\n")
    print("| b_ofsted | to Inadequate | to Outstanding |")
    print("|---:|---:|---:|")
    effects = {event: [] for event in EVENTS}
    for b in grid:
        for event in EVENTS:
            effects[event].append(model_effects(event, base_year, seeds, b_ofsted=b)["turnover"].mean())
        print(f"| {b:g} | {effects['to_inadequate'][-1]:+.2f} | {effects['to_outstanding'][-1]:+.2f} |")
    num = den = 0.0
    for event in EVENTS:
        slope, intercept = np.polyfit(grid, effects[event], 1)
        c = census.loc[(event, "turnover_rate_fte")]
        w = 1 / c.se**2
        num += w * slope * (c.estimate - intercept)
        den += w * slope**2
    b_hat, se = num / den, 1 / np.sqrt(den)
    print(f"\nb_ofsted implied by the census's turnover effects: {b_hat:.2f} (se {se:.2f}); 95% interval "
          f"{max(b_hat - 1.96 * se, 0):.2f} to {b_hat + 1.96 * se:.2f}")
    return b_hat, se


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--base-year", type=int, default=CENSUS_YEARS[-1])
    ap.add_argument("--fit-b-ofsted", action="store_true")
    args = ap.parse_args(argv)
    if args.seeds < 2:
        print(f"--seeds {args.seeds}: at least 2 (the spread over seeds is printed)", file=sys.stderr)
        return 2
    census = census_effects()
    print(f"England from {args.base_year}: {N_COUNCILS} councils judged in October {args.base_year} against the same "
          f"runs without the judgement, {args.seeds} paired seeds, months 1-{MONTHS}")
    print_table(table(args.base_year, args.seeds, census), census)
    if args.fit_b_ofsted:
        fit_b_ofsted(args.base_year, args.seeds, census, [0.0, 0.5, 1.0, 1.5])
    return 0


if __name__ == "__main__":
    sys.exit(main())
