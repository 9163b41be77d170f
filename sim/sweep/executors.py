"""Ways of executing runs: in-process, a local process pool, or Dask distributed.

Each executor yields ``(run_id, result)`` pairs as runs finish, in completion
order. The result of a run depends only on its model call (parameters, policies
and seed), never on the executor, so every executor gives identical outcomes.
Results are sent back to the calling process, which alone writes files.
"""

from __future__ import annotations

import concurrent.futures as cf
import importlib
import multiprocessing
import os
import re
import time
from collections.abc import Callable, Iterator
from typing import Any

from sim.procs import pool_worker_init, terminate_pool

Task = tuple[str, dict[str, Any]]  # (run_id, model kwargs)
EXECUTORS = ("serial", "processes", "dask")

_MODEL_CACHE: dict[str, Callable[..., dict[str, Any]]] = {}

CONNECT_TIMEOUT_S = 20.0  # to reach a Dask scheduler
NO_WORKERS_TIMEOUT_S = 120.0  # a Dask sweep with no live worker for this long fails (resumable)
NO_WORKERS_ENV = "CSWSIM_DASK_NO_WORKERS_TIMEOUT"  # seconds, to change the above (tests use a few)
_ADDRESS = re.compile(r"^(?:(?:tcp|tls|ucx|ws|wss)://)?(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9][A-Za-z0-9.-]*)(?::(\d{1,5}))?$")


def check_scheduler_address(address: str) -> str:
    """Return ``address`` if it looks like a Dask scheduler address, else raise ``SimInputError``."""
    from sim.errors import SimInputError

    match = _ADDRESS.match(address)
    port = match.group(1) if match else None
    if not match or (port is None and "://" not in address) or (port is not None and not 1 <= int(port) <= 65535):
        raise SimInputError(f"--scheduler {address!r}: not a scheduler address; allowed tcp://HOST:PORT "
                            "(e.g. tcp://127.0.0.1:8786) or HOST:PORT")
    return address


def no_workers_timeout() -> float:
    """Seconds a Dask sweep waits with no live worker before failing (``NO_WORKERS_ENV`` overrides)."""
    raw = os.environ.get(NO_WORKERS_ENV)
    try:
        value = float(raw) if raw else NO_WORKERS_TIMEOUT_S
    except ValueError:
        value = NO_WORKERS_TIMEOUT_S
    return value if 0 < value < float("inf") else NO_WORKERS_TIMEOUT_S


class SweepRunError(RuntimeError):
    """A run failed or a worker died; finished runs are saved and can be resumed.

    Attributes:
        run_id: The failing run, if known.
    """

    def __init__(self, message: str, run_id: str | None = None) -> None:
        super().__init__(message)
        self.run_id = run_id


def load_model(path: str) -> Callable[..., dict[str, Any]]:
    """Import a model function from ``"package.module:function"``.

    Args:
        path: Dotted path with a colon before the attribute name.

    Returns:
        The callable.
    """
    if path not in _MODEL_CACHE:
        module, _, attr = path.partition(":")
        obj: Any = importlib.import_module(module)
        for part in attr.split("."):
            obj = getattr(obj, part)
        if not callable(obj):
            raise TypeError(f"{path} is not callable")
        _MODEL_CACHE[path] = obj
    return _MODEL_CACHE[path]


def execute_run(model: str, outcomes: tuple[str, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
    """Run the model once (in whatever process this is called).

    Args:
        model: Dotted path of the model function.
        outcomes: Outcome names to extract (each converted to ``float``).
        kwargs: Keyword arguments for the model call.

    Returns:
        ``{"outcomes": {name: float}, "council_months": DataFrame | None,
        "elapsed_s": float, "cpu_s": float}`` (wall-clock and CPU seconds of the
        model call; only ``elapsed_s`` is stored).

    Raises:
        KeyError: If the model did not report a requested outcome.
    """
    fn = load_model(model)
    t0, c0 = time.perf_counter(), time.process_time()
    res = fn(**kwargs)
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    got = res.get("outcomes", {})
    missing = [o for o in outcomes if o not in got]
    if missing:
        raise KeyError(f"model returned no outcome(s) {missing}; it reported {sorted(got)}")
    return {
        "outcomes": {o: float(got[o]) for o in outcomes},
        "council_months": res.get("council_months") if kwargs.get("keep_council_months") else None,
        "elapsed_s": elapsed,
        "cpu_s": cpu,
    }


def _fail(run_id: str, exc: BaseException) -> SweepRunError:
    return SweepRunError(f"run {run_id} failed: {type(exc).__name__}: {exc}", run_id)


def _died(run_id: str) -> SweepRunError:
    return SweepRunError(f"a worker process died while running {run_id} (or another run); "
                         "finished runs are saved - re-run the same command to resume", run_id)


def run_serial(model: str, outcomes: tuple[str, ...], tasks: list[Task]) -> Iterator[tuple]:
    """Execute runs one after another in this process."""
    for run_id, kwargs in tasks:
        try:
            res = execute_run(model, outcomes, kwargs)
        except Exception as exc:
            raise _fail(run_id, exc) from exc
        yield run_id, res


def run_processes(
    model: str, outcomes: tuple[str, ...], tasks: list[Task], workers: int | None = None
) -> Iterator[tuple]:
    """Execute runs in a local :class:`~concurrent.futures.ProcessPoolExecutor`.

    At most ``4 * workers`` runs are queued at once, so stopping early wastes little.

    Raises:
        SweepRunError: If a run raises or a worker process dies.
    """
    workers = workers or os.cpu_count() or 1
    pending: dict[cf.Future, str] = {}
    todo = iter(tasks)
    # never plain fork: the parent may run threads (pyarrow, dask) and fork could deadlock
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if ctx.get_start_method() == "forkserver":  # the forkserver dies with this process (then so do workers)
        ctx.set_forkserver_preload(["__main__", "sim._forkserver_preload"])
    with cf.ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=pool_worker_init) as pool:
        try:
            while True:
                for run_id, kwargs in todo:
                    try:
                        pending[pool.submit(execute_run, model, outcomes, kwargs)] = run_id
                    except cf.process.BrokenProcessPool as exc:  # a worker died before this was queued
                        raise _died(run_id) from exc
                    if len(pending) >= 4 * workers:
                        break
                if not pending:
                    return
                done, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
                for fut in sorted(done, key=pending.__getitem__):
                    run_id = pending.pop(fut)
                    try:
                        res = fut.result()
                    except cf.process.BrokenProcessPool as exc:
                        raise _died(run_id) from exc
                    except Exception as exc:
                        raise _fail(run_id, exc) from exc
                    yield run_id, res
        except BaseException:  # interrupted, terminated, or the consumer stopped: stop the workers now
            terminate_pool(pool)
            raise
        finally:
            for fut in pending:
                fut.cancel()
            pool.shutdown(wait=True, cancel_futures=True)


def _completed_while_workers_live(client: Any, ac: Any, wait_s: float) -> Iterator[Any]:
    """Futures from ``ac`` as they finish; :class:`SweepRunError` if no worker is alive for ``wait_s``
    seconds while runs are waiting (every worker died and none came back)."""
    watch = _WorkerWatch(client, wait_s)
    while not ac.is_empty():
        if not ac.has_ready():
            watch.check()
            time.sleep(0.2)
            continue
        fut = next(ac)
        while not fut.done():  # a future whose worker died is yielded again while it waits for another
            watch.check()
            time.sleep(0.05)
        watch.alive()
        yield fut


class _WorkerWatch:
    """Fails a Dask sweep that has had no live worker for ``wait_s`` seconds."""

    def __init__(self, client: Any, wait_s: float) -> None:
        self.client, self.wait_s = client, wait_s
        self.idle_since: float | None = None

    def alive(self) -> None:
        self.idle_since = None

    def check(self) -> None:
        try:
            alive = bool(self.client.nthreads())
        except (OSError, TimeoutError):
            alive = False
        now = time.monotonic()
        self.idle_since = None if alive else (self.idle_since or now)
        if self.idle_since is not None and now - self.idle_since > self.wait_s:
            raise SweepRunError(f"no live Dask worker for {self.wait_s:g} s while runs were waiting; finished runs "
                                "are saved - restart workers and re-run the same command to resume")


def run_dask(
    model: str,
    outcomes: tuple[str, ...],
    tasks: list[Task],
    scheduler: Any = None,
    workers: int | None = None,
) -> Iterator[tuple]:
    """Execute runs on a Dask distributed cluster.

    Args:
        model: Dotted path of the model function (importable on the workers).
        outcomes: Outcome names.
        tasks: ``(run_id, kwargs)`` pairs.
        scheduler: Scheduler address (``"tcp://host:8786"``), an existing
            ``distributed.Client``, or ``None`` to start a local cluster of
            ``workers`` single-threaded worker processes.
        workers: Worker count for a local cluster.

    Raises:
        SweepRunError: If a run raises or its worker keeps dying (``KilledWorker``).
    """
    from dask.distributed import Client, LocalCluster, as_completed

    own_cluster = own_client = None
    if scheduler is None:
        own_cluster = LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1, processes=True)
        client = own_client = Client(own_cluster)
    elif isinstance(scheduler, str):
        try:
            client = own_client = Client(scheduler, timeout=CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError, ValueError) as exc:
            raise SweepRunError(f"cannot reach the Dask scheduler at {scheduler} within {CONNECT_TIMEOUT_S:g} s "
                                f"({type(exc).__name__}: {exc}); check that it runs and the address, then re-run "
                                "the same command to resume") from None
    else:
        client = scheduler
    futures: dict[Any, str] = {}
    wait_s = no_workers_timeout()
    try:
        try:
            client.wait_for_workers(1, timeout=wait_s)
        except (OSError, TimeoutError) as exc:
            raise SweepRunError(f"no Dask worker joined the scheduler within {wait_s:g} s; start workers "
                                "(dask worker ADDRESS) and re-run the same command to resume") from exc
        n_workers = max(1, len(client.scheduler_info().get("workers", {})) or workers or 1)
        window = 4 * n_workers
        todo = iter(tasks)
        ac = as_completed()
        for run_id, kwargs in todo:
            fut = client.submit(
                execute_run,
                model,
                outcomes,
                kwargs,
                pure=False,
                key=f"sweep-run-{run_id}-{os.getpid()}-{time.time_ns()}",
            )
            futures[fut] = run_id
            ac.add(fut)
            if len(futures) >= window:
                break
        for fut in _completed_while_workers_live(client, ac, wait_s):
            run_id = futures.pop(fut)
            try:
                res = fut.result()
            except Exception as exc:
                raise _fail(run_id, exc) from exc
            finally:
                fut.release()
            nxt = next(todo, None)
            if nxt is not None:
                new = client.submit(
                    execute_run,
                    model,
                    outcomes,
                    nxt[1],
                    pure=False,
                    key=f"sweep-run-{nxt[0]}-{os.getpid()}-{time.time_ns()}",
                )
                futures[new] = nxt[0]
                ac.add(new)
            yield run_id, res
    finally:
        if futures:
            client.cancel(list(futures))
        if own_client is not None:
            own_client.close()
        if own_cluster is not None:
            own_cluster.close()
