"""Benchmarks of the engine: ``python benchmarks/run.py`` prints a table (``--json`` for JSON).

Sections: a 10-year England run with results recorded (wall and CPU time, time per worker-month,
peak memory); the plain-Mesa reference model and the engine side by side on a small region (the
speed ratio per worker-month); scaling with workforce size (0.5 to 4 times England); and time per
phase of the month. Every measurement runs in a fresh subprocess. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
# goals (issue 12): the run of an England decade, build + run, the speed ratio to the reference (the
# median over rounds of the CPU-time ratio; the wall-clock ratio is printed beside it), peak memory
GOAL_RUN_S, GOAL_BUILD_RUN_S, GOAL_RATIO, GOAL_MB = 0.2, 0.5, 100.0, 300.0


def measure(task: str, **kwargs: Any) -> dict[str, Any]:
    """Run one task of tasks.py in a fresh interpreter and return its result."""
    code = ("import json, sys; sys.path.insert(0, sys.argv[1]); import tasks; "
            "print(json.dumps(tasks.TASKS[sys.argv[2]](**json.loads(sys.argv[3]))))")
    done = subprocess.run([sys.executable, "-c", code, str(HERE), task, json.dumps(kwargs)],
                          capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"benchmark task {task}({kwargs}) failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def slope(xs: list[float], ys: list[float]) -> float:
    """Least-squares slope of log(y) on log(x) (nan with fewer than two distinct x)."""
    if len(set(xs)) < 2:
        return float("nan")
    lx, ly = [math.log(x) for x in xs], [math.log(y) for y in ys]
    mx, my = sum(lx) / len(lx), sum(ly) / len(ly)
    return sum((a - mx) * (b - my) for a, b in zip(lx, ly, strict=True)) / sum((a - mx) ** 2 for a in lx)


def side_by_side(region: str, args: argparse.Namespace) -> dict[str, Any]:
    """Engine and reference on one region, in alternating rounds (so that a change in the machine's
    speed during the benchmark affects both): each round's ratio of times per worker-month."""
    rounds = []
    for _ in range(args.rounds):
        engine = measure("engine", region=region, years=args.ref_years, repeat=args.repeat, memory=False)
        reference = measure("reference", region=region, years=args.ref_years, repeat=1)
        rounds.append({"engine": engine, "reference": reference,
                       "ratio": per_wm_us(reference) / per_wm_us(engine),
                       "cpu_ratio": per_wm_us(reference, "cpu_run_s") / per_wm_us(engine, "cpu_run_s")})
    return {"region": region, "rounds": rounds}


def collect(args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {"python": sys.version.split()[0]}
    out["england"] = measure("engine", region="england", years=args.years, repeat=args.repeat)
    out["numpy_only"] = measure("engine", region="england", years=args.years, repeat=max(1, args.repeat - 2),
                                memory=False, numpy_only=True)
    if out["england"].get("avx512"):
        out["no_avx512"] = measure("engine", region="england", years=args.years, repeat=max(1, args.repeat - 2),
                                   memory=False, avx512=False)
    if not args.no_reference:
        out["side_by_side"] = [side_by_side(region, args) for region in args.ref_regions]
    out["scaling"] = [measure("engine", region="england", years=args.years, scale=s,
                              repeat=max(1, args.repeat - 1), memory=False) for s in args.scales]
    out["phases"] = measure("phases", region="england", years=args.years)
    return out


def per_wm_us(r: dict[str, Any], key: str = "run_s") -> float:
    return 1e6 * r[key] / r["worker_months"]


def _met(value: float, goal: float, at_most: bool = True) -> str:
    return "met" if (value <= goal if at_most else value >= goal) else "NOT met"


def render(res: dict[str, Any]) -> str:
    e, npo = res["england"], res["numpy_only"]
    total = e["build_s"] + e["run_s"]
    lines = [f"cswsim benchmarks (Python {res['python']}; best of repeats; times in seconds)", "",
             f"1. England, {e['years']:g} years, results recorded "
             f"({e['workers_start']:,} workers at the start, {e['worker_months']:,.0f} worker-months)",
             f"   {'build':>8} {'run':>8} {'build+run':>10} {'cpu run':>8} {'us/wm':>7} {'table':>7} "
             f"{'RSS MB':>7} {'traced MB':>9}",
             f"   {e['build_s']:8.3f} {e['run_s']:8.3f} {total:10.3f} {e['cpu_run_s']:8.3f} "
             f"{per_wm_us(e):7.3f} {e['table_s']:7.3f} {e['peak_rss_mb']:7.0f} {e.get('traced_peak_mb', 0):9.0f}",
             f"   goals: run <= {GOAL_RUN_S} s: {_met(e['run_s'], GOAL_RUN_S)} on the wall clock, "
             f"{_met(e['cpu_run_s'], GOAL_RUN_S)} in CPU time; build+run <= {GOAL_BUILD_RUN_S} s: "
             f"{_met(total, GOAL_BUILD_RUN_S)} on the wall clock, "
             f"{_met(e['cpu_build_s'] + e['cpu_run_s'], GOAL_BUILD_RUN_S)} in CPU time; "
             f"peak RSS <= {GOAL_MB:.0f} MB: {_met(e['peak_rss_mb'], GOAL_MB)}",
             f"   compiled kernels: {'in use' if e.get('compiled') else 'NOT in use (numpy only)'}; the same run "
             f"with numpy only (CSWSIM_NUMPY_ONLY=1): run {npo['run_s']:.3f} s, {per_wm_us(npo):.3f} us/wm, "
             f"{npo['run_s'] / e['run_s']:.1f} times slower"]
    if "no_avx512" in res:
        na = res["no_avx512"]
        lines.append(f"   draws with AVX-512: in use; the same run without (CSWSIM_NO_AVX512=1, as on a CPU without "
                     f"it): run {na['run_s']:.3f} s, {per_wm_us(na):.3f} us/wm, "
                     f"{na['run_s'] / e['run_s']:.2f} times slower")
    else:
        lines.append("   draws with AVX-512: not in use (this CPU lacks it, or CSWSIM_NO_AVX512 is set)")
    lines.append("")
    lines += _side_by_side(res)
    lines += _scaling(res["scaling"]) + _phases(res["phases"])
    return "\n".join(lines)


def _side_by_side(res: dict[str, Any]) -> list[str]:
    if "side_by_side" not in res:
        return ["2. Side by side with the reference: skipped (--no-reference)", ""]
    regions = res["side_by_side"]
    first, n = regions[0]["rounds"][0]["engine"], len(regions[0]["rounds"])
    lines = [f"2. Engine and plain-Mesa reference side by side ({first['years']:g} year, same seed; "
             f"{n} alternating round{'s' * (n != 1)}, best of each model shown)",
             f"   {'region':16} {'model':10} {'run s':>8} {'cpu s':>8} {'worker-months':>14} {'us/wm':>9}   "
             "ratio per round (median): wall clock; CPU time"]
    medians: dict[str, dict[str, float]] = {}
    for reg in regions:
        se = min((r["engine"] for r in reg["rounds"]), key=per_wm_us)
        sr = min((r["reference"] for r in reg["rounds"]), key=per_wm_us)
        ratios = {k: sorted(r[k] for r in reg["rounds"] if k in r) for k in ("ratio", "cpu_ratio")}
        medians[reg["region"]] = {k: statistics.median(v) if v else float("nan") for k, v in ratios.items()}
        shown = "; ".join(f"{', '.join(f'{r:,.0f}x' for r in ratios[k])} ({medians[reg['region']][k]:,.0f}x)"
                          for k in ("ratio", "cpu_ratio"))
        lines += [f"   {reg['region']:16} {'engine':10} {se['run_s']:8.3f} {se['cpu_run_s']:8.3f} "
                  f"{se['worker_months']:14,.0f} {per_wm_us(se):9.3f}",
                  f"   {'':16} {'reference':10} {sr['run_s']:8.3f} {sr['cpu_run_s']:8.3f} "
                  f"{sr['worker_months']:14,.0f} {per_wm_us(sr):9.3f}   {shown}"]
    region = max(medians, key=lambda k: medians[k]["cpu_ratio"])
    cpu, wall = medians[region]["cpu_ratio"], medians[region]["ratio"]
    return lines + [f"   speed ratio per worker-month (reference / engine), median of rounds on {region}: "
                    f"{cpu:,.0f}x in CPU time (goal >= {GOAL_RATIO:.0f}x: {_met(cpu, GOAL_RATIO, at_most=False)}), "
                    f"{wall:,.0f}x on the wall clock ({_met(wall, GOAL_RATIO, at_most=False)})",
                    "   (the goal measure is the CPU-time ratio, the steadier on a shared machine; on a small region "
                    "the engine's fixed cost per month dominates: see the scaling section)", ""]


def _scaling(sc: list[dict[str, Any]]) -> list[str]:
    k = slope([r["worker_months"] for r in sc], [r["run_s"] for r in sc])
    lines = ["3. Scaling with workforce size (England census scaled, benchmarks/scaling.py)",
             f"   {'scale':>6} {'workers':>9} {'run s':>8} {'us/wm':>7} {'RSS MB':>7}"]
    lines += [f"   {r['scale']:6g} {r['workers_start']:9,} {r['run_s']:8.3f} {per_wm_us(r):7.3f} "
              f"{r['peak_rss_mb']:7.0f}" for r in sc]
    return lines + [f"   log-log slope of run time on worker-months: {k:.2f} (1 = linear)", ""]


def _phases(res: dict[str, Any]) -> list[str]:
    ph, months = res["phase_s"], res["months"]
    tot = sum(ph.values())
    lines = [f"4. Time per phase of the month (England, {months} months)",
              f"   {'phase':12} {'total s':>8} {'ms/month':>9} {'share':>6}"]
    lines += [f"   {k:12} {v:8.3f} {1000 * v / months:9.3f} {100 * v / tot:5.1f}%"
              for k, v in sorted(ph.items(), key=lambda kv: -kv[1])]
    return lines + [f"   {'all':12} {tot:8.3f} {1000 * tot / months:9.3f}"]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print the raw measurements as JSON")
    ap.add_argument("--repeat", type=int, default=5, help="repeats per engine measurement (best is kept)")
    ap.add_argument("--years", type=float, default=10, help="length of the England runs")
    ap.add_argument("--ref-regions", nargs="+", default=["west_yorkshire", "england"],
                    help="regions of the side-by-side comparison")
    ap.add_argument("--ref-years", type=float, default=1, help="length of the side-by-side runs")
    ap.add_argument("--rounds", type=int, default=3, help="alternating engine/reference rounds per region")
    ap.add_argument("--scales", type=float, nargs="+", default=[0.5, 1, 2, 4], help="workforce scale factors")
    ap.add_argument("--no-reference", action="store_true", help="skip the plain-Mesa reference model")
    args = ap.parse_args(argv)
    res = collect(args)
    print(json.dumps(res, indent=2) if args.json else render(res))


if __name__ == "__main__":
    main()
