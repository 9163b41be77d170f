"""Sweep specifications: parsing TOML files and validating them strictly.

A specification describes *what* to run: the fixed model settings, the
parameters to vary (and how), the experimental design, the number of
replicates, the outcomes to keep and any policy scenarios to cross with the
parameter design. Validation collects every problem it finds and raises one
:class:`SweepSpecError` so that a user can fix a file in a single pass.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.errors import SimInputError, read_toml
from sim.limits import REPLICATES, SAMPLES, SEED, SWEEP_RUNS, YEARS

DESIGNS = ("factorial", "lhs", "sobol", "morris")
SAMPLED_DESIGNS = ("lhs", "sobol", "morris")
RESERVED_COLUMNS = ("run_id", "point_id", "replicate", "scenario", "seed", "elapsed_s")
BASELINE = "none"
LEVER_PREFIX = "$"

TOP_LEVEL_KEYS = ("sweep", "parameters", "scenarios", "policies")
SWEEP_DEFAULTS: dict[str, Any] = {
    "name": None,
    "description": "",
    "region": "england",
    "base_year": 2024,
    "years": 10,
    "design": "factorial",
    "samples": None,
    "replicates": 1,
    "root_seed": 0,
    "outcomes": None,
    "keep_council_months": False,
    "model": "sim.api:run",
    "include_baseline": True,
    "second_order": False,
    "morris_levels": 4,
}
PARAMETER_KEYS = ("levels", "range", "log", "value")
# A sweep's name becomes its results folder under --out: a plain name, never a path.
PLAIN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
SCENARIO_KEYS = ("policies", "description")


class SweepSpecError(SimInputError):
    """A sweep specification is invalid.

    Attributes:
        source: The file (or ``"<python>"``) the specification came from.
        problems: One human-readable message per problem found.
    """

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        noun = "problem" if len(self.problems) == 1 else "problems"
        super().__init__(f"invalid sweep spec {source} ({len(self.problems)} {noun}):\n{lines}")


@dataclass(frozen=True)
class ParameterSpec:
    """How one parameter varies.

    Attributes:
        name: Parameter name, passed to the model in ``params`` (or a lever
            substituted into policies).
        levels: Discrete values (factorial designs) or ``None``.
        range: ``(lo, hi)`` bounds for sampled designs or ``None``.
        log: Sample uniformly in log space (ranges only).
        value: A fixed value (any design) or ``None``.
        dtype: Column type of the values: ``"float"``, ``"int"``, ``"bool"`` or ``"str"``.
    """

    name: str
    levels: tuple[Any, ...] | None = None
    range: tuple[float, float] | None = None
    log: bool = False
    value: Any = None
    dtype: str = "float"

    @property
    def is_fixed(self) -> bool:
        """Whether the parameter takes a single value throughout the sweep."""
        return self.value is not None or (self.levels is not None and len(self.levels) == 1)

    def fixed_value(self) -> Any:
        """The single value of a fixed parameter."""
        return self.value if self.value is not None else self.levels[0]  # type: ignore[index]

    def to_dict(self) -> dict[str, Any]:
        """Return the canonical TOML-like representation."""
        out: dict[str, Any] = {}
        if self.levels is not None:
            out["levels"] = list(self.levels)
        if self.range is not None:
            out["range"] = list(self.range)
            if self.log:
                out["log"] = True
        if self.value is not None:
            out["value"] = self.value
        return out


@dataclass(frozen=True)
class SweepSpec:
    """A validated sweep specification (use :func:`parse_spec` or :func:`load_spec`)."""

    name: str
    outcomes: tuple[str, ...]
    parameters: tuple[ParameterSpec, ...] = ()
    description: str = ""
    region: str = "england"
    base_year: int = 2024
    years: int = 10
    design: str = "factorial"
    samples: int | None = None
    replicates: int = 1
    root_seed: int = 0
    keep_council_months: bool = False
    model: str = "sim.api:run"
    include_baseline: bool = True
    second_order: bool = False
    morris_levels: int = 4
    scenarios: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    policies: tuple[dict[str, Any], ...] = ()
    source: str = "<python>"

    @property
    def levers(self) -> tuple[str, ...]:
        """Parameters referenced from policies as ``"$name"`` (not passed in ``params``)."""
        found: set[str] = set()
        for pols in [list(self.policies), *self.scenarios.values()]:
            for pol in pols:
                found.update(_lever_refs(pol))
        return tuple(p.name for p in self.parameters if p.name in found)

    def scenario_policies(self) -> dict[str, list[dict[str, Any]]]:
        """Scenario name -> full policy list (common ``[[policies]]`` first), baseline first."""
        out: dict[str, list[dict[str, Any]]] = {}
        if self.include_baseline or not self.scenarios:
            out[BASELINE] = list(self.policies)
        for name, pols in self.scenarios.items():
            if name != BASELINE:
                out[name] = list(self.policies) + list(pols)
        return out

    def to_dict(self) -> dict[str, Any]:
        """Return the canonical dictionary form (what the manifest stores)."""
        sweep = {k: getattr(self, k) for k in SWEEP_DEFAULTS}
        sweep["outcomes"] = list(self.outcomes)
        return {
            "sweep": sweep,
            "parameters": {p.name: p.to_dict() for p in self.parameters},
            "scenarios": {k: {"policies": v} for k, v in self.scenarios.items()},
            "policies": list(self.policies),
        }

    def hash(self) -> str:
        """SHA-256 of everything that affects results (not the description or source)."""
        data = self.to_dict()
        data["sweep"].pop("description", None)
        data["parameters"] = [[k, v] for k, v in data["parameters"].items()]
        blob = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(blob.encode()).hexdigest()


def load_spec(path: str | Path) -> SweepSpec:
    """Read and validate a TOML sweep specification.

    Args:
        path: The ``.toml`` file.

    Returns:
        The validated specification.

    Raises:
        SweepSpecError: If the file is missing, not valid TOML, or invalid.
    """
    path = Path(path)
    try:
        raw = read_toml(path, "sweep spec")
    except SimInputError as exc:
        raise SweepSpecError(str(path), [str(exc).removeprefix(f"{path}: ")]) from None
    return parse_spec(raw, source=str(path))


def _suggest(key: str, valid: Iterable[str]) -> str:
    valid = list(valid)
    close = difflib.get_close_matches(key, valid, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"allowed: {', '.join(valid)}{hint}"


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v: Any) -> bool:
    return (_is_int(v) or isinstance(v, float)) and math.isfinite(v)


def _dtype(values: list[Any]) -> str | None:
    """Common column type of scalar values, or None if they cannot share one."""
    if all(isinstance(v, bool) for v in values):
        return "bool"
    if all(_is_int(v) for v in values):
        return "int"
    if all(_is_num(v) for v in values):
        return "float"
    if all(isinstance(v, str) for v in values):
        return "str"
    return None


def _lever_refs(obj: Any) -> set[str]:
    if isinstance(obj, str) and obj.startswith(LEVER_PREFIX):
        return {obj[len(LEVER_PREFIX) :]}
    if isinstance(obj, Mapping):
        return set().union(*(_lever_refs(v) for v in obj.values())) if obj else set()
    if isinstance(obj, list):
        return set().union(*(_lever_refs(v) for v in obj)) if obj else set()
    return set()


def _check_sweep(raw: Any, bad: list[str]) -> dict[str, Any]:
    s = dict(SWEEP_DEFAULTS)
    if not isinstance(raw, Mapping):
        bad.append("[sweep]: missing or not a table (required: name, outcomes)")
        return s
    for key, val in raw.items():
        if key not in SWEEP_DEFAULTS:
            bad.append(f"[sweep].{key}: unknown field ({_suggest(key, SWEEP_DEFAULTS)})")
        else:
            s[key] = val

    def need(key: str, ok: bool, allowed: str) -> None:
        if not ok:
            bad.append(f"[sweep].{key} = {s[key]!r}: {allowed}")

    need("name", isinstance(s["name"], str) and bool(PLAIN_NAME.match(s["name"])),
         "required, a plain name (letters, digits, '.', '_', '-'; at most 100; not starting with '.' or '-'): "
         "it names the results folder under --out, so never a path")
    need("description", isinstance(s["description"], str), "must be a string")
    need("region", isinstance(s["region"], str) and s["region"] != "", "must be a non-empty string")
    need("base_year", _is_int(s["base_year"]), "must be an integer year")
    need("years", _is_int(s["years"]) and 1 <= s["years"] <= YEARS.hi, f"must be a whole number from 1 to "
         f"{YEARS.hi:g} ({YEARS.reason})")
    need("design", s["design"] in DESIGNS, f"allowed: {', '.join(DESIGNS)}")
    need("replicates", _is_int(s["replicates"]) and REPLICATES.problem(s["replicates"], "") is None,
         f"must be {REPLICATES.allowed()}")
    need("root_seed", _is_int(s["root_seed"]) and SEED.problem(s["root_seed"], "") is None,
         f"must be {SEED.allowed()}")
    for key in ("keep_council_months", "include_baseline", "second_order"):
        need(key, isinstance(s[key], bool), "must be true or false")
    need(
        "morris_levels",
        _is_int(s["morris_levels"]) and s["morris_levels"] >= 2,
        "must be an integer >= 2 (an even number is recommended)",
    )
    mdl = s["model"]
    need(
        "model",
        isinstance(mdl, str) and mdl.count(":") == 1 and all(mdl.split(":")),
        "must be a dotted path 'package.module:function'",
    )
    outs = s["outcomes"]
    need(
        "outcomes",
        isinstance(outs, list)
        and len(outs) > 0
        and all(isinstance(o, str) and o for o in outs)
        and len(set(outs)) == len(outs),
        "required, a non-empty list of distinct outcome names",
    )
    if s["design"] in SAMPLED_DESIGNS:
        n = s["samples"]
        need("samples", _is_int(n) and SAMPLES.problem(n, "") is None,
             f"required for design {s['design']!r}: {SAMPLES.allowed()}")
        if s["design"] == "sobol" and _is_int(n) and n >= 1 and n & (n - 1):
            need("samples", False, "must be a power of 2 for a sobol (Saltelli) design")
    elif s["samples"] is not None and s["design"] in DESIGNS:
        need("samples", False, "only used by lhs/sobol/morris designs; remove it for factorial")
    if s["second_order"] is True and s["design"] != "sobol":
        need("second_order", False, "only meaningful for design = 'sobol'")
    return s


def _check_parameter(name: str, raw: Any, design: Any, bad: list[str]) -> ParameterSpec | None:
    where = f"[parameters.{name}]"
    if not isinstance(raw, Mapping):
        bad.append(f"{where}: must be a table with one of levels / range / value")
        return None
    n_bad = len(bad)
    for key in raw:
        if key not in PARAMETER_KEYS:
            bad.append(f"{where}.{key}: unknown field ({_suggest(key, PARAMETER_KEYS)})")
    given = [k for k in ("levels", "range", "value") if k in raw]
    if len(given) != 1:
        bad.append(
            f"{where}: give exactly one of levels = [..], range = [lo, hi] or value = x "
            f"(got {', '.join(given) or 'none'})"
        )
        return None
    log = raw.get("log", False)
    if not isinstance(log, bool):
        bad.append(f"{where}.log = {log!r}: must be true or false")
    if log and "range" not in raw:
        bad.append(f"{where}.log: only allowed together with range = [lo, hi]")
    sampled = design in SAMPLED_DESIGNS
    if "levels" in raw:
        lv = raw["levels"]
        if not isinstance(lv, list) or not lv:
            bad.append(f"{where}.levels = {lv!r}: must be a non-empty list of values")
            return None
        dtype = _dtype(lv)
        if dtype is None:
            bad.append(f"{where}.levels = {lv!r}: values must be all numbers, all strings or all booleans (finite)")
        if len({json.dumps(v) for v in lv}) != len(lv):
            bad.append(f"{where}.levels = {lv!r}: values must be distinct")
        if sampled and len(lv) > 1:
            bad.append(
                f"{where}.levels: design {design!r} samples continuous ranges; use "
                "range = [lo, hi] (or value = x / a single level to fix it)"
            )
        if dtype == "float":
            lv = [float(v) for v in lv]
        return None if len(bad) > n_bad else ParameterSpec(name, levels=tuple(lv), dtype=dtype or "float")
    if "value" in raw:
        v = raw["value"]
        dtype = _dtype([v])
        if dtype is None:
            bad.append(f"{where}.value = {v!r}: must be a finite number, string or boolean")
        return None if len(bad) > n_bad else ParameterSpec(name, value=v, dtype=dtype or "float")
    rg = raw["range"]
    if not (isinstance(rg, list) and len(rg) == 2 and all(_is_num(x) for x in rg)):
        bad.append(f"{where}.range = {rg!r}: must be two finite numbers [lo, hi]")
        return None
    lo, hi = float(rg[0]), float(rg[1])
    if lo >= hi:
        bad.append(f"{where}.range = {rg!r}: empty range; need lo < hi")
    if log is True and lo <= 0:
        bad.append(f"{where}.range = {rg!r}: log = true needs lo > 0")
    if design == "factorial":
        bad.append(
            f"{where}.range: a factorial design needs levels = [..], not a range "
            "(or use design = 'lhs' / 'sobol' / 'morris')"
        )
    return None if len(bad) > n_bad else ParameterSpec(name, range=(lo, hi), log=bool(log))


def _check_policy_list(where: str, raw: Any, bad: list[str]) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or not all(isinstance(p, Mapping) for p in raw):
        bad.append(f"{where} = {raw!r}: must be a list of policy tables")
        return []
    return [dict(p) for p in raw]


def parse_spec(raw: Mapping[str, Any], *, source: str = "<python>") -> SweepSpec:
    """Validate a specification given as a (TOML-shaped) mapping.

    Args:
        raw: Mapping with ``sweep``, ``parameters`` and optional ``scenarios`` /
            ``policies`` keys, as produced by :func:`tomllib.loads`.
        source: Where the mapping came from, used in error messages.

    Returns:
        The validated specification.

    Raises:
        SweepSpecError: Listing every problem found.
    """
    bad: list[str] = []
    if not isinstance(raw, Mapping):
        raise SweepSpecError(source, ["the specification must be a table/mapping"])
    for key in raw:
        if key not in TOP_LEVEL_KEYS:
            bad.append(f"[{key}]: unknown top-level key ({_suggest(key, TOP_LEVEL_KEYS)})")
    s = _check_sweep(raw.get("sweep"), bad)
    params_raw = raw.get("parameters", {})
    params: list[ParameterSpec] = []
    if not isinstance(params_raw, Mapping):
        bad.append("[parameters]: must be a table of [parameters.<name>] tables")
        params_raw = {}
    for name, praw in params_raw.items():
        p = _check_parameter(name, praw, s["design"], bad)
        if p is not None:
            params.append(p)
        outcomes = s["outcomes"] if isinstance(s["outcomes"], list) else []
        taken = set(RESERVED_COLUMNS) | set(outcomes)
        if name in taken:
            bad.append(
                f"[parameters.{name}]: name clashes with a result column "
                f"(reserved: {', '.join(RESERVED_COLUMNS)}, plus the outcomes)"
            )
    if s["design"] in SAMPLED_DESIGNS and not any(p.range for p in params):
        bad.append(f"[parameters]: design {s['design']!r} needs at least one parameter with range = [lo, hi]")
    common = _check_policy_list("[[policies]]", raw.get("policies", []), bad)
    scenarios: dict[str, list[dict[str, Any]]] = {}
    scen_raw = raw.get("scenarios", {})
    if not isinstance(scen_raw, Mapping):
        bad.append("[scenarios]: must be a table of [scenarios.<name>] tables")
        scen_raw = {}
    for name, sraw in scen_raw.items():
        where = f"[scenarios.{name}]"
        if isinstance(sraw, Mapping):
            for key in sraw:
                if key not in SCENARIO_KEYS:
                    bad.append(f"{where}.{key}: unknown field ({_suggest(key, SCENARIO_KEYS)})")
            pols = _check_policy_list(f"{where}.policies", sraw.get("policies", []), bad)
        else:
            pols = _check_policy_list(where, sraw, bad)
        if name == BASELINE and pols:
            bad.append(f"{where}: {BASELINE!r} is the baseline scenario and must have no policies")
        scenarios[name] = pols
    if s["include_baseline"] is False and not [n for n in scenarios if n != BASELINE]:
        bad.append("[sweep].include_baseline = false: needs at least one [scenarios.<name>]")
    names = set(params_raw)
    for pols in [common, *scenarios.values()]:
        for ref in sorted(set().union(*(_lever_refs(p) for p in pols)) if pols else set()):
            if ref not in names:
                bad.append(f"policy value '{LEVER_PREFIX}{ref}': no such parameter ({_suggest(ref, sorted(names))})")
    if not bad:
        from sim.sweep.checks import estimated_runs

        n_runs = estimated_runs(s, params, len(scenarios) + (1 if s["include_baseline"] or not scenarios else 0))
        if n_runs > SWEEP_RUNS.hi:
            bad.append(f"the design has about {n_runs:,} runs (points x replicates x scenarios); allowed at most "
                       f"{SWEEP_RUNS.hi:,g} ({SWEEP_RUNS.reason})")
    if bad:
        raise SweepSpecError(source, bad)
    return SweepSpec(
        name=s["name"],
        description=s["description"],
        outcomes=tuple(s["outcomes"]),
        parameters=tuple(params),
        region=s["region"],
        base_year=s["base_year"],
        years=s["years"],
        design=s["design"],
        samples=s["samples"],
        replicates=s["replicates"],
        root_seed=s["root_seed"],
        keep_council_months=s["keep_council_months"],
        model=s["model"],
        include_baseline=s["include_baseline"],
        second_order=s["second_order"],
        morris_levels=s["morris_levels"],
        scenarios=scenarios,
        policies=tuple(common),
        source=source,
    )


def validate_parameter_names(names: Iterable[str], allowed: Iterable[str], *, source: str = "<spec>") -> None:
    """Check parameter names against the model's known names before running.

    Args:
        names: Parameter names used by a sweep (e.g. ``[p.name for p in spec.parameters]``).
        allowed: Names the model accepts.
        source: Label for error messages (usually the spec file).

    Raises:
        SweepSpecError: If any name is unknown; each message names the parameter and up to
            three close matches (or, when nothing is close, the allowed names if few).
    """
    allowed = sorted(set(allowed))
    bad = []
    for n in names:
        if n in allowed:
            continue
        close = difflib.get_close_matches(n, allowed, n=3, cutoff=0.6)
        if close:
            hint = "did you mean " + " or ".join(repr(c) for c in close) + "?"
        elif len(allowed) <= 12:
            hint = f"allowed: {', '.join(allowed)}"
        else:
            hint = f"no close match among the model's {len(allowed)} parameters (see `sim params`)"
        bad.append(f"[parameters.{n}]: unknown model parameter; {hint}")
    if bad:
        raise SweepSpecError(source, bad)
