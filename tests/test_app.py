"""The browser view without a browser: the two arms (policy and baseline), the controls, the figures,
the map's layers, the exports, the page rendered with ``solara.render`` (Step, Reset), and ``sim app``."""

from __future__ import annotations

import io
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

from sim import app, app_components, app_controls, app_export, app_map, app_model  # noqa: E402
from sim.cli import main  # noqa: E402
from sim.params import SPECS  # noqa: E402
from sim.policies import AgencyCap, GoldenHello, PayUplift, RetentionPayment  # noqa: E402

REGION = "bexley_cluster"
NAME = app_model.BEHAVIOUR[0]  # a behavioural parameter the page offers (the list follows SPECS)


# --------------------------------------------------------------------------- the model behind the page


def test_seed_text_is_parsed():
    assert app.parse_seed("42") == 42
    assert app.parse_seed(" 7 ") == 7
    assert app.parse_seed("") == 0
    assert app.parse_seed(None) == 0
    assert app.parse_seed("-3") == 3
    assert app.parse_seed("abc") == app.parse_seed("abc") != app.parse_seed("abd")
    a, b = app.AppModel(region=REGION, seed="5"), app.AppModel(region=REGION, seed=5)
    assert a.fingerprint() == b.fingerprint() and not a.notes
    assert "not a whole number" in app.AppModel(region=REGION, seed="x1").notes[0]


def test_levers_make_the_policy_arm_and_the_baseline_has_none():
    m = app.AppModel(region=REGION, council="Bexley", pay_uplift_pct=5, golden_hello_gbp=2000, retention_gbp=1500,
                     agency_cap_pct=10, lever_start=3)
    kinds = {type(p): p for p in m.policies}
    assert set(kinds) == {PayUplift, GoldenHello, RetentionPayment, AgencyCap}
    assert all(p.councils == ["Bexley"] and p.start_tick == 3 for p in m.policies)
    assert kinds[AgencyCap].max_share == pytest.approx(0.10)
    assert m.baseline.policies == [] and m.baseline.seed == m.seed and m.baseline.p == m.p
    assert "pay uplift +5% at Bexley from 2024-12" in m.lever_summary() and m.first_policy_tick == 3
    i = m.focus
    for month in range(1, 5):
        m.step()
        assert m.baseline.tick == m.tick == month  # Step moves both arms
        r = m.tick + 1
        same = all(np.array_equal(m.recorder.stock[k][:r], m.baseline.recorder.stock[k][:r])
                   for k in ("perm_fte", "agency_fte", "pay_gbp"))
        assert same == (month < 3), month  # common random numbers: identical until the policy starts
    assert m.councils.pay_gbp[i] == pytest.approx(1.05 * m.baseline.councils.pay_gbp[i])
    assert app.AppModel(region=REGION).lever_summary().startswith("no policy")


def test_behaviour_sliders_come_from_specs_and_start_exactly_calibrated():
    assert app_model.BEHAVIOUR and set(app_model.BEHAVIOUR) <= set(SPECS)
    assert app_model.behaviour_overrides({"no_such_parameter": 1.0, NAME: SPECS[NAME].default}) == {}
    start = app_controls.initial_controls(REGION)
    for name in app_model.BEHAVIOUR:
        assert start["behaviour"][name] == SPECS[name].default  # exactly, not snapped to a slider step
        x = start["behaviour_x"][name]
        grid = np.arange(app_controls.MULTIPLIER["min"], app_controls.MULTIPLIER["max"] + 1e-9,
                         app_controls.MULTIPLIER["step"])
        assert np.isclose(grid, x).any() and app_controls.behaviour_value(name, x) == SPECS[name].default
    m = app.AppModel(controls=start)
    assert m.p == app.AppModel(region=REGION).p and m.param_overrides == {}
    moved = app.AppModel(controls={**start, "behaviour": {**start["behaviour"],
                                                          NAME: app_controls.behaviour_value(NAME, 1.2)}})
    assert getattr(moved.p, NAME) == pytest.approx(1.2 * SPECS[NAME].default) != SPECS[NAME].default
    assert getattr(moved.baseline.p, NAME) == getattr(moved.p, NAME)
    assert app_controls.controls_differ({**start, "lever_start": 2}, m.controls)
    assert not app_controls.controls_differ(start, m.controls)
    assert not app_controls.controls_differ({**start, "pay_uplift_pct": 0, "seed": "0"}, m.controls)
    assert app_controls.controls_differ({**start, "seed": "01x"}, m.controls)
    assert app_model.behaviour_names({"gone_after_recalibration": "x", NAME: "y"}) == (NAME,)


def test_same_controls_give_a_bit_identical_run():
    start = app_controls.initial_controls(REGION)
    a, b = app.AppModel(controls=start), app.AppModel(controls=dict(start))
    a.run(months=3)
    b.run(months=3)
    assert a.fingerprint() == b.fingerprint()
    c = app.AppModel(controls={**start, "behaviour": {**start["behaviour"], NAME: SPECS[NAME].default * 1.05}})
    c.run(months=3)
    assert c.fingerprint() != a.fingerprint()


def test_a_scenario_file_is_the_policy_arm():
    names = app_model.scenario_names()
    assert "bexley_pays_more" in names
    m = app.AppModel(scenario_file="bexley_pays_more", region="england")
    sc = app_model.load_scenario("bexley_pays_more")
    assert m.region.name == sc.region and m.focus_name == sc.focus_council()
    assert len(m.policies) == len(sc.policies) and m.baseline.policies == []
    assert m.controls["region"] == "england"  # what the controls asked for: the page does not ask for a Reset
    assert app.AppModel(scenario_file=app_model.NO_SCENARIO, region=REGION).scenario_file is None


def test_council_outside_the_region_is_reported_not_fatal():
    m = app.AppModel(region=REGION, council="Leeds", pay_uplift_pct=10)
    assert m.policies == [] and m.focus == 0
    assert "Leeds is not simulated in bexley_cluster" in m.notes[0]


# --------------------------------------------------------------------------- figures, map, exports


def test_figures_and_tables_for_every_measure_and_arm():
    m = app.AppModel(region=REGION, pay_uplift_pct=3, lever_start=2)
    m.step()
    for measure in app_components.MEASURES:  # month 1: the policy has not started
        assert not app_components.arm_series(m, measure, "difference").any(), measure
    for _ in range(3):
        m.step()
    assert app_components.arm_series(m, "pay", "difference")[-1, m.focus] > 0
    for measure in app_components.MEASURES:
        for arm in app_components.ARMS:
            values = app_components.arm_series(m, measure, arm)[-1]
            assert values.shape == (m.councils.n_active,) and np.isfinite(values).all(), measure
            app_map.map_layers(m, measure, arm)
        app_export.map_figure(m, measure, m.focus, arm="policy")
        app_components.neighbour_figure(m, m.focus, measure)
    # the council against its neighbours, both arms: a dashed baseline line for each of them too
    fig = app_components.neighbour_figure(m, m.focus, "vacancy rate %")
    dashed = [ln for ln in fig.axes[0].get_lines() if ln.get_linestyle() == "--"]
    assert len(dashed) == len(app_components.neighbours_of(m, m.focus)) + 1
    app_components.region_figure(m)
    rates = app_components.region_rates(m)
    summary = m.results.summary(last_months=1)
    assert rates["vacancy rate %"][-1] == pytest.approx(summary["vacancy_rate_pct"])
    flows = app_components.top_flows(m, months=12)
    table = m.results.flows.groupby(["origin", "destination"]).movers.sum().sort_values(ascending=False)
    assert flows and flows[0][2] == table.iloc[0]
    facts = {row[0]: row[1:] for row in app_components.council_facts(m, m.focus)}
    assert facts["pay"][0] == f"£{m.councils.pay_gbp[m.focus]:,.0f}"
    assert facts["pay"][1] == f"£{m.baseline.councils.pay_gbp[m.focus]:,.0f}" and facts["pay"][2].startswith("+£")


def test_month_ticks_never_show_days():
    m = app.AppModel(region=REGION)
    m.step()
    fig = app_components.region_figure(m)
    labels = [t.get_text() for t in fig.axes[-1].get_xticklabels()]
    assert labels[:2] == ["Sep 2024", "Dec 2024"] and all(re.fullmatch(r"[A-Z][a-z]{2} \d{4}", t) for t in labels)


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


def test_map_layers_name_councils_and_end_outside_flows_at_the_edge():
    m = app.AppModel(region="london")
    m.run(months=6)
    frame = app_map.frame_of(m)
    layers = app_map.map_layers(m, "vacancy rate %", "policy")
    assert len(layers["fills"]) == len(layers["tips"]) == len(frame.shapes)
    i = next(k for k, s in enumerate(frame.shapes) if s["name"] == "Bexley")
    assert layers["tips"][i].startswith("Bexley (") and "vacancy rate %: policy" in layers["tips"][i]
    members = {x.name for x in m.council_agents[: m.councils.n_active]}
    outside = [f for f in layers["flows"] if f["tip"].split(" -> ")[1].split(":")[0] not in members]
    assert outside, "expected flows to councils outside the region"
    for f in layers["flows"]:  # every arrow ends inside the frame; those leaving the region are labelled
        assert 0 <= f["ex"] <= frame.width + 0.1 and 0 <= f["ey"] <= frame.height + 0.1
        assert bool(f["label"]) == (f in outside)
    far = app_map.flow_arrows(m, app_map.Frame(frame.shapes, frame.width, 300.0, frame.zooms), "policy")
    assert any(abs(f["ey"] - 300.0) < 0.2 for f in far)  # a council below a shorter frame: cut at its edge
    assert "London" in app_map.frame_of(app.AppModel(region="england")).zooms


def test_exports_hold_both_arms_and_an_animated_map(tmp_path):
    import pandas as pd
    from PIL import Image

    m = app.AppModel(region=REGION, pay_uplift_pct=5)
    m.run(months=3)
    path = tmp_path / "run.parquet"
    path.write_bytes(app_export.run_bytes(m, "parquet"))
    table = pd.read_parquet(path)
    assert set(table.arm) == {"policy", "baseline"} and table.tick.max() == 3
    assert len(app_export.run_bytes(m, "csv").decode().splitlines()) == len(table) + 1
    gif = Image.open(io.BytesIO(app_export.map_gif(m, "pay", "difference", m.focus)))
    assert gif.format == "GIF" and gif.n_frames == 4


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


def _fingerprint(root) -> str:
    return next(t for t in widget_texts(root) if t.startswith("run "))


def test_page_steps_both_arms_and_reset_rebuilds_the_same_run(monkeypatch):
    import ipyvuetify as v

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
        texts = widget_texts(box)
        assert "2024-09: month 0 of the run" in texts and "Now: 2024-09, month 0" in texts
        label = app_model.BEHAVIOUR_LABELS[NAME]
        assert f"{label} ({NAME}) = {SPECS[NAME].default:.6g}" in texts and "calibrated" in texts
        first = _fingerprint(box)
        pay0 = _pay(box)
        rc.find(v.Btn, children=["Step"]).widget.click()
        assert _step_number(box) == 1 and "2024-10: month 1 of the run" in widget_texts(box)
        stepped = _fingerprint(box)
        rc.find(v.Btn, children=["Reset"]).widget.click()  # nothing touched: the same run again
        assert _step_number(box) == 0 and _fingerprint(box) == first
        rc.find(v.Btn, children=["Step"]).widget.click()
        assert _fingerprint(box) == stepped

        # a lever from month 2, then Reset: the header says when it starts; pay moves only then
        rc.find(v.Slider, label="Pay uplift at the council, %").widget.v_model = 10
        assert any("press Reset" in t for t in widget_texts(box))
        rc.find(v.Slider, label="Levers start in month").widget.v_model = 2
        rc.find(v.Btn, children=["Reset"]).widget.click()
        assert any("The policy starts in 2024-11 (month 2 of the run) and has not started yet" in t
                   for t in widget_texts(box))
        rc.find(v.Btn, children=["Step"]).widget.click()
        assert _pay(box) == pay0
        rc.find(v.Btn, children=["Step"]).widget.click()
        assert int(_pay(box)[1:].replace(",", "")) == pytest.approx(1.1 * int(pay0[1:].replace(",", "")), abs=2)
    finally:
        rc.close()


def test_each_page_builds_its_own_model(monkeypatch):
    monkeypatch.setenv(app.REGION_ENV, REGION)
    seen = []
    real = app.Dashboard

    @solara.component
    def Spy(model, controls):
        seen.append(model)
        return real(model, controls)

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
