"""The probabilistic sensitivity analysis (issue 14): design, determinism, report."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from thuisplus.cli import app
from thuisplus.experiments import Experiment, load_results, run_experiment
from thuisplus.experiments.psa import NOTHING, analyse_psa
from thuisplus.experiments.spec import SpecError
from thuisplus.sim.params import uncertainties

SMALL = {"building.dwellings": 40, "building.floors": 4, "simulation.follow_up_years": 0}


def _psa(**design) -> dict:
    return {"name": "psa-test", "preset": "contract-2021", "seed": 11, "replications": 2,
            "weeks": 52, "set": SMALL,
            "scenarios": {"contract-2021": {}, "lump-sum": {"thuisplus.contract.funding":
                                                           "lump_sum"}},
            "design": {"method": "prior", "samples": 4, **design}}


def test_prior_design_draws_every_uncertainty_but_the_calibrated():
    exp = Experiment.from_dict(_psa())
    drawn = set(exp.design_keys)
    calibrated = set(uncertainties("calibrated"))
    assert drawn == set(uncertainties()) - calibrated
    for point in exp.points:
        for key, prior in uncertainties().items():
            if key in point:
                assert prior.lower <= point[key] <= prior.upper
    runs = exp.runs()
    assert len(runs) == 4 * 2 * 2
    # the options share each draw's parameters and seeds; draws and seeds differ otherwise
    by = {(r.scenario, r.point, r.replication): r for r in runs}
    for p in range(4):
        for rep in range(2):
            a, b = by[("contract-2021", p, rep)], by[("lump-sum", p, rep)]
            assert a.seed == b.seed
            assert {k: a.overrides[k] for k in drawn} == {k: b.overrides[k] for k in drawn}
    assert len({r.seed for r in runs}) == 4 * 2
    assert Experiment.from_dict(_psa()).points == exp.points  # reproducible by seed


def test_prior_design_by_groups_and_bad_input():
    exp = Experiment.from_dict(_psa(groups=["prevention effects"]))
    assert set(exp.design_keys) == set(uncertainties("prevention effects"))
    with pytest.raises(SpecError, match="did you mean 'prevention effects'"):
        Experiment.from_dict(_psa(groups=["prevention efects"]))
    with pytest.raises(SpecError, match="has no prior"):
        Experiment.from_dict(_psa(parameters={"building.floors": {"range": "prior"}}))
    with pytest.raises(SpecError, match="at least 2 draws"):
        Experiment.from_dict(_psa(samples=1))
    bad = _psa()
    bad["scenarios"]["lump-sum"]["thuisplus.prevention.decline_reduction"] = 0.3
    with pytest.raises(SpecError, match="an uncertainty the probabilistic analysis draws"):
        Experiment.from_dict(bad)


@pytest.fixture(scope="module")
def psa_serial(tmp_path_factory):
    out = tmp_path_factory.mktemp("psa") / "serial"
    s = run_experiment(Experiment.from_dict(_psa()), out, executor="serial")
    assert s.complete
    return out


@pytest.mark.parametrize("executor, workers", [("local", 1), ("local", 2), ("dask", 2)])
def test_psa_identical_on_every_executor(psa_serial, tmp_path, executor, workers):
    out = tmp_path / executor
    s = run_experiment(Experiment.from_dict(_psa()), out, executor=executor, workers=workers)
    assert s.complete
    cols = lambda df: df.drop(columns=["seconds"]).sort_values("run_id").reset_index(drop=True)  # noqa: E731
    pd.testing.assert_frame_equal(cols(load_results(out)), cols(load_results(psa_serial)),
                                  check_exact=True)


def test_psa_analysis_and_report(psa_serial):
    df = load_results(psa_serial)
    res = analyse_psa(df, options=["contract-2021", "lump-sum"], voi=False)
    assert res.draws == 4 and res.replications == 2
    assert list(res.decision["option"]) == ["contract-2021", "lump-sum", NOTHING]
    assert res.decision["p_best"].sum() == pytest.approx(1.0)
    npv = res.summary.set_index(["option", "outcome"]).loc[("contract-2021", "npv")]
    runs = df[df.scenario == "contract-2021"]["npv"]
    assert npv["mean"] == pytest.approx(runs.mean())
    assert npv["p_positive"] == pytest.approx((runs > 0).mean())  # one complex: chance too
    assert npv["p05"] <= npv["mean"] <= npv["p95"]
    assert res.evpi >= 0
    # the acceptability curve: at each price one option (or nothing) is best per draw
    tot = res.ceac[["contract-2021", "lump-sum", NOTHING]].sum(axis=1)
    assert np.allclose(tot, 1.0)
    r = CliRunner().invoke(app, ["report", str(psa_serial)])
    assert r.exit_code == 0, r.output
    text = (psa_serial / "report.md").read_text()
    assert "## How sure are we?" in text and "pays off for society is" in text
    # the report's chance is the one computed over the runs (one complex, chance included)
    assert f"pays off for society is {100 * npv['p_positive']:.0f}%" in text
    for name in ("psa_summary.csv", "psa_decision.csv", "psa_voi.csv",
                 "psa_acceptability.csv"):
        assert (psa_serial / "tables" / name).exists(), name
    assert (psa_serial / "plots" / "psa_npv.png").exists()


def test_incomplete_psa_is_refused():
    df = pd.DataFrame({"scenario": ["a", "a", "b"], "point": [0, 1, 0], "replication": 0,
                       "npv": [1.0, 2.0, 3.0]})
    with pytest.raises(ValueError, match="lacks draws"):
        analyse_psa(df)


def test_a_scenario_may_not_override_the_posterior_draw():
    from pathlib import Path

    spec = _psa()
    spec["params"] = str(Path(__file__).resolve().parents[1] / "calibration" / "posteriors"
                         / "contract-2021.toml")
    exp = Experiment.from_dict(spec)  # the shipped posterior loads as a PSA's params
    assert exp.posterior is not None
    assert "thuisplus.contract.transfer_acceptance" not in exp.design_keys
    spec["scenarios"]["lump-sum"]["thuisplus.contract.transfer_acceptance"] = 0.9
    with pytest.raises(SpecError, match="from the posterior in params"):
        Experiment.from_dict(spec)
