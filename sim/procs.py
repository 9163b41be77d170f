"""Processes that end with their parent, and folders one process works in at a time.

* :func:`terminate_on_signals` turns SIGTERM and SIGHUP into :class:`Terminated` (a
  ``KeyboardInterrupt``) in the main thread, so that ``finally`` blocks and ``with`` blocks that own
  child processes (process pools, Dask clusters, the ``sim app`` server) stop them on the way out,
  exactly as they do for Ctrl-C.
* :func:`die_with_parent` (Linux) asks the kernel to kill the calling process when its parent dies,
  even by ``kill -9``; pool workers call it when they start.
* :func:`stop_children` terminates, then kills, every process this one started through
  :mod:`multiprocessing` (pool workers, the forkserver).
* :class:`FolderLock` is an exclusive ``fcntl.flock`` on a lock file: a second process is refused
  with a message, and a killed process leaves no stuck lock (the kernel drops it).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

_PR_SET_PDEATHSIG = 1


class Terminated(KeyboardInterrupt):
    """The process was asked to stop by a signal other than Ctrl-C (SIGTERM, SIGHUP)."""


def _raise_terminated(signum: int, frame: Any) -> None:
    raise Terminated(f"stopped by signal {signal.Signals(signum).name}")


@contextlib.contextmanager
def terminate_on_signals(signals: tuple[int, ...] = (signal.SIGTERM, signal.SIGHUP)) -> Iterator[None]:
    """While active, the given signals raise :class:`Terminated` in the main thread (elsewhere a no-op)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = {s: signal.signal(s, _raise_terminated) for s in signals}
    try:
        yield
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


@contextlib.contextmanager
def signals_deferred(signals: tuple[int, ...] = STOP_SIGNALS) -> Iterator[None]:
    """Hold the stop signals while the block runs (e.g. while a pool forks its workers) and deliver any
    that arrived, to the handlers in force before, when it ends. A handler that raises inside ``fork``
    runs in the middle of the interpreter's at-fork hooks (logging's lock release, for one) and can leave
    a lock held, so the process hangs instead of stopping. The signals are recorded by a handler that
    does nothing else (a signal mask would not do: another thread may take a process-wide signal)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    arrived: list[int] = []
    old = {s: signal.signal(s, lambda signum, frame: arrived.append(signum)) for s in signals}
    try:
        yield
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)
        for signum in arrived[:1]:  # the first is enough: it stops the process
            handler = old[signum]
            if callable(handler):
                handler(signum, None)
            elif handler == signal.SIG_DFL:
                signal.raise_signal(signum)


def die_with_parent(sig: int = signal.SIGTERM) -> None:
    """Ask Linux to send ``sig`` to this process when its parent exits (no-op elsewhere)."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
    if os.getppid() == 1:  # the parent died before we asked
        os._exit(1)


def pool_worker_init() -> None:
    """Initializer of pool workers: die with the parent; SIGTERM ends the worker quietly (a forked worker
    would otherwise inherit the parent's handler and print a traceback); Ctrl-C is left to the parent,
    which stops the pool."""
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent()


def stop_children(grace: float = 3.0) -> None:
    """Terminate every live :mod:`multiprocessing` child of this process, killing those that linger."""
    children = multiprocessing.active_children()
    for child in children:
        with contextlib.suppress(Exception):
            child.terminate()
    for child in children:
        with contextlib.suppress(Exception):
            child.join(grace)
            if child.is_alive():
                child.kill()
    with contextlib.suppress(Exception):  # the forkserver is not listed as a child
        from multiprocessing import forkserver

        pid = getattr(forkserver._forkserver, "_forkserver_pid", None)
        if pid:
            os.kill(pid, signal.SIGTERM)


def terminate_pool(pool: Any) -> None:
    """Terminate a :class:`concurrent.futures.ProcessPoolExecutor`'s workers at once (running tasks are
    abandoned, not awaited) and shut it down."""
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        with contextlib.suppress(Exception):
            proc.terminate()
    manager = getattr(pool, "_executor_manager_thread", None)
    if manager is not None:  # let it mark the pool broken before futures are cancelled (a 3.11 race)
        with contextlib.suppress(RuntimeError):  # not started yet (stopped while the pool was starting)
            manager.join(10)
    with contextlib.suppress(Exception):
        pool.shutdown(wait=False, cancel_futures=True)


class FolderLockedError(RuntimeError):
    """Another live process holds the folder's lock."""


class FolderLock:
    """An exclusive, non-blocking lock on a folder for the life of a ``with`` block.

    The lock file is the hidden sibling ``.<name>.lock``, so it stays put when the folder itself is
    moved aside or replaced.

    Args:
        folder: the folder (its parent is created if needed).
        what: what the holder does, for the message (e.g. "sim sweep").

    Raises:
        FolderLockedError: on entry, if another process holds the lock.
    """

    def __init__(self, folder: str | Path, what: str = "sim") -> None:
        folder = Path(folder)
        self.folder = folder
        self.path = folder.with_name(f".{folder.name}.lock")
        self.what = what
        self._fd: int | None = None

    def __enter__(self) -> FolderLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "another process"
                os.close(fd)
                raise FolderLockedError(f"{self.folder}: {self.what} is already running on this folder "
                                        f"(process {holder}); wait for it to finish or stop it, then re-run") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._fd = fd
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, 0)
            os.close(self._fd)  # closing drops the flock
            self._fd = None


__all__ = ["FolderLock", "FolderLockedError", "Terminated", "die_with_parent", "pool_worker_init", "stop_children",
           "terminate_on_signals", "terminate_pool"]
