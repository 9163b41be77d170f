"""The benchmark script runs from a fresh install with one command: a small version of every
section (each measurement in its own process), and the table it prints."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def test_the_benchmark_table_has_every_section():
    args = ["--repeat", "1", "--years", "0.25", "--ref-regions", "bexley_cluster", "--ref-years", "0.25",
            "--rounds", "2", "--scales", "0.5", "1"]
    done = subprocess.run([sys.executable, str(BENCHMARKS / "run.py"), "--json", *args], capture_output=True,
                          text=True, check=True, timeout=600)
    res = json.loads(done.stdout)
    england = res["england"]
    assert england["compiled"] and england["run_s"] > 0 and england["worker_months"] > 100_000
    assert 0 < england["peak_rss_mb"] < 2000 and res["numpy_only"]["compiled"] is False
    rounds = res["side_by_side"][0]["rounds"]
    # the engine beats the reference, on the wall clock and in CPU time
    assert len(rounds) == 2 and all(r["ratio"] > 1 and r["cpu_ratio"] > 1 for r in rounds)
    # the two models simulate about the same market (same census, same length)
    wm = [(r["engine"]["worker_months"], r["reference"]["worker_months"]) for r in rounds]
    assert all(abs(e - r) / r < 0.05 for e, r in wm)
    assert [s["scale"] for s in res["scaling"]] == [0.5, 1]
    assert res["scaling"][1]["worker_months"] > 1.8 * res["scaling"][0]["worker_months"]
    assert set(res["phases"]["phase_s"]) >= {"exits", "moves", "recruitment", "agency", "record"}

    sys.path.insert(0, str(BENCHMARKS))
    try:
        import run
    finally:
        sys.path.remove(str(BENCHMARKS))
    table = run.render(res)
    for heading in ("1. England", "2. Engine and plain-Mesa reference", "3. Scaling", "4. Time per phase"):
        assert heading in table
    assert "ratio per round" in table and "in CPU time (goal >=" in table and "log-log slope" in table
    assert "run <= 0.2 s" in table
