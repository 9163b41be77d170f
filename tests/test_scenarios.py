"""Scenario files and comparisons: every shipped scenario loads, compare() gives paired intervals, the
CLI works, and the Bexley script and notebook run on small settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.compare import compare, t_interval
from sim.scenario import Scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "experiments" / "scenarios").glob("*.toml"))


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_every_scenario_file_loads(path):
    s = Scenario.from_toml(path)
    assert s.months >= 12 and s.build_model(0).councils.n_active >= 3


def test_scenario_files_are_data_not_code(tmp_path):
    f = tmp_path / "evil.toml"
    f.write_text('name = "__import__(\'os\').system(\'false\')"\n[base]\nregion = "bcp_cluster"\nyears = 1\n')
    assert Scenario.from_toml(f).name.startswith("__import__")  # a string, never evaluated


def test_compare_is_paired_and_baseline_word_means_no_policies(tmp_path):
    path = ROOT / "experiments" / "scenarios" / "bcp_pay_harmonised.toml"
    same = compare("baseline", Scenario.from_toml(path).baseline(), replicates=2, workers=1, point=True)
    assert (same.table["diff"].fillna(0) == 0).all()  # identical seeds, no policy: no difference at all
    comp = compare("baseline", path, replicates=3, workers=2, point=True)
    t = comp.table
    assert {"council", "role", "measure", "baseline", "scenario", "diff", "lo", "hi"} <= set(t.columns)
    row = comp.row("Bournemouth, Christchurch and Poole", "turnover_pct")
    reps = comp.replicates
    r = reps[(reps.council == row.council) & (reps.measure == "turnover_pct")]
    mean, lo, hi = t_interval((r.scenario - r.baseline).to_numpy())
    assert np.isclose(row["diff"], mean) and np.isclose(row.lo, lo) and np.isclose(row.hi, hi)
    assert "Bournemouth, Christchurch and Poole" in comp.text()
    paths = comp.write(tmp_path)
    assert all(p.exists() for p in paths) and pd.read_parquet(tmp_path / "table.parquet").shape == t.shape


def test_cli_compare_and_scenario_run(tmp_path, capsys):
    scen = str(ROOT / "experiments" / "scenarios" / "bcp_pay_harmonised.toml")
    assert main(["compare", "baseline", scen, "--replicates", "2", "--workers", "1", "--out", str(tmp_path)]) == 0
    assert "95% intervals" in capsys.readouterr().out and (tmp_path / "net_flows_map.png").exists()
    assert main(["compare", "baseline", scen, "--replicates", "2", "--council", "Bexly"]) == 2
    assert "unknown council 'Bexly'" in capsys.readouterr().err
    assert main(["scenario", "run", scen]) == 0
    bad = tmp_path / "bad.toml"
    bad.write_text('[base]\nregion = "bcp_cluster"\n[[policies]]\nkind = "pay_rise"\n')
    assert main(["scenario", "run", str(bad)]) == 2
    assert "unknown policy kind 'pay_rise'" in capsys.readouterr().err


def test_run_bexley_small_and_notebook_executes(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    env = {**os.environ, "CSWSIM_SMALL": "1", "CSWSIM_BEXLEY_OUT": str(tmp_path)}
    subprocess.run([sys.executable, str(ROOT / "experiments" / "run_bexley.py"), "--out", str(tmp_path),
                    "--workers", "2"], check=True, env=env, capture_output=True)
    assert pd.read_parquet(tmp_path / "meta.parquet").replicates.iloc[0] == 4
    nb = nbformat.read(ROOT / "notebooks" / "bexley_pays_more.ipynb", as_version=4)
    os.environ["CSWSIM_BEXLEY_OUT"] = str(tmp_path)
    try:
        nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                                resources={"metadata": {"path": str(ROOT / "notebooks")}}).execute()
    finally:
        del os.environ["CSWSIM_BEXLEY_OUT"]
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("Bexley loses" in o.get("text", "") for o in outputs)
