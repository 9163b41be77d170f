"""Results written completely or not at all: the one writer of every output file and folder.

* :func:`atomic_write` writes one file (a table, a picture, a manifest) through a hidden temporary
  file beside it, ``fsync``, then :func:`os.replace`; the file is created with the permissions the
  umask gives (not 0600), and the folder entry is synced too.
* :class:`ResultsFolder` writes a whole results folder (``sim run --out``, ``sim compare --out``)
  into a hidden temporary sibling, adds a completeness marker (:data:`MARKER`, listing every file
  and its size) and renames it into place whole. An existing results folder is only replaced when
  asked (``--force``); temporary folders and files left by a killed process are removed.
* :func:`check_complete` is what a reader calls: a folder without the marker, or whose files do not
  match it, is refused.

Temporary names start with ``.`` so pyarrow, pandas and DuckDB dataset readers skip them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import SimInputError

MARKER = "COMPLETE.json"
_TMP_TAG = ".tmp-"
_OLD_TAG = ".old-"


def fsync_dir(path: str | Path) -> None:
    """Flush a folder's entries (new or renamed files) to disk, where the platform allows."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _tmp_name(name: str) -> str:
    return f".{name}{_TMP_TAG}{os.getpid()}-{uuid.uuid4().hex[:8]}"


def _owner_pid(entry: str) -> int | None:
    """The process id in a temporary name made by :func:`_tmp_name` (None if it is not one)."""
    for tag in (_TMP_TAG, _OLD_TAG):
        if tag in entry:
            head = entry.rsplit(tag, 1)[1].split("-", 1)[0].split(".", 1)[0]
            return int(head) if head.isdigit() else None
    return None


def clean_stale(folder: str | Path, name: str | None = None) -> int:
    """Remove temporary files and folders left in ``folder`` by processes that no longer run.

    Args:
        folder: where to look.
        name: only those made for this output name (default: every temporary entry).

    Returns:
        How many entries were removed.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return 0
    n = 0
    prefix = f".{name}" if name else "."
    for entry in folder.iterdir():
        if not entry.name.startswith(prefix):
            continue
        pid = _owner_pid(entry.name)
        if pid is None or _pid_alive(pid):
            continue
        with contextlib.suppress(OSError):
            shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()
            n += 1
    return n


def atomic_write(path: str | Path, write: Callable[[Path], Any]) -> Path:
    """Write ``path`` completely or not at all.

    Args:
        path: the final file (its folder is created if needed).
        write: called with a temporary path beside ``path``; writes the whole content there.

    Returns:
        ``path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(_tmp_name(path.name) + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask decides, as for any file
    os.close(fd)
    try:
        write(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    fsync_dir(path.parent)
    return path


def write_text(path: str | Path, text: str) -> Path:
    """Atomically write UTF-8 text."""
    return atomic_write(path, lambda p: Path(p).write_text(text, encoding="utf-8"))


def check_output_path(path: str | Path, flag: str = "--out") -> Path:
    """Refuse an output path that cannot be a folder: an existing file, or a path under a file.

    Raises:
        SimInputError: naming the flag and the path.
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise SimInputError(f"{flag} {path}: is a file, not a folder; allowed a new or existing folder")
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise SimInputError(f"{flag} {path}: {parent} is a file, so no folder can be made under it")
            if not os.access(parent, os.W_OK | os.X_OK):
                raise SimInputError(f"{flag} {path}: cannot write in {parent} (permission denied)")
            break
    return path


def check_complete(folder: str | Path) -> dict[str, Any]:
    """Read a results folder's completeness marker and check every file it lists.

    Returns:
        The marker's content.

    Raises:
        SimInputError: if the folder is missing, unmarked (a run still writing or killed, or not a
            results folder) or its files differ from the marker.
    """
    folder = Path(folder)
    marker = folder / MARKER
    if not marker.is_file():
        raise SimInputError(f"{folder}: no {MARKER}; not a complete results folder (still being written, "
                            "interrupted, or not written by sim)")
    data = json.loads(marker.read_text(encoding="utf-8"))
    for name, size in data.get("files", {}).items():
        f = folder / name
        if not f.is_file() or f.stat().st_size != size:
            raise SimInputError(f"{folder}: {name} is missing or differs from {MARKER}; the folder is damaged")
    return data


def read_tables(folder: str | Path) -> dict[str, Any]:
    """The Parquet tables of a complete results folder by name (``council_months``, ``flows``, ...),
    after :func:`check_complete`; an incomplete folder is refused rather than half read."""
    import pandas as pd

    files = check_complete(folder)["files"]
    return {Path(name).stem: pd.read_parquet(Path(folder) / name) for name in files if name.endswith(".parquet")}


def _restore_interrupted_swap(out: Path) -> None:
    """Put back previous results a killed ``--force`` run had moved aside but not yet replaced."""
    if out.exists():
        return
    for entry in sorted(out.parent.glob(f".{out.name}{_OLD_TAG}*")):
        pid = _owner_pid(entry.name)
        if pid is not None and not _pid_alive(pid) and entry.is_dir():
            os.rename(entry, out)
            return


class ResultsFolder:
    """A results folder written whole: check the destination first, write into a temporary sibling,
    then mark it complete and rename it into place.

    Example:
        >>> folder = ResultsFolder("results/run", force=False)  # doctest: +SKIP
        >>> ...  # run the model (the destination was checked already)
        >>> with folder as tmp:  # doctest: +SKIP
        ...     write_tables(model, tmp)

    Args:
        out: the destination folder.
        force: replace an existing results folder (else refuse it).
        flag: the option that named ``out``, for messages.
        what: a short description stored in the marker (e.g. "sim run").
    """

    def __init__(self, out: str | Path, force: bool = False, flag: str = "--out", what: str = "sim") -> None:
        self.out = check_output_path(out, flag)
        self.force, self.flag, self.what = force, flag, what
        self.tmp: Path | None = None
        if self.out.is_dir() and any(self.out.iterdir()) and not force:
            raise SimInputError(f"{flag} {self.out}: already exists and is not empty; use --force to replace it, "
                                "or choose another folder")
        probe = self.out.parent / f"{_tmp_name(self.out.name)}-probe"
        try:  # can a folder be made beside it? (before a long run, not after)
            self.out.parent.mkdir(parents=True, exist_ok=True)
            probe.mkdir()
            probe.rmdir()
        except OSError as exc:
            raise SimInputError(f"{flag} {self.out}: cannot write there ({exc.strerror or exc})") from None

    def __enter__(self) -> Path:
        parent = self.out.parent
        parent.mkdir(parents=True, exist_ok=True)
        _restore_interrupted_swap(self.out)
        clean_stale(parent, self.out.name)
        self.tmp = parent / _tmp_name(self.out.name)
        self.tmp.mkdir(mode=0o777)
        return self.tmp

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        assert self.tmp is not None
        if exc_type is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            if issubclass(exc_type, OSError):  # disk full, permissions changed...: say so, nothing was written
                raise SimInputError(f"{self.flag} {self.out}: writing the results failed ({exc}); nothing was "
                                    "written") from None
            return
        files = {str(p.relative_to(self.tmp)): p.stat().st_size for p in sorted(self.tmp.rglob("*")) if p.is_file()}
        write_text(self.tmp / MARKER, json.dumps({
            "written_by": self.what, "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "files": files}, indent=1))
        fsync_dir(self.tmp)
        old = None
        if self.out.exists():
            if not self.force and any(self.out.iterdir()):  # appeared while we ran
                shutil.rmtree(self.tmp, ignore_errors=True)
                raise SimInputError(f"{self.flag} {self.out}: was created by something else during the run; "
                                    "nothing written (use --force to replace it)")
            old = self.out.with_name(f".{self.out.name}{_OLD_TAG}{os.getpid()}-{uuid.uuid4().hex[:8]}")
            os.rename(self.out, old)
        os.rename(self.tmp, self.out)
        fsync_dir(self.out.parent)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)

    def path(self, name: str) -> Path:
        """Where ``name`` ends up once the folder is in place (for messages)."""
        return self.out / name


__all__ = ["MARKER", "ResultsFolder", "atomic_write", "check_complete", "check_output_path", "clean_stale",
           "fsync_dir", "read_tables", "write_text"]
