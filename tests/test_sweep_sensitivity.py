"""Sensitivity analysis on a stand-in with a known answer.

The stand-in is ``y = 5*x1 + 0.1*x2 + e`` with ``x1, x2 ~ U(0, 1)`` and
``e ~ N(0, 0.1^2)``. Then ``Var(5*x1) = 25/12``, ``Var(0.1*x2) = 0.01/12`` and,
with one replicate per point, ``Var(e) = 0.01``, so the true first-order
indices are ``S1(x1) = 0.9948`` and ``S1(x2) = 0.0004``. Over 30 design seeds
the Saltelli estimate with N = 256 had a standard deviation of about 0.01 for
both, so a tolerance of 0.05 is five standard deviations. For Morris the
elementary effects of a linear function are its slopes (5 and 0.1) plus
noise/step; mu* of x1 stayed within 4.9..5.1 over 30 seeds.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
for _p in (str(REPO), str(REPO / "tests")):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import pytest  # noqa: E402

from sim.sweep import Sweep  # noqa: E402
from sim.sweep.sensitivity import analyze_sensitivity  # noqa: E402

PARAMS = {"x1": {"range": [0.0, 1.0]}, "x2": {"range": [0.0, 1.0]}}


def linear_sweep(design: str, samples: int, replicates: int = 2) -> Sweep:
    return Sweep(
        name=f"linear_{design}",
        design=design,
        samples=samples,
        replicates=replicates,
        root_seed=3,
        outcomes=["y"],
        parameters=PARAMS,
        model="test_sweep_standin:linear_run",
    )


def test_sobol_indices_of_linear_function(tmp_path: Path) -> None:
    out = tmp_path / "sobol"
    linear_sweep("sobol", 256, replicates=1).run(out, progress=False)
    png = tmp_path / "sobol.png"
    df = analyze_sensitivity(out, out_png=png, num_resamples=200)
    assert png.stat().st_size > 1000
    idx = df.set_index(["parameter", "index"])
    true_s1 = {"x1": (25 / 12) / (25 / 12 + 0.01 / 12 + 0.01), "x2": (0.01 / 12) / (25 / 12 + 0.01 / 12 + 0.01)}
    for name, truth in true_s1.items():
        assert idx.loc[(name, "S1"), "value"] == pytest.approx(truth, abs=0.05)
        assert idx.loc[(name, "ST"), "value"] == pytest.approx(truth, abs=0.05)
        assert idx.loc[(name, "S1"), "conf"] > 0
    assert set(df["scenario"]) == {"none"} and set(df["outcome"]) == {"y"}


def test_morris_effects_of_linear_function(tmp_path: Path) -> None:
    out = tmp_path / "morris"
    linear_sweep("morris", 20).run(out, progress=False)
    df = analyze_sensitivity(out, out_png=tmp_path / "morris.png", num_resamples=200)
    idx = df.set_index(["parameter", "index"])["value"]
    assert idx[("x1", "mu_star")] == pytest.approx(5.0, abs=0.25)
    assert idx[("x1", "mu")] == pytest.approx(5.0, abs=0.25)
    assert idx[("x2", "mu_star")] < 0.5
    assert set(df["index"]) == {"mu_star", "sigma", "mu"}


def test_incomplete_sweep_is_refused(tmp_path: Path) -> None:
    from sim.sweep import SweepStateError

    out = tmp_path / "part"
    sweep = linear_sweep("morris", 4)
    sweep.run(out, progress=False)
    next((out / "runs").glob("*.parquet")).unlink()
    with pytest.raises(SweepStateError, match="runs finished"):
        analyze_sensitivity(out)
