"""Issue 15, item 6: intervals say what they span; a negative benefit is never a payment."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from thuisplus.experiments import Experiment, load_results, run_experiment
from thuisplus.experiments.analysis import (
    OVER_DESIGN,
    OVER_DRAWS,
    OVER_REPLICATIONS,
    headline,
    summarise_runs,
)
from thuisplus.experiments.report import write_report
from thuisplus.sim.business_case import STAKEHOLDERS, measures

KINDS = ("benefit", "cost", "transfer_in", "transfer_out")
RATE, FIRST = 0.03, 2021


def _pv(flows: pd.DataFrame) -> np.ndarray:
    return flows["amount"].to_numpy(float) / (1 + RATE) ** (flows["year"].to_numpy() - FIRST)


def _flows(rows: list[tuple[int, str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame([{"year": y, "stakeholder": s, "item": f"{k} {i}", "kind": k,
                          "amount": a, "unit": "€"} for i, (y, s, k, a) in enumerate(rows)])


# --- (b) a negative benefit is a negative gain, a negative cost a negative cost -------------
def test_a_negative_benefit_is_a_dis_benefit_not_a_payment():
    flows = _flows([(2021, "health_insurer", "benefit", 1000.0),     # care avoided in 2021
                    (2022, "health_insurer", "benefit", -3000.0),    # more care in 2022
                    (2021, "municipality", "cost", 500.0),
                    (2022, "informal_carers", "cost", -200.0)])      # a saving
    m = measures(flows, RATE, FIRST)
    hi = m["stakeholders"]["health_insurer"]
    assert hi["pays"] == 0.0  # the insurer pays nothing: more care is a dis-benefit
    assert hi["gains"] == pytest.approx(1000.0 - 3000.0 / 1.03)
    assert hi["net"] == pytest.approx(hi["gains"])
    carers = m["stakeholders"]["informal_carers"]
    assert carers["gains"] == 0.0 and carers["pays"] == pytest.approx(-200.0 / 1.03)
    assert carers["net"] == pytest.approx(200.0 / 1.03)
    # the society's measures count benefits and costs with their signs, as before
    assert m["pv_benefits"] == pytest.approx(1000.0 - 3000.0 / 1.03)
    assert m["pv_costs"] == pytest.approx(500.0 - 200.0 / 1.03)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(2021, 2030), st.sampled_from(STAKEHOLDERS),
                          st.sampled_from(KINDS),
                          st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)),
                min_size=1, max_size=40))
def test_pays_and_gains_are_booked_by_kind_and_net_is_unchanged(rows):
    flows = _flows(rows)
    m = measures(flows, RATE, FIRST)
    pv = _pv(flows)
    kind, who = flows["kind"].to_numpy(), flows["stakeholder"].to_numpy()
    for s in STAKEHOLDERS:
        mine = who == s
        gain = mine & np.isin(kind, ("benefit", "transfer_in"))
        pay = mine & np.isin(kind, ("cost", "transfer_out"))
        got = m["stakeholders"][s]
        assert got["gains"] == pytest.approx(pv[gain].sum(), abs=1e-6)
        assert got["pays"] == pytest.approx(pv[pay].sum(), abs=1e-6)
        # the net is what it always was: the signed sum (the old split by sign gave it too)
        signed = np.where(gain, pv, 0.0) - np.where(pay, pv, 0.0)
        assert got["net"] == pytest.approx(signed.sum(), abs=1e-6)
        assert got["net"] == pytest.approx(got["gains"] - got["pays"], abs=1e-6)
        # no benefit (of any sign) ever lands among the payments
        if not pay.any():
            assert got["pays"] == 0.0


# --- (a) an interval says what it spans ------------------------------------------------------
def _runs(points: int, reps: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for p in range(points):
        for r in range(reps):
            row = {"scenario": "s", "point": p, "replication": r, "npv": 1000.0 * p
                   + rng.normal(0, 100)}
            for s in STAKEHOLDERS:
                row[f"net_{s}"], row[f"gains_{s}"], row[f"pays_{s}"] = (
                    rng.normal(), 1 + rng.random(), 1 + rng.random())
            rows.append(row)
    return pd.DataFrame(rows)


def test_summaries_name_what_their_intervals_span():
    one_point = summarise_runs(_runs(1, 8), outcomes=["npv"]).iloc[0]
    assert one_point["over"] == OVER_REPLICATIONS and one_point["n"] == 8
    assert np.isfinite(one_point["ci_low"]) and one_point["ci_low"] < one_point["ci_high"]

    df = _runs(6, 1)
    design = summarise_runs(df, outcomes=["npv"]).iloc[0]
    assert design["over"] == OVER_DESIGN and design["n"] == 6
    assert np.isnan(design["ci_low"]) and np.isnan(design["ci_high"])  # no CI of a mean
    assert design["p5"] == pytest.approx(np.percentile(df["npv"], 5))

    # with replications, the design's figures are over the points' means
    df = _runs(5, 3)
    design = summarise_runs(df, outcomes=["npv"]).iloc[0]
    means = df.groupby("point")["npv"].mean()
    assert design["n"] == 5 and design["mean"] == pytest.approx(means.mean())
    assert design["p95"] == pytest.approx(np.percentile(means, 95))
    per_point = summarise_runs(df, ["scenario", "point"], ["npv"])
    assert (per_point["over"] == OVER_REPLICATIONS).all() and (per_point["n"] == 3).all()

    draws = summarise_runs(_runs(4, 2), outcomes=["npv"], draws=True).iloc[0]
    assert draws["over"] == OVER_DRAWS and draws["n"] == 8 and np.isnan(draws["ci_low"])


def test_headline_has_no_ci_of_a_mean_over_design_points():
    head = headline(_runs(6, 1)).set_index("outcome")
    assert (head["over"] == OVER_DESIGN).all()
    assert head["ci_low"].isna().all() and head["ci_high"].isna().all()
    head = headline(_runs(1, 6)).set_index("outcome")
    assert (head["over"] == OVER_REPLICATIONS).all()
    assert np.isfinite(head.loc["npv", "ci_low"])
    assert np.isfinite(head.loc["bcr_provider", "ci_low"])


def test_society_bcr_is_the_ratio_of_the_means_and_agrees_with_the_npv():
    """Mean benefits / mean costs, not the mean of the runs' ratios (the audit: 1.02 beside
    an NPV of −34,788). One cheap run with a ratio of 10 must not lift two dear ones."""
    from thuisplus.experiments.business_case_report import _ratio_of_means

    b, c = np.array([10.0, 100.0, 100.0]), np.array([1.0, 200.0, 200.0])
    df = pd.DataFrame({"scenario": "s", "replication": range(3), "pv_benefits": b,
                       "pv_costs": c, "npv": b - c, "benefit_cost_ratio": b / c,
                       "npv_budget": b + 60 - c, "benefit_cost_ratio_budget": (b + 60) / c})
    head = headline(df).set_index("outcome")
    assert (b / c).mean() > 1 > head.loc["benefit_cost_ratio", "mean"]
    assert head.loc["benefit_cost_ratio", "mean"] == pytest.approx(b.mean() / c.mean())
    assert head.loc["npv", "mean"] < 0
    assert head.loc["benefit_cost_ratio_budget", "mean"] == pytest.approx(
        (b + 60).mean() / c.mean())
    assert head.loc["benefit_cost_ratio", "p95"] == pytest.approx(np.percentile(b / c, 95))
    lo, hi = head.loc["benefit_cost_ratio", ["ci_low", "ci_high"]]
    assert lo <= b.mean() / c.mean() <= hi
    results = [{"pv_benefits": x, "pv_costs": y} for x, y in zip(b, c, strict=True)]
    assert _ratio_of_means(results) == pytest.approx(b.mean() / c.mean())
    assert np.isnan(_ratio_of_means([{"pv_benefits": 1.0, "pv_costs": 0.0}]))


SMALL = {"building.dwellings": 40, "building.floors": 4, "simulation.follow_up_years": 0}


def _report(tmp_path, name: str, replications: int, design: dict) -> str:
    exp = Experiment.from_dict({"name": name, "preset": "contract-2021", "seed": 5,
                                "replications": replications, "weeks": 52, "set": SMALL,
                                "design": design})
    out = tmp_path / name
    assert run_experiment(exp, out, executor="serial").complete
    write_report(out)
    return (out / "report.md").read_text()


@pytest.mark.parametrize("design", [
    {"method": "grid", "parameters": {"thuisplus.contract.transfer_acceptance":
                                      {"values": [0.2, 0.5, 0.8]}}},
    {"method": "lhs", "samples": 3, "parameters": {"thuisplus.contract.transfer_acceptance":
                                                   {"range": [0.2, 0.8]}}},
], ids=["grid", "lhs"])
def test_report_with_one_replication_and_a_design_spans_the_design_points(tmp_path, design):
    text = _report(tmp_path, "one-rep", 1, design)
    assert "over the 3 design points" in text
    assert "| measure | unit | mean over 3 design points (1 replication each) | " \
           "5–95% over the 3 design points |" in text
    assert "CI of the mean over" not in text and "90% CI |" not in text


def test_report_with_replications_spans_the_replications(tmp_path):
    text = _report(tmp_path, "reps", 3, {"method": "none"})
    assert "over the **3 replications (seeds)**" in text
    assert "| measure | unit | mean over 3 replications (seeds) | 90% CI of the mean over " \
           "3 replications (seeds) | 5–95% of the 3 runs (chance) |" in text
    assert "design points**" not in text and "5–95% over the" not in text


def test_report_with_a_design_and_replications_gives_the_ci_per_design_point(tmp_path):
    design = {"method": "grid", "parameters": {"thuisplus.contract.transfer_acceptance":
                                               {"values": [0.2, 0.8]}}}
    text = _report(tmp_path, "both", 2, design)
    assert "over the 2 design points**, each the mean of its 2 replications" in text
    assert "mean over 2 design points (each the mean of its 2 replications)" in text
    summary = pd.read_csv(tmp_path / "both" / "tables" / "summary.csv")
    assert (summary["over"] == OVER_REPLICATIONS).all() and (summary["n"] <= 2).all()
    df = load_results(tmp_path / "both")
    assert len(df) == 4


def test_the_consoles_headline_table_names_its_spans(tmp_path, monkeypatch):
    """``thuisplus run`` on a design (the smoke spec: grid x 2 replications) has no CI column."""
    from typer.testing import CliRunner

    import thuisplus.cli as cli

    smoke = Experiment.from_toml("smoke")
    monkeypatch.setattr(cli, "_load_experiment", lambda *a, **k: smoke)
    result = CliRunner().invoke(cli.app, ["run", "--out", str(tmp_path / "r"),
                                          "--executor", "serial"],
                                env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert "mean over 2 design points (each the mean of its 2 replications)" in result.output
    assert "5–95% over the 2 design points" in result.output
    assert "CI of the mean" not in result.output
