"""The `sim` command line, end to end, as a user runs it (a real subprocess)."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd


def sim(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim.cli", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300)


def test_run_writes_tables_and_picture(tmp_path):
    out = tmp_path / "out"
    r = sim("run", "--region", "bexley_cluster", "--years", "1", "--seed", "3", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "turnover_pct" in r.stdout and "largest net poaching gains" in r.stdout
    assert "12/12" not in r.stderr and "\r" not in r.stderr  # no progress display into a pipe
    assert "sim: wrote " in r.stderr and "council_months.parquet" in r.stderr  # the sim logger
    cm = pd.read_parquet(out / "council_months.parquet")
    flows = pd.read_parquet(out / "flows.parquet")
    assert cm.tick.max() == 12 and cm.council.nunique() == 7
    assert {"origin", "destination", "movers"} <= set(flows.columns)
    png = (out / "summary.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000
    assert not list(out.glob(".*tmp"))  # no temporary files left behind


def test_regions_and_councils_list():
    r = sim("regions")
    assert r.returncode == 0 and "bexley_cluster" in r.stdout and "yorkshire_and_the_humber" in r.stdout
    r = sim("councils", "bradford_cluster")
    assert r.returncode == 0 and "Kirklees" in r.stdout


def test_bad_input_exits_2_with_a_message_and_no_traceback(tmp_path):
    typo = tmp_path / "p.toml"
    typo.write_text("b_pya = 3\n")
    cases = [
        (["run", "--region", "narnia"], "unknown region 'narnia'"),
        (["run", "--base-year", "2031"], "base year 2031 has no census data; allowed: 2017 to 2024"),
        (["run", "--params", str(typo)], "unknown parameter 'b_pya' (did you mean b_pay"),
        (["run", "--years", "-1"], "--years -1.0: outside the range; allowed a finite number from 1/12"),
        (["run", "--years", "nan"], "--years nan: not a finite number"),
        (["run", "--years", "0.01"], "--years 0.01: outside the range"),
        (["councils", "atlantis"], "unknown region 'atlantis'"),
        (["run", "--seed", "x"], "invalid int value"),
    ]
    for args, message in cases:
        r = sim(*args)
        assert r.returncode == 2, (args, r.stderr)
        assert message in r.stderr, (args, r.stderr)
        assert "Traceback" not in r.stderr
