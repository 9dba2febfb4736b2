import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from thuisplus.sim import Parameters, load_parameters, save_parameters
from thuisplus.sim.params import ParameterError, iter_fields, parameter_table

SIM = Path(__file__).resolve().parents[1] / "sim"


def test_defaults_are_valid_and_complete():
    p = Parameters()
    rows = parameter_table(p)
    assert len(rows) > 100
    for key, info in iter_fields():
        extra = info.json_schema_extra or {}
        assert extra.get("unit"), f"{key} has no unit"
        assert extra.get("source"), f"{key} has no source"
        assert info.description, f"{key} has no description"


def test_every_parameter_is_used_by_the_model():
    """A parameter nothing reads silently does nothing (Covasim #388)."""
    code = "\n".join(f.read_text() for f in SIM.rglob("*.py") if f.name != "params.py")
    unused = [key for key, _ in iter_fields()
              if not re.search(rf"(\.{key.split('.')[-1]}\b)|(\"{key.split('.')[-1]}\")", code)]
    assert unused == []


def test_toml_round_trip(tmp_path):
    p = Parameters().with_overrides({"care.hh_hours_base": 2.25, "building.dwellings": 120,
                                     "simulation.start_date": "2022-03-07",
                                     "thuisplus.contract.start_date": "2022-03-07",
                                     "thuisplus.contract.transfer_start": "2023-01-02"})
    path = tmp_path / "p.toml"
    save_parameters(p, path)
    assert load_parameters(path) == p
    text = path.read_text()
    assert "# Source: Kostenhandleiding" in text


def test_partial_file_keeps_defaults(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text("[care]\nhh_hours_base = 3.0\n")
    p = load_parameters(path)
    assert p.care.hh_hours_base == 3.0
    assert p.care.dn_threshold == Parameters().care.dn_threshold


def test_unknown_key_is_named_with_a_suggestion(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text("[vitality]\nfall_probabilty = 0.2\n")
    with pytest.raises(ParameterError) as e:
        load_parameters(path)
    msg = e.value.format()
    assert "vitality.fall_probabilty" in msg and "did you mean 'vitality.fall_probability'" in msg
    assert str(path) in msg


def test_unknown_group_is_named():
    with pytest.raises(ParameterError) as e:
        Parameters().with_overrides({"vitaliti.fall_probability": 0.2})
    assert "vitaliti" in e.value.format() and "did you mean 'vitality'" in e.value.format()


@pytest.mark.parametrize("key,instead", [
    ("costs.wlz_home_cost_ratio", "costs.vpt_cost_ratio"),
    ("care.nh_mortality", "demography.nh_hazard_ratio"),
    ("demography.mortality_male_80", "demography.home_mortality_male_80"),
])
def test_a_removed_key_says_what_replaced_it(key, instead):
    from thuisplus.sim.params import REMOVED_KEYS, iter_fields
    with pytest.raises(ParameterError) as e:
        Parameters().with_overrides({key: 0.5})
    msg = e.value.format()
    assert key in msg and "no longer a parameter" in msg and instead in msg
    # a removed key must not be a parameter again (then its note would never show)
    assert not set(REMOVED_KEYS) & {k for k, _ in iter_fields()}


@pytest.mark.parametrize("key,value,allowed", [
    ("vitality.fall_probability", -1.0, ">= 0"),
    ("building.initial_occupancy", 1.5, "<= 1"),
    ("building.dwellings", "many", "integer"),
    ("costs.vpt_cost_ratio", 3.0, "<= 1.5"),
])
def test_bad_value_names_key_value_and_range(key, value, allowed):
    with pytest.raises(ParameterError) as e:
        Parameters().with_overrides({key: value})
    msg = e.value.format()
    assert key in msg and repr(value) in msg and allowed in msg


def test_cross_field_rules():
    with pytest.raises(ParameterError, match="travel_share_min"):
        Parameters().with_overrides({"staffing.travel_share_min": 0.5})
    with pytest.raises(ParameterError, match="floors"):
        Parameters().with_overrides({"building.dwellings": 20, "building.floors": 30})


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_probabilities_are_never_clamped(x):
    """Out-of-range values are rejected, in-range values kept exactly."""
    if 0.0 <= x <= 1.0:
        assert Parameters().with_overrides({"inflow.vital_share": x}).inflow.vital_share == x
    else:
        with pytest.raises(ParameterError):
            Parameters().with_overrides({"inflow.vital_share": x})


def test_committed_parameter_reference_is_current():
    from thuisplus.sim.params import parameters_markdown

    committed = (SIM.parent / "docs" / "parameters.md").read_text()
    assert committed == parameters_markdown(), (
        "docs/parameters.md is stale: run `thuisplus params --markdown docs/parameters.md`")


def test_build_parameters_applies_file_then_preset_then_overrides(tmp_path):
    import datetime as dt

    from thuisplus.sim.params import ParameterError, Parameters, save_parameters
    from thuisplus.sim.presets import build_parameters, parse_override

    f = tmp_path / "p.toml"
    save_parameters(Parameters().with_overrides({"building.dwellings": 120}), f)
    p = build_parameters(f, "lump-sum", ["thuisplus.contract.funding=per_client",
                                         "simulation.start_date=2020-01-06"])
    assert p.building.dwellings == 120                    # from the file
    assert p.thuisplus.enabled                            # from the preset
    assert p.thuisplus.contract.funding == "per_client"   # the override wins over the preset
    assert p.simulation.start_date == dt.date(2020, 1, 6)
    assert parse_override("a.b = 2.5") == ("a.b", 2.5)
    assert parse_override("a.b=true") == ("a.b", True)
    assert parse_override("a.b=lump_sum") == ("a.b", "lump_sum")
    with pytest.raises(ParameterError, match="expected KEY=VALUE"):
        parse_override("a.b")
