"""Browser-free tests of the dashboard page (solara.render) and of its computation."""

from __future__ import annotations

import itertools
import time

import ipyvuetify as v
import ipywidgets
import numpy as np
import pandas as pd
import pytest
import solara
from hypothesis import given, settings
from hypothesis import strategies as st

from thuisplus.dashboard import charts
from thuisplus.dashboard.app import Dashboard
from thuisplus.dashboard.compute import (
    MIN_VERDICT_RUNS,
    compute,
    headline,
    key_figures,
    replication_seeds,
    results_csv,
)
from thuisplus.dashboard.controls import CONTROLS, apply_controls, control_values
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


def render(params: Parameters, lang: str = "en", runs: int = 3):
    @solara.component
    def Wrapped():
        with solara.AppLayout():
            Dashboard(params, "test parameters", runs=runs, lang=lang)

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


def wait_done(rc, figures: bool = True) -> None:
    """Until the page shows a complete answer (and its key figures: none with A pinned)."""
    rc.find(meta_ref="done").wait_for(timeout=120)
    if figures:
        rc.find(meta_ref=AVOIDED).wait_for(timeout=30)


def widgets(rc) -> list:
    """Every widget on the page (the render tree's, walked through children and slots)."""
    seen, out, todo = set(), [], [rc.find().widget]
    while todo:
        w = todo.pop()
        if id(w) in seen or not isinstance(w, ipywidgets.Widget):
            continue
        seen.add(id(w))
        out.append(w)
        todo.extend(c for c in getattr(w, "children", None) or [] if not isinstance(c, str))
        for slot in getattr(w, "v_slots", None) or []:
            todo.extend(slot.get("children") or [])
    return out


def texts(rc) -> str:
    """Every text on the page: widgets' string children, Markdown and raw HTML."""
    out = []
    for w in widgets(rc):
        out.extend(str(c) for c in getattr(w, "children", None) or [] if isinstance(c, str))
        for attr in ("unsafe_innerHTML", "label"):
            if isinstance(getattr(w, attr, None), str):
                out.append(getattr(w, attr))
        template = getattr(w, "template", None)
        template = getattr(template, "template", template)  # a Template widget or text
        if isinstance(template, str) and "tp-svg-figure" not in template:
            out.append(template)
    return " ".join(out)


def svg_figures(rc) -> dict[str, str]:
    """The SVG of each figure on the page, by name."""
    return {w.name: w.svg for w in widgets(rc) if hasattr(w, "svg") and hasattr(w, "filename")}


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
               .children == ["0%"], timeout=30)
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


def test_business_case_building_and_every_figure_render():
    _, rc = render(small())
    wait_done(rc)
    for ref in ("headline", *charts.FIGURES, "building"):
        rc.find(meta_ref=ref).assert_single()
    svgs = svg_figures(rc)
    assert set(svgs) == {*charts.FIGURES, "building"}, "a figure is missing"
    assert all(s.lstrip().startswith("<svg") for s in svgs.values())
    assert not rc.find(v.Alert, class_="tp-figure-error").widgets


def test_a_figure_that_cannot_be_drawn_says_so(monkeypatch):
    """No silent failure: a figure that raises is replaced by a message naming the error."""
    real = charts.draw

    def draw(name, *args, **kwargs):
        if name == "stakeholders":
            raise ValueError("the net lies outside its band")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(charts, "draw", draw)
    _, rc = render(small())
    wait_done(rc)
    alert = rc.find(meta_ref="stakeholders").find(v.Alert)
    alert.wait_for(timeout=10)
    text = " ".join(str(c) for c in alert.widget.children)
    assert "could not be drawn" in text and "ValueError: the net lies outside its band" in text
    rc.find(meta_ref="wellbeing").find(v.Alert).assert_empty()


def test_the_verdict_states_a_probability_from_drawn_uncertainties():
    _, rc = render(small(), runs=MIN_VERDICT_RUNS)
    wait_done(rc)
    # (the page swaps the text's widget: the old one can linger for a moment)
    wait_until(lambda: "That the flat pays off for society is" in texts(rc), timeout=10)
    text = texts(rc)
    assert "of the runs; with 20 runs the share lies between" in text
    assert "<strong>Chance:</strong>" in text and "<strong>Parameters:</strong>" in text
    chance_label = "Chance it pays off for society"
    assert figure_text(rc, chance_label).endswith("%")
    rc.find(v.Checkbox, meta_ref="uncertain").widget.v_model = False
    wait_until(lambda: "kept fixed in these runs" in texts(rc), timeout=120)


def test_language_switch_to_dutch_numbers_and_terms():
    _, rc = render(small())
    wait_done(rc)
    english = figure_text(rc, AVOIDED)
    rc.find(v.BtnToggle, meta_ref="language").widget.v_model = 0  # Nederlands
    wait_until(lambda: figure_text(rc, f"{AVOIDED}-label")
               == "Vermeden zorgkosten (alle wetten)", timeout=30)
    dutch = figure_text(rc, AVOIDED)
    assert dutch != english
    assert dutch.startswith(("€ ", "−€ "))
    assert "Wmo-cliënten" in texts(rc) or "mantelzorgers" in texts(rc)
    from thuisplus.dashboard.i18n import MISSING

    assert not MISSING, f"texts without a Dutch translation: {sorted(MISSING)}"


def test_pinning_option_a_compares_it_with_b():
    _, rc = render(small())
    wait_done(rc)
    rc.find(v.Btn, meta_ref="pin").widget.click()
    rc.find(meta_ref="compare").wait_for(timeout=10)
    rc.find(v.Slider, meta_ref="prevention-intensity").widget.v_model = 0
    wait_until(lambda: "Runs in which B beats A for society" in texts(rc), timeout=120)
    wait_done(rc, figures=False)
    assert "<th>A</th>" in texts(rc) and "<th>B − A</th>" in texts(rc)
    assert "series-a" in svg_figures(rc)["stakeholders"]
    rc.find(v.Btn, meta_ref="back").widget.click()
    wait_until(lambda: rc.find(v.Slider, meta_ref="prevention-intensity").widget.v_model
               == 100, timeout=10)
    rc.find(v.Btn, meta_ref="unpin").widget.click()
    wait_until(lambda: len(rc.find(meta_ref="compare")) == 0, timeout=10)


def test_runs_slider_sets_the_number_of_pairs():
    _, rc = render(small())
    wait_done(rc)
    assert rc.find(meta_ref="done").widget.children[0].startswith("3 run(s)")
    rc.find(v.Slider, meta_ref="runs").widget.v_model = 1
    wait_until(lambda: len(rc.find(meta_ref="done")) == 1
               and rc.find(meta_ref="done").widget.children[0].startswith("1 run(s)"))


def test_a_failing_computation_is_reported_in_words(monkeypatch):
    import thuisplus.dashboard.app as app

    def broken(*args, **kwargs):
        raise RuntimeError("boom")
        yield  # a generator, as compute_steps

    monkeypatch.setattr(app, "compute_steps", broken)
    _, rc = render(small())
    alert = rc.find(v.Alert, type="error")
    alert.wait_for(timeout=30)
    text = " ".join(str(c) for c in alert.widget.children)
    assert "The simulation stopped with an error: RuntimeError: boom" in text
    assert "Traceback" not in text


def test_download_buttons_are_offered():
    _, rc = render(small())
    wait_done(rc)
    labels = " ".join(" ".join(str(c) for c in b.children) for b in rc.find(v.Btn).widgets)
    for what in ("Settings (parameter file)", "Report (to print)",
                 "Business case (spreadsheet)", "All results (CSV)"):
        assert what in labels, labels


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
    assert {"municipality", "health_insurer", "care_office", "provider"} <= set(
        outcome.stakeholder_table()["stakeholder"])


def test_headline_per_funding_form(outcome):
    text = headline(outcome)
    assert "Funded per client" in text and "40 clients" in text
    assert "Who pays" in text or "Who gains" in text
    assert "breaks even" in text
    assert "the plus of €15 a week per client" in text  # a price is shown as it is
    lump = compute(small(**{"thuisplus.contract.funding": "lump_sum"}), seed=3)
    assert "Funded as a lump sum" in headline(lump)
    off = compute(small(**{"thuisplus.enabled": False}), seed=3)
    assert "No Thuisplusflat" in headline(off)
    assert key_figures(off)[AVOIDED] == "€0"
    assert key_figures(off, "nl")["Vermeden zorgkosten (alle wetten)"] == "€ 0"


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


# ------------------------------------------------------ the verdict, draws, options A and B

def test_uncertainty_draws_are_reproducible_prefixes_and_keep_held_keys():
    from thuisplus.dashboard.compute import uncertainty_draws

    a = uncertainty_draws(5, seed=3, held=["thuisplus.contract.transfer_acceptance"])
    pd.testing.assert_frame_equal(a.head(3), uncertainty_draws(3, seed=3, held=[
        "thuisplus.contract.transfer_acceptance"]))
    assert "thuisplus.contract.transfer_acceptance" not in a.columns
    assert not a.equals(uncertainty_draws(5, seed=4, held=[
        "thuisplus.contract.transfer_acceptance"]))


def test_uncertainty_draws_kept_for_the_next_slider_change_are_the_same_and_safe():
    from thuisplus.dashboard import compute

    key = "thuisplus.contract.transfer_acceptance"
    compute._DRAWS.clear()
    first = compute.uncertainty_draws(4, seed=9, held=iter([key]))  # an iterator is fine
    assert key not in first.columns and len(compute._DRAWS) == 1
    first.iloc[:, 0] = -1.0  # what a caller does to its table stays out of the cache
    again = compute.uncertainty_draws(4, seed=9, held=(key,))
    assert len(compute._DRAWS) == 1 and (again.iloc[:, 0] != -1.0).all()
    compute._DRAWS.clear()
    pd.testing.assert_frame_equal(again, compute.uncertainty_draws(4, seed=9, held=[key]))


def test_held_uncertainties_are_the_controls_and_the_starting_files_choices():
    from thuisplus.dashboard.compute import held_uncertainties

    start = small(**{"thuisplus.prevention.fall_reduction": 0.33})
    held = held_uncertainties(start, [c.key for c in CONTROLS])
    assert "thuisplus.prevention.fall_reduction" in held  # the file chose it
    assert "thuisplus.contract.transfer_acceptance" in held  # a slider sets it
    assert "thuisplus.prevention.decline_reduction" not in held


def test_each_uncertain_run_has_its_own_draw_and_the_held_value():
    o = compute(small(**{"thuisplus.prevention.fall_reduction": 0.33}), replications=3,
                seed=5, uncertain=True, held=["thuisplus.prevention.fall_reduction"])
    assert o.uncertain and len(o.draws) == 3
    assert "thuisplus.prevention.fall_reduction" not in o.draws.columns
    assert o.draws["thuisplus.prevention.decline_reduction"].nunique() == 3
    fixed = compute(small(), replications=3, seed=5)
    assert not fixed.uncertain
    assert [r["npv"] for r in o.results] != [r["npv"] for r in fixed.results]


def test_compute_steps_gives_a_first_answer_then_the_whole():
    from thuisplus.dashboard.compute import compute_steps

    steps = list(compute_steps(small(), replications=4, seed=3, progress_every=0.0))
    assert len(steps) >= 2
    first, last = steps[0], steps[-1]
    assert not first.complete and last.complete
    assert first.seeds[0] == last.seeds[0] and first.building  # replication 0 first shown
    assert len(last.seeds) == 4 and last.asked == 4
    assert all(len(a.seeds) <= len(b.seeds) for a, b in itertools.pairwise(steps))


def test_the_first_answer_shares_the_machine_with_one_pair_a_core(monkeypatch):
    """Replications beyond one a core are submitted once the first answer is out."""
    from thuisplus.dashboard import compute as compute_mod

    seeds = compute_mod.replication_seeds(3, 5)
    submitted: list[int] = []
    pool = compute_mod._pool(2)

    class Recording:
        def submit(self, fn, params, seed, *args):
            submitted.append(seeds.index(seed))
            return pool.submit(fn, params, seed, *args)

    monkeypatch.setattr(compute_mod, "workers", lambda: 2)
    monkeypatch.setattr(compute_mod, "_pool", lambda n: Recording())
    steps = compute_mod.compute_steps(small(), replications=5, seed=3, progress_every=0.0)
    first = next(steps)
    assert first.seeds[0] == seeds[0] and not first.complete
    assert submitted == [0, 1]
    last = list(steps)[-1]
    assert submitted == [0, 1, 2, 3, 4] and last.complete and last.seeds == seeds


def test_the_first_pair_run_in_two_parts_is_the_pair():
    """The first replication stops at the programme's end for the building: same numbers."""
    from thuisplus.dashboard.compute import _first_pair
    from thuisplus.sim.business_case import stakeholder_flows
    from thuisplus.sim.pair import run_pair

    p = small()
    staged, building = _first_pair(p, 17)
    whole = run_pair(p, seed=17)
    pd.testing.assert_frame_equal(stakeholder_flows(staged), stakeholder_flows(whole))
    assert building["thuisplus"].date == building["baseline"].date
    assert staged.thuisplus.week == whole.thuisplus.week


@settings(max_examples=200, deadline=None)
@given(n=st.integers(1, 500), data=st.data())
def test_chance_interval_holds_the_share_and_narrows(n, data):
    from thuisplus.dashboard.compute import Chance

    k = data.draw(st.integers(0, n))
    c = Chance(n, k)
    lo, hi = c.interval
    assert 0.0 <= lo <= c.p <= hi <= 1.0
    wide = Chance(n * 4, k * 4).interval
    assert wide[1] - wide[0] <= hi - lo + 1e-12
    if c.settled:
        assert Chance._word(lo) == c.words == Chance._word(hi)


def test_verdict_words_and_too_few_runs(outcome):
    from thuisplus.dashboard.compute import chance, verdict

    assert chance(np.array([1.0, -1.0, 2.0, np.nan])).p == pytest.approx(2 / 3)
    assert "kept fixed" in verdict(outcome)  # fixed parameters: not a probability
    few = compute(small(), replications=3, seed=3, uncertain=True)
    assert "Too few runs for a verdict yet" in verdict(few)


def test_options_on_the_same_worlds_are_paired():
    from thuisplus.dashboard.compute import comparable, comparison_table, difference

    a = compute(small(), replications=3, seed=3, uncertain=True)
    b = compute(small(**{"thuisplus.prevention.intensity": 0.0}), replications=3, seed=3,
                uncertain=True)
    assert comparable(a, b)
    d = difference(a, b, "npv")
    assert np.allclose(d, b.values("npv") - a.values("npv"))
    table = comparison_table(a, b)
    assert list(table.columns) == ["figure", "A", "B", "B − A"]
    assert table.iloc[-1]["figure"] == "Runs in which B beats A for society"
    other_seed = compute(small(), replications=3, seed=4, uncertain=True)
    assert not comparable(a, other_seed) and difference(a, other_seed, "npv").size == 0
    assert comparison_table(a, other_seed).iloc[-1]["figure"] != \
        "Runs in which B beats A for society"


def test_calibrated_uncertainties_come_jointly_from_the_posterior():
    """As the main job's PSA: the calibrated figures from the fit, not from their priors."""
    from thuisplus.dashboard.compute import shipped_posterior, uncertainty_draws, verdict

    post = shipped_posterior()
    assert post is not None and "vitality.decline_at_80" in post.keys
    held = ["thuisplus.contract.transfer_acceptance"]
    draws = uncertainty_draws(6, seed=2, held=held, posterior=post)
    fitted = [k for k in post.keys if k not in held]
    rows = {tuple(round(x, 12) for x in r) for r in post.samples[:, [post.keys.index(k)
                                                                      for k in fitted]]}
    for _, row in draws[fitted].iterrows():  # each draw is one whole set of the sample
        assert tuple(round(float(x), 12) for x in row) in rows
    assert "thuisplus.contract.transfer_acceptance" not in draws.columns
    pd.testing.assert_frame_equal(draws.head(4), uncertainty_draws(4, 2, held, post))
    o = compute(small(), replications=2, seed=2, uncertain=True, held=held, posterior=post)
    assert set(o.fitted) == set(fitted)
    assert "drawn from that fit" in verdict(o)
