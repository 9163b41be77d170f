"""Errors a user can act on.

Every problem with user input (a region, a council, a year, a parameter, a file) raises
:class:`SimInputError`. The command line turns it into a message and exit code 2, never a traceback.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any


class SimInputError(ValueError):
    """Bad input: says what was wrong, where, and what is allowed."""


def close_matches(word: str, allowed: Iterable[str], n: int = 3) -> list[str]:
    """Return up to ``n`` entries of ``allowed`` that look like ``word`` (case-insensitive)."""
    allowed = list(allowed)
    lowered = {a.lower(): a for a in allowed}
    hits = difflib.get_close_matches(word.lower(), list(lowered), n=n, cutoff=0.6)
    prefix = [a for a in allowed if a.lower().startswith(word.lower()[:4])] if len(word) >= 4 else []
    out = [lowered[h] for h in hits]
    out += [p for p in prefix if p not in out]
    return out[:n]


def unknown(kind: str, value: str, allowed: Iterable[str], where: str = "") -> SimInputError:
    """Build the error for an unknown name, suggesting close matches and listing what exists."""
    allowed = sorted(allowed)
    near = close_matches(value, allowed)
    hint = f" Did you mean {', '.join(repr(m) for m in near)}?" if near else ""
    listing = ", ".join(allowed) if len(allowed) <= 40 else ", ".join(allowed[:40]) + ", ..."
    loc = f"{where}: " if where else ""
    return SimInputError(f"{loc}unknown {kind} {value!r}.{hint} Allowed: {listing}")


MAX_INPUT_BYTES = 1_000_000  # the largest scenario, parameter, sweep or calibration file (ours are < 10 kB)
MAX_NESTING = 10  # tables and lists inside each other (ours nest at most 4 deep)


def read_text_file(path: str | Path, what: str, max_bytes: int = MAX_INPUT_BYTES) -> str:
    """The text of a small UTF-8 input file, or a :class:`SimInputError` naming it when it is missing,
    a folder or other non-regular file, unreadable, too large, binary or not UTF-8."""
    path = Path(path)
    try:
        if not path.exists():
            raise SimInputError(f"{path}: {what} not found")
        if path.is_dir():
            raise SimInputError(f"{path}: {what} is a folder, not a file")
        if not path.is_file():
            raise SimInputError(f"{path}: {what} is not a regular file")
        with path.open("rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise SimInputError(f"{path}: cannot read the {what}: {exc.strerror or exc}") from None
    if len(data) > max_bytes:
        raise SimInputError(f"{path}: {what} is larger than {max_bytes:,} bytes; allowed a small text file")
    if b"\0" in data:
        raise SimInputError(f"{path}: {what} is binary (contains NUL bytes); allowed a UTF-8 text file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SimInputError(f"{path}: {what} is not UTF-8 text (byte {exc.start}); allowed a UTF-8 text file") from None


def nesting_depth(value: Any, limit: int = MAX_NESTING + 1) -> int:
    """How deeply tables and lists nest in ``value`` (stops counting at ``limit``)."""
    if limit <= 0 or not isinstance(value, (dict, list)):
        return 0
    children = value.values() if isinstance(value, dict) else value
    return 1 + max((nesting_depth(v, limit - 1) for v in children), default=0)


def read_toml(path: str | Path, what: str) -> dict[str, Any]:
    """Parse a TOML input file (data only, never executed).

    Args:
        path: the file.
        what: what kind of file it is, for messages (e.g. "scenario file").

    Returns:
        The parsed tables.

    Raises:
        SimInputError: naming the file, when it is missing, a folder, too large, binary, not UTF-8, not
            valid TOML or nested more than ``MAX_NESTING`` deep.
    """
    path = Path(path)
    text = read_text_file(path, what)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SimInputError(f"{path}: not valid TOML: {exc}") from None
    except RecursionError:
        data = None
    if data is None or nesting_depth(data) > MAX_NESTING:
        raise SimInputError(f"{path}: {what} nests tables or lists more than {MAX_NESTING} deep")
    return data
