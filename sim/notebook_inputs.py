"""What the notebooks say when the results they read are not there yet.

The notebooks in ``notebooks/`` only read results that scripts write. :func:`require` returns the
folder if it holds the file a notebook needs, and otherwise stops the notebook with
:class:`MissingInputs`: which file is missing, the command that makes it (run from the repository
root), and the environment variable that points the notebook elsewhere, instead of a bare
"No such file or directory" from deep inside pandas.
"""

from __future__ import annotations

from pathlib import Path


class MissingInputs(FileNotFoundError):
    """A notebook's inputs are missing; the message names the command that makes them."""


def require(folder: str | Path, file: str, command: str, setting: str) -> Path:
    """``folder`` if ``folder/file`` exists, else :class:`MissingInputs`.

    Args:
        folder: where the notebook looks for its inputs.
        file: a file the notebook reads first (its presence means the inputs are there).
        command: the command that writes them, e.g. ``"python experiments/run_bexley.py"``.
        setting: the environment variable that sets ``folder``.
    """
    folder = Path(folder)
    if (folder / file).exists():
        return folder
    raise MissingInputs(
        f"{folder / file} not found: this notebook reads results that are not there yet. Make them from the "
        f"repository root with\n\n    {command}\n\nor set {setting} to a folder that has them, then run the "
        "notebook again.")


__all__ = ["MissingInputs", "require"]
