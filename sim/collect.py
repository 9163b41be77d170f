"""Mesa's ``DataCollector`` for a :class:`~sim.model.WorkforceModel`, filled from its recorder.

The engine records every month in preallocated arrays (:mod:`sim.record`); it never calls reporters
while it runs. ``model.datacollector`` is a :class:`RecordedDataCollector`: a real
:class:`mesa.DataCollector` whose ``collect`` copies the months recorded since the last call into
Mesa's tables (``model_vars`` and the agent records), and which is brought up to date whenever it is
read. So the usual Mesa tools work without slowing the engine::

    model = WorkforceModel(region="bexley_cluster", months=24)
    model.run_model()                                      # stops after 24 months (model.running)
    model.datacollector.get_model_vars_dataframe()         # one row per month (step 0 = the census)
    model.datacollector.get_agent_vars_dataframe()         # one row per (month, simulated council)

    from mesa.batchrunner import batch_run
    batch_run(WorkforceModel, parameters={"region": "bexley_cluster", "seed": range(3)},
              max_steps=12, number_processes=1)             # council-month rows

Step ``s`` is month ``s`` of the run (``model.tick`` and Mesa's ``model.steps`` agree). Agents are
the simulated councils only; the boundary councils outside the region are not agents. Model
reporters are the run's ``seed`` (so that rows say which seed ran even when Mesa 3.5's
``batch_run(rng=...)`` or ``iterations`` chose it) and the region's totals (prefixed ``region_`` so that
they do not clash with the council columns when ``batch_run`` merges them).

Replicates: with Mesa 3.5, ``batch_run(..., rng=range(5))`` passes seeds 0..4 as ``seed`` (and
``iterations=5`` passes ``seed=None``: a fresh seed from the operating system, reported in the
``seed`` column); with Mesa 3.3, put ``"seed": range(5)`` in ``parameters``.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

import mesa
import numpy as np

from .record import LEAVER_DESTINATIONS, SPENDS, STARTER_SOURCES

if TYPE_CHECKING:
    from .model import WorkforceModel

COUNCIL_REPORTERS: dict[str, str] = {
    "code": "census code of the council",
    "council": "council name",
    "perm_count": "permanent headcount",
    "perm_fte": "permanent FTE in post",
    "agency_fte": "agency FTE in placements",
    "vacancy_fte": "vacant FTE",
    "vacancy_rate_pct": "vacancies / (vacancies + FTE in post), %",
    "agency_rate_pct": "agency FTE / (agency + permanent FTE), %",
    "caseload": "cases per case-holding FTE",
    "pay_gbp": "annual pay of a qualified social worker, GBP",
    "starters": "permanent starters this month (heads)",
    "leavers": "permanent leavers this month (heads)",
    "starters_council": "starters from another council this month (heads)",
    "leavers_council": "leavers to another simulated council this month (heads)",
    "net_poaching": "starters from councils less leavers to councils, in and outside the region (heads)",
    "total_cost_gbp": "pay bill, agency spend and incentives this month, GBP",
}
REGION_REPORTERS: dict[str, str] = {
    "region_perm_fte": "permanent FTE in post, region",
    "region_agency_fte": "agency FTE, region",
    "region_vacancy_rate_pct": "vacancy rate of the region, %",
    "region_agency_rate_pct": "agency rate of the region, %",
    "region_starters": "permanent starters this month, region (heads)",
    "region_leavers": "permanent leavers this month, region (heads)",
    "region_moves_between_councils": "moves from one simulated council to another this month (heads)",
    "region_total_cost_gbp": "pay bill, agency spend and incentives this month, region, GBP",
}


def council_columns(model: WorkforceModel, lo: int, hi: int) -> dict[str, np.ndarray]:
    """The numeric council reporters for recorded months ``lo..hi-1``: arrays of (months, councils)."""
    rec = model.recorder
    st = {k: v[lo:hi] for k, v in rec.stock.items()}
    fl = {k: v[lo:hi] for k, v in rec.flow.items()}
    perm, agency, vacancy = st["perm_fte"], st["agency_fte"], st["vacancy_fte"]
    starters = sum(fl[f"starters_{s}"] for s in STARTER_SOURCES)
    leavers = sum(fl[f"leavers_{d}"] for d in LEAVER_DESTINATIONS)
    moved_in, moved_out = fl["starters_council"], fl["leavers_council"]
    net = moved_in - moved_out - fl["leavers_outside_region"]
    heads = {k: np.rint(v).astype(np.int64) for k, v in (("perm_count", st["perm_count"]), ("starters", starters),
             ("leavers", leavers), ("starters_council", moved_in), ("leavers_council", moved_out),
             ("net_poaching", net))}
    return {
        "perm_count": heads["perm_count"], "perm_fte": perm, "agency_fte": agency, "vacancy_fte": vacancy,
        "vacancy_rate_pct": 100 * vacancy / np.maximum(vacancy + perm, 1e-9),
        "agency_rate_pct": 100 * agency / np.maximum(agency + perm, 1e-9),
        "caseload": st["caseload"], "pay_gbp": st["pay_gbp"],
        "starters": heads["starters"], "leavers": heads["leavers"], "starters_council": heads["starters_council"],
        "leavers_council": heads["leavers_council"], "net_poaching": heads["net_poaching"],
        "total_cost_gbp": st["pay_bill_gbp"] + st["agency_spend_gbp"]
        + sum(rec.spend[k][lo:hi] for k in SPENDS),
    }


def region_columns(cols: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The region reporters (one value per month) from :func:`council_columns`."""
    perm, agency, vacancy = (cols[k].sum(axis=1) for k in ("perm_fte", "agency_fte", "vacancy_fte"))
    return {
        "region_perm_fte": perm, "region_agency_fte": agency,
        "region_vacancy_rate_pct": 100 * vacancy / np.maximum(vacancy + perm, 1e-9),
        "region_agency_rate_pct": 100 * agency / np.maximum(agency + perm, 1e-9),
        "region_starters": cols["starters"].sum(axis=1), "region_leavers": cols["leavers"].sum(axis=1),
        "region_moves_between_councils": cols["leavers_council"].sum(axis=1),
        "region_total_cost_gbp": cols["total_cost_gbp"].sum(axis=1),
    }


def region_now(name: str, model: WorkforceModel) -> float:
    """Model reporter ``name``: the region's value in the last recorded month."""
    r = model.recorder.rows - 1
    return region_columns(council_columns(model, r, r + 1))[name][0].item()


def council_now(name: str, agent: Any) -> Any:
    """Agent reporter ``name``: the council's value in the last recorded month."""
    if name in ("code", "council"):
        return agent.code if name == "code" else agent.name
    r = agent.model.recorder.rows - 1
    return council_columns(agent.model, r, r + 1)[name][0, agent.index].item()


class RecordedDataCollector(mesa.DataCollector):
    """A :class:`mesa.DataCollector` whose tables are copied from the model's recorder.

    Its reporters (:data:`COUNCIL_REPORTERS`, :data:`REGION_REPORTERS`) are ordinary Mesa reporters
    reading the last recorded month, but :meth:`collect` does not call them one agent at a time: it
    copies every month recorded since the last call, in bulk, so step ``s`` of the tables is month
    ``s`` whenever and however often it is called. The model calls it when ``model.datacollector`` is
    read.
    """

    def __init__(self) -> None:
        # partials of module functions, so that a model holding its collector can be pickled
        super().__init__(model_reporters={"seed": "seed", **{k: partial(region_now, k) for k in REGION_REPORTERS}},
                         agent_reporters={k: partial(council_now, k) for k in COUNCIL_REPORTERS})
        self.months_collected = 0

    def collect(self, model: WorkforceModel) -> None:
        """Copy the months recorded since the last call into Mesa's tables (cheap when up to date)."""
        lo, hi = self.months_collected, model.recorder.rows
        if hi <= lo:
            return
        cols = council_columns(model, lo, hi)
        self.model_vars["seed"].extend([model.seed] * (hi - lo))
        for name, values in region_columns(cols).items():
            self.model_vars[name].extend(values.tolist())
        if hasattr(self, "_collection_steps"):  # Mesa >= 3.4 indexes model_vars by these steps
            self._collection_steps.extend(range(lo, hi))
        agents = model.council_agents[: model.councils.n_active]
        ids = [a.unique_id for a in agents]
        codes = [a.code for a in agents]
        names = [a.name for a in agents]
        numeric = [cols[k].tolist() for k in COUNCIL_REPORTERS if k not in ("code", "council")]
        for i, step in enumerate(range(lo, hi)):
            rows = zip(ids, codes, names, *(v[i] for v in numeric), strict=True)
            self._agent_records[step] = [(step, *row) for row in rows]
        self.months_collected = hi


def get_datacollector(model: WorkforceModel) -> mesa.DataCollector:
    """``model.datacollector``: the model's :class:`RecordedDataCollector`, brought up to date (or a
    collector the user assigned, untouched)."""
    dc = model.__dict__.get("_datacollector")
    if dc is None:
        dc = model.__dict__["_datacollector"] = RecordedDataCollector()
    if isinstance(dc, RecordedDataCollector):
        dc.collect(model)
    return dc


def set_datacollector(model: WorkforceModel, collector: mesa.DataCollector) -> None:
    model.__dict__["_datacollector"] = collector
