"""The browser view without a browser: the AppModel's levers, the figures, the page rendered with
``solara.render`` (Step, Reset with a changed lever), and ``sim app`` (errors, Ctrl-C)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import numpy as np
import pytest

solara = pytest.importorskip("solara", reason="needs the app extra (solara[assets]==1.58.2)")

from browser_harness import walk_widgets, widget_texts  # noqa: E402

from sim import app, app_components  # noqa: E402
from sim.cli import main  # noqa: E402
from sim.params import SPECS  # noqa: E402
from sim.policies import AgencyCap, GoldenHello, PayUplift, RetentionPayment  # noqa: E402

REGION = "bexley_cluster"


# --------------------------------------------------------------------------- the model behind the page


def test_seed_text_is_parsed():
    assert app.parse_seed("42") == 42
    assert app.parse_seed(" 7 ") == 7
    assert app.parse_seed("") == 0
    assert app.parse_seed(None) == 0
    assert app.parse_seed("-3") == 3
    assert app.parse_seed("abc") == app.parse_seed("abc") != app.parse_seed("abd")
    a, b = app.AppModel(region=REGION, seed="5"), app.AppModel(region=REGION, seed=5)
    a.step()
    b.step()
    assert np.array_equal(a.councils.perm_fte, b.councils.perm_fte)
    assert not a.notes
    assert "not a whole number" in app.AppModel(region=REGION, seed="x1").notes[0]


def test_levers_become_policies_on_the_council():
    m = app.AppModel(region=REGION, council="Bexley", pay_uplift_pct=5, golden_hello_gbp=2000, retention_gbp=1500,
                     agency_cap_pct=10)
    kinds = {type(p): p for p in m.policies}
    assert set(kinds) == {PayUplift, GoldenHello, RetentionPayment, AgencyCap}
    assert all(p.councils == ["Bexley"] for p in m.policies)
    assert kinds[PayUplift].pct == 5 and kinds[GoldenHello].gbp == 2000 and kinds[RetentionPayment].gbp == 1500
    assert kinds[AgencyCap].max_share == pytest.approx(0.10)
    assert m.focus_name == "Bexley"
    base = app.AppModel(region=REGION)
    assert base.policies == [] and base.lever_summary() == "no levers"
    i = m.focus
    m.step()
    base.step()
    assert m.councils.pay_gbp[i] == pytest.approx(1.05 * base.councils.pay_gbp[i])
    assert m.councils.golden_hello_gbp[i] == 2000 and m.councils.retention_gbp[i] == 1500
    others = np.arange(m.councils.n) != i
    assert np.array_equal(m.councils.pay_gbp[others], base.councils.pay_gbp[others])
    assert "pay uplift (+5%)" in m.lever_summary() and "agency cap (10% of workforce)" in m.lever_summary()


def test_neutral_levers_add_nothing_and_behaviour_reaches_params():
    assert app.lever_policies("Bexley") == []
    assert app.lever_policies("Bexley", agency_cap_pct=100) == []
    m = app.AppModel(region=REGION, b_pay=7.5, b_ofsted=2.0, search_rate_per_month=0.02, switching_cost=0.5)
    assert (m.p.b_pay, m.p.b_ofsted, m.p.search_rate_per_month, m.p.switching_cost) == (7.5, 2.0, 0.02, 0.5)
    d = app.AppModel(region=REGION)
    assert d.p.b_pay == SPECS["b_pay"].default and d.p.switching_cost == SPECS["switching_cost"].default


def test_council_outside_the_region_is_reported_not_fatal():
    m = app.AppModel(region=REGION, council="Leeds", pay_uplift_pct=10)
    assert m.policies == [] and m.focus == 0
    assert "Leeds is not simulated in bexley_cluster" in m.notes[0]


def test_controls_match_the_constructor():
    import inspect

    start = app.initial_controls(REGION)
    assert start["council"] == "Bexley"
    assert app.initial_controls("north_east")["council"] != "Bexley"
    m = app.AppModel(**start)
    params = app.model_params(m, start)
    sig = inspect.signature(app.AppModel.__init__).parameters
    assert set(params) <= set(sig)
    assert {k: v["value"] for k, v in params.items()} == start
    assert params["council"]["values"] == app.council_choices(m) and "Bexley" in params["council"]["values"]
    assert "england" in params["region"]["values"]
    for key in app.BEHAVIOUR:  # every slider's range lies inside the parameter's allowed range
        assert SPECS[key].lo <= params[key]["min"] <= params[key]["value"] <= params[key]["max"] <= SPECS[key].hi


# --------------------------------------------------------------------------- figures


def test_figures_and_tables_for_every_measure():
    m = app.AppModel(region=REGION, pay_uplift_pct=3)
    for _ in range(3):
        m.step()
    for measure in app_components.MEASURES:
        values = app_components.current_values(m, measure)
        assert values.shape == (m.councils.n_active,) and np.isfinite(values).all(), measure
        app_components.map_figure(m, measure, m.focus)
        app_components.neighbour_figure(m, m.focus, measure)
    app_components.region_figure(m)
    rates = app_components.region_rates(m)
    assert all(len(v) == m.tick + 1 and np.isfinite(v).all() for v in rates.values())
    summary = m.results.summary(last_months=1)
    assert rates["vacancy rate %"][-1] == pytest.approx(summary["vacancy_rate_pct"])
    assert rates["agency rate %"][-1] == pytest.approx(summary["agency_rate_pct"])
    flows = app_components.top_flows(m, months=12)
    table = m.results.flows.groupby(["origin", "destination"]).movers.sum().sort_values(ascending=False)
    assert flows and flows[0][2] == table.iloc[0]
    facts = dict(app_components.council_facts(m, m.focus))
    assert facts["pay"] == f"£{m.councils.pay_gbp[m.focus]:,.0f}"
    neighbours = {m.council_agents[k].name for k in app_components.neighbours_of(m, m.focus)}
    assert {"Bromley", "Greenwich"} <= neighbours and "Bexley" not in neighbours


def test_turnover_and_net_poaching_match_the_results_tables():
    m = app.AppModel(region=REGION)
    m.run(months=14)
    cm = m.results.council_months
    last = cm[cm.tick == m.tick].set_index("council")
    names = [a.name for a in m.council_agents[: m.councils.n_active]]
    turnover = app_components.current_values(m, "turnover, last 12 months %")
    assert turnover == pytest.approx(last.loc[names, "turnover_12m_pct"].to_numpy())
    net = cm[cm.tick > m.tick - 12].groupby("council").net_poaching.sum().loc[names].to_numpy()
    assert app_components.current_values(m, "net poaching, last 12 months") == pytest.approx(net)


# --------------------------------------------------------------------------- the page, rendered




def _html(root, css_class: str) -> str:
    found = [w.unsafe_innerHTML for w in walk_widgets(root)
             if f'class="{css_class}"' in (getattr(w, "unsafe_innerHTML", "") or "")]
    assert len(found) == 1, css_class
    return found[0]


def _pay(root) -> str:
    return re.search(r"<td[^>]*>pay</td><td[^>]*>(£[\d,]+)</td>", _html(root, "council-facts")).group(1)


def _step_number(root) -> int:
    hits = [re.fullmatch(r"(?:Step|Time): (\d+)(?:\.0)?", t) for t in widget_texts(root)]
    return int(next(h for h in hits if h).group(1))


def test_page_renders_steps_and_resets_with_a_lever(monkeypatch):
    import ipyvuetify as v
    import ipywidgets

    monkeypatch.setenv(app.REGION_ENV, REGION)

    @solara.component
    def Wrapped():
        with solara.AppLayout():  # the sidebar (Step, Reset, controls) needs an AppLayout
            app.Page()

    box, rc = solara.render(Wrapped(), handle_error=False)
    try:
        labels = {tuple(b.children) for b in rc.find(v.Btn).widgets}
        assert {("Reset",), ("▶",), ("Step",)} <= labels
        assert _step_number(box) == 0
        assert any("Bexley and its neighbours (bexley_cluster), seed 0: month 2024-09" in t for t in widget_texts(box))
        images = [w for w in walk_widgets(box) if isinstance(w, ipywidgets.Image)]
        assert len(images) == 3 and all(len(im.value) > 5000 for im in images)  # map and two charts
        assert "No moves between councils yet" in " ".join(widget_texts(box))
        pay0 = _pay(box)

        map_before = images[0].value
        rc.find(v.Btn, children=["Step"]).widget.click()
        assert _step_number(box) == 1
        assert any("month 2024-10 (month 1 of the run)" in t for t in widget_texts(box))
        assert [w for w in walk_widgets(box) if isinstance(w, ipywidgets.Image)][0].value != map_before
        assert "<td" in _html(box, "flow-table")
        assert _pay(box) == pay0  # no lever yet

        # move the pay lever (as the sidebar slider does), then Reset: a new model with the uplift
        slider = rc.find(v.Slider, label="Pay uplift at the council, %").widget
        slider.v_model = 10
        rc.find(v.Btn, children=["Reset"]).widget.click()
        assert _step_number(box) == 0
        assert any("Bexley: pay uplift (+10%)" in t for t in widget_texts(box))
        rc.find(v.Btn, children=["Step"]).widget.click()
        pay1 = _pay(box)
        assert int(pay1[1:].replace(",", "")) == pytest.approx(1.1 * int(pay0[1:].replace(",", "")), abs=2)

        # the colour measure is a page control and applies at once, without Reset
        select = rc.find(v.Select, label="Colour councils by").widget
        before = [w for w in walk_widgets(box) if isinstance(w, ipywidgets.Image)][0].value
        select.v_model = "Ofsted grade"
        after = [w for w in walk_widgets(box) if isinstance(w, ipywidgets.Image)][0].value
        assert after != before and _step_number(box) == 1
    finally:
        rc.close()


def test_each_page_builds_its_own_model(monkeypatch):
    monkeypatch.setenv(app.REGION_ENV, REGION)
    seen = []
    real = app.Dashboard

    @solara.component
    def Spy(model):
        seen.append(model)
        return real(model)

    monkeypatch.setattr(app, "Dashboard", Spy)
    for _ in range(2):
        _, rc = solara.render(app.Page(), handle_error=False)
        rc.close()
    assert len({id(m) for m in seen}) == 2


# --------------------------------------------------------------------------- sim app


def test_cli_rejects_bad_region_and_busy_port(capsys):
    assert main(["app", "--region", "atlantis"]) == 2
    assert "unknown region 'atlantis'" in capsys.readouterr().err
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert main(["app", "--port", str(port)]) == 2
    assert f"--port {port} on 127.0.0.1: already in use" in capsys.readouterr().err


def test_cli_help_does_not_import_solara():
    code = "import sys; from sim.cli import build_parser; build_parser(); print('solara' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


@pytest.mark.slow
def test_cli_serves_locally_and_stops_on_ctrl_c():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [os.getcwd(), os.environ.get("PYTHONPATH")]))}
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim.cli", "app", "--region", REGION, "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # as in a terminal
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, proc.stdout.read()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, "sim app did not answer"
            time.sleep(0.3)
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        out, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 0, out
    assert f"sim app: bexley_cluster at http://127.0.0.1:{port}/" in out
    assert "sim app: stopped" in out
