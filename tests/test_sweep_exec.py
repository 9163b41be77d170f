"""Executors, crash safety and resume, and the CLI handlers of the sweep machinery."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
for _p in (str(REPO), str(REPO / "tests")):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import pandas as pd  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
import pytest  # noqa: E402

from sim.sweep import Sweep, SweepRunError, read_results  # noqa: E402
from sim.sweep.cli import add_sensitivity_parser, add_sweep_parser  # noqa: E402

PYTHONPATH = os.pathsep.join([str(REPO), str(REPO / "tests")])
SPEC = """
[sweep]
name = "exec"
region = "bexley_cluster"
years = 1
design = "lhs"
samples = {samples}
replicates = 2
root_seed = 42
outcomes = ["turnover_pct", "agency_rate_pct", "vacancy_rate_pct", "caseload"]
keep_council_months = {months}
model = "test_sweep_standin:standin_run"

[parameters.b_pay]
range = [2.0, 6.0]

[parameters.search_rate_per_month]
range = [0.01, 0.05]
log = true

[scenarios.uplift]
policies = [{{ type = "pay_uplift", councils = ["Bexley"], pct = 5.0 }}]
"""


def spec_file(tmp_path: Path, samples: int = 5, months: bool = False) -> Path:
    path = tmp_path / f"exec_{samples}_{months}.toml"
    path.write_text(SPEC.format(samples=samples, months=str(months).lower()))
    return path


def comparable(df: pd.DataFrame) -> pd.DataFrame:
    """Results without the timing column, which legitimately differs."""
    return df.drop(columns="elapsed_s").reset_index(drop=True)


@pytest.fixture
def standin_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let spawned worker processes import the stand-in model and sim.sweep."""
    old = os.environ.get("PYTHONPATH")
    monkeypatch.setenv("PYTHONPATH", PYTHONPATH + (os.pathsep + old if old else ""))


def test_serial_processes_and_dask_agree_bit_for_bit(tmp_path: Path, standin_env) -> None:
    from distributed import LocalCluster

    sweep = Sweep.from_toml(spec_file(tmp_path))
    sweep.run(tmp_path / "serial", executor="serial", progress=False, allow_import=True)
    sweep.run(tmp_path / "procs", executor="processes", workers=2, progress=False, allow_import=True)
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        rep = sweep.run(tmp_path / "dask", scheduler=cluster.scheduler_address, progress=False, allow_import=True)
    assert rep.completed == 20
    serial = comparable(read_results(tmp_path / "serial"))
    assert len(serial) == 20 and serial["run_id"].is_unique
    pd.testing.assert_frame_equal(serial, comparable(read_results(tmp_path / "procs")))
    pd.testing.assert_frame_equal(serial, comparable(read_results(tmp_path / "dask")))


def test_kill_9_mid_sweep_then_resume(tmp_path: Path) -> None:
    spec = spec_file(tmp_path, samples=10, months=True)
    out = tmp_path / "killed"
    code = (
        "from sim.sweep import Sweep; import sys; "
        "Sweep.from_toml(sys.argv[1]).run(sys.argv[2], executor='processes', workers=2, "
        "progress=False, allow_import=True)"
    )
    env = {**os.environ, "PYTHONPATH": PYTHONPATH, "SWEEP_STANDIN_DELAY": "0.1"}
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(spec), str(out)], env=env, start_new_session=True, stderr=subprocess.PIPE
    )
    runs_dir = out / "runs"
    deadline = time.monotonic() + 30
    try:
        while len(list(runs_dir.glob("r*.parquet"))) < 6:
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "sweep subprocess made no progress"
            time.sleep(0.02)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the sweep and its pool workers
        proc.wait()
    parts = sorted(runs_dir.glob("r*.parquet"))
    assert 6 <= len(parts) < 40
    for part in [*parts, *(out / "council_months").glob("r*.parquet")]:
        pq.read_table(part)  # every visible file is complete
    for part in parts:  # a summary part implies its council-month file is there
        assert (out / "council_months" / part.name).exists()

    sweep = Sweep.from_toml(spec)
    report = sweep.run(out, executor="serial", progress=False, allow_import=True)
    assert report.already_done == len(parts) and report.completed == 40 - len(parts)
    assert not list(out.rglob(".*.tmp"))
    resumed = read_results(out)
    assert sorted(resumed["run_id"]) == sorted(sweep.runs()["run_id"])  # each exactly once
    sweep.run(tmp_path / "fresh", executor="serial", progress=False, allow_import=True)
    pd.testing.assert_frame_equal(comparable(resumed), comparable(read_results(tmp_path / "fresh")))
    months = pd.read_parquet(out / "council_months")
    assert months.groupby("run_id").size().eq(3 * 12).all() and months.run_id.nunique() == 40


def test_dead_worker_is_reported_and_resumable(tmp_path: Path, standin_env) -> None:
    crash = tmp_path / "crash-now"
    crash.touch()
    sweep = Sweep(
        name="crash",
        design="factorial",
        replicates=3,
        outcomes=["turnover_pct"],
        model="test_sweep_standin:standin_run",
        parameters={"b_pay": {"levels": [2.0, 2.5, 5.0]}},
        policies=[{"crash_flag": str(crash)}],
    )
    out = tmp_path / "out"
    with pytest.raises(SweepRunError, match="worker process died"):
        sweep.run(out, executor="processes", workers=2, progress=False, allow_import=True)
    crash.unlink()
    report = sweep.run(out, executor="processes", workers=2, progress=False, allow_import=True)
    assert report.already_done + report.completed == report.total == 9
    assert report.already_done < 9
    assert read_results(out)["run_id"].is_unique


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sim")
    sub = parser.add_subparsers(dest="command", required=True)
    add_sweep_parser(sub)
    add_sensitivity_parser(sub)
    return parser


def test_cli_handlers(tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> None:
    parser = make_parser()
    bad = tmp_path / "bad.toml"
    bad.write_text('[sweep]\nname = "b"\noutcomes = ["y"]\ndesign = "grid"\n')
    args = parser.parse_args(["sweep", str(bad)])
    assert args.func(args) == 2
    err = capsys.readouterr().err
    assert "error: invalid sweep spec" in err and str(bad) in err and "'grid'" in err

    good = spec_file(tmp_path)
    args = parser.parse_args(["sweep", "--allow-import", str(good), "--dry-run"])
    assert args.func(args) == 0
    assert "= 20 runs" in capsys.readouterr().out

    out = tmp_path / "cli_out"
    args = parser.parse_args(["sweep", "--allow-import", str(good), "--serial", "--out", str(out)])
    assert args.func(args) == 0
    assert len(read_results(out)) == 20
    args = parser.parse_args(["sweep", "--allow-import", str(good), "--serial", "--out", str(out)])
    with caplog.at_level("INFO", logger="sim"):
        assert args.func(args) == 0
    assert "20 of 20 runs already done" in caplog.text  # the sim logger (sim.console)

    other = tmp_path / "other.toml"
    other.write_text(good.read_text().replace("root_seed = 42", "root_seed = 43"))
    args = parser.parse_args(["sweep", "--allow-import", str(other), "--serial", "--out", str(out)])
    assert args.func(args) == 2
    assert "different sweep spec" in capsys.readouterr().err

    typo = tmp_path / "typo.toml"
    typo.write_text(good.read_text().replace("parameters.b_pay", "parameters.b_pya"))
    args = parser.parse_args(["sweep", "--allow-import", str(typo), "--serial", "--out", str(tmp_path / "t")])
    assert args.func(args) == 2
    assert "unknown parameter(s) ['b_pya']" in capsys.readouterr().err

    args = parser.parse_args(["sensitivity", str(out)])
    assert args.func(args) == 2
    assert "needs a sobol or morris design" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        parser.parse_args(["sweep", "--allow-import", str(good), "--serial", "--workers", "2"])
