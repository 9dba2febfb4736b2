"""The EMA workbench example runs small, and its numbers are evaluate's (issue 15).

Skipped when the optional extra is not installed (``pip install -e ".[ema]"``; the dev
extra includes it, so CI runs it).
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("ema_workbench")

from ema_workbench import CategoricalParameter, IntegerParameter, RealParameter

from thuisplus.sim import evaluate
from thuisplus.sim.business_case import STAKEHOLDERS
from thuisplus.sim.params import uncertainties

# EMA 3.0's PRIM uses DataFrame.drop(inplace=True), deprecated in pandas 3.1
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword in DataFrame.drop")

REPO = Path(__file__).resolve().parents[1]
LEVERS = ["thuisplus.contract.funding", "thuisplus.contract.target_clients=20:60",
          "thuisplus.contract.open_room"]
N_SCENARIOS, N_POLICIES, N_SEEDS = 8, 2, 2


@pytest.fixture(scope="module")
def example():
    path = REPO / "experiments" / "examples" / "ema_example.py"
    spec = importlib.util.spec_from_file_location("ema_example", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["ema_example"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop("ema_example", None)


@pytest.fixture(scope="module")
def result(example, tmp_path_factory):
    out = tmp_path_factory.mktemp("ema")
    argv = ["--quick", "--scenarios", str(N_SCENARIOS), "--policies", str(N_POLICIES),
            "--seeds", str(N_SEEDS), "--target", "npv", "--threshold", "median",
            "--out", str(out)]
    for lever in LEVERS:
        argv += ["--lever", lever]
    return example.main(argv)


def test_experiments_have_the_uncertainties_and_levers(example, result):
    priors = uncertainties("prices")
    unc = [example.ema_name(k) for k in priors]
    lev = [example.ema_name(s.partition("=")[0]) for s in LEVERS]
    assert result.uncertainties == unc and result.levers == lev
    x = result.experiments
    assert set(x.columns) == {*unc, *lev, "scenario", "policy", "model"}
    assert len(x) == N_SCENARIOS * N_POLICIES
    assert x["scenario"].nunique() == N_SCENARIOS and x["policy"].nunique() == N_POLICIES
    for key, prior in priors.items():  # uniform on the prior's 90% interval
        lo, hi = prior.interval(0.9)
        assert x[example.ema_name(key)].between(lo, hi).all(), key
    clients = x["thuisplus__contract__target_clients"]
    assert clients.between(20, 60).all() and (clients == clients.round()).all()
    assert set(x["thuisplus__contract__funding"]) <= {"per_client", "lump_sum"}
    want = {"npv", *(f"net_{s}" for s in STAKEHOLDERS), "npv_seed_sd"}
    assert set(result.outcomes) == want
    for name, values in result.outcomes.items():
        assert values.shape == (len(x),) and np.isfinite(values).all(), name
    assert len(result.seeds) == N_SEEDS and len(set(result.seeds)) == N_SEEDS
    table = pd.read_csv(result.out / "experiments.csv")
    assert {"thuisplus.contract.funding", "money.hh_hour_cost", "npv"} <= set(table.columns)
    assert len(table) == len(x)


def test_outcomes_are_evaluate_on_the_same_parameters_and_seeds(example, result):
    x = result.experiments
    row = x.iloc[len(x) // 2 + 1]
    # as a researcher would pass a row read back from the CSV: numbers as floats (the
    # integer target_clients too, which evaluate rounds)
    overrides = {example.tree_key(c): (row[c] if isinstance(row[c], str) else float(row[c]))
                 for c in result.uncertainties + result.levers}
    assert isinstance(overrides["thuisplus.contract.target_clients"], float)
    runs = [evaluate({**example.QUICK, **overrides}, seed=s, preset="contract-2021")
            for s in result.seeds]
    i = len(x) // 2 + 1
    for name in example.DEFAULT_OUTCOMES:
        mean = float(np.mean([r[name] for r in runs]))
        assert result.outcomes[name][i] == pytest.approx(mean, rel=1e-12, abs=1e-6), name
    sd = float(np.std([r["npv"] for r in runs], ddof=1))
    assert result.outcomes["npv_seed_sd"][i] == pytest.approx(sd, rel=1e-9, abs=1e-6)


def test_the_function_takes_emas_floats_for_integer_parameters(example):
    f = example.ThuisplusFunction("contract-2021", example.QUICK, ["npv", "net_provider"])
    key = "thuisplus.contract.target_clients"
    as_float = f(seed=3, **{key: np.float64(37.3), "thuisplus.contract.funding": "lump_sum"})
    as_int = f(seed=3, **{key: 37, "thuisplus.contract.funding": "lump_sum"})
    assert as_float == as_int


def test_prim_finds_a_box_and_writes_it(result):
    p = result.prim
    assert p is not None and p.target == "npv"
    assert p.threshold == pytest.approx(float(np.median(result.outcomes["npv"])))
    assert 0 < p.cases < len(result.experiments)
    traj = p.trajectory
    assert len(traj) >= 1 and 0 <= p.selected < len(traj)
    assert traj[["coverage", "density", "mass"]].apply(lambda c: c.between(0, 1).all()).all()
    assert list(p.limits.columns) == ["lower", "upper", "qp_lower", "qp_upper"]
    known = {k.partition("=")[0] for k in LEVERS} | set(uncertainties("prices"))
    assert set(p.limits.index) <= known
    for name in ("prim_box.csv", "prim_trajectory.csv", "prim_tradeoff.png", "prim_box.png"):
        assert (result.out / name).stat().st_size > 0, name


def test_feature_scores_cover_every_parameter_and_outcome(example, result):
    fs = result.feature_scores
    assert list(fs.columns) == list(example.DEFAULT_OUTCOMES)
    assert set(fs.index) == {example.tree_key(c) for c in result.uncertainties + result.levers}
    assert np.isfinite(fs.to_numpy()).all() and (fs.to_numpy() >= 0).all()
    sums = fs.sum()
    assert all(math.isclose(s, 1, abs_tol=1e-9) or s == 0 for s in sums), sums
    assert sums["npv"] == pytest.approx(1)
    assert (result.out / "feature_scores.png").stat().st_size > 10_000
    assert len(pd.read_csv(result.out / "feature_scores.csv")) == len(fs)


def test_no_box_when_no_or_every_run_is_of_interest(example, result):
    x = result.experiments[result.uncertainties + result.levers]
    y = result.outcomes["npv"]
    assert example.prim_analysis(x, y, target="npv", threshold=y.max()) is None
    assert example.prim_analysis(x, y, target="npv", threshold=y.min() - 1) is None


def test_parameters_from_the_tree(example):
    unc = example.uncertainty_parameters(["prices"], level=1.0)
    for p, (key, prior) in zip(unc, uncertainties("prices").items(), strict=True):
        assert isinstance(p, RealParameter) and p.variable_name == [key]
        assert (p.lower_bound, p.upper_bound) == pytest.approx((prior.lower, prior.upper))
    assert len(example.uncertainty_parameters(None)) == len(uncertainties())
    funding = example.lever_parameter("thuisplus.contract.funding")
    assert isinstance(funding, CategoricalParameter)
    assert [c.value for c in funding.categories] == ["per_client", "lump_sum"]
    clients = example.lever_parameter("thuisplus.contract.target_clients")
    assert isinstance(clients, IntegerParameter)
    assert (clients.lower_bound, clients.upper_bound) == (1, 1000)  # the tree's range
    room = example.lever_parameter("thuisplus.contract.open_room=0.2:0.8")
    assert (room.lower_bound, room.upper_bound) == (0.2, 0.8)
    with pytest.raises(ValueError, match="uncertainty, not a lever"):
        example.lever_parameter("money.hh_hour_cost")
    with pytest.raises(ValueError, match="cannot vary it"):
        example.lever_parameter("thuisplus.contract.start_date")
    with pytest.raises(ValueError, match="not a parameter"):
        example.lever_parameter("thuisplus.contract.nonsense")
    with pytest.raises(ValueError, match="unknown group"):
        example.uncertainty_parameters(["no such group"])


def test_help(example, capsys):
    with pytest.raises(SystemExit) as exc:
        example.main(["--help"])
    assert exc.value.code == 0
    assert "--scenarios" in capsys.readouterr().out


@pytest.mark.parametrize(("args", "says"), [
    (["--group", "price"], "did you mean 'prices'"),
    (["--target", "nvp"], "did you mean 'npv'"),
    (["--set", "building.dwelings=3"], "did you mean 'building.dwellings'"),
    (["--preset", "contract_2012"], "did you mean 'contract-2021'"),
    (["--seeds", "0"], "--seeds 0: allowed: an integer >= 1"),
])
def test_bad_arguments_exit_2_with_a_message(example, capsys, args, says):
    with pytest.raises(SystemExit) as stop:
        example.main(["--quick", *args])
    assert stop.value.code == 2
    assert says in capsys.readouterr().err
