"""The browser view end to end in headless Chromium, offline (``-m browser``).

One ``solara run sim.app:page`` server per module, started as ``sim app --region bexley_cluster``
would (``$SIM_APP_REGION``). Every request that is not for 127.0.0.1 is blocked and reported.
Screenshots go to ``out/browser/`` (``$BROWSER_SHOTS``); with ``UPDATE_DOCS_IMAGES=1`` the England
screenshot is also copied to ``docs/images/app.png``.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
from pathlib import Path

import pytest

pytest.importorskip("solara", reason="needs the app extra (solara[assets]==1.58.2)")

from browser_harness import (  # noqa: E402  (fixtures come from tests/conftest.py)
    click_reset,
    click_step,
    figure_boxes,
    open_app,
    read_step,
    save_screenshot,
    select_option,
    set_slider,
    wait_for_step,
)

from sim.app_model import BEHAVIOUR  # noqa: E402

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
SHOT_DIR = Path(os.environ.get("BROWSER_SHOTS", ROOT / "out" / "browser"))
APP = "sim.app:page"
ENV = {"SIM_APP_REGION": "bexley_cluster"}
PAY_LABEL = "Pay uplift at the council, %"

# Click Step, then time (in the page) until the step counter has changed, both charts show new images
# and the SVG map shows the new month: the full round trip of a step of both arms and the redraw.
_TIMED_REDRAW_JS = """
async (timeoutMs) => {
  const re = /^\\s*(Step|Time):\\s*-?\\d/;
  const counter = () => [...document.querySelectorAll('span, div')]
      .find(e => e.children.length === 0 && re.test(e.textContent));
  const figures = () => [...document.querySelectorAll('img')]
      .filter(i => i.getBoundingClientRect().width >= 100);
  const mapTitle = () => (document.querySelector('.app-map-title') || {}).textContent;
  const oldMap = mapTitle();
  const btn = [...document.querySelectorAll('button')].find(b => b.textContent.trim() === 'Step');
  const before = counter().textContent;
  const old = new Set(figures().map(i => i.src));
  const n = old.size;
  return await new Promise((resolve, reject) => {
    const t0 = performance.now();
    let counterMs = null;
    const check = () => {
      const c = counter();
      if (counterMs === null && c && c.textContent !== before) counterMs = performance.now() - t0;
      const fresh = figures().filter(i => !old.has(i.src) && i.complete).length;
      if (counterMs !== null && fresh >= n && mapTitle() !== oldMap) {
        obs.disconnect(); clearTimeout(timer); clearInterval(poll);
        requestAnimationFrame(() => resolve({counter: counterMs, redraw: performance.now() - t0, figures: n}));
      }
    };
    const obs = new MutationObserver(check);
    obs.observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true});
    const poll = setInterval(check, 5);  // an image finishing loading is not a DOM mutation
    const timer = setTimeout(() => {
      obs.disconnect(); clearInterval(poll);
      const fresh = figures().filter(i => !old.has(i.src)).length;
      reject(new Error(`step timed out: counter ${counterMs}, ${fresh}/${n} figures new`));
    }, timeoutMs);
    btn.click();
  });
}
"""


@pytest.fixture
def app_url(solara_server_factory):  # noqa: F811
    return solara_server_factory(APP, env=ENV)


def header(page) -> str:
    return page.locator(".app-month").first.inner_text()


def fingerprint(page, month: int) -> str:
    """The run code shown once the sidebar shows ``month`` (it may update just after the step counter)."""
    page.locator(".app-now-side", has_text=re.compile(rf"month {month}$")).wait_for()
    return page.locator(".app-fingerprint").first.inner_text()


def shown_pay(page, column: int = 1) -> int:
    row = page.locator("table.council-facts tr").filter(has=page.locator("td", has_text=re.compile(r"^pay$")))
    return int(row.locator("td").nth(column).inner_text().strip("£").replace(",", ""))


def wait_for_figures(page, n: int = 2) -> list[dict]:
    page.wait_for_function(
        "n => [...document.querySelectorAll('img')].filter(i => i.complete && i.naturalWidth >= 100).length >= n",
        arg=n,
    )
    page.locator("svg path.council").first.wait_for()
    return figure_boxes(page, min_size=100)


def show_arm(page, arm: str) -> None:
    page.locator(".app-arm button", has_text=re.compile(rf"^\s*{arm}\s*$", re.I)).click()


def map_fills(page) -> list[str]:
    return page.eval_on_selector_all("svg path.council:not(.ctx)", "els => els.map(e => e.getAttribute('fill'))")


def test_page_loads_offline_with_both_arms_map_charts_and_controls(offline_page, network_log, app_url):  # noqa: F811
    page = offline_page
    open_app(page, app_url)
    assert read_step(page) == 0
    page.get_by_text(re.compile(r"^Bexley and its neighbours \(bexley_cluster\), seed 0\. Policy arm")).wait_for()
    for text in ("Region", "Random seed", "Council the levers act on", PAY_LABEL, "Colour councils by",
                 "Scenario file (experiments/scenarios)", "Levers start in month"):
        assert page.get_by_text(text, exact=True).first.is_visible(), text
    boxes = wait_for_figures(page)
    assert len(boxes) >= 2, boxes  # the region chart and the council-and-neighbours chart
    assert page.locator("svg path.council:not(.ctx)").count() == 7  # the cluster's councils
    assert page.locator(".behaviour-mark", has_text="calibrated").count() >= 4
    page.locator("text.council-name").first.wait_for()  # names where they fit
    names = page.locator("text.council-name").count()
    assert 0 < names <= 7
    box = page.locator("svg path.council[data-code='E09000004']").bounding_box()  # Bexley
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    for _ in range(4):  # the wheel zooms in around the pointer: smaller councils get their names too
        page.mouse.wheel(0, -120)
        page.wait_for_timeout(100)
    page.locator("text.council-name", has_text="Bexley").wait_for()
    view = page.locator(".council-map svg").get_attribute("viewBox")
    click_step(page)  # a new month keeps the zoom
    wait_for_step(page, 1)
    page.get_by_text(re.compile(r"vacancy rate %, policy arm, 2024-10")).wait_for()
    assert page.locator(".council-map svg").get_attribute("viewBox") == view
    assert page.get_by_text("This website runs on").count() == 0  # Solara's badge would cover the tables
    save_screenshot(page, SHOT_DIR / "app_bexley_loaded.png")
    network_log.assert_offline_clean()
    assert not network_log.console_errors, network_log.console_errors


def test_step_moves_both_arms_and_the_difference_map_starts_with_the_policy(offline_page, network_log,
                                                                             app_url):  # noqa: F811
    page = offline_page
    open_app(page, app_url)
    wait_for_figures(page)
    select_option(page, "Colour councils by", "pay")
    assert set_slider(page, PAY_LABEL, 10) == 10
    assert set_slider(page, "Levers start in month", 2) == 2
    page.locator(".app-pending").first.wait_for()  # "the controls differ from the run on screen"
    click_reset(page)
    wait_for_step(page, 0)
    page.get_by_text(re.compile(r"policy starts in 2024-11 \(month 2 of the run\) and has not started")).wait_for()
    show_arm(page, "difference")
    page.get_by_text(re.compile(r"pay.*policy minus baseline, 2024-09")).wait_for()
    click_step(page)
    wait_for_step(page, 1)
    page.get_by_text(re.compile(r"policy minus baseline, 2024-10")).wait_for()
    assert shown_pay(page, 1) == shown_pay(page, 2)  # both arms stepped, the same run so far
    white = set(map_fills(page))
    assert len(white) == 1, white  # zero difference everywhere: one colour, the middle of the scale
    click_step(page)
    wait_for_step(page, 2)
    page.get_by_text(re.compile(r"policy minus baseline, 2024-11")).wait_for()
    page.wait_for_function(  # the facts table: the policy arm's pay moves away from the baseline's
        "() => { const r = [...document.querySelectorAll('table.council-facts tr')]"
        ".find(r => r.cells[0].textContent === 'pay');"
        " return r && r.cells[1].textContent !== r.cells[2].textContent; }")
    assert shown_pay(page, 1) == pytest.approx(1.10 * shown_pay(page, 2), abs=2)
    assert len(set(map_fills(page))) > 1  # Bexley's pay differs now
    shot = save_screenshot(page, SHOT_DIR / "app_bexley_difference.png", full_page=False)
    if os.environ.get("UPDATE_DOCS_IMAGES"):
        shutil.copyfile(shot, ROOT / "docs" / "images" / "app_difference.png")
    network_log.assert_offline_clean()


def test_a_scenario_file_is_the_policy_arm(offline_page, network_log, app_url):  # noqa: F811
    page = offline_page
    open_app(page, app_url)
    wait_for_figures(page)
    select_option(page, "Scenario file (experiments/scenarios)", "bcp_inadequate")
    click_reset(page)
    page.get_by_text(re.compile(r"\(bcp_cluster\), seed 0\. Policy arm: scenario ")).wait_for()
    assert page.locator(".app-pending").count() == 0
    assert page.locator("svg path.council:not(.ctx)").count() > 1
    network_log.assert_offline_clean()


def test_reset_with_nothing_touched_gives_the_same_run(offline_page, network_log, app_url):  # noqa: F811
    page = offline_page
    open_app(page, app_url)
    wait_for_figures(page)
    first = fingerprint(page, 0)
    for month in (1, 2):
        click_step(page)
        wait_for_step(page, month)
    stepped = fingerprint(page, 2)
    assert stepped != first
    click_reset(page)
    wait_for_step(page, 0)
    assert fingerprint(page, 0) == first
    for month in (1, 2):
        click_step(page)
        wait_for_step(page, month)
    assert fingerprint(page, 2) == stepped
    assert page.locator(".app-pending").count() == 0

    # moving a behavioural slider away from its calibrated value shows, and can be undone
    set_slider(page, f"{BEHAVIOUR[0]}: x calibrated", 1.2)
    page.locator(".behaviour-mark", has_text="changed; calibrated").wait_for()
    page.locator(".app-pending").first.wait_for()
    page.get_by_role("button", name="Back to calibrated values").click()
    page.locator(".app-pending").wait_for(state="detached")
    assert page.locator(".behaviour-mark", has_text="changed").count() == 0
    network_log.assert_offline_clean()


def test_hover_names_a_council_and_a_click_picks_it(offline_page, network_log, app_url):  # noqa: F811
    page = offline_page
    open_app(page, app_url)
    wait_for_figures(page)
    target = page.locator("svg path.council:not(.ctx)").last  # Kent: large, so its middle is on the map
    box = target.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    tip = page.locator(".map-tip")
    tip.wait_for()
    name = tip.inner_text().split(" (")[0]
    assert name == "Kent" and "vacancy rate %: policy" in tip.inner_text()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.locator(".v-card__title", has_text=f"{name} this month").wait_for()  # was Bexley
    network_log.assert_offline_clean()


def test_export_writes_files(offline_page, network_log, app_url, tmp_path):  # noqa: F811
    import pandas as pd

    page = offline_page
    open_app(page, app_url)
    wait_for_figures(page)
    click_step(page)
    wait_for_step(page, 1)
    with page.expect_download() as info:
        page.get_by_role("button", name=re.compile("Parquet")).click()
    path = tmp_path / "run.parquet"
    info.value.save_as(path)
    table = pd.read_parquet(path)
    assert set(table.arm) == {"policy", "baseline"} and table.tick.max() == 1
    with page.expect_download() as info:
        page.get_by_role("button", name=re.compile("GIF")).click()
    gif = tmp_path / "map.gif"
    info.value.save_as(gif)
    assert gif.read_bytes()[:6] == b"GIF89a"
    network_log.assert_offline_clean()


def test_england_step_of_both_arms_and_redraw_time(offline_page, network_log, app_url):  # noqa: F811
    page = offline_page
    open_app(page, app_url)
    wait_for_figures(page)
    select_option(page, "Region", "england")
    assert set_slider(page, PAY_LABEL, 10) == 10  # Bexley pays 10% more from month 1
    click_reset(page)
    page.get_by_text(re.compile(r"^all 151 reporting units of England \(england\)")).wait_for()
    show_arm(page, "difference")
    wait_for_figures(page)
    click_step(page)  # warm up
    wait_for_step(page, 1)
    wait_for_figures(page)

    results = [page.evaluate(_TIMED_REDRAW_JS, 30_000) for _ in range(8)]
    redraw = [r["redraw"] for r in results]
    counter = [r["counter"] for r in results]
    assert read_step(page) == 9
    median = statistics.median(redraw)
    print(f"\nEngland Step of both arms + redraw of map and charts in the browser (ms): "
          f"{[round(t) for t in redraw]}; median {median:.0f}, range {min(redraw):.0f}-{max(redraw):.0f}; "
          f"step counter alone: median {statistics.median(counter):.0f}")
    assert median < 1000, redraw

    select_option(page, "Colour councils by", "net poaching, last 12 months")
    page.locator(".council-map-tools button", has_text="London").click()
    box = page.locator("svg path.council[data-code='E09000004']").bounding_box()  # Bexley
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.locator(".map-tip").wait_for()
    page.wait_for_timeout(1000)
    shot = save_screenshot(page, SHOT_DIR / "app_england.png", full_page=False)
    if os.environ.get("UPDATE_DOCS_IMAGES"):
        shutil.copyfile(shot, ROOT / "docs" / "images" / "app.png")
    network_log.assert_offline_clean()
    assert not network_log.console_errors, network_log.console_errors
