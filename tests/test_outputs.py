"""Results written completely or not at all, by one writer, readable as the umask says."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pandas as pd
import pytest

from sim import atomic
from sim.atomic import MARKER, ResultsFolder, atomic_write, check_complete
from sim.cli import main
from sim.errors import SimInputError


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("umask, expected", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_files_are_created_as_the_umask_says(tmp_path: Path, umask: int, expected: int) -> None:
    old = os.umask(umask)
    try:
        path = atomic_write(tmp_path / "t.parquet", lambda p: pd.DataFrame({"a": [1]}).to_parquet(p))
        text = atomic.write_text(tmp_path / "m.json", "{}")
    finally:
        os.umask(old)
    assert mode(path) == expected and mode(text) == expected


def test_a_failed_write_leaves_neither_file_nor_temporary(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("old")

    def boom(p: Path) -> None:
        Path(p).write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_write(tmp_path / "keep.txt", boom)
    assert (tmp_path / "keep.txt").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]


def test_one_writer_for_every_output() -> None:
    from sim import compare_plots, report
    from sim.sweep import sensitivity, store

    for module in (report, store, compare_plots, sensitivity):
        assert module.atomic_write is atomic.atomic_write, module.__name__


def test_results_folder_is_renamed_into_place_whole(tmp_path: Path) -> None:
    folder = ResultsFolder(tmp_path / "out")
    with pytest.raises(ValueError), folder as tmp:
        (tmp / "a.txt").write_text("x")
        raise ValueError("the run failed while writing")
    assert not (tmp_path / "out").exists() and not list(tmp_path.iterdir())
    with ResultsFolder(tmp_path / "out") as tmp:
        (tmp / "a.txt").write_text("x")
        assert not (tmp_path / "out").exists()  # nothing visible until complete
    assert check_complete(tmp_path / "out")["files"] == {"a.txt": 1}


def test_sim_run_refuses_to_overwrite_without_force(tmp_path: Path, capsys) -> None:
    out = tmp_path / "r"
    argv = ["run", "--region", "bexley_cluster", "--years", "0.25", "--out", str(out)]
    assert main(argv) == 0
    first = check_complete(out)
    assert set(first["files"]) == {"council_months.parquet", "flows.parquet", "region.parquet", "summary.png"}
    before = (out / MARKER).read_text()
    assert main(argv) == 2
    assert "already exists and is not empty; use --force" in capsys.readouterr().err
    assert (out / MARKER).read_text() == before  # untouched
    tables = atomic.read_tables(out)
    assert set(tables) == {"council_months", "flows", "region"} and len(tables["council_months"]) > 0
    assert main([*argv, "--seed", "3", "--force"]) == 0
    assert (out / MARKER).read_text() != before
    assert [p.name for p in tmp_path.iterdir()] == ["r"]  # no temporary or old folder left beside it


@pytest.mark.parametrize("command", [
    ["run", "--region", "bexley_cluster", "--years", "0.25"],
    ["compare", "baseline", "experiments/scenarios/bexley_pays_more.toml", "--replicates", "2", "--workers", "1"],
    ["scenario", "run", "experiments/scenarios/bexley_pays_more.toml"],
])
def test_out_that_is_a_file_or_under_one_is_a_clear_error(tmp_path: Path, capsys, command: list[str]) -> None:
    repo = Path(__file__).resolve().parents[1]
    command = [str(repo / c) if c.startswith("experiments/") else c for c in command]
    afile = tmp_path / "afile"
    afile.write_text("x")
    for out, words in ((afile, "is a file, not a folder"), (afile / "sub", "is a file, so no folder")):
        assert main([*command, "--out", str(out)]) == 2
        assert words in capsys.readouterr().err


def test_sweep_and_sensitivity_out_under_a_file(tmp_path: Path, capsys) -> None:
    afile = tmp_path / "afile"
    afile.write_text("x")
    repo = Path(__file__).resolve().parents[1]
    assert main(["sweep", str(repo / "experiments" / "sweeps" / "tiny.toml"), "--out", str(afile / "s")]) == 2
    assert "is a file, so no folder" in capsys.readouterr().err
    assert main(["sensitivity", str(tmp_path), "--out", str(afile / "x.png")]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err


def test_check_complete_refuses_an_unmarked_folder(tmp_path: Path) -> None:
    with pytest.raises(SimInputError, match="no COMPLETE.json"):
        check_complete(tmp_path)


def test_results_a_killed_force_run_moved_aside_are_put_back(tmp_path: Path) -> None:
    import subprocess
    import sys

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    aside = tmp_path / f".run.old-{dead.pid}-0123abcd"  # killed between the two renames
    aside.mkdir()
    (aside / "a.txt").write_text("previous")
    with pytest.raises(SimInputError, match="--force"):  # the previous results are back, so not replaced
        with ResultsFolder(tmp_path / "run") as tmp:
            (tmp / "b.txt").write_text("new")
    assert (tmp_path / "run" / "a.txt").read_text() == "previous" and not aside.exists()
