"""The browser view's sidebar controls: the run, the policy arm's levers and the behaviour.

The controls live in one ``solara.Reactive`` dict (:func:`initial_controls`); Mesa's Reset passes it
to :class:`~sim.app_model.AppModel`. Every slider shows its value. Behavioural parameters are set
as a multiple of their calibrated value (the default in :data:`sim.params.SPECS`, read when the page
is built): the slider starts at exactly 1, which is on the slider's grid, so the browser never
snaps it and a Reset with nothing touched rebuilds the calibrated run bit for bit.
"""

from __future__ import annotations

from typing import Any

import solara

from .app_model import BEHAVIOUR, BEHAVIOUR_LABELS, DEFAULT_COUNCIL, NO_SCENARIO, AppModel, scenario_names
from .params import SPECS

MULTIPLIER = {"min": 0.0, "max": 3.0, "step": 0.05}  # behaviour sliders: x calibrated value
LEVER_START_MAX = 36


def initial_controls(region: str) -> dict[str, Any]:
    """The controls' starting values for a region: Bexley if it is in the region, else its first
    council by name; no scenario; every lever neutral from month 1; calibrated behaviour."""
    from .data import load_seeds
    from .regions import build_region

    seeds = load_seeds()
    names = sorted(seeds.councils.set_index("code").loc[list(build_region(seeds, region).members), "name"])
    return {"region": region, "seed": "0", "council": DEFAULT_COUNCIL if DEFAULT_COUNCIL in names else names[0],
            "scenario_file": NO_SCENARIO, "pay_uplift_pct": 0.0, "golden_hello_gbp": 0, "retention_gbp": 0,
            "agency_cap_pct": 100, "lever_start": 1, "behaviour": {k: SPECS[k].default for k in BEHAVIOUR},
            "behaviour_x": {k: 1.0 if SPECS[k].default else 0.0 for k in BEHAVIOUR}}


def behaviour_value(name: str, multiple: float) -> float:
    """The parameter value for a slider at ``multiple`` times the calibrated value (exactly the
    default at 1), kept inside the parameter's allowed range. A parameter whose default is 0 is set
    directly (the slider then runs over its range)."""
    spec = SPECS[name]
    if spec.default == 0:
        return float(min(max(multiple, spec.lo), spec.hi))
    if multiple == 1:
        return spec.default
    return float(min(max(spec.default * multiple, spec.lo), spec.hi))


RUN_KEYS = ("region", "seed", "council", "scenario_file", "pay_uplift_pct", "golden_hello_gbp", "retention_gbp",
            "agency_cap_pct", "lever_start")


def controls_differ(state: dict[str, Any], built: dict[str, Any]) -> bool:
    """True if the controls ask for another run than the one built from ``built``."""
    if any(not _same(state.get(k), built.get(k)) for k in RUN_KEYS):
        return True
    return any(float(state["behaviour"].get(k, SPECS[k].default)) != float(built["behaviour"].get(k, SPECS[k].default))
               for k in BEHAVIOUR)


def _same(a: Any, b: Any) -> bool:
    """Equal as numbers if both are numbers (a slider may send 0 for 0.0), else as text."""
    try:
        return float(a) == float(b)
    except (TypeError, ValueError):
        return str(a) == str(b)


def _fmt(value: float) -> str:
    return f"{value:.6g}"


@solara.component
def BehaviourSlider(name: str, controls: solara.Reactive):
    """A behavioural parameter: its value, a 'calibrated' mark, and a slider in multiples of it."""
    spec = SPECS[name]
    state = controls.value
    x = state["behaviour_x"].get(name, 1.0)
    value = state["behaviour"].get(name, spec.default)
    mark = "calibrated" if value == spec.default else f"changed; calibrated {_fmt(spec.default)}"
    colour = "#1b5e20" if value == spec.default else "#b71c1c"

    def set_x(new: float) -> None:
        new = float(new)
        controls.set({**controls.value, "behaviour_x": {**controls.value["behaviour_x"], name: new},
                      "behaviour": {**controls.value["behaviour"], name: behaviour_value(name, new)}})

    solara.Text(f"{BEHAVIOUR_LABELS[name]} ({name}) = {_fmt(value)}", classes=["behaviour-value"],
                style={"font-size": "14px"})
    solara.Text(mark, classes=["behaviour-mark"], style={"font-size": "12px", "color": colour})
    if spec.default == 0:
        solara.SliderFloat(f"{name}", value=x, min=spec.lo, max=spec.hi, step=(spec.hi - spec.lo) / 100,
                           on_value=set_x, thumb_label="always")
    else:
        solara.SliderFloat(f"{name}: x calibrated", value=x, on_value=set_x, thumb_label="always", **MULTIPLIER)


@solara.component
def ControlPanel(model: AppModel, controls: solara.Reactive):
    """The sidebar: what to run (region, seed, scenario), the policy arm's levers, the behaviour."""
    from .data import load_seeds
    from .regions import region_names

    state = controls.value

    def put(key: str) -> Any:
        return lambda v: controls.set({**controls.value, key: v})

    solara.Style(".app-controls .v-slider__thumb-label { font-size: 11px; } "
                 ".app-controls .v-input__slider { padding-top: 26px; }")  # room for the value above the thumb
    with solara.Column(classes=["app-controls"]):
        with solara.Card("Run (press Reset to apply)"):
            solara.Select("Region", values=list(region_names(load_seeds())), value=state["region"],
                          on_value=put("region"))
            solara.InputText("Random seed", value=state["seed"], on_value=put("seed"))
        with solara.Card("Policy arm"):
            solara.Select("Scenario file (experiments/scenarios)", values=[NO_SCENARIO, *scenario_names()],
                          value=state["scenario_file"], on_value=put("scenario_file"))
            councils = sorted(a.name for a in model.council_agents[: model.councils.n_active])
            if state["council"] not in councils:
                councils = [state["council"], *councils]
            solara.Select("Council the levers act on", values=councils, value=state["council"],
                          on_value=put("council"))
            start = state["lever_start"]
            solara.Text(f"The levers start in {model.date(start)} (month {start} of the run).",
                        classes=["app-lever-start"], style={"font-size": "14px"})
            solara.SliderInt("Levers start in month", value=start, min=1, max=LEVER_START_MAX,
                             on_value=put("lever_start"), thumb_label="always")
            solara.SliderFloat("Pay uplift at the council, %", value=state["pay_uplift_pct"], min=-10,
                               max=30, step=0.5, on_value=put("pay_uplift_pct"), thumb_label="always")
            solara.SliderInt("Golden hello, £ per starter",
                             value=state["golden_hello_gbp"], min=0, max=10_000, step=500,
                             on_value=put("golden_hello_gbp"), thumb_label="always")
            solara.SliderInt("Retention payment, £ a year", value=state["retention_gbp"],
                             min=0, max=10_000, step=500, on_value=put("retention_gbp"), thumb_label="always")
            cap = state["agency_cap_pct"]
            solara.SliderInt("Agency cap, % of workforce (100 = none)", value=cap,
                             min=0, max=100, step=5, on_value=put("agency_cap_pct"), thumb_label="always")
        with solara.Card("Behaviour (both arms)"):
            for name in BEHAVIOUR:
                BehaviourSlider(name, controls)
            solara.Button("Back to calibrated values", text=True, classes=["app-calibrated"],
                          on_click=lambda: controls.set({**controls.value,
                                                         "behaviour": {k: SPECS[k].default for k in BEHAVIOUR},
                                                         "behaviour_x": {k: 1.0 for k in BEHAVIOUR}}))
