"""The model: England's councils and their children's social workers, one month at a time.

One month runs these phases, in this order (``WorkforceModel.PHASES``; ``model.plan()`` prints it):

1. policies     scheduled policies start, act, or end
2. councils     demand, caseloads, inspections, reputation, council pay rules
3. payments     retention payments due this month, market supplements
4. exits        exits from the profession and retirement
5. moves        on-the-job search and moves between councils or into agency work (poaching flows)
6. recruitment  vacancies filled from outside (new qualifiers each September, returners, overseas)
7. agency       placements end; agency cover for remaining vacancies
8. record       stocks, flows, costs and origin-destination moves; everyone ages a month
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from typing import Any

import mesa
import numpy as np

from . import build, collect, identity, kernels, ofsted
from .data import CENSUS_YEARS, load_seeds
from .errors import SimInputError
from .input_checks import check_model_args
from .limits import MONTHS_TO_RUN, check_pay_table, input_months
from .params import Params
from .phases import (
    agency_phase,
    councils_phase,
    exits_phase,
    moves_phase,
    payments_phase,
    recruitment_phase,
)
from .record import Recorder
from .regions import build_region
from .results import Results, record_phase
from .rng import Streams
from .workers import AGENCY, FREE, PERM, POOL


class WorkforceModel(mesa.Model):
    """The labour market for children's social workers in a region of England.

    Args:
        region: a region name (``sim regions`` lists them), default all England.
        base_year: census year (30 September) the run starts from, 2017 to 2024.
        seed: the run's seed; the same seed gives bit-identical results anywhere (``None``: a fresh
            seed from the operating system, as Mesa does; it is kept in ``model.seed``).
        params: parameter overrides by name (see :mod:`sim.params`), or a :class:`Params`.
        params_file: a TOML file of parameter overrides (keyword ``params`` win over it).
        policies: policies to attach (see :mod:`sim.policies`).
        pay_gbp: qualified pay overrides by council name or code, GBP a year.
        validate: check the stock-flow identities every month (slower).
        months: planned length of the run: ``running`` turns False when it is reached, so Mesa's
            ``run_model()`` and ``batch_run`` stop there (``run()`` may go on; storage grows). ``None``:
            no planned end (the browser view).
        **param_overrides: parameter overrides as keywords (``b_pay=5.0``).
    """

    PHASES: tuple[str, ...] = ("policies", "councils", "payments", "exits", "moves", "recruitment",
                               "agency", "record")

    def __init__(self, region: str = "england", base_year: int = CENSUS_YEARS[-1], seed: int | None = 0,
                 params: dict[str, float] | Params | None = None, params_file: str | None = None,
                 policies: Iterable[Any] = (), pay_gbp: dict[str, float] | None = None,
                 validate: bool = False, months: int | None = 120, **param_overrides: float) -> None:
        seed = _as_seed(seed)
        policies = check_model_args(region, base_year, params, policies)  # sim.input_checks: argument types
        super().__init__(rng=seed)
        if isinstance(params, Params):
            params = params.non_defaults()
        overrides = {**(params or {}), **param_overrides}
        self.p = Params.from_toml(params_file, **overrides) if params_file else Params(overrides)
        self.seed = seed
        self.base_year = int(base_year)
        self.validate = bool(validate)
        self.tick = 0
        self.streams = Streams(seed)
        self.seeds = load_seeds()
        self.graph = self.seeds.graph()
        self.region = build_region(self.seeds, region, self.graph)
        census = self.seeds.year(self.base_year)
        census = census.set_index("code").loc[list(self.region.members + self.region.boundary)].reset_index()
        check_pay_table(pay_gbp, "pay_gbp")  # sim.limits
        build.build_councils(self, census)
        self.extra_hire_rate = np.zeros(self.councils.n)  # policies add overseas recruitment here
        self.inspection_hold = np.zeros(self.councils.n, dtype=bool)  # no random inspections (recorded ones replayed)
        # months of the 2020-21 inspection pause within reach of a run from this base year (sim.ofsted.paused)
        self.inspection_pause_ticks = frozenset(t for t in range(1, 12 * (2022 - self.base_year) + 1)
                                                if ofsted.paused(self.date(t)))
        self.council_rules: list[Callable[[WorkforceModel], None]] = []
        self.exit_listeners: list[Callable[[WorkforceModel, np.ndarray], None]] = []
        self.retention_listeners: list[Callable[[WorkforceModel, np.ndarray], None]] = []
        self.agency_rules: list[Callable[[WorkforceModel, np.ndarray, bool], np.ndarray]] = []
        # (model, searcher slots, their employers, (n, D) destinations) -> (n, D) mask of allowed moves
        self.move_rules: list[Callable[[WorkforceModel, np.ndarray, np.ndarray, np.ndarray], np.ndarray]] = []
        self._cache: dict[str, Any] = {}
        self._results: Results | None = None
        self._results_rows = -1
        self.months = None if months is None else MONTHS_TO_RUN.check(months, "months")  # sim.limits
        self.recorder = Recorder(self.councils.n_active, 120 if months is None else self.months)
        build.build_workforce(self, census)
        build.build_identity(self)
        build.apply_pay_overrides(self, pay_gbp or {})
        self._cache.clear()
        self.establishment_growth = identity.establishment_growth(self.base_year)  # a year, log
        self.agency_theta = identity.agency_gap_cover_share(self.base_year)
        self.identity_persistence = {k: v.rho for k, v in identity.covariances(self.base_year).items()}
        self.inspections = ofsted.inspection_process()  # read once, here, not in the first month
        ofsted.net_expected_judgements(self)  # the forecasts hold the first year's judgements on average
        response = identity.establishment_response(self.base_year)
        self.establishment_follows = response.follow
        self.establishment_cut = 1 - (1 - response.cut) ** (1 / 12)  # a month
        self.vacancy_norm = response.national_vacancy
        self.councils.perm_fte_before[:] = self.councils.perm_fte
        self.policies: list[Any] = []
        for policy in policies:
            self.add_policy(policy)
        self._phase_functions = {
            "policies": self._policies_phase, "councils": councils_phase, "payments": payments_phase,
            "exits": exits_phase, "moves": moves_phase, "recruitment": recruitment_phase,
            "agency": agency_phase, "record": record_phase,
        }
        record_phase(self, initial=True)

    # ---- running ----------------------------------------------------------------------------
    def step(self) -> None:
        """Advance one month, running every phase of ``PHASES`` in order."""
        self.tick += 1
        self._cache.clear()
        for phase in self.PHASES:
            self._phase_functions[phase](self)
        if self.months is not None and self.tick >= self.months:
            self.running = False

    def run(self, years: float = 1, months: int | None = None, progress: Callable[[int, int], None] | None = None
            ) -> WorkforceModel:
        """Run ``years`` (or ``months``) more months; returns the model (results in ``.results``)."""
        n = input_months(years, months)  # sim.limits: finite, whole, at most a century
        if n < 0:
            raise SimInputError(f"months to run must be >= 0, got {n}")
        for i in range(n):
            self.step()
            if progress:
                progress(i + 1, n)
        return self

    # Mesa's DataCollector of the run, filled from the recorder when read (see sim.collect)
    datacollector = property(collect.get_datacollector, collect.set_datacollector)

    def plan(self) -> str:
        """The order of one month, as text."""
        return "\n".join(f"{i}. {name}" for i, name in enumerate(self.PHASES, 1))

    @property
    def results(self) -> Results:
        """Tidy tables of everything recorded so far (built on first use, rebuilt after a step)."""
        if self._results is None or self._results_rows != self.recorder.rows:
            self._results, self._results_rows = Results(self), self.recorder.rows
        return self._results

    # ---- policies ---------------------------------------------------------------------------
    def add_policy(self, policy: Any) -> None:
        """Attach a policy (validated against this model now; it acts from its start month)."""
        policy.attach(self)
        self.policies.append(policy)

    def _policies_phase(self, _: WorkforceModel) -> None:
        for policy in self.policies:
            policy.on_month(self)

    # ---- time -------------------------------------------------------------------------------
    @property
    def calendar_month(self) -> int:
        """Calendar month (1-12) of the current tick (tick 0 is September of the base year)."""
        return (8 + self.tick) % 12 + 1

    def date(self, tick: int | None = None) -> str:
        """'YYYY-MM' of a tick."""
        t = self.tick if tick is None else tick
        return f"{self.base_year + (8 + t) // 12}-{(8 + t) % 12 + 1:02d}"

    def tick_of(self, date: str, where: str = "date") -> int:
        """The tick of a 'YYYY-MM' date (month 1 of the run is October of the base year)."""
        try:
            year, month = (int(x) for x in str(date).split("-"))
            if not 1 <= month <= 12:
                raise ValueError
        except ValueError:
            raise SimInputError(f"{where}: {date!r} is not a date of the form YYYY-MM") from None
        return (year - self.base_year) * 12 + month - 9

    # ---- councils ---------------------------------------------------------------------------
    def council(self, name: str) -> build.Council:
        """The simulated council with this name or code (case-insensitive)."""
        return self.council_agents[build.resolve_council(self, name, where="council")]

    def council_index(self, name: str, where: str = "council") -> int:
        return build.resolve_council(self, name, where)

    def recount(self) -> None:
        """Recompute every council's stocks, vacancies and caseload from the worker columns."""
        c = self.councils
        self.workers.stocks(c.stocks, check=self.validate)  # incremental, exact
        kernels.workload(c.n_active, c.perm_fte, c.agency_fte, c.establishment_fte, c.case_holder_share, c.cases,
                         self.p.caseload_max, c.vacancy_fte, c.caseload, c.unallocated_cases)

    def log_pay(self, with_golden_hello: bool = False) -> np.ndarray:
        """Log of annual pay plus annual incentives, per council (what a worker compares)."""
        key = f"log_pay{with_golden_hello}"
        if key not in self._cache:
            c = self.councils
            total = c.pay_gbp + c.market_supplement_gbp + c.retention_gbp
            if with_golden_hello:
                total = total + c.golden_hello_gbp / 2  # spread over two years
            self._cache[key] = np.log(np.maximum(total, 1.0))
        return self._cache[key]

    def agency_log_pay(self) -> np.ndarray:
        """Log of what agency work pays a worker of each council: the local agency rate at the start
        (the council's pay then, times ``agency_pay_premium``), moved since by the simulated market's
        mean change in pay. A council's own rise leaves its staff's agency alternative where it was
        (moved by 1/n of the rise in a market of n councils); a national award moves it as much as
        permanent pay. Assumption: agency rates are set in the market, not by one council."""
        if "agency_log_pay" not in self._cache:
            c, a = self.councils, self.councils.n_active
            change = float(np.mean(self.log_pay()[:a] - c.base_log_pay[:a])) if a else 0.0
            self._cache["agency_log_pay"] = c.base_log_pay + (change + float(np.log(self.p.agency_pay_premium)))
        return self._cache["agency_log_pay"]

    def _offer_terms(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(council_term, offer_probability, has_vacancy) now, in one compiled pass (sim.kernels.offer_terms)."""
        c, p = self.councils, self.p
        return kernels.offer_terms(c.active, c.caseload, c.fixed_caseload, self.reference_caseload,
                                   -p.b_caseload_per_case, p.b_ofsted, c.reputation, c.vacancy_fte, c.perm_fte,
                                   c.fixed_vacancy_rate, p.offer_per_vacancy_rate)

    def council_term(self) -> np.ndarray:
        """What each council's caseload and reputation add to a searcher's utility of its posts:
        ``-b_caseload_per_case x (current caseload - reference caseload) + b_ofsted x reputation``."""
        return self._offer_terms()[0]

    def offer_probability(self) -> np.ndarray:
        """Probability that a searcher hears of a council's post: ``min(1, offer_per_vacancy_rate x
        vacancy rate)`` (census rates for boundary councils)."""
        return self._offer_terms()[1]

    def has_vacancy(self) -> np.ndarray:
        """Whether each council has a post for a mover: half an FTE vacant or more (boundary councils:
        a census vacancy rate above 0)."""
        return self._offer_terms()[2]

    def turnover_estimate(self) -> np.ndarray:
        """Leavers over the last 12 months / FTE in post per simulated council, topped up with the
        census rate for the months before the run."""
        c, a = self.councils, self.councils.n_active
        k = min(12, self.recorder.rows - 1)
        leavers = self.recorder.leavers_last_12() + self.turnover_prior[:a] * c.perm_fte[:a] * (12 - k) / 12
        # a council with nobody in post has no turnover of its own: take its prior
        return np.where(c.perm_fte[:a] > 0, leavers / np.maximum(c.perm_fte[:a], 1e-9), self.turnover_prior[:a])

    # ---- workers ----------------------------------------------------------------------------
    def new_workers(self, council: np.ndarray, status: int, new_qualifier: bool | np.ndarray, agency: bool = False,
                    initial: bool = False) -> np.ndarray:
        """Create workers employed by (or placed at) ``council``; returns their slots (the lowest free
        ones, in order). ``new_qualifier``: whether they are newly qualified (all, or one flag each)."""
        council = np.asarray(council, dtype=np.int64)
        slots = self.workers.take_free(council.size)
        build.fill_new_workers(self, slots, council, status, new_qualifier, agency, initial)
        return slots

    def pending_payment_share(self, slots: np.ndarray, employer: np.ndarray) -> np.ndarray:
        """Retention payment a worker would forfeit by leaving now, as a share of annual pay,
        weighted by how soon it is due."""
        c = self.councils
        amount = c.retention_gbp[employer]
        if not amount.any():
            return np.zeros(slots.size)
        months_to = (c.retention_month[employer] - self.calendar_month - 1) % 12 + 1
        weight = np.maximum(0.0, 1 - months_to / self.p.forfeit_horizon_months)
        qualifies = self.workers.tenure[slots] + months_to >= c.retention_tenure_months[employer]
        return np.where(qualifies & (c.retention_month[employer] > 0), amount * weight, 0.0) / c.pay_gbp[employer]

    def agency_work_open(self, slots: np.ndarray, for_placement: bool = False) -> np.ndarray:
        """Which of these workers may take agency work (experience and cooling-off rules)."""
        w = self.workers
        ok = w.pq_months[slots] >= self.p.agency_min_pq_months
        if for_placement:
            ok &= (self.tick - w.left_perm_tick[slots]) >= self.p.agency_cooldown_months
        for rule in self.agency_rules:
            ok &= rule(self, slots, for_placement)
        return ok

    def on_permanent_exit(self, slots: np.ndarray) -> None:
        """Called with the permanent workers leaving their employer this month (before they go)."""
        for listener in self.exit_listeners:
            listener(self, slots)

    def on_retention_paid(self, slots: np.ndarray) -> None:
        for listener in self.retention_listeners:
            listener(self, slots)

    def headcount(self) -> dict[str, int]:
        w = self.workers
        return {"permanent": w.count(PERM), "agency": w.count(AGENCY),
                "agency_pool": w.count(POOL), "free_slots": w.count(FREE)}


def _as_seed(seed: Any) -> int:
    if seed is None:  # Mesa's convention (batch_run with rng=None): a fresh seed, kept in model.seed
        return secrets.randbelow(2**31)
    try:
        value = int(str(seed).strip()) if not isinstance(seed, (int, np.integer)) else int(seed)
    except ValueError:
        raise SimInputError(f"seed {seed!r} is not a whole number (allowed: 0 or more)") from None
    if value < 0:
        raise SimInputError(f"seed {value} is negative (allowed: 0 or more)")
    return value
