"""Hypothesis strategies for the inputs a user can give, and a small TOML writer for them.

The values mix good ones with the classic bad ones (NaN, infinities, huge, negative, zero, wrong
types), so that each generated file or argument list is sometimes valid and often not.
"""

from __future__ import annotations

import math
from typing import Any

from hypothesis import strategies as st

from sim.params import SPECS
from sim.policies.registry import POLICY_TYPES, policy_fields

EDGE_NUMBERS = [0, 1, -1, 0.5, 2, 12, 100, 1e3, 3000, 1e12, 1e15, -1e12, 10**20, 1e-9, math.nan, math.inf, -math.inf]
numbers = st.one_of(st.sampled_from(EDGE_NUMBERS), st.floats(allow_nan=True, allow_infinity=True),
                    st.integers(min_value=-(10**12), max_value=10**12))
good_numbers = st.sampled_from([0, 0.25, 0.5, 1, 2, 5, 12, 1000, 3000])
mixed = st.one_of(good_numbers, good_numbers, numbers)  # two good values for each bad one
scalars = st.one_of(numbers, st.booleans(), st.text(max_size=6), st.sampled_from(["5", "nan", "", "Bexley"]))
values = st.one_of(scalars, st.lists(scalars, max_size=3))
COUNCILS = ["Bexley", "Greenwich", "Bromley", "Bexly", "Leeds"]
DATES = ["2024-10", "2025-01", "2025-06", "2030-01", "2024-01", "2025-13", "x", 202501]
PARAM_NAMES = [*list(SPECS)[:12], "reach_hops", "career_months", "b_pya", "search_rate"]


def policy(kinds: list[str] | None = None) -> st.SearchStrategy[dict[str, Any]]:
    """A policy table: a known (or misspelt) kind with some of its fields, some values bad."""
    kinds = kinds or [*POLICY_TYPES, "golden_hallo"]

    def fields(kind: str) -> st.SearchStrategy[dict[str, Any]]:
        names = policy_fields(kind) if kind in POLICY_TYPES else ["gbp"]
        optional = {n: st.one_of(mixed, mixed, values) for n in names if n not in ("councils", "start", "end")}
        councils = st.lists(st.sampled_from(COUNCILS), min_size=1, max_size=2, unique=True)
        optional.update(councils=st.one_of(councils, councils, scalars), start=st.sampled_from(DATES),
                        end=st.sampled_from(DATES))
        if kind == "golden_hello":
            optional["amount"] = scalars
        return st.fixed_dictionaries({"kind": st.just(kind)}, optional=optional)

    return st.sampled_from(kinds).flatmap(fields)


years = st.sampled_from([1 / 12, 0.25, 0.5, 1] * 4 + [0, 0.01, -1, 101, 1e9, math.nan, math.inf, "5", True])


def _in_range(name: str) -> st.SearchStrategy[Any]:
    spec = SPECS.get(name)
    if spec is None:
        return numbers
    if name in ("reach_hops", "career_months", "agency_min_pq_months", "agency_cooldown_months"):
        return st.integers(int(spec.lo), int(spec.hi))
    return st.floats(spec.lo, spec.hi)


param_tables = st.lists(st.sampled_from(PARAM_NAMES), max_size=3, unique=True).flatmap(
    lambda names: st.fixed_dictionaries({n: st.one_of(_in_range(n), _in_range(n), _in_range(n), numbers)
                                         for n in names}))
scenarios = st.fixed_dictionaries(
    {"base": st.fixed_dictionaries(
        {"region": st.sampled_from(["bexley_cluster"] * 4 + ["narnia"]), "years": years},
        optional={"base_year": st.sampled_from([2024] * 6 + [2023, 2031, "x"]), "params": param_tables,
                  "pay_gbp": st.dictionaries(st.sampled_from(COUNCILS), numbers, max_size=2)}),
     "policies": st.lists(policy(), max_size=2)},
    optional={"name": st.text(max_size=8), "focus": st.sampled_from(COUNCILS)})

NAMES = ["ok", "ok", "ok", "ok-2.b", "../escape", "/tmp/abs", "", ".hidden", "a/b", "-x", "x" * 120]
MODELS = ["sim.api:run", "probe_import_marker:run", "os:system", "sim.api.run"]
sweep_parameter = st.one_of(
    st.fixed_dictionaries({"levels": st.lists(numbers, min_size=1, max_size=3)}),
    st.fixed_dictionaries({"range": st.lists(numbers, min_size=2, max_size=2)}, optional={"log": st.booleans()}),
    st.fixed_dictionaries({"value": numbers}))
sweeps = st.fixed_dictionaries(
    {"sweep": st.fixed_dictionaries(
        {"name": st.sampled_from(NAMES), "region": st.just("bexley_cluster"),
         "outcomes": st.sampled_from([["turnover_pct"], ["turnover_pct"], [], ["turnover_pct", "caseload"]])},
        optional={"years": st.sampled_from([1, 1, 1, 1, 0, 101, 10000, 2.5, math.nan]),
                  "design": st.sampled_from(["factorial", "lhs", "sobol", "morris", "grid"]),
                  "samples": st.sampled_from([2, 4, 0, 10**9, 3]),
                  "replicates": st.sampled_from([1, 1, 2, 2, 0, -1, 10**9, 10**5 + 1]),
                  "root_seed": st.sampled_from([0, 7, -1, 2**70]), "model": st.sampled_from(MODELS[:1] * 4 + MODELS),
                  "base_year": st.sampled_from([2024, 2031])}),
     "parameters": st.dictionaries(st.sampled_from(["b_pay", "b_pya", "reach_hops", "bexley_pay_uplift_pct", "lev"]),
                                   sweep_parameter, max_size=2)},
    optional={"scenarios": st.dictionaries(st.sampled_from(["up", "none"]), st.fixed_dictionaries(
        {"policies": st.lists(policy(["pay_uplift", "golden_hello"]), max_size=2)}), max_size=2)})


# ---- TOML -----------------------------------------------------------------------------------------
def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) else repr(v)
    if isinstance(v, str):
        return '"' + "".join(c if " " <= c <= "~" and c not in '"\\' else f"\\u{ord(c):04x}" if ord(c) < 0x10000
                             else f"\\U{ord(c):08x}" for c in v) + '"'
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_key(k)} = {_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(type(v))


def _key(k: str) -> str:
    return k if k and all(c.isalnum() or c in "_-" for c in k) else _value(k)


def to_toml(data: dict[str, Any], prefix: str = "") -> str:
    """TOML text of ``data`` (tables as [sections], lists of tables as [[arrays]])."""
    lines, tables = [], []
    for k, v in data.items():
        if isinstance(v, dict) and v and all(isinstance(x, dict) for x in v.values()) and prefix == "":
            tables.append((k, v, "nested"))
        elif isinstance(v, dict):
            tables.append((k, v, "table"))
        elif isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
            tables.append((k, v, "array"))
        else:
            lines.append(f"{_key(k)} = {_value(v)}")
    for k, v, how in tables:
        name = f"{prefix}{_key(k)}"
        if how == "array":
            for item in v:
                lines += ["", f"[[{name}]]", *[f"{_key(a)} = {_value(b)}" for a, b in item.items()]]
        elif how == "nested":
            for sub, table in v.items():
                lines += ["", f"[{name}.{_key(sub)}]", to_toml(table, f"{name}.{_key(sub)}.")]
        else:
            lines += ["", f"[{name}]", to_toml(v, f"{name}.")]
    return "\n".join(lines) + "\n"


# A sweep that is valid apart from what a test changes (here: mostly its model and replicates).
plain_sweeps = st.fixed_dictionaries({
    "sweep": st.fixed_dictionaries({"name": st.just("ok"), "region": st.just("bexley_cluster"), "years": st.just(1),
                                    "outcomes": st.just(["turnover_pct"]),
                                    "replicates": st.sampled_from([1, 2, 3])}),
    "parameters": st.just({"b_pay": {"levels": [4.0]}})})
