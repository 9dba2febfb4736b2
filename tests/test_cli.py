import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from thuisplus.cli import app
from thuisplus.sim import load_parameters

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_simulate_writes_weekly_and_summary(tmp_path):
    out = tmp_path / "run1"
    r = invoke("simulate", "--weeks", 104, "--seed", 1, "--out", out)
    assert r.exit_code == 0, r.output
    df = pd.read_parquet(out / "weekly.parquet")
    assert len(df) == 104 and "cost_wmo" in df
    summary = json.loads((out / "summary.json").read_text())
    assert summary["weeks"] == 104 and summary["seed"] == 1
    assert set(summary["cost_per_law_total"]) == {"wmo", "zvw", "wlz"}
    assert load_parameters(out / "params.toml").simulation.weeks == 520
    assert (out / "weekly.png").stat().st_size > 10_000


def test_same_seed_same_files(tmp_path):
    for name in ("a", "b"):
        assert invoke("simulate", "--weeks", 52, "--out", tmp_path / name).exit_code == 0
    a = pd.read_parquet(tmp_path / "a" / "weekly.parquet")
    b = pd.read_parquet(tmp_path / "b" / "weekly.parquet")
    pd.testing.assert_frame_equal(a, b)


def test_params_show_write_and_reuse(tmp_path):
    r = invoke("params", "--show")
    assert r.exit_code == 0
    assert "vitality.fall_probability" in r.output and "VeiligheidNL" in r.output
    my = tmp_path / "my.toml"
    assert invoke("params", "--write", my).exit_code == 0
    text = my.read_text().replace("dwellings = 250", "dwellings = 80")
    my.write_text(text)
    r = invoke("simulate", "--params", my, "--weeks", 26, "--out", tmp_path / "run2")
    assert r.exit_code == 0, r.output
    assert load_parameters(tmp_path / "run2" / "params.toml").building.dwellings == 80


def test_markdown_reference_lists_every_parameter(tmp_path):
    md = tmp_path / "p.md"
    assert invoke("params", "--markdown", md).exit_code == 0
    text = md.read_text()
    assert "`hh_hours_base`" in text and "Kostenhandleiding" in text


@pytest.mark.parametrize("args,needle", [
    (["simulate", "--set", "care.hh_hours_bse=3"], "did you mean 'care.hh_hours_base'"),
    (["simulate", "--set", "vitality.fall_probability=-1"], "vitality.fall_probability = -1"),
    (["simulate", "--set", "building.dwellings"], "expected KEY=VALUE"),
    (["simulate", "--params", "does-not-exist.toml"], "cannot read"),
    (["params", "--set", "staffing.travel_share_min=0.9"], "travel_share_min"),
])
def test_bad_input_exit_2_with_the_key_named(args, needle):
    r = invoke(*args)
    assert r.exit_code == 2
    assert needle in r.output
    assert "Traceback" not in r.output


def test_bad_toml_file(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[care]\nhh_hours_base = 'lots'\n[carre]\nx = 1\n")
    r = invoke("simulate", "--params", bad)
    assert r.exit_code == 2
    assert "care.hh_hours_base = 'lots'" in r.output and "carre" in r.output
    assert str(bad) in r.output


def test_console_script_no_traceback(tmp_path):
    exe = shutil.which("thuisplus", path=str(Path(sys.executable).parent))
    assert exe, "the console script is installed with the package"
    p = subprocess.run([exe, "simulate", "--weeks", "2", "--set", "money.indexation=9"],
                       capture_output=True, text=True)
    assert p.returncode == 2
    assert "money.indexation = 9" in p.stderr and "<= 0.2" in p.stderr
    assert "Traceback" not in p.stderr + p.stdout
    p = subprocess.run([exe, "simulate", "--seeed", "3"], capture_output=True, text=True)
    assert p.returncode == 2 and "--seed" in p.stderr


def test_main_job_runs_the_probabilistic_analysis_and_reports(tmp_path):
    out = tmp_path / "main"
    r = invoke("run", "--out", out, "--draws", 3, "--replications", 1, "--workers", 2)
    assert r.exit_code == 0, r.output
    for name in ("report.md", "manifest.json", "tables/psa_summary.csv",
                 "tables/psa_decision.csv", "tables/psa_voi.csv", "plots/psa_npv.png"):
        assert (out / name).exists(), name
    assert "How sure are we?" in r.output and "P(NPV > 0)" in r.output
    assert "no Thuisplusflat" in r.output and "P(gains)" in r.output
    decision = pd.read_csv(out / "tables" / "psa_decision.csv")
    assert list(decision["option"]) == ["contract-2021", "lump-sum", "broad-transfer",
                                        "no Thuisplusflat"]
    assert decision["p_best"].sum() == pytest.approx(1.0)
    # calibrated parameters drawn from the shipped posterior, one set per draw
    runs = pd.read_csv(out / "tables" / "runs.csv")
    assert runs["post.vitality.decline_at_80"].nunique() >= 2
    # a second call finds the finished folder and only reports
    r2 = invoke("run", "--out", out, "--draws", 3, "--replications", 1)
    assert r2.exit_code == 0 and "9 from before, 0 now" in r2.output
    # another spec in the same folder needs --fresh
    r3 = invoke("run", "--out", out, "--draws", 4, "--replications", 1)
    assert r3.exit_code == 2 and "--fresh" in r3.output
    r4 = invoke("run", "--out", out, "--draws", 1)
    assert r4.exit_code == 2 and "Traceback" not in r4.output


def test_pair_writes_the_person_ledger(tmp_path):
    out = tmp_path / "pair"
    r = invoke("pair", "--seed", 2, "--set", "building.dwellings=40", "--set",
               "simulation.follow_up_years=5", "--out", out)
    assert r.exit_code == 0, r.output
    led = pd.read_parquet(out / "ledger.parquet")
    avoided = pd.read_parquet(out / "avoided.parquet")
    assert {"person", "year", "exposed", "cost_wlz_avoided", "weeks_complex_baseline"} <= set(led)
    assert led["cost_wmo_avoided"].sum() + led["cost_zvw_avoided"].sum() + led[
        "cost_wlz_avoided"].sum() == pytest.approx(avoided["cost_avoided"].sum(), rel=1e-9)


def test_version_is_printed():
    from importlib.metadata import version

    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"thuisplus {version('thuisplus')}"
