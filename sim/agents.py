"""Councils as Mesa agents, backed by columns so that the month's rules stay vectorised.

:class:`CouncilTable` holds one numpy array per council attribute (pay, grade, establishment, ...).
Each :class:`Council` is a Mesa agent that reads and writes its own row of that table, so code that
thinks in councils (``model.council("Bexley").pay_gbp += 3000``) and code that thinks in arrays see
the same state. The workers are in :mod:`sim.workers`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from .data import GRADES

if TYPE_CHECKING:
    from .model import WorkforceModel

# per-council float columns, initialised to 0 unless noted in CouncilTable.__init__
FLOAT_COLUMNS = (
    "pay_gbp",  # annual pay of a qualified social worker
    "market_supplement_gbp",  # annual supplement on top of pay, per FTE
    "golden_hello_gbp",  # one-off payment to each new permanent starter
    "retention_gbp",  # payment to each eligible worker in the retention month
    "establishment_fte",  # funded posts
    "cases",  # open cases
    "case_holder_share",  # case-holding FTE per FTE in post
    "reputation",  # 0 (Inadequate) .. 1 (Outstanding), slow-moving
    "agency_cap_fte",  # most agency FTE it will take (inf = no cap)
    "agency_cap_share",  # most agency FTE per permanent FTE in post, applied in the agency phase (inf = none)
    "agency_price_cap",  # multiplier cap on agency cost (inf = none)
    # each council's identity and base state (sim.build.build_identity)
    "leave_identity",  # multiplier on the hazards of leaving the profession and of searching
    "hire_identity",  # multiplier on hiring from outside
    "leave_identity_year1", "hire_identity_year1",  # the two for the first year
    "leave_identity_long", "hire_identity_long",  # the two once the council's fading effect has gone
    "agency_base_fte",  # agency FTE at the census
    "agency_drift",  # log-change of agency cover over the first year toward the council's forecast
    "demand_drift",  # log-change of open cases over the first year toward the council's forecast caseload
    "workload_gap0_fte",  # workload gap at the census: FTE needed at the census caseload less FTE in post
    "judgement_posts_log",  # log-change of funded posts carried from Inadequate judgements (sim.ofsted)
    "judgement_agency_log",  # log-change of agency cover carried from Inadequate judgements
    "judgement_hires_log",  # log-change of outside hiring carried from Inadequate judgements
    "judgement_posts_target", "judgement_agency_target", "judgement_hires_target",  # what the three move toward
    "perm_fte_census",  # FTE in post at the census
    "establishment_census_fte",  # funded posts at the census, moved with judgements' effects on posts
    "perm_fte_year1_change", "establishment_year1_change",  # their expected changes over the first year
    "caseload_norm",  # caseload at the census (the council's own norm)
    "base_log_pay",  # log pay with incentives at the census
    "base_attractiveness",  # attractiveness to outside recruits at the census
    "establishment_follow_fte",  # the part of funded posts that followed the council's staffing
    "perm_fte_before",  # FTE in post at the last councils phase (funded posts follow part of the change)
    "boundary_rate",  # boundary councils only: movers a month they take from the region
    "boundary_credit",  # boundary councils only: movers they can take now
    "fixed_vacancy_rate",  # boundary councils only: census vacancy rate (they are not simulated)
    "fixed_caseload",  # boundary councils only
    # recomputed every month
    "perm_fte", "perm_count", "agency_fte", "agency_count", "vacancy_fte", "caseload", "unallocated_cases",
)
NO_CAP_TICK = 10**9  # agency_price_cap_tick of a council with no price cap
STOCK_ROWS = ("perm_count", "perm_fte", "agency_count", "agency_fte")  # rows of CouncilTable.stocks
INT_COLUMNS = (
    "grade",  # index into GRADES: 0 Outstanding .. 3 Inadequate
    "grade_tick",  # month of the last judgement (negative = before the run)
    "retention_month",  # calendar month (1-12) the retention payment is paid, 0 = none
    "retention_tenure_months",  # months with the council needed to qualify
    "agency_price_cap_tick",  # month from which new agency assignments are price-capped (NO_CAP_TICK = none)
)


class CouncilTable:
    """Council attributes as arrays. Councils ``0..n_active-1`` are simulated; the rest form the
    region's boundary (neighbours outside it, fixed at their census values)."""

    def __init__(self, n: int, n_active: int) -> None:
        self.n = n
        self.n_active = n_active
        self.active = np.arange(n) < n_active
        for name in FLOAT_COLUMNS:
            setattr(self, name, np.zeros(n))
        # the worker tally writes these four columns in place, as rows of one array
        self.stocks = np.zeros((len(STOCK_ROWS), n))
        for row, name in enumerate(STOCK_ROWS):
            setattr(self, name, self.stocks[row])
        for name in INT_COLUMNS:
            setattr(self, name, np.zeros(n, dtype=np.int64))
        self.agency_cap_fte[:] = np.inf
        self.agency_cap_share[:] = np.inf
        self.agency_price_cap[:] = np.inf
        self.agency_price_cap_tick[:] = NO_CAP_TICK

    def vacancy_rate(self) -> np.ndarray:
        """Vacancies / (vacancies + FTE in post), census definition (fixed for boundary councils)."""
        denom = self.vacancy_fte + self.perm_fte
        rate = np.divide(self.vacancy_fte, denom, out=np.zeros(self.n), where=denom > 0)
        return np.where(self.active, rate, self.fixed_vacancy_rate)

    def current_caseload(self) -> np.ndarray:
        return np.where(self.active, self.caseload, self.fixed_caseload)


def _column_property(name: str, doc: str) -> property:
    def get(self: CouncilRow) -> float:
        return getattr(self.model.councils, name)[self.index].item()

    def set_(self: CouncilRow, value: float) -> None:
        getattr(self.model.councils, name)[self.index] = value

    return property(get, set_, doc=doc)


class CouncilRow:
    """What every council shows of its row in ``model.councils`` (a :class:`CouncilTable`)."""

    model: WorkforceModel
    index: int
    code: str
    name: str

    @property
    def simulated(self) -> bool:
        """False for boundary councils (outside the region, not simulated)."""
        return bool(self.index < self.model.councils.n_active)

    @property
    def grade_name(self) -> str:
        return GRADES[int(self.model.councils.grade[self.index])]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, {self.code})"


class Council(CouncilRow, mesa.Agent):
    """A council (a reporting unit of the DfE workforce census) in the simulated market.

    Its attributes are views of its row in ``model.councils`` (a :class:`CouncilTable`). Only the
    simulated councils are Mesa agents (``model.agents``); the boundary is :class:`BoundaryCouncil`.
    """

    def __init__(self, model: WorkforceModel, index: int, code: str, name: str, region: str,
                 london: str) -> None:
        super().__init__(model)
        self.index = index
        self.code = code
        self.name = name
        self.region = region
        self.london = london  # "inner", "outer" or ""


class BoundaryCouncil(CouncilRow):
    """A council just outside the region: a destination for movers, fixed at its census values.

    It is not simulated, so it is not a Mesa agent: it is not in ``model.agents``, has no
    ``unique_id`` and is not in the data collector's tables. It is ``model.council_agents[i]`` for
    ``i >= model.councils.n_active``.
    """

    unique_id = None

    def __init__(self, model: WorkforceModel, index: int, code: str, name: str, region: str,
                 london: str) -> None:
        self.model = model
        self.index = index
        self.code = code
        self.name = name
        self.region = region
        self.london = london


for _name in FLOAT_COLUMNS + INT_COLUMNS:
    setattr(CouncilRow, _name, _column_property(_name, f"this council's {_name} (a view of the table)"))
