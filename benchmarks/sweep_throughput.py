"""Sweep throughput: runs per second serially, in 2 local processes and on a 2-worker Dask cluster.

Usage::

    /work/venv311/bin/python benchmarks/sweep_throughput.py            # quick: 8 runs a mode, a 40-run sweep
    /work/venv311/bin/python benchmarks/sweep_throughput.py --full     # the 1,000-run London sweep
    /work/venv311/bin/python benchmarks/sweep_throughput.py --runs 100 --per-mode 16

Every run is one ``sim.api:run`` call (default: London, 10 years), sent through the same executors
``sim sweep`` uses (``sim.sweep.executors.run_serial`` / ``run_processes`` / ``run_dask``). The Dask
cluster is a real ``distributed.LocalCluster`` on 127.0.0.1 with 2 worker processes of 1 thread.

Three tables are printed:

1. **Throughput**: per mode, end-to-end runs/s (start-up included) and steady-state runs/s (from the
   moment every worker has delivered its first run to the last run), and the parallel efficiency
   ``steady(parallel) / (workers * steady(serial))`` (the goal is at least 85 %).
2. **Where the time goes**, per run: engine build / monthly steps / summary (the ``sim/results.py``
   council-month table and ``summarise``), pickling a task and a result, writing a run's Parquet part
   (atomic, fsynced), and once per worker: process start-up and importing the model.
3. **Sweep**: ``sim sweep SPEC --workers 2`` run as a subprocess on a generated London LHS spec,
   timed end to end (CLI start, spec validation, design, runs, Parquet parts); goal < 3 minutes for
   1,000 runs.

Wall times on a shared machine include other people's jobs; the 1-minute load average is printed
before and after each measurement so a noisy result can be recognised.
"""

from __future__ import annotations

import argparse
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

MODEL = "sim.api:run"
OUTCOMES = ("turnover_pct", "agency_rate_pct", "vacancy_rate_pct", "council_moves_pct", "caseload")


def _load() -> str:
    return f"{os.getloadavg()[0]:.1f}"


def _tasks(n: int, region: str, years: int, first_seed: int = 0) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"r{i:06d}", {"region": region, "base_year": 2024, "years": years, "seed": first_seed + i,
                       "params": {}, "policies": [], "keep_council_months": False})
        for i in range(n)
    ]


def _rates(stamps: list[float], t0: float, workers: int) -> tuple[float, float]:
    """End-to-end runs/s from ``t0``, and steady-state runs/s after each worker's first run."""
    n = len(stamps)
    total = n / (stamps[-1] - t0)
    if n <= workers:
        return total, float("nan")
    return total, (n - workers) / (stamps[-1] - stamps[workers - 1])


def measure(mode: str, n: int, region: str, years: int, workers: int) -> dict[str, Any]:
    """Time ``n`` runs in one mode; return the rates and the start-up time."""
    from sim.sweep.executors import run_dask, run_processes, run_serial

    tasks = _tasks(n, region, years)
    load_before = _load()
    cluster = client = None
    t_start = time.perf_counter()
    if mode == "serial":
        results = run_serial(MODEL, OUTCOMES, tasks)
        w = 1
    elif mode == "processes":
        results = run_processes(MODEL, OUTCOMES, tasks, workers)
        w = workers
    else:
        from dask.distributed import Client, LocalCluster

        cluster = LocalCluster(host="127.0.0.1", n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
        results = run_dask(MODEL, OUTCOMES, tasks, scheduler=client)
        w = workers
    t0 = time.perf_counter()
    stamps, elapsed, cpu = [], [], []
    try:
        for _run_id, res in results:
            stamps.append(time.perf_counter())
            elapsed.append(res["elapsed_s"])
            cpu.append(res.get("cpu_s", float("nan")))
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
    total, steady = _rates(stamps, t_start, w)
    return {
        "mode": mode, "workers": w, "runs": n, "wall_s": stamps[-1] - t_start, "end_to_end": total,
        "steady": steady, "cluster_start_s": t0 - t_start, "first_s": stamps[0] - t_start,
        "model_s": sorted(elapsed)[len(elapsed) // 2], "cpu_s": sorted(cpu)[len(cpu) // 2],
        "load": f"{load_before}->{_load()}",
    }


def breakdown(region: str, years: int, repeat: int = 3) -> list[tuple[str, float, str]]:
    """Per-run and per-worker costs, measured in this process (nothing in the engine is changed)."""
    import pyarrow as pa

    from sim.model import WorkforceModel
    from sim.results import council_month_table, summarise
    from sim.sweep import store
    from sim.sweep.executors import execute_run
    from sim.sweep.spec import parse_spec

    rows: list[tuple[str, float, str]] = []
    build, step, table, summ = [], [], [], []
    for seed in range(repeat):
        t0 = time.perf_counter()
        m = WorkforceModel(region=region, base_year=2024, seed=seed, months=years * 12)
        t1 = time.perf_counter()
        m.run(years=years)
        t2 = time.perf_counter()
        cm = council_month_table(m)
        t3 = time.perf_counter()
        summarise(cm, 12)
        t4 = time.perf_counter()
        build.append(t1 - t0), step.append(t2 - t1), table.append(t3 - t2), summ.append(t4 - t3)
    med = lambda xs: sorted(xs)[len(xs) // 2]  # noqa: E731
    engine = med(build) + med(step) + med(table) + med(summ)
    rows += [
        ("engine: build the model", med(build), "per run"),
        (f"engine: {years * 12} monthly steps", med(step), "per run"),
        ("summary: council_month_table (sim/results.py)", med(table), "per run"),
        ("summary: summarise (sim/results.py)", med(summ), "per run"),
        ("engine total", engine, "per run"),
    ]
    task = _tasks(1, region, years)[0]
    res = execute_run(MODEL, OUTCOMES, task[1])
    t0 = time.perf_counter()
    for _ in range(1000):
        pickle.loads(pickle.dumps((execute_run, MODEL, OUTCOMES, task[1])))
        pickle.loads(pickle.dumps(res))
    rows.append(("pickling a task and its result (round trip)", (time.perf_counter() - t0) / 1000, "per run"))
    spec = parse_spec({"sweep": {"name": "bench", "region": region, "years": years, "outcomes": list(OUTCOMES)},
                       "parameters": {"b_pay": {"levels": [4.0]}}})
    schema: pa.Schema = store.results_schema(spec)
    row = {"run_id": "r000000", "point_id": 0, "replicate": 0, "scenario": "none", "seed": 1, "b_pay": 4.0}
    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        for i in range(50):
            store.write_run(Path(d), spec, {**row, "run_id": f"r{i:06d}"}, res, schema)
        rows.append(("writing a run's Parquet part (atomic, fsync)", (time.perf_counter() - t0) / 50, "per run"))
    code = "import time; t = time.perf_counter(); import sim.api; print(time.perf_counter() - t)"
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    rows.append(("worker process start-up (interpreter)", time.perf_counter() - t0 - float(out.stdout), "per worker"))
    rows.append(("importing the model (sim.api) in a worker", float(out.stdout), "per worker"))
    return rows


SPEC = """\
[sweep]
name = "london_throughput"
region = "{region}"
base_year = 2024
years = {years}
design = "lhs"
samples = {runs}
replicates = 1
root_seed = 7
outcomes = {outcomes}

[parameters.b_pay]
range = [2.0, 6.0]

[parameters.b_caseload_per_case]
range = [0.02, 0.2]

[parameters.search_rate_per_month]
range = [0.005, 0.03]
log = true
"""


def sweep_end_to_end(runs: int, region: str, years: int, workers: int, keep: Path | None) -> dict[str, Any]:
    """Run ``sim sweep`` on a generated spec in a subprocess and time it."""
    tmp = Path(tempfile.mkdtemp(prefix="sweep_bench_"))
    try:
        spec = tmp / "london_throughput.toml"
        spec.write_text(SPEC.format(region=region, years=years, runs=runs, outcomes=list(OUTCOMES)).replace("'", '"'))
        out = keep or tmp / "out"
        sim = Path(sys.executable).with_name("sim")
        cmd = [str(sim) if sim.exists() else "sim", "sweep", str(spec), "--out", str(out),
               "--workers", str(workers), "--no-progress"]
        load_before = _load()
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True)
        wall = time.perf_counter() - t0
        n_parts = len(list((out / "runs").glob("*.parquet")))
        return {"runs": runs, "parts": n_parts, "wall_s": wall, "load": f"{load_before}->{_load()}"}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--full", action="store_true", help="the full 1,000-run sweep (default: 40 runs)")
    p.add_argument("--runs", type=int, default=None, help="runs in the timed sweep (overrides --full)")
    p.add_argument("--per-mode", type=int, default=None,
                   help="runs per throughput measurement (default 8, or 24 with --full)")
    p.add_argument("--region", default="london")
    p.add_argument("--years", type=int, default=10)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--modes", nargs="+", default=["serial", "processes", "dask"],
                   choices=["serial", "processes", "dask"])
    p.add_argument("--no-breakdown", action="store_true", help="skip the where-the-time-goes table")
    p.add_argument("--no-sweep", action="store_true", help="skip the end-to-end sweep")
    p.add_argument("--keep", type=Path, default=None, help="keep the sweep's output in this directory")
    a = p.parse_args(argv)
    per_mode = a.per_mode or (24 if a.full else 8)
    sweep_runs = a.runs or (1000 if a.full else 40)
    print(f"# {a.region}, {a.years}-year runs; {os.cpu_count()} CPUs; Python {sys.version.split()[0]}")

    results = [measure(m, per_mode, a.region, a.years, a.workers) for m in a.modes]
    serial = next((r for r in results if r["mode"] == "serial"), None)
    print("\n## Throughput\n")
    print(f"{'mode':<10} {'workers':>7} {'runs':>5} {'wall s':>8} {'runs/s e2e':>11} {'runs/s steady':>14} "
          f"{'efficiency':>10} {'start s':>8} {'model s/run':>12} {'cpu s/run':>10} {'cpu eff':>8}  load 1m")
    for r in results:
        eff = ceff = ""
        if serial is not None and r["mode"] != "serial":
            eff = f"{100 * r['steady'] / (r['workers'] * serial['steady']):.0f} %"
            ceff = f"{100 * serial['cpu_s'] / r['cpu_s']:.0f} %"
        print(f"{r['mode']:<10} {r['workers']:>7} {r['runs']:>5} {r['wall_s']:>8.1f} {r['end_to_end']:>11.3f} "
              f"{r['steady']:>14.3f} {eff:>10} {r['first_s']:>8.1f} {r['model_s']:>12.3f} {r['cpu_s']:>10.3f} "
              f"{ceff:>8}  {r['load']}")
    print("\nefficiency = steady runs/s / (workers x serial steady runs/s); goal >= 85 %. 'start s' is the time"
          "\nto the first result (pool or cluster start, worker import, one run). 'model s/run' and 'cpu s/run' are"
          "\nthe median wall and CPU seconds of one model call inside its worker; 'cpu eff' = serial CPU s/run /"
          "\nthis mode's CPU s/run, which other jobs on the machine do not distort (wall-clock efficiency they do).")

    if not a.no_breakdown:
        print("\n## Where the time goes\n")
        print(f"{'item':<50} {'ms':>9}  per")
        for name, secs, per in breakdown(a.region, a.years):
            print(f"{name:<50} {1e3 * secs:>9.2f}  {per}")

    if not a.no_sweep:
        s = sweep_end_to_end(sweep_runs, a.region, a.years, a.workers, a.keep)
        print(f"\n## Sweep end to end (sim sweep SPEC --workers {a.workers})\n")
        print(f"{'runs':>5} {'parts':>6} {'wall s':>8} {'min':>6} {'runs/s':>7}  load 1m")
        print(f"{s['runs']:>5} {s['parts']:>6} {s['wall_s']:>8.1f} {s['wall_s'] / 60:>6.2f} "
              f"{s['runs'] / s['wall_s']:>7.3f}  {s['load']}")
        if s["runs"] != 1000:
            print(f"1,000 runs at this rate: {1000 / (s['runs'] / s['wall_s']) / 60:.1f} min (goal < 3 min)")
        procs = next((r for r in results if r["mode"] == "processes"), None)
        if procs is not None:
            idle = 1000 * procs["cpu_s"] / a.workers / 60
            print(f"1,000 runs with the cores to ourselves (CPU s/run {procs['cpu_s']:.3f} x 1,000 / {a.workers} "
                  f"workers): {idle:.1f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
