"""The measurements, each run in a fresh Python process by ``run.py`` (so that peak memory and
import costs belong to one measurement only). Each task returns a JSON-able dict."""

from __future__ import annotations

import gc
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from scaling import scaled_census  # noqa: E402

from sim import kernels  # noqa: E402
from sim.model import WorkforceModel  # noqa: E402


def engine_worker_months(m: WorkforceModel) -> float:
    """Workers in the market (permanent, agency placed, agency pool) summed over simulated months."""
    rec = m.recorder
    rows = slice(1, rec.rows)
    return float(rec.stock["perm_count"][rows].sum() + rec.stock["agency_count"][rows].sum()
                 + rec.pool_count[rows].sum())


def _timed(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    gc.collect()
    w0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - w0, time.process_time() - c0, out


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def engine(region: str = "england", years: float = 10, scale: float = 1.0, repeat: int = 3,
           seed: int = 1, memory: bool = True, numpy_only: bool = False, avx512: bool = True) -> dict[str, Any]:
    """Build and run the engine ``repeat`` times; best times, the results table, and peak memory
    (``numpy_only``: without the compiled kernels; ``avx512=False``: their draws without AVX-512)."""
    if numpy_only:
        kernels.use_compiled(False)  # for the rest of this (fresh) process
    kernels.use_avx512(avx512)
    best: dict[str, float] = {}
    months = int(round(years * 12))
    with scaled_census(scale):
        WorkforceModel(region=region, seed=seed)  # warm the seed cache and imports
        for _ in range(repeat):
            wb, cb, m = _timed(lambda: WorkforceModel(region=region, seed=seed, months=months))
            wr, cr, _ = _timed(lambda m=m: m.run(months=months))
            wt, ct, _ = _timed(lambda m=m: m.results.council_months)
            for key, value in (("build_s", wb), ("run_s", wr), ("table_s", wt), ("cpu_build_s", cb),
                               ("cpu_run_s", cr)):
                best[key] = min(best.get(key, float("inf")), value)
        out: dict[str, Any] = {"region": region, "years": years, "scale": scale, **best, "compiled": kernels.compiled(),
                               "avx512": kernels.avx512(),
                               "worker_months": engine_worker_months(m),
                               "workers_start": int(m.recorder.stock["perm_count"][0].sum()
                                                    + m.recorder.stock["agency_count"][0].sum()),
                               "peak_rss_mb": _peak_rss_mb()}
        if memory:
            del m
            gc.collect()
            tracemalloc.start()
            WorkforceModel(region=region, seed=seed, months=months).run(months=months)
            out["traced_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
    return out


def _timer(spent: dict[str, float], name: str, fn: Callable[[WorkforceModel], None]
           ) -> Callable[[WorkforceModel], None]:
    """``fn`` with its wall time added to ``spent[name]`` at every call."""
    def wrapped(model: WorkforceModel) -> None:
        t0 = time.perf_counter()
        fn(model)
        spent[name] += time.perf_counter() - t0
    return wrapped


def phases(region: str = "england", years: float = 10, seed: int = 1, repeat: int = 2) -> dict[str, Any]:
    """Time per phase of the month, by wrapping the model's phase functions with timers."""
    months = int(round(years * 12))
    best: dict[str, float] = {}
    for _ in range(repeat):
        m = WorkforceModel(region=region, seed=seed, months=months)
        spent = dict.fromkeys(m.PHASES, 0.0)

        m._phase_functions = {k: _timer(spent, k, f) for k, f in m._phase_functions.items()}
        gc.collect()
        m.run(months=months)
        for k, v in spent.items():
            best[k] = min(best.get(k, float("inf")), v)
    return {"region": region, "months": months, "phase_s": best}


def reference(region: str = "west_yorkshire", years: float = 1, seed: int = 1, repeat: int = 1) -> dict[str, Any]:
    """The plain-Mesa reference model (tests/reference) on a region."""
    from reference import ReferenceModel

    months = int(round(years * 12))
    best: dict[str, float] = {}
    for _ in range(repeat):
        wb, _, m = _timed(lambda: ReferenceModel(region=region, seed=seed))
        wr, cr, _ = _timed(lambda m=m: m.run(months=months))
        for key, value in (("build_s", wb), ("run_s", wr), ("cpu_run_s", cr)):
            best[key] = min(best.get(key, float("inf")), value)
    return {"region": region, "years": years, **best, "worker_months": float(m.worker_months),
            "peak_rss_mb": _peak_rss_mb()}


TASKS: dict[str, Callable[..., dict[str, Any]]] = {"engine": engine, "phases": phases, "reference": reference}
