"""Shipped specs, configs and presets load by name from Python (one naming style), and
progress callbacks follow one convention (issue 15, item 4)."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_calibration import TRUTH, config, synthetic_data  # the synthetic fit's set-up
from typer.testing import CliRunner

from thuisplus.calibration.config import CalibrationConfig
from thuisplus.calibration.data import load_evaluation
from thuisplus.calibration.fit import run_calibration
from thuisplus.cli import app
from thuisplus.experiments import Experiment, SpecError, run_experiment
from thuisplus.experiments.progress import STAGES
from thuisplus.sim.params import ParameterError
from thuisplus.sim.presets import list_presets, load_preset, preset_path
from thuisplus.sim.shipped import shipped_files

REPO = Path(__file__).resolve().parents[1]
SPECS = sorted(p.stem for p in (REPO / "experiments" / "specs").glob("*.toml"))
CONFIGS = sorted(p.stem for p in (REPO / "calibration" / "configs").glob("*.toml"))
PRESETS = sorted(list_presets())
runner = CliRunner()


def test_every_shipped_name_is_hyphenated():
    for kind in ("preset", "spec", "calibration config", "posterior"):
        names = list(shipped_files(kind))
        assert names, kind
        for name in names:
            assert "_" not in name and name == name.lower(), (kind, name)
    for name in CONFIGS:
        assert CalibrationConfig.from_toml(name).name == name


@pytest.mark.parametrize("name", SPECS)
def test_shipped_specs_load_by_name_and_alias(name):
    by_path = Experiment.from_toml(REPO / "experiments" / "specs" / f"{name}.toml")
    for ref in (name, name.replace("-", "_"), f"{name}.toml"):
        exp = Experiment.from_toml(ref)
        assert Path(exp.source).resolve() == Path(by_path.source).resolve()
        assert exp.fingerprint() == by_path.fingerprint()


@pytest.mark.parametrize("name", CONFIGS)
def test_shipped_configs_load_by_name_alias_and_former_path(name):
    by_path = CalibrationConfig.from_toml(REPO / "calibration" / "configs" / f"{name}.toml")
    old_path = REPO / "calibration" / "configs" / f"{name.replace('-', '_')}.toml"
    for ref in (name, name.replace("-", "_"), f"{name}.toml", old_path):
        cfg = CalibrationConfig.from_toml(ref)
        assert cfg.fingerprint() == by_path.fingerprint() and cfg.name == name


@pytest.mark.parametrize("name", PRESETS)
def test_presets_load_by_name_and_alias(name):
    alias = name.replace("-", "_")
    assert load_preset(alias) == load_preset(name)
    assert preset_path(alias) == preset_path(name)
    exp = Experiment.from_dict({"name": "p", "preset": alias})
    assert exp.base_params == load_preset(name)


def test_the_main_specs_posterior_resolves_and_its_former_name_too(tmp_path):
    main = Experiment.from_toml("main")
    assert main.posterior is not None and len(main.posterior.keys) == 7
    old = str(REPO / "calibration" / "posteriors" / "contract_2021.toml")
    exp = Experiment.from_dict({"name": "p", "params": old})
    assert exp.posterior is not None and exp.posterior.keys == main.posterior.keys


@pytest.mark.parametrize("load, ref, right", [
    (Experiment.from_toml, "fundng", "funding"),
    (Experiment.from_toml, "base_cas", "base-case"),
    (Experiment.from_toml, "basecase.toml", "base-case"),
    (CalibrationConfig.from_toml, "contract_2012", "contract-2021"),
    (CalibrationConfig.from_toml, "contract2021", "contract-2021"),
    (CalibrationConfig.from_toml, "no/such/folder/contract_2021.toml", "contract-2021"),
])
def test_a_typo_names_the_right_shipped_name(load, ref, right):
    with pytest.raises(SpecError) as e:
        load(ref)
    msg = str(e.value)
    assert f"did you mean {right!r}" in msg or f"{right!r}?" in msg, msg
    assert f"did you mean {ref!r}" not in msg and f"{ref!r}?" not in msg


def test_a_missing_file_beside_others_suggests_its_neighbour(tmp_path):
    (tmp_path / "my-spec.toml").write_text('name = "x"\n')
    with pytest.raises(SpecError, match=r"did you mean .*my-spec\.toml"):
        Experiment.from_toml(tmp_path / "my-spek.toml")
    with pytest.raises(SpecError, match="not a shipped spec"):
        Experiment.from_toml("nothing-like-it")


def test_a_typo_of_a_preset_names_the_right_one():
    with pytest.raises(ParameterError, match="did you mean 'lump-sum'"):
        load_preset("lump_sun")
    with pytest.raises(SpecError, match="did you mean 'broad-transfer'"):
        Experiment.from_dict({"name": "p", "preset": "broad_transfr"})


def test_the_command_line_takes_names_and_aliases(tmp_path):
    r = runner.invoke(app, ["sensitivity", "base_case", "--out", str(tmp_path / "o")])
    assert r.exit_code == 2 and "needs 'sobol' or 'morris'" in r.output  # it loaded
    r = runner.invoke(app, ["calibrate", "--config", "contract_2012", "--out",
                            str(tmp_path / "c")])
    assert r.exit_code == 2 and "did you mean 'contract-2021'" in r.output, r.output


# --- progress callbacks -------------------------------------------------------------------
def recorder(calls: list):
    def progress(stage: str, done: int, total: int, failed: int) -> None:
        assert stage in STAGES
        assert all(isinstance(x, int) for x in (done, total, failed))
        calls.append((stage, done, total, failed))
    return progress


def test_run_experiment_reports_runs(tmp_path):
    exp = Experiment.from_dict({
        "name": "t", "seed": 3, "replications": 2,
        "model": "thuisplus.experiments.testfunctions:noisy_linear",
        "design": {"method": "grid", "parameters": {"a": {"values": [0.1, 0.4, 0.7]}}}})
    calls: list = []
    run_experiment(exp, tmp_path / "o", executor="serial", progress=recorder(calls))
    assert calls[0] == ("runs", 0, 6, 0) and calls[-1] == ("runs", 6, 6, 0)
    assert [c[1] for c in calls] == list(range(7))


@pytest.fixture(scope="module")
def tiny_data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("calib")
    return folder, load_evaluation(synthetic_data(folder / "d", TRUTH, complexes=1))


def test_an_optuna_fit_reports_trials(tiny_data):
    folder, data = tiny_data
    cfg = CalibrationConfig.from_toml(config(folder, name="opt", method="optuna",
                                             optuna={"trials": 3, "startup_trials": 2}))
    calls: list = []
    run_calibration(cfg, data, folder / "o", executor="serial", report=False,
                    progress=recorder(calls))
    trials = [c for c in calls if c[0] == "trials"]
    assert trials[0] == ("trials", 0, 3, 0) and trials[-1][1] + trials[-1][3] == 3


def test_an_abc_fit_reports_generations_particles_and_evaluations(tiny_data):
    folder, data = tiny_data
    cfg = CalibrationConfig.from_toml(config(folder, name="abc", abc={"population": 10,
                                                                      "generations": 1}))
    calls: list = []
    res = run_calibration(cfg, data, folder / "a", executor="serial", report=False,
                          progress=recorder(calls))
    stages = {c[0] for c in calls}
    assert {"generations", "particles", "evaluations"} <= stages
    assert ("particles", 0, 10, 0) in calls and ("particles", 10, 10, 0) in calls
    assert calls[-1] == ("generations", 1, 1, 0)
    evaluations = [c[1] for c in calls if c[0] == "evaluations"]
    assert evaluations == sorted(evaluations) and evaluations[-1] == res.simulations


def test_the_business_case_reports_pairs():
    from thuisplus.experiments.business_case_report import run_business_case
    from thuisplus.sim import Parameters

    calls: list = []
    small = Parameters().with_overrides({"building.dwellings": 40, "building.floors": 4,
                                         "simulation.weeks": 52,
                                         "simulation.follow_up_years": 1})
    run_business_case(small, 3, seed=2, progress=recorder(calls))
    assert calls == [("pairs", 1, 3, 0), ("pairs", 2, 3, 0), ("pairs", 3, 3, 0)]
