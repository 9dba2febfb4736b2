"""``thuisplus.sim.evaluate``: flat parameters in, a flat NaN-free dict of outcomes out."""

from __future__ import annotations

import math

import pytest

from thuisplus.experiments import Experiment, load_results, run_experiment
from thuisplus.sim import EVALUATE_OUTCOMES, ParameterError, evaluate, load_preset, run_pair
from thuisplus.sim.outcomes import OUTCOMES

#: A small complex with a short programme and follow-up (seconds per pair).
SMALL = {"building.dwellings": 40, "building.floors": 4, "simulation.weeks": 104,
         "simulation.follow_up_years": 2}


def test_evaluate_is_the_pair_in_hand_and_the_experiments_row(tmp_path):
    over = {**SMALL, "thuisplus.contract.transfer_acceptance": 0.6}
    out = evaluate(over, seed=11, preset="contract-2021")
    assert list(out) == list(EVALUATE_OUTCOMES)
    pair = run_pair(load_preset("contract-2021").with_overrides(over), seed=11)
    assert pair.outcomes() == out
    assert out["npv"] != 0 and out["avoided_total"] != 0

    exp = Experiment.from_dict({"name": "one", "preset": "contract-2021", "seed": 5,
                                "replications": 1, "set": over})
    folder = tmp_path / "one"
    run_experiment(exp, folder, executor="serial")
    row = load_results(folder).iloc[0]
    again = evaluate(over, seed=int(row["seed"]), preset="contract-2021")
    for key in OUTCOMES:
        if math.isfinite(row[key]):
            assert again[key] == row[key], key


def test_sampled_floats_are_cast_as_the_designs_cast_them():
    a = evaluate({**SMALL, "building.dwellings": 39.6}, seed=2)
    b = evaluate({**SMALL, "building.dwellings": 40}, seed=2)
    assert a == b


def test_nan_free_where_outcomes_are_undefined():
    off = evaluate(SMALL, seed=1, preset="baseline")  # nothing done: 0/0 ratios
    assert all(math.isfinite(v) for v in off.values())
    assert off["npv"] == 0 and off["benefit_cost_ratio"] == 0
    short = evaluate(SMALL, seed=1, preset="contract-2021", weeks=40)  # ends in 2021
    assert all(math.isfinite(v) for v in short.values())
    assert short["clients_2023"] == 0 and short["payback_year"] == 2022  # censored
    for key, text in EVALUATE_OUTCOMES.items():
        assert text, key


def test_seed_forms_and_bad_input():
    import numpy as np

    a = evaluate(SMALL, seed=3, preset="contract-2021")
    assert evaluate(SMALL, seed=np.random.SeedSequence(3), preset="contract-2021") == a
    with pytest.raises(ParameterError, match="did you mean 'building'"):
        evaluate({"buildng.dwellings": 40}, seed=1)
    with pytest.raises(ParameterError, match="unknown preset"):
        evaluate(seed=1, preset="contract_2012")
    with pytest.raises(TypeError):
        evaluate(SMALL)  # the seed is required: a run is one draw


def test_evaluate_gives_the_numbers_of_thuisplus_pair_json():
    import json

    from typer.testing import CliRunner

    from thuisplus.cli import app

    args = ["pair", "--seed", "7", "--preset", "contract-2021", "--json"]
    for key, value in SMALL.items():
        args += ["--set", f"{key}={value}"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == evaluate(SMALL, seed=7, preset="contract-2021")


def test_edge_cases_are_numbers_or_clear_errors():
    empty = evaluate({**SMALL, "building.initial_occupancy": 0}, seed=1, weeks=4)
    assert all(math.isfinite(v) for v in empty.values())
    assert empty["avoided_per_resident"] == 0 and empty["clients_2023_observed"] == 0
    for bad in (0, -3, 2.5, True):
        with pytest.raises(ValueError, match="allowed: an integer >= 1"):
            evaluate(SMALL, seed=1, weeks=bad)


def test_dominant_flags_a_flat_that_saves_money_and_does_good():
    from thuisplus.sim.outcomes import _flat

    base = evaluate(SMALL, seed=1, preset="contract-2021")
    yearly = __import__("pandas").DataFrame({"year": [2021, 2022]})
    raw = {k: base[k] for k in OUTCOMES}
    raw.update(pv_costs=-10.0, pv_benefits=50.0, benefit_cost_ratio=float("nan"))
    out = _flat(raw, yearly)
    assert out["dominant"] == 1 and out["benefit_cost_ratio"] == 0
    raw.update(pv_costs=10.0)
    assert _flat(raw, yearly)["dominant"] == 0
