"""Results open the obvious way: the exact queries of docs/sweeps.md ("Reading results") run with pandas,
pyarrow, DuckDB and polars on a real sweep (experiments/sweeps/tiny.toml) and a real `sim run`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main
from sim.sweep import Sweep
from sim.sweep.store import SweepStateError

duckdb = pytest.importorskip("duckdb")
pl = pytest.importorskip("polars")

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "sweeps.md"
TINY = REPO / "experiments" / "sweeps" / "tiny.toml"
IDENT = ["run_id", "point_id", "replicate", "scenario", "seed", "b_pay", "search_rate_per_month"]


def doc_snippets() -> list[str]:
    """The Python blocks of the "Reading results" section of docs/sweeps.md."""
    text = DOC.read_text()
    section = text[text.index("## Reading results"):text.index("## Sensitivity analysis")]
    return re.findall(r"```python\n(.*?)```", section, flags=re.S)


@pytest.fixture(scope="module")
def opened(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Make the sweep and the run where the docs say, then run every snippet in one namespace."""
    import os

    root = tmp_path_factory.mktemp("work")
    Sweep.from_toml(TINY).run(root / "results" / "sweeps" / "tiny", progress=False)
    assert main(["run", "--region", "bexley_cluster", "--years", "1", "--quiet", "--out",
                 str(root / "results" / "run")]) == 0
    namespace: dict = {}
    here = Path.cwd()
    os.chdir(root)
    try:
        for code in doc_snippets():
            exec(compile(code, str(DOC), "exec"), namespace)  # noqa: S102 - our own documentation
    finally:
        os.chdir(here)
    namespace["root"] = root
    return namespace


def test_the_docs_have_the_snippets():
    code = "\n".join(doc_snippets())
    assert "duckdb.sql" in code and "pl.scan_parquet" in code and "read_results" in code
    assert "**" not in code  # a glob over one table's folder only


def test_pandas_and_pyarrow(opened):
    assert len(opened["df"]) == 16 and len(opened["runs"]) == 16 and opened["baseline"].num_rows == 8
    months = opened["months"]
    assert len(months) == 16 * 7 * 13
    assert list(months.columns[: len(IDENT)]) == IDENT  # self-describing
    assert pd.api.types.is_datetime64_any_dtype(months["date"])
    assert months["date"].min() == pd.Timestamp("2024-09-01") and months["date"].max() == pd.Timestamp("2025-09-01")
    assert pd.api.types.is_integer_dtype(months["leavers_council"]) and pd.api.types.is_integer_dtype(
        months["perm_count"])
    assert pd.api.types.is_float_dtype(months["perm_fte"])
    # a part's run columns agree with the run table
    joined = months.drop_duplicates("run_id").merge(opened["df"], on="run_id", suffixes=("", "_run"))
    assert (joined.seed == joined.seed_run).all() and (joined.b_pay == joined.b_pay_run).all()


def test_duckdb(opened):
    by_point = opened["by_point"]
    assert len(by_point) == 4 and (by_point.runs == 4).all()
    moves_out = opened["moves_out"]
    assert len(moves_out) == 2 * 2 * 7
    assert (moves_out.moves_out % 1 == 0).all() and moves_out.moves_out.sum() > 0  # DuckDB sums to HUGEINT
    bexley = opened["bexley"]
    assert len(bexley) == 13 and pd.api.types.is_datetime64_any_dtype(bexley["date"])
    assert pd.api.types.is_integer_dtype(bexley["leavers_council"])
    glob = opened["root"] / "results/sweeps/tiny/council_months/*.parquet"
    types = {row[0]: row[1] for row in duckdb.sql(f"DESCRIBE SELECT * FROM read_parquet('{glob}')").fetchall()}
    assert types["date"].startswith("TIMESTAMP") and types["perm_count"] == "BIGINT" and types["seed"] == "BIGINT"


def test_polars(opened, monkeypatch):
    monkeypatch.chdir(opened["root"])  # the lazy frames hold the docs' relative paths
    assert opened["by_scenario"].height == 2
    spring = opened["spring"]
    assert spring.height == 2 * 7 and spring.schema["leavers_council"] == pl.Int64
    assert opened["run_table"].collect().height == 16
    assert opened["council_months"].collect_schema()["seed"] == pl.Int64
    run, flows = opened["run"], opened["flows"]
    assert isinstance(run.schema["date"], pl.Datetime) and run.schema["perm_count"] == pl.Int64
    assert flows.schema["movers"] == pl.Int64 and isinstance(flows.schema["date"], pl.Datetime)
    assert isinstance(opened["council_months"].collect_schema()["date"], pl.Datetime)


def test_an_old_layout_is_not_resumed_into(tmp_path):
    out = tmp_path / "tiny"
    sweep = Sweep.from_toml(TINY)
    sweep.run(out, progress=False)
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["manifest_version"] = 1
    (out / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(SweepStateError, match="another version of cswsim's sweep layout"):
        sweep.run(out, progress=False)


def test_compare_tables_have_real_dates_and_keep_averages(tmp_path):
    from sim.compare import compare

    comp = compare("baseline", REPO / "experiments/scenarios/bexley_pays_more.toml", replicates=2, workers=1)
    comp.write(tmp_path)
    series = pl.read_parquet(tmp_path / "series.parquet")
    assert isinstance(series.schema["date"], pl.Datetime)
    assert series["date"].min().strftime("%Y-%m") == comp.dates[0]
    flows = pd.read_parquet(tmp_path / "flows.parquet")
    assert pd.api.types.is_float_dtype(flows["baseline"])  # movers a year, averaged: not rounded
