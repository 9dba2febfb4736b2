"""The dashboard in a real browser (Debian chromium via Solara's pytest plugin).

Each test displays the page with the Solara plugin's server and checks it as a user sees
it: nothing leaves the machine, the verdict states a probability, a slider changes a
number, options A and B side by side, the language switch, every download (saved and
loaded again), a phone's width, and the console stays clean. Screenshots go to
``test-artifacts/`` (docs/dashboard.md shows them).
"""

from __future__ import annotations

import urllib.parse
from pathlib import Path

import playwright.sync_api
import pytest
import solara
from IPython.display import display
from playwright.sync_api import expect

from thuisplus.dashboard.app import Dashboard, Layout
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


def show(params: Parameters, label: str, lang: str = "en", runs: int = 3) -> None:
    @solara.component
    def Wrapped():
        with Layout():  # the served page's frame
            Dashboard(params, label, runs=runs, lang=lang)

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
    for card in ("stakeholders", "provider_books", "building", "care_per_law",
                 "npv_distribution", "cumulative", "wellbeing"):
        svg = page.locator(f".tp-{card} .tp-svg svg").first
        svg.wait_for(timeout=LOAD_MS)
        assert svg.evaluate("s => s.getBoundingClientRect().width") > 100, f"{card}: empty"
    expect(page.locator(".tp-stakeholders")).to_contain_text("Who pays, who gains")
    expect(page.locator(".tp-figure-error")).to_have_count(0)
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
    figure = page.locator(".tp-figure").filter(has_text="Care cost avoided").locator(
        ".tp-figure-value")
    before = figure.inner_text()
    for ref in ("prevention-intensity", "loneliness-intensity"):
        slider = page.locator(f".tp-slider-{ref} [role=slider]")
        slider.focus()
        page.keyboard.press("Home")
        expect(page.locator(f".tp-{ref} .tp-value")).to_have_text("0%")
    expect(page.locator(".tp-busy-text")).to_have_count(0, timeout=LOAD_MS)
    expect(figure).not_to_have_text(before, timeout=LOAD_MS)
    check_clean(network_log)


def test_served_dashboard_offline_with_screenshot(served_dashboard, browser):
    """The page ``thuisplus dashboard`` serves, as a user opens it: in Dutch, nothing leaves
    the machine, no console error, the business case renders; screenshots of both
    languages are kept (docs/dashboard.md shows them)."""
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
        expect(page.locator(".tp-language .v-btn--active")).to_have_text("Nederlands")
        svg = page.locator(".tp-stakeholders .tp-svg svg").first
        svg.wait_for(timeout=LOAD_MS)
        assert svg.evaluate("s => s.getBoundingClientRect().width") > 100
        page.wait_for_timeout(1500)  # fonts and the last figures
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "dashboard-nl.png"), full_page=True)
        page.locator(".tp-language button").filter(has_text="English").click()
        expect(page.locator(".tp-headline")).to_contain_text("Funded per client")
        page.wait_for_timeout(1000)
        page.screenshot(path=str(ARTIFACTS / "dashboard-en.png"), full_page=True)
    finally:
        context.close()
    assert external == [], f"requests that would leave the machine: {external}"
    assert errors == [], f"browser console errors: {errors}"
    assert any("/_solara/cdn/" in u for u in requests)


def small_complex() -> Parameters:
    """A small complex with a short follow-up: quick pairs for the interactive tests."""
    return Parameters().with_overrides({"building.dwellings": 80, "building.floors": 4,
                                        "simulation.weeks": 4 * 52,
                                        "simulation.follow_up_years": 5})


def test_verdict_as_a_probability_in_both_languages(solara_test, network_log,
                                                    page_session: playwright.sync_api.Page):
    """The verdict is a probability over possible worlds; the switch turns the page Dutch,
    numbers in Dutch format."""
    network_log.clear()
    show(small_complex(), "small test complex", lang="en", runs=20)
    page = page_session
    page.locator(".tp-done").wait_for(timeout=LOAD_MS)
    head = page.locator(".tp-headline")
    expect(head).to_contain_text("That the flat pays off for society is")
    expect(head).to_contain_text("of the runs; with 20 runs the share lies between")
    expect(head).to_contain_text("Chance:")
    expect(head).to_contain_text("Parameters:")
    share = page.locator(".tp-figure-value").first.inner_text()
    assert share.endswith("%") and not share.endswith(" %"), share
    page.locator(".tp-language button").filter(has_text="Nederlands").click()
    expect(page.locator(".tp-figure-label").first).to_contain_text(
        "kans", ignore_case=True, timeout=10_000)
    assert page.locator(".tp-figure-value").first.inner_text().endswith(" %")
    euros = page.locator(".tp-figure-value").nth(2).inner_text()
    assert euros.startswith(("€ ", "−€ ")), euros
    expect(page.locator(".tp-stakeholders")).to_contain_text("gemeente", ignore_case=True)
    check_clean(network_log)


def test_options_a_and_b_side_by_side(solara_test, network_log,
                                      page_session: playwright.sync_api.Page):
    """Pin the setting as A, move a slider into B: both in the numbers and the figures."""
    network_log.clear()
    show(small_complex(), "small test complex", runs=3)
    page = page_session
    page.locator(".tp-done").wait_for(timeout=LOAD_MS)
    page.locator(".tp-pin").click()
    compare = page.locator(".tp-compare")
    expect(compare).to_be_visible()
    slider = page.locator(".tp-slider-prevention-intensity [role=slider]")
    slider.focus()
    page.keyboard.press("Home")
    expect(page.locator(".tp-busy-text")).to_have_count(0, timeout=LOAD_MS)
    page.locator(".tp-done").wait_for(timeout=LOAD_MS)
    expect(compare).to_contain_text("Runs in which B beats A for society", timeout=LOAD_MS)
    for col in ("A", "B", "B − A"):
        expect(compare.locator("th", has_text=col).first).to_be_visible()
    # every figure shows both options
    for card in ("stakeholders", "npv_distribution", "care_per_law"):
        figure = page.locator(f".tp-{card} .tp-svg svg")
        assert figure.locator(".series-a").count() > 0, f"{card}: option A is missing"
    page.locator(".tp-back").click()
    expect(page.locator(".tp-prevention-intensity .tp-value")).to_have_text("100%")
    page.locator(".tp-unpin").click()
    expect(compare).to_have_count(0)
    check_clean(network_log)


def test_every_download_saves_and_loads_again(solara_test, network_log, tmp_path,
                                              page_session: playwright.sync_api.Page):
    """The settings load with --params, the report holds the verdict and figures, the
    workbook opens, the CSV reads, and a figure's PNG is an image of its size."""
    import openpyxl
    import pandas as pd

    from thuisplus.sim.params import load_parameters

    network_log.clear()
    params = small_complex().with_overrides({"thuisplus.prevention.intensity": 0.6})
    show(params, "small test complex", runs=3)
    page = page_session
    page.locator(".tp-done").wait_for(timeout=LOAD_MS)

    def download(button) -> Path:
        with page.expect_download(timeout=LOAD_MS) as info:
            button.click()
        path = tmp_path / info.value.suggested_filename
        info.value.save_as(path)
        return path

    exports = page.locator(".tp-exports")
    settings = download(exports.get_by_text("Settings (parameter file)"))
    assert settings.suffix == ".toml"
    assert load_parameters(settings).model_dump() == params.model_dump()
    report = download(exports.get_by_text("Report (to print)"))
    text = report.read_text(encoding="utf-8")
    assert report.suffix == ".html" and "<svg" in text and "pays off" in text
    book = download(exports.get_by_text("Business case (spreadsheet)"))
    assert len(openpyxl.load_workbook(book).sheetnames) >= 5
    csv = download(exports.get_by_text("All results (CSV)"))
    assert set(pd.read_csv(csv)["table"]) >= {"yearly", "business_case_pv"}
    png = download(page.locator(".tp-stakeholders .tp-png"))
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width = int.from_bytes(data[16:20], "big")
    assert width >= 600, f"PNG only {width} px wide"
    check_clean(network_log)


def test_a_phone_width_keeps_everything_on_screen(solara_test, network_log,
                                                  page_session: playwright.sync_api.Page):
    """At 390 px wide nothing runs off the side: figures scale, the text wraps."""
    network_log.clear()
    page = page_session
    page.set_viewport_size({"width": 390, "height": 844})
    try:
        show(small_complex(), "small test complex", lang="nl", runs=3)
        page.locator(".tp-done").wait_for(timeout=LOAD_MS)
        # the sidebar starts closed on a phone: the answer is what one sees first
        expect(page.locator(".v-navigation-drawer--open")).to_have_count(0)
        expect(page.locator(".tp-headline")).to_be_in_viewport()
        page.wait_for_timeout(500)
        overflow = page.evaluate("() => document.documentElement.scrollWidth")
        assert overflow <= 392, f"the page is {overflow} px wide on a 390 px phone"
        for svg in page.locator(".tp-svg svg").all():
            assert svg.evaluate("s => s.getBoundingClientRect().right") <= 392
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "dashboard-phone.png"), full_page=True)
    finally:
        page.set_viewport_size({"width": 1440, "height": 2400})
    check_clean(network_log)
