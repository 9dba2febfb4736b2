"""Batch experiments: specs, seeds, executors, the results folder, resume, failures, analysis."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from thuisplus.cli import app
from thuisplus.experiments import (
    Experiment,
    SpecError,
    load_failures,
    load_manifest,
    load_results,
    load_yearly,
    run_experiment,
    sensitivity_indices,
)
from thuisplus.experiments.outcomes import pair_outcomes
from thuisplus.experiments.testfunctions import ISHIGAMI_INDICES
from thuisplus.sim import Parameters, ThuisplusModel
from thuisplus.sim.business_case import STAKEHOLDERS
from thuisplus.sim.pair import avoided_per_law, run_pair

REPO = Path(__file__).resolve().parents[1]
SMOKE = REPO / "experiments" / "specs" / "smoke.toml"
runner = CliRunner()


def spec(**kw) -> dict:
    """A spec of a test function (fast), overridable."""
    base = {"name": "t", "seed": 3, "replications": 2,
            "model": "thuisplus.experiments.testfunctions:noisy_linear",
            "design": {"method": "grid", "parameters": {"a": {"values": [0.1, 0.4, 0.7]}}}}
    base.update(kw)
    return base


def outcomes_only(df: pd.DataFrame) -> pd.DataFrame:
    return df.drop(columns=["seconds"]).sort_values("run_id").reset_index(drop=True)


# --- specs ----------------------------------------------------------------------------------
def test_smoke_spec_expands_into_seeded_runs():
    exp = Experiment.from_toml(SMOKE)
    runs = exp.runs()
    assert exp.n_runs == len(runs) == 2 * 2 * 2
    assert [r.run_id for r in runs] == list(range(8))
    # common random numbers: replication r has the same seed in every scenario and point
    seeds = {(r.replication, r.seed) for r in runs}
    assert len(seeds) == 2
    assert exp.runs()[5].seed == runs[5].seed  # stable
    assert runs[0].overrides["thuisplus.contract.funding"] == "per_client"
    assert runs[0].overrides["thuisplus.contract.transfer_acceptance"] == 0.2


def test_independent_seeds_when_asked():
    exp = Experiment.from_dict(spec(common_seeds=False))
    assert len({r.seed for r in exp.runs()}) == exp.n_runs


def test_nested_and_dotted_keys_are_the_same():
    a = Experiment.from_dict({"name": "a", "scenarios": {"x": {"inflow.vital_share": 0.8}}})
    b = Experiment.from_dict({"name": "a", "scenarios": {"x": {"inflow": {"vital_share": 0.8}}}})
    assert a.runs()[0].overrides == b.runs()[0].overrides == {"inflow.vital_share": 0.8}


def test_integer_parameters_are_rounded_in_sampled_designs():
    exp = Experiment.from_dict({"name": "a", "design": {
        "method": "lhs", "samples": 5,
        "parameters": {"building.dwellings": {"range": [60, 120]}}}})
    assert all(isinstance(p["building.dwellings"], int) for p in exp.points)


@pytest.mark.parametrize("data, needle", [
    ({"name": "x", "scenarios": {"s": {"care.hh_hours_bse": 2}}},
     "care.hh_hours_bse: not a parameter"),
    ({"name": "x", "scenarios": {"s": {"care.hh_hours_base": -5}}}, "care.hh_hours_base"),
    ({"name": "x", "design": {"method": "lhs", "parameters": {
        "inflow.vital_share": {"range": [0.6, 0.6]}}}}, "is empty"),
    ({"name": "x", "design": {"method": "grid", "parameters": {
        "inflow.vital_share": {"values": []}}}}, "empty"),
    ({"name": "x", "replications": -3}, "replications"),
    ({"name": "x", "design": {"method": "sobolx", "parameters": {}}}, "did you mean 'sobol'"),
    ({"name": "x", "replicatoins": 3}, "did you mean 'replications'"),
    ({"name": "x", "preset": "contract2021"}, "did you mean 'contract-2021'"),
    ({"name": "x", "design": {"method": "sobol", "samples": 100, "parameters": {
        "inflow.vital_share": {"range": [0.2, 0.9]},
        "inflow.age_mean": {"range": [70, 80]}}}}, "power of 2"),
    ({"name": "x", "design": {"method": "lhs", "parameters": {
        "inflow.vital_share": {"range": [0.2, 1.9]}}}}, "inflow.vital_share"),
])
def test_bad_specs_name_the_problem(data, needle):
    with pytest.raises(SpecError) as e:
        Experiment.from_dict(data, source="bad.toml")
    assert needle in str(e.value) and "bad.toml" in str(e.value)


def test_bad_spec_files_exit_2_without_traceback(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\nreplications = [1,\n')
    for args, needle in (
        (["experiment", str(bad)], "not valid TOML"),
        (["experiment", str(tmp_path / "missing.toml")], "no such spec file"),
        (["experiment", "smok"], "did you mean"),
        (["experiment", "smoke", "--executor", "daks"], "allowed are local, dask, serial"),
        (["experiment", "smoke", "--scheduler", "tcp://x:1"], "needs --executor dask"),
        (["sensitivity", "smoke"], "needs 'sobol' or 'morris'"),
        (["report", str(tmp_path)], "not an experiment folder"),
    ):
        r = runner.invoke(app, [*args, "--out", str(tmp_path / "o")] if args[0] != "report"
                          else args)
        assert r.exit_code == 2, (args, r.output)
        assert needle in r.output, (args, r.output)
        assert "Traceback" not in r.output


# --- the pair outcomes ------------------------------------------------------------------------
def test_cached_baseline_gives_the_pair_result():
    params = Parameters().with_overrides({"building.dwellings": 60, "building.floors": 4})
    out, yearly = pair_outcomes(params, seed=11, weeks=156)
    pair = run_pair(params, seed=11, weeks=156)
    total = avoided_per_law(pair.avoided).sum()
    for law in ("wmo", "zvw", "wlz"):
        assert out[f"avoided_{law}"] == pytest.approx(total[law], rel=1e-12, abs=1e-9)
    assert yearly["avoided_total"].sum() == pytest.approx(total["total"], rel=1e-12)
    # transfers cancel: the stakeholders' nets add up to the societal NPV
    assert sum(out[f"net_{s}"] for s in STAKEHOLDERS) == pytest.approx(out["npv"], rel=1e-9)
    assert out["clients_2023"] >= 0 and out["pv_costs"] > 0


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.fixed_dictionaries({
    "thuisplus.prevention.decline_reduction": st.floats(0, 1),
    "thuisplus.loneliness.outreach_shift": st.floats(0, 11),
    "thuisplus.employership.turnover_reduction": st.floats(0, 1),
    "thuisplus.contract.transfer_acceptance": st.floats(0, 1),
    "thuisplus.contract.funding": st.sampled_from(["per_client", "lump_sum"]),
    "thuisplus.contract.vital_share_shift": st.floats(-0.4, 0.4),
    "thuisplus.contract.open_room": st.floats(0, 1),
    "thuisplus.contract.welfare_hours": st.floats(0, 80),
}))
def test_baseline_arm_ignores_thuisplus_parameters(over):
    """What the per-worker baseline cache relies on."""
    small = {"building.dwellings": 40, "building.floors": 4}
    ref = ThuisplusModel(Parameters().with_overrides(small).baseline(), seed=5).run(78).weekly()
    p = Parameters().with_overrides({**small, **over}).baseline()
    pd.testing.assert_frame_equal(ThuisplusModel(p, seed=5).run(78).weekly(), ref)


# --- executors: same results everywhere ---------------------------------------------------
@pytest.fixture(scope="module")
def smoke_serial(tmp_path_factory):
    out = tmp_path_factory.mktemp("smoke") / "serial"
    s = run_experiment(Experiment.from_toml(SMOKE), out, executor="serial")
    assert s.complete
    return out


@pytest.mark.parametrize("executor, workers", [("local", 1), ("local", 2), ("dask", 2)])
def test_results_identical_on_every_executor(smoke_serial, tmp_path, executor, workers):
    out = tmp_path / executor
    s = run_experiment(Experiment.from_toml(SMOKE), out, executor=executor, workers=workers)
    assert s.complete and s.executor == executor
    pd.testing.assert_frame_equal(outcomes_only(load_results(out)),
                                  outcomes_only(load_results(smoke_serial)), check_exact=True)
    pd.testing.assert_frame_equal(load_yearly(out), load_yearly(smoke_serial), check_exact=True)


def test_results_folder_is_complete_and_queryable(smoke_serial):
    df = load_results(smoke_serial)
    assert sorted(df["run_id"]) == list(range(8))
    assert {"scenario", "point", "replication", "seed",
            "x.thuisplus.contract.transfer_acceptance", "npv", "avoided_wlz"} <= set(df)
    m = load_manifest(smoke_serial)
    assert m["state"] == "complete" and m["counts"]["done"] == 8
    assert m["runs"]["seed"] == df["seed"].tolist()
    assert m["spec"]["name"] == "smoke" and "package" in m["code"]
    y = load_yearly(smoke_serial)
    assert len(y) == 8 * 3 and set(y["year"]) == {2021, 2022, 2023}
    import duckdb

    n = duckdb.sql(f"SELECT count(*) FROM '{smoke_serial}/runs/*.parquet'").fetchall()[0][0]
    assert n == 8
    # a higher transfer acceptance brings more clients (same seeds: paired comparison)
    piv = df.pivot_table(index=["scenario", "replication"], columns="point",
                         values="clients_2023")
    assert (piv[1] >= piv[0]).all()


# --- failures, crashes, resume --------------------------------------------------------------
def test_a_run_that_raises_is_recorded_and_the_rest_finish(tmp_path):
    exp = Experiment.from_dict(spec(model="thuisplus.experiments.testfunctions:fail_above",
                                    design={"method": "grid", "parameters": {
                                        "a": {"values": [0.1, 0.4, 0.7, 0.9]}}}))
    s = run_experiment(exp, tmp_path / "f", executor="local", workers=2)
    assert (s.done, s.failed, s.total) == (4, 4, 8)
    f = load_failures(tmp_path / "f")
    assert sorted(f["run_id"]) == [4, 5, 6, 7]
    assert f["error"].str.contains("ValueError: a = 0.7").any()
    assert f["traceback"].str.contains("fail_above").all()
    assert load_manifest(tmp_path / "f")["state"] == "incomplete"
    # resume retries the failed runs (they fail again) and duplicates nothing
    s2 = run_experiment(exp, tmp_path / "f", resume=True, executor="serial")
    assert (s2.ran, s2.skipped, s2.failed) == (4, 4, 4)
    assert sorted(load_results(tmp_path / "f")["run_id"]) == [0, 1, 2, 3]


def test_a_worker_that_dies_hard_loses_no_other_run(tmp_path):
    exp = Experiment.from_dict(spec(
        model="thuisplus.experiments.testfunctions:crash_above", replications=3,
        design={"method": "grid", "parameters": {"a": {"values": [0.1, 0.9, 0.2, 0.3]}}}))
    s = run_experiment(exp, tmp_path / "c", executor="local", workers=2)
    f = load_failures(tmp_path / "c")
    assert sorted(f["run_id"]) == [3, 4, 5]  # a = 0.9, three replications
    assert f["error"].str.startswith("WorkerDied").all()
    assert s.done == 9 and sorted(load_results(tmp_path / "c")["run_id"]) == [
        0, 1, 2, 6, 7, 8, 9, 10, 11]


def test_existing_folder_needs_resume_and_the_same_spec(tmp_path):
    exp = Experiment.from_dict(spec())
    run_experiment(exp, tmp_path / "o", executor="serial")
    with pytest.raises(SpecError, match="--resume"):
        run_experiment(exp, tmp_path / "o", executor="serial")
    with pytest.raises(SpecError, match="different spec"):
        run_experiment(exp.with_changes(replications=5), tmp_path / "o", resume=True,
                       executor="serial")
    s = run_experiment(exp, tmp_path / "o", resume=True, executor="serial")
    assert s.ran == 0 and s.complete


def _done_count(out: Path) -> int:
    """Distinct runs finished on disk: a run being compacted is in its journal and in a
    part at once, and must count once (counting lines killed the runner at 7 of 12)."""
    ids: set[int] = set()
    for j in (out / "journal").glob("*.jsonl"):
        for line in j.read_text().splitlines():
            try:
                ids.add(int(json.loads(line)["run_id"]))
            except (ValueError, KeyError, TypeError):
                pass  # a line being written
    for p in (out / "runs").glob("part-*.parquet"):
        try:
            ids.update(pd.read_parquet(p, columns=["run_id"])["run_id"].tolist())
        except Exception:  # a part being written
            pass
    return len(ids)


def test_killed_experiment_resumes_with_every_run_exactly_once(tmp_path):
    data = spec(replications=10, flush_every=7, set={"sleep": 0.05},
                design={"method": "grid", "parameters": {"a": {"values": [0.1, 0.4, 0.7, 0.9]}}})
    path = tmp_path / "kill.toml"
    import tomli_w

    path.write_bytes(tomli_w.dumps(data).encode())
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "thuisplus", "experiment", str(path), "--out", str(out),
           "--workers", "2", "--no-report"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True, cwd=REPO)
    deadline = time.time() + 60
    while time.time() < deadline and (not out.exists() or _done_count(out) < 12):
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = len(load_results(out))
    assert 12 <= done_before < 40, done_before  # really killed half-way
    assert load_manifest(out)["state"] == "running"
    r = subprocess.run([*cmd, "--resume"], capture_output=True, text=True, cwd=REPO,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    df = load_results(out)
    assert sorted(df["run_id"]) == list(range(40))  # every run exactly once
    assert load_manifest(out)["state"] == "complete"
    assert not list((out / "journal").glob("*.jsonl"))
    clean = tmp_path / "clean"
    run_experiment(Experiment.from_toml(path), clean, executor="serial")
    pd.testing.assert_frame_equal(outcomes_only(df), outcomes_only(load_results(clean)))


def test_interrupt_keeps_finished_runs(tmp_path):
    exp = Experiment.from_dict(spec(replications=5))
    calls = []

    def progress(stage, done, total, failed):
        calls.append(done)
        if done == 4:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_experiment(exp, tmp_path / "i", executor="serial", progress=progress)
    assert load_manifest(tmp_path / "i")["state"] == "interrupted"
    assert len(load_results(tmp_path / "i")) == 4
    s = run_experiment(exp, tmp_path / "i", executor="serial", resume=True)
    assert (s.skipped, s.ran, s.done) == (4, 11, 15)


# --- sensitivity --------------------------------------------------------------------------
def test_sobol_recovers_the_ishigami_indices(tmp_path):
    pi = float(np.pi)
    exp = Experiment.from_dict({
        "name": "ishigami", "model": "thuisplus.experiments.testfunctions:ishigami", "seed": 4,
        "design": {"method": "sobol", "samples": 2048, "parameters": {
            f"x{i}": {"range": [-pi, pi]} for i in (1, 2, 3)}}, "outcomes": ["y"]})
    run_experiment(exp, tmp_path / "s", executor="serial")
    ind = sensitivity_indices(exp, load_results(tmp_path / "s")).set_index("parameter")
    for name in ("x1", "x2", "x3"):
        assert ind.loc[name, "S1"] == pytest.approx(ISHIGAMI_INDICES["S1"][name], abs=0.04)
        assert ind.loc[name, "ST"] == pytest.approx(ISHIGAMI_INDICES["ST"][name], abs=0.04)
    assert (ind["S1_conf"] < 0.1).all()


def test_morris_finds_the_parameter_that_does_nothing(tmp_path):
    pi = float(np.pi)
    exp = Experiment.from_dict({
        "name": "morris", "model": "thuisplus.experiments.testfunctions:ishigami",
        "design": {"method": "morris", "samples": 20, "levels": 4, "parameters": {
            **{f"x{i}": {"range": [-pi, pi]} for i in (1, 2, 3)},
            "unused": {"range": [0, 1]}}}, "outcomes": ["y"]})
    run_experiment(exp, tmp_path / "m", executor="serial")
    ind = sensitivity_indices(exp, load_results(tmp_path / "m")).set_index("parameter")
    assert ind.loc["unused", "mu_star"] == 0.0
    assert ind.loc["x1", "mu_star"] > 1 and ind.loc["x2", "mu_star"] > 1


def test_the_models_sobol_spec_runs_end_to_end(tmp_path):
    shipped = Experiment.from_toml(REPO / "experiments" / "specs" / "sobol.toml")
    assert len(shipped.design_keys) == 10 and shipped.spec.design.samples == 512
    d = shipped.spec.design.model_dump()
    d["samples"] = 2
    exp = shipped.with_changes(design=d, weeks=104, set={"building.dwellings": 60,
                                                         "building.floors": 4})
    assert exp.n_runs == 2 * 12
    r = runner.invoke(app, ["sensitivity", str(_write(tmp_path / "s.toml", exp)), "--out",
                            str(tmp_path / "s"), "--workers", "2"])
    assert r.exit_code == 0, r.output
    ind = pd.read_csv(tmp_path / "s" / "tables" / "sensitivity.csv")
    assert len(ind) == 10 * len(set(ind["outcome"])) and ind["ST"].notna().all()
    assert (tmp_path / "s" / "plots" / "sensitivity.png").exists()
    assert "Sobol indices of npv" in r.output


def _write(path: Path, exp: Experiment) -> Path:
    import tomli_w

    def drop_none(d):
        return {k: drop_none(v) if isinstance(v, dict) else v for k, v in d.items()
                if v is not None}

    path.write_bytes(tomli_w.dumps(drop_none(exp.to_dict())).encode())
    return path


# --- CLI and report -------------------------------------------------------------------------
def test_experiment_cli_writes_report(tmp_path):
    out = tmp_path / "smoke"
    r = runner.invoke(app, ["experiment", "smoke", "--out", str(out), "--workers", "2"])
    assert r.exit_code == 0, r.output
    assert "8 of 8 runs done" in r.output
    text = (out / "report.md").read_text()
    assert "## Scenario `lump_sum`" in text and "plots/design.png" in text
    for png in ("avoided_per_law", "stakeholders", "avoided_per_year", "design"):
        assert (out / "plots" / f"{png}.png").stat().st_size > 5_000
    summary = pd.read_csv(out / "tables" / "summary.csv")
    assert {"ci_low", "ci_high", "p5", "p95", "x.thuisplus.contract.transfer_acceptance"} <= set(
        summary)
    r = runner.invoke(app, ["report", str(out)])
    assert r.exit_code == 0 and "report.md" in r.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["counts"] == {"runs": 8, "done": 8, "failed": 0, "pending": 0}


def test_shipped_specs_are_valid():
    for path in sorted((REPO / "experiments" / "specs").glob("*.toml")):
        exp = Experiment.from_toml(path)
        assert exp.n_runs >= 1 and exp.spec.description, path.name


def test_example_script_runs_and_plots(tmp_path):
    r = subprocess.run([sys.executable, "experiments/examples/funding_curve.py", "--quick",
                        "--out", str(tmp_path / "ex"), "--workers", "2"],
                       capture_output=True, text=True, cwd=REPO, timeout=300)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "ex" / "funding_curve.png").stat().st_size > 10_000
    assert len(load_results(tmp_path / "ex")) == 8


def test_posterior_parameter_file_carries_uncertainty_into_runs(tmp_path):
    from thuisplus.experiments.posterior import Posterior, write_posterior
    from thuisplus.sim.params import save_parameters

    save_parameters(Parameters(), tmp_path / "point.toml")
    post = Posterior(("thuisplus.contract.transfer_acceptance",), np.array([[0.1], [0.9]]),
                     np.array([0.5, 0.5]), "test")
    write_posterior(tmp_path / "posterior.toml", (tmp_path / "point.toml").read_text(), post)
    exp = Experiment.from_dict({
        "name": "p", "replications": 8, "weeks": 60, "params": "posterior.toml",
        "set": {"building.dwellings": 40, "building.floors": 4},
        "scenarios": {"a": {}, "b": {"thuisplus.contract.funding": "lump_sum"}}},
        base_dir=tmp_path)
    runs = exp.runs()
    draws = [r.drawn["thuisplus.contract.transfer_acceptance"] for r in runs]
    assert set(draws) == {0.1, 0.9}  # both parameter sets are used
    assert draws[:8] == draws[8:]    # replication r draws the same set in every scenario
    run_experiment(exp, tmp_path / "out", executor="serial")
    df = load_results(tmp_path / "out")
    assert df["post.thuisplus.contract.transfer_acceptance"].tolist() == draws
    # everywhere else the file is its point estimate
    r = runner.invoke(app, ["params", "--params", str(tmp_path / "posterior.toml"), "--show"])
    assert r.exit_code == 0, r.output
    bad = tmp_path / "bad.toml"
    bad.write_text('[posterior]\nparameters = ["thuisplus.contract.transfer_acceptanc"]\n'
                   "samples = [[0.5]]\n")
    with pytest.raises(SpecError, match="did you mean"):
        Experiment.from_dict({"name": "p", "params": str(bad)})


def test_yearly_tables_are_stored_as_one_table_built_column_by_column():
    """The runner's fast path gives the table of one DataFrame per run, concatenated."""
    from thuisplus.experiments.store import ID_COLUMNS, _yearly_frame

    params = Parameters().with_overrides({"building.dwellings": 40, "building.floors": 4})
    parts = []
    for k, seed in enumerate((3, 4, 5)):
        _, yearly = pair_outcomes(params, seed, 60 + 52 * k)  # tables of 2, 3 and 4 years
        row = {"run_id": k, "scenario": "s", "point": k, "replication": 0, "seed": seed}
        parts.append((row, yearly.to_dict(orient="list")))
    frames = []
    for row, y in parts:
        f = pd.DataFrame(y)
        for c in reversed(ID_COLUMNS):
            f.insert(0, c, row[c])
        frames.append(f)
    want = pd.concat(frames, ignore_index=True)
    pd.testing.assert_frame_equal(_yearly_frame(parts), want)
    # runs with other columns take the slow path, with the same result as concat
    odd = [parts[0], (parts[1][0], {**parts[1][1], "extra": [1.0] * len(parts[1][1]["year"])})]
    assert "extra" in _yearly_frame(odd).columns


def test_a_journal_line_reads_back_with_its_checksum():
    from thuisplus.experiments.store import journal_line, read_journal

    rec = {"run_id": 3, "row": {"a": 1.5, "b": float("nan"), "c": np.float64(2.0)},
           "yearly": {"year": [2021, 2022], "x": [0.1, 1e300]}}
    path = Path(tempfile.mkdtemp()) / "j.jsonl"
    path.write_text(journal_line(rec) + journal_line({"run_id": 4, "row": {}}))
    back = read_journal(path)
    assert [r["run_id"] for r in back] == [3, 4] and back[0]["yearly"]["x"][1] == 1e300
