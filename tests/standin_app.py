"""A tiny stand-in Mesa model and SolaraViz page for the browser-harness tests.

This is *not* the real simulation. It has the same ingredients the real browser
page will need, so the recipe in ``docs/browser_notes.md`` can be proven before
``sim.model.WorkforceModel`` exists:

* councils drawn as polygons at fixed positions and coloured by a value, with a
  custom component built on ``solara.FigureMatplotlib`` (Mesa's network drawer
  would re-lay them out with a spring layout);
* ``model_params`` with a slider, a select and a free-text seed box;
* a line chart of a model-level measure via ``make_plot_component``.

Serve it with ``solara run tests.standin_app:page`` (module-level model, shared
by every tab until Reset, as in Mesa's own examples) or
``tests.standin_app:SessionPage`` (one model per browser tab).
"""

from __future__ import annotations

import math

import mesa
import solara
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from mesa.visualization import SolaraViz, make_plot_component
from mesa.visualization.utils import update_counter

MEASURES = ("vacancy", "agency_share")


def parse_seed(seed):
    """Turn what the seed text box sends (always a ``str``) into an ``int`` or ``None``.

    Blank text means "no fixed seed"; anything that is not a whole number is
    hashed deterministically so that the same text gives the same run.
    """
    if seed is None:
        return None
    if isinstance(seed, int):
        return seed
    text = str(seed).strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        return sum((i + 1) * ord(c) for i, c in enumerate(text))


def hexagon(cx: float, cy: float, r: float = 0.5) -> list[tuple[float, float]]:
    """Vertices of a pointy-top hexagon centred on (cx, cy)."""
    return [
        (cx + r * math.cos(math.radians(60 * k + 30)), cy + r * math.sin(math.radians(60 * k + 30))) for k in range(6)
    ]


class Council(mesa.Agent):
    """One council: a polygon on the map with a vacancy rate and an agency share."""

    def __init__(self, model: StandinModel, polygon):
        super().__init__(model)
        self.polygon = polygon
        self.vacancy = model.random.uniform(0.05, 0.3)
        self.agency_share = model.random.uniform(0.0, 0.2)

    def step(self):
        drift = self.model.random.gauss(0.0, 0.02)
        self.vacancy = min(1.0, max(0.0, self.vacancy + drift))
        self.agency_share = min(1.0, max(0.0, 0.5 * self.vacancy + self.model.random.gauss(0, 0.01)))


class StandinModel(mesa.Model):
    """Councils on a hex grid whose vacancy rates drift at random each step."""

    def __init__(self, n_councils: int = 12, colour_by: str = "vacancy", seed=None):
        super().__init__(rng=parse_seed(seed))
        if colour_by not in MEASURES:
            raise ValueError(f"colour_by must be one of {MEASURES}, got {colour_by!r}")
        self.n_councils = int(n_councils)
        self.colour_by = colour_by
        cols = max(1, math.ceil(math.sqrt(self.n_councils)))
        self.councils = [
            Council(self, hexagon((i % cols) * 1.0 + 0.5 * ((i // cols) % 2), (i // cols) * 0.87))
            for i in range(self.n_councils)
        ]
        self.datacollector = mesa.DataCollector(
            model_reporters={
                "mean_vacancy": lambda m: sum(c.vacancy for c in m.councils) / len(m.councils),
            }
        )
        self.datacollector.collect(self)

    def step(self):
        self.agents.shuffle_do("step")
        self.datacollector.collect(self)


def draw_council_map(model: StandinModel) -> Figure:
    """Draw every council polygon coloured by ``model.colour_by`` (pure matplotlib, no pyplot)."""
    fig = Figure(figsize=(5, 4))
    ax = fig.subplots()
    values = [getattr(c, model.colour_by) for c in model.councils]
    coll = PolyCollection([c.polygon for c in model.councils], array=values, cmap="viridis")
    coll.set_clim(0.0, 1.0 if model.colour_by == "vacancy" else 0.5)
    coll.set_edgecolor("white")
    ax.add_collection(coll)
    ax.autoscale_view()
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.set_title(f"{model.colour_by} at step {model.steps}")
    fig.colorbar(coll, ax=ax, shrink=0.7)
    return fig


@solara.component
def CouncilMap(model: StandinModel):
    """Custom SolaraViz component: the council map for the *current* model.

    SolaraViz calls every component with the current model (it passes the new one after
    Reset). Reading ``update_counter`` subscribes this component to Mesa's per-step
    ``force_update()``, so it re-renders after each Step/Play tick. A plain function
    (not ``@solara.component``) would get that subscription from SolaraViz's wrapper.
    """
    update_counter.get()
    solara.Text(f"Councils: {len(model.councils)}, coloured by {model.colour_by}")
    solara.FigureMatplotlib(draw_council_map(model), format="png")


model_params = {
    "n_councils": {
        "type": "SliderInt",
        "value": 12,
        "label": "Number of councils",
        "min": 4,
        "max": 150,
        "step": 1,
    },
    "colour_by": {
        "type": "Select",
        "value": "vacancy",
        "label": "Colour councils by",
        "values": list(MEASURES),
    },
    "seed": {"type": "InputText", "value": "42", "label": "Random seed"},
}

components = [CouncilMap, make_plot_component("mean_vacancy")]


def make_page(model: StandinModel | None = None):
    """Build the SolaraViz element for ``model`` (a fresh default model if None)."""
    if model is None:
        model = StandinModel(seed="42")
    return SolaraViz(model, components=components, model_params=model_params, name="Stand-in councils")


# Mesa's usual pattern: one model built at import time. Every browser tab starts
# from this same object (and sees each other's steps) until it presses Reset.
page = make_page()


@solara.component
def SessionPage():
    """Per-tab variant: each browser connection builds its own model."""
    model = solara.use_memo(lambda: StandinModel(seed="42"), [])
    return make_page(model)
