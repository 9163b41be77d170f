"""Reusable pieces for end-to-end tests of a Mesa SolaraViz page in headless Chromium.

What is here (see ``docs/browser_notes.md`` for why each setting is needed):

* :func:`solara_env`, :func:`solara_command`, :class:`SolaraServer` and
  :func:`serve_solara` start ``solara run MODULE:PAGE`` on a free 127.0.0.1 port as
  a subprocess with the environment that makes it work fully offline, wait until it
  answers, and kill its whole process group afterwards.
* :class:`NetworkLog` and :func:`block_non_local` abort every request that is not
  for 127.0.0.1/localhost and record it, plus failed requests, HTTP errors and
  browser console errors.
* Pytest fixtures: ``solara_server_factory`` (module scope: start servers on demand),
  ``chromium_browser`` (session scope), ``network_log`` and ``offline_page``
  (function scope).  Pull them into a test module with
  ``from browser_harness import chromium_browser, network_log, offline_page,
  solara_server_factory  # noqa: F401``.
* Page helpers: :func:`open_app`, :func:`click_step`, :func:`click_reset`,
  :func:`click_play`, :func:`click_pause`, :func:`read_step`, :func:`wait_for_step`,
  :func:`timed_step`, :func:`set_slider`, :func:`select_option`, :func:`fill_text`,
  :func:`figure_boxes`, :func:`save_screenshot`.

Works with Mesa 3.3.x (SolaraViz shows ``Step: N``) and 3.5.x (shows ``Time: N.0``).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]

#: Chromium used by Playwright (``playwright install`` cannot download browsers here).
CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")

#: Flags for a quiet, offline, root-friendly headless Chromium.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

#: Environment that makes a Solara 1.58.2 server serve every front-end file itself.
#: SOLARA_ASSETS_PROXY=true serves /_solara/cdn/* from the files installed by the
#: ``solara-assets`` package (``<venv>/share/solara/cdn``) instead of pointing the
#: browser at a public CDN; Solara turns this off by itself when it thinks it runs
#: inside VS Code, Colab or Voila, so it is set explicitly. Telemetry is switched off
#: so that the server makes no outbound calls at all.
SOLARA_OFFLINE_ENV = {
    "SOLARA_ASSETS_PROXY": "true",
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false",
}

_LOCAL_URL = re.compile(r"^(https?|wss?)://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(/|$)")
_STEP_TEXT = re.compile(r"^\s*(Step|Time):\s*(-?\d+(?:\.\d+)?)\s*$")


# --------------------------------------------------------------------------- server


def free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port on ``host`` that was free a moment ago (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def solara_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for a ``solara run`` subprocess.

    Copies ``os.environ``, adds :data:`SOLARA_OFFLINE_ENV`, and puts the repository
    root first on ``PYTHONPATH`` so that ``tests.standin_app`` or ``sim.app`` can be
    imported by module name. ``extra`` overrides anything.
    """
    env = dict(os.environ)
    env.update(SOLARA_OFFLINE_ENV)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    env.setdefault("MPLBACKEND", "Agg")
    env.update(extra or {})
    return env


def solara_command(app: str, port: int, host: str = "127.0.0.1") -> list[str]:
    """The ``solara run`` command line for ``app`` (``"module:page"`` or a .py path).

    ``--production`` turns off hot reload and dev tooling, ``--no-open`` stops it
    opening a browser, ``--no-check-version`` stops the PyPI version check.
    Uses the current interpreter so the server runs in the same venv as the tests.
    """
    return [
        sys.executable, "-m", "solara", "run", app,
        "--host", host, "--port", str(port),
        "--production", "--no-open", "--no-check-version",
    ]  # fmt: skip


class SolaraServer:
    """A ``solara run`` subprocess in its own process group.

    ``start()`` launches it and blocks until ``GET /`` answers 200 (or raises with the
    tail of the server log); ``stop()`` sends SIGTERM to the whole group, then SIGKILL
    after ``grace`` seconds. Output goes to ``log_path``.
    """

    def __init__(
        self,
        app: str,
        *,
        port: int | None = None,
        host: str = "127.0.0.1",
        env: dict[str, str] | None = None,
        cwd: Path | str = REPO_ROOT,
        log_path: Path | str | None = None,
    ):
        self.app = app
        self.host = host
        self.port = port or free_port(host)
        self.env = solara_env(env)
        self.cwd = Path(cwd)
        if log_path is None:
            fd, log_path = tempfile.mkstemp(prefix="solara-server-", suffix=".log")
            os.close(fd)
        self.log_path = Path(log_path)
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        """Base URL of the page, e.g. ``http://127.0.0.1:40123/``."""
        return f"http://{self.host}:{self.port}/"

    def log_tail(self, n: int = 40) -> str:
        """Last ``n`` lines of the server's combined stdout/stderr."""
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def start(self, timeout: float = 90.0) -> str:
        """Launch the server and wait until it answers; return :attr:`url`."""
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                solara_command(self.app, self.port, self.host),
                cwd=self.cwd,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # own process group, so stop() gets the children too
            )
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"solara server for {self.app} exited with {self.proc.returncode}:\n" + self.log_tail()
                )
            try:
                with urllib.request.urlopen(self.url, timeout=5) as resp:
                    if resp.status == 200:
                        return self.url
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(
                    f"solara server for {self.app} did not answer on {self.url} within "
                    f"{timeout:.0f}s:\n" + self.log_tail()
                )
            time.sleep(0.2)

    def stop(self, grace: float = 10.0) -> None:
        """Terminate the server's process group (idempotent)."""
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, sig)
            try:
                proc.wait(timeout=wait)
                break
            except subprocess.TimeoutExpired:
                continue
        # a child that outlived the leader still holds the group id
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)


@contextlib.contextmanager
def serve_solara(app: str, **kwargs) -> Iterator[SolaraServer]:
    """Context manager: ``with serve_solara("tests.standin_app:page") as srv: srv.url``.

    ``kwargs`` go to :class:`SolaraServer`; the server is started on entry (waiting
    until it answers) and its process group killed on exit.
    """
    server = SolaraServer(app, **kwargs)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def solara_server_factory():
    """Module-scoped factory: ``url = solara_server_factory("pkg.module:page")``.

    Each distinct (app, env) is started once per test module and reused; all are
    stopped when the module's tests are done. Pass ``env={...}`` for extra variables.
    """
    servers: dict[tuple, SolaraServer] = {}

    def start(app: str, env: dict[str, str] | None = None, timeout: float = 90.0) -> str:
        key = (app, tuple(sorted((env or {}).items())))
        if key not in servers:
            server = SolaraServer(app, env=env)
            server.start(timeout=timeout)
            servers[key] = server
        return servers[key].url

    yield start
    for server in servers.values():
        server.stop()


# --------------------------------------------------------------------------- browser


@dataclass
class NetworkLog:
    """What a page tried to fetch and what went wrong.

    * ``blocked``: URLs aborted because they were not for 127.0.0.1/localhost;
    * ``failed``: ``(url, error)`` for requests that failed (blocked ones excluded);
    * ``http_errors``: ``(status, url)`` for responses with status >= 400;
    * ``console_errors``: text of ``console.error`` messages and uncaught page errors.
    """

    blocked: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    http_errors: list[tuple[int, str]] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def problems(self, ignore: str | None = None) -> list[str]:
        """Everything above as readable lines; URLs matching regex ``ignore`` are skipped."""
        skip = re.compile(ignore).search if ignore else (lambda _s: False)
        lines = [f"blocked non-local request: {u}" for u in self.blocked if not skip(u)]
        lines += [f"failed request: {u} ({e})" for u, e in self.failed if not skip(u)]
        lines += [f"HTTP {s}: {u}" for s, u in self.http_errors if not skip(u)]
        return lines

    def assert_offline_clean(self, ignore: str | None = None) -> None:
        """Fail if any non-local request was attempted or any local request failed."""
        problems = self.problems(ignore)
        assert not problems, "network problems:\n" + "\n".join(problems)


def block_non_local(page, log: NetworkLog) -> None:
    """Abort every request from ``page`` not aimed at 127.0.0.1/localhost, recording it.

    ``data:`` and ``blob:`` URLs are allowed. Also records failed requests, HTTP
    errors and console errors into ``log``. Call before ``page.goto``.
    """

    def route(r):
        url = r.request.url
        if _LOCAL_URL.match(url) or url.startswith(("data:", "blob:")):
            r.continue_()
        else:
            log.blocked.append(url)
            r.abort("blockedbyclient")

    page.route("**/*", route)
    page.on(
        "requestfailed",
        lambda req: None if req.url in log.blocked else log.failed.append((req.url, str(req.failure))),
    )
    page.on(
        "response",
        lambda resp: log.http_errors.append((resp.status, resp.url)) if resp.status >= 400 else None,
    )
    page.on(
        "console",
        lambda msg: log.console_errors.append(msg.text) if msg.type == "error" else None,
    )
    page.on("pageerror", lambda exc: log.console_errors.append(f"pageerror: {exc}"))


def launch_chromium(playwright, **kwargs):
    """Launch the system Chromium headless with :data:`CHROMIUM_ARGS` via Playwright."""
    return playwright.chromium.launch(executable_path=CHROMIUM_PATH, headless=True, args=list(CHROMIUM_ARGS), **kwargs)


@pytest.fixture(scope="session")
def chromium_browser():
    """Session-scoped Playwright ``Browser`` on /usr/bin/chromium.

    Registered once, in tests/conftest.py: two session fixtures would start two Playwright instances,
    and the second refuses to run inside the first one's event loop. Without Chromium the browser tests
    are skipped on a developer's machine but fail in CI (``CI`` set), where .ci/run installs it.
    """
    if not (os.path.exists(CHROMIUM_PATH) or shutil.which(CHROMIUM_PATH)):
        message = f"no Chromium at {CHROMIUM_PATH}; run .ci/install_browser.sh"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def network_log() -> NetworkLog:
    """A fresh :class:`NetworkLog`, filled by ``offline_page``."""
    return NetworkLog()


@pytest.fixture
def offline_page(chromium_browser, network_log):
    """A new Playwright ``Page`` (own context, 1400x1000) that can reach only localhost.

    Requests elsewhere are aborted and recorded in ``network_log``; call
    ``network_log.assert_offline_clean()`` in the test to check nothing was attempted
    or failed. Default timeout for actions and waits is 30 s.
    """
    context = chromium_browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(30_000)
    page = context.new_page()
    block_non_local(page, network_log)
    try:
        yield page
    finally:
        context.close()


# --------------------------------------------------------------------------- page helpers


def button(page, text: str):
    """Locator for the button whose accessible name is exactly ``text``."""
    return page.get_by_role("button", name=text, exact=True)


def open_app(page, url: str, timeout: float = 60.0) -> None:
    """Go to ``url`` and wait until SolaraViz's Step button and step counter are shown."""
    page.goto(url, wait_until="domcontentloaded", timeout=timeout * 1000)
    button(page, "Step").wait_for(state="visible", timeout=timeout * 1000)
    step_locator(page).wait_for(state="visible", timeout=timeout * 1000)


def click_step(page) -> None:
    """Click SolaraViz's Step button (advances ``render_interval`` steps)."""
    button(page, "Step").click()


def click_reset(page) -> None:
    """Click Reset: SolaraViz rebuilds the model from the current parameter controls."""
    button(page, "Reset").click()


def click_play(page) -> None:
    """Click Play (the "▶" button); it turns into the pause button "❚❚"."""
    button(page, "▶").click()
    button(page, "❚❚").wait_for(state="visible")


def click_pause(page) -> None:
    """Click Pause (the "❚❚" button shown while playing)."""
    button(page, "❚❚").click()
    button(page, "▶").wait_for(state="visible")


def step_locator(page):
    """Locator for SolaraViz's counter: "Step: N" (Mesa 3.3) or "Time: N.0" (Mesa 3.5)."""
    return page.get_by_text(re.compile(r"^\s*(Step|Time):\s*-?\d")).first


def read_step(page) -> int:
    """The step count SolaraViz currently shows, as an ``int``.

    For Mesa 3.5 this is ``model.time`` (one unit per ``step()`` for a model without
    its own event schedule).
    """
    text = step_locator(page).inner_text()
    m = _STEP_TEXT.match(text)
    if not m:
        raise ValueError(f"unexpected step text {text!r}")
    return int(float(m.group(2)))


def wait_for_step(page, predicate, timeout: float = 30.0, poll: float = 0.05) -> int:
    """Poll :func:`read_step` until ``predicate(step)`` is true (or an ``int`` equals); return it."""
    if isinstance(predicate, int):
        target = predicate
        predicate = lambda s: s == target  # noqa: E731
    deadline = time.monotonic() + timeout
    while True:
        try:
            step = read_step(page)
            if predicate(step):
                return step
        except ValueError:
            step = None
        if time.monotonic() > deadline:
            raise TimeoutError(f"step counter stuck at {step!r}")
        page.wait_for_timeout(poll * 1000)


_TIMED_STEP_JS = """
async (timeoutMs) => {
  const re = /^\\s*(Step|Time):\\s*-?\\d/;
  const counter = () => [...document.querySelectorAll('span, div')]
      .find(e => e.children.length === 0 && re.test(e.textContent));
  const btn = [...document.querySelectorAll('button')]
      .find(b => b.textContent.trim() === 'Step');
  const el = counter();
  if (!btn || !el) throw new Error('Step button or step counter not found');
  const before = el.textContent;
  return await new Promise((resolve, reject) => {
    const t0 = performance.now();
    const done = () => {
      const now = counter();
      if (now && now.textContent !== before) {
        obs.disconnect();
        clearTimeout(timer);
        resolve(performance.now() - t0);
      }
    };
    const obs = new MutationObserver(done);
    obs.observe(document.body, {subtree: true, childList: true, characterData: true});
    const timer = setTimeout(() => { obs.disconnect(); reject(new Error('step timed out')); },
                             timeoutMs);
    btn.click();
  });
}
"""


def timed_step(page, timeout: float = 30.0) -> float:
    """Click Step inside the page and return milliseconds until the step counter changes.

    Measured in the browser (``performance.now()`` and a MutationObserver), so it is the
    full round trip: click -> websocket -> ``model.step()`` and re-render of every
    component on the server -> DOM update. The figures may finish painting a little later.
    """
    return float(page.evaluate(_TIMED_STEP_JS, timeout * 1000))


def _input_container(page, label: str):
    """The Vuetify ``.v-input`` element whose label text is exactly ``label``."""
    return (
        page.locator(".v-input")
        .filter(has=page.locator("label", has_text=re.compile(rf"^\s*{re.escape(label)}\s*$")))
        .first
    )


def set_slider(page, label: str, value: int, max_presses: int = 1000) -> int:
    """Move the Vuetify slider labelled ``label`` to ``value`` with the arrow keys.

    Each key press moves one ``step`` and sends the new value to the server (so Mesa's
    ``model_params`` see it). Returns the value the slider reports afterwards.
    """
    thumb = _input_container(page, label).locator("[role=slider]").first
    thumb.focus()
    for _ in range(max_presses):
        now = float(thumb.get_attribute("aria-valuenow"))
        if now == value:
            break
        thumb.press("ArrowRight" if now < value else "ArrowLeft")
    # let the last change reach the server before anything else is clicked
    page.wait_for_timeout(300)
    return int(float(thumb.get_attribute("aria-valuenow")))


def select_option(page, label: str, option: str) -> None:
    """Open the Vuetify select labelled ``label`` and pick the item whose text is ``option``."""
    _input_container(page, label).locator(".v-select__slot").click()
    page.locator(".menuable__content__active .v-list-item").filter(
        has_text=re.compile(rf"^\s*{re.escape(option)}\s*$")
    ).first.click()
    page.wait_for_timeout(300)


def fill_text(page, label: str, text: str) -> None:
    """Type ``text`` into the text field labelled ``label`` and press Enter.

    ``solara.InputText`` only sends its value on Enter or blur. The model receives it
    as a ``str`` (Mesa passes it straight to the model's ``__init__``).
    """
    box = _input_container(page, label).locator("input").first
    box.fill(text)
    box.press("Enter")
    page.wait_for_timeout(300)


def figure_boxes(page, min_size: float = 10.0) -> list[dict]:
    """Bounding boxes of visible ``<img>``/``<canvas>`` elements at least ``min_size`` px wide and high.

    ``solara.FigureMatplotlib`` and Mesa's matplotlib components render as ``<img>``.
    """
    boxes = []
    for loc in (page.locator("img"), page.locator("canvas")):
        for i in range(loc.count()):
            bb = loc.nth(i).bounding_box()
            if bb and bb["width"] >= min_size and bb["height"] >= min_size:
                boxes.append(bb)
    return boxes


def save_screenshot(page, path: Path | str, full_page: bool = True) -> Path:
    """Save a PNG screenshot of ``page`` to ``path`` (parent folders are created)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=full_page)
    return path


# --------------------------------------------------------------------------- widget trees (no browser)


def walk_widgets(widget):
    """Yield ``widget`` and every widget below it (children / items lists) of a rendered solara page."""
    yield widget
    for attr in ("children", "items"):
        for child in getattr(widget, attr, None) or []:
            if hasattr(child, "model_id"):
                yield from walk_widgets(child)


def widget_texts(root) -> list[str]:
    """Every plain text shown below ``root``."""
    return [c for w in walk_widgets(root) for c in (getattr(w, "children", None) or []) if isinstance(c, str)]
