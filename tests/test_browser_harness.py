"""End-to-end proof of the offline SolaraViz recipe, using the stand-in app in standin_app.py.

Browser tests (``-m browser``) start ``solara run tests.standin_app:page`` on a free
127.0.0.1 port and drive it in headless /usr/bin/chromium with every non-local
request blocked. The first tests are plain Python and need no browser.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

solara = pytest.importorskip("solara", reason="needs the app extra (solara[assets]==1.58.2)")

import standin_app  # noqa: E402
from browser_harness import (  # noqa: E402  (fixtures come from tests/conftest.py)
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
    timed_step,
    wait_for_step,
    walk_widgets,
    widget_texts,
)

APP = "tests.standin_app:page"
SESSION_APP = "tests.standin_app:SessionPage"
SHOT_DIR = Path(os.environ.get("BROWSER_SHOTS", Path(__file__).resolve().parents[1] / "out" / "browser"))


# --------------------------------------------------------------------------- no browser




def test_seed_text_is_parsed():
    assert standin_app.parse_seed("42") == 42
    assert standin_app.parse_seed("  ") is None
    assert standin_app.parse_seed("abc") == standin_app.parse_seed("abc")
    a, b = standin_app.StandinModel(seed="7"), standin_app.StandinModel(seed=7)
    assert [c.vacancy for c in a.councils] == [c.vacancy for c in b.councils]


def test_page_object_builds_and_steps_without_browser():
    """The SolaraViz element renders to widgets; clicking Step advances the model."""
    import ipyvuetify as v
    import ipywidgets

    @solara.component
    def Wrapped():
        # Sidebar/AppBar content is only placed inside an AppLayout
        with solara.AppLayout():
            standin_app.make_page(standin_app.StandinModel(n_councils=9, seed="1"))

    box, rc = solara.render(Wrapped(), handle_error=False)
    try:
        labels = {tuple(b.children) for b in rc.find(v.Btn).widgets}
        assert {("Reset",), ("▶",), ("Step",)} <= labels
        texts = widget_texts(box)
        assert "Councils: 9, coloured by vacancy" in texts
        assert any(re.fullmatch(r"(Step: 0|Time: 0\.0)", t) for t in texts), texts
        images = [w for w in walk_widgets(box) if isinstance(w, ipywidgets.Image)]
        assert len(images) >= 2 and all(len(im.value) > 1000 for im in images)

        rc.find(v.Btn, children=["Step"]).widget.click()
        assert any(re.fullmatch(r"(Step: 1|Time: 1\.0)", t) for t in widget_texts(box)), widget_texts(box)
    finally:
        rc.close()


# --------------------------------------------------------------------------- browser


@pytest.fixture
def app_url(solara_server_factory):  # noqa: F811
    return solara_server_factory(APP)


@pytest.mark.browser
def test_page_loads_offline_with_map_and_chart(offline_page, network_log, app_url):  # noqa: F811
    page = offline_page
    open_app(page, app_url)
    page.get_by_text(re.compile(r"^Councils: \d+")).wait_for()
    for text in ("Number of councils", "Colour councils by", "Random seed", "Controls"):
        assert page.get_by_text(text, exact=True).first.is_visible(), text
    page.wait_for_function("document.querySelectorAll('img').length >= 2")
    boxes = figure_boxes(page, min_size=100)
    assert len(boxes) >= 2, boxes  # council map + mean_vacancy line chart
    save_screenshot(page, SHOT_DIR / "standin_loaded.png")
    network_log.assert_offline_clean()
    assert not network_log.console_errors, network_log.console_errors


@pytest.mark.browser
def test_step_advances_and_is_timed(offline_page, network_log, app_url):  # noqa: F811
    page = offline_page
    open_app(page, app_url)
    start = read_step(page)  # the module-level model is shared, so it may not be 0
    map_before = page.locator("img").first.get_attribute("src")
    click_step(page)
    assert wait_for_step(page, start + 1) == start + 1
    page.wait_for_function(
        "src => document.querySelector('img') && document.querySelector('img').src !== src",
        arg=map_before,
    )
    times = [timed_step(page) for _ in range(5)]
    assert read_step(page) == start + 6
    print(f"Step round trip in browser (ms): {[round(t) for t in times]}")
    assert max(times) < 10_000
    network_log.assert_offline_clean()


@pytest.mark.browser
def test_parameters_and_reset_rebuild_model(offline_page, network_log, app_url):  # noqa: F811
    page = offline_page
    open_app(page, app_url)
    click_step(page)
    wait_for_step(page, lambda s: s >= 1)

    assert set_slider(page, "Number of councils", 20) == 20
    select_option(page, "Colour councils by", "agency_share")
    fill_text(page, "Random seed", "7")
    # nothing changes until Reset
    assert page.get_by_text(re.compile(r"^Councils: 20,")).count() == 0

    click_reset(page)
    page.get_by_text("Councils: 20, coloured by agency_share", exact=True).wait_for()
    assert wait_for_step(page, 0) == 0
    save_screenshot(page, SHOT_DIR / "standin_after_reset.png")
    network_log.assert_offline_clean()


@pytest.mark.browser
def test_play_and_pause(offline_page, network_log, app_url):  # noqa: F811
    page = offline_page
    open_app(page, app_url)
    start = read_step(page)
    click_play(page)
    wait_for_step(page, lambda s: s >= start + 3)
    click_pause(page)
    # Mesa's play loop can finish one step that was already in flight when Pause was
    # clicked (it then takes the non-playing branch of do_step), so allow a little drift;
    # still playing at 100 ms per step would add many more.
    paused_at = read_step(page)
    page.wait_for_timeout(3000)
    assert read_step(page) - paused_at <= 2
    network_log.assert_offline_clean()


@pytest.mark.browser
def test_session_page_gives_each_tab_its_own_model(chromium_browser, solara_server_factory):  # noqa: F811
    from browser_harness import NetworkLog, block_non_local

    url = solara_server_factory(SESSION_APP)
    pages, logs = [], []
    try:
        for _ in range(2):
            ctx = chromium_browser.new_context()
            page = ctx.new_page()
            log = NetworkLog()
            block_non_local(page, log)
            pages.append(page)
            logs.append(log)
        open_app(pages[0], url)
        click_step(pages[0])
        click_step(pages[0])
        wait_for_step(pages[0], 2)
        open_app(pages[1], url)
        assert read_step(pages[1]) == 0
        for log in logs:
            log.assert_offline_clean()
    finally:
        for page in pages:
            page.context.close()
