"""Property-based tests: every generated input is a valid run or a clear error with exit code 2.

Generated scenario files, sweep specs, parameter files, policy tables, raw bytes and ``sim run``
argument lists go through the real entry points (``main(argv)`` in this process, small regions and
short runs, ``--dry-run`` for sweeps). Each must end in exit code 0 with finite results, all inside
the output folder, or exit code 2 with a ``sim``/``error:`` message and no traceback; no other
exception may escape. The examples per run are listed in ``EXAMPLES`` (1,490 in all); Hypothesis is
derandomised, so every run tries the same inputs.
"""

from __future__ import annotations

import contextlib
import io
import math
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, event, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_inputs import numbers, param_tables, plain_sweeps, policy, scenarios, sweeps, to_toml  # noqa: E402

from sim.atomic import read_tables  # noqa: E402
from sim.cli import main  # noqa: E402
from sim.errors import SimInputError, read_toml  # noqa: E402
from sim.params import SPECS, Params  # noqa: E402
from sim.policies.base import Policy  # noqa: E402
from sim.policies.registry import policy_from_dict  # noqa: E402

EXAMPLES = {"policies": 400, "params": 250, "bytes": 200, "scenarios": 250, "sweeps": 200, "imports": 150,
            "run_argv": 40}
UNDEFINED_EARLY = {"turnover_12m_pct"}  # needs 12 months of history: NaN before month 12 by design


def fast(n: int):
    return settings(max_examples=n, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])


def run_main(argv: list[str], cwd: Path) -> tuple[int, str, str]:
    """``main(argv)`` in ``cwd``; returns (exit code, stderr, stdout). Any exception other than
    argparse's SystemExit escapes and fails the test."""
    err, out = io.StringIO(), io.StringIO()
    with contextlib.chdir(cwd), contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse: usage error
            code = exc.code
    return code, err.getvalue(), out.getvalue()


def check_outcome(code: int, err: str) -> None:
    event(f"exit code {code}")
    assert code in (0, 2), (code, err)
    assert "Traceback" not in err
    if code == 2:
        assert "error:" in err and len(err.strip()) > 10, err


def check_finite_tables(folder: Path) -> None:
    for name, df in read_tables(folder).items():  # only a complete folder is readable
        num = df.select_dtypes("number")
        for col in num.columns:
            values = num[col].to_numpy(dtype=float)
            if col in UNDEFINED_EARLY:
                values = values[df["tick"].to_numpy() >= 12] if "tick" in df else values[:0]
            assert np.isfinite(values).all(), (name, col)


def files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*")}


# ---- policies and values -------------------------------------------------------------------------
@fast(EXAMPLES["policies"])
@given(policy())
def test_policy_tables_build_or_raise_a_clear_error(spec: dict) -> None:
    try:
        built = policy_from_dict(spec, where="policies[0]")
    except SimInputError as exc:
        event("refused")
        assert str(exc).startswith("policies[0]")
        return
    event("built")
    assert isinstance(built, Policy)
    for key, value in spec.items():  # every numeric field of a built policy is finite
        if isinstance(value, float):
            assert math.isfinite(value), key


@fast(EXAMPLES["params"])
@given(param_tables, st.booleans())
def test_parameter_files_are_read_or_refused(table: dict, wrapped: bool) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "p.toml"
        path.write_text(to_toml({"params": table} if wrapped else table))
        try:
            p = Params.from_toml(path)
        except SimInputError as exc:
            event("refused")
            assert str(exc).startswith(str(path))
            return
    event("read")
    for name, value in p.to_dict().items():
        assert math.isfinite(value) and SPECS[name].lo <= value <= SPECS[name].hi


@fast(EXAMPLES["bytes"])
@given(st.one_of(st.binary(max_size=200), st.text(max_size=200).map(str.encode),
                 st.integers(1, 3000).map(lambda n: ("a = " + "[" * n + "]" * n).encode())))
def test_any_bytes_as_an_input_file_parse_or_are_refused(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "x.toml"
        path.write_bytes(data)
        try:
            assert isinstance(read_toml(path, "scenario file"), dict)
        except SimInputError as exc:
            assert str(exc).startswith(str(path))


# ---- whole files through the command line --------------------------------------------------------
@fast(EXAMPLES["scenarios"])
@given(scenarios)
def test_generated_scenario_files_run_or_exit_2(data: dict) -> None:
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        (root / "s.toml").write_text(to_toml(data))
        before = files_under(root)
        code, err, _ = run_main(["scenario", "run", "s.toml", "--out", "out"], root)
        check_outcome(code, err)
        if code == 0:
            check_finite_tables(root / "out")
        assert {p for p in files_under(root) - before if root / "out" not in p.parents and p != root / "out"} == set()
        assert code == 0 or not (root / "out").exists()


@fast(EXAMPLES["sweeps"])
@given(sweeps)
def test_generated_sweep_specs_validate_or_exit_2_and_never_import(data: dict) -> None:
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        probe = root / "probe_import_marker.py"  # a module that leaves a mark if anything imports it
        probe.write_text("from pathlib import Path\nPath(__file__).with_name('IMPORTED').touch()\n"
                         "def run(**kw):\n    return {'outcomes': {'turnover_pct': 1.0}}\n")
        sys.path.insert(0, d)
        try:
            (root / "s.toml").write_text(to_toml(data))
            code, err, said = run_main(["sweep", "s.toml", "--dry-run", "--out", "out"], root)
            check_outcome(code, err)
            runs = int(said.rsplit("= ", 1)[1].split()[0]) if code == 0 else 0
            if 0 < runs <= 4 and data["sweep"].get("years", 10) == 1:  # a tiny valid design: run it too
                event("ran the sweep")
                code, err, _ = run_main(["sweep", "s.toml", "--serial", "--no-progress", "--out", "out"], root)
                check_outcome(code, err)
                if code == 0:
                    from sim.sweep import read_results

                    res = read_results(root / "out")
                    assert len(res) == runs and np.isfinite(res[data["sweep"]["outcomes"]].to_numpy()).all()
            assert not (root / "IMPORTED").exists(), "a spec file imported code without --allow-import"
            outside = {p.name for p in root.iterdir()} - {"s.toml", "probe_import_marker.py", "out", ".out.lock",
                                                          "__pycache__"}
            assert outside == set(), outside
        finally:
            sys.path.remove(d)
            sys.modules.pop("probe_import_marker", None)


PROBE = "probe_import_marker:run"


@fast(EXAMPLES["imports"])
@given(st.one_of(sweeps, plain_sweeps).map(lambda d: {**d, "sweep": {**d["sweep"], "model": PROBE}}), st.booleans())
def test_a_spec_naming_other_code_never_imports_it_without_permission(data: dict, dry_run: bool) -> None:
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        (root / "probe_import_marker.py").write_text("from pathlib import Path\nPath(__file__).with_name('IMPORTED')"
                                                     ".touch()\n")
        sys.path.insert(0, d)
        try:
            (root / "s.toml").write_text(to_toml(data))
            argv = ["sweep", "s.toml", "--out", "out", *(["--dry-run"] if dry_run else ["--serial"])]
            code, err, _ = run_main(argv, root)
            check_outcome(code, err)
            assert code == 2 and not (root / "IMPORTED").exists()
            event("refused: not a registered model" if "not one of the project's models" in err else "other problem")
        finally:
            sys.path.remove(d)
            sys.modules.pop("probe_import_marker", None)


RUN_ARGS = st.fixed_dictionaries({
    "--region": st.sampled_from(["bexley_cluster", "bexley_cluster", "narnia"]),
    "--years": st.sampled_from(["0.25", "1/12", "nan", "inf", "-1", "0", "0.01", "1e9", "x", "0.1"]),
}, optional={
    "--seed": st.sampled_from(["0", "5", "-1", "x", str(2**70)]),
    "--base-year": st.sampled_from(["2024", "2017", "2031", "x"]),
    "--params": st.sampled_from(["good.toml", "bad.toml", "folder", "missing.toml", "bin.toml"]),
    "--out": st.sampled_from(["out", "afile", "afile/sub", "full"]),
})


@fast(EXAMPLES["run_argv"])
@given(RUN_ARGS, st.booleans(), numbers)
def test_sim_run_argument_lists_run_or_exit_2(args: dict, force: bool, value: float) -> None:
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        (root / "good.toml").write_text("b_pay = 4.5\n")
        (root / "bad.toml").write_text(to_toml({"b_pay": value}))
        (root / "folder").mkdir()
        (root / "bin.toml").write_bytes(b"\x00\xff")
        (root / "afile").write_text("x")
        (root / "full").mkdir()
        (root / "full" / "keep.txt").write_text("x")
        args = {"--out": "out", **args}
        argv = ["run", *[x for kv in args.items() for x in kv], *(["--force"] if force else [])]
        before = files_under(root)
        code, err, _ = run_main(argv, root)
        check_outcome(code, err)
        out = root / args["--out"]
        if code == 0:
            check_finite_tables(out)
        changed = {p for p in files_under(root) ^ before if out != p and out not in p.parents}
        assert changed == set(), changed
