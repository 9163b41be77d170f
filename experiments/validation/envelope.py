"""Does every council stay on a trajectory the census could have recorded? And does it keep its identity?

Runs England for 10 years from the latest census with no policy, over several seeds, and prints:

1. per run, how many councils cross the lines of the envelope (12-month turnover above 35%, agency
   rate above 45%, or more than 30% of permanent FTE lost against the census; goal: at most 2 a run,
   none losing more than 40%) at any time in the run, beside how many councils the census itself shows
   crossing the same lines in 2017-2024, how many cross a line they never crossed in their own census
   years (a state the census never recorded for that council), and how many are outside the lines
   at the end of the run (where the issue first measured them); the worst of them; and England's permanent
   FTE against the census trend of 2017-2024 (about +2.7% a year);
2. month by month (1 to 12), the correlation across councils of each council's simulated turnover,
   agency rate and vacancy rate with its census figures of the base year, beside the census's own
   correlation from one year to the next (goal: at least that). Turnover three ways: the month's
   leavers x 12 / FTE in post (a council of 100 FTE has about one leaver a month, so this is mostly
   noise), the leavers of months 1 to m annualised, and the turnover the council's hazards imply in
   month 1 (what the model expects, before chance).

    python experiments/validation/envelope.py [--seeds 5] [--years 10] [--base-year 2024]
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
import pandas as pd

from sim import WorkforceModel
from sim.build import leaving_expectations
from sim.data import CENSUS_YEARS, load_seeds

TURNOVER_MAX, AGENCY_MAX, LOSS_MAX, LOSS_NEVER = 35.0, 45.0, 0.30, 0.40
MEASURES = {"turnover": "turnover_rate_fte", "agency rate": "agency_rate_fte", "vacancy rate": "vacancy_rate_fte"}


def census_frame(seeds, year: int) -> pd.DataFrame:
    tiny = set(seeds.councils.loc[seeds.councils.tiny == 1, "code"])
    d = seeds.census[(seeds.census.year == year) & ~seeds.census.code.isin(tiny)].set_index("code")
    return d[d.inpost_fte > 0]


def census_year_to_year(seeds, base_year: int) -> dict[str, float]:
    a, b = census_frame(seeds, base_year - 1), census_frame(seeds, base_year)
    j = a.add_suffix("_0").join(b, how="inner")
    return {k: float(j[f"{col}_0"].corr(j[col])) for k, col in MEASURES.items()}


def expected_turnover(m: WorkforceModel) -> pd.Series:
    """Each council's turnover (%) implied by its hazards at the start: leaving the profession plus
    searching times the logit probability of taking an offer or agency work, over its staff."""
    a = m.councils.n_active
    return pd.Series(100 * leaving_expectations(m).turnover(a), index=[x.code for x in m.council_agents[:a]])


def census_envelope(seeds) -> pd.DataFrame:
    """The same lines applied to the census itself, 2017-2024, per council (tiny councils left out):
    its highest turnover and agency rate in any year, and the most FTE in post it lost against 2017."""
    tiny = set(seeds.councils.loc[seeds.councils.tiny == 1, "code"])
    c = seeds.census[~seeds.census.code.isin(tiny) & (seeds.census.inpost_fte > 0)]
    by = c.groupby("code")
    first = c[c.year == CENSUS_YEARS[0]].set_index("code").inpost_fte
    out = pd.DataFrame({"turnover_max": by.turnover_rate_fte.max(), "agency_max": by.agency_rate_fte.max(),
                        "lost": 1 - by.inpost_fte.min() / first.reindex(by.inpost_fte.min().index)})
    out["outside"] = (out.turnover_max > TURNOVER_MAX) | (out.agency_max > AGENCY_MAX) | (out.lost > LOSS_MAX)
    return out


def beyond_own_record(env: pd.DataFrame, census: pd.DataFrame) -> pd.Series:
    """Councils that cross a line in the run which they never crossed in their own census years."""
    own = census.reindex(env.index)
    return (((env.turnover_max > TURNOVER_MAX) & ~(own.turnover_max > TURNOVER_MAX))
            | ((env.agency_max > AGENCY_MAX) & ~(own.agency_max > AGENCY_MAX))
            | ((env.lost > LOSS_MAX) & ~(own.lost > LOSS_MAX)))


def envelope(cm: pd.DataFrame, start: pd.DataFrame) -> pd.DataFrame:
    """Per council, the worst 12-month turnover, agency rate and FTE lost over the run."""
    cm = cm[cm.tick > 0].sort_values(["code", "tick"])
    leavers12 = cm.groupby("code").leavers_fte.transform(lambda s: s.rolling(12).sum())
    cm = cm.assign(turnover12=100 * leavers12 / cm.perm_fte.clip(lower=1e-9))
    by = cm[cm.tick >= 12].groupby("code")
    out = pd.DataFrame({"turnover_max": by.turnover12.max(), "agency_max": cm.groupby("code").agency_rate_pct.max(),
                        "perm_min": cm.groupby("code").perm_fte.min()})
    out["lost"] = 1 - out.perm_min / start.inpost_fte.reindex(out.index)
    out["outside"] = (out.turnover_max > TURNOVER_MAX) | (out.agency_max > AGENCY_MAX) | (out.lost > LOSS_MAX)
    return out


def at_the_end(cm: pd.DataFrame, start: pd.DataFrame) -> pd.Series:
    """Councils outside the lines at the end of the run (the issue's first measurement: where councils
    end): turnover over the last 12 months, the agency rate and the FTE lost in the last month."""
    last = cm.tick.max()
    tail = cm[cm.tick > last - 12].groupby("code")
    end = cm[cm.tick == last].set_index("code")
    turnover = 100 * tail.leavers_fte.sum() / tail.perm_fte.mean().clip(lower=1e-9)
    lost = 1 - end.perm_fte / start.inpost_fte.reindex(end.index)
    return (turnover.reindex(end.index) > TURNOVER_MAX) | (end.agency_rate_pct > AGENCY_MAX) | (lost > LOSS_MAX)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--base-year", type=int, default=CENSUS_YEARS[-1])
    args = ap.parse_args(argv)
    seeds = load_seeds()
    start = census_frame(seeds, args.base_year)
    names = seeds.councils.set_index("code").name
    nat = seeds.census[seeds.census.code.isin(start.index)].groupby("year").inpost_fte.sum()
    trend = (nat[CENSUS_YEARS[-1]] / nat[CENSUS_YEARS[0]]) ** (1 / (CENSUS_YEARS[-1] - CENSUS_YEARS[0])) - 1

    census_env = census_envelope(seeds)
    span = f"{CENSUS_YEARS[0]}-{CENSUS_YEARS[-1]}"
    print(f"England, {args.years} years from the {args.base_year} census, no policy, {args.seeds} seeds\n")
    print(f"The lines: 12-month turnover above {TURNOVER_MAX:.0f}%, agency rate above {AGENCY_MAX:.0f}%, or more "
          f"than {100 * LOSS_MAX:.0f}% of permanent FTE lost. The census itself, {span} ({len(CENSUS_YEARS)} years): "
          f"{int(census_env.outside.sum())} of {len(census_env)} councils cross one of them "
          f"(turnover {int((census_env.turnover_max > TURNOVER_MAX).sum())}, agency "
          f"{int((census_env.agency_max > AGENCY_MAX).sum())}, FTE lost {int((census_env.lost > LOSS_MAX).sum())}), "
          f"{int((census_env.lost > LOSS_NEVER).sum())} lose more than {100 * LOSS_NEVER:.0f}%.\n")
    print("| seed | councils outside the lines at some time | beyond their own census record | outside at the end "
          "| losing > 40% | worst | permanent FTE: start -> end | a year | census trend |")
    print("|---:|---:|---:|---:|---:|---|---|---:|---:|")
    rows = {**{k: k for k in MEASURES}, "turnover, months 1..m": "cum", "turnover expected (hazards)": "expected"}
    corr = {k: np.zeros((args.seeds, 12)) for k in rows}
    for i, seed in enumerate(range(1, args.seeds + 1)):
        m = WorkforceModel(base_year=args.base_year, seed=seed, months=12 * args.years).run(years=args.years)
        cm = m.results.council_months
        cm = cm[cm.code.isin(start.index)]
        env = envelope(cm, start)
        bad = env[env.outside].sort_values("lost", ascending=False)
        worst = "; ".join(f"{names[c]} (turnover {r.turnover_max:.0f}%, agency {r.agency_max:.0f}%, "
                          f"lost {100 * r.lost:.0f}%)" for c, r in bad.head(3).iterrows()) or "-"
        p0, p1 = cm[cm.tick == 0].perm_fte.sum(), cm[cm.tick == cm.tick.max()].perm_fte.sum()
        growth = (p1 / p0) ** (1 / args.years) - 1
        beyond = beyond_own_record(env, census_env)
        print(f"| {seed} | {int(env.outside.sum())} | {int(beyond.sum())} | {int(at_the_end(cm, start).sum())} "
              f"| {int((env.lost > LOSS_NEVER).sum())} "
              f"| {worst} | "
              f"{p0:,.0f} -> {p1:,.0f} | {100 * growth:+.1f}% | {100 * trend:+.1f}% |")
        expected = expected_turnover(WorkforceModel(base_year=args.base_year, seed=seed, months=1))
        for t in range(1, 13):
            month = cm[cm.tick == t].set_index("code")
            upto = cm[(cm.tick >= 1) & (cm.tick <= t)].groupby("code").leavers_fte.sum()
            sim = {"turnover": 1200 * month.leavers_fte / month.perm_fte.clip(lower=1e-9),
                   "agency rate": month.agency_rate_pct, "vacancy rate": month.vacancy_rate_pct,
                   "turnover, months 1..m": 1200 / t * upto / month.perm_fte.clip(lower=1e-9),
                   "turnover expected (hazards)": expected}
            for k in rows:
                col = MEASURES.get(k, "turnover_rate_fte")
                corr[k][i, t - 1] = sim[k].corr(start[col].reindex(sim[k].index))
    yty = census_year_to_year(seeds, args.base_year)
    print("\nCorrelation across councils with the census of the base year (mean over seeds), month by month:\n")
    print("| measure | " + " | ".join(f"m{t}" for t in range(1, 13)) + f" | census {args.base_year - 1}->"
          f"{args.base_year} |")
    print("|---|" + "---:|" * 13)
    for k in rows:
        print(f"| {k} | " + " | ".join(f"{v:.2f}" for v in corr[k].mean(axis=0)) +
              f" | {yty[k if k in MEASURES else 'turnover']:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
