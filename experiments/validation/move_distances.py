"""How far do movers go? Commutes and the distance between councils of the moves, against the census-era facts.

The issue that introduced geography measured, under the old model, 41% of moves between councils whose
centroids are more than 40 km apart and a mean move of 55 km; the mean commute in England and Wales is
about 15 km (ONS, 2011 census). This script runs England for a year and prints, for permanent staff
and for the month's movers: the mean commute (home point to the employer's nearest office), the mean
distance between the centroids of the origin and destination councils, and the share of moves over
40 km between centroids.

    python experiments/validation/move_distances.py [--seeds 3] [--base-year 2024]
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from sim import WorkforceModel
from sim.data import CENSUS_YEARS, load_seeds
from sim.geography import _haversine
from sim.workers import PERM


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--base-year", type=int, default=CENSUS_YEARS[-1])
    args = ap.parse_args(argv)
    councils = load_seeds().councils.set_index("code")
    staff, movers, centroid = [], [], []
    for seed in range(1, args.seeds + 1):
        m = WorkforceModel(base_year=args.base_year, seed=seed, months=12)
        codes = [a.code for a in m.council_agents]
        lon, lat = councils.loc[codes, "lon"].to_numpy(), councils.loc[codes, "lat"].to_numpy()
        w = m.workers
        for _ in range(12):
            m.step()
            perm = w.with_status(PERM)
            moved = perm[w.left_perm_tick[perm] == m.tick]  # moved between councils this month
            movers += m.dist_zone[w.home_zone[moved], w.employer[moved]].tolist()
        for od in m.recorder.od:  # every move of the year, to councils in and outside the region
            if len(od):
                o, d, heads = od[:, 0].astype(int), od[:, 1].astype(int), od[:, 2].astype(int)
                centroid += np.repeat(_haversine(lon[o], lat[o], lon[d], lat[d]), heads).tolist()
        perm = w.with_status(PERM)
        staff += m.dist_zone[w.home_zone[perm], w.employer[perm]].tolist()
    centroid = np.array(centroid)
    print(f"England, base year {args.base_year}, {args.seeds} seeds x 12 months\n")
    print("| measure | model | reference |")
    print("|---|---:|---:|")
    print(f"| mean commute of permanent staff, km | {np.mean(staff):.1f} | about 15 (ONS 2011, all workers) |")
    print(f"| mean commute of movers after the move, km | {np.mean(movers):.1f} | |")
    print(f"| mean distance between councils' centroids of a move, km | {centroid.mean():.1f} | 55 under the old "
          "model |")
    print(f"| moves over 40 km between centroids | {100 * np.mean(centroid > 40):.0f}% | 41% under the old model |")
    print(f"| moves counted | {centroid.size} | |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
