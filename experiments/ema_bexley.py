"""Exploratory modelling of the Bexley cluster with the EMA Workbench.

    python experiments/ema_bexley.py [--scenarios 50] [--policies 4] [--replications 3] [--years 5]
                                     [--out results/ema_bexley.tar.gz]

Uncertain behaviour (the weight on pay, the job-search rate, the switching cost) crossed with pay
uplifts for Bexley and Greenwich (the levers), each experiment run with the same seeds
(replications, common random numbers). Prints which inputs drive Bexley-cluster outcomes (feature
scores) and the PRIM box of the worst vacancy rates, and saves the results with EMA's
``save_results`` (open them with ``ema_workbench.load_results``). Needs ``pip install ema-workbench``.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np

from sim.ema import ema_model
from sim.regions import slug

HERE = Path(__file__).resolve().parent
UNCERTAINTIES = {"b_pay": (2.0, 8.0), "search_rate_per_month": (0.004, 0.03), "switching_cost": (0.5, 4.0)}
LEVERS = ["Bexley", "Greenwich"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--scenarios", type=int, default=50, help="samples of the uncertainties (Latin hypercube)")
    parser.add_argument("--policies", type=int, default=4, help="samples of the levers")
    parser.add_argument("--replications", type=int, default=3, help="seeds per experiment")
    parser.add_argument("--years", type=int, default=5, help="length of each run")
    parser.add_argument("--out", default=str(HERE.parent / "results" / "ema_bexley.tar.gz"), help="results file")
    args = parser.parse_args(argv)

    from ema_workbench import perform_experiments, process_replications, save_results
    from ema_workbench.analysis import feature_scoring, prim

    model = ema_model(region="bexley_cluster", months=12 * args.years, replications=args.replications,
                      uncertainties=UNCERTAINTIES, pay_levers=LEVERS, lever_range=(0.0, 10.0),
                      outcomes=["vacancy_rate_pct", "agency_rate_pct", "turnover_pct", "council_moves_pct",
                                "total_cost_gbp_per_year", "vacancy_rate_pct_by_month"])
    results = perform_experiments(model, scenarios=args.scenarios, policies=args.policies)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    save_results(results, str(out))

    experiments, outcomes = process_replications(results)  # the mean over the seeds
    inputs = experiments[[*UNCERTAINTIES, *(f"{slug(c)}_pay_uplift_pct" for c in LEVERS)]]
    scalars = {k: v for k, v in outcomes.items() if v.ndim == 1}
    print("feature scores (extra trees):")
    print(feature_scoring.get_feature_scores_all(inputs, scalars).round(3).to_string())

    worst = outcomes["vacancy_rate_pct"] > np.percentile(outcomes["vacancy_rate_pct"], 80)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            finder = prim.Prim(inputs, worst, threshold=0.6)
        except TypeError:  # EMA 3 takes no threshold
            finder = prim.Prim(inputs, worst)
        box = finder.find_box()
    print("\nPRIM: where the highest fifth of vacancy rates are (box limits):")
    print(box.box_lims[box._cur_box].to_string())
    print(f"\nsaved {len(experiments)} experiments x {args.replications} seeds to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
