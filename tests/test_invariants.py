"""Invariants under hypothesis draws of the parameters: whatever the inputs, the books balance."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from thuisplus.sim import Parameters, ThuisplusModel
from thuisplus.sim.params import iter_fields
from thuisplus.sim.processes.common import IN_COMPLEX, IN_NURSING_HOME

# Groups whose numeric parameters are drawn over their whole valid range.
GROUPS = ("demography", "vitality", "loneliness", "care", "informal_care", "staffing",
          "inflow", "costs")


def _bounds(info):
    lo = hi = None
    for meta in info.metadata:
        lo = getattr(meta, "ge", None) if getattr(meta, "ge", None) is not None else lo
        lo = getattr(meta, "gt", None) if getattr(meta, "gt", None) is not None else lo
        hi = getattr(meta, "le", None) if getattr(meta, "le", None) is not None else hi
    return lo, hi


NUMERIC = {key: info for key, info in iter_fields()
           if key.split(".")[0] in GROUPS and info.annotation in (float, int)}


@st.composite
def parameter_sets(draw):
    keys = draw(st.lists(st.sampled_from(sorted(NUMERIC)), min_size=1, max_size=12,
                         unique=True))
    overrides = {"building.dwellings": 40, "building.floors": 4}
    for key in keys:
        info = NUMERIC[key]
        lo, hi = _bounds(info)
        if info.annotation is int:
            overrides[key] = draw(st.integers(int(lo), int(hi)))
        else:
            overrides[key] = draw(st.floats(lo, hi, allow_nan=False))
    try:
        return Parameters().with_overrides(overrides)
    except ValueError:  # a cross-field rule (e.g. travel min > max): draw again
        from hypothesis import reject
        reject()


def check_invariants(m: ThuisplusModel) -> None:
    df = m.weekly()
    use = df.filter(like="use_")
    cost = df.filter(like="cost_")
    assert (use.to_numpy() >= 0).all(), "negative care use"
    assert (cost.to_numpy() >= 0).all(), "negative cost"
    laws = df[["cost_wmo", "cost_zvw", "cost_wlz"]].sum(axis=1)
    types = cost.drop(columns=["cost_wmo", "cost_zvw", "cost_wlz"]).sum(axis=1)
    assert np.allclose(laws, types), "per-law costs must add up to the per-type costs"
    # Population accounting: start + inflow - deaths - admissions - moves = end.
    flows = df["inflow"] - df["deaths"] - df["admissions"] - df["moves_out"]
    start = df["residents"].iloc[0] - flows.iloc[0]
    assert np.array_equal(start + flows.cumsum(), df["residents"])
    res = m.res
    assert df["residents"].iloc[-1] == res.home.sum() == len(m.resident_agents())
    # Persons: followed from their appearance until death, wherever they live; the
    # where flags agree; the persons' counts add up.
    act = res.active
    assert np.array_equal(res.home, act & (res.where == IN_COMPLEX))
    assert np.array_equal(res.community, act & (res.where != IN_NURSING_HOME))
    appeared = res.person >= 0
    assert (res.died_week[appeared & ~act] >= 0).all() and (res.died_week[act] < 0).all()
    last = df.iloc[-1]
    assert last["persons_elsewhere"] + last["residents"] + last["nh_residents"] == act.sum()
    left = df["deaths"] + df["deaths_outside"]
    assert left.sum() == (appeared & ~act).sum()
    assert (res.seat[act & ~res.home] == -1).all() and (res.seat[res.home] >= 0).all()
    # Staff deliver no more than their available hours.
    assert (df["staff_hours"] <= df["staff"] * m.coef.staff.available_hours + 1e-6).all()
    assert (df["unmet_care_hours"] >= -1e-9).all()
    assert (df["pnil_hours"] <= df["staff_hours"] + 1e-9).all()
    for col in ("severely_lonely_share", "lonely_share", "frail_share", "dementia_share",
                "continuity"):
        assert df[col].between(0, 1).all(), col
    assert df["households"].le(m.dwellings).all()
    assert (res.vitality[act] >= 0).all() and (res.vitality[act] <= 1).all()
    assert (res.loneliness[act] >= 0).all() and (res.loneliness[act] <= 11).all()
    # every carer cares for a person followed outside a nursing home; every worker link
    # points to staff, and only residents of the complex have one
    c = m.carers
    assert res.community[c.resident[c.active]].all()
    assert (res.carer[c.resident[c.active]] == np.flatnonzero(c.active)).all()
    w = res.worker[act]
    assert m.staff.active[w[w >= 0]].all()
    assert (res.worker[act & ~res.home] == -1).all() and (res.nurse[act & ~res.home] == -1).all()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parameter_sets(), st.integers(0, 2**32 - 1))
def test_invariants_hold_for_any_valid_parameters(params, seed):
    m = ThuisplusModel(params, seed=seed).run(104)
    check_invariants(m)


def test_invariants_at_defaults(default_runs):
    for m in default_runs[:3]:
        check_invariants(m)


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parameter_sets(), st.integers(0, 2**32 - 1), st.booleans())
def test_invariants_hold_for_any_valid_parameters_long(params, seed, thuisplus):
    """The long variant (``make test-all``): more draws, ten years, both arms."""
    params = params if thuisplus else params.baseline()
    m = ThuisplusModel(params, seed=seed).run(520)
    check_invariants(m)
