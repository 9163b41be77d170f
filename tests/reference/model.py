"""A reference implementation of the cswsim model, written the plain Mesa way.

One :class:`~reference.agents.Worker` (a Mesa ``CellAgent``) per social worker, on a Mesa
``Network`` whose nodes are the councils (the region's and those just outside it); council state
lives in arrays. The councils' inputs at the census (the engine's council table: census figures,
distances, reach, and each council's identity estimated from its census history) are taken from an
engine model built for the same region, base year and seed, as data. The month runs the same eight
phases as :class:`sim.model.WorkforceModel`, with the same parameters and rules, but each rule is
written per agent in plain Python and every random number comes from the model's stdlib generator
``self.random``. It shares no code with the vectorised phases and none of their random streams: it
must agree with the engine in distribution, not bit for bit.

Choices use Gumbel noise and take the best option (the engine inverts the logit probabilities);
rationing of vacancies visits applicants in a random order (the engine sorts random priorities).
"""

from __future__ import annotations

import math
from collections import defaultdict

import mesa
import networkx as nx
import numpy as np
from mesa.discrete_space import Network

from sim.data import CENSUS_YEARS, GRADE_REPUTATION, load_seeds
from sim.model import WorkforceModel
from sim.ofsted import INADEQUATE, inspection_process, paused
from sim.params import Params

from .agents import AGENCY, PERM, POOL, DoubleExitWorker, Worker

HOME_ELSEWHERE_SHARE, INITIAL_POOL_SHARE = 0.25, 0.05
PQ_MEAN_MONTHS, TENURE_MEAN_MONTHS, TASTE_SIGMA = 150.0, 54.0, 0.3
LEAVER_KINDS = ("council", "outside_region", "agency", "out_of_profession")


class ReferenceModel(mesa.Model):
    """The plain-Mesa reference model.

    Args:
        region: a region name (as for the engine).
        base_year: census year of the start.
        seed: seed of ``self.random``.
        params: parameter overrides by name.
    """

    worker_class: type[Worker] = Worker

    def __init__(self, region: str = "west_yorkshire", base_year: int = CENSUS_YEARS[-1], seed: int = 0,
                 params: dict[str, float] | None = None) -> None:
        super().__init__(rng=seed)
        self.p = Params(params or {})
        self.base_year, self.tick = int(base_year), 0
        self.seeds = load_seeds()
        self.graph = self.seeds.graph()
        # the councils' inputs at the census, as data (the engine's council table before any month)
        engine = WorkforceModel(region=region, base_year=base_year, seed=seed, params=params, months=1)
        self.region = engine.region
        codes = list(self.region.members + self.region.boundary)
        census = self.seeds.year(self.base_year).set_index("code").loc[codes].reset_index()
        self.councils, self.c = engine.councils, engine.councils
        for name in ("fte_ratio", "turnover_prior", "reference_caseload", "dist_zone", "zones_per_council", "reach",
                     "establishment_growth", "establishment_follows", "establishment_cut", "vacancy_norm",
                     "agency_theta"):
            setattr(self, name, getattr(engine, name))
        self.inspections = inspection_process()
        self.n_active = self.c.n_active
        g = nx.relabel_nodes(self.graph.subgraph(codes), {code: i for i, code in enumerate(codes)})
        kwargs = {"layout": None} if "layout" in Network.__init__.__code__.co_varnames else {}
        self.network = Network(g, random=self.random, **kwargs)
        self.reach = [[int(x) for x in row if x >= 0] for row in self.reach]
        self.dist_zone = self.dist_zone.tolist()
        self.history: list[dict[str, float]] = []
        self.worker_months = 0
        self._populate(census)
        self._record(initial=True)

    # ---- set-up -----------------------------------------------------------------------------
    def _populate(self, census) -> None:
        a = self.n_active
        perm = np.round(census.inpost_headcount.to_numpy(float)[:a]).astype(int)
        agency = np.round(census.agency_fte.to_numpy(float)[:a]).astype(int)
        for i in range(a):
            for _ in range(perm[i]):
                self.new_worker(i, PERM, initial=True)
            for _ in range(agency[i]):
                self.new_worker(i, AGENCY, initial=True)
        for _ in range(int(round(INITIAL_POOL_SHARE * agency.sum()))):
            self.new_worker(0, POOL, initial=True)

    def new_worker(self, council: int, status: str, initial: bool = False, new_qualifier: bool = False) -> Worker:
        """A worker joining at ``council`` (drawn as the engine's build helpers describe)."""
        rnd, is_agency = self.random, status != PERM
        near = [x if x < self.n_active else council for x in self.reach[council]]
        pick = near[int(rnd.random() * len(near))]
        home = pick if rnd.random() < HOME_ELSEWHERE_SHARE else council
        home_zone = home * self.zones_per_council + int(rnd.random() * self.zones_per_council)
        if new_qualifier:
            pq = 0
        else:
            least = max(36, self.p.agency_min_pq_months) if is_agency else (0 if initial else 12)
            span = max(self.p.career_months - least, 1)
            pq = -PQ_MEAN_MONTHS * math.log1p(-rnd.random() * (1 - math.exp(-span / PQ_MEAN_MONTHS)))
            pq = math.floor(pq + least)
        tenure = min(math.floor(rnd.expovariate(1 / TENURE_MEAN_MONTHS)), pq) if initial else 0
        fte = 1.0 if is_agency else float(np.float32(self.fte_ratio[council]))
        taste = math.exp(TASTE_SIGMA * rnd.gauss(0, 1) - TASTE_SIGMA**2 / 2)
        w = self.worker_class(self, status, home, pq, tenure, fte, taste, -tenure if initial else self.tick)
        w.home_zone = home_zone
        if status != POOL:
            w.cell = self.network[council]
        return w

    # ---- the month ------------------------------------------------------------------------------
    def step(self) -> None:
        self.tick += 1
        self.flows: dict[str, float] = defaultdict(float)
        self.councils_phase()
        self.payments_phase()
        self.exits_phase()
        self.moves_phase()
        self.recruitment_phase()
        self.agency_phase()
        self._record()

    def run(self, months: int) -> ReferenceModel:
        for _ in range(months):
            self.step()
        return self

    @property
    def calendar_month(self) -> int:
        return (8 + self.tick) % 12 + 1

    def workers(self, status: str) -> list[Worker]:
        return [w for w in self.agents_by_type[self.worker_class] if w.status == status]

    def recount(self) -> None:
        """Stocks, vacancies and caseloads of each simulated council, from the agents in its cell."""
        c = self.c
        for i in range(self.n_active):
            counts = {PERM: [0, 0.0], AGENCY: [0, 0.0]}
            for w in self.network[i].agents:
                counts[w.status][0] += 1
                counts[w.status][1] += w.fte
            c.perm_count[i], c.perm_fte[i] = counts[PERM]
            c.agency_count[i], c.agency_fte[i] = counts[AGENCY]
            c.vacancy_fte[i] = max(0.0, c.establishment_fte[i] - c.perm_fte[i])
            holders = c.case_holder_share[i] * (c.perm_fte[i] + c.agency_fte[i])
            c.caseload[i] = min(c.cases[i] / max(holders, 0.5), self.p.caseload_max)
        self._council_view()

    def _council_view(self) -> None:
        """What workers compare, per council (plain lists)."""
        c, p = self.c, self.p
        total = c.pay_gbp + c.market_supplement_gbp + c.retention_gbp
        self.log_pay = np.log(np.maximum(total, 1.0)).tolist()
        self.log_pay_gh = np.log(np.maximum(total + c.golden_hello_gbp / 2, 1.0)).tolist()
        a = self.n_active  # agency work pays the market's rate: the start's, moved by the mean change in pay
        change = sum(self.log_pay[i] - c.base_log_pay[i] for i in range(a)) / a
        self.agency_log_pay = [c.base_log_pay[i] + (change + math.log(p.agency_pay_premium)) for i in range(c.n)]
        self.council_term = (-p.b_caseload_per_case * (c.current_caseload() - self.reference_caseload)
                             + p.b_ofsted * c.reputation).tolist()
        self.offer_probability = np.minimum(1.0, p.offer_per_vacancy_rate * c.vacancy_rate()).tolist()
        self.has_vacancy = [bool(c.vacancy_fte[i] >= 0.5) if i < self.n_active else bool(c.fixed_vacancy_rate[i] > 0)
                            for i in range(c.n)]

    def councils_phase(self) -> None:
        c, p, rnd, a = self.c, self.p, self.random, self.n_active
        for i in range(a):
            if p.demand_trend_pct_per_year:
                c.cases[i] *= (1 + p.demand_trend_pct_per_year / 100) ** (1 / 12)
            if self.tick <= 12:
                c.cases[i] *= math.exp(c.demand_drift[i] / 12)
        growth = math.exp(p.establishment_trend_weight * self.establishment_growth / 12)
        fade = 0.5 ** (1 / p.establishment_follow_halflife_months)
        for i in range(a):  # funded posts: England's trend, a share of the council's own staffing, excess vacancies cut
            if self.tick <= 12:  # the first year: along the council's expected path
                path = c.establishment_fte[i] - c.establishment_follow_fte[i] + c.establishment_year1_change[i] / 12
                beyond = c.perm_fte[i] - c.perm_fte_before[i] - c.perm_fte_year1_change[i] / 12
            else:
                own_posts = c.establishment_fte[i] * math.exp(-c.judgement_posts_log[i])  # a judgement's posts stay
                excess = (1 - self.vacancy_norm) * own_posts - c.perm_fte[i]
                path = ((c.establishment_fte[i] - c.establishment_follow_fte[i] - self.establishment_cut * excess)
                        * growth)
                beyond = c.perm_fte[i] - c.perm_fte_before[i] * growth
            c.establishment_follow_fte[i] = c.establishment_follow_fte[i] * fade + self.establishment_follows * beyond
            c.establishment_fte[i] = max(0.0, path + c.establishment_follow_fte[i])
            c.perm_fte_before[i] = c.perm_fte[i]
        self.recount()
        pressure = self._pressure()
        process = self.inspections
        date = f"{self.base_year + (8 + self.tick) // 12}-{(8 + self.tick) % 12 + 1:02d}"
        inspecting = not paused(date)  # the 2020-21 pause: nobody inspected, the clock stops
        for i in range(a):
            if not inspecting:
                c.grade_tick[i] += 1
                continue
            g = int(c.grade[i])
            t = max(self.tick - int(c.grade_tick[i]), 0)
            k, lam = process.shape[g], process.scale_months[g]
            if rnd.random() < 1 - math.exp((t / lam) ** k - ((t + 1) / lam) ** k):
                # a worse grade with P expit(a_worse[g] + w z), a better one with expit(a_better[g] - w z),
                # split in the transition matrix's shares (sim.ofsted's estimates)
                z, w = pressure[i], p.inspection_pressure_weight
                up = 0.0 if g == 3 else 1 / (1 + math.exp(-(process.logit_worse[g] + w * z)))
                down = 0.0 if g == 0 else 1 / (1 + math.exp(-(process.logit_better[g] - w * z)))
                if up + down > 1:
                    up, down = up / (up + down), down / (up + down)
                row = process.transition[g]
                worse_total, better_total = sum(row[g + 1:]), sum(row[:g])
                weights = [up * row[j] / worse_total if j > g else down * row[j] / better_total if j < g
                           else 1 - up - down for j in range(4)]
                new = rnd.choices(range(4), weights=weights)[0]
                self.judge(i, new)
        self.phase_in()
        step = 1 - 0.5 ** (1 / p.reputation_halflife_months)
        for i in range(a):
            c.reputation[i] += (GRADE_REPUTATION[c.grade[i]] - c.reputation[i]) * step
        self._council_view()

    def judge(self, i: int, grade: int) -> None:
        """A judgement: entering or leaving Inadequate sets targets for funded posts, agency cover and
        hiring (sim.ofsted's estimates, not compounding), reached over 3, 3 and 12 months."""
        c, effects, k = self.c, self.inspections.effects, self.p.judgement_effects
        entering = grade == INADEQUATE and c.grade[i] != INADEQUATE
        leaving = c.grade[i] == INADEQUATE and grade != INADEQUATE
        for target, up, down in ((c.judgement_posts_target, "establishment_to_inadequate",
                                  "establishment_out_of_inadequate"),
                                 (c.judgement_agency_target, "agency_to_inadequate", "agency_out_of_inadequate"),
                                 (c.judgement_hires_target, "hires_to_inadequate", "hires_out_of_inadequate")):
            if entering:
                target[i] = max(target[i], k * effects[up])
            elif leaving:
                target[i] = max(target[i] + k * effects[down], 0.0)
        c.grade[i], c.grade_tick[i] = grade, self.tick

    def phase_in(self) -> None:
        c, effects, k = self.c, self.inspections.effects, self.p.judgement_effects
        for i in range(self.n_active):
            for carried, target, column, up, months in (
                    (c.judgement_posts_log, c.judgement_posts_target, c.establishment_fte,
                     "establishment_to_inadequate", 3),
                    (c.judgement_agency_log, c.judgement_agency_target, c.agency_base_fte, "agency_to_inadequate", 3),
                    (c.judgement_hires_log, c.judgement_hires_target, None, "hires_to_inadequate", 12)):
                most = abs(k * effects[up]) / months
                step = min(max(target[i] - carried[i], -most), most)
                if step:
                    if column is not None:
                        column[i] *= math.exp(step)
                    if column is c.establishment_fte:
                        c.establishment_census_fte[i] *= math.exp(step)
                    carried[i] += step

    def turnover_estimate(self, i: int) -> float:
        """Leavers over the last 12 months / FTE in post, topped up with the census rate."""
        c = self.c
        k = min(12, len(self.history) - 1)
        leavers = sum(h["leavers"][i] for h in self.history[len(self.history) - k:]) if k else 0.0
        if c.perm_fte[i] <= 0:
            return self.turnover_prior[i]  # nobody in post: the census prior
        return (leavers + self.turnover_prior[i] * c.perm_fte[i] * (12 - k) / 12) / c.perm_fte[i]

    def _pressure(self) -> list[float]:
        c, out = self.c, []
        for i in range(self.n_active):
            turnover = self.turnover_estimate(i)
            agency_rate = c.agency_fte[i] / max(c.agency_fte[i] + c.perm_fte[i], 1e-9)
            out.append(((c.caseload[i] - 16.5) / 3.0 + (agency_rate - 0.16) / 0.10 + (turnover - 0.15) / 0.08) / 3.0)
        return out

    def payments_phase(self) -> None:
        c = self.c
        for w in self.workers(PERM):
            e = w.employer
            self.flows["supplement_gbp"] += w.fte * c.market_supplement_gbp[e] / 12
            if (c.retention_month[e] == self.calendar_month and c.retention_gbp[e] > 0
                    and w.tenure >= c.retention_tenure_months[e]):
                self.flows["retention_gbp"] += c.retention_gbp[e]

    def exits_phase(self) -> None:
        for w in self.workers(PERM):
            if w.exits():
                self._leaver(w, "out_of_profession")
                w.leave_market()

    def _leaver(self, w: Worker, kind: str) -> None:
        self.flows[f"leavers_{kind}"] += w.fte
        self.leavers[w.employer] += w.fte

    def moves_phase(self) -> None:
        c, rnd = self.c, self.random
        for j in range(self.n_active, c.n):  # councils outside the region take movers at their census rate
            c.boundary_credit[j] = min(c.boundary_credit[j] + c.boundary_rate[j], 1 + 3 * c.boundary_rate[j])
        movers: list[tuple[Worker, int]] = []
        for w in self.workers(PERM):
            if rnd.random() >= w.search_probability():
                continue
            choice = w.choose()
            if choice == AGENCY:
                self._leaver(w, "agency")
                w.status, w.cell, w.left_perm_tick, w.tenure = POOL, None, self.tick, 0
            elif choice is not None:
                movers.append((w, choice))
        capacity = [math.floor(c.vacancy_fte[i] + 0.5) if i < self.n_active else math.floor(c.boundary_credit[i])
                    for i in range(c.n)]
        rnd.shuffle(movers)
        for w, dest in movers:
            if capacity[dest] < 1:
                continue
            capacity[dest] -= 1
            if dest >= self.n_active:
                c.boundary_credit[dest] -= 1
            if dest < self.n_active:
                self._leaver(w, "council")
                w.cell, w.tenure, w.hired_tick, w.left_perm_tick = self.network[dest], 0, self.tick, self.tick
            else:
                self._leaver(w, "outside_region")
                w.leave_market()

    def recruitment_phase(self) -> None:
        c, p, rnd = self.c, self.p, self.random
        self.recount()
        a = self.n_active
        mean_base = sum(c.base_log_pay[:a]) / a
        nq_share = p.nq_share_of_hires_september * {9: 1.0, 10: 0.5}.get(self.calendar_month, 0.1)
        for i in range(a):
            attract = math.exp(p.hire_reputation_weight * (c.reputation[i] - 0.5)
                               + p.hire_pay_weight * (self.log_pay_gh[i] - mean_base))
            leavers = self.turnover_estimate(i) * c.perm_fte[i] / 12
            hires = c.hire_identity[i] * attract / c.base_attractiveness[i] * math.exp(c.judgement_hires_log[i]) * (
                p.hire_per_leaver * leavers + p.hire_vacancy_fill_per_month * c.vacancy_fte[i])
            posts = max(0, math.floor(c.vacancy_fte[i] + 0.5))
            p_fill = min(0.95, hires / self.fte_ratio[i] / max(posts, 1))  # hires in FTE, filled by people
            for _ in range(posts):
                u = rnd.random()
                if u < p_fill:
                    self.new_worker(i, PERM, new_qualifier=u < p_fill * nq_share)
                    self.flows["starters"] += 1

    def agency_phase(self) -> None:
        c, p, rnd = self.c, self.p, self.random
        a = self.n_active
        ending = [w for w in self.workers(AGENCY) if rnd.random() < 1 / p.agency_placement_months]
        kinds = [rnd.random() for _ in ending]
        self.recount()
        capacity = [math.floor(c.vacancy_fte[i] + 0.5) for i in range(a)]
        wanting = [(w, v) for w, v in zip(ending, kinds, strict=True) if v < p.agency_convert_prob]
        rnd.shuffle(wanting)
        converted = set()
        for w, _ in wanting:
            if capacity[w.employer] >= 1:
                capacity[w.employer] -= 1
                converted.add(w)
        for w, v in zip(ending, kinds, strict=True):
            if w in converted:
                w.status, w.tenure, w.hired_tick = PERM, 0, self.tick
            elif p.agency_convert_prob <= v < p.agency_convert_prob + p.agency_exit_prob:
                w.leave_market()
            else:
                w.status, w.cell, w.tenure = POOL, None, 0
        self.recount()
        target = []
        for i in range(a):  # the workload gap at the council's own census caseload, and the drift of its cover
            need = c.cases[i] / (max(c.case_holder_share[i], 1e-9) * max(c.caseload_norm[i], 1.0))
            year = min(self.tick, 12) / 12
            base = c.agency_base_fte[i] * math.exp(c.agency_drift[i] * year)
            staffing, cases, posts = (x * p.agency_gap_cover_weight for x in self.agency_theta)
            wanted = max(0.0, base + staffing * (c.perm_fte_census[i] + c.perm_fte_year1_change[i] * year
                                                 - c.perm_fte[i])
                         + cases * (need - (c.workload_gap0_fte[i] + c.perm_fte_census[i])
                                    * math.exp(c.demand_drift[i] * year))
                         + posts * (c.establishment_fte[i] - c.establishment_census_fte[i]
                                    - c.establishment_year1_change[i] * year))
            target.append(min(wanted, c.agency_cap_fte[i]))
        for i in range(a):  # end placements a council no longer wants
            surplus = math.floor(c.agency_fte[i] - target[i])
            if surplus >= 1:
                placed = [w for w in self.network[i].agents if w.status == AGENCY]
                for w in rnd.sample(placed, min(surplus, len(placed))):
                    w.status, w.cell, w.tenure = POOL, None, 0
        self.recount()
        open_posts = [max(0, math.floor(target[i] - c.agency_fte[i] + 0.5)) for i in range(a)]
        pool = [w for w in self.workers(POOL) if w.may_take_placement()]
        rnd.shuffle(pool)
        for _ in range(3):  # rounds: each applies to the council in reach with the most open posts
            choice = {}
            for w in pool:
                near = [j for j in self.reach[w.home] if j < a and open_posts[j] > 0]
                if near:
                    choice[w] = max(near, key=lambda j: (open_posts[j], -self.reach[w.home].index(j)))
            for w, i in choice.items():  # in the pool's random order, while posts last
                if open_posts[i] >= 1:
                    open_posts[i] -= 1
                    w.status, w.cell, w.tenure = AGENCY, self.network[i], 0
            pool = [w for w in pool if w.status == POOL]
        for i in range(a):
            for _ in range(open_posts[i]):
                if rnd.random() < p.agency_external_fill_per_month:
                    self.new_worker(i, AGENCY)
        for w in self.workers(POOL):
            if rnd.random() < p.agency_pool_exit_per_month:
                w.leave_market()

    def _record(self, initial: bool = False) -> None:
        self.recount()
        a, c = self.n_active, self.c
        row = {"perm_fte": float(c.perm_fte[:a].sum()), "agency_fte": float(c.agency_fte[:a].sum()),
               "vacancy_fte": float(c.vacancy_fte[:a].sum()), **getattr(self, "flows", {})}
        row["leavers"] = getattr(self, "leavers", [0.0] * c.n)
        self.history.append(row)
        self.leavers = [0.0] * c.n
        if not initial:
            workers = list(self.agents_by_type[self.worker_class])
            self.worker_months += len(workers)
            for w in workers:
                w.pq_months += 1
                w.tenure += 1

    # ---- outcomes ---------------------------------------------------------------------------
    def summary(self, last_months: int = 12) -> dict[str, float]:
        """The region's census-style outcomes, defined as the engine's ``Results.summary``."""
        end = self.history[-1]
        window = self.history[-last_months:]
        scale = 12 / max(1, min(last_months, len(self.history) - 1))
        flows = {k: sum(h.get(f"leavers_{k}", 0.0) for h in window) * scale for k in LEAVER_KINDS}
        leavers, inpost = sum(flows.values()), end["perm_fte"]
        return {
            "turnover_pct": 100 * leavers / inpost,
            "council_moves_pct": 100 * (flows["council"] + flows["outside_region"]) / inpost,
            "leavers_to_agency_pct": 100 * flows["agency"] / max(leavers, 1e-9),
            "agency_rate_pct": 100 * end["agency_fte"] / (end["agency_fte"] + inpost),
            "vacancy_rate_pct": 100 * end["vacancy_fte"] / (end["vacancy_fte"] + inpost),
        }


class DoubleExitReference(ReferenceModel):
    """A deliberately wrong reference (twice the exit hazard), to show the agreement test can fail."""

    worker_class = DoubleExitWorker
