"""The bad inputs of issue #15, one by one: each is a clear error (exit code 2, no traceback) naming
where it came from, the value and what is allowed; none gives a plausible wrong answer."""

from __future__ import annotations

import math
import socket
from pathlib import Path

import pytest

from sim.cli import main
from sim.errors import SimInputError

BASE = '[base]\nregion = "bexley_cluster"\nyears = 1\n'


def scenario(tmp_path: Path, policy: str, name: str = "s.toml") -> str:
    path = tmp_path / name
    path.write_text(BASE + "[[policies]]\n" + policy)
    return str(path)


SWEEP = """[sweep]
name = "{name}"
region = "bexley_cluster"
years = {years}
replicates = {replicates}
outcomes = ["turnover_pct"]
{extra}
[parameters.b_pay]
levels = [4.0]
[scenarios.up]
policies = [{{ kind = "pay_uplift", councils = ["Bexley"], pct = 5.0, start = "{start}" }}]
"""


def sweep(tmp_path: Path, name: str = "s", years: int = 1, replicates: int = 1, extra: str = "",
          start: str = "2024-10") -> str:
    path = tmp_path / "spec.toml"
    path.write_text(SWEEP.format(name=name, years=years, replicates=replicates, extra=extra, start=start))
    return str(path)


def run(capsys, argv: list[str]) -> tuple[int, str]:
    code = main(argv)
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err


@pytest.mark.parametrize("policy, words", [
    ('kind = "pay_uplift"\ncouncils = ["Bexley"]\npct = nan\n', ["field 'pct' = nan: not a finite number",
                                                                  "from -50 to 100"]),
    ('kind = "pay_uplift"\ncouncils = ["Bexley"]\npct = 1e12\n', ["'pct' = 1000000000000.0: outside the range"]),
    ('kind = "pay_uplift"\ncouncils = ["Bexley"]\ngbp = 1e12\n', ["'gbp' = 1000000000000.0", "-50,000 to 100,000"]),
    ('kind = "golden_hello"\ngbp = 1e15\n', ["'golden_hello' field 'gbp'", "from 0 to 100,000"]),
    ('kind = "market_supplement"\ngbp = inf\n', ["'gbp' = inf: not a finite number"]),
    ('kind = "retention_payment"\ngbp = 100\ntenure_months = 2.5\n', ["'tenure_months' = 2.5: not a whole number"]),
])
def test_policy_values_that_gave_wrong_answers(tmp_path: Path, capsys, policy: str, words: list[str]) -> None:
    path = scenario(tmp_path, policy)
    code, err = run(capsys, ["compare", "baseline", path, "--replicates", "2", "--workers", "1"])
    assert code == 2 and path in err and "policies[0]" in err
    for w in words:
        assert w in err, err


@pytest.mark.parametrize("argv, words", [
    (["run", "--years", "0.01"], ["--years 0.01: outside the range", "1/12 (one month)"]),
    (["run", "--years", "nan"], ["--years nan: not a finite number"]),
    (["run", "--years", "inf"], ["--years inf: not a finite number"]),
    (["run", "--years", "101"], ["--years 101.0: outside the range", "to 100"]),
    (["calibrate", "--trials", "0"], ["--trials 0: outside the range"]),
    (["validate", "--base-year", "2023", "--seeds", "0"], ["--seeds 0"]),
])
def test_flags(capsys, argv: list[str], words: list[str]) -> None:
    code, err = run(capsys, argv)
    assert code == 2
    for w in words:
        assert w in err, err


def test_compare_replicates_and_workers_have_limits(tmp_path: Path, capsys) -> None:
    path = scenario(tmp_path, 'kind = "golden_hello"\ngbp = 1000\n')
    code, err = run(capsys, ["compare", "baseline", path, "--replicates", str(10**9)])
    assert code == 2 and "--replicates 1000000000: outside the range" in err and "100,000" in err
    code, err = run(capsys, ["compare", "baseline", path, "--replicates", "2", "--workers", "0"])
    assert code == 2 and "--workers 0" in err


@pytest.mark.parametrize("content, words", [
    (None, "is a folder, not a file"),
    (b"\x00\x01\x02", "is binary"),
    (b'a = "\xff\xfe"\n', "is not UTF-8 text"),
    (("a = " + "[" * 3000 + "]" * 3000 + "\n").encode(), "nests tables or lists more than 10 deep"),
    (b"a = 1\n" * 200_000, "is larger than 1,000,000 bytes"),
])
@pytest.mark.parametrize("command", ["params", "scenario", "sweep", "calibrate"])
def test_input_files_are_data(tmp_path: Path, capsys, content: bytes | None, words: str, command: str) -> None:
    path = tmp_path / "in.toml"
    if content is None:
        path.mkdir()
    else:
        path.write_bytes(content)
    argv = {"params": ["run", "--params", str(path)], "scenario": ["scenario", "run", str(path)],
            "sweep": ["sweep", str(path), "--dry-run"], "calibrate": ["calibrate", "--spec", str(path)]}[command]
    code, err = run(capsys, argv)
    assert code == 2 and str(path) in err and words in err, err


@pytest.mark.parametrize("name", ["../escape", "/tmp/absolute", "a/b", ".hidden", ""])
def test_a_sweep_name_is_a_plain_name(tmp_path: Path, capsys, name: str) -> None:
    code, err = run(capsys, ["sweep", sweep(tmp_path, name=name), "--dry-run"])
    assert code == 2 and "[sweep].name" in err and "never a path" in err
    assert not (tmp_path.parent / "escape").exists()


def test_a_spec_model_is_never_imported_without_permission(tmp_path: Path, capsys, monkeypatch) -> None:
    (tmp_path / "probe_mark.py").write_text("from pathlib import Path\nPath(__file__).with_name('X').touch()\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    path = sweep(tmp_path, extra='model = "probe_mark:run"')
    for extra in (["--dry-run"], ["--serial", "--out", str(tmp_path / "o")], ["--dry-run", "--allow-import"]):
        code, err = run(capsys, ["sweep", path, *extra])
        assert code == 2 if "--allow-import" not in extra else code == 0
        assert not (tmp_path / "X").exists()
    assert "not one of the project's models" in run(capsys, ["sweep", path, "--dry-run"])[1]


@pytest.mark.parametrize("kw, words", [
    ({"replicates": 10**9}, "[sweep].replicates = 1000000000"),
    ({"years": 10000}, "[sweep].years = 10000"),
    ({"start": "2030-01"}, "'start' = '2030-01' is outside the run: allowed 2024-10 to 2025-09"),
])
def test_sweep_sizes_and_dates(tmp_path: Path, capsys, kw: dict, words: str) -> None:
    code, err = run(capsys, ["sweep", sweep(tmp_path, **kw), "--dry-run"])
    assert code == 2 and words in err, err


def test_sweep_parameter_values_are_checked_against_the_model(tmp_path: Path, capsys) -> None:
    path = Path(sweep(tmp_path))
    path.write_text(path.read_text().replace("levels = [4.0]", "levels = [4.0, 99.0]") +
                    "[parameters.bexley_pay_uplift_pct]\nlevels = [0.0, 1e12]\n")
    code, err = run(capsys, ["sweep", str(path), "--dry-run"])
    assert code == 2 and "[parameters.b_pay]: value 99.0 outside the parameter's range 0 to 50" in err
    assert "[parameters.bexley_pay_uplift_pct] = 1000000000000.0: outside the range" in err


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_scheduler_address_and_unreachable_scheduler(tmp_path: Path, capsys, monkeypatch) -> None:
    pytest.importorskip("distributed")
    from sim.sweep import executors

    code, err = run(capsys, ["sweep", sweep(tmp_path), "--scheduler", "notanaddress", "--out", str(tmp_path / "o")])
    assert code == 2 and "--scheduler 'notanaddress': not a scheduler address" in err
    monkeypatch.setattr(executors, "CONNECT_TIMEOUT_S", 2.0)
    code, err = run(capsys, ["sweep", sweep(tmp_path), "--scheduler", f"tcp://127.0.0.1:{free_port()}", "--out",
                             str(tmp_path / "o"), "--no-progress"])
    assert code == 1 and "cannot reach the Dask scheduler" in err and "re-run the same command to resume" in err


def test_the_python_api_checks_the_same_way() -> None:
    from sim.api import run as api_run
    from sim.model import WorkforceModel
    from sim.policies import GoldenHello, PayUplift
    from sim.scenario import Scenario
    from sim.sweep import Sweep, SweepSpecError

    with pytest.raises(SimInputError, match="years = nan: not a finite number"):
        api_run(region="bexley_cluster", years=math.nan)
    with pytest.raises(SimInputError, match=r"starts '2031-01', after the run ends 2025-09"):
        api_run(region="bexley_cluster", years=1, policies=[{"kind": "golden_hello", "gbp": 1, "start": "2031-01"}])
    with pytest.raises(SimInputError, match=r"params\['bexley_pay_uplift_pct'\].*'pct' = nan"):
        api_run(region="bexley_cluster", years=1, params={"bexley_pay_uplift_pct": math.nan})
    with pytest.raises(SimInputError, match="years = nan"):
        WorkforceModel(region="bexley_cluster").run(years=math.nan)
    with pytest.raises(SimInputError, match="'pct' = nan"):
        PayUplift(councils=["Bexley"], pct=math.nan)
    with pytest.raises(SimInputError, match="from 0 to 100,000"):
        GoldenHello(gbp=1e15)
    with pytest.raises(SimInputError, match="base.years = nan"):
        Scenario.from_dict({"base": {"region": "bexley_cluster", "years": math.nan}})
    with pytest.raises(SweepSpecError, match="never a path"):
        Sweep(name="../x", outcomes=["turnover_pct"], parameters={"b_pay": {"levels": [4.0]}})


def test_calibration_spec_values(tmp_path: Path, capsys) -> None:
    path = tmp_path / "cal.toml"
    path.write_text('[calibration]\ntrials = nan\nworkers = 0\nseeds = "x"\n[free]\nb_pay = ["a", 2]\n')
    code, err = run(capsys, ["calibrate", "--spec", str(path)])
    assert code == 2 and str(path) in err
    for words in ("[calibration].trials = nan", "[calibration].workers = 0", "[calibration].seeds = 'x'",
                  "[free].b_pay = 'a'"):
        assert words in err, err


def test_app_listens_on_this_machine_only_by_default(capsys) -> None:
    from sim.app_cli import LOCAL_HOSTS
    from sim.cli import build_parser

    args = build_parser("app").parse_args(["app"])
    assert args.host == "127.0.0.1" and args.host in LOCAL_HOSTS
    code, err = run(capsys, ["app", "--port", "0"])
    assert code == 2 and "--port 0: allowed 1 to 65535" in err
    code, err = run(capsys, ["app", "--host", "bad..host"])
    assert code == 2 and "--host 'bad..host': not an address of this machine" in err


def test_sweep_outcomes_are_checked_against_the_model(tmp_path: Path, capsys) -> None:
    path = Path(sweep(tmp_path))
    path.write_text(path.read_text().replace('outcomes = ["turnover_pct"]', 'outcomes = ["turnover", "caseload"]'))
    code, err = run(capsys, ["sweep", str(path), "--dry-run"])
    assert code == 2 and "[sweep].outcomes: unknown outcome 'turnover'. Did you mean 'turnover_pct'?" in err
    assert "'caseload'" not in err


def test_a_scenario_file_reports_every_problem_at_once(tmp_path: Path, capsys) -> None:
    path = tmp_path / "s.toml"
    path.write_text('[base]\nregion = "bexley_cluster"\nyears = nan\n[base.pay_gbp]\nBexley = -1\n'
                    '[[policies]]\nkind = "pay_uplift"\npct = inf\n[[policies]]\nkind = "golden_hallo"\n')
    code, err = run(capsys, ["scenario", "run", str(path)])
    assert code == 2
    for words in ("base.years = nan", "base.pay_gbp.Bexley = -1", "policies[0]: policy 'pay_uplift' field 'pct' = inf",
                  "policies[1]: unknown policy kind 'golden_hallo'. Did you mean 'golden_hello'?"):
        assert words in err, err


@pytest.mark.parametrize("command", [["calibrate"], ["validate", "--base-year", "2023"]])
def test_calibrate_and_validate_out_under_a_file(tmp_path: Path, capsys, command: list[str]) -> None:
    afile = tmp_path / "afile"
    afile.write_text("x")
    code, err = run(capsys, [*command, "--out", str(afile / "sub")])
    assert code == 2 and "is a file, so no folder can be made under it" in err


def test_sensitivity_resamples_have_limits(tmp_path: Path, capsys) -> None:
    code, err = run(capsys, ["sensitivity", str(tmp_path), "--resamples", str(10**9)])
    assert code == 2 and "--resamples 1000000000: outside the range" in err


def test_an_out_folder_that_cannot_be_made_is_refused_before_the_run(capsys) -> None:
    code, err = run(capsys, ["run", "--region", "bexley_cluster", "--years", "0.1", "--out", "/proc/cswsim-nope"])
    assert code == 2 and "--out /proc/cswsim-nope: cannot write" in err  # root: cannot make it; others: no permission


@pytest.mark.parametrize("call, words", [
    (lambda M, run, S, pfd: M(region=5), "region = 5: allowed a region name"),
    (lambda M, run, S, pfd: M(region="bexley_cluster", base_year=2024.5), "base_year = 2024.5"),
    (lambda M, run, S, pfd: M(region="bexley_cluster", base_year=math.nan), "base_year = nan"),
    (lambda M, run, S, pfd: M(region="bexley_cluster", params=[1, 2]), "params = [1, 2]"),
    (lambda M, run, S, pfd: M(region="bexley_cluster", policies=5), "policies = 5"),
    (lambda M, run, S, pfd: M(region="bexley_cluster", policies=[{"kind": "pay_uplift"}]), "policy objects"),
    (lambda M, run, S, pfd: M(region="bexley_cluster", months=math.nan), "months = nan"),
    (lambda M, run, S, pfd: run(region="bexley_cluster", years=1 / 12, params="x"), "params = 'x'"),
    (lambda M, run, S, pfd: run(region="bexley_cluster", years=1 / 12, policies=[5]), "policies = [5]"),
    (lambda M, run, S, pfd: S.from_dict([1]), "a scenario is a table"),
    (lambda M, run, S, pfd: pfd([1]), "allowed a policy table"),
    (lambda M, run, S, pfd: pfd({"kind": ["x"]}), "kind = ['x']"),
])
def test_python_api_argument_types(call, words: str) -> None:
    from sim.api import run as api_run
    from sim.model import WorkforceModel
    from sim.policies.registry import policy_from_dict
    from sim.scenario import Scenario

    with pytest.raises(SimInputError) as info:
        call(WorkforceModel, api_run, Scenario, policy_from_dict)
    assert words in str(info.value)
