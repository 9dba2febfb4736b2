"""Value of information (issue 14): EVPI, EVPPI on toy models with known answers."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from thuisplus.experiments.voi import evpi, evppi, evppi_table


def _toy(n=600, noise=0.0, seed=1):
    """Option A pays 1000·x1 (+ noise), doing nothing 0; x2 is irrelevant.

    EVPI = 1000 · E[max(x1, 0)] − max(E[1000 · x1], 0) = 1000 · 0.25 = 250 for x1 ~ U(−1, 1).
    """
    rng = np.random.default_rng(seed)
    x = pd.DataFrame({"x1": rng.uniform(-1, 1, n), "x2": rng.uniform(-1, 1, n)})
    nb = pd.DataFrame({"A": 1000 * x["x1"] + noise * rng.standard_normal(n), "nothing": 0.0})
    return nb, x


def test_evpi_of_the_toy_model():
    nb, _ = _toy(n=20_000)
    assert evpi(nb) == pytest.approx(250, rel=0.03)


def test_evppi_of_the_deciding_input_is_evpi_and_of_an_irrelevant_one_zero():
    nb, x = _toy(noise=300.0)
    true_evpi = 250.0
    deciding = evppi(nb, x[["x1"]], clip=False)
    irrelevant = evppi(nb, x[["x2"]], clip=False)
    group = evppi(nb, x, clip=False)
    # the noise inflates the EVPI read from the draws; the regression smooths it away
    assert evpi(nb) > true_evpi
    assert deciding == pytest.approx(true_evpi, rel=0.15)
    assert group == pytest.approx(true_evpi, rel=0.15)
    assert abs(irrelevant) < 0.08 * true_evpi


def test_evppi_table_orders_and_bounds():
    nb, x = _toy(n=300, noise=100.0)
    t = evppi_table(nb, x, {"both": ["x1", "x2"]})
    assert t["name"].iloc[0] in ("x1", "both")
    assert (t["evppi"] >= 0).all() and (t["evppi"] <= t.attrs["evpi"] + 1e-9).all()
    assert t.loc[t["name"] == "x2", "share_of_evpi"].item() < 0.1


def test_no_decision_uncertainty_no_value():
    """When one option is best on every draw, nothing is worth learning."""
    nb, x = _toy(n=200)
    nb["A"] = 500 + nb["A"].abs() * 0.1  # always positive: A always best
    assert evpi(nb) == pytest.approx(0.0, abs=1e-9)
    assert evppi(nb, x[["x1"]]) == pytest.approx(0.0, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(2, 50), st.integers(1, 4)),
              elements=st.floats(-1e6, 1e6)))
def test_evpi_is_never_negative(x):
    assert evpi(x) >= 0.0


def test_bad_net_benefit_is_refused():
    with pytest.raises(ValueError, match="missing or infinite"):
        evpi(np.array([[1.0, np.nan], [2.0, 3.0]]))
    with pytest.raises(ValueError, match="rows of inputs"):
        evppi(np.zeros((5, 2)), np.zeros((4, 1)))




def test_a_noisy_group_is_not_resolved_and_the_deciding_one_is():
    """Chance larger than the signal, few draws, many inputs: a Gaussian process free to
    take short length scales reproduced the noise and put every group of the main job at
    the EVPI (issue 14). With the length scales bounded, an irrelevant group of 8 still
    gets some value by chance, but no more than its noise floor (shuffled draws) shows,
    while the deciding group stands far above its floor, near the true EVPI (250)."""
    nb, x = _toy(n=150, noise=600.0, seed=3)
    for k in range(5, 11):
        x[f"z{k}"] = np.random.default_rng(k).uniform(-1, 1, len(x))
    x["x3"] = np.random.default_rng(4).uniform(-1, 1, len(x))
    irrelevant = ["x2", "x3", *[f"z{k}" for k in range(5, 11)]]
    t = evppi_table(nb, x, {"irrelevant": irrelevant, "deciding": ["x1", "x2"]}).set_index("name")
    assert t.loc["deciding", "evppi"] == pytest.approx(250, rel=0.15)
    assert t.loc["deciding", "evppi"] > 10 * t.loc["deciding", "floor"]
    assert t.loc["irrelevant", "evppi"] < 0.4 * 250
    assert t.loc["irrelevant", "evppi"] < 2 * t.loc["irrelevant", "floor"]
