"""How much does pay move people? The model's elasticities to a council's own pay, against published ones.

For five councils of different sizes and regions, each raises its pay (with incentives) by 5% from
the first month, and the run is compared with the same run without the rise (common random
numbers, paired seeds; England's region around the council is simulated). Printed, per council:

* the separation elasticity: change in log permanent leavers (to other councils, agency work and
  out of the profession) over the first 12 months, per unit change in log pay, split into leaving
  the profession and moving;
* the recruitment elasticity: change in log hires per vacant post (outside hires and movers in);
* the implied elasticity of labour supply to the council, recruitment less separation elasticity
  (Manning 2003, the steady state of a dynamic monopsony model);
* the change in permanent FTE after 24 months.

Published targets (external; the model is not fitted to them automatically):

* labour supply to one employer: about 0.1 for US hospital nurses in the short run (Staiger, Spetz
  and Phibbs 2010, JOLE), 1.25-1.4 for Norwegian teachers (Falch 2011, 2017), 3.7 for Missouri
  teachers (Ransom and Sims 2010, JOLE); central prior 1.5-2 (MODEL.md s8);
* separation elasticity, by Manning's rule (recruitment elasticity = - separation elasticity, so
  labour supply = 2 x separation): -0.6 to -1.9 for labour supply of 1.25-3.7, central -0.75 to -1.

``--pin-hire-pay-weight`` pins the one pay parameter no census moment sees, the weight of pay in
outside recruits' pull (``hire_pay_weight``), by Manning's steady-state rule: it runs the five
councils at two weights, fits the mean recruitment elasticity as a line in the weight, and prints the
weight at which it equals minus the mean separation elasticity (recruits won equal leavers kept).

    python experiments/validation/pay_elasticities.py [--seeds 40] [--rise-pct 5] [--pin-hire-pay-weight]
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from sim import WorkforceModel
from sim.data import CENSUS_YEARS
from sim.policies import PayUplift

COUNCILS = {"Bexley": "london", "Kent": "south_east", "Bradford": "yorkshire_and_the_humber",
            "Cornwall": "south_west", "Hartlepool": "north_east"}
SEPARATION_RANGE = (-1.9, -0.6)
SUPPLY_RANGE = (1.25, 3.7)
PIN_WEIGHTS = (0.5, 2.0)  # hire_pay_weight values run by --pin-hire-pay-weight


def run_pair(council: str, region: str, seed: int, pct: float, base_year: int, **params: float) -> dict[str, float]:
    out = {}
    for arm, policies in (("base", []), ("rise", [PayUplift(councils=[council], pct=pct,
                                                            start=f"{base_year}-10")])):
        m = WorkforceModel(region=region, base_year=base_year, seed=seed, months=24, policies=policies, **params)
        m.run(months=24)
        cm = m.results.council_months
        d = cm[cm.council == council].set_index("tick")
        year1 = d.loc[1:12]
        out[f"{arm}_leavers"] = year1.leavers_fte.sum()
        out[f"{arm}_out"] = year1.leavers_out_of_profession_fte.sum()
        out[f"{arm}_moves"] = out[f"{arm}_leavers"] - out[f"{arm}_out"]
        out[f"{arm}_hires"] = year1.starters_fte.sum()
        out[f"{arm}_vacancies"] = year1.vacancy_fte.mean()
        out[f"{arm}_perm0"] = d.perm_fte.loc[0]
        out[f"{arm}_perm24"] = d.perm_fte.loc[24]
    return out


def elasticities(seeds: int, pct: float, base_year: int, **params: float) -> list[dict[str, float]]:
    """Print the table for the five councils; return, per council, its elasticities (and their 95%
    half-widths over seeds, ``*_ci``)."""
    dlogw = np.log(1 + pct / 100)
    print("| council (region) | FTE | separation | of which: out of the profession | moving | recruitment per "
          "vacancy | labour supply | FTE after 24 months |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    rows = []
    for council, region in COUNCILS.items():
        pairs = [run_pair(council, region, s, pct, base_year, **params) for s in range(1, seeds + 1)]

        def el(num: str, den: str | None = None, pairs=pairs) -> tuple[float, float]:
            a = np.array([p[f"base_{num}"] for p in pairs])
            b = np.array([p[f"rise_{num}"] for p in pairs])
            if den:
                a = a / np.maximum([p[f"base_{den}"] for p in pairs], 1e-9)
                b = b / np.maximum([p[f"rise_{den}"] for p in pairs], 1e-9)
            e = (np.log(b.mean()) - np.log(a.mean())) / dlogw
            # interval by the delta method on paired relative differences
            rel = (b - a) / max(a.mean(), 1e-9)
            return e, 1.96 * rel.std(ddof=1) / np.sqrt(len(rel)) / dlogw

        sep, out, mov, rec = el("leavers"), el("out"), el("moves"), el("hires", "vacancies")
        supply = rec[0] - sep[0]
        perm0 = np.mean([p["base_perm0"] for p in pairs])
        dperm = np.mean([p["rise_perm24"] - p["base_perm24"] for p in pairs])
        rows.append({"council": council, "separation": sep[0], "separation_ci": sep[1], "recruitment": rec[0],
                     "recruitment_ci": rec[1], "supply": supply})
        print(f"| {council} ({region}) | {perm0:.0f} | {sep[0]:.2f} ± {sep[1]:.2f} | {out[0]:.2f} ± {out[1]:.2f} | "
              f"{mov[0]:.2f} ± {mov[1]:.2f} | {rec[0]:.2f} ± {rec[1]:.2f} | {supply:.2f} | {dperm:+.1f} |", flush=True)
    inside = sum(SEPARATION_RANGE[0] <= r["separation"] <= SEPARATION_RANGE[1] for r in rows)
    supplied = sum(SUPPLY_RANGE[0] <= r["supply"] <= SUPPLY_RANGE[1] for r in rows)
    print(f"\nSeparation elasticity inside the published range {SEPARATION_RANGE}: {inside} of {len(rows)} councils; "
          f"labour supply inside {SUPPLY_RANGE}: {supplied}.")
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=40)
    ap.add_argument("--rise-pct", type=float, default=5.0)
    ap.add_argument("--base-year", type=int, default=CENSUS_YEARS[-1])
    ap.add_argument("--pin-hire-pay-weight", action="store_true",
                    help="find hire_pay_weight by Manning's rule (recruitment elasticity = - separation elasticity)")
    args = ap.parse_args(argv)
    print(f"Pay +{args.rise_pct:g}% from month 1 against no rise; {args.seeds} paired seeds; base year "
          f"{args.base_year}; elasticities over the first 12 months (95% intervals over seeds)\n")
    if not args.pin_hire_pay_weight:
        elasticities(args.seeds, args.rise_pct, args.base_year)
        return 0
    fitted = {}
    for weight in PIN_WEIGHTS:
        print(f"\nhire_pay_weight = {weight:g}\n")
        rows = elasticities(args.seeds, args.rise_pct, args.base_year, hire_pay_weight=weight)
        fitted[weight] = (np.mean([r["recruitment"] for r in rows]), np.mean([r["separation"] for r in rows]))
    (w0, (r0, s0)), (w1, (r1, s1)) = fitted.items()
    slope = (r1 - r0) / (w1 - w0)
    # the separation elasticity barely depends on the weight (only through vacancies): its mean over both runs
    target = -(s0 + s1) / 2
    weight = w0 + (target - r0) / slope
    print(f"\nMean recruitment elasticity {r0:.2f} at weight {w0:g}, {r1:.2f} at {w1:g} (slope {slope:.2f}); mean "
          f"separation elasticity {-target:.2f}. Manning's rule (recruitment = - separation) holds at "
          f"hire_pay_weight = {weight:.2f}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
