"""Bit-for-bit check of engine results: hash every recorded array and every worker column.

``python benchmarks/check_identical.py --save hashes.json`` stores the hashes of a set of runs;
``python benchmarks/check_identical.py --compare hashes.json`` recomputes them and reports any run
whose results changed (exit status 1). Use it before and after a change meant to speed the engine
up without changing a single number.

The runs: all England for 10 years with seeds 0, 1 and 2; bexley_cluster for 5 years with the
policies of ``experiments/scenarios/bexley_pays_more.toml`` and
``england_dfe_agency_rules.toml`` together (seed 0); and bexley_cluster with one policy of every
kind in the registry (seed 0), so that every hook the policies use (council rules, exit, retention
and agency listeners, move rules) is exercised.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tomllib
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.model import WorkforceModel  # noqa: E402
from sim.policies.registry import POLICY_TYPES, policy_from_dict  # noqa: E402
from sim.workers import COLUMNS  # noqa: E402

SCENARIOS = ROOT / "experiments" / "scenarios"

# One policy of every kind, for a bexley_cluster run (starts spread so that they interact).
EVERY_KIND: list[dict[str, Any]] = [
    {"kind": "pay_uplift", "councils": ["Bexley"], "gbp": 3000, "start": "2024-10"},
    {"kind": "market_supplement", "councils": ["Bromley"], "gbp": 2000, "share": 0.5, "start": "2024-11"},
    {"kind": "golden_hello", "councils": ["Bexley"], "gbp": 1000, "start": "2024-10"},
    {"kind": "retention_payment", "councils": ["Bexley"], "gbp": 750, "pay_month": 4, "tenure_months": 12,
     "clawback_months": 6, "start": "2024-10"},
    {"kind": "caseload_cap", "councils": ["Bromley"], "extra_posts": 10, "cap": 20, "start": "2024-10"},
    {"kind": "demand_shock", "councils": ["Greenwich"], "share": 0.5, "ramp_months": 12, "start": "2024-10"},
    {"kind": "agency_cap", "councils": ["Bexley"], "max_share": 0.1, "start": "2025-01"},
    {"kind": "overseas_recruitment", "councils": ["Bexley"], "hires_per_year": 10, "start": "2024-10"},
    {"kind": "ofsted_judgement", "councils": ["Bexley"], "grade": "Inadequate", "immediate": True,
     "start": "2025-03"},
    {"kind": "dfe_agency_rules", "min_pq_months": 36, "cooldown_months": 3, "price_cap": 1.3, "start": "2024-10"},
    {"kind": "no_poaching", "councils": ["Bexley", "Bromley", "Greenwich"], "promotion_share": 0.2,
     "agency_reengage_months": 6, "start": "2024-10"},
    {"kind": "pay_harmonisation", "councils": ["Bexley"], "to": "neighbours", "ramp_months": 6, "start": "2026-04"},
    {"kind": "adaptive_pay", "councils": ["Greenwich", "Bromley"], "pay_month": 4, "vacancy_trigger_pct": 15,
     "trigger_grade": "Inadequate", "judgement_window_months": 24, "close_share": 0.5, "min_raise_pct": 3},
    {"kind": "national_pay_scale", "start": "2027-04"},
]


def _digest(arr: np.ndarray) -> str:
    arr = np.ascontiguousarray(arr)
    h = hashlib.sha256(f"{arr.dtype.str}{arr.shape}".encode())
    h.update(arr.tobytes())
    return h.hexdigest()[:24]


def model_hashes(m: WorkforceModel) -> dict[str, str]:
    """Hashes of every recorded array (stocks, flows, FTE flows, spending, pool, O-D) and worker column."""
    rec, rows = m.recorder, m.recorder.rows
    out: dict[str, str] = {}
    for table in ("stock", "flow", "flow_fte", "spend"):
        for k, arr in getattr(rec, table).items():
            out[f"{table}.{k}"] = _digest(arr[:rows])
    out["pool_count"] = _digest(rec.pool_count[:rows])
    out["od"] = _digest(np.concatenate([np.asarray(o, dtype=float).reshape(-1, 4) for o in rec.od]))
    out["od_rows"] = _digest(np.array([len(o) for o in rec.od]))
    for name in COLUMNS:
        out[f"workers.{name}"] = _digest(getattr(m.workers, name))
    return out


def _policies_of(*files: str) -> list[dict[str, Any]]:
    specs: list[dict[str, Any]] = []
    for f in files:
        specs += tomllib.loads((SCENARIOS / f).read_text()).get("policies", [])
    return specs


def runs() -> dict[str, tuple[dict[str, Any], list[dict[str, Any]], int]]:
    """name -> (model keywords, policy specs, months)."""
    out: dict[str, tuple[dict[str, Any], list[dict[str, Any]], int]] = {
        f"england_10y_seed{s}": ({"region": "england", "seed": s}, [], 120) for s in (0, 1, 2)}
    bexley = {"region": "bexley_cluster", "base_year": 2024, "seed": 0,
              "pay_gbp": {"Greenwich": 50500, "Bromley": 50000, "Kent": 48500}}
    out["bexley_scenario_policies"] = (bexley, _policies_of("bexley_pays_more.toml",
                                                            "england_dfe_agency_rules.toml"), 60)
    assert {p["kind"] for p in EVERY_KIND} == set(POLICY_TYPES), "EVERY_KIND must list every policy kind"
    out["bexley_every_kind"] = (bexley, EVERY_KIND, 60)
    return out


def compute(only: list[str] | None = None) -> dict[str, dict[str, str]]:
    result = {}
    for name, (kw, specs, months) in runs().items():
        if only and name not in only:
            continue
        policies = [policy_from_dict(dict(s), where=name) for s in specs]
        m = WorkforceModel(**kw, months=months, policies=policies).run(months=months)
        result[name] = model_hashes(m)
        print(f"  {name}: {len(result[name])} arrays hashed", file=sys.stderr)
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--save", metavar="JSON", help="compute the hashes and store them")
    g.add_argument("--compare", metavar="JSON", help="compute the hashes and compare with a stored file")
    ap.add_argument("--only", nargs="+", help="run only these runs (names as in the JSON)")
    args = ap.parse_args(argv)
    now = compute(args.only)
    if args.save:
        Path(args.save).write_text(json.dumps(now, indent=1, sort_keys=True))
        print(f"saved hashes of {len(now)} runs to {args.save}")
        return 0
    stored = json.loads(Path(args.compare).read_text())
    bad = 0
    for name, hashes in now.items():
        if name not in stored:
            print(f"{name}: not in {args.compare}")
            bad += 1
            continue
        diff = sorted(k for k in set(hashes) | set(stored[name]) if hashes.get(k) != stored[name].get(k))
        print(f"{name}: {'IDENTICAL' if not diff else 'DIFFERENT: ' + ', '.join(diff)} ({len(hashes)} arrays)")
        bad += bool(diff)
    print("all identical" if not bad else f"{bad} run(s) differ")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
