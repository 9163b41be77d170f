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


def read_toml(path: str | Path, what: str) -> dict[str, Any]:
    """Parse a TOML file, turning a missing file or a syntax error into a :class:`SimInputError` that
    names the file (``what`` says what kind of file it is, e.g. "scenario file")."""
    path = Path(path)
    try:
        return tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise SimInputError(f"{path}: {what} not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise SimInputError(f"{path}: not valid TOML: {exc}") from None
