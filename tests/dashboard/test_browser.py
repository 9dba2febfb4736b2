"""The dashboard in a real browser (Debian chromium via Solara's pytest plugin).

Each test displays the page with the Solara plugin's server and checks it as a user sees
it: nothing leaves the machine, the business case renders, a slider changes a plotted
number, and the console stays clean. A screenshot goes to ``test-artifacts/``.
"""

from __future__ import annotations

import urllib.parse
from pathlib import Path

import playwright.sync_api
import pytest
import solara
from IPython.display import display
from playwright.sync_api import expect

from thuisplus.dashboard.app import Dashboard
from thuisplus.sim import Parameters
from thuisplus.sim.presets import load_preset

CHROMIUM = Path("/usr/bin/chromium")  # the conftest points playwright at it
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing (apt-get "
                       "install -y chromium; .ci/run installs it)"),
    pytest.mark.usefixtures("network_guard"),
]

LOAD_MS = 120_000


def show(params: Parameters, label: str) -> None:
    @solara.component
    def Wrapped():
        with solara.AppLayout():
            Dashboard(params, label)

    display(Wrapped.widget())


def check_clean(log) -> None:
    assert log.external == [], f"requests that would leave the machine: {log.external}"
    assert log.server_external == [], f"server connections off the machine: " \
                                      f"{log.server_external}"
    assert log.console_errors == [], f"browser console errors: {log.console_errors}"
    assert log.requests, "no request was logged: the route is not in place"


def test_page_loads_offline_with_the_business_case(solara_test, network_log,
                                                   page_session: playwright.sync_api.Page):
    """The default complex under the 2021 contract: the answer and the business case."""
    network_log.clear()
    params = load_preset("contract-2021")
    show(params, "contract-2021")
    page = page_session
    page.locator(".tp-done").wait_for(timeout=LOAD_MS)
    expect(page.locator(".tp-headline")).to_contain_text("40 clients")
    expect(page.locator(".tp-headline")).to_contain_text("Who pays")
    for card in ("stakeholders", "provider_books", "building", "care_per_law"):
        img = page.locator(f".tp-{card} img").first
        img.wait_for(timeout=LOAD_MS)
        expect(img).to_have_js_property("complete", True)
        assert img.evaluate("i => i.naturalWidth") > 100, f"{card}: empty image"
    expect(page.locator(".tp-stakeholders")).to_contain_text("Who pays, who gains")
    assert any("/_solara/cdn/" in u for u in network_log.requests), \
        "the front end did not come from Solara's own asset cache"
    check_clean(network_log)


def test_a_slider_move_changes_a_plotted_number(solara_test, network_log,
                                                page_session: playwright.sync_api.Page):
    """Care prevention and loneliness to 0 % with the keyboard: the avoided cost changes."""
    network_log.clear()
    params = Parameters().with_overrides({"building.dwellings": 80, "building.floors": 4,
                                          "simulation.weeks": 4 * 52})
    show(params, "small test complex")
    page = page_session
    page.locator(".tp-done").wait_for(timeout=LOAD_MS)
    figure = page.locator(".tp-figure-value").first
    before = figure.inner_text()
    for ref in ("prevention-intensity", "loneliness-intensity"):
        slider = page.locator(f".tp-slider-{ref} [role=slider]")
        slider.focus()
        page.keyboard.press("Home")
        expect(page.locator(f".tp-{ref} .tp-value")).to_have_text("0 %")
    expect(page.locator(".tp-busy-text")).to_have_count(0, timeout=LOAD_MS)
    expect(figure).not_to_have_text(before, timeout=LOAD_MS)
    check_clean(network_log)


def test_served_dashboard_offline_with_screenshot(served_dashboard, browser):
    """The page ``thuisplus dashboard`` serves, as a user opens it: nothing leaves the
    machine, no console error, the business case renders; the screenshot is kept."""
    served_dashboard.wait_http_200(timeout=30)
    context = browser.new_context(viewport={"width": 1440, "height": 2500})
    requests, external, errors = [], [], []

    def route(r):
        requests.append(r.request.url)
        host = urllib.parse.urlparse(r.request.url).hostname
        if r.request.url.startswith(("data:", "blob:")) or host in ("127.0.0.1", "localhost"):
            r.continue_()
        else:
            external.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(served_dashboard.url)
        page.locator(".tp-done").wait_for(timeout=LOAD_MS)
        expect(page.locator(".tp-headline")).to_contain_text("Funded per client")
        img = page.locator(".tp-stakeholders img").first
        img.wait_for(timeout=LOAD_MS)
        assert img.evaluate("i => i.complete && i.naturalWidth") > 100
        page.wait_for_timeout(1500)  # fonts and the last images
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
    finally:
        context.close()
    assert external == [], f"requests that would leave the machine: {external}"
    assert errors == [], f"browser console errors: {errors}"
    assert any("/_solara/cdn/" in u for u in requests)
