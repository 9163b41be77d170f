"""What cswsim shows while it works: one progress display and the ``sim`` logger.

* :func:`progress_bar` is the only progress display (tqdm, on stderr). It is silent when stderr is
  not a terminal (a pipe, a file, CI), and when the caller asks for none (``--quiet``,
  ``--no-progress``, ``progress=False``).
* Messages a library user may want to silence (a sweep resuming, results moved aside, files
  written) go to the ``sim`` logger (:data:`logger`); the package adds no handler of its own, so
  they follow the application's logging set-up. The command line shows them on stderr
  (:func:`configure_logging`), and ``--quiet`` keeps only warnings and errors.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from typing import Any

logger = logging.getLogger("sim")
logger.addHandler(logging.NullHandler())
_CLI_HANDLER_NAME = "sim-cli"


def progress_wanted(enabled: bool = True) -> bool:
    """True if a progress display should be drawn: asked for, and stderr is a terminal."""
    isatty = getattr(sys.stderr, "isatty", None)
    return bool(enabled and isatty is not None and isatty())


def progress_bar(total: int, desc: str, unit: str, enabled: bool = True, initial: int = 0) -> Any:
    """A tqdm bar on stderr, disabled unless :func:`progress_wanted`. Use it as a context manager."""
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, desc=desc, unit=unit, file=sys.stderr, dynamic_ncols=True,
                disable=not progress_wanted(enabled))


def bar_callback(bar: Any) -> Callable[..., None]:
    """A ``progress(done, total, ...)`` callback (as the engine, compare and calibrate call it) that
    moves ``bar`` to ``done``; a third argument, if any, is shown as the best value so far."""

    def update(done: int, total: int, *extra: Any) -> None:
        bar.total = total
        if extra:
            bar.set_postfix(best=f"{extra[0]:.4g}", refresh=False)
        bar.update(done - bar.n)

    return update


def add_output_options(parser: argparse.ArgumentParser, no_progress: bool = True) -> None:
    """Add ``--quiet`` (and ``--no-progress``) to a long-running command's parser."""
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="no progress display and no informational messages (warnings and errors only)")
    if no_progress:
        parser.add_argument("--no-progress", action="store_true",
                            help="no progress display (it is also off when stderr is not a terminal)")


def wants_progress(args: argparse.Namespace) -> bool:
    """Whether a command's arguments allow a progress display."""
    return not (getattr(args, "quiet", False) or getattr(args, "no_progress", False))


def configure_logging(quiet: bool = False) -> None:
    """Show the ``sim`` logger's messages on stderr as ``sim: message`` (warnings only if ``quiet``)."""
    for handler in list(logger.handlers):
        if handler.get_name() == _CLI_HANDLER_NAME:
            logger.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(_CLI_HANDLER_NAME)
    handler.setFormatter(logging.Formatter("sim: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING if quiet else logging.INFO)
