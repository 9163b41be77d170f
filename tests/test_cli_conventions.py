"""The command line behaves: help, version, `python -m sim`, defaults in --help, lazy imports, --set,
one progress display that stays out of pipes, --quiet and the `sim` logger."""

from __future__ import annotations

import argparse
import io
import logging
import subprocess
import sys

import pandas as pd
import pytest

from sim import __version__, cli, console

REGION = "bexley_cluster"
SCENARIO = "experiments/scenarios/bexley_pays_more.toml"


def run_sim(*args: str, module: str = "sim") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True, timeout=300)


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    found = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found[name] = sub
                found.update({f"{name} {k}": v for k, v in _subparsers(sub).items()})
    return found


def test_sim_alone_prints_help_and_exits_0():
    r = run_sim()
    assert r.returncode == 0, r.stderr
    assert "usage: sim" in r.stdout and "sweep" in r.stdout and "compare" in r.stdout


def test_version_and_python_dash_m_sim():
    for module in ("sim", "sim.cli"):
        r = run_sim("--version", module=module)
        assert r.returncode == 0 and r.stdout.strip() == f"sim (cswsim) {__version__}"
    r = run_sim("regions")
    assert r.returncode == 0 and "bexley_cluster" in r.stdout


def test_top_level_help_imports_no_subcommand_and_no_numerics():
    code = ("import sys\nfrom sim.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('numpy', 'pandas', 'mesa', 'sim.model', 'sim.sweep.cli', 'sim.compare', "
            "'sim.calibrate.cli', 'sim.app_cli') if m in sys.modules]\nprint('HEAVY', heavy)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "HEAVY []" in r.stdout, r.stdout + r.stderr
    assert "sensitivity" in r.stdout


def test_listed_help_matches_each_subcommands_own():
    full = _subparsers(cli.build_parser(full=True))
    listing = {a.dest: a.help for a in cli.build_parser()._subparsers._group_actions[0]._choices_actions}
    real = {a.dest: a.help for a in cli.build_parser(full=True)._subparsers._group_actions[0]._choices_actions}
    assert set(cli.SUBCOMMANDS) <= set(full)
    assert {k: listing[k] for k in cli.SUBCOMMANDS} == {k: real[k] for k in cli.SUBCOMMANDS}


def test_every_option_shows_its_default_in_help():
    missing = []
    for name, parser in _subparsers(cli.build_parser(full=True)).items():
        text = parser.format_help()
        for action in parser._actions:
            default = action.default
            if not action.option_strings or default is None or default is False or default == [] \
                    or default is argparse.SUPPRESS:
                continue
            help_text = parser._get_formatter()._expand_help(action) if action.help else ""
            if "default" not in help_text.lower():
                missing.append(f"sim {name} {action.option_strings[-1]}")
        assert "show this help" in text
    assert not missing, missing
    assert "(default: 5)" in _subparsers(cli.build_parser())["run"].format_help()


def test_set_overrides_a_parameter_without_a_file(tmp_path):
    base, changed = tmp_path / "base", tmp_path / "set"
    args = ["run", "--region", REGION, "--years", "1", "--quiet"]
    assert cli.main([*args, "--out", str(base)]) == 0
    # agency work made more attractive: more leavers go to agency work (each council's total turnover is
    # anchored to its census forecast, so the override shows in where leavers go)
    assert cli.main([*args, "--out", str(changed), "--set", "agency_constant=3", "--set", "b_pay=1.5"]) == 0
    a = pd.read_parquet(base / "council_months.parquet")
    b = pd.read_parquet(changed / "council_months.parquet")
    assert b.leavers_agency.sum() > a.leavers_agency.sum()
    # --set wins over --params
    file = tmp_path / "p.toml"
    file.write_text("agency_constant = -10\n")
    assert cli.main([*args, "--out", str(tmp_path / "both"), "--params", str(file),
                     "--set", "agency_constant=3", "--set", "b_pay=1.5"]) == 0
    both = pd.read_parquet(tmp_path / "both" / "council_months.parquet")
    pd.testing.assert_frame_equal(both, b)


def test_set_rejects_bad_input_with_exit_2_and_no_traceback():
    cases = [
        (["run", "--set", "b_pay=abc"], "--set b_pay=abc: 'abc' is not a number"),
        (["run", "--set", "b_pya=3"], "unknown parameter 'b_pya' (did you mean b_pay"),
        (["run", "--set", "b_pay"], "expected NAME=VALUE"),
        (["run", "--set", "b_pay=-5"], "outside the allowed range"),
        (["compare", "baseline", SCENARIO, "--set", "b_pya=3"], "unknown parameter 'b_pya'"),
        (["validate", "--base-year", "2023", "--set", "b_pya=3"], "unknown parameter 'b_pya'"),
    ]
    for args, message in cases:
        r = run_sim(*args)
        assert r.returncode == 2, (args, r.stderr)
        assert message in r.stderr and "Traceback" not in r.stderr, (args, r.stderr)


def test_compare_takes_set_and_stays_quiet_in_a_pipe():
    r = run_sim("compare", "baseline", SCENARIO, "--replicates", "2", "--workers", "1", "--set", "b_pay=2")
    assert r.returncode == 0, r.stderr
    assert "Bexley" in r.stdout
    assert "\r" not in r.stderr and "paired runs" not in r.stderr


def test_progress_is_drawn_on_a_terminal_and_quiet_silences_it(tmp_path, monkeypatch):
    shown = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", shown)
    assert cli.main(["run", "--region", REGION, "--years", "1", "--out", str(tmp_path / "a")]) == 0
    assert "12/12" in shown.getvalue() and "month" in shown.getvalue()
    assert "sim: wrote" in shown.getvalue()
    for flag in ("--quiet", "--no-progress"):
        silent = FakeTerminal()
        monkeypatch.setattr(sys, "stderr", silent)
        out = str(tmp_path / flag.strip("-"))
        assert cli.main(["run", "--region", REGION, "--years", "1", "--out", out, flag]) == 0
        assert "12/12" not in silent.getvalue()
        assert ("sim: wrote" in silent.getvalue()) == (flag == "--no-progress")


def test_progress_bar_is_off_when_stderr_is_not_a_terminal(monkeypatch):
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert not console.progress_wanted(True)
    with console.progress_bar(10, "x", "step") as bar:
        console.bar_callback(bar)(10, 10)
    assert sys.stderr.getvalue() == ""
    monkeypatch.setattr(sys, "stderr", FakeTerminal())
    assert console.progress_wanted(True) and not console.progress_wanted(False)


def test_library_messages_go_to_the_sim_logger(tmp_path, caplog):
    from sim.sweep import Sweep

    spec = tmp_path / "s.toml"
    spec.write_text('[sweep]\nname = "tiny"\nregion = "bexley_cluster"\nyears = 1\noutcomes = ["perm_fte"]\n'
                    'replicates = 2\n[parameters.b_pay]\nlevels = [4.0]\n')
    sweep = Sweep.from_toml(spec)
    out = tmp_path / "out"
    sweep.run(out, progress=False)
    (next((out / "runs").glob("*.parquet"))).unlink()
    with caplog.at_level(logging.INFO, logger="sim"):
        sweep.run(out, progress=False)
    assert any(r.name == "sim" and "resuming tiny: 1 of 2 runs already done" in r.getMessage()
               for r in caplog.records)
    logging.getLogger("sim").setLevel(logging.WARNING)  # a library user silences it
    try:
        caplog.clear()
        (next((out / "runs").glob("*.parquet"))).unlink()
        sweep.run(out, progress=False)
        assert not [r for r in caplog.records if r.name == "sim"]
    finally:
        logging.getLogger("sim").setLevel(logging.NOTSET)


@pytest.mark.parametrize("command", ["run", "compare", "sweep", "calibrate", "forecast"])
def test_long_commands_take_quiet_and_no_progress(command):
    parser = _subparsers(cli.build_parser(full=True))[command]
    flags = {s for a in parser._actions for s in a.option_strings}
    assert {"--quiet", "--no-progress"} <= flags
