"""notebooks/sweep_analysis.ipynb runs top to bottom on a fresh tiny sweep.

The kernel is "python3": jupyter_client maps that kernel spec (shipped with ipykernel, or its
built-in native spec when none is installed) to the interpreter running the tests, so no
``ipykernel install`` and no network are needed, only ipykernel and nbclient in the environment.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "notebooks" / "sweep_analysis.ipynb"

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")


@pytest.fixture(scope="module")
def tiny_sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """experiments/sweeps/tiny.toml run through the CLI handler (16 one-year runs, in process)."""
    import argparse

    from sim.sweep.cli import add_sweep_parser

    out = tmp_path_factory.mktemp("sweep") / "tiny"
    parser = argparse.ArgumentParser(prog="sim")
    add_sweep_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(
        ["sweep", str(REPO / "experiments" / "sweeps" / "tiny.toml"), "--serial", "--no-progress", "--out", str(out)]
    )
    assert args.func(args) == 0
    return out


def test_sweep_analysis_notebook_runs(tiny_sweep: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSWSIM_SWEEP_DIR", str(tiny_sweep))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    # the kernel imports sim from the repository even if the package is not installed
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    work = tmp_path / "nb"
    work.mkdir()
    shutil.copy(NOTEBOOK, work / NOTEBOOK.name)
    nb = nbformat.read(work / NOTEBOOK.name, as_version=4)
    client = nbclient.NotebookClient(
        nb, kernel_name="python3", timeout=120, resources={"metadata": {"path": str(work)}}
    )
    client.execute()  # raises CellExecutionError on any failing cell

    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.get("execution_count") for c in code)
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert not errors
    text = "".join(o.get("text", "") for c in code for o in c.outputs if o.output_type == "stream")
    assert "tiny: 16 of 16 runs finished" in text
    kinds = [k for c in code for o in c.outputs for k in o.get("data", {})]
    assert "image/png" in kinds  # the distribution grid
    assert kinds.count("text/html") >= 3  # tables: results head, per-level summaries, paired effects
