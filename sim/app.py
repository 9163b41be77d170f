"""The browser view: step through a run on a map of England's councils (``sim app``).

Serve it with ``sim app`` (see :mod:`sim.app_cli`), or directly with
``solara run sim.app:page`` plus the offline settings of ``docs/browser_notes.md``.

* :class:`AppModel` is a :class:`~sim.model.WorkforceModel` whose constructor takes the page's
  controls as flat arguments (council, pay uplift %, golden hello, ...) and turns them into
  policies and parameters. Mesa's Reset rebuilds ``AppModel(**controls)``.
* :func:`Page` builds one model per browser tab (``solara.use_memo``), hands it to Mesa's
  ``SolaraViz`` as a reactive value (for Step, Play, Reset and the controls in the sidebar) and
  lays out the map, the council's figures, the largest flows and two charts beside it.
* ``page`` is the module-level page Solara serves, as in Mesa's examples (``page = SolaraViz(...)``):
  an element of :func:`Page`, so each browser tab that renders it still builds its own model.
* The figures come from :mod:`sim.app_components` (plain matplotlib, testable without a browser).
"""

from __future__ import annotations

import os
import zlib
from typing import Any

import solara
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from . import app_components as ac
from .data import CENSUS_YEARS
from .errors import SimInputError
from .model import WorkforceModel
from .params import SPECS
from .policies import AgencyCap, GoldenHello, PayUplift, RetentionPayment

REGION_ENV = "SIM_APP_REGION"  # `sim app --region` passes the starting region to the server this way
DEFAULT_COUNCIL = "Bexley"
DEFAULT_MEASURE = "vacancy rate %"
BEHAVIOUR = ("b_pay", "b_ofsted", "search_rate_per_month", "switching_cost")


def default_region() -> str:
    """The region the page starts with: ``$SIM_APP_REGION`` or all England."""
    return os.environ.get(REGION_ENV, "").strip() or "england"


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


def lever_policies(council: str, pay_uplift_pct: float = 0.0, golden_hello_gbp: float = 0.0,
                   retention_gbp: float = 0.0, agency_cap_pct: float = 100.0) -> list:
    """The policies the page's levers ask for at one council, all from the first month of the run.

    A lever at its neutral value (0, or 100 % for the agency cap) adds no policy.
    """
    out: list = []
    if pay_uplift_pct:
        out.append(PayUplift(councils=[council], pct=float(pay_uplift_pct)))
    if golden_hello_gbp:
        out.append(GoldenHello(councils=[council], gbp=float(golden_hello_gbp)))
    if retention_gbp:
        out.append(RetentionPayment(councils=[council], gbp=float(retention_gbp)))
    if agency_cap_pct is not None and float(agency_cap_pct) < 100:
        out.append(AgencyCap(councils=[council], max_share=max(0.0, float(agency_cap_pct)) / 100))
    return out


class AppModel(WorkforceModel):
    """A :class:`WorkforceModel` built from the browser page's controls.

    Args:
        region: a region name (``sim regions``).
        seed: the run's seed, as text or a number (see :func:`parse_seed`).
        council: the council the levers act on and the page shows (name or code). If it is not
            simulated in ``region`` the levers are ignored, the region's first council is shown,
            and ``notes`` says so.
        pay_uplift_pct: a :class:`~sim.policies.PayUplift` of this many % at ``council``.
        golden_hello_gbp: a :class:`~sim.policies.GoldenHello` of this many pounds per starter.
        retention_gbp: a :class:`~sim.policies.RetentionPayment` of this many pounds, paid each
            January to workers with 12 months' service.
        agency_cap_pct: an :class:`~sim.policies.AgencyCap` holding agency FTE to this share of
            the council's workforce (100 = no cap).
        b_pay, b_ofsted, search_rate_per_month, switching_cost: behavioural parameters
            (``sim params``); the defaults are the model's.
        base_year: census year the run starts from.
    """

    def __init__(self, region: str = "england", seed: Any = "0", council: str = DEFAULT_COUNCIL,
                 pay_uplift_pct: float = 0.0, golden_hello_gbp: float = 0.0, retention_gbp: float = 0.0,
                 agency_cap_pct: float = 100.0, b_pay: float = SPECS["b_pay"].default,
                 b_ofsted: float = SPECS["b_ofsted"].default,
                 search_rate_per_month: float = SPECS["search_rate_per_month"].default,
                 switching_cost: float = SPECS["switching_cost"].default,
                 base_year: int = CENSUS_YEARS[-1]) -> None:
        self.controls = {
            "region": region, "seed": seed, "council": council, "pay_uplift_pct": pay_uplift_pct,
            "golden_hello_gbp": golden_hello_gbp, "retention_gbp": retention_gbp,
            "agency_cap_pct": agency_cap_pct, "b_pay": b_pay, "b_ofsted": b_ofsted,
            "search_rate_per_month": search_rate_per_month, "switching_cost": switching_cost,
        }
        behaviour = {k: float(self.controls[k]) for k in BEHAVIOUR if float(self.controls[k]) != SPECS[k].default}
        super().__init__(region=region, base_year=base_year, seed=parse_seed(seed), months=None,
                         **behaviour)  # no planned end: Play goes on
        self.notes: list[str] = []
        if str(seed).strip() and not str(seed).strip().lstrip("-").isdigit():
            self.notes.append(f"seed {str(seed).strip()!r} is not a whole number; using {self.seed}")
        try:
            self.focus = self.council_index(council)
        except SimInputError:
            self.focus = 0
            self.notes.append(f"{council} is not simulated in {self.region.name}: its levers are ignored. "
                              f"Pick a council of this region and press Reset.")
            return
        for policy in lever_policies(self.council_agents[self.focus].name, pay_uplift_pct, golden_hello_gbp,
                                     retention_gbp, agency_cap_pct):
            self.add_policy(policy)

    @property
    def focus_name(self) -> str:
        return self.council_agents[self.focus].name

    def lever_summary(self) -> str:
        """The levers in force at the focus council, in words."""
        parts = [f"{p.kind.replace('_', ' ')} ({_policy_amount(p)})" for p in self.policies]
        return ", ".join(parts) or "no levers"


def _policy_amount(p: Any) -> str:
    if isinstance(p, PayUplift):
        return f"{p.pct:+g}%"
    if isinstance(p, AgencyCap):
        return f"{100 * p.max_share:g}% of workforce"
    return f"£{p.gbp:,.0f}"


# --------------------------------------------------------------------------- controls


def council_choices(model: WorkforceModel) -> list[str]:
    """The simulated councils of a model's region, by name, sorted."""
    return sorted(a.name for a in model.council_agents[: model.councils.n_active])


def initial_controls(region: str) -> dict[str, Any]:
    """The controls' starting values for a region: Bexley if it is in the region, else its first
    council by name; every lever neutral; the model's default behaviour."""
    from .data import load_seeds
    from .regions import build_region

    seeds = load_seeds()
    names = sorted(seeds.councils.set_index("code").loc[list(build_region(seeds, region).members), "name"])
    return {"region": region, "seed": "0", "council": DEFAULT_COUNCIL if DEFAULT_COUNCIL in names else names[0],
            "pay_uplift_pct": 0.0, "golden_hello_gbp": 0, "retention_gbp": 0, "agency_cap_pct": 100,
            **{k: SPECS[k].default for k in BEHAVIOUR}}


def model_params(model: WorkforceModel, start: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Mesa ``model_params`` for the sidebar: one entry per :class:`AppModel` argument.

    ``start`` holds the starting values (:func:`initial_controls`); the council list is that of
    the current model's region (it follows the region after Reset).
    """
    from .data import load_seeds
    from .regions import region_names

    def slider(kind: str, key: str, label: str, lo: float, hi: float, step: float) -> dict[str, Any]:
        return {"type": kind, "value": start[key], "label": label, "min": lo, "max": hi, "step": step}

    return {
        "region": {"type": "Select", "value": start["region"], "label": "Region",
                   "values": list(region_names(load_seeds()))},
        "seed": {"type": "InputText", "value": start["seed"], "label": "Random seed"},
        "council": {"type": "Select", "value": start["council"], "label": "Council (levers, map highlight)",
                    "values": council_choices(model)},
        "pay_uplift_pct": slider("SliderFloat", "pay_uplift_pct", "Pay uplift at the council, %", -10, 30, 1),
        "golden_hello_gbp": slider("SliderInt", "golden_hello_gbp", "Golden hello, £ per starter", 0, 10_000, 500),
        "retention_gbp": slider("SliderInt", "retention_gbp", "Retention payment, £ a year", 0, 10_000, 500),
        "agency_cap_pct": slider("SliderInt", "agency_cap_pct", "Agency cap, % of workforce (100 = none)",
                                 0, 100, 5),
        "b_pay": slider("SliderFloat", "b_pay", "Weight on pay (b_pay)", 0, 12, 0.5),
        "b_ofsted": slider("SliderFloat", "b_ofsted", "Weight on Ofsted reputation (b_ofsted)", 0, 5, 0.25),
        "search_rate_per_month": slider("SliderFloat", "search_rate_per_month",
                                        "Job search rate per month", 0, 0.05, 0.002),
        "switching_cost": slider("SliderFloat", "switching_cost", "Cost of switching employer", 0, 6, 0.25),
    }


# --------------------------------------------------------------------------- components


def _key(model: AppModel, *extra: Any) -> list[Any]:
    return [model, model.tick, *extra]


@solara.component
def MonthHeader(model: AppModel):
    update_counter.get()
    solara.Text(f"{model.region.description} ({model.region.name}), seed {model.seed}: month {model.date()} "
                f"(month {model.tick} of the run). {model.focus_name}: {model.lever_summary()}.",
                classes=["app-month"])
    p = model.p
    solara.Text(f"Behaviour: weight on pay {p.b_pay:g}, on Ofsted reputation {p.b_ofsted:g}; job search "
                f"{p.search_rate_per_month:g} a month; switching cost {p.switching_cost:g}. Controls in the "
                "sidebar take effect when you press Reset.", style={"font-size": "13px", "color": "#555"})
    for note in model.notes:
        solara.Warning(note)


@solara.component
def MapView(model: AppModel, measure: str):
    """The region's councils coloured by ``measure`` with the last months' moves drawn as lines."""
    update_counter.get()
    key = _key(model, measure)
    fig = solara.use_memo(lambda: ac.map_figure(model, measure, model.focus), key)
    solara.FigureMatplotlib(fig, format="png", dependencies=key)


@solara.component
def CouncilFacts(model: AppModel):
    """This month's figures for the chosen council, as a small table."""
    update_counter.get()
    rows = [[label, value] for label, value in ac.council_facts(model, model.focus)]
    solara.HTML(tag="div", unsafe_innerHTML=ac.html_table(["", "this month"], rows, "council-facts"))


@solara.component
def FlowTable(model: AppModel):
    """The largest council-to-council flows of the last 12 months."""
    update_counter.get()
    rows = [[a, b, str(n)] for a, b, n in ac.top_flows(model, months=12, n=10)]
    if not rows:
        solara.Text("No moves between councils yet: press Step or Play.")
        return
    solara.HTML(tag="div", unsafe_innerHTML=ac.html_table(["from", "to", "movers"], rows, "flow-table"))


@solara.component
def RegionChart(model: AppModel):
    """The region's vacancy, agency and turnover rates over time."""
    update_counter.get()
    key = _key(model)
    fig = solara.use_memo(lambda: ac.region_figure(model), key)
    solara.FigureMatplotlib(fig, format="png", dependencies=key)


@solara.component
def NeighbourChart(model: AppModel, measure: str):
    """The chosen council against its neighbours, on the map's measure."""
    update_counter.get()
    key = _key(model, measure)
    fig = solara.use_memo(lambda: ac.neighbour_figure(model, model.focus, measure), key)
    solara.FigureMatplotlib(fig, format="png", dependencies=key)


@solara.component
def Dashboard(model: AppModel):
    """Everything beside Mesa's sidebar: map, council figures, largest flows and two charts."""
    measure = solara.use_reactive(DEFAULT_MEASURE)
    with solara.Column(style={"padding": "8px"}):
        MonthHeader(model)
        with solara.Columns([3, 2]):
            with solara.Card("Map"):
                solara.Select("Colour councils by", values=list(ac.MEASURES), value=measure)
                MapView(model, measure.value)
            with solara.Column():
                with solara.Card(f"{model.focus_name} this month"):
                    CouncilFacts(model)
                with solara.Card("Largest flows, last 12 months"):
                    FlowTable(model)
        with solara.Columns([1, 1]):
            with solara.Card("Region over time"):
                RegionChart(model)
            with solara.Card(f"{model.focus_name} and its neighbours"):
                NeighbourChart(model, measure.value)


def make_page(model: solara.Reactive, start: dict[str, Any]):
    """SolaraViz (sidebar: Step, Play, Reset, the controls) plus the :func:`Dashboard`."""
    SolaraViz(model, components=[], model_params=model_params(model.value, start),
              name="cswsim: children's social workers", play_interval=300)
    Dashboard(model.value)


@solara.component
def Page():
    """One model per browser tab, starting in ``$SIM_APP_REGION`` (default: all England)."""
    start = solara.use_memo(lambda: initial_controls(default_region()), [])
    first = solara.use_memo(lambda: AppModel(**start), [])
    model = solara.use_reactive(first)
    make_page(model, start)


# Mesa's convention: `solara run sim.app:page`. An element of Page, rendered anew (own model) per tab.
page = Page()
