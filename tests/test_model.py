import mesa
import numpy as np
import pandas as pd
import pytest

from tests.conftest import small_params
from thuisplus.sim import InformalCarer, Parameters, Resident, StaffMember, ThuisplusModel

REQUIRED_COLUMNS = [
    "date", "residents", "wmo_clients", "wmo_clients_preferred", "cost_wmo", "cost_zvw",
    "cost_wlz", "severely_lonely_share", "mean_vitality", "deaths", "admissions",
    "carers_overburdened", "staff_turnover", "unmet_care_hours",
    "use_household_help", "use_begeleiding", "use_district_nursing", "use_gp", "use_physio",
    "use_ed", "use_hospital", "use_vpt", "use_mpt", "use_nursing_home",
]


def test_python_api_and_columns():
    m = ThuisplusModel(Parameters(), seed=1)
    m.run(weeks=104)
    df = m.weekly()
    assert len(df) == 104
    assert set(REQUIRED_COLUMNS) <= set(df.columns)
    assert df["date"].iloc[0] == pd.Timestamp("2021-01-04")
    assert (df["date"].diff().dropna() == pd.Timedelta(weeks=1)).all()
    # run() continues where it stopped
    m.run(weeks=4)
    assert len(m.weekly()) == 108


def test_same_seed_same_output_different_seed_differs():
    a = ThuisplusModel(small_params(), seed=7).run(260).weekly()
    b = ThuisplusModel(small_params(), seed=7).run(260).weekly()
    c = ThuisplusModel(small_params(), seed=8).run(260).weekly()
    pd.testing.assert_frame_equal(a, b)
    assert not a.drop(columns=["date", "week", "year"]).equals(
        c.drop(columns=["date", "week", "year"]))


def test_every_seed_form_gives_the_run_of_its_integer():
    ref = ThuisplusModel(small_params(), seed=42).run(52).weekly()
    for form in (np.int64(42), np.random.SeedSequence(42), np.random.default_rng(42)):
        for kw in ("seed", "rng"):  # rng= is Mesa's name for the same
            m = ThuisplusModel(small_params(), **{kw: form})
            assert m.seed == 42
            pd.testing.assert_frame_equal(m.run(52).weekly(), ref)
    spawned = ThuisplusModel(small_params(), seed=np.random.SeedSequence(42, spawn_key=(1,)))
    again = ThuisplusModel(small_params(), seed=spawned.seed)  # model.seed reproduces a run
    pd.testing.assert_frame_equal(spawned.run(52).weekly(), again.run(52).weekly())
    used = np.random.default_rng(42)
    used.random()  # a generator that has drawn hands out a drawn seed, not 42
    assert ThuisplusModel(small_params(), seed=used).seed != 42
    with pytest.raises(ValueError, match="seed = -3"):
        ThuisplusModel(small_params(), seed=-3)
    with pytest.raises(ValueError, match="give one of them"):
        ThuisplusModel(small_params(), seed=1, rng=1)


def test_agents_are_mesa_agents_viewing_array_rows():
    m = ThuisplusModel(small_params(), seed=3)
    residents = m.agents_by_type[Resident]
    assert isinstance(residents, mesa.agentset.AbstractAgentSet)
    assert len(residents) == m.res.count
    assert len(m.agents_by_type[StaffMember]) == m.staff.count
    assert len(m.agents_by_type[InformalCarer]) == m.carers.count
    r = next(iter(residents))
    assert r.vitality == m.res.vitality[r.row]
    r.vitality = 0.123
    assert m.res.vitality[r.row] == 0.123
    # AgentSet operations work on the views
    ages = residents.get("age")
    assert np.allclose(sorted(ages), sorted(m.res.age[m.res.active]))


def test_leavers_stay_persons_and_rows_are_never_recycled():
    m = ThuisplusModel(small_params(), seed=5)
    first = {a.unique_id for a in m.agents_by_type[Resident]}
    m.run(520)
    now = m.agents_by_type[Resident]
    assert len(now) == m.res.count  # every person followed, wherever they live
    for a in now:  # every agent sits on an active row that points back to it
        assert m.res.active[a.row] and m.res.agents[a.row] is a
        assert a.person == a.row
    gone = first - {a.unique_id for a in now}
    assert gone, "in ten years some residents must have died"
    assert m.res.high <= m.res.size
    df = m.weekly()
    assert df["inflow"].sum() > 0
    # a row is one person for life: everyone who ever appeared has a row of their own
    appeared = m.res.person >= 0
    assert appeared.sum() == len(first) + df["applications"].sum()
    assert len(m.resident_agents()) == df["residents"].iloc[-1]


def test_couples_share_a_dwelling():
    m = ThuisplusModel(small_params(**{"building.couple_share": 0.5}), seed=2)
    m.run(104)
    res = m.res
    rows = np.flatnonzero(res.home)
    partners = res.partner[rows]
    assert (partners >= 0).any()
    for r, p in zip(rows, partners, strict=True):
        if p >= 0:
            assert res.partner[p] == r and res.dwelling[p] == res.dwelling[r] and res.home[p]
    counts = np.bincount(res.dwelling[rows], minlength=m.dwellings)
    assert counts.max() <= 2
    assert np.array_equal(counts, m.occupants)


def test_building_grid_and_panel():
    m = ThuisplusModel(small_params(), seed=1, panel=True)
    m.run(10)
    grid = m.building
    assert grid.dimensions == (15, 4)  # positions x floors: a floor is a row, as Mesa draws
    cell = m.dwelling_cell(17)
    assert cell.coordinate == (2, 1)  # dwelling 17: position 2 on floor 1
    panel = m.panel()
    assert set(panel["week"]) == set(range(10))
    home = panel[panel["where"] == 0]
    assert home.groupby("week").size().tolist() == m.weekly()["residents"].astype(int).tolist()
    with pytest.raises(RuntimeError, match="panel"):
        ThuisplusModel(small_params(), seed=1).panel()


def test_step_docstring_names_the_order_of_events():
    doc = ThuisplusModel.step.__doc__
    order = ["new year", "interventions", "ageing and mortality", "health", "loneliness",
             "care needs", "informal care", "staffing", "moves", "persons' weeks", "accounting"]
    positions = [doc.index(f"**{word}") for word in order]
    assert positions == sorted(positions)


def test_the_compiled_week_runs_the_stages_in_the_declared_order():
    import inspect

    from thuisplus.sim import engine

    src = inspect.getsource(engine.one_week.py_func)
    positions = [src.index(call + "(") for _, _, call in engine.WEEK]
    assert positions == sorted(positions)
    for label, _, _ in engine.WEEK:
        assert f"**{label}**" in ThuisplusModel.step.__doc__


def test_run_calls_a_subclass_step_every_week_and_run_zero_is_silent():
    import warnings

    class Counting(ThuisplusModel):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.seen = []

        def step(self):
            super().step()
            self.seen.append(self.week)

    m = Counting(small_params(), seed=3)
    m.run(5)
    assert m.seen == [1, 2, 3, 4, 5] and m.steps == 5
    ref = ThuisplusModel(small_params(), seed=3).run(5)
    assert np.array_equal(m.weekly().to_numpy(), ref.weekly().to_numpy())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ref.run(0)
    assert ref.week == 5 and ref.steps == 5


def test_every_weekly_column_has_one_declared_source():
    from thuisplus.sim import care, engine
    from thuisplus.sim.model import COLUMNS, WEEKLY_COLUMNS
    from thuisplus.sim.processes.common import EVENTS

    names = [c.name for c in COLUMNS]
    assert len(set(names)) == len(names)
    assert names == list(WEEKLY_COLUMNS)[: len(names)]
    for c in COLUMNS:
        assert c.kind in {"event", "mean", "count", "record"}
        assert (c.summary >= 0) == (c.kind in {"mean", "count"})
    assert {c.name for c in COLUMNS if c.kind == "event"} <= set(EVENTS)
    assert all(t.event in EVENTS for t in care.CARE_TYPES if t.event)
    assert [t.name for t in care.CARE_TYPES if not t.event] == ["nursing_home"]
    # what engine.record computes itself
    recorded = {c.name for c in COLUMNS if c.kind == "record"}
    assert recorded == {"residents", "households", "vacant_dwellings", "nh_residents", "staff",
                        "staff_pnil", "continuity"}
    assert engine.N_STATS > max(c.summary for c in COLUMNS)


def test_a_complex_needing_many_workers_at_the_start_is_set_up_with_more_room():
    from tests.test_invariants import check_invariants

    p = small_params(thuisplus=True, **{"staffing.worker_hours": 1.0,
                                         "staffing.target_utilisation": 0.1})
    m = ThuisplusModel(p, seed=276).run(104)  # was: "StaffMember population outgrew ..."
    check_invariants(m)
    assert m._staff_room > 2 * p.building.dwellings and m.weekly()["staff"].iloc[0] > 120
    again = ThuisplusModel(p, seed=276).run(104)
    assert again.weekly().equals(m.weekly())  # the retry is deterministic


def test_a_complex_needing_absurdly_many_workers_is_a_parameter_error(monkeypatch):
    import thuisplus.sim.model as sim_model
    from thuisplus.sim import ParameterError

    monkeypatch.setattr(sim_model, "MAX_STAFF_ROOM", 200)
    p = small_params(thuisplus=True, **{"staffing.worker_hours": 1.0,
                                        "staffing.target_utilisation": 0.1})
    with pytest.raises(ParameterError, match="needs more than 120 care workers"):
        ThuisplusModel(p, seed=276)
