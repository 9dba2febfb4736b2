import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from experiments.cli import app
from sim import Parameters
from sim.business_case import contract_arithmetic, team_cost


def test_eval_section_2_arithmetic_exactly():
    y = contract_arithmetic(100, 2021)
    assert y.plus_income == 78_000.0          # 100 × 52 × €15
    assert y.regular_wmo_income == 442_000.0  # 100 × 52 × €85
    assert y.variable_contract == 520_000.0
    assert y.start_amount == 35_000.0          # one-time, in the first year only
    assert contract_arithmetic(100, 2022).start_amount == 0.0


def test_plus_is_indexed_yearly():
    p = Parameters().with_overrides({"money.indexation": 0.02})
    assert contract_arithmetic(100, 2023, p).plus_income == pytest.approx(78_000 * 1.02**2)
    assert contract_arithmetic(100, 2023, p).plus_per_client_week == pytest.approx(15 * 1.0404)


def test_sourced_salaries_reproduce_the_sizing_of_the_plus():
    # 0.1 FTE hbo + 1.0 FTE mbo at Berenschot employer costs, deflated to 2021: close to the
    # €78,000 the plus was sized for (EVAL §2).
    assert team_cost(Parameters(), 2021) == pytest.approx(78_000, rel=0.03)


@given(st.floats(0, 5000, allow_nan=False), st.integers(2015, 2040))
def test_arithmetic_is_linear_in_clients(clients, year):
    y = contract_arithmetic(clients, year)
    one = contract_arithmetic(1, year)
    assert y.plus_income == pytest.approx(clients * one.plus_income)
    assert y.variable_contract == pytest.approx(y.plus_income + y.regular_wmo_income)


def test_negative_clients_rejected():
    with pytest.raises(ValueError, match="clients"):
        contract_arithmetic(-1, 2021)


def test_contract_cli_json_and_bad_input():
    r = CliRunner().invoke(app, ["contract", "--clients", "100", "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    first = data["years"][0]
    assert (first["plus_income"], first["regular_wmo_income"], first["variable_contract"]) == (
        78_000.0, 442_000.0, 520_000.0)
    assert data["start_amount"] == 35_000.0
    r = CliRunner().invoke(app, ["contract", "--clients", "-5"])
    assert r.exit_code == 2
    r = CliRunner().invoke(app, ["contract", "--set", "money.indexation=0.9"])
    assert r.exit_code == 2 and "money.indexation" in r.output
