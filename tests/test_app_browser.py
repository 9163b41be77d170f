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
    NetworkLog,
    block_non_local,
    click_pause,
    click_play,
    click_reset,
    click_step,
    figure_boxes,
    fill_text,
    open_app,
    read_step,
    save_screenshot,
    select_option,
    set_slider,
    wait_for_step,
)

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
SHOT_DIR = Path(os.environ.get("BROWSER_SHOTS", ROOT / "out" / "browser"))
APP = "sim.app:page"
ENV = {"SIM_APP_REGION": "bexley_cluster"}
PAY_LABEL = "Pay uplift at the council, %"

# Click Step, then time (in the page) until the step counter has changed *and* every figure (map and
# both charts) shows a new image: the full round trip of a step and its redraw.
_TIMED_REDRAW_JS = """
async (timeoutMs) => {
  const re = /^\\s*(Step|Time):\\s*-?\\d/;
  const counter = () => [...document.querySelectorAll('span, div')]
      .find(e => e.children.length === 0 && re.test(e.textContent));
  const figures = () => [...document.querySelectorAll('img')]
      .filter(i => i.getBoundingClientRect().width >= 100);
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
      if (counterMs !== null && fresh >= n) {
        obs.disconnect(); clearTimeout(timer); clearInterval(poll);
        resolve({counter: counterMs, redraw: performance.now() - t0, figures: n});
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


def shown_pay(page) -> int:
    text = page.locator("table.council-facts").inner_text()
    return int(re.search(r"pay\s+£([\d,]+)", text).group(1).replace(",", ""))


def wait_for_figures(page, n: int = 3) -> list[dict]:
    page.wait_for_function(
        "n => [...document.querySelectorAll('img')].filter(i => i.complete && i.naturalWidth >= 100).length >= n",
        arg=n,
    )
    return figure_boxes(page, min_size=100)


def test_page_loads_offline_with_map_charts_and_controls(offline_page, network_log, app_url):  # noqa: F811
    page = offline_page
    open_app(page, app_url)
    assert read_step(page) == 0
    page.get_by_text(re.compile(r"^Bexley and its neighbours \(bexley_cluster\), seed 0: month 2024-09")).wait_for()
    for text in ("Region", "Random seed", "Council (levers, map highlight)", PAY_LABEL, "Colour councils by",
                 "Golden hello, £ per starter", "Agency cap, % of workforce (100 = none)", "Weight on pay (b_pay)"):
        assert page.get_by_text(text, exact=True).first.is_visible(), text
    boxes = wait_for_figures(page)
    assert len(boxes) == 3, boxes  # map, region chart, council and neighbours chart
    assert max(b["width"] * b["height"] for b in boxes) > 300 * 300  # the map is the big one
    assert page.locator("table.council-facts").is_visible()
    assert page.get_by_text("No moves between councils yet: press Step or Play.").is_visible()
    save_screenshot(page, SHOT_DIR / "app_bexley_loaded.png")
    network_log.assert_offline_clean()
    assert not network_log.console_errors, network_log.console_errors


def test_step_play_and_a_tab_of_its_own(offline_page, network_log, app_url, chromium_browser):  # noqa: F811
    page = offline_page
    open_app(page, app_url)
    wait_for_figures(page)
    map_src = page.locator("img").first.get_attribute("src")
    click_step(page)
    assert wait_for_step(page, 1) == 1
    page.get_by_text(re.compile(r"month 2024-10 \(month 1 of the run\)")).wait_for()
    page.wait_for_function("src => document.querySelector('img').src !== src", arg=map_src)
    page.locator("table.flow-table").wait_for()  # the largest flows, once there are moves

    click_play(page)
    wait_for_step(page, lambda s: s >= 3)
    click_pause(page)
    paused = read_step(page)
    page.wait_for_timeout(1500)
    assert read_step(page) - paused <= 1  # Mesa may finish a step already under way
    assert header(page).startswith("Bexley and its neighbours")

    # another browser opening the page gets its own model, at month 0
    other = chromium_browser.new_context().new_page()
    log = NetworkLog()
    block_non_local(other, log)
    try:
        open_app(other, app_url)
        assert read_step(other) == 0
        assert read_step(page) >= 3
        log.assert_offline_clean()
    finally:
        other.context.close()
    network_log.assert_offline_clean()


def test_lever_then_reset_rebuilds_the_model(offline_page, network_log, app_url):  # noqa: F811
    page = offline_page
    open_app(page, app_url)
    wait_for_figures(page)
    pay0 = shown_pay(page)
    click_step(page)
    wait_for_step(page, 1)
    assert shown_pay(page) == pay0  # no lever: pay stays

    assert set_slider(page, PAY_LABEL, 10) == 10
    fill_text(page, "Random seed", "3")
    assert "pay uplift" not in header(page)  # nothing changes until Reset
    click_reset(page)
    assert wait_for_step(page, 0) == 0
    page.get_by_text(re.compile(r"seed 3: month 2024-09 .*Bexley: pay uplift \(\+10%\)")).wait_for()
    click_step(page)  # the uplift acts from the first month of the run
    wait_for_step(page, 1)
    page.wait_for_function(
        "p => { const t = document.querySelector('table.council-facts');"
        " return t && !t.innerText.includes(p); }",
        arg=f"£{pay0:,}",
    )
    assert shown_pay(page) == pytest.approx(1.10 * pay0, abs=2)
    save_screenshot(page, SHOT_DIR / "app_bexley_pay_uplift.png")
    network_log.assert_offline_clean()


def test_england_step_and_redraw_time(offline_page, network_log, app_url):  # noqa: F811
    page = offline_page
    open_app(page, app_url)
    wait_for_figures(page)
    select_option(page, "Region", "england")
    click_reset(page)
    page.get_by_text(re.compile(r"^all 151 reporting units of England \(england\)")).wait_for()
    wait_for_figures(page)
    click_step(page)  # warm up
    wait_for_step(page, 1)
    wait_for_figures(page)

    results = [page.evaluate(_TIMED_REDRAW_JS, 30_000) for _ in range(8)]
    redraw = [r["redraw"] for r in results]
    counter = [r["counter"] for r in results]
    assert all(r["figures"] == 3 for r in results), results
    assert read_step(page) == 9
    median = statistics.median(redraw)
    print(f"\nEngland Step + redraw of map and charts in the browser (ms): {[round(t) for t in redraw]}; "
          f"median {median:.0f}, range {min(redraw):.0f}-{max(redraw):.0f}; "
          f"step counter alone: median {statistics.median(counter):.0f}")
    assert median < 1000, redraw

    page.locator(".v-input").filter(has=page.locator("label", has_text="Colour councils by")).locator(
        ".v-select__slot").click()
    page.locator(".menuable__content__active .v-list-item").filter(has_text="net poaching, last 12 months").click()
    page.set_viewport_size({"width": 1400, "height": 1500})  # the layout scrolls inside; show it all
    page.wait_for_timeout(1500)
    wait_for_figures(page)
    shot = save_screenshot(page, SHOT_DIR / "app_england.png", full_page=False)
    if os.environ.get("UPDATE_DOCS_IMAGES"):
        shutil.copyfile(shot, ROOT / "docs" / "images" / "app.png")
    network_log.assert_offline_clean()
    assert not network_log.console_errors, network_log.console_errors
