"""The browser view: a policy and its baseline, stepped together on a map of the councils (``sim app``).

Serve it with ``sim app`` (see :mod:`sim.app_cli`), or directly with
``solara run sim.app:page`` plus the offline settings of ``docs/browser_notes.md``.

* :class:`~sim.app_model.AppModel` (re-exported here) is the run: the policy arm, with the same run
  without policies as ``model.baseline`` (same seed: common random numbers).
* :func:`Page` builds one run per browser tab, hands it to Mesa's ``SolaraViz`` (Step, Play, Reset)
  and draws the page's own controls (:mod:`sim.app_controls`) and the dashboard: the interactive map
  (:mod:`sim.app_map`, ``council_map.vue``), charts and tables (:mod:`sim.app_components`) and
  exports (:mod:`sim.app_export`).
* Mesa's Reset calls ``AppModel(controls=...)`` with the page's control state, so a Reset with no
  control touched rebuilds exactly the same run.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import solara
import solara.server.settings

# Two warnings the terminal would repeat on every page load: Mesa 3.3's SolaraViz breaks a Solara hook
# rule (harmless, fixed in Mesa 3.5), and Solara's session cookie cannot be SameSite=None over plain
# http on 127.0.0.1 (it falls back to Lax, which is what a local page needs).
warnings.filterwarnings("ignore", message=r".*ComponentsView: `use_state` found despite early return",
                        category=UserWarning)
warnings.filterwarnings("ignore", message=r"Cookies with samesite=none require https", category=UserWarning)

from mesa.visualization import SolaraViz  # noqa: E402
from mesa.visualization.utils import update_counter  # noqa: E402

from . import app_components as ac  # noqa: E402
from . import app_export, app_map  # noqa: E402
from .app_controls import ControlPanel, controls_differ, initial_controls  # noqa: E402
from .app_model import BEHAVIOUR, DEFAULT_COUNCIL, AppModel, lever_policies, parse_seed  # noqa: E402

REGION_ENV = "SIM_APP_REGION"  # `sim app --region` passes the starting region to the server this way
DEFAULT_MEASURE = "vacancy rate %"
ARM_LABELS = {"policy": "policy", "baseline": "baseline", "difference": "difference (policy - baseline)"}
MAP_PX = 600  # the map's width on the page, pixels

# Solara's "This website runs on Solara" badge sits over the bottom of the page (and the flows table)
solara.server.settings.theme.show_banner = False

__all__ = ["AppModel", "BEHAVIOUR", "DEFAULT_COUNCIL", "Page", "lever_policies", "parse_seed"]


def default_region() -> str:
    """The region the page starts with: ``$SIM_APP_REGION`` or all England."""
    return os.environ.get(REGION_ENV, "").strip() or "england"


@solara.component_vue(str(Path(__file__).with_name("council_map.vue")))
def CouncilMapSvg(shapes: list, fills: list, tips: list, flows: list, legend: dict, zooms: dict, focus: str,
                  width: float, height: float, px: int, event_pick: Callable[[str], None] | None = None):
    """The SVG map drawn in the browser (hover, click, zoom, pan); see :mod:`sim.app_map`."""


def _key(model: AppModel, *extra: Any) -> list[Any]:
    return [model, model.tick, *extra]


@solara.component
def MonthHeader(model: AppModel, controls: solara.Reactive):
    """The month on screen, the run, the policy and when it starts."""
    update_counter.get()
    solara.Text(f"{model.date()}: month {model.tick} of the run", classes=["app-now"],
                style={"font-size": "22px", "font-weight": "600"})
    source = f"scenario {model.scenario_file.name!r}: " if model.scenario_file is not None else ""
    solara.Text(f"{model.region.description} ({model.region.name}), seed {model.seed}. Policy arm: {source}"
                f"{model.lever_summary()}.", classes=["app-month"], style={"font-size": "15px"})
    first = model.first_policy_tick
    if first is not None:
        state = "has started" if model.tick >= first else "has not started yet: both arms are the same run so far"
        solara.Text(f"The policy starts in {model.date(first)} (month {first} of the run) and {state}.",
                    classes=["app-start"], style={"font-size": "15px", "color": "#8a4b00"})
    for note in model.notes:
        solara.Warning(note)
    if controls_differ(controls.value, model.controls):
        solara.Warning("The controls in the sidebar differ from the run on screen: press Reset to start a new run "
                       "with them.", classes=["app-pending"])


@solara.component
def MapView(model: AppModel, measure: str, arm: str, shown: int, on_pick: Callable[[str], None]):
    """The interactive map of one arm (or the difference) with the last months' moves."""
    update_counter.get()
    frame = solara.use_memo(lambda: app_map.frame_of(model), [model])
    layers = solara.use_memo(lambda: app_map.map_layers(model, measure, arm), _key(model, measure, arm))
    solara.Text(layers["title"], classes=["app-map-title"], style={"font-size": "14px"})
    CouncilMapSvg(shapes=frame.shapes, fills=layers["fills"], tips=layers["tips"], flows=layers["flows"],
                  legend=layers["legend"], zooms=frame.zooms, focus=model.council_agents[shown].code,
                  width=frame.width, height=frame.height, px=MAP_PX, event_pick=on_pick)


@solara.component
def Figure(model: AppModel, kind: str, shown: int, measure: str):
    """One matplotlib chart, redrawn when the month (or what it shows) changes."""
    update_counter.get()
    key = _key(model, kind, shown, measure)
    def draw():
        return ac.region_figure(model) if kind == "region" else ac.neighbour_figure(model, shown, measure)

    fig = solara.use_memo(draw, key)
    solara.FigureMatplotlib(fig, format="png", dependencies=key)


@solara.component
def Tables(model: AppModel, shown: int, arm: str):
    """The shown council's figures in both arms, and the largest flows (or changes in flows)."""
    update_counter.get()
    rows = ac.council_facts(model, shown)
    with solara.Columns([1, 1]):
        with solara.Card(f"{model.council_agents[shown].name} this month"):
            solara.HTML(tag="div", unsafe_innerHTML=ac.html_table(["", "policy", "baseline", "difference"], rows,
                                                                  "council-facts"))
        title = "Largest changes in flows, last 12 months" if arm == "difference" else \
            f"Largest flows, last 12 months ({arm})"
        with solara.Card(title):
            flows = [[a, b, f"{n:+d}" if arm == "difference" else str(n)] for a, b, n in
                     ac.top_flows(model, months=12, n=10, arm=arm)]
            if flows:
                solara.HTML(tag="div", unsafe_innerHTML=ac.html_table(["from", "to", "movers"], flows, "flow-table"))
            else:
                solara.Text("No moves between councils yet: press Step or Play." if arm != "difference"
                            else "No difference in flows yet.")


@solara.component
def Exports(model: AppModel, measure: str, arm: str, shown: int):
    """Download buttons: both arms as Parquet or CSV, the map's history as a GIF."""
    update_counter.get()
    stem = f"cswsim_{model.region.name}_seed{model.seed}_to_{model.date()}"
    with solara.Row(classes=["app-exports"]):
        solara.FileDownload(lambda: app_export.run_bytes(model, "parquet"), filename=f"{stem}.parquet",
                            label="Run, both arms (Parquet)")
        solara.FileDownload(lambda: app_export.run_bytes(model, "csv"), filename=f"{stem}.csv",
                            label="Run, both arms (CSV)")
        solara.FileDownload(lambda: app_export.map_gif(model, measure, arm, shown),
                            filename=f"{stem}_{arm}_map.gif", label="Map history (GIF)")


@solara.component
def Dashboard(model: AppModel, controls: solara.Reactive):
    """Everything beside Mesa's sidebar: header, map and charts side by side, tables, exports."""
    measure = solara.use_reactive(DEFAULT_MEASURE)
    arm = solara.use_reactive("difference" if model.policies else "policy")
    picked = solara.use_reactive("")
    codes = [x.code for x in model.council_agents[: model.councils.n_active]]
    shown = codes.index(picked.value) if picked.value in codes else model.focus
    solara.Style(".v-navigation-drawer .v-card { margin-bottom: 6px; } .app-page { padding-bottom: 60px; }")
    with solara.Column(style={"padding": "8px"}, classes=["app-page"]):
        MonthHeader(model, controls)
        with solara.Columns([1, 1]):
            with solara.Card(classes=["app-map-card"], style={"overflow": "hidden"}):
                with solara.Row(style={"flex-wrap": "wrap"}):
                    solara.ToggleButtonsSingle(value=arm, values=list(ac.ARMS), classes=["app-arm"])
                    solara.Select("Colour councils by", values=list(ac.MEASURES), value=measure,
                                  style={"min-width": "240px"})
                MapView(model, measure.value, arm.value, shown, picked.set)
            with solara.Column():
                Figure(model, "region", shown, measure.value)
                Figure(model, "neighbours", shown, measure.value)
        Tables(model, shown, arm.value)
        with solara.Card("Export"):
            Exports(model, measure.value, arm.value, shown)


@solara.component
def SidebarPanel(model: AppModel, controls: solara.Reactive):
    """The page's own sidebar cards, under Mesa's (Step, Play, Reset): the month, then the controls."""
    update_counter.get()
    # Solara puts this before Mesa's cards; the CSS moves Mesa's (Step, Play, Reset) back to the top
    # and hides Mesa's "Model Parameters" card, which is empty (the controls are the page's own)
    solara.Style("div:has(> .app-side) { display: flex; flex-direction: column; } .app-side { order: 1; } "
                 "div:has(> .app-side) > :first-child > .v-card:nth-child(2):not(:has(.v-input)) { display: none; }")
    with solara.Sidebar(), solara.Column(classes=["app-side"]):
        with solara.Card(classes=["app-now-card"]):
            solara.Text(f"Now: {model.date()}, month {model.tick}", classes=["app-now-side"],
                        style={"font-size": "18px", "font-weight": "600", "display": "block"})
            solara.Text(f"run {model.fingerprint()}", classes=["app-fingerprint"],
                        style={"font-size": "12px", "color": "#666", "display": "block"})
        ControlPanel(model, controls)


@solara.component
def Page():
    """One run (policy arm and baseline) per browser tab, starting in ``$SIM_APP_REGION``."""
    controls = solara.use_reactive(solara.use_memo(lambda: initial_controls(default_region()), []))
    first = solara.use_memo(lambda: AppModel(controls=dict(controls.value)), [])
    model = solara.use_reactive(first)
    SolaraViz(model, components=[], model_params={"controls": controls},
              name="cswsim: a policy against its baseline", play_interval=300)
    SidebarPanel(model.value, controls)
    Dashboard(model.value, controls)


# Mesa's convention: `solara run sim.app:page`. An element of Page, rendered anew (own model) per tab.
page = Page()
