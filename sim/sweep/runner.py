"""The :class:`Sweep` object: a specification plus the machinery to run it.

Example:
    >>> sweep = Sweep.from_toml("experiments/sweeps/tiny.toml")  # doctest: +SKIP
    >>> sweep.runs().shape  # doctest: +SKIP
    >>> sweep.run("results/sweeps/tiny", executor="processes", workers=4)  # doctest: +SKIP
    >>> df = read_results("results/sweeps/tiny")  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.atomic import check_output_path
from sim.console import logger, progress_bar
from sim.limits import WORKERS
from sim.procs import FolderLock, FolderLockedError, terminate_on_signals
from sim.sweep import store
from sim.sweep.checks import check_model_allowed
from sim.sweep.design import Design, expand, replicate_seeds, run_call
from sim.sweep.executors import EXECUTORS, run_dask, run_processes, run_serial
from sim.sweep.spec import SweepSpec, SweepSpecError, load_spec, parse_spec


@dataclass(frozen=True)
class SweepReport:
    """Summary of one :meth:`Sweep.run` session.

    Attributes:
        out_dir: The output directory.
        total: Runs in the design.
        already_done: Runs found complete when the session started.
        completed: Runs finished in this session.
        elapsed_s: Wall-clock seconds of this session.
    """

    out_dir: Path
    total: int
    already_done: int
    completed: int
    elapsed_s: float


class Sweep:
    """A parameter sweep of the simulation.

    Build one from a TOML file with :meth:`from_toml`, or from Python with
    keyword arguments mirroring the ``[sweep]`` table, plus ``parameters``
    (``{name: {"range": [lo, hi]}}`` etc.), ``scenarios`` and ``policies``.

    Args:
        spec: An already validated :class:`SweepSpec` (alternative to keywords).
        parameters: ``{name: {"levels": [...]} | {"range": [lo, hi], "log": bool} |
            {"value": x}}``.
        scenarios: ``{name: [policy dict, ...]}``.
        policies: Policies applied in every scenario.
        **sweep: Fields of the ``[sweep]`` table (``name``, ``outcomes``,
            ``design``, ``samples``, ``replicates``, ``root_seed``, ...).

    Raises:
        SweepSpecError: If the specification is invalid.
    """

    def __init__(
        self,
        spec: SweepSpec | None = None,
        *,
        parameters: Mapping[str, Mapping[str, Any]] | None = None,
        scenarios: Mapping[str, list[dict[str, Any]]] | None = None,
        policies: list[dict[str, Any]] | None = None,
        **sweep: Any,
    ) -> None:
        if spec is None:
            raw: dict[str, Any] = {"sweep": sweep, "parameters": dict(parameters or {})}
            if scenarios:
                raw["scenarios"] = {k: list(v) for k, v in scenarios.items()}
            if policies:
                raw["policies"] = list(policies)
            spec = parse_spec(raw, source="<python>")
        elif parameters or scenarios or policies or sweep:
            raise TypeError("give either spec or keyword arguments, not both")
        self.spec = spec
        self._design: Design | None = None

    @classmethod
    def from_toml(cls, path: str | Path) -> Sweep:
        """Load and validate a TOML specification file."""
        return cls(load_spec(path))

    def __repr__(self) -> str:
        s = self.spec
        return f"Sweep({s.name!r}, design={s.design!r}, runs={len(self.runs())})"

    @property
    def design(self) -> Design:
        """The expanded design (computed once)."""
        if self._design is None:
            self._design = expand(self.spec)
        return self._design

    def runs(self) -> pd.DataFrame:
        """The design as a table: one row per run with its ID, point, replicate,
        scenario, seed and parameter values."""
        return self.design.runs.copy()

    def _conflict(self, out: Path, manifest: dict[str, Any]) -> str | None:
        """Why ``out`` cannot be resumed with this sweep, or ``None`` if it can."""
        version = manifest.get("manifest_version", 1)
        if version != store.MANIFEST_VERSION:
            return (
                f"{out} was written by another version of cswsim's sweep layout ({version}, now "
                f"{store.MANIFEST_VERSION}); resuming would mix two forms of the tables"
            )
        if manifest.get("spec_hash") != self.spec.hash():
            return (
                f"{out} holds results of a different sweep spec (hash "
                f"{str(manifest.get('spec_hash'))[:12]} from {manifest.get('spec_source')}, "
                f"now {self.spec.hash()[:12]})"
            )
        fresh = store.build_manifest(self.spec, self.design, [])["design"]
        if json.loads(json.dumps(fresh, default=store._json_default)) != manifest.get("design"):
            return (
                f"{out}: same spec but the expanded design differs from the stored one "
                "(a different SALib/numpy version?); resuming would mix designs"
            )
        return None

    def _prepare(self, out: Path, force_new: bool) -> dict[str, Any]:
        if (out / store.MANIFEST).exists():
            manifest = store.read_manifest(out)
            problem = self._conflict(out, manifest)
            if problem is None:
                return manifest
            if not force_new:
                raise store.SweepStateError(
                    f"{problem}. Use another output directory, or --force-new "
                    "(force_new=True) to move the old results aside and start over."
                )
            stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
            aside = out.with_name(f"{out.name}.superseded-{stamp}")
            shutil.move(str(out), str(aside))
            logger.warning("moved previous results to %s", aside)
        elif (out / store.RUNS_DIR).exists():
            raise store.SweepStateError(f"{out} has a runs/ folder but no manifest; refusing")
        out.mkdir(parents=True, exist_ok=True)
        seeds = replicate_seeds(self.spec.root_seed, self.spec.replicates)
        manifest = store.build_manifest(self.spec, self.design, seeds)
        store.write_json(out / store.MANIFEST, manifest)
        return manifest

    def run(
        self,
        out_dir: str | Path,
        executor: str = "serial",
        workers: int | None = None,
        scheduler: Any = None,
        *,
        force_new: bool = False,
        progress: bool = True,
        allow_import: bool | None = None,
    ) -> SweepReport:
        """Run every run not yet finished in ``out_dir`` and save the results.

        Safe to interrupt at any time: re-running the same sweep on the same
        directory skips completed runs.

        Args:
            out_dir: Output directory (created if needed).
            executor: ``"serial"``, ``"processes"`` or ``"dask"``.
            workers: Process count (``processes``; default ``os.cpu_count()``) or
                local Dask cluster size.
            scheduler: Dask scheduler address or ``distributed.Client``
                (implies ``executor="dask"``).
            force_new: If ``out_dir`` holds a different spec's results, move them
                aside to ``<out_dir>.superseded-<time>`` instead of refusing.
            progress: Show the progress bar on stderr (only drawn when stderr is a terminal).
            allow_import: Let the spec's ``model`` import code other than the project's registered
                model (default: only for specs built in Python, never for spec files).

        Returns:
            A :class:`SweepReport`.

        Raises:
            SweepStateError: If ``out_dir`` belongs to a different spec.
            SweepRunError: If a run fails or a worker dies (finished runs are kept).
        """
        if scheduler is not None:
            executor = "dask"
        if executor not in EXECUTORS:
            raise ValueError(f"executor must be one of {EXECUTORS}, got {executor!r}")
        check_model_allowed(self.spec, allow_import)
        if workers is not None:
            WORKERS.check(workers, "workers")
        out = check_output_path(out_dir)
        try:
            lock = FolderLock(out, "sim sweep").__enter__()  # one session per folder; dropped if killed
        except FolderLockedError as exc:
            raise store.SweepStateError(str(exc)) from None
        try:
            with terminate_on_signals():
                return self._run_locked(out, executor, workers, scheduler, force_new, progress)
        finally:
            lock.__exit__(None, None, None)

    def _run_locked(self, out: Path, executor: str, workers: int | None, scheduler: Any, force_new: bool,
                    progress: bool) -> SweepReport:
        t0 = time.perf_counter()
        manifest = self._prepare(out, force_new)
        store.clean_temp_files(out)
        design = self.design.runs
        done = store.done_run_ids(out) & set(design["run_id"])
        todo_rows = [r for r in design.to_dict("records") if r["run_id"] not in done]
        total = len(design)
        if done:
            logger.info("resuming %s: %d of %d runs already done, %d to go", self.spec.name, len(done), total,
                        len(todo_rows))
        manifest.setdefault("sessions", []).append(
            {
                "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "code_version": store.code_version(),
                "executor": executor,
                "already_done": len(done),
            }
        )
        store.write_json(out / store.MANIFEST, manifest)
        by_id = {r["run_id"]: r for r in todo_rows}
        tasks = [(r["run_id"], run_call(self.spec, r)) for r in todo_rows]
        model, outcomes = self.spec.model, self.spec.outcomes
        if executor == "serial":
            results = run_serial(model, outcomes, tasks)
        elif executor == "processes":
            results = run_processes(model, outcomes, tasks, workers)
        else:
            results = run_dask(model, outcomes, tasks, scheduler, workers)
        schema = store.results_schema(self.spec)
        completed = 0
        bar = progress_bar(total, self.spec.name, "run", progress, initial=len(done))
        try:
            for run_id, res in results:
                store.write_run(out, self.spec, by_id[run_id], res, schema)
                completed += 1
                bar.update(1)
        finally:
            bar.close()
            close = getattr(results, "close", None)
            if close is not None:
                close()
        return SweepReport(out, total, len(done), completed, time.perf_counter() - t0)


def open_sweep(out_dir: str | Path) -> Sweep:
    """Recreate the :class:`Sweep` stored in an output directory's manifest."""
    manifest = store.read_manifest(out_dir)
    try:
        spec = parse_spec(manifest["spec"], source=manifest.get("spec_source", str(out_dir)))
    except SweepSpecError as exc:  # pragma: no cover - manifest written by us
        raise store.SweepStateError(f"{out_dir}: manifest spec no longer valid: {exc}") from exc
    return Sweep(spec)
