"""On-disk layout of a sweep's output directory.

::

    out_dir/
      manifest.json              spec, spec hash, code version, design, seeds
      runs/<run_id>.parquet      one row per finished run (written last)
      council_months/<run_id>.parquet   optional per-run monthly panel: one row per council and
                                      month, led by the run's run_id, point_id, replicate,
                                      scenario, seed and parameters (see council_month_part)

One folder per table: a glob over ``runs/*.parquet`` or ``council_months/*.parquet`` never picks up
the other table (``docs/sweeps.md``, "Reading results", has the queries).

Every file is written atomically (temporary file in the same directory,
``fsync``, :func:`os.replace`), and a run's council-month file is written
before its summary part, so the existence of ``runs/<run_id>.parquet`` means
the run is complete. Temporary files start with ``.`` so pyarrow, pandas and
duckdb dataset readers ignore them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq

from sim.atomic import atomic_write, clean_stale
from sim.sweep.spec import SweepSpec

MANIFEST = "manifest.json"
RUNS_DIR = "runs"
MONTHS_DIR = "council_months"
MANIFEST_VERSION = 2  # 2: council-month parts self-describing, with real dates and integer counts

_ARROW_TYPES = {"float": pa.float64(), "int": pa.int64(), "bool": pa.bool_(), "str": pa.string()}


class SweepStateError(RuntimeError):
    """An output directory cannot be used for this sweep (e.g. different spec)."""


def results_schema(spec: SweepSpec) -> pa.Schema:
    """The Arrow schema shared by every ``runs/*.parquet`` part of a sweep."""
    fields = [
        pa.field("run_id", pa.string()),
        pa.field("point_id", pa.int64()),
        pa.field("replicate", pa.int64()),
        pa.field("scenario", pa.string()),
        pa.field("seed", pa.int64()),
    ]
    fields += [pa.field(p.name, _ARROW_TYPES[p.dtype]) for p in spec.parameters]
    fields += [pa.field(o, pa.float64()) for o in spec.outcomes]
    fields.append(pa.field("elapsed_s", pa.float64()))
    return pa.schema(fields, metadata={"sweep": spec.name, "spec_hash": spec.hash()})


def write_table(path: Path, table: pa.Table) -> None:
    """Atomically write an Arrow table as Parquet."""
    atomic_write(path, lambda p: pq.write_table(table, p))


def write_json(path: Path, data: Any) -> None:
    """Atomically write JSON (UTF-8, indented)."""
    text = json.dumps(data, indent=1, default=_json_default)
    atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def code_version() -> str:
    """``git describe`` of the source tree if available, else the package version."""
    here = Path(__file__).resolve().parent
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        out = subprocess.run(
            ["git", "describe", "--always", "--dirty", "--tags"],
            cwd=here,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
        if out.stdout.strip():
            return f"git:{out.stdout.strip()}"
    from importlib import metadata

    try:
        return f"cswsim {metadata.version('cswsim')}"
    except metadata.PackageNotFoundError:
        return "unknown"


def build_manifest(spec: SweepSpec, design: Any, seeds: list[int]) -> dict[str, Any]:
    """Assemble the manifest dictionary for a new sweep."""
    salib = None
    if design.problem is not None:
        salib = {
            "problem": design.problem,
            "sample": design.sample.tolist(),
            "log_parameters": [p.name for p in spec.parameters if p.log],
        }
    runs = design.runs.astype(object).where(design.runs.notna(), None)
    return {
        "manifest_version": MANIFEST_VERSION,
        "spec": spec.to_dict(),
        "spec_source": spec.source,
        "spec_hash": spec.hash(),
        "code_version": code_version(),
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "seeds": {"root_seed": spec.root_seed, "replicates": seeds},
        "scenarios": spec.scenario_policies(),
        "levers": list(spec.levers),
        "n_runs": len(design.runs),
        "design": {"columns": list(runs.columns), "rows": runs.to_numpy().tolist()},
        "salib": salib,
        "sessions": [],
    }


def read_manifest(out_dir: str | Path) -> dict[str, Any]:
    """Load ``manifest.json`` from a sweep output directory."""
    path = Path(out_dir) / MANIFEST
    if not path.exists():
        raise SweepStateError(f"{out_dir}: no {MANIFEST}; not a sweep output directory")
    return json.loads(path.read_text(encoding="utf-8"))


def done_run_ids(out_dir: str | Path) -> set[str]:
    """IDs of runs whose summary part exists (i.e. complete runs)."""
    runs = Path(out_dir) / RUNS_DIR
    if not runs.is_dir():
        return set()
    return {p.stem for p in runs.glob("*.parquet") if not p.name.startswith(".")}


def clean_temp_files(out_dir: str | Path) -> int:
    """Delete leftover temporary files of sessions that no longer run; return how many."""
    return sum(clean_stale(Path(out_dir) / sub) for sub in (RUNS_DIR, MONTHS_DIR, "."))


def council_month_part(spec: SweepSpec, run: dict[str, Any], months: pd.DataFrame) -> pa.Table:
    """One run's council-month table as its part file holds it: self-describing (the run's
    ``run_id, point_id, replicate, scenario, seed`` and the design's parameters as the first columns,
    typed as in ``runs/``), with real dates and whole-number counts (:func:`sim.tables.file_form`)."""
    from sim.tables import file_form

    ident = results_schema(spec)
    lead = [f for f in ident if f.name not in (*spec.outcomes, "elapsed_s")]
    body = file_form(months.drop(columns=[f.name for f in lead if f.name in months.columns]))
    table = pa.Table.from_pandas(body, preserve_index=False)
    for i, f in enumerate(lead):
        table = table.add_column(i, f, pa.array([run.get(f.name)] * table.num_rows, type=f.type))
    return table.replace_schema_metadata({**(table.schema.metadata or {}), **ident.metadata})


def write_run(out_dir: Path, spec: SweepSpec, run: dict[str, Any], result: dict[str, Any], schema: pa.Schema) -> None:
    """Persist one finished run (council months first, then the summary part).

    Args:
        out_dir: Sweep output directory.
        spec: The specification.
        run: The run's design row.
        result: What :func:`sim.sweep.executors.execute_run` returned.
        schema: :func:`results_schema` of the spec.
    """
    run_id = run["run_id"]
    months = result.get("council_months")
    if spec.keep_council_months and months is not None:
        write_table(out_dir / MONTHS_DIR / f"{run_id}.parquet", council_month_part(spec, run, months))
    row = {f.name: [run.get(f.name)] for f in schema}
    for o in spec.outcomes:
        row[o] = [result["outcomes"][o]]
    row["elapsed_s"] = [result["elapsed_s"]]
    write_table(out_dir / RUNS_DIR / f"{run_id}.parquet", pa.table(row, schema=schema))


def read_results(out_dir: str | Path) -> pd.DataFrame:
    """All finished runs of a sweep, one row per run, sorted by ``run_id``.

    Args:
        out_dir: A sweep output directory.

    Returns:
        Columns ``run_id, point_id, replicate, scenario, seed``, the parameters,
        the outcomes and ``elapsed_s``. Empty (with those columns) if no run
        has finished yet.
    """
    runs = Path(out_dir) / RUNS_DIR
    files = sorted(str(p) for p in runs.glob("*.parquet") if not p.name.startswith("."))
    if not files:
        manifest = read_manifest(out_dir)
        from sim.sweep.spec import parse_spec

        schema = results_schema(parse_spec(manifest["spec"], source=str(out_dir)))
        return schema.empty_table().to_pandas()
    table = pads.dataset(files, format="parquet").to_table()
    df = table.to_pandas()
    return df.sort_values("run_id", kind="stable").reset_index(drop=True)


def read_council_months(out_dir: str | Path) -> pd.DataFrame:
    """Concatenate ``council_months/*.parquet`` of finished runs (empty if none)."""
    d = Path(out_dir) / MONTHS_DIR
    done = done_run_ids(out_dir)
    files = sorted(str(p) for p in d.glob("*.parquet") if not p.name.startswith(".") and p.stem in done)
    if not files:
        return pd.DataFrame()
    return pads.dataset(files, format="parquet").to_table().to_pandas()
