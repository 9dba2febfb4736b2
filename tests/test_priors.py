"""Kinds of parameter and their priors (issue 14): declarations, draws, and their users."""

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from thuisplus.calibration.config import CalibrationConfig
from thuisplus.cli import app
from thuisplus.experiments.spec import Experiment, SpecError
from thuisplus.sim import Parameters
from thuisplus.sim.param_base import KINDS, NO_EVIDENCE, Prior
from thuisplus.sim.params import (
    ParameterError,
    declared_prior,
    iter_fields,
    parameter_kind,
    parameter_table,
    uncertainties,
)
from thuisplus.sim.uncertainty import draw_priors, uniforms

PRIORS = uncertainties()
CALIBRATED = {k for k, info in iter_fields()
              if (info.json_schema_extra or {}).get("group") == "calibrated"}


def test_every_parameter_has_a_kind_and_only_uncertainties_have_priors():
    for key, info in iter_fields():
        extra = info.json_schema_extra or {}
        assert extra.get("kind") in KINDS, key
        assert ("prior" in extra) == (extra["kind"] == "uncertainty"), key
        if extra["kind"] == "uncertainty":
            assert extra.get("group"), f"{key}: an uncertainty needs a VOI group"
            assert extra.get("evidence"), f"{key}: an uncertainty grades its evidence"
    kinds = {parameter_kind(k) for k, _ in iter_fields()}
    assert kinds == set(KINDS)


def test_no_intervention_effect_is_a_constant():
    """An effect size comes from a study or is marked 'no evidence' with a prior."""
    for key, _ in iter_fields():
        if key.startswith("thuisplus.") and key != "thuisplus.enabled":
            assert parameter_kind(key) != "constant", key


def test_uncertainties_without_a_study_say_so():
    for key, info in iter_fields():
        extra = info.json_schema_extra or {}
        if extra.get("evidence") == "none":
            assert extra["source"].startswith(NO_EVIDENCE), key


@pytest.mark.parametrize("key", list(PRIORS))
def test_prior_lies_inside_the_valid_range_and_holds_the_default(key):
    prior = PRIORS[key]
    p = Parameters()
    for bound in (prior.lower, prior.upper):  # both ends are valid parameter values
        p.with_overrides({key: bound})
    default = p.get(key)
    assert prior.lower <= default <= prior.upper
    if key not in CALIBRATED:  # the base case is the prior's mean (calibrated: the fit)
        assert abs(default - prior.expected()) <= 0.01 * (prior.upper - prior.lower), key


def test_prior_validation_names_the_problem():
    with pytest.raises(ValueError, match=r"lower = 1 must be below upper = 0\.5"):
        Prior(lower=1.0, upper=0.5)
    with pytest.raises(ValueError, match="uniform prior takes no mean"):
        Prior(prior="uniform", lower=0.0, upper=1.0, mean=0.5)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 300))
def test_draws_lie_in_the_prior_and_reproduce_by_seed(seed, n):
    d = draw_priors(n, seed)
    assert list(d.columns) == list(PRIORS) and len(d) == n
    for key, prior in PRIORS.items():
        col = d[key].to_numpy()
        assert np.isfinite(col).all()
        assert (col >= prior.lower).all() and (col <= prior.upper).all(), key
    assert d.equals(draw_priors(n, seed))


def test_a_parameters_draws_do_not_depend_on_the_others():
    some = ["thuisplus.prevention.decline_reduction", "costs.vpt_cost_ratio"]
    alone = draw_priors(50, 7, keys=some)
    both = draw_priors(50, 7)
    for key in some:
        np.testing.assert_array_equal(alone[key], both[key])
    assert not np.array_equal(uniforms(some[0], 50, 7), uniforms(some[1], 50, 7))
    assert not np.array_equal(uniforms(some[0], 50, 7), uniforms(some[0], 50, 8))


def test_draws_follow_the_prior():
    """The sample's quantiles match the prior's (inverse transform, 20,000 draws)."""
    key = "thuisplus.prevention.decline_reduction"
    prior = declared_prior(key)
    x = draw_priors(20_000, 3, keys=[key])[key]
    lo, hi = prior.interval(0.9)
    assert abs(np.quantile(x, 0.05) - lo) < 0.01 and abs(np.quantile(x, 0.95) - hi) < 0.01
    assert abs(x.mean() - prior.expected()) < 0.003
    assert (x < 0).mean() == pytest.approx(prior._dist().cdf(0.0), abs=0.01)


def test_draw_of_an_unknown_key_names_it():
    with pytest.raises(KeyError, match=r"building\.floors: not an uncertainty"):
        draw_priors(3, 1, keys=["building.floors"])


def test_harmful_effects_are_valid_parameter_values():
    """Priors reach below zero (harm); the tree accepts it and a pair runs."""
    harm = {k: p.lower for k, p in PRIORS.items() if p.lower < 0}
    assert "thuisplus.prevention.decline_reduction" in harm
    Parameters().with_overrides(harm)
    with pytest.raises(ParameterError, match="decline_reduction"):
        Parameters().with_overrides({"thuisplus.prevention.decline_reduction": -0.5})


def test_table_and_json_show_kind_and_prior():
    rows = {r["key"]: r for r in parameter_table()}
    r = rows["thuisplus.prevention.decline_reduction"]
    assert r["kind"] == "uncertainty" and r["prior"].startswith("N(0.08, 0.1)")
    assert r["prior_spec"]["p05"] < 0 < r["prior_spec"]["p95"]
    assert rows["thuisplus.prevention.intensity"]["kind"] == "lever"
    assert rows["costs.nursing_home_day"]["kind"] == "constant"
    res = CliRunner().invoke(app, ["params", "--json", "--kind", "uncertainty"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert {d["key"] for d in data} == set(PRIORS)
    assert all(d["prior"]["lower"] < d["prior"]["upper"] for d in data)
    assert all(math.isfinite(d["prior"]["expected"]) for d in data)


def test_params_kind_typo_exits_2():
    res = CliRunner().invoke(app, ["params", "--kind", "uncertanty"])
    assert res.exit_code == 2
    assert "did you mean 'uncertainty'" in res.output


def _spec(parameters):
    return {"name": "t", "preset": "contract-2021", "replications": 1,
            "design": {"method": "lhs", "samples": 4, "parameters": parameters}}


def test_spec_reads_ranges_from_the_priors_and_warns_on_constants():
    exp = Experiment.from_dict(_spec({
        "thuisplus.prevention.decline_reduction": {"range": "prior"},
        "costs.nursing_home_day": {"range": [250.0, 330.0]}}))
    prior = declared_prior("thuisplus.prevention.decline_reduction")
    assert exp.spec.design.parameters["thuisplus.prevention.decline_reduction"].range == (
        prior.lower, prior.upper)
    assert len(exp.warnings) == 1 and "costs.nursing_home_day is a constant" in exp.warnings[0]
    with pytest.raises(SpecError, match=r"building\.floors has no prior"):
        Experiment.from_dict(_spec({"building.floors": {"range": "prior"},
                                    "building.dwellings": {"range": [100, 200]}}))


def test_calibration_config_reads_declared_priors(tmp_path):
    base = {"name": "c", "preset": "contract-2021", "budget": 10}
    cfg = CalibrationConfig.from_dict({**base, "parameters": {
        "vitality.decline_at_80": "prior"}})
    assert cfg.priors["vitality.decline_at_80"] == declared_prior("vitality.decline_at_80")
    with pytest.raises(SpecError, match=r"building\.floors has no prior"):
        CalibrationConfig.from_dict({**base, "parameters": {"building.floors": "prior"}})


def test_evidence_page_lists_every_uncertainty_with_its_prior():
    """docs/evidence.md's summary table matches the tree (the priors live in one place)."""
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "docs" / "evidence.md").read_text("utf-8")
    rows = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 6 and cells[0].startswith("`") and cells[0].strip("`") in PRIORS:
            rows[cells[0].strip("`")] = cells
    assert set(rows) == set(PRIORS)
    p = Parameters()
    for key, cells in rows.items():
        assert cells[2] == PRIORS[key].text(), key
        assert cells[1].split(" ")[0] == f"{p.get(key):g}", key


def test_dashboard_sliders_of_uncertainties_span_their_priors():
    """The dashboard reads an uncertainty's range from the tree, not a restated one."""
    from thuisplus.dashboard.controls import CONTROLS
    from thuisplus.sim.params import declared_prior, parameter_kind

    checked = 0
    for c in CONTROLS:
        if c.kind != "slider" or parameter_kind(c.key) != "uncertainty":
            continue
        prior = declared_prior(c.key)
        assert c.to_param(c.min) == pytest.approx(prior.lower), c.key
        assert c.to_param(c.max) == pytest.approx(prior.upper), c.key
        checked += 1
    assert checked >= 1  # the transfer acceptance, at least


def test_groups_of_the_uncertainties():
    from thuisplus.sim.params import parameter_group, uncertainty_groups

    groups = uncertainty_groups()
    assert "prevention effects" in groups and "calibrated" in groups
    assert {k for g in groups for k in uncertainties(g)} == set(uncertainties())
    for key in uncertainties():
        assert parameter_group(key) in groups
    assert parameter_group("building.floors") is None
    with pytest.raises(KeyError):
        parameter_group("building.flors")
