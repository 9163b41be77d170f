"""The model behind the browser view: a policy arm and its baseline, stepped together.

:class:`AppModel` is the run the page shows. It is a :class:`~sim.model.WorkforceModel` (the
*policy arm*: the page's levers, or a scenario file's policies) that owns a second model, the
*baseline*: the same region, seed, parameters and pay, with no policies. Both are stepped by
:meth:`AppModel.step`, so with common random numbers the difference between them is the policy's
effect, and it is exactly zero before the first policy starts.

The page's controls reach the constructor as flat keywords, or as one ``controls`` mapping (what
Mesa's Reset passes; see :mod:`sim.app`). Behavioural parameters are the names in
:data:`BEHAVIOUR` that exist in :data:`sim.params.SPECS`; a value equal to the parameter's default
is not passed as an override, so a page left alone builds exactly the calibrated model.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .data import CENSUS_YEARS
from .errors import SimInputError
from .model import WorkforceModel
from .params import SPECS
from .policies import AgencyCap, GoldenHello, PayUplift, RetentionPayment
from .scenario import Scenario

# The behavioural parameters the page offers, with their labels. Names missing from SPECS are skipped,
# so the list survives a recalibration that drops or renames a parameter.
BEHAVIOUR_LABELS: dict[str, str] = {
    "b_pay": "Weight on pay",
    "b_ofsted": "Weight on Ofsted reputation",
    "b_caseload_per_case": "Weight on caseload, per case",
    "search_rate_per_month": "Job search rate per month",
    "switching_cost": "Cost of switching employer",
}


def behaviour_names(labels: Mapping[str, str] = BEHAVIOUR_LABELS, specs: Mapping[str, Any] = SPECS) -> tuple[str, ...]:
    """The names of ``labels`` that the model has (in ``specs``), in order."""
    return tuple(name for name in labels if name in specs)


BEHAVIOUR: tuple[str, ...] = behaviour_names()

DEFAULT_COUNCIL = "Bexley"
SCENARIO_DIR = Path(__file__).resolve().parents[1] / "experiments" / "scenarios"
NO_SCENARIO = "(none: the levers below)"
LEVERS = ("pay_uplift_pct", "golden_hello_gbp", "retention_gbp", "agency_cap_pct")
NEUTRAL = {"pay_uplift_pct": 0.0, "golden_hello_gbp": 0.0, "retention_gbp": 0.0, "agency_cap_pct": 100.0}


def parse_seed(seed: Any) -> int:
    """The seed box sends text. Whole numbers are used as they are (negative ones as their absolute
    value); blank text means 0; any other text is hashed (CRC-32), so the same text gives the same run."""
    if isinstance(seed, bool):
        return int(seed)
    if isinstance(seed, int):
        return abs(seed)
    text = "" if seed is None else str(seed).strip()
    if not text:
        return 0
    try:
        return abs(int(text))
    except ValueError:
        return zlib.crc32(text.encode())


def scenario_names(folder: Path = SCENARIO_DIR) -> list[str]:
    """The scenario files the page offers (file names without ``.toml``), sorted."""
    return sorted(p.stem for p in folder.glob("*.toml")) if folder.is_dir() else []


def load_scenario(name: str | Path) -> Scenario:
    """A scenario by name (``bexley_pays_more``) from ``experiments/scenarios``, or by path."""
    path = Path(name)
    if not path.suffix:
        path = SCENARIO_DIR / f"{name}.toml"
    return Scenario.from_toml(path)


def lever_policies(council: str, pay_uplift_pct: float = 0.0, golden_hello_gbp: float = 0.0,
                   retention_gbp: float = 0.0, agency_cap_pct: float = 100.0, start: str | None = None) -> list:
    """The policies the page's levers ask for at one council, from ``start`` ("YYYY-MM"; default
    the first month of the run). A lever at its neutral value (0, or 100 % for the agency cap) adds none."""
    out: list = []
    if pay_uplift_pct:
        out.append(PayUplift(councils=[council], pct=float(pay_uplift_pct), start=start))
    if golden_hello_gbp:
        out.append(GoldenHello(councils=[council], gbp=float(golden_hello_gbp), start=start))
    if retention_gbp:
        out.append(RetentionPayment(councils=[council], gbp=float(retention_gbp), start=start))
    if agency_cap_pct is not None and float(agency_cap_pct) < 100:
        out.append(AgencyCap(councils=[council], max_share=max(0.0, float(agency_cap_pct)) / 100, start=start))
    return out


def behaviour_overrides(behaviour: Mapping[str, float] | None) -> dict[str, float]:
    """The behavioural values that differ from their defaults (names not in SPECS are dropped)."""
    out = {}
    for name, value in (behaviour or {}).items():
        if name in SPECS and value is not None and float(value) != SPECS[name].default:
            out[name] = float(value)
    return out


class AppModel(WorkforceModel):
    """The policy arm of the page's run; ``self.baseline`` is the same run without policies.

    Args:
        region: a region name (``sim regions``); a scenario's own region wins.
        seed: the run's seed, as text or a number (see :func:`parse_seed`).
        council: the council the levers act on and the page shows (name or code). If it is not
            simulated in the region, the levers are ignored, the scenario's focus (or the region's
            first council) is shown, and ``notes`` says so.
        pay_uplift_pct: a :class:`~sim.policies.PayUplift` of this many % at ``council``.
        golden_hello_gbp: a :class:`~sim.policies.GoldenHello` of this many pounds per starter.
        retention_gbp: a :class:`~sim.policies.RetentionPayment` of this many pounds a year.
        agency_cap_pct: an :class:`~sim.policies.AgencyCap` at this share of the workforce (100 = none).
        lever_start: the month of the run (1 = October of the base year) the levers start.
        scenario_file: a scenario name from ``experiments/scenarios`` or a path ("" or
            :data:`NO_SCENARIO` for none); its policies join the levers in the policy arm. (Not
            ``scenario``: Mesa 3.5 gives that name to its own scenarios.)
        behaviour: behavioural parameter values by name; defaults are the model's (calibrated).
        base_year: census year the run starts from (a scenario's own base year wins).
        controls: the same settings as one mapping (or anything with a ``value`` mapping, such as a
            ``solara.Reactive``); its keys override the keywords. Mesa's Reset passes this.
    """

    def __init__(self, region: str = "england", seed: Any = "0", council: str = DEFAULT_COUNCIL,
                 pay_uplift_pct: float = 0.0, golden_hello_gbp: float = 0.0, retention_gbp: float = 0.0,
                 agency_cap_pct: float = 100.0, lever_start: int = 1, scenario_file: str = "",
                 behaviour: Mapping[str, float] | None = None, base_year: int = CENSUS_YEARS[-1],
                 controls: Any = None) -> None:
        given = dict(getattr(controls, "value", controls) or {})
        c = {"region": region, "seed": seed, "council": council, "pay_uplift_pct": pay_uplift_pct,
             "golden_hello_gbp": golden_hello_gbp, "retention_gbp": retention_gbp,
             "agency_cap_pct": agency_cap_pct, "lever_start": lever_start, "scenario_file": scenario_file,
             "behaviour": dict(behaviour or {}), "base_year": base_year, **given}
        self.controls = dict(c)  # what was asked for (a scenario's region and base year win below)
        self.notes: list[str] = []
        self.scenario_file: Scenario | None = None
        params, pay_gbp, policies = behaviour_overrides(c["behaviour"]), {}, []
        if c["scenario_file"] and c["scenario_file"] != NO_SCENARIO:
            self.scenario_file = load_scenario(c["scenario_file"])
            c["region"], c["base_year"] = self.scenario_file.region, int(self.scenario_file.base_year)
            params = {**self.scenario_file.params, **params}
            pay_gbp = dict(self.scenario_file.pay_gbp)
            policies = self.scenario_file.build_policies()
        self.param_overrides = params
        super().__init__(region=c["region"], base_year=int(c["base_year"]), seed=parse_seed(c["seed"]),
                         params=params, pay_gbp=pay_gbp, policies=policies, months=None)  # Play goes on
        self.baseline = WorkforceModel(region=c["region"], base_year=int(c["base_year"]), seed=self.seed,
                                       params=params, pay_gbp=pay_gbp, months=None)
        text = str(c["seed"]).strip()
        if text and not text.lstrip("-").isdigit():
            self.notes.append(f"seed {text!r} is not a whole number; using {self.seed}")
        self.lever_start = max(1, int(c["lever_start"]))
        self.focus = self._pick_focus(str(c["council"]))
        if self.focus is None:
            self.focus = self._scenario_focus()
            return
        levers = lever_policies(self.council_agents[self.focus].name, *(c[k] for k in LEVERS),
                                start=self.date(self.lever_start))
        for policy in levers:
            self.add_policy(policy)

    def _pick_focus(self, council: str) -> int | None:
        if self.scenario_file is not None and self.scenario_file.focus_council() and not any(
                self.controls[k] != NEUTRAL[k] for k in LEVERS):
            council = self.scenario_file.focus_council()  # a scenario alone: show the council it is about
        try:
            return self.council_index(council)
        except SimInputError:
            if any(self.controls[k] != NEUTRAL[k] for k in LEVERS):
                self.notes.append(f"{council} is not simulated in {self.region.name}: its levers are ignored. "
                                  "Pick a council of this region and press Reset.")
            return None

    def _scenario_focus(self) -> int:
        name = self.scenario_file.focus_council() if self.scenario_file is not None else None
        try:
            return self.council_index(name) if name else 0
        except SimInputError:
            return 0

    def step(self) -> None:
        """One month of both arms."""
        super().step()
        self.baseline.step()

    @property
    def focus_name(self) -> str:
        return self.council_agents[self.focus].name

    @property
    def first_policy_tick(self) -> int | None:
        """The first month any policy of the policy arm acts (None without policies)."""
        ticks = [p.start_tick for p in self.policies]
        return min(ticks) if ticks else None

    def lever_summary(self) -> str:
        """The policies of the policy arm, in words, with their start months."""
        parts = []
        for p in self.policies:
            where = ", ".join(p.councils) if p.councils else "every council"
            parts.append(f"{p.kind.replace('_', ' ')} {_policy_amount(p)} at {where} from {self.date(p.start_tick)}")
        return "; ".join(parts) or "no policy (both arms are the same run)"

    def fingerprint(self) -> str:
        """A short hash of everything that makes the run: region, base year, seed, every parameter,
        pay, policies, and both arms' recorded months so far. Equal fingerprints mean the same run."""
        h = zlib.crc32(repr((self.region.name, self.base_year, self.seed, sorted(self.p.to_dict().items()),
                             [(type(p).__name__, vars(p).get("councils"), p.start_tick) for p in self.policies])
                            ).encode())
        for arm in (self, self.baseline):
            r = arm.recorder.rows
            h = zlib.crc32(arm.councils.pay_gbp.tobytes(), h)
            for name in sorted(arm.recorder.stock):
                h = zlib.crc32(np.ascontiguousarray(arm.recorder.stock[name][:r]).tobytes(), h)
        return f"{h:08x}"


def _policy_amount(p: Any) -> str:
    if isinstance(p, PayUplift):
        return " and ".join(([f"{p.pct:+g}%"] if p.pct else []) + ([f"{p.gbp:+,.0f} GBP"] if p.gbp else []))
    if isinstance(p, AgencyCap):
        return f"{100 * p.max_share:g}% of workforce"
    if hasattr(p, "gbp"):
        return f"£{p.gbp:,.0f}"
    return ""
