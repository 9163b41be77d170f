"""Each notebook, run with its inputs missing, stops at once saying which command makes them."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from sim.notebook_inputs import MissingInputs, require

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = {  # notebook: (environment variable of its input folder, the command it should name)
    "bexley_pays_more.ipynb": ("CSWSIM_BEXLEY_OUT", "python experiments/run_bexley.py"),
    "sweep_analysis.ipynb": ("CSWSIM_SWEEP_DIR", "sim sweep experiments/sweeps/tiny.toml"),
}


def test_require_names_the_command(tmp_path):
    (tmp_path / "here").mkdir()
    (tmp_path / "here" / "meta.parquet").write_bytes(b"")
    assert require(tmp_path / "here", "meta.parquet", "make it", "X") == tmp_path / "here"
    with pytest.raises(MissingInputs, match="make it") as err:
        require(tmp_path / "nothing", "meta.parquet", "make it", "X_DIR")
    assert isinstance(err.value, FileNotFoundError) and "X_DIR" in str(err.value)


@pytest.mark.parametrize("name", sorted(NOTEBOOKS))
def test_notebook_with_missing_inputs_names_the_script(name, tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    setting, command = NOTEBOOKS[name]
    monkeypatch.setenv(setting, str(tmp_path / "empty"))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    work = tmp_path / "nb"
    work.mkdir()
    shutil.copy(REPO / "notebooks" / name, work / name)
    nb = nbformat.read(work / name, as_version=4)
    client = nbclient.NotebookClient(nb, kernel_name="python3", timeout=120,
                                     resources={"metadata": {"path": str(work)}})
    with pytest.raises(nbclient.exceptions.CellExecutionError) as err:
        client.execute()
    text = str(err.value)
    assert "MissingInputs" in text and command in text and setting in text
    # it stops in the first code cell, before any analysis
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [o.ename for o in code[0].outputs if o.output_type == "error"] == ["MissingInputs"]
