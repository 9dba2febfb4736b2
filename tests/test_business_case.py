import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from thuisplus.cli import app
from thuisplus.sim import Parameters
from thuisplus.sim.business_case import contract_arithmetic, team_cost


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


def test_sourced_salaries_against_the_sizing_of_the_plus():
    # 0.1 FTE hbo + 1.0 FTE mbo at Berenschot employer costs (2023), deflated to 2021 by the
    # CPI (110.39 / 126.04): €71,552, about 8% under the €78,000 the plus was sized for
    # (EVAL §2). (Deflated by the old 3%-a-year assumption it was €77,006.)
    want = (0.1 * 85_195 + 1.0 * 73_176) * 110.39 / 126.04
    assert team_cost(Parameters(), 2021) == pytest.approx(want, rel=1e-12)
    assert 0.9 < team_cost(Parameters(), 2021) / 78_000 < 0.95


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


# --- stakeholders, discounting, measures ---------------------------------------------

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from tests.conftest import all_off  # noqa: E402
from thuisplus.sim import run_pair  # noqa: E402
from thuisplus.sim.business_case import (  # noqa: E402
    STAKEHOLDERS,
    break_even_clients,
    discount,
    measures,
    provider_pnl,
    stakeholder_flows,
)


def test_discounting_against_hand_computed_values():
    flows = pd.DataFrame({"year": [2021, 2022, 2023], "amount": [100.0, 100.0, 100.0]})
    d = discount(flows, 0.0225, 2021)
    assert d["pv"].tolist() == pytest.approx([100.0, 100 / 1.0225, 100 / 1.0225**2])
    flows = pd.DataFrame({
        "year": [2021, 2022, 2022], "stakeholder": ["provider", "municipality", "provider"],
        "item": ["team", "avoided Wmo care", "plus"], "kind": ["cost", "benefit", "transfer_in"],
        "amount": [1000.0, 2045.0, 300.0], "unit": ["€"] * 3})
    flows = pd.concat([flows, pd.DataFrame({
        "year": [2022], "stakeholder": ["municipality"], "item": ["plus"],
        "kind": ["transfer_out"], "amount": [300.0], "unit": ["€"]})])
    m = measures(flows, 0.0225, 2021)
    assert m["pv_costs"] == pytest.approx(1000.0)
    assert m["pv_benefits"] == pytest.approx(2000.0)      # 2045 / 1.0225
    assert m["npv"] == pytest.approx(1000.0)
    assert m["benefit_cost_ratio"] == pytest.approx(2.0)
    assert m["payback_year"] == 2022
    assert m["stakeholders"]["municipality"]["net"] == pytest.approx(2000 - 300 / 1.0225)


def test_payback_is_when_the_cumulative_net_recovers_for_good():
    """A net that turns positive, dips below 0 and recovers pays back when it recovers."""
    import numpy as np

    from thuisplus.sim.business_case import measures, payback_year

    years = np.arange(2030, 2039)
    # the audit's pair (budget view, € thousands): +25.7 in 2032, dips to −5.6 in 2036
    cum = np.array([-60.0, -20.0, 25.7, 24.0, 22.0, 19.6, -5.6, 21.7, 463.0])
    assert payback_year(years, cum) == 2037
    assert payback_year(years, np.abs(cum)) == 2030          # never below 0
    assert payback_year(years, -np.abs(cum)) is None          # ends below 0
    assert payback_year(years, np.where(years == 2034, np.nan, np.abs(cum))) == 2035
    assert payback_year(years[:0], cum[:0]) is None
    # through measures(): yearly nets −100, +150, −80, +60 (undiscounted, rate 0)
    flows = pd.DataFrame({
        "year": [2021, 2022, 2023, 2024], "stakeholder": ["provider"] * 4,
        "item": ["x"] * 4, "kind": ["cost", "benefit", "cost", "benefit"],
        "amount": [100.0, 150.0, 80.0, 60.0], "unit": ["€"] * 4})
    assert measures(flows, 0.0, 2021)["payback_year"] == 2024


def test_replacing_a_leaver_is_charged_for_payroll_workers_only():
    """An agency replaces its own workers (the PNIL premium pays for it): only payroll
    leavers cost a provider ``money.replacement_cost`` (the audit: PNIL leavers were
    charged too)."""
    import numpy as np

    from thuisplus.sim.business_case import _SAVED, _SAVINGS, _Wages, provider_books

    sums = np.zeros(len(_SAVINGS))
    for k, v in {"staff_turnover": 10.0, "staff_turnover_pnil": 4.0,
                 "staff_turnover_pref": 6.0, "staff_turnover_pref_pnil": 1.0}.items():
        sums[_SAVED[k]] = v
    books = provider_books(sums, _Wages(28.0, 42.3, 0.4, 8000.0, 32.76, 64.0, 66.29))
    assert books["provider"]["staff replacement saved"] == 5 * 8000.0  # the preferred one
    assert books["other_providers"]["staff replacement saved"] == 1 * 8000.0


@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=30))
def test_payback_year_is_the_first_year_from_which_the_net_stays_non_negative(nets):
    import numpy as np

    from thuisplus.sim.business_case import payback_year

    cum = np.cumsum(nets)
    years = np.arange(2021, 2021 + len(cum))
    got = payback_year(years, cum)
    want = next((int(y) for k, y in enumerate(years) if (cum[k:] >= 0).all()), None)
    assert got == want


@pytest.fixture(scope="module")
def contract_flows():
    from thuisplus.sim.presets import load_preset

    return [stakeholder_flows(run_pair(load_preset("contract-2021"), seed=s, weeks=260))
            for s in range(3)]


def test_stakeholder_nets_sum_to_the_societal_net(contract_flows):
    for f in contract_flows:
        m = measures(f, 0.0225, 2021)
        total = sum(m["stakeholders"][s]["net"] for s in STAKEHOLDERS)
        assert total == pytest.approx(m["npv"], rel=1e-9, abs=1e-6)
        assert m["stakeholders"]["municipality"]["pays"] > 0   # start amount, plus


def test_all_off_every_flow_is_exactly_zero():
    # no mechanism delivered: no team, no delivery, no room, no contract money, no effect
    pair = run_pair(all_off(), seed=4, weeks=156)
    for view in ("budget", "capacity"):
        flows = stakeholder_flows(pair, view)
        assert len(flows) > 0 and (flows["amount"] == 0).all(), \
            flows[flows["amount"] != 0]
        m = measures(flows, 0.0225, 2021)
        assert m["pv_benefits"] == 0 and m["pv_costs"] == 0 and m["npv"] == 0
        assert all(v == {"pays": 0.0, "gains": 0.0, "net": 0.0}
                   for v in m["stakeholders"].values())


def test_provider_books_loss_at_forty_and_break_even():
    from thuisplus.sim import Parameters

    p = Parameters()
    per_client = provider_pnl(p, [40, 100], funding="per_client").set_index("clients")
    assert per_client.loc[40, "profit"] < 0                 # EVAL §3: a loss at ~40
    assert per_client.loc[100, "profit"] == pytest.approx(78_000 - per_client.loc[100,
                                                                                 "team_cost"])
    lump = provider_pnl(p, [0, 40, 100], funding="lump_sum")
    assert np.allclose(lump["profit"], lump["profit"].iloc[0])
    be = break_even_clients(p)
    assert 40 < be < 100
    assert provider_pnl(p, [be], funding="per_client")["profit"].iloc[0] >= 0
    assert provider_pnl(p, [be - 0.5], funding="per_client")["profit"].iloc[0] < 0


def test_business_case_cli(tmp_path):
    r = CliRunner().invoke(app, ["business-case", "--replications", "2", "--out",
                                 str(tmp_path)])
    assert r.exit_code == 0, r.output
    for name in ("stakeholders.csv", "cashflows.csv", "provider.csv", "stakeholders.png",
                 "cumulative_cashflow.png", "provider_pnl.png", "business_case.md"):
        assert (tmp_path / name).stat().st_size > 0, name
    st = pd.read_csv(tmp_path / "stakeholders.csv")
    assert {"municipality", "health_insurer", "care_office", "society"} <= set(st["stakeholder"])
    assert "breaks even" in (tmp_path / "business_case.md").read_text()


@pytest.mark.parametrize("args,needle", [
    (["business-case", "--preset", "lumpsum"], "did you mean 'lump-sum'"),
    (["business-case", "--set", "money.discount_rate=0.5"], "money.discount_rate"),
    (["business-case", "--replications", "-2"], "replications"),
])
def test_business_case_bad_input(args, needle):
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 2 and needle in r.output


def test_contract_command_and_provider_books_agree():
    from thuisplus.sim import Parameters

    p = Parameters()
    for clients in (0, 40, 59.3, 100, 130):
        books = provider_pnl(p, [clients], funding="per_client")["profit"].iloc[0]
        assert contract_arithmetic(clients, 2021, p).plus_minus_team == pytest.approx(books)
