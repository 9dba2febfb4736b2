"""Trustworthy batches: one runner per folder, one code version per folder, no duplicates."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import tomli_w
from typer.testing import CliRunner

from tests.test_experiments import spec
from thuisplus.cli import app
from thuisplus.experiments import Experiment, SpecError, load_manifest, load_results, run_experiment
from thuisplus.experiments import store as store_mod
from thuisplus.experiments.store import CodeMismatch, FolderLock, ResultStore

REPO = Path(__file__).resolve().parents[1]
runner = CliRunner()


def _hold_lock(folder: Path) -> subprocess.Popen:
    """Another process that takes the folder's lock and keeps it until killed."""
    code = ("import sys, time\n"
            "from pathlib import Path\n"
            "from thuisplus.experiments.store import FolderLock\n"
            f"lock = FolderLock(Path({str(folder)!r})).acquire()\n"
            "print('held', flush=True)\n"
            "time.sleep(600)\n")
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=REPO, stdout=subprocess.PIPE,
                            text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_a_second_runner_on_the_folder_is_refused_and_duplicates_nothing(tmp_path):
    exp = Experiment.from_dict(spec())
    out = tmp_path / "o"
    holder = _hold_lock(out)
    try:
        with pytest.raises(SpecError, match=r"being written by pid \d+"):
            run_experiment(exp, out, executor="serial")
        path = tmp_path / "s.toml"
        path.write_bytes(tomli_w.dumps(spec()).encode())
        r = runner.invoke(app, ["experiment", str(path), "--out", str(out), "--executor",
                                "serial", "--no-report"])
        assert r.exit_code == 2 and "being written by" in r.output
    finally:
        holder.kill()
        holder.wait()
    # the killed holder left no stale lock: the folder is usable at once
    s = run_experiment(exp, out, executor="serial", resume=True)
    assert s.complete and sorted(load_results(out)["run_id"]) == list(range(s.total))


def test_the_lock_is_released_however_the_runner_ends(tmp_path):
    exp = Experiment.from_dict(spec(replications=3))

    def boom(stage, done, total, failed):
        if done == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_experiment(exp, tmp_path / "i", executor="serial", progress=boom)
    FolderLock(tmp_path / "i").acquire().release()
    with pytest.raises(SpecError, match="--resume"):
        run_experiment(exp, tmp_path / "i", executor="serial")
    FolderLock(tmp_path / "i").acquire().release()


def test_compaction_keeps_each_run_once(tmp_path):
    exp = Experiment.from_dict(spec())
    out = tmp_path / "d"
    run_experiment(exp, out, executor="serial")
    first = load_results(out)
    # a journal left behind that repeats two finished runs and one twice over
    rows = first.to_dict(orient="records")
    lines = [{"run_id": r["run_id"], "row": r, "yearly": None} for r in (rows[0], rows[1],
                                                                          rows[1])]
    (out / "journal" / "000099.jsonl").write_text(
        "".join(json.dumps(x, default=str) + "\n" for x in lines))
    s = run_experiment(exp, out, executor="serial", resume=True)
    assert s.ran == 0
    df = load_results(out)
    assert sorted(df["run_id"]) == list(range(len(first)))


def test_resume_with_other_code_is_refused_unless_mixing_is_allowed(tmp_path, monkeypatch):
    exp = Experiment.from_dict(spec(replications=4))
    out = tmp_path / "m"

    def stop(stage, done, total, failed):
        if done == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_experiment(exp, out, executor="serial", progress=stop)
    old = load_manifest(out)["code"]["source"]
    assert set(load_results(out)["code"]) == {old}
    monkeypatch.setattr(store_mod, "source_hash", lambda: "0123456789abcdef")
    import thuisplus.experiments.outcomes  # noqa: F401  (its execute imports source_hash at call time)

    with pytest.raises(CodeMismatch, match=rf"source {old}.*source 0123456789abcdef"):
        run_experiment(exp, out, executor="serial", resume=True)
    assert len(load_results(out)) == 3  # nothing touched
    s = run_experiment(exp, out, executor="serial", resume=True, allow_mixed=True)
    assert s.complete
    m = load_manifest(out)
    assert [c["source"] for c in m["code_history"]] == [old, "0123456789abcdef"]
    assert set(load_results(out)["code"]) == {old, "0123456789abcdef"}


def test_the_cli_says_how_to_go_on_after_a_code_change(tmp_path, monkeypatch):
    path = tmp_path / "s.toml"
    path.write_bytes(tomli_w.dumps(spec()).encode())
    out = tmp_path / "c"
    args = ["experiment", str(path), "--out", str(out), "--executor", "serial", "--no-report"]
    assert runner.invoke(app, args).exit_code == 0
    monkeypatch.setattr(store_mod, "source_hash", lambda: "fedcba9876543210")
    r = runner.invoke(app, [*args, "--resume"])
    assert r.exit_code == 2 and "--allow-mixed" in r.output and "Traceback" not in r.output
    assert runner.invoke(app, [*args, "--resume", "--allow-mixed"]).exit_code == 0


def test_a_result_from_a_worker_with_other_code_is_not_stored(tmp_path):
    exp = Experiment.from_dict(spec())
    tasks = exp.runs()
    st = ResultStore(tmp_path / "w", exp, tasks)
    try:
        st.add({"run_id": 0, "status": "done", "outcomes": {"y": 1.0}, "code": "not-ours",
                "pid": 123})
        st.add({"run_id": 1, "status": "done", "outcomes": {"y": 2.0},
                "code": st.code["source"]})
        assert st.done == {1}
        assert "CodeMismatch" in st.failures[0]["error"]
    finally:
        st.close()
    assert list(load_results(tmp_path / "w")["run_id"]) == [1]


def test_dask_workers_with_other_code_are_refused_before_any_task(tmp_path):
    from distributed import Client, LocalCluster

    from thuisplus.experiments.executors import DaskExecutor

    exp = Experiment.from_dict(spec())
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        ex = DaskExecutor(cluster.scheduler_address)
        try:
            ex.check_code(store_mod.source_hash())  # same code: accepted

            def other_code():
                import thuisplus.experiments.store as s

                s.source_hash = lambda: "other-version-00"

            client.run(other_code)
            with pytest.raises(CodeMismatch, match="other-version-00"):
                run_experiment(exp, tmp_path / "k", executor=ex)
            assert len(load_results(tmp_path / "k")) == 0
        finally:
            ex.close()


def test_failed_runs_exit_3(tmp_path):
    data = spec(model="thuisplus.experiments.testfunctions:fail_above",
                design={"method": "grid", "parameters": {"a": {"values": [0.1, 0.9]}}})
    path = tmp_path / "f.toml"
    path.write_bytes(tomli_w.dumps(data).encode())
    r = runner.invoke(app, ["experiment", str(path), "--out", str(tmp_path / "f"),
                            "--executor", "serial", "--no-report"])
    assert r.exit_code == 3, r.output
    assert "failed" in r.output


def test_every_stored_run_names_its_code(tmp_path):
    exp = Experiment.from_dict(spec())
    run_experiment(exp, tmp_path / "v", executor="serial")
    df = load_results(tmp_path / "v")
    m = load_manifest(tmp_path / "v")
    assert isinstance(df, pd.DataFrame) and (df["code"] == m["code"]["source"]).all()
    assert len(m["code"]["source"]) == 16 and m["code_history"] == [m["code"]]
    store_mod.source_hash.cache_clear()
    assert store_mod.source_hash() == m["code"]["source"]  # the same when computed again


def test_a_second_fit_on_the_folder_is_refused(tmp_path):
    from thuisplus.calibration.config import CalibrationConfig
    from thuisplus.calibration.data import load_evaluation
    from thuisplus.calibration.fit import run_calibration

    data_dir = REPO / "calibration" / "data"
    cfg = CalibrationConfig.from_toml(REPO / "calibration" / "configs" / "contract-2021.toml")
    data = load_evaluation(data_dir / "evaluation.csv", data_dir / "complexes.csv")
    holder = _hold_lock(tmp_path / "fit")
    try:
        with pytest.raises(SpecError, match="being written by"):
            run_calibration(cfg, data, tmp_path / "fit", executor="serial", budget=1)
    finally:
        holder.kill()
        holder.wait()
    assert not (tmp_path / "fit" / "manifest.json").exists()


def test_a_spec_cannot_run_code_outside_the_projects_models(tmp_path):
    bad = spec(model="subprocess:run")
    with pytest.raises(SpecError, match="--allow-code"):
        Experiment.from_dict(bad)
    with pytest.raises(SpecError, match="no function 'nope'"):
        Experiment.from_dict(spec(model="thuisplus.experiments.testfunctions:nope"))
    path = tmp_path / "evil.toml"
    path.write_bytes(tomli_w.dumps(bad).encode())
    r = runner.invoke(app, ["experiment", str(path), "--out", str(tmp_path / "e"),
                            "--executor", "serial", "--no-report"])
    assert r.exit_code == 2 and "--allow-code" in r.output
    assert not (tmp_path / "e").exists()
    # knowingly allowed: accepted (validated only here, never run)
    assert Experiment.from_dict(bad, allow_code=True).spec.model == "subprocess:run"


@pytest.mark.parametrize(("changes", "key", "needle"), [
    ({"set": {"care.hh_hours_base": 1.0, "care": {"hh_hours_base": 2.0}}},
     "care.hh_hours_base", "given twice"),
    ({"set": {"care.hh_hours_base": True}}, "care.hh_hours_base", "expected a number"),
    ({"set": {"care.hh_hours_base": "3"}}, "care.hh_hours_base", "expected a number"),
    ({"replications": True}, "replications", ""),
    ({"scenarios": {"a": {"care.hh_hours_base": 1.0}},
      "design": {"method": "grid", "parameters": {"care.hh_hours_base": {"values": [1.0, 2.0]}}}},
     "scenarios.a.care.hh_hours_base", "also a design parameter"),
    ({"replications": 1000, "design": {"method": "grid", "parameters": {
        "care.hh_hours_base": {"range": [1.0, 3.0]},
        "care.begeleiding_hours": {"range": [1.0, 3.0]}}, "levels": 1000}},
     "max_runs", "1,000,000,000 runs"),
    ({"set": {"staffing.target_utilisation": 1e-9}}, "staffing.target_utilisation", "0.05"),
])
def test_specs_that_would_quietly_run_something_else_are_refused(changes, key, needle):
    data = {"name": "strict", "replications": 1, **changes}
    with pytest.raises(SpecError) as info:
        Experiment.from_dict(data)
    text = str(info.value)
    assert key in text and needle in text, text


def test_max_runs_is_the_specs_own_limit():
    data = {"name": "big", "design": {"method": "grid", "parameters": {
        "care.hh_hours_base": {"range": [1.0, 2.0]}}, "levels": 100}, "replications": 2}
    with pytest.raises(SpecError, match="200 runs"):
        Experiment.from_dict({**data, "max_runs": 150})
    exp = Experiment.from_dict({**data, "max_runs": 200})
    assert exp.n_runs == 200
    # the limit is not part of what determines results
    assert exp.fingerprint() == Experiment.from_dict({**data, "max_runs": 10**9}).fingerprint()


def _start_runner(tmp_path: Path, name: str, executor: str = "local"
                  ) -> tuple[subprocess.Popen, Path, list[str]]:
    import tomli_w as tw

    data = spec(replications=40, set={"sleep": 0.1},
                design={"method": "grid", "parameters": {"a": {"values": [0.1, 0.4]}}})
    path = tmp_path / f"{name}.toml"
    path.write_bytes(tw.dumps(data).encode())
    out = tmp_path / name
    cmd = [sys.executable, "-m", "thuisplus", "experiment", str(path), "--out", str(out),
           "--workers", "2", "--no-report", "--executor", executor]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=REPO,
                            text=True)
    deadline = time.time() + 90
    while time.time() < deadline and (not (out / "manifest.json").exists()
                                      or len(load_results(out)) < 4):
        time.sleep(0.1)
    assert len(load_results(out)) >= 4, "the runner did not get going"
    return proc, out, cmd


def _workers_of(pid: int) -> list:
    import psutil

    return psutil.Process(pid).children(recursive=True)


@pytest.mark.parametrize(("how", "executor"), [("SIGKILL", "local"), ("SIGTERM", "local"),
                                               ("SIGKILL", "dask")])
def test_no_worker_outlives_its_runner(tmp_path, how, executor):
    import psutil

    proc, out, cmd = _start_runner(tmp_path, how.lower(), executor)
    workers = _workers_of(proc.pid)
    assert len(workers) >= 2
    proc.send_signal(getattr(__import__("signal"), how))
    code = proc.wait(timeout=60)
    _, alive = psutil.wait_procs(workers, timeout=15)
    assert not alive, [p.pid for p in alive]
    if how == "SIGTERM":
        assert code == 130 and "interrupted" in proc.stderr.read()
        assert load_manifest(out)["state"] == "interrupted"
    # either way every finished run is kept, and the folder resumes to a complete result
    r = subprocess.run([*cmd[:-1], "local", "--resume"], capture_output=True, text=True,
                       cwd=REPO, timeout=300)
    assert r.returncode == 0, r.stderr
    assert sorted(load_results(out)["run_id"]) == list(range(80))


def test_a_lost_dask_scheduler_ends_the_run_cleanly_and_keeps_what_finished(tmp_path):
    from distributed import LocalCluster

    from thuisplus.experiments.executors import DaskExecutor

    exp = Experiment.from_dict(spec(replications=20, set={"sleep": 0.2}))
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           dashboard_address=None)
    ex = DaskExecutor(cluster.scheduler_address)

    def lose_it(stage, done, total, failed):
        if done == 3:
            cluster.close()

    try:
        with pytest.raises(ConnectionError, match=r"lost the Dask scheduler(.|\n)*--resume"):
            run_experiment(exp, tmp_path / "l", executor=ex, progress=lose_it)
    finally:
        ex.close()
    assert len(load_results(tmp_path / "l")) >= 3
    assert load_manifest(tmp_path / "l")["state"] == "interrupted"
    s = run_experiment(exp, tmp_path / "l", executor="serial", resume=True)
    assert s.complete and s.skipped >= 3


# --- damage ---------------------------------------------------------------------------------
def _clean_and_damaged(tmp_path: Path, name: str):
    """A finished folder (3 parts of 4 runs) and a clean copy to compare with."""
    import shutil

    exp = Experiment.from_dict(spec(replications=4, flush_every=4))
    out = tmp_path / name
    run_experiment(exp, out, executor="serial")
    clean = tmp_path / f"{name}-clean"
    shutil.copytree(out, clean)
    return exp, out, clean


def _flip_a_bit(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", ["bit", "truncate", "delete", "garbage"])
def test_a_damaged_part_is_named_and_its_runs_run_again(tmp_path, damage):
    exp, out, clean = _clean_and_damaged(tmp_path, damage)
    part = out / "runs" / "part-000002.parquet"
    if damage == "bit":
        _flip_a_bit(part)
    elif damage == "truncate":
        part.write_bytes(part.read_bytes()[:100])
    elif damage == "delete":
        part.unlink()
    else:
        part.write_bytes(b"not parquet at all")
    # reading names the file instead of returning other numbers (or a traceback)
    with pytest.raises(SpecError, match=r"part-000002\.parquet"):
        load_results(out)
    r = runner.invoke(app, ["report", str(out)])
    assert r.exit_code == 2 and "part-000002" in r.output and "Traceback" not in r.output
    # a resume sets it aside and runs exactly its runs again: equal to the clean folder
    s = run_experiment(exp, out, executor="serial", resume=True)
    assert s.ran == 4 and any("part-000002" in d for d in s.damaged)
    assert damage == "delete" or list((out / "damaged").iterdir())
    got, want = load_results(out), load_results(clean)
    cols = [c for c in want.columns if c != "seconds"]
    pd.testing.assert_frame_equal(got[cols], want[cols])


def test_a_damaged_journal_line_costs_only_its_own_run(tmp_path):
    from thuisplus.experiments.outcomes import execute

    exp = Experiment.from_dict(spec(replications=4, flush_every=100))
    out = tmp_path / "j"
    st = ResultStore(out, exp, exp.runs())
    for task in exp.runs()[:5]:
        st.add(execute(task))
    st._journal.close()  # the runner dies here: five runs in the journal, no part
    st.lock.release()
    journal = next((out / "journal").glob("*.jsonl"))
    lines = journal.read_text().splitlines(keepends=True)
    assert len(lines) == 5
    flipped = lines[1].replace('"y": 0.', '"y": 1.', 1)
    assert flipped != lines[1]
    lines[1] = flipped            # valid JSON, another value: only its checksum tells
    lines[2] = "{not json\n"      # plainly damaged
    lines[3] = '{"run_id": 3}\n'  # valid JSON, no row (was a KeyError)
    journal.write_text("".join(lines))
    s = run_experiment(exp, out, executor="serial", resume=True)
    assert len(s.damaged) == 3 and s.skipped == 2  # the 2 good lines were kept
    assert sorted(load_results(out)["run_id"]) == list(range(12))
    clean = tmp_path / "clean"
    run_experiment(exp, clean, executor="serial")
    cols = [c for c in load_results(clean).columns if c != "seconds"]
    pd.testing.assert_frame_equal(load_results(out)[cols], load_results(clean)[cols])


def test_damaged_or_missing_manifest_is_named_and_never_adopted(tmp_path):
    exp, out, _ = _clean_and_damaged(tmp_path, "m")
    text = (out / "manifest.json").read_text()
    # valid JSON with another value in it: only its checksum tells
    (out / "manifest.json").write_text(text.replace('"done": 12', '"done": 13', 1))
    with pytest.raises(SpecError, match="checksum differs"):
        load_manifest(out)
    (out / "manifest.json").write_text(text)
    assert load_manifest(out)["counts"]["done"] == 12
    (out / "manifest.json").write_text('{"name": "t", "fingerp')
    with pytest.raises(SpecError, match=r"manifest\.json.*damaged"):
        run_experiment(exp, out, executor="serial", resume=True)
    r = runner.invoke(app, ["report", str(out)])
    assert r.exit_code == 2 and "damaged" in r.output and "Traceback" not in r.output
    (out / "manifest.json").unlink()
    other = Experiment.from_dict(spec(name="other", replications=4))
    with pytest.raises(SpecError, match=r"no manifest\.json"):
        run_experiment(other, out, executor="serial", resume=True)


# --- calibration: Optuna -------------------------------------------------------------------
def test_a_resumed_optuna_fit_equals_an_uninterrupted_one(tmp_path):
    from tests.test_calibration import TRUTH, config, synthetic_data
    from thuisplus.calibration.config import CalibrationConfig
    from thuisplus.calibration.data import load_evaluation
    from thuisplus.calibration.fit import run_calibration

    data = load_evaluation(synthetic_data(tmp_path / "d", TRUTH))
    cfg = CalibrationConfig.from_toml(config(tmp_path, method="optuna",
                                             optuna={"trials": 12, "startup_trials": 4}))
    whole = run_calibration(cfg, data, tmp_path / "whole", executor="serial", report=False)
    run_calibration(cfg, data, tmp_path / "split", executor="serial", report=False, budget=5)
    # and a trial left running by a killed process: its θ drawn, never evaluated
    import optuna

    study = optuna.load_study(study_name=cfg.name,
                              storage=f"sqlite:///{tmp_path / 'split' / 'optuna.db'}")
    from thuisplus.calibration import optimize

    study.sampler = optimize._sampler(cfg, len(study.get_trials(deepcopy=False)))
    optimize._ask(study, cfg)
    resumed = run_calibration(cfg, data, tmp_path / "split", executor="serial",
                              report=False, resume=True)
    a = pd.read_parquet(tmp_path / "whole" / "trials.parquet")
    b = pd.read_parquet(tmp_path / "split" / "trials.parquet")
    pd.testing.assert_frame_equal(a, b)
    assert whole.point == resumed.point


def test_an_optuna_fit_whose_evaluations_all_fail_writes_no_estimate(tmp_path, monkeypatch):
    from tests.test_calibration import TRUTH, config, synthetic_data
    from thuisplus.calibration import optimize
    from thuisplus.calibration.config import CalibrationConfig
    from thuisplus.calibration.data import load_evaluation
    from thuisplus.calibration.fit import run_calibration

    data = load_evaluation(synthetic_data(tmp_path / "d", TRUTH))
    cfg = CalibrationConfig.from_toml(config(tmp_path, method="optuna",
                                             optuna={"trials": 4, "startup_trials": 4}))
    monkeypatch.setattr(optimize._Objective, "__call__", lambda self, theta: float("inf"))
    with pytest.raises(optimize.FitFailed, match="every one of the 4 evaluations failed"):
        run_calibration(cfg, data, tmp_path / "f", executor="serial", report=False)
    assert not (tmp_path / "f" / "calibrated.toml").exists()
    assert load_manifest_json(tmp_path / "f")["state"] == "failed"


def test_an_abc_fit_whose_simulations_all_fail_ends_with_a_message(tmp_path, monkeypatch):
    """A model that raises for every proposal: FitFailed (exit 3), never a traceback or a
    sampler that proposes for ever."""
    from tests.test_calibration import TRUTH, config, synthetic_data
    from thuisplus.calibration import optimize
    from thuisplus.calibration.simulate import Simulator

    data = synthetic_data(tmp_path / "d", TRUTH)

    def broken(self, theta):
        raise RuntimeError("StaffMember population outgrew its reserved room (week 3)")

    monkeypatch.setattr(Simulator, "__call__", broken)
    r = runner.invoke(app, ["calibrate", "--data", str(data), "--config",
                            str(config(tmp_path, abc={"population": 10, "generations": 2})),
                            "--complexes", str(tmp_path / "d" / "complexes.csv"),
                            "--out", str(tmp_path / "f"), "--executor", "serial"])
    assert r.exit_code == 3, r.output
    assert "Traceback" not in r.output
    assert "no estimate is written" in " ".join(r.output.split())
    assert not (tmp_path / "f" / "calibrated.toml").exists()
    assert load_manifest_json(tmp_path / "f")["state"] == "failed"
    assert isinstance(optimize.FitFailed("x"), RuntimeError)


def test_an_abc_particle_gives_up_after_failures_in_a_row(tmp_path, monkeypatch):
    """Once the tolerance is finite a failed simulation is rejected; if every proposal
    fails, the particle stops after MAX_FAILED_IN_A_ROW instead of proposing for ever."""
    from tests.test_calibration import TRUTH, config, synthetic_data
    from thuisplus.calibration import abc
    from thuisplus.calibration.config import CalibrationConfig
    from thuisplus.calibration.data import load_evaluation
    from thuisplus.calibration.fit import run_calibration
    from thuisplus.calibration.simulate import Simulator

    data = load_evaluation(synthetic_data(tmp_path / "d", TRUTH),
                           tmp_path / "d" / "complexes.csv")
    works, calls = Simulator.__call__, []

    def breaks_later(self, theta):  # the prior sample runs; every later proposal fails
        calls.append(1)
        if len(calls) > 10:
            raise RuntimeError("the model cannot run this")
        return works(self, theta)

    monkeypatch.setattr(Simulator, "__call__", breaks_later)
    monkeypatch.setattr(abc, "MAX_FAILED_IN_A_ROW", 7)
    cfg = CalibrationConfig.from_toml(config(tmp_path, abc={"population": 10,
                                                            "generations": 3}))
    with pytest.raises(abc.FitFailed, match="7 simulations in a row failed"):
        run_calibration(cfg, data, tmp_path / "f", executor="serial", report=False)
    assert len(calls) == 10 + 7
    assert load_manifest_json(tmp_path / "f")["state"] == "failed"


def test_an_abc_fit_leaves_out_the_parameter_sets_the_model_cannot_run(tmp_path, monkeypatch):
    """Proposals where the model raises are rejected, as bad fits: none is in the posterior."""
    from tests.test_calibration import TRUTH, config, synthetic_data
    from thuisplus.calibration.config import CalibrationConfig
    from thuisplus.calibration.data import load_evaluation
    from thuisplus.calibration.fit import run_calibration
    from thuisplus.calibration.simulate import Simulator

    data = load_evaluation(synthetic_data(tmp_path / "d", TRUTH),
                           tmp_path / "d" / "complexes.csv")
    key = "thuisplus.contract.new_client_share"
    works = Simulator.__call__

    def fails_above(self, theta):
        if theta[key] > 0.6:  # a quarter of the prior 0-0.8
            raise RuntimeError("the model cannot run this")
        return works(self, theta)

    monkeypatch.setattr(Simulator, "__call__", fails_above)
    cfg = CalibrationConfig.from_toml(config(tmp_path, abc={"population": 20,
                                                            "generations": 2}))
    res = run_calibration(cfg, data, tmp_path / "f", executor="serial", report=False)
    assert (res.posterior[key] <= 0.6).all()
    assert (tmp_path / "f" / "calibrated.toml").exists()


def load_manifest_json(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text())


def test_the_dashboard_warns_when_it_serves_beyond_this_machine(monkeypatch):
    import thuisplus.dashboard as dashboard_mod
    from thuisplus import cli

    served = []
    monkeypatch.setattr(dashboard_mod, "serve", lambda p, **kw: served.append(kw["host"]))
    monkeypatch.setattr(cli, "engine_ready", lambda: None)
    r = runner.invoke(app, ["dashboard", "--host", "0.0.0.0"])
    assert r.exit_code == 0 and served == ["0.0.0.0"]
    assert "warning" in r.output and "beyond this machine" in r.output
    r = runner.invoke(app, ["dashboard"])
    assert "warning" not in r.output and served[-1] == "127.0.0.1"


def test_repeated_kills_of_workers_and_their_forkserver_are_survived(tmp_path):
    import psutil

    proc, out, cmd = _start_runner(tmp_path, "kills")
    killed = 0
    for k in range(6):
        kids = psutil.Process(proc.pid).children(recursive=True)
        forkservers = [c for c in kids if "forkserver" in " ".join(c.cmdline())]
        # alternately a worker (child of the forkserver) and the forkserver itself
        pick = [c for c in forkservers if (c.ppid() == proc.pid) == (k % 2 == 1)]
        if pick:
            pick[0].kill()
            killed += 1
        time.sleep(0.7)
    code = proc.wait(timeout=180)
    err = proc.stderr.read()
    assert killed >= 4
    assert code in (0, 3), err  # done, or some runs blamed on a kill: never a crash
    assert "Traceback" not in err and "Aborted" not in err
    r = subprocess.run([*cmd, "--resume"], capture_output=True, text=True, cwd=REPO,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    assert sorted(load_results(out)["run_id"]) == list(range(80))


def test_a_full_disk_stops_the_run_with_a_message_and_keeps_what_finished(tmp_path,
                                                                         monkeypatch):
    import errno

    path = tmp_path / "s.toml"
    path.write_bytes(tomli_w.dumps(spec(replications=4, flush_every=3)).encode())
    out = tmp_path / "full"
    real = store_mod._atomic_parquet
    calls = []

    def full_after_one_part(df, p):
        calls.append(p)
        if len(calls) > 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(df, p)

    monkeypatch.setattr(store_mod, "_atomic_parquet", full_after_one_part)
    r = runner.invoke(app, ["experiment", str(path), "--out", str(out), "--executor",
                            "serial", "--no-report"])
    assert r.exit_code == 1, r.output
    said = " ".join(r.output.split())  # rich wraps long paths at the terminal's width
    assert "No space left on device" in said and "--resume" in said
    assert "Traceback" not in r.output
    monkeypatch.setattr(store_mod, "_atomic_parquet", real)
    kept = len(load_results(out))
    assert kept >= 3
    s = run_experiment(Experiment.from_toml(path), out, executor="serial", resume=True)
    assert s.complete and s.skipped == kept


def test_a_damaged_line_of_a_calibration_journal_costs_only_its_own_evaluation(tmp_path):
    from thuisplus.calibration.simulate import load_journal
    from thuisplus.experiments.store import journal_line

    lines = [journal_line({"key": f"k{i}", "theta": {"a": i}, "stats": {"s": i / 10}})
             for i in range(5)]
    lines[1] = lines[1].replace('"s": 0.1', '"s": 0.9')   # another value: the CRC tells
    lines[2] = "{torn\n"                                   # plainly damaged
    lines.append('{"key": "k9", "the')                     # torn last line (killed)
    (tmp_path / "sims-1.jsonl").write_text("".join(lines))
    assert load_journal(tmp_path) == {"k0": {"s": 0.0}, "k3": {"s": 0.3}, "k4": {"s": 0.4}}


def test_an_experiment_too_large_for_this_machines_memory_is_refused(tmp_path, monkeypatch):
    import psutil

    exp = Experiment.from_dict(spec(replications=1000))  # 3,000 runs: ~3 MB of bookkeeping
    monkeypatch.setattr(psutil, "virtual_memory",
                        lambda: type("M", (), {"available": 4 * 2**20})())
    with pytest.raises(SpecError, match=r"3,000 runs would take about .* GiB"):
        run_experiment(exp, tmp_path / "big", executor="serial")
    assert not (tmp_path / "big").exists()


def test_an_error_in_a_worker_is_reported_as_that_error_not_as_a_dead_worker():
    from tests.reliability_helpers import raise_unpicklable
    from thuisplus.experiments.executors import LocalExecutor, RemoteError

    with LocalExecutor(2) as ex, pytest.raises(RemoteError, match="Unpicklable: bad input 2"):
        ex.map(raise_unpicklable, [1, 2, 3])


def test_a_damaged_failures_file_is_named_and_set_aside(tmp_path):
    from thuisplus.experiments import load_failures

    exp = Experiment.from_dict(spec(model="thuisplus.experiments.testfunctions:fail_above",
                                    design={"method": "grid", "parameters": {
                                        "a": {"values": [0.1, 0.9]}}}))
    out = tmp_path / "f"
    run_experiment(exp, out, executor="serial")
    assert len(load_failures(out)) == 2
    _flip_a_bit(out / "failures.parquet")
    with pytest.raises(SpecError, match=r"failures\.parquet"):
        load_failures(out)
    s = run_experiment(exp, out, executor="serial", resume=True)
    assert any("failures.parquet" in d for d in s.damaged)
    assert s.ran == 2 and len(load_failures(out)) == 2  # retried, failed again, recorded
