"""The command line's conventions (issue 16): missing extras, shown defaults, --json, exit 3
for partly failed batches, a quick --help, and the thuisplus logger's -v/-q."""

import importlib.util
import json
import logging
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import tomli_w
import typer.main
from typer.testing import CliRunner

import thuisplus.cli as cli
from thuisplus.cli import app
from thuisplus.extras import EXTRAS, MissingExtra, missing, require

runner = CliRunner()
REPO = Path(__file__).resolve().parents[1]
SMALL = ["--set", "building.dwellings=20"]


def invoke(*args, **kw):
    return runner.invoke(app, [str(a) for a in args], **kw)


def spec_file(folder: Path, name: str = "t", **kw) -> Path:
    """A spec of a test function (fast), overridable."""
    data = {"name": name, "seed": 3, "replications": 2,
            "model": "thuisplus.experiments.testfunctions:noisy_linear",
            "design": {"method": "grid", "parameters": {"a": {"values": [0.1, 0.4]}}}}
    data.update(kw)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.toml"
    path.write_bytes(tomli_w.dumps(data).encode())
    return path


FAILING = {"model": "thuisplus.experiments.testfunctions:fail_above",
           "design": {"method": "grid", "parameters": {"a": {"values": [0.1, 0.9]}}}}


@pytest.fixture(autouse=True)
def _logger_back():
    """The CLI sets the thuisplus logger's level; leave it as found."""
    logger = logging.getLogger("thuisplus")
    level, handlers, propagate = logger.level, list(logger.handlers), logger.propagate
    yield
    logger.setLevel(level)
    logger.handlers[:] = handlers
    logger.propagate = propagate


@pytest.fixture
def without(monkeypatch):
    """``without("solara", ...)``: find_spec says these modules are not installed."""
    real = importlib.util.find_spec

    def hide(*names):
        def find_spec(name, package=None):
            return None if name in names else real(name, package)

        monkeypatch.setattr(importlib.util, "find_spec", find_spec)

    return hide


# --- 1. a missing extra says what to install --------------------------------------------------
def test_require_names_the_extra_and_the_missing_modules(without):
    require("calibrate")  # installed here (dev pulls [all])
    without("solara", "altair")
    assert missing("dashboard") == ["solara", "altair"]
    with pytest.raises(MissingExtra) as err:
        require("dashboard")
    assert str(err.value) == ("the dashboard needs the optional dependencies of "
                              "thuisplus[dashboard]: pip install 'thuisplus[dashboard]' "
                              "(missing: solara, altair)")
    assert isinstance(err.value, ImportError) and err.value.extra == "dashboard"
    with pytest.raises(ValueError, match="unknown extra"):
        require("dashbord")


def test_the_table_matches_pyproject():
    import tomllib

    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]
    assert set(EXTRAS) <= set(extras)


def test_dashboard_without_solara_exits_2(without, monkeypatch):
    monkeypatch.setattr(cli, "engine_ready", lambda: pytest.fail("must stop before"))
    without("solara")
    r = invoke("dashboard")
    assert r.exit_code == 2, r.output
    assert ("error: the dashboard needs the optional dependencies of thuisplus[dashboard]: "
            "pip install 'thuisplus[dashboard]' (missing: solara)") in r.stderr
    assert "Traceback" not in r.output


def test_executor_dask_without_distributed_exits_2(tmp_path, without):
    without("distributed")
    for args in (["experiment", spec_file(tmp_path), "--out", tmp_path / "o"],
                 ["calibrate", "--out", tmp_path / "c"]):
        r = invoke(*args, "--executor", "dask")
        assert r.exit_code == 2, r.output
        assert ("--executor dask needs the optional dependencies of thuisplus[dask]: "
                "pip install 'thuisplus[dask]' (missing: distributed)") in r.stderr
        assert "Traceback" not in r.output
    assert not (tmp_path / "o").exists()
    from thuisplus.experiments.executors import DaskExecutor

    with pytest.raises(MissingExtra, match="missing: distributed"):
        DaskExecutor()


@pytest.mark.parametrize("method, module", [("abc", "pyabc"), ("optuna", "optuna")])
def test_calibrate_names_the_module_its_method_needs(tmp_path, without, monkeypatch, method,
                                                     module):
    monkeypatch.setattr(cli, "engine_ready", lambda: pytest.fail("must stop before"))
    without(module)
    r = invoke("calibrate", "--method", method, "--out", tmp_path / "o")
    assert r.exit_code == 2, r.output
    assert (f"calibration with method {method} needs the optional dependencies of "
            f"thuisplus[calibrate]: pip install 'thuisplus[calibrate]' (missing: {module})"
            ) in r.stderr
    assert "Traceback" not in r.output and not (tmp_path / "o").exists()
    # the Python API says the same
    from thuisplus.calibration import CalibrationConfig, run_calibration

    cfg = CalibrationConfig.from_toml("contract-2021").with_changes(method=method)
    with pytest.raises(MissingExtra, match=f"missing: {module}"):
        run_calibration(cfg, None, tmp_path / "api")
    assert not (tmp_path / "api").exists()


def test_the_packages_import_without_the_extras():
    """No pyabc, optuna, dask, solara at all: imports, --help and a clear calibrate error."""
    code = """
import sys
for m in ("pyabc", "optuna", "dask", "distributed", "solara"):
    sys.modules[m] = None  # import fails, find_spec says: not installed
import thuisplus.calibration as c, thuisplus.experiments as e
assert c.CalibrationConfig and c.INDICATORS and e.Experiment and e.DaskExecutor
from typer.testing import CliRunner
from thuisplus.cli import app
assert CliRunner().invoke(app, ["--help"]).exit_code == 0
assert CliRunner().invoke(app, ["calibrate", "--help"]).exit_code == 0
r = CliRunner().invoke(app, ["calibrate", "--out", sys.argv[1]])
assert r.exit_code == 2 and "missing: pyabc" in r.stderr, r.output
print("ok")
"""
    r = subprocess.run([sys.executable, "-c", code, "/nonexistent/o"], capture_output=True,
                       text=True, timeout=300, cwd=REPO)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr


# --- 2. every option shows its default ------------------------------------------------------
def _commands():
    root = typer.main.get_command(app)
    yield "thuisplus", root
    yield from ((f"thuisplus {n}", c) for n, c in root.commands.items())


def _options():
    for path, command in _commands():
        for p in command.params:
            if p.param_type_name == "option" and not p.is_eager:  # --help, --version
                yield path, p


def _default_shown(p) -> bool:
    if isinstance(p.show_default, str):  # what leaving the option out means
        return bool(p.show_default.strip())
    if not p.show_default or p.default is None:
        return False
    if p.is_bool_flag and not p.secondary_opts:  # a bare --flag shows no default
        return False
    return True


def test_every_option_shows_its_default_or_what_leaving_it_out_means():
    options = list(_options())
    assert len(options) > 80 and {p.opts[0] for _, p in options} >= {"--weeks", "--json"}
    bad = [f"{path} {'/'.join(p.opts)}" for path, p in options if not _default_shown(p)]
    assert not bad, f"options without a shown default: {bad}"


def test_the_help_shows_the_defaults_and_the_brackets_of_the_text():
    r = invoke("simulate", "--help", env={"COLUMNS": "200"})
    assert "[default: (the programme and the follow-up" in r.output
    assert "[default: (off)]" in r.output and "[default: 1]" in r.output
    r = invoke("calibrate", "--help", env={"COLUMNS": "200"})
    assert "thuisplus[calibrate]" in r.output  # not eaten as rich markup


# --- 3. --json: one JSON document on stdout -------------------------------------------------
def _json(r) -> object:
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def test_the_one_run_commands_print_json(tmp_path):
    d = _json(invoke("-v", "simulate", "--weeks", 2, *SMALL, "--json"))
    assert d["weeks"] == 2 and d["seed"] == 1
    assert _json(invoke("contract", "--years", 1, "--json"))["clients"] == 100
    assert "contract-2021" in _json(invoke("presets", "--json"))
    r = invoke("-v", "params", "--kind", "lever", "--write", tmp_path / "p.toml", "--json")
    assert {p["kind"] for p in _json(r)} == {"lever"} and (tmp_path / "p.toml").is_file()
    assert "parameters: defaults" in r.stderr and "wrote" in r.stderr  # -v notes: stderr
    d = _json(invoke("business-case", "--replications", 1, *SMALL, "--set",
                     "simulation.follow_up_years=1", "--set", "simulation.weeks=52",
                     "--out", tmp_path / "bc", "--json"))
    assert {"views", "stakeholders", "files"} <= set(d) and d["replications"] == 1
    assert any(row["stakeholder"] == "society" for row in d["stakeholders"])


def test_the_pair_json_is_unchanged():
    d = _json(invoke("pair", "--weeks", 2, *SMALL, "--json"))
    assert isinstance(d, dict) and all(isinstance(v, (int, float)) or v is None
                                       for v in d.values())


def test_the_batch_commands_print_json(tmp_path):
    d = _json(invoke("experiment", spec_file(tmp_path), "--out", tmp_path / "e",
                     "--executor", "serial", "--json"))
    assert d["runs"]["done"] == d["runs"]["total"] == 4 and d["failures"] is None
    assert Path(d["files"]["report"]).is_file()
    d = _json(invoke("report", tmp_path / "e", "--json"))
    assert Path(d["files"]["report"]).is_file()
    pi = 3.14159
    sens = spec_file(tmp_path, "m", model="thuisplus.experiments.testfunctions:ishigami",
                     replications=1, outcomes=["y"],
                     design={"method": "morris", "samples": 4, "levels": 4, "parameters": {
                         f"x{i}": {"range": [-pi, pi]} for i in (1, 2, 3)}})
    d = _json(invoke("sensitivity", sens, "--out", tmp_path / "m", "--executor", "serial",
                     "--json"))
    assert d["method"] == "morris" and {r["parameter"] for r in d["indices"]} == {
        "x1", "x2", "x3"}


def test_json_values_are_strict_json():
    import numpy as np

    x = {"a": float("nan"), "b": np.int64(3), "c": np.float64("inf"), "d": Path("x"),
         "e": pd.DataFrame({"k": [1.0, None]}), "f": pd.Timestamp("2021-01-04"),
         "g": (np.bool_(True),)}
    assert cli.jsonable(x) == {"a": None, "b": 3, "c": None, "d": "x",
                               "e": [{"k": 1.0}, {"k": None}], "f": "2021-01-04T00:00:00",
                               "g": [True]}


# --- 4. exit 3 when some runs failed ----------------------------------------------------------
def test_experiment_with_failed_runs_exits_3_and_says_where(tmp_path):
    out = tmp_path / "f"
    r = invoke("experiment", spec_file(tmp_path, **FAILING), "--out", out,
               "--executor", "serial", "--json")
    assert r.exit_code == 3, r.output
    assert f"2 of 4 runs failed: listed in {out / 'failures.parquet'}" in r.stderr
    d = json.loads(r.stdout)  # what finished is reported all the same
    assert d["runs"]["failed"] == 2 and d["runs"]["done"] == 2
    assert len(pd.read_parquet(out / "failures.parquet")) == 2


def test_sensitivity_with_failed_runs_exits_3(tmp_path):
    spec = spec_file(tmp_path, "s", model="thuisplus.experiments.testfunctions:fail_above",
                     replications=1, outcomes=["y"],
                     design={"method": "morris", "samples": 4, "levels": 4,
                             "parameters": {"a": {"range": [0, 1]}, "b": {"range": [0, 1]}}})
    r = invoke("sensitivity", spec, "--out", tmp_path / "s", "--executor", "serial")
    assert r.exit_code == 3, r.output
    assert "runs failed: listed in" in r.stderr and "--resume" in r.stderr


def test_run_with_failed_runs_exits_3(tmp_path, monkeypatch):
    from thuisplus.experiments import Experiment

    exp = Experiment.from_toml(spec_file(tmp_path, **FAILING))
    monkeypatch.setattr(cli, "_load_experiment", lambda *a, **k: exp)
    r = invoke("run", "--out", tmp_path / "r", "--executor", "serial", "--json")
    assert r.exit_code == 3, r.output
    assert "2 of 4 runs failed: listed in" in r.stderr
    assert json.loads(r.stdout)["runs"]["failed"] == 2


def _fake_fit(failed: int):
    """A stand-in for run_calibration: an Optuna fit of 4 trials, ``failed`` of them failed."""
    from thuisplus.calibration.fit import FitResult

    def fit(cfg, data, out, **kw):
        out = Path(out)
        out.mkdir(parents=True)
        pd.DataFrame({"parameter": ["x"], "default": [1.0], "point": [1.5]}).to_csv(
            out / "parameters.csv", index=False)
        pd.DataFrame({"indicator": ["i"], "date": ["2023-01-01"], "complex": ["all"],
                      "z": [0.5], "fits": [True]}).to_csv(out / "fit.csv", index=False)
        trials = pd.DataFrame({"trial": range(4), "x": 1.0,
                               "distance": [1.0] * (4 - failed) + [1e12] * failed})
        trials.to_parquet(out / "trials.parquet")
        return FitResult(out, "optuna", {"x": 1.5}, None, None, trials, 4, 1.0)

    return fit


@pytest.mark.parametrize("failed, code", [(0, 0), (1, 3)])
def test_calibrate_json_and_exit_3_when_trials_failed(tmp_path, monkeypatch, failed, code):
    import thuisplus.calibration.fit as fit_mod

    monkeypatch.setattr(cli, "engine_ready", lambda: None)
    monkeypatch.setattr(fit_mod, "run_calibration", _fake_fit(failed))
    out = tmp_path / "c"
    r = invoke("calibrate", "--method", "optuna", "--out", out, "--json")
    assert r.exit_code == code, r.output
    d = json.loads(r.stdout)
    assert d["method"] == "optuna" and d["parameters"][0]["point"] == 1.5
    assert d["failed_trials"] == failed
    if failed:
        assert f"1 of 4 trials failed: listed in {out / 'trials.parquet'}" in r.stderr


# --- 5. --help imports nothing heavy --------------------------------------------------------
HEAVY = ("numba", "pandas", "numpy", "matplotlib", "scipy", "mesa", "thuisplus.sim")


@pytest.mark.parametrize("args", [["--help"], ["simulate", "--help"], ["run", "--help"],
                                  ["--version"]])
def test_help_imports_nothing_heavy(args):
    code = ("import json, runpy, sys\n"
            f"sys.argv = ['thuisplus', *{args!r}]\n"
            "try:\n    runpy.run_module('thuisplus', run_name='__main__')\n"
            "except SystemExit as e:\n    code = e.code\n"
            f"heavy = sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}"
            f" or m.startswith('thuisplus.sim'))\n"
            "print(json.dumps({'code': code, 'heavy': heavy}), file=sys.stderr)\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=120, cwd=REPO)
    found = json.loads(r.stderr.strip().splitlines()[-1])
    assert found["code"] in (0, None) and found["heavy"] == [], found
    assert r.stdout.strip()


def test_the_packages_are_lazy_but_complete():
    import thuisplus.calibration as calibration
    import thuisplus.experiments as experiments
    from thuisplus.experiments import Experiment, load_results

    assert Experiment.__name__ == "Experiment" and callable(load_results)
    for mod in (experiments, calibration):
        assert set(mod.__all__) <= set(dir(mod))
        for name in mod.__all__:
            assert getattr(mod, name) is not None
        with pytest.raises(AttributeError):
            mod.no_such_name  # noqa: B018
    code = ("import sys, thuisplus.experiments, thuisplus.calibration\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pandas', 'numba')))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=120, cwd=REPO)
    assert r.returncode == 0 and r.stdout.strip() == "[]", r.stderr


# --- 6. the thuisplus logger ----------------------------------------------------------------
@pytest.mark.parametrize("args, level", [
    ([], logging.WARNING), (["-v"], logging.INFO), (["--verbose"], logging.INFO),
    (["-vv"], logging.DEBUG), (["-v", "-v", "-v"], logging.DEBUG), (["-q"], logging.ERROR),
    (["--quiet"], logging.ERROR)])
def test_verbose_and_quiet_set_the_level_of_the_thuisplus_logger(args, level):
    r = invoke(*args, "presets", "--json")
    assert r.exit_code == 0, r.output
    assert logging.getLogger("thuisplus").level == level
    assert cli.log_level(args.count("-v") + args.count("--verbose")
                         + 2 * args.count("-vv"), "-q" in args or "--quiet" in args) == level


def test_quiet_and_verbose_together_are_refused():
    r = invoke("-q", "-v", "presets")
    assert r.exit_code == 2 and "--quiet and --verbose" in r.stderr


def test_warnings_go_to_stderr_and_quiet_hides_them(monkeypatch):
    import thuisplus.dashboard as dashboard_mod

    monkeypatch.setattr(dashboard_mod, "serve", lambda p, **kw: None)
    monkeypatch.setattr(cli, "engine_ready", lambda: None)
    r = invoke("dashboard", "--host", "0.0.0.0")
    assert r.exit_code == 0 and r.stdout == ""
    assert "warning: --host 0.0.0.0 serves the dashboard beyond this machine" in r.stderr
    r = invoke("-q", "dashboard", "--host", "0.0.0.0")
    assert r.exit_code == 0 and r.stderr == ""


# --- exports for spreadsheet users, assets, resume across libraries --------------------------
def test_report_writes_a_workbook_and_dutch_csvs_when_asked(tmp_path):
    import openpyxl

    assert invoke("experiment", spec_file(tmp_path), "--out", tmp_path / "e", "--executor",
                  "serial").exit_code == 0
    plain = (tmp_path / "e" / "tables" / "runs.csv").read_bytes()
    assert not (tmp_path / "e" / "report.xlsx").exists()
    r = invoke("report", tmp_path / "e", "--xlsx", "--csv-dialect", "nl", "--json")
    assert r.exit_code == 0, r.output
    files = json.loads(r.stdout)["files"]
    assert Path(files["workbook"]).name == "report.xlsx"
    sheets = openpyxl.load_workbook(files["workbook"]).sheetnames
    assert sheets[0] == "Read me" and len(sheets) > 1
    dutch = (tmp_path / "e" / "tables" / "runs.csv").read_bytes()
    assert dutch.startswith(b"\xef\xbb\xbf") and b";" in dutch.splitlines()[0]
    back = pd.read_csv(tmp_path / "e" / "tables" / "runs.csv", sep=";", decimal=",",
                       encoding="utf-8-sig")
    assert back.equals(pd.read_csv(__import__("io").BytesIO(plain)))


@pytest.mark.parametrize("command", [["report", "FOLDER"], ["business-case"],
                                     ["experiment", "SPEC"], ["run"]])
def test_an_unknown_csv_dialect_exits_2_before_any_work(tmp_path, command, monkeypatch):
    monkeypatch.setattr(cli, "engine_ready", lambda: pytest.fail("work started"))
    (tmp_path / "f").mkdir()
    (tmp_path / "f" / "manifest.json").write_text("{}")
    args = [str(spec_file(tmp_path)) if a == "SPEC" else str(tmp_path / "f") if a == "FOLDER"
            else a for a in command]
    out = [] if command[0] == "report" else ["--out", tmp_path / "o"]
    r = invoke(*args, "--csv-dialect", "dutch", *out)
    assert r.exit_code == 2, r.output
    assert "unknown CSV dialect 'dutch'" in r.stderr and "did you mean 'nl'" in r.stderr


def test_dashboard_fetch_assets_fetches_and_exits(tmp_path, monkeypatch):
    from thuisplus.dashboard import assets

    calls = []

    def fake(target=None, *, force=False, progress=None):
        calls.append(target)
        progress("fetched katex@0.16.9")
        return tmp_path

    monkeypatch.setattr(assets, "fetch_assets", fake)
    monkeypatch.setattr(cli, "engine_ready", lambda: pytest.fail("no server for a fetch"))
    r = invoke("dashboard", "--fetch-assets")
    assert r.exit_code == 0, r.output
    assert calls == [None] and "fetched katex" in r.stderr and str(tmp_path) in r.stdout


def test_dashboard_fetch_assets_offline_says_why_and_exits_1(monkeypatch):
    from thuisplus.dashboard import assets

    def offline(target=None, *, force=False, progress=None):
        raise assets.AssetError("could not download https://registry.npmjs.org/...: this "
                                "machine needs access to registry.npmjs.org once")

    monkeypatch.setattr(assets, "fetch_assets", offline)
    r = invoke("dashboard", "--fetch-assets")
    assert r.exit_code == 1 and "registry.npmjs.org once" in r.stderr
    assert "Traceback" not in r.output


def test_run_asks_for_fresh_after_a_library_changed(tmp_path, monkeypatch):
    from thuisplus.experiments import Experiment

    exp = Experiment.from_toml(spec_file(tmp_path))
    monkeypatch.setattr(cli, "_load_experiment", lambda *a, **k: exp)
    out = tmp_path / "r"
    assert invoke("run", "--out", out, "--executor", "serial", "--json").exit_code == 0
    from tests.test_provenance import _edit_manifest

    _edit_manifest(out, lambda code: code["dependencies"].update(numpy="1.0.0"))
    r = invoke("run", "--out", out, "--executor", "serial", "--json")
    assert r.exit_code == 2 and "another version of the code" in r.stderr
    assert "--fresh" in r.stderr
    assert invoke("run", "--out", out, "--executor", "serial", "--fresh",
                  "--json").exit_code == 0


def test_business_case_with_a_failed_pair_keeps_the_rest_and_exits_3(tmp_path, monkeypatch):
    from thuisplus.experiments import business_case_report as bcr

    real, calls = bcr.run_pair, []

    def flaky(params, seed):
        calls.append(seed)
        if len(calls) == 2:
            raise RuntimeError("a pair that breaks")
        return real(params, seed=seed)

    monkeypatch.setattr(bcr, "run_pair", flaky)
    r = invoke("business-case", "--replications", 3, "--out", tmp_path / "bc", "--json",
               "--set", "simulation.follow_up_years=0", "--set", "simulation.weeks=52", *SMALL)
    assert r.exit_code == 3, r.output
    assert json.loads(r.stdout)["failed"] == 1
    assert "1 of 3 pairs failed: listed in" in r.stderr
    failures = pd.read_csv(tmp_path / "bc" / "failures.csv")
    assert list(failures["seed"]) == [calls[1]]
    assert "a pair that breaks" in failures["error"][0]


def test_business_case_whose_every_pair_fails_on_a_parameter_exits_2(tmp_path, monkeypatch):
    from thuisplus.experiments import business_case_report as bcr
    from thuisplus.sim.params import ParameterError

    def bad(params, seed):
        raise ParameterError([("staffing.worker_hours", 1, "too few for the complex")])

    monkeypatch.setattr(bcr, "run_pair", bad)
    r = invoke("business-case", "--replications", 2, "--out", tmp_path / "bc")
    assert r.exit_code == 2 and "too few for the complex" in r.stderr
    assert "Traceback" not in r.output


@pytest.mark.parametrize("table, said", [
    ('parameters = ["thuisplus.contract.transfer_acceptance"]\nsamples = [0.5, 0.7]\n',
     "samples must be a non-empty list of rows"),
    ('parameters = ["thuisplus.contract.transfer_acceptence"]\nsamples = [[0.5]]\n',
     "did you mean 'thuisplus.contract.transfer_acceptance'"),
    ('samples = [[0.5]]\n', "needs parameters = [...]"),
])
def test_dashboard_refuses_a_damaged_posterior_table(tmp_path, monkeypatch, table, said):
    """A ``--params`` file whose [posterior] is damaged: exit 2 naming the file, no page."""
    import thuisplus.dashboard as dashboard_mod

    served = []
    monkeypatch.setattr(dashboard_mod, "serve", lambda p, **kw: served.append(kw))
    compiled = []  # the file is checked before the engine compiles (minutes when fresh)
    monkeypatch.setattr(cli, "engine_ready", lambda: compiled.append(1))
    path = tmp_path / "fit.toml"
    path.write_text("[posterior]\n" + table, encoding="utf-8")
    r = invoke("dashboard", "--params", path)
    assert r.exit_code == 2 and not served and not compiled, r.output
    assert "Traceback" not in r.output
    assert str(path) in r.stderr and said in " ".join(r.stderr.split()), r.stderr


def test_a_malformed_tape_budget_exits_2_before_any_run(tmp_path, monkeypatch):
    """THUISPLUS_TAPE_MB (the megabytes of draw tapes a batch worker keeps) is checked by the
    runner: a bad value is a usage error naming it, and no results folder is made."""
    monkeypatch.setenv("THUISPLUS_TAPE_MB", "2 GB")
    out = tmp_path / "out"
    r = invoke("experiment", spec_file(tmp_path), "--out", out, "--executor", "serial")
    assert r.exit_code == 2, r.output
    assert "THUISPLUS_TAPE_MB='2 GB'" in r.output and "whole number ≥ 0" in r.output
    assert not out.exists()
