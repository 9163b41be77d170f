"""The model's parameters: one strict, documented set.

Each parameter has a unit in its name, a default, bounds and a source ("assumption" where no source
exists yet; the calibration issue replaces those). Unknown names raise with the valid ones listed;
every out-of-range value is reported at once.

Override from Python (``WorkforceModel(params={"b_pay": 5.0})``) or from a TOML file whose top-level
keys (or a ``[params]`` table) are parameter names::

    b_pay = 5.0
    search_rate_per_month = 0.03
"""

from __future__ import annotations

import math
import os
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .errors import SimInputError, close_matches, read_toml


@dataclass(frozen=True)
class Spec:
    """The documentation and bounds of one parameter."""

    default: float
    lo: float
    hi: float
    doc: str
    source: str


CASELOAD_SOURCE = ("census 2017-2024: within a council, log turnover rises 0.0065 (se 0.0067) per case "
                   "in the same year and 0.0086 (se 0.0067) the next (council and year effects); "
                   "experiments/validation/census_moments.py")

# name: Spec(default, lower bound, upper bound, meaning, source)
SPECS: dict[str, Spec] = {
    # --- pay and cost -------------------------------------------------------------------------
    "pay_2017_gbp": Spec(35444, 10000, 200000, "national mean top-of-scale pay of a qualified "
                         "children's social worker in 2017-18", "DfE/LGA pay survey 2017-18 (MODEL.md s8)"),
    "pay_award_pct_per_year": Spec(3.0, -5, 20, "national pay award a year, used to lift 2017 pay to "
                                   "the base year (gives about GBP 43.6k for 2024)", "assumption (MODEL.md s8)"),
    "nq_pay_discount_gbp": Spec(6000, 0, 30000, "newly qualified pay below qualified pay",
                                "MODEL.md s8: GBP 5-7k less"),
    "oncost_multiplier": Spec(1.3, 1.0, 2.0, "employer cost of a permanent post per GBP of pay "
                              "(national insurance, pension)", "assumption"),
    "agency_cost_multiplier": Spec(1.4, 1.0, 3.0, "council cost of an agency FTE per GBP of a permanent "
                                   "post's cost", "council report 2025: GBP 1,800 vs 1,280 a week"),
    "agency_pay_premium": Spec(1.25, 1.0, 3.0, "agency worker's pay relative to a permanent post's pay",
                               "assumption (agency rates GBP 30-40/h)"),
    # --- the decision rule ------------------------------------------------------------------
    "b_pay": Spec(4.0, 0, 50, "utility per unit of log pay (incentives included)",
                  "assumption; elasticity prior 1.5-2 (MODEL.md s8)"),
    "b_caseload_per_case": Spec(0.02, 0, 5, "utility lost per case above the national mean (in the choice of "
                                "employer)", CASELOAD_SOURCE + "; with moves about 40% of leavers, a weight "
                                "above about 0.03 would exceed it"),
    "b_ofsted": Spec(1.0, 0, 20, "utility per unit of reputation (0 Inadequate .. 1 Outstanding)",
                     "assumption"),
    "b_commute_per_km": Spec(0.02, 0, 1, "utility lost per km of commute (from the worker's home point to the "
                             "nearest office of the council: sim.geography)", "assumption"),
    "tidal_crossing_km": Spec(20.0, 0, 200, "km added to a commute between two councils that meet only "
                              "mid-river or mid-estuary (bridge, tunnel or ferry: detour and toll)", "assumption"),
    "switching_cost": Spec(1.5, 0, 20, "utility cost of changing employer", "assumption"),
    "agency_constant": Spec(-1.35, -20, 20, "utility of agency work beyond its pay (insecurity, "
                            "flexibility)", "assumption"),
    "forfeit_horizon_months": Spec(12, 1, 60, "a pending retention payment weighs fully when due now "
                                   "and not at all this many months ahead", "assumption"),
    # --- search -------------------------------------------------------------------------------
    "search_rate_per_month": Spec(0.012, 0, 1, "share of permanent workers searching in a month",
                                  "assumption"),
    "search_overload_per_case": Spec(0.008, 0, 2, "log-increase in search per case above tolerable",
                                     CASELOAD_SOURCE),
    "search_early_career_multiplier": Spec(1.6, 1, 10, "search multiplier 18 to 36 months after "
                                           "qualifying (Bexley loses newly qualified staff after two "
                                           "years)", "assumption"),
    "offer_per_vacancy_rate": Spec(3.0, 0, 100, "chance of hearing of a post at a council in reach per "
                                   "unit of its vacancy rate (capped at 1)", "assumption"),
    "reach_hops": Spec(1, 1, 2, "graph distance a worker searches (1 = home and neighbours)", "MODEL.md s2"),
    "caseload_max": Spec(35.0, 10, 200, "most cases per case-holder; cases beyond are held unallocated "
                         "(census 2017-2024: at most 32.7 in any council)", "census; assumption"),
    "caseload_tolerable": Spec(18.0, 1, 100, "cases per case-holder above which search and exit rise",
                               "assumption"),
    # --- exits from the profession ----------------------------------------------------------
    "exit_nq_per_month": Spec(0.0095, 0, 0.5, "monthly exit hazard in the first two years after "
                              "qualifying", "assumption (under-30s leave most: MODEL.md s8)"),
    "exit_mid_per_month": Spec(0.0062, 0, 0.5, "monthly exit hazard, 2 to 25 years qualified",
                               "assumption"),
    "exit_late_per_month": Spec(0.0085, 0, 0.5, "monthly exit hazard after 25 years qualified",
                                "assumption"),
    "career_months": Spec(480, 120, 720, "months after qualifying at which a worker retires",
                          "assumption"),
    "exit_overload_per_case": Spec(0.008, 0, 2, "log-increase in exit hazard per case above tolerable",
                                   CASELOAD_SOURCE),
    "exit_pay_elasticity": Spec(1.4, 0, 10, "elasticity of the hazard of leaving the profession to the "
                                "council's pay (with incentives) relative to its base-year pay",
                                "external: pinned with b_pay to published separation elasticities "
                                "(docs/ODD.md; experiments/validation/pay_elasticities.py)"),
    "exit_inadequate_multiplier": Spec(1.0, 1, 10, "exit hazard multiplier in an Inadequate council",
                                       "census event study: turnover +0.7 points (se 1.3) in the years "
                                       "after a judgement of Inadequate, so none (docs/ofsted_process.md)"),
    # --- council identity (sim/identity.py) ----------------------------------------------
    "council_identity": Spec(1.0, 0, 1, "weight on each council's own census history in its propensities "
                             "to leave, hire and use agency cover (0 = councils differ only by the model's "
                             "structural terms)", "census: empirical Bayes on years up to the base year"),
    "council_forecast_error": Spec(0.0, 0, 1, "scale of a draw of each council's forecast error in its "
                                   "first-year identity (0: the point forecast; 1: one possible next year, "
                                   "for predictive intervals: sim forecast and the league table)",
                                   "census: the forecasts' error variances on years up to the base year"),
    # --- recruitment from outside: a matching function -----------------------------------
    "hire_per_leaver": Spec(0.7, 0, 3, "outside hires a month per FTE that left the council in an average "
                            "month of the last year (posts re-advertised as people leave)", "assumption"),
    "hire_vacancy_fill_per_month": Spec(0.01, 0, 1, "outside hires a month per vacant FTE beyond "
                                        "replacement", "calibrated; census (see hire_per_leaver)"),
    "nq_share_of_hires_september": Spec(0.5, 0, 1, "share of September's outside hires who are newly "
                                        "qualified (half of it in October, a tenth in other months)",
                                        "assumption"),
    "hire_reputation_weight": Spec(0.1, 0, 10, "log-change in a council's outside hiring per unit of "
                                   "reputation above its census value", "census event study: starters / in post "
                                   "+0.6 points (se 1.1) after an Outstanding judgement, +2.4 (1.2) after "
                                   "Inadequate: no clear effect (docs/ofsted_process.md)"),
    "hire_pay_weight": Spec(0.7, 0, 50, "log-change in hiring chance per unit log pay (incentives and half "
                            "a golden hello included) above the region's mean",
                            "external: Manning's steady-state rule, recruitment elasticity = - separation "
                            "elasticity (Manning 2003), at the model's separation elasticities "
                            "(experiments/validation/pay_elasticities.py --pin-hire-pay-weight)"),
    # --- agency ------------------------------------------------------------------------------
    "agency_placement_months": Spec(6.0, 1, 60, "mean length of an agency placement", "assumption"),
    "agency_convert_prob": Spec(0.06, 0, 1, "chance a placement ends in a permanent post at that "
                                "council (if it has a vacancy)", "assumption"),
    "agency_exit_prob": Spec(0.12, 0, 1, "chance a placement ends with the worker leaving the "
                             "profession", "assumption"),
    "agency_pool_exit_per_month": Spec(0.05, 0, 1, "monthly exit hazard of agency workers between "
                                       "placements", "assumption"),
    "agency_external_fill_per_month": Spec(0.25, 0, 1, "chance an unmet agency post is filled from "
                                           "outside the region's workforce in a month", "assumption"),
    "agency_gap_cover_weight": Spec(1.0, 0, 5, "multiplier on the census share of a change in the workload "
                                    "gap covered by agency staff (sim.identity.agency_gap_cover_share)",
                                    "census (1 = as estimated)"),
    "agency_min_pq_months": Spec(0, 0, 120, "post-qualifying months before agency work is allowed "
                                 "(the DfE rules set 36)", "DfE 2024 rules (off by default)"),
    "agency_cooldown_months": Spec(0, 0, 24, "months after leaving a permanent post in the region "
                                   "before an agency placement (DfE rules 3, London Pledge 6)",
                                   "DfE 2024 rules (off by default)"),
    # --- Ofsted and reputation --------------------------------------------------------------
    "reputation_halflife_months": Spec(12.0, 0.5, 120, "half-life of reputation's move toward a new "
                                       "grade", "assumption"),
    "inspection_pressure_weight": Spec(1.5, 0, 20, "tilt of the grade drawn at an inspection toward a worse "
                                       "(or better) grade per unit of workforce pressure (caseload, agency, "
                                       "turnover)", "judgements 2018-2024: 1.51 (se 0.44) with per-grade "
                                       "intercepts; an association (docs/ofsted_process.md)"),
    "judgement_effects": Spec(1.0, 0, 5, "multiplier on the estimated effects of entering or leaving "
                              "Inadequate on funded posts and agency use (sim.ofsted)",
                              "census event study around judgements (1 = as estimated)"),
    # --- demand -----------------------------------------------------------------------------
    "establishment_trend_weight": Spec(1.0, 0, 5, "multiplier on the growth of funded posts, England's "
                                       "census trend over the three years to the base year",
                                       "census (1 = as estimated)"),
    "establishment_follow_halflife_months": Spec(24.0, 1, 600, "half-life of the part of funded posts that "
                                                 "followed the council's own staffing (posts added where it "
                                                 "recruits, deleted where it cannot fill them) before the posts "
                                                 "return to England's trend", "assumption"),
    "boundary_mover_share_of_starters": Spec(0.22, 0, 1, "share of a council's starters who come from other "
                                             "councils: a council outside the region takes that many of its "
                                             "census starters a year from the region's councils that border it",
                                             "census attrition 2021-2024: 1,260-1,390 movers against "
                                             "5,600-6,000 starters"),
    "demand_trend_pct_per_year": Spec(0.0, -50, 100, "growth of open cases a year", "assumption"),
    "case_holder_share": Spec(0, 0, 1, "case-holding FTE per FTE; 0 = each council's census share",
                              "census"),
}

INTEGER_PARAMS = {"reach_hops", "career_months", "agency_min_pq_months", "agency_cooldown_months"}

# The calibrated defaults (written by ``sim calibrate``) replace the priors above, if the file exists.
CALIBRATED_FILE = Path(__file__).with_name("calibrated_params.toml")
PRIOR_DEFAULTS: dict[str, float] = {name: s.default for name, s in SPECS.items()}
CALIBRATION: dict[str, Any] = {}  # provenance of the calibrated defaults in force ({} = priors only)


def overlay_calibrated(path: str | Path = CALIBRATED_FILE) -> dict[str, Any]:
    """Make a calibrated parameter file's ``[params]`` the defaults of ``SPECS``.

    Each value is checked like any override (known name, finite, within bounds); the spec's source
    then says "calibrated" and the file's ``[provenance]`` table is kept in ``CALIBRATION``. Set the
    environment variable ``CSWSIM_PRIORS=1`` to keep the uncalibrated priors.

    Returns:
        The provenance table ({} when the file is absent or priors are requested).
    """
    path = Path(path)
    if os.environ.get("CSWSIM_PRIORS") == "1" or not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise SimInputError(f"{path}: not valid TOML: {exc}") from None
    values = data.get("params", {})
    Params(values, where=str(path))  # strict: unknown names and out-of-range values raise
    provenance = dict(data.get("provenance", {}), file=str(path))
    label = f"calibrated ({provenance.get('created', '?')}, census {provenance.get('census_years', '?')})"
    for name, value in values.items():
        SPECS[name] = replace(SPECS[name], default=float(value), source=label)
    CALIBRATION.clear()
    CALIBRATION.update(provenance)
    return provenance


def describe() -> str:
    """A table of every parameter: name, default, bounds, meaning and source."""
    rows = [f"{'name':34} {'default':>10}  {'range':>18}  meaning [source]"]
    for name, s in SPECS.items():
        rows.append(f"{name:34} {s.default:>10.4g}  {f'[{s.lo:g}, {s.hi:g}]':>18}  {s.doc} [{s.source}]")
    return "\n".join(rows)


class Params:
    """A validated parameter set: defaults overridden by a file and keyword arguments.

    Attributes are the parameter names (``p.b_pay``). Construction checks every override and raises
    one :class:`SimInputError` listing all problems.
    """

    __slots__ = tuple(SPECS)

    def __init__(self, overrides: dict[str, Any] | None = None, *, where: str = "parameters") -> None:
        overrides = dict(overrides or {})
        problems = []
        for name, value in overrides.items():
            if name not in SPECS:
                near = close_matches(name, SPECS)
                hint = f" (did you mean {', '.join(near)}?)" if near else ""
                problems.append(f"unknown parameter {name!r}{hint}")
                continue
            spec = SPECS[name]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                problems.append(f"{name} = {value!r} is not a finite number (allowed {spec.lo:g} to {spec.hi:g})")
            elif not spec.lo <= value <= spec.hi:
                problems.append(f"{name} = {value!r} is outside the allowed range {spec.lo:g} to {spec.hi:g}")
            elif name in INTEGER_PARAMS and value != int(value):
                problems.append(f"{name} = {value!r} must be a whole number")
        if problems:
            valid = "" if all("unknown" not in p for p in problems) else (
                " Valid parameters: " + ", ".join(SPECS) + ".")
            raise SimInputError(f"{where}: " + "; ".join(problems) + "." + valid)
        for name, spec in SPECS.items():
            value = overrides.get(name, spec.default)
            object.__setattr__(self, name, int(value) if name in INTEGER_PARAMS else float(value))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Params are read-only; build a new set with Params({...})")

    def to_dict(self) -> dict[str, float]:
        """All parameters as a plain dict."""
        return {name: getattr(self, name) for name in SPECS}

    def replace(self, **changes: float) -> Params:
        """A copy with some values changed (validated)."""
        return Params({**self.non_defaults(), **changes})

    def non_defaults(self) -> dict[str, float]:
        """The parameters that differ from their defaults."""
        return {k: v for k, v in self.to_dict().items() if v != SPECS[k].default}

    def __repr__(self) -> str:
        return f"Params({self.non_defaults()})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Params) and self.to_dict() == other.to_dict()

    @classmethod
    def from_toml(cls, path: str | Path, **overrides: float) -> Params:
        """Read parameter overrides from a TOML file (top-level keys or a ``[params]`` table)."""
        path = Path(path)
        data = read_toml(path, "parameter file")
        if set(data) == {"params"} and isinstance(data["params"], dict):
            data = data["params"]
        nested = [k for k, v in data.items() if isinstance(v, dict)]
        if nested:
            raise SimInputError(f"{path}: unexpected table(s) {nested}; write parameters as top-level "
                                "keys or inside one [params] table")
        return cls({**data, **overrides}, where=str(path))


overlay_calibrated()

__all__ = ["CALIBRATION", "PRIOR_DEFAULTS", "Params", "SPECS", "describe", "overlay_calibrated", "Spec"]
