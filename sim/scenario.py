"""Scenario files: a base run and a list of dated policies, written as data (TOML), never executed.

An example (``experiments/scenarios/bexley_pays_more.toml``)::

    name = "Bexley pays more"
    focus = "Bexley"                  # the council the report is about (optional)

    [base]
    region = "bexley_cluster"
    base_year = 2024
    years = 5
    [base.params]                     # parameter overrides (see `sim params`)
    search_rate_per_month = 0.012
    [base.pay_gbp]                    # qualified pay of named councils, pounds a year
    Greenwich = 50000

    [[policies]]
    kind = "pay_uplift"
    councils = ["Bexley"]
    gbp = 3000
    start = "2024-10"
    end = "2027-10"                   # optional

Every problem in a file (unknown fields, councils, kinds, dates outside the run, bad values) is
reported at once, naming the file and the field. ``Scenario.from_toml(path)``, then
``scenario.build_model(seed)`` or ``scenario.run(seed)``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .data import CENSUS_YEARS
from .errors import SimInputError, read_toml
from .limits import YEARS, check_pay_table
from .model import WorkforceModel
from .policies.base import Policy
from .policies.registry import policy_from_dict

TOP_FIELDS = ("name", "description", "focus", "base", "policies")
BASE_FIELDS = ("region", "base_year", "years", "params", "pay_gbp")
MAX_YEARS = YEARS.hi


@dataclass
class Scenario:
    """A base run (region, base year, length, parameter and pay overrides) and dated policies.

    Attributes:
        name: a short title.
        description: what the scenario is about, for reports.
        focus: the council a comparison reports on first (default: the first council a policy names).
        region, base_year, years: the run.
        params: parameter overrides by name.
        pay_gbp: qualified pay by council name, pounds a year.
        policies: the policies as plain dicts (``kind``, ``councils``, values, ``start``, ``end``).
        source: the file it came from (for messages).
    """

    name: str = "scenario"
    description: str = ""
    focus: str | None = None
    region: str = "england"
    base_year: int = CENSUS_YEARS[-1]
    years: float = 5
    params: dict[str, float] = field(default_factory=dict)
    pay_gbp: dict[str, float] = field(default_factory=dict)
    policies: list[dict[str, Any]] = field(default_factory=list)
    source: str = "<scenario>"

    # ---- reading ----------------------------------------------------------------------------
    @classmethod
    def from_toml(cls, path: str | Path) -> Scenario:
        """Read and validate a scenario file (raises :class:`SimInputError` naming file and field)."""
        path = Path(path)
        data = read_toml(path, "scenario file")
        return cls.from_dict(data, source=str(path))

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "<scenario>") -> Scenario:
        """Build and validate a scenario from the structure of a scenario file."""
        if not isinstance(data, dict):
            raise SimInputError(f"{source}: a scenario is a table (name, base, policies), not {type(data).__name__}")
        problems: list[str] = []
        _unknown_fields(data, TOP_FIELDS, "", problems)
        base = data.get("base", {})
        if not isinstance(base, dict):
            problems.append("[base] must be a table")
            base = {}
        _unknown_fields(base, BASE_FIELDS, "base.", problems)
        policies = data.get("policies", [])
        if not isinstance(policies, list) or not all(isinstance(p, dict) for p in policies):
            problems.append("policies must be a list of [[policies]] tables")
            policies = []
        for key in ("params", "pay_gbp"):
            if not isinstance(base.get(key, {}), dict):
                problems.append(f"base.{key} must be a table ([base.{key}])")
        if problems:
            raise SimInputError(f"{source}: " + "; ".join(problems))
        scenario = cls(
            name=str(data.get("name", Path(source).stem)), description=str(data.get("description", "")),
            focus=data.get("focus"), region=str(base.get("region", "england")),
            base_year=base.get("base_year", CENSUS_YEARS[-1]), years=base.get("years", 5),
            params=dict(base.get("params", {})), pay_gbp=dict(base.get("pay_gbp", {})),
            policies=[dict(p) for p in policies], source=source)
        scenario.validate()
        return scenario

    # ---- checking ---------------------------------------------------------------------------
    @property
    def months(self) -> int:
        return int(round(float(self.years) * 12))

    def validate(self) -> None:
        """Check the base and every policy against a model of the region; report all problems at once."""
        src = self.source
        base = []  # every problem of the base, then the policies' values, reported together
        if self.base_year not in CENSUS_YEARS:
            base.append(f"base.base_year = {self.base_year!r}: allowed {CENSUS_YEARS[0]} to {CENSUS_YEARS[-1]}")
        checks = (lambda: YEARS.check(self.years, "base.years"), lambda: check_pay_table(self.pay_gbp, "base.pay_gbp"))
        for check in checks:
            try:
                check()
            except SimInputError as exc:
                base.append(str(exc))
        if not base:
            try:
                model = self._model(0, policies=())
            except SimInputError as exc:
                base.append(f"base: {str(exc).replace('--region: ', 'base.region: ')}")
        if base:
            for i, spec in enumerate(self.policies):
                try:
                    policy_from_dict(spec, where=f"policies[{i}]")
                except SimInputError as exc:
                    base.append(str(exc) if str(exc).startswith("policies[") else f"policies[{i}]: {exc}")
            raise SimInputError(f"{src}: " + "; ".join(base))
        problems = []
        if self.focus is not None:
            try:
                model.council_index(str(self.focus), where="focus")
            except SimInputError as exc:
                problems.append(str(exc))
        first, last = model.date(1), model.date(self.months)
        for i, spec in enumerate(self.policies):
            where = f"policies[{i}]"
            try:
                policy = policy_from_dict(spec, where=where)
                for key in ("start", "end"):
                    value = getattr(policy, key)
                    if value is None:
                        continue
                    tick = model.tick_of(value, f"{where} field {key!r}")
                    if not 1 <= tick <= self.months:
                        raise SimInputError(f"{where} ({policy.kind}) field {key!r} = {value!r} is outside the "
                                            f"run: allowed {first} to {last}")
                model.add_policy(policy)
            except SimInputError as exc:
                msg = str(exc)
                problems.append(msg if msg.startswith(where) else f"{where}: {msg}")
        if problems:
            raise SimInputError(f"{src}: " + "; ".join(problems))

    # ---- running ----------------------------------------------------------------------------
    def build_policies(self) -> list[Policy]:
        """Fresh policy objects (policies keep state, so each model needs its own)."""
        return [policy_from_dict(copy.deepcopy(p), where=f"{self.source}: policies[{i}]")
                for i, p in enumerate(self.policies)]

    def _model(self, seed: int, policies: Any, validate: bool = False) -> WorkforceModel:
        return WorkforceModel(region=self.region, base_year=int(self.base_year), seed=seed, params=self.params,
                              policies=policies, pay_gbp=self.pay_gbp, validate=validate, months=self.months)

    def build_model(self, seed: int = 0, validate: bool = False) -> WorkforceModel:
        """A model of the base with this scenario's policies attached, ready to run."""
        return self._model(seed, self.build_policies(), validate)

    def run(self, seed: int = 0, validate: bool = False) -> WorkforceModel:
        """Build and run the whole scenario; returns the model (tables in ``.results``)."""
        return self.build_model(seed, validate).run(months=self.months)

    def baseline(self) -> Scenario:
        """The same base with no policies."""
        return replace(self, name="baseline (no policies)", policies=[])

    @property
    def first_policy_tick(self) -> int:
        """The first month any policy acts (1 if none names a start, or there are none)."""
        ticks = [(int(p["start"][:4]) - self.base_year) * 12 + int(p["start"][5:7]) - 9
                 for p in self.policies if p.get("start")]
        return min(ticks) if ticks and len(ticks) == len(self.policies) else 1

    def focus_council(self) -> str | None:
        """The council a report is about: ``focus``, else the first council a policy names."""
        if self.focus:
            return str(self.focus)
        for p in self.policies:
            names = p.get("councils") or []
            names = [names] if isinstance(names, str) else names
            if names:
                return str(names[0])
        return None


def _unknown_fields(table: dict[str, Any], allowed: tuple[str, ...], prefix: str, problems: list[str]) -> None:
    bad = [k for k in table if k not in allowed]
    if bad:
        problems.append(f"unknown field(s) {', '.join(repr(prefix + k) for k in bad)}; allowed: "
                        f"{', '.join(prefix + a for a in allowed)}")


def load(path_or_scenario: str | Path | Scenario) -> Scenario:
    """A scenario from a file path, or the scenario itself."""
    if isinstance(path_or_scenario, Scenario):
        return path_or_scenario
    return Scenario.from_toml(path_or_scenario)
