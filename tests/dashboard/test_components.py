"""Browser-free tests of the dashboard page (solara.render) and of its computation."""

from __future__ import annotations

import time

import ipyvuetify as v
import ipywidgets
import numpy as np
import pandas as pd
import pytest
import solara

from thuisplus.dashboard.app import Dashboard
from thuisplus.dashboard.compute import (
    compute,
    headline,
    key_figures,
    replication_seeds,
    results_csv,
)
from thuisplus.dashboard.controls import CONTROLS, apply_controls, control_values
from thuisplus.dashboard.views import BuildingModel
from thuisplus.sim import Parameters
from thuisplus.sim.params import ParameterError

AVOIDED = "Care cost avoided (all laws)"


def small(**overrides) -> Parameters:
    """A small, short Thuisplusflat (per-client funding, household-help transfer)."""
    base = {"building.dwellings": 60, "building.floors": 4, "simulation.weeks": 3 * 52}
    base.update(overrides)
    return Parameters().with_overrides(base)


@pytest.fixture(scope="module")
def outcome():
    return compute(small(), replications=2, seed=3)


def render(params: Parameters):
    @solara.component
    def Wrapped():
        with solara.AppLayout():
            Dashboard(params, "test parameters")

    box, rc = solara.render(Wrapped(), handle_error=False)
    return box, rc


def figure_text(rc, label: str) -> str:
    return rc.find(meta_ref=label).widget.children[0]


def wait_until(condition, timeout: float = 90.0) -> None:
    start = time.time()
    while time.time() - start < timeout:
        if condition():
            return
        time.sleep(0.05)
    raise TimeoutError("condition not met in time")


def wait_done(rc) -> None:
    rc.find(meta_ref=AVOIDED).wait_for(timeout=90)
    wait_until(lambda: len(rc.find(meta_ref="busy")) == 0)


# ---------------------------------------------------------------------------------- page

def test_every_control_is_on_the_page_with_its_label():
    _, rc = render(small())
    for c in CONTROLS:
        label = rc.find(meta_ref=f"{c.ref}-label")
        label.assert_single()
        assert label.widget.children[0] == c.label
        widget = rc.find(meta_ref=c.ref)
        widget.assert_single()
        if c.kind == "slider":
            assert isinstance(widget.widget, v.Slider)
            assert widget.widget.v_model == control_values(small())[c.key]
    assert rc.find(v.Slider, meta_ref="runs").widget.v_model == 3
    rc.find(v.Select, meta_ref="preset").assert_single()
    wait_done(rc)


def test_moving_a_slider_changes_the_computed_outcome():
    _, rc = render(small())
    wait_done(rc)
    before = figure_text(rc, AVOIDED)
    assert before.startswith(("€", "−€"))
    rc.find(v.Slider, meta_ref="prevention-intensity").widget.v_model = 0
    rc.find(v.Slider, meta_ref="loneliness-intensity").widget.v_model = 0
    # the label follows the slider (after a re-render, which may come from another thread)
    wait_until(lambda: rc.find(meta_ref="prevention-intensity-label").widget.children[1]
               .children == ["0 %"], timeout=30)
    wait_until(lambda: figure_text(rc, AVOIDED) != before)
    wait_done(rc)
    assert figure_text(rc, AVOIDED) != before


def test_out_of_range_combination_is_explained_not_computed():
    start = small(**{"thuisplus.contract.vital_share_shift": 0.3})
    _, rc = render(start)
    wait_done(rc)
    rc.find(v.Slider, meta_ref="inflow-vital-share").widget.v_model = 90
    rc.find(meta_ref="out-of-range").wait_for(timeout=10)
    text = rc.find(v.Html, tag="pre").widget.children[0]
    assert "inflow.vital_share + thuisplus.contract.vital_share_shift = 1.2" in text
    assert "allowed: between 0 and 1" in text


def test_preset_picker_sets_the_controls():
    _, rc = render(small())
    wait_done(rc)
    rc.find(v.Select, meta_ref="preset").widget.v_model = "lump-sum"
    toggle = rc.find(v.BtnToggle, meta_ref="contract-funding")
    toggle.assert_matches_wait(v_model=1, timeout=10)  # the second option: lump sum
    wait_done(rc)


def test_business_case_and_building_render(outcome):
    _, rc = render(small())
    wait_done(rc)
    for ref in ("headline", "stakeholders", "provider_books", "building", "care_per_law",
                "cumulative", "wellbeing"):
        rc.find(meta_ref=ref).assert_single()
    assert len(rc.find(ipywidgets.Image)) >= 5  # four plots and the building


# ---------------------------------------------------------------------------- computation

def test_controls_round_trip_and_reject_out_of_range():
    p = small()
    values = control_values(p)
    assert apply_controls(p, values) == p
    assert values["simulation.weeks"] == 3
    assert values["thuisplus.prevention.intensity"] == 100
    q = apply_controls(p, {"thuisplus.prevention.intensity": 25,
                           "thuisplus.contract.transfer_indications": ["begeleiding"]})
    assert q.thuisplus.prevention.intensity == 0.25
    assert q.thuisplus.contract.transfer_indications == ["begeleiding"]
    with pytest.raises(ParameterError) as err:
        apply_controls(p, {"thuisplus.prevention.intensity": 150})
    assert "thuisplus.prevention.intensity = 1.5" in err.value.format()


def test_replication_seeds_are_spawned_and_reproducible():
    a = replication_seeds(1, 4)
    assert a == replication_seeds(1, 4)
    assert len(set(a)) == 4
    assert replication_seeds(1, 2) == a[:2]
    assert replication_seeds(2, 1) != a[:1]


def test_outcome_tables(outcome):
    p = outcome.params
    assert len(outcome.seeds) == 2
    assert set(outcome.yearly["arm"]) == {"baseline", "thuisplus"}
    years = set(outcome.yearly["year"])  # the programme (3 years) and the follow-up
    assert min(years) == 2021 and max(years) >= 2021 + 3 + 44
    assert years == set(range(2021, max(years) + 1))
    snap = outcome.building["thuisplus"]
    assert snap.dwellings == p.building.dwellings
    for mode in snap.categories:
        assert sum(snap.counts(mode).values()) == p.building.dwellings
    model = BuildingModel(snap, "provider")
    assert len(model.grid.agents) == p.building.dwellings
    assert {"municipality", "health_insurer", "care_office", "provider"} <= set(
        outcome.stakeholder_table()["stakeholder"])


def test_headline_per_funding_form(outcome):
    text = headline(outcome)
    assert "Funded per client" in text and "40 clients" in text
    assert "Who pays" in text or "Who gains" in text
    assert "breaks even" in text
    lump = compute(small(**{"thuisplus.contract.funding": "lump_sum"}), seed=3)
    assert "Funded as a lump sum" in headline(lump)
    off = compute(small(**{"thuisplus.enabled": False}), seed=3)
    assert "No Thuisplusflat" in headline(off)
    assert key_figures(off)[AVOIDED] == "€0"


def test_more_runs_change_the_answer_only_through_new_seeds():
    one = compute(small(), replications=1, seed=3)
    two = compute(small(), replications=2, seed=3)
    first = two.yearly[two.yearly["seed"] == two.seeds[0]].reset_index(drop=True)
    pd.testing.assert_frame_equal(first, one.yearly)


def test_threads_and_cached_baselines_give_the_numbers_of_lockstep_pairs():
    """compute() runs pairs on threads with each seed's baseline kept: the same numbers."""
    from thuisplus.dashboard.compute import BASELINES
    from thuisplus.sim.business_case import measures, stakeholder_flows
    from thuisplus.sim.pair import run_pair

    BASELINES._models.clear()
    slider = small(**{"thuisplus.prevention.decline_reduction": 0.45})
    for params in (small(), slider):  # the second finds every baseline in the cache
        hits = BASELINES.hits
        o = compute(params, replications=3, seed=11)
        for s, got in zip(o.seeds, o.results, strict=True):
            pair = run_pair(params, seed=s)
            want = measures(stakeholder_flows(pair), params.money.discount_rate,
                            params.simulation.start_date.year)
            assert got["npv"] == want["npv"] and got["stakeholders"] == want["stakeholders"]
    assert BASELINES.hits - hits == 3 + 1  # and the first pair's programme-end snapshot


def test_results_csv_holds_yearly_table_and_business_case(outcome):
    from io import StringIO

    df = pd.read_csv(StringIO(results_csv(outcome)))
    assert set(df["table"]) == {"yearly", "avoided", "business_case", "business_case_pv"}
    assert set(df["seed"]) == set(outcome.seeds)
    y = df[(df["table"] == "yearly") & (df["item"] == "cost_wmo")]
    years = outcome.yearly["year"].nunique()  # the programme and the follow-up
    assert len(y) == 2 * 2 * years  # seeds × arms × years
    pv = df[(df["table"] == "business_case_pv") & (df["stakeholder"] == "society")
            & (df["item"] == "npv")]
    assert np.allclose(pv["value"], [r["npv"] for r in outcome.results])


def test_cancelled_computation_stops():
    import threading

    ev = threading.Event()
    ev.set()
    from thuisplus.dashboard.compute import Cancelled

    with pytest.raises(Cancelled):
        compute(small(), cancel=ev)


def test_runs_slider_sets_the_number_of_pairs():
    _, rc = render(small())
    wait_done(rc)
    assert rc.find(meta_ref="done").widget.children[0].startswith("3 run(s)")
    rc.find(v.Slider, meta_ref="runs").widget.v_model = 1
    wait_until(lambda: rc.find(meta_ref="done").widget.children[0].startswith("1 run(s)"))


def test_a_failing_computation_is_reported_in_words(monkeypatch):
    import thuisplus.dashboard.app as app

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(app, "compute", broken)
    _, rc = render(small())
    alert = rc.find(v.Alert, type="error")
    alert.wait_for(timeout=30)
    text = " ".join(str(c) for c in alert.widget.children)
    assert "The simulation stopped with an error: RuntimeError: boom" in text
    assert "Traceback" not in text


def test_download_button_is_offered():
    _, rc = render(small())
    wait_done(rc)
    buttons = rc.find(v.Btn)
    labels = [" ".join(str(c) for c in b.children) for b in buttons.widgets]
    assert any("Download results (CSV)" in label for label in labels), labels


def test_stakeholder_plot_with_a_net_the_same_in_every_run(outcome, monkeypatch):
    """A net equal in every run (the housing corporation's) must not break the plot: the
    mean of three equal numbers can lie an ulp outside their 5-95% band, which matplotlib
    refused as a negative error bar (the page then showed no plot at all)."""
    import numpy as np

    from thuisplus.dashboard import views

    o = outcome
    assert len(o.seeds) > 1
    table = o.stakeholder_table()
    row = table.index[0]
    table.loc[row, "net_low"] = table.loc[row, "net_high"] = np.nextafter(
        table.loc[row, "net"], np.inf)
    monkeypatch.setattr(type(o), "stakeholder_table", lambda self: table.copy())
    fig = views.stakeholders(o)
    assert fig.axes[0].lines or fig.axes[0].collections
