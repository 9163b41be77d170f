"""The ranges a user-given value may take, each named once with its reason.

Every value a user can give (a command-line flag, a field of a scenario, parameter, sweep or
calibration file, an argument of the Python API or of a policy constructor) is checked here: a
finite number, inside the range that makes sense for the quantity, a whole number where a count is
meant. A violation is a :class:`~sim.errors.SimInputError` that names the source (file and field,
flag or argument), the value and what is allowed.

The model's behavioural parameters have their ranges in :mod:`sim.params` (``SPECS``); this module
holds the ranges of everything else.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

from .errors import SimInputError


def _num(v: float) -> str:
    """A bound for messages: 100,000 rather than 1e+05."""
    return f"{v:,.0f}" if v == int(v) and abs(v) < 1e16 else f"{v:,g}"


@dataclass(frozen=True)
class Quantity:
    """A kind of value a user can give, with its allowed range and why.

    Attributes:
        name: what it is, for messages ("pay uplift, percent").
        lo, hi: the closed range allowed (``lo_open`` makes the lower bound strict).
        whole: a count: only whole numbers.
        reason: why the range is what it is (shown in messages and docs/reliability.md).
        lo_open: the lower bound itself is not allowed.
    """

    name: str
    lo: float
    hi: float
    whole: bool = False
    reason: str = ""
    lo_open: bool = False
    lo_text: str = ""

    def allowed(self) -> str:
        """The allowed range in words."""
        kind = "a whole number" if self.whole else "a finite number"
        low = self.lo_text or (f"above {_num(self.lo)}" if self.lo_open else f"from {_num(self.lo)}")
        return f"{kind} {low} to {_num(self.hi)}" + (f" ({self.reason})" if self.reason else "")

    def problem(self, value: Any, where: str) -> str | None:
        """The message for a bad ``value`` given at ``where``, or None if it is allowed.

        ``where`` names the source: a flag (``"--years"``), or a file and field / an argument.
        """
        where = f"{where} " if where.startswith("--") else f"{where} = "
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            return f"{where}{value!r}: not a number; allowed {self.allowed()}"
        value = int(value) if isinstance(value, numbers.Integral) else float(value)
        if isinstance(value, float) and not math.isfinite(value):
            return f"{where}{value!r}: not a finite number; allowed {self.allowed()}"
        if self.whole and value != int(value):
            return f"{where}{value!r}: not a whole number; allowed {self.allowed()}"
        below = value <= self.lo if self.lo_open else value < self.lo
        if below or value > self.hi:
            return f"{where}{value!r}: outside the range; allowed {self.allowed()}"
        return None

    def check(self, value: Any, where: str) -> Any:
        """Return ``value`` if allowed, else raise :class:`SimInputError`."""
        msg = self.problem(value, where)
        if msg:
            raise SimInputError(msg)
        return int(value) if self.whole else value


# ---- the length and size of runs ---------------------------------------------------------------
YEARS = Quantity("years to simulate", 1 / 12, 100, lo_text="from 1/12 (one month)",
                 reason="at least one month; the census-based workforce and careers are not meant to be "
                 "projected more than a century")
REPLICATES = Quantity("replicates", 1, 100_000, whole=True, reason="100,000 paired five-year runs take "
                      "days on a laptop; more is a typing slip")
SAMPLES = Quantity("design samples", 1, 1_000_000, whole=True, reason="the design table is held in memory")
SWEEP_RUNS = Quantity("runs in a sweep", 1, 10_000_000, whole=True, reason="the design table (a row per run) "
                      "is held in memory; ten million rows is about a gigabyte")
WORKERS = Quantity("worker processes", 1, 1024, whole=True, reason="one process per core")
SEED = Quantity("seed", 0, 2**63 - 1, whole=True, reason="a non-negative 63-bit integer")
RESAMPLES = Quantity("bootstrap resamples", 1, 100_000, whole=True, reason="each resample recomputes the indices; "
                     "more than 100,000 changes nothing visible")
TRIALS = Quantity("calibration trials", 1, 1_000_000, whole=True, reason="each trial runs the model")

# ---- money ------------------------------------------------------------------------------------
PAY_UPLIFT_PCT = Quantity("pay uplift, percent", -50, 100, reason="no council cuts pay by more than half "
                          "or more than doubles it; beyond that the model's pay response is extrapolation")
PAY_UPLIFT_GBP = Quantity("pay uplift, pounds a year", -50_000, 100_000, reason="qualified pay is about "
                          "GBP 44,000 a year; a cut beyond GBP 50,000 or a rise above GBP 100,000 is a slip")
PAYMENT_GBP = Quantity("payment to a worker, pounds", 0, 100_000, reason="supplements, golden hellos and "
                       "retention payments are a few thousand pounds; above two years' pay is a slip")
QUALIFIED_PAY_GBP = Quantity("qualified pay, pounds a year", 10_000, 200_000, reason="the range of the model's "
                             "national pay parameter, pay_2017_gbp")
BUDGET_GBP = Quantity("budget, pounds a year", 0, 100_000_000, reason="a large council's whole children's "
                      "social work pay bill")

# ---- shares, counts and rates -----------------------------------------------------------------
SHARE = Quantity("share", 0, 1, reason="a proportion")
PCT = Quantity("percentage", 0, 100, reason="a percentage of something that cannot exceed the whole")
MONTHS = Quantity("months", 0, 600, whole=True, reason="up to 50 years, a whole career")
RAMP_MONTHS = Quantity("months", 1, 600, whole=True, reason="at least one month, up to 50 years")
CALENDAR_MONTH = Quantity("calendar month", 1, 12, whole=True, reason="January = 1 to December = 12")
FTE = Quantity("full-time equivalents", 0, 100_000, reason="England employs about 34,000 FTE children's "
               "social workers")
CASELOAD = Quantity("cases per case-holder", 0, 200, lo_open=True, reason="the model's largest caseload "
                    "(caseload_max) is at most 200")
PRICE_CAP = Quantity("agency price cap, multiple of a permanent post's cost", 1, 10, reason="agency cover "
                     "costs at least a permanent post; ten times is a slip")
DEMAND_CHANGE = Quantity("relative change in cases", -1, 10, lo_open=True, reason="cases cannot vanish; "
                         "more than elevenfold is a slip")

# The quantity of each numeric field of a policy, by field name; (kind, field) entries override.
POLICY_FIELDS: dict[str, Quantity] = {
    "gbp": PAYMENT_GBP, "share": SHARE, "close_share": SHARE, "promotion_share": SHARE,
    "clawback_share": SHARE, "max_share": SHARE, "tenure_months": MONTHS, "clawback_months": MONTHS,
    "judgement_window_months": MONTHS, "min_pq_months": MONTHS, "cooldown_months": MONTHS,
    "agency_reengage_months": MONTHS, "ramp_months": RAMP_MONTHS, "pay_month": CALENDAR_MONTH,
    "vacancy_trigger_pct": PCT, "min_raise_pct": PCT, "budget_gbp_per_year": BUDGET_GBP, "max_fte": FTE,
    "extra_posts": FTE, "max_extra_posts": FTE, "hires_per_year": FTE, "cap": CASELOAD, "price_cap": PRICE_CAP,
}
POLICY_KIND_FIELDS: dict[tuple[str, str], Quantity] = {
    ("pay_uplift", "pct"): PAY_UPLIFT_PCT, ("pay_uplift", "gbp"): PAY_UPLIFT_GBP,
    ("national_pay_scale", "gbp"): QUALIFIED_PAY_GBP, ("pay_harmonisation", "gbp"): QUALIFIED_PAY_GBP,
    ("demand_shock", "share"): DEMAND_CHANGE,
}


def policy_field_problems(kind: str, values: dict[str, Any]) -> list[str]:
    """Problems with a policy's numeric fields (None means "not given" and is left to the policy).

    Args:
        kind: the policy kind ("pay_uplift", ...).
        values: field name -> value.

    Returns:
        One message per bad field (empty if all are allowed).
    """
    out = []
    for name, value in values.items():
        quantity = POLICY_KIND_FIELDS.get((kind, name)) or POLICY_FIELDS.get(name)
        if quantity is None or value is None:
            continue
        items = value if isinstance(value, list) and name == "pay_month" else [value]
        for item in items:
            msg = quantity.problem(item, f"policy {kind!r} field {name!r}")
            if msg:
                out.append(msg)
                break
    return out


def months_of_years(years: Any, where: str) -> int:
    """The number of whole months in ``years`` (checked against :data:`YEARS`)."""
    YEARS.check(years, where)
    months = int(round(float(years) * 12))
    if months < 1:
        raise SimInputError(f"{where} {years!r}: less than one month; allowed {YEARS.allowed()}")
    return months


MONTHS_TO_RUN = Quantity("months to run", 0, 1200, whole=True, reason="at most a century at a time")


def input_months(years: Any, months: Any) -> int:
    """The months ``WorkforceModel.run(years=..., months=...)`` runs (``months`` wins when given)."""
    if months is not None:
        return MONTHS_TO_RUN.check(months, "months")
    if isinstance(years, bool) or not isinstance(years, numbers.Real) or not math.isfinite(float(years)):
        raise SimInputError(f"years = {years!r}: not a finite number; allowed {YEARS.allowed()}")
    return MONTHS_TO_RUN.check(int(round(float(years) * 12)), f"years = {years!r}, in months")


def check_pay_table(pay_gbp: Any, where: str) -> None:
    """Check a table of qualified pay by council (``[base.pay_gbp]``, ``WorkforceModel(pay_gbp=...)``)."""
    if pay_gbp is None:
        return
    if not isinstance(pay_gbp, dict):
        raise SimInputError(f"{where} = {pay_gbp!r}: must be a table of council name = pounds a year")
    problems = [msg for council, value in pay_gbp.items()
                if (msg := QUALIFIED_PAY_GBP.problem(value, f"{where}.{council}"))]
    if problems:
        raise SimInputError("; ".join(problems))


__all__ = [name for name, value in globals().items() if isinstance(value, Quantity)] + [
    "Quantity", "POLICY_FIELDS", "POLICY_KIND_FIELDS", "check_pay_table", "months_of_years",
    "policy_field_problems"]
