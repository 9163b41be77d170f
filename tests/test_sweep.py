"""Sweep specs, designs and result storage (fast, in-process tests)."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
for _p in (str(REPO), str(REPO / "tests")):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pyarrow.dataset as pads  # noqa: E402
import pytest  # noqa: E402

from sim.sweep import (  # noqa: E402
    Sweep,
    SweepSpecError,
    SweepStateError,
    expand,
    load_spec,
    parse_spec,
    read_council_months,
    read_manifest,
    read_results,
    replicate_seeds,
    validate_parameter_names,
)

STANDIN = "test_sweep_standin:standin_run"
GOOD = """
[sweep]
name = "t"
design = "factorial"
replicates = 2
outcomes = ["turnover_pct"]
model = "test_sweep_standin:standin_run"

[parameters.b_pay]
levels = [2.0, 4.0, 6.0]
"""


def write(tmp_path: Path, text: str, name: str = "spec.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def small_sweep(**over) -> Sweep:
    kw = dict(
        name="small",
        design="factorial",
        replicates=2,
        root_seed=7,
        model=STANDIN,
        outcomes=["turnover_pct", "agency_rate_pct"],
        parameters={"b_pay": {"levels": [2.0, 5.0]}, "search_rate_per_month": {"value": 0.02}},
        scenarios={"uplift": [{"type": "pay_uplift", "pct": 5.0}]},
    )
    kw.update(over)
    return Sweep(**kw)


# --- specification validation ---------------------------------------------------------------


def test_good_spec_loads(tmp_path: Path) -> None:
    spec = load_spec(write(tmp_path, GOOD))
    assert spec.design == "factorial" and spec.replicates == 2
    assert spec.parameters[0].levels == (2.0, 4.0, 6.0)


def test_all_problems_reported_at_once(tmp_path: Path) -> None:
    text = """
[sweep]
name = "bad"
design = "latin"
replicate = 3
replicates = 0
outcomes = ["turnover_pct"]

[parameters.b_pay]
range = [6.0, 2.0]

[parameters.b_ofsted]
levels = []

[paramters.x]
range = [0, 1]
"""
    path = write(tmp_path, text)
    with pytest.raises(SweepSpecError) as info:
        load_spec(path)
    msg = str(info.value)
    assert str(path) in msg
    assert "[sweep].replicate: unknown field" in msg and "did you mean 'replicates'" in msg
    assert "[paramters]: unknown top-level key" in msg and "did you mean 'parameters'" in msg
    assert "[sweep].design = 'latin'" in msg and "factorial, lhs, sobol, morris" in msg
    assert "[sweep].replicates = 0" in msg and "from 1 to 100,000" in msg
    assert "[parameters.b_pay].range = [6.0, 2.0]: empty range" in msg
    assert "[parameters.b_ofsted].levels = []" in msg
    assert len(info.value.problems) == 6
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    ("sweep_extra", "param", "expected"),
    [
        ("", "range = [0.0, 1.0]", "factorial design needs levels"),
        ('design = "lhs"', "range = [0.0, 1.0]", "[sweep].samples = None: required"),
        ('design = "sobol"\nsamples = 100', "range = [0.0, 1.0]", "power of 2"),
        ('design = "lhs"\nsamples = 4', "levels = [1.0, 2.0]", "use range = [lo, hi]"),
        ('design = "lhs"\nsamples = 4', "range = [0.0, 1.0]\nlog = true", "needs lo > 0"),
        ("", 'levels = [1, "a"]', "all numbers, all strings"),
        ('model = "sim.api.run"', "levels = [1.0]", "dotted path"),
        ("", "levels = [1.0]\nstep = 2", "[parameters.p].step: unknown field"),
    ],
)
def test_specific_errors(tmp_path: Path, sweep_extra: str, param: str, expected: str) -> None:
    text = f'[sweep]\nname = "x"\noutcomes = ["y"]\n{sweep_extra}\n[parameters.p]\n{param}\n'
    with pytest.raises(SweepSpecError, match=None) as info:
        load_spec(write(tmp_path, text))
    assert expected in str(info.value)


def test_missing_file_and_bad_toml(tmp_path: Path) -> None:
    with pytest.raises(SweepSpecError, match="not found"):
        load_spec(tmp_path / "nope.toml")
    with pytest.raises(SweepSpecError, match="not valid TOML"):
        load_spec(write(tmp_path, "[sweep\nname="))


def test_lever_must_name_a_parameter() -> None:
    raw = {
        "sweep": {"name": "x", "outcomes": ["y"]},
        "scenarios": {"s": {"policies": [{"pct": "$uplfit"}]}},
        "parameters": {"uplift": {"levels": [1.0, 2.0]}},
    }
    with pytest.raises(SweepSpecError, match="did you mean 'uplift'"):
        parse_spec(raw)


def test_validate_parameter_names() -> None:
    validate_parameter_names(["b_pay"], ["b_pay", "b_ofsted"])
    with pytest.raises(SweepSpecError, match="did you mean 'b_pay'"):
        validate_parameter_names(["b_pya"], ["b_pay", "b_ofsted"])


def test_validate_parameter_names_lists_close_matches() -> None:
    allowed = ["b_pay", "b_ofsted", "search_rate_per_month", "bexley_pay_uplift_pct", "bromley_pay_uplift_pct"]
    with pytest.raises(SweepSpecError) as info:
        validate_parameter_names(["bexly_pay_uplift_pct", "zzz", "b_pay"], allowed, source="x.toml")
    msg = str(info.value)
    assert "x.toml" in msg and "(2 problems)" in msg
    assert "[parameters.bexly_pay_uplift_pct]" in msg and "'bexley_pay_uplift_pct' or 'bromley_pay_uplift_pct'" in msg
    assert "[parameters.zzz]" in msg and "allowed: b_ofsted, b_pay" in msg


def test_sim_sweep_rejects_misspelt_model_parameter_before_running(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`sim sweep` checks names against sim.api.parameter_names(region): exit 2, nothing run or written."""
    import argparse

    from sim.sweep.cli import add_sweep_parser

    parser = argparse.ArgumentParser(prog="sim")
    add_sweep_parser(parser.add_subparsers(dest="command", required=True))
    spec = tmp_path / "misspelt.toml"
    spec.write_text(
        '[sweep]\nname = "misspelt"\nregion = "bexley_cluster"\nyears = 1\noutcomes = ["turnover_pct"]\n'
        "[parameters.b_pya]\nlevels = [2.0, 4.0]\n"
        "[parameters.bexley_pay_uplift_pct]\nlevels = [0.0, 5.0]\n"
    )
    out = tmp_path / "out"
    args = parser.parse_args(["sweep", str(spec), "--serial", "--out", str(out)])
    assert args.func(args) == 2
    err = capsys.readouterr().err
    assert str(spec) in err and "[parameters.b_pya]: unknown model parameter" in err and "'b_pay'" in err
    assert "bexley_pay_uplift_pct" not in err  # a lever of a council in the region is a valid name
    assert not out.exists()

    # a lever for a council outside the sweep's region is rejected too
    spec.write_text(spec.read_text().replace("b_pya", "b_pay").replace("bexley_pay", "leeds_pay"))
    args = parser.parse_args(["sweep", str(spec), "--dry-run"])
    assert args.func(args) == 2
    assert "[parameters.leeds_pay_uplift_pct]" in capsys.readouterr().err


def test_example_specs_are_valid() -> None:
    from sim.api import parameter_names

    for path in sorted((REPO / "experiments" / "sweeps").glob("*.toml")):
        sweep = Sweep.from_toml(path)
        assert len(sweep.runs()) > 0, path
        names = [p.name for p in sweep.spec.parameters if p.name not in sweep.spec.levers]
        validate_parameter_names(names, parameter_names(sweep.spec.region), source=str(path))


# --- designs ----------------------------------------------------------------------------------


def test_factorial_size_and_common_random_numbers() -> None:
    runs = small_sweep().runs()
    assert len(runs) == 2 * 2 * 2  # points x replicates x scenarios
    assert list(runs["scenario"].unique()) == ["none", "uplift"]
    assert runs["run_id"].is_unique and runs["run_id"].iloc[0] == "r000000"
    seeds = replicate_seeds(7, 2)
    assert runs.groupby("replicate")["seed"].nunique().eq(1).all()
    assert [runs.loc[runs.replicate == k, "seed"].iloc[0] for k in range(2)] == seeds
    assert (runs["search_rate_per_month"] == 0.02).all()


def test_replicate_seeds_are_prefix_stable() -> None:
    assert replicate_seeds(3, 5)[:2] == replicate_seeds(3, 2)
    assert len(set(replicate_seeds(3, 50))) == 50
    assert replicate_seeds(3, 2) != replicate_seeds(4, 2)


@pytest.mark.parametrize(
    ("design", "samples", "points"),
    [("lhs", 10, 10), ("sobol", 8, 8 * (3 + 2)), ("morris", 4, 4 * (3 + 1))],
)
def test_sampled_design_sizes_and_determinism(design: str, samples: int, points: int) -> None:
    params = {
        "a": {"range": [0.0, 1.0]},
        "b": {"range": [0.01, 1.0], "log": True},
        "c": {"range": [-2.0, 2.0]},
        "fixed": {"value": 3},
    }

    def make() -> Sweep:
        return Sweep(
            name="s",
            design=design,
            samples=samples,
            replicates=3,
            outcomes=["y"],
            parameters=params,
            root_seed=11,
        )

    runs = make().runs()
    assert len(runs) == points * 3
    pd.testing.assert_frame_equal(runs, make().runs())
    assert runs["b"].between(0.01, 1.0).all() and runs["a"].between(0, 1).all()
    assert (runs["fixed"] == 3).all() and runs["fixed"].dtype == np.int64
    spec = make().spec
    design_obj = expand(spec)
    assert design_obj.problem["names"] == ["a", "b", "c"]
    assert design_obj.sample.shape == (points, 3)


def test_log_range_is_sampled_in_log_space() -> None:
    s = Sweep(
        name="s", design="lhs", samples=400, outcomes=["y"], parameters={"r": {"range": [0.001, 10.0], "log": True}}
    )
    r = s.design.points["r"]
    # uniform in log10 space: about a quarter of the points below 0.01
    assert 0.2 < (r < 0.01).mean() < 0.3


# --- storage and resume ------------------------------------------------------------------------


def test_run_writes_parts_manifest_and_council_months(tmp_path: Path) -> None:
    sweep = small_sweep(keep_council_months=True, years=1)
    out = tmp_path / "out"
    report = sweep.run(out, progress=False)
    assert (report.total, report.completed, report.already_done) == (8, 8, 0)
    df = read_results(out)
    assert list(df["run_id"]) == list(sweep.runs()["run_id"])
    assert set(df.columns) >= {
        "point_id",
        "replicate",
        "scenario",
        "seed",
        "b_pay",
        "turnover_pct",
        "agency_rate_pct",
        "elapsed_s",
    }
    # paired comparison: the uplift lowers turnover by exactly 0.3 * 5 at equal seeds
    wide = df.pivot_table(index=["point_id", "replicate"], columns="scenario", values="turnover_pct")
    np.testing.assert_allclose(wide["none"] - wide["uplift"], 1.5)
    months = read_council_months(out)
    assert len(months) == 8 * 3 * 12 and months["run_id"].nunique() == 8
    manifest = read_manifest(out)
    assert manifest["spec_hash"] == sweep.spec.hash() and manifest["n_runs"] == 8
    assert manifest["code_version"] and manifest["seeds"]["replicates"] == replicate_seeds(7, 2)
    # the parts form one dataset readable by pyarrow directly
    assert pads.dataset(out / "runs", format="parquet").count_rows() == 8
    again = sweep.run(out, progress=False)
    assert (again.already_done, again.completed) == (8, 0)


def test_different_spec_refused_then_force_new(tmp_path: Path) -> None:
    out = tmp_path / "out"
    small_sweep().run(out, progress=False)
    other = small_sweep(root_seed=8)
    with pytest.raises(SweepStateError, match="different sweep spec"):
        other.run(out, progress=False)
    other.run(out, progress=False, force_new=True)
    assert read_manifest(out)["spec_hash"] == other.spec.hash()
    assert len(list(tmp_path.glob("out.superseded-*/runs/*.parquet"))) == 8


def test_model_errors_are_reported_with_run_id(tmp_path: Path) -> None:
    sweep = small_sweep(parameters={"b_pya": {"levels": [1.0]}})
    from sim.sweep import SweepRunError

    with pytest.raises(SweepRunError, match=r"run r000000 failed: ValueError: unknown param"):
        sweep.run(tmp_path / "o", progress=False)
