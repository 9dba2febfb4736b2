"""The model as Mesa users use it: keyword construction, batch_run, DataCollector, SolaraViz,
honest agents, seeds (issue 15; docs/mesa.md)."""

from __future__ import annotations

import time

import ipyvuetify as v
import mesa
import numpy as np
import pandas as pd
import pytest
import solara
from hypothesis import given, settings
from hypothesis import strategies as st
from mesa.visualization import SolaraViz, make_plot_component, make_space_component
from mesa.visualization.components import AgentPortrayalStyle

from thuisplus.sim import InformalCarer, Resident, StaffMember, StaleAgentError, ThuisplusModel
from thuisplus.sim.model import WEEKLY_COLUMNS
from thuisplus.sim.params import ParameterError
from thuisplus.sim.rng import seed_entropy

#: A small complex with a short programme and follow-up: 104 weeks in all.
SMALL = {"building.dwellings": 40, "building.floors": 4, "simulation.weeks": 52,
         "simulation.follow_up_years": 1}


def test_keyword_construction_with_dotted_parameters_and_a_preset():
    m = ThuisplusModel(seed=3, preset="contract-2021", **{**SMALL, "building.dwellings": 39.6})
    assert m.p.building.dwellings == 40  # an integer parameter from a sampler is rounded
    assert m.p.thuisplus.enabled and m.seed == 3 and m.horizon == 104
    with pytest.raises(ParameterError, match="did you mean 'seed'"):
        ThuisplusModel(sed=3)
    with pytest.raises(ParameterError, match=r"did you mean 'building\.dwellings'"):
        ThuisplusModel(**{"building.dwelings": 40})
    with pytest.raises(ParameterError, match="unknown preset; did you mean 'contract-2021'"):
        ThuisplusModel(preset="contract-2012")


def test_running_turns_false_at_the_horizon_and_stepping_on_keeps_recording():
    m = ThuisplusModel(seed=1, **SMALL)
    m.run_model()  # Mesa's loop: while running, step
    assert (m.week, m.steps, m.running) == (104, 104, False)
    m.step()
    assert (m.week, len(m.weekly()), m.running) == (105, 105, False)
    n = ThuisplusModel(seed=1, **SMALL)
    n.run_for(110)  # Mesa's clock runs past the horizon
    assert n.week == 110 and not n.running
    pd.testing.assert_frame_equal(n.weekly().iloc[:105], m.weekly())


def test_batch_run_over_two_parameters_and_two_seeds_past_the_horizon():
    rows = mesa.batch_run(
        ThuisplusModel, parameters={**SMALL, "thuisplus.enabled": [False, True],
                                    "inflow.vital_share": [0.3, 0.6]},
        rng=[1, 2], max_steps=1000, number_processes=1, data_collection_period=-1,
        display_progress=False)
    df = pd.DataFrame(rows)
    assert len(df) == 8 and (df["Step"] == 104).all()
    assert sorted(df["seed"].unique()) == [1, 2]  # batch_run passes seed= (our name)
    for _, row in df.iterrows():
        m = ThuisplusModel(seed=int(row["seed"]), **{
            **SMALL, "thuisplus.enabled": bool(row["thuisplus.enabled"]),
            "inflow.vital_share": float(row["inflow.vital_share"])}).run()
        last = m.weekly().iloc[-1]
        assert row["residents"] == last["residents"]
        assert row["mean_loneliness"] == last["mean_loneliness"]
    assert df["mean_loneliness"].nunique() > 1  # the parameters reached the runs


def test_the_built_in_datacollector_equals_the_weekly_table():
    m = ThuisplusModel(seed=2, **SMALL)
    assert np.isnan(m.mean_loneliness)  # no week run yet
    for _ in range(3):
        m.step()
    assert m.mean_loneliness == m.weekly()["mean_loneliness"].iloc[-1]
    m.run(50)  # compiled weeks fill the collector too, when it is looked at
    frame = m.datacollector.get_model_vars_dataframe()
    weekly = m.weekly()
    assert list(frame.columns) == list(WEEKLY_COLUMNS)
    assert np.array_equal(frame.to_numpy(), weekly[list(WEEKLY_COLUMNS)].to_numpy())
    assert m.datacollector._collection_steps == [float(k) for k in range(1, 54)]


def test_a_users_own_datacollector_reads_the_weekly_values_as_attributes():
    class Collected(ThuisplusModel):
        def __init__(self, **kw):
            super().__init__(**kw)
            self.datacollector = mesa.DataCollector(model_reporters={
                "lonely": "lonely_share", "residents": "residents",
                "clients": lambda m: m.wmo_clients_preferred})

        def step(self):
            super().step()
            self.datacollector.collect(self)

    m = Collected(seed=4, **SMALL)
    m.run(30)  # a subclass's step runs every week, through Mesa
    mine = m.datacollector.get_model_vars_dataframe()
    weekly = m.weekly()
    assert np.array_equal(mine["lonely"], weekly["lonely_share"])
    assert np.array_equal(mine["residents"], weekly["residents"])
    assert np.array_equal(mine["clients"], weekly["wmo_clients_preferred"])
    plain = ThuisplusModel(seed=4, **SMALL).run(30).weekly()
    pd.testing.assert_frame_equal(weekly, plain)


def test_residents_sit_in_their_dwellings_cells_and_follow_moves():
    m = ThuisplusModel(seed=5, **SMALL).run(60)
    grid = m.grid
    assert grid is m.building and grid.dimensions == (10, 4)  # positions x floors
    placed = [a for cell in grid.all_cells for a in cell.agents]
    assert len(placed) == m.residents == len(m.resident_agents())
    for a in placed:
        pos, floor = a.cell.coordinate
        assert a.dwelling == floor * 10 + pos and a.floor == floor
    m.run(40)  # some die, some move in: the grid follows when looked at
    placed_now = {a.unique_id for cell in m.grid.all_cells for a in cell.agents}
    assert placed_now == {a.unique_id for a in m.resident_agents()}
    with pytest.raises(AttributeError, match="read-only"):
        placed[0].cell = None


def portray(agent: Resident) -> AgentPortrayalStyle:
    return AgentPortrayalStyle(color="tab:red" if agent.loneliness >= 3 else "tab:blue",
                               size=20)


def test_a_solaraviz_page_renders_steps_and_resets_without_subclassing():
    model = ThuisplusModel(seed=1, **SMALL)

    @solara.component
    def Page():
        with solara.AppLayout():
            SolaraViz(model, components=[make_space_component(portray),
                                         make_plot_component("mean_loneliness")],
                      model_params={"seed": 1, **SMALL}, name="Thuisplusflat")

    _, rc = solara.render(Page(), handle_error=False)
    step = rc.find(v.Btn, children=["Step"])
    step.assert_single()
    step.widget.click()
    deadline = time.time() + 60
    while model.week < 1 and time.time() < deadline:
        time.sleep(0.05)
    assert model.week == 1 and len(model.datacollector.get_model_vars_dataframe()) == 1
    rc.find(v.Btn, children=["Reset"]).widget.click()  # ThuisplusModel(**model_params)
    step.widget.click()
    time.sleep(0.5)
    assert model.week == 1  # the reset made a new model, which took the step
    assert not rc.find(v.Alert).widgets  # and no error is shown


def test_a_handle_of_an_agent_who_left_reads_what_it_had_then_refuses():
    m = ThuisplusModel(seed=1, **SMALL).run(10)
    workers = list(m.agents_by_type[StaffMember]) + list(m.agents_by_type[InformalCarer])
    residents = list(m.agents_by_type[Resident])
    m.run(150)
    kept = stale = 0
    for a in workers:
        if a.population.active[a.row] and a.population.uid[a.row] == a.unique_id:
            continue  # still here
        if a.population.uid[a.row] == a.unique_id:  # row not yet taken: its own data
            kept += 1
            assert not a.active
            a.capacity  # noqa: B018
            with pytest.raises(StaleAgentError, match="cannot be changed"):
                a.capacity = 1.0
        else:
            stale += 1
            with pytest.raises(StaleAgentError, match="now holds agent id="):
                a.capacity  # noqa: B018
    assert stale > 0, "some staff rows were taken by newcomers"
    assert kept + stale > 0
    dead = [r for r in residents if r.died_week >= 0]
    assert dead and all(not r.active for r in dead)  # a person's row is never reused
    assert all(r.age > 0 for r in dead)  # ... so a dead person's data can still be read


def test_remove_create_agents_and_step_are_refused_with_the_reason():
    m = ThuisplusModel(seed=1, **SMALL).run(5)
    r = m.resident_agents()[0]
    count = len(m.agents)
    with pytest.raises(RuntimeError, match="cannot be removed one by one"):
        r.remove()
    assert len(m.agents) == count and r.active
    with pytest.raises(TypeError, match="made by the model"):
        Resident.create_agents(m, 2)
    with pytest.raises(NotImplementedError, match="no step of its own"):
        m.agents.do("step")


def test_links_are_agents_or_none():
    m = ThuisplusModel(seed=1, **SMALL).run(20)
    seen = {"carer": 0, "partner": 0, "worker": 0}
    for r in m.resident_agents():
        for link in seen:
            row = getattr(r, f"{link}_row")
            other = getattr(r, link)
            if row < 0:
                assert other is None
            else:
                seen[link] += 1
                assert other.row == row and other.active
        if r.carer is not None:
            assert r.carer.resident is r
        if r.partner is not None:
            assert r.partner.partner is r and r.partner.dwelling == r.dwelling
    assert all(seen.values()), seen
    with pytest.raises(AttributeError, match="carer_row"):
        r.carer = None


def test_reset_rng_draws_the_coming_weeks_from_the_new_seed():
    a = ThuisplusModel(seed=1, **SMALL).run(20)
    b = ThuisplusModel(seed=1, **SMALL).run(20)
    a.reset_rng(9)
    b.reset_rng(np.random.SeedSequence(9))
    assert a.seed == b.seed == 1 and a.rng_resets == b.rng_resets == [(20, 9)]
    a.run(30)
    b.run(30)
    pd.testing.assert_frame_equal(a.weekly(), b.weekly())
    c = ThuisplusModel(seed=1, **SMALL).run(50)
    pd.testing.assert_frame_equal(a.weekly().iloc[:20], c.weekly().iloc[:20])
    assert not a.weekly().iloc[20:].equals(c.weekly().iloc[20:])
    d = ThuisplusModel(seed=1, **SMALL)
    d.reset_rng()  # at week 0, the model's own seed: the same run
    pd.testing.assert_frame_equal(d.run(50).weekly(), c.weekly())
    e = ThuisplusModel(seed=1, **SMALL).run(20)
    e.reset_rng()  # mid-run: new numbers, not those of weeks 0.. again
    assert not e.run(30).weekly().iloc[20:].equals(c.weekly().iloc[20:])


def test_reset_rng_moves_keyed_draws_too_and_keeps_pairs_honest():
    from thuisplus.sim import run_arms

    k = ThuisplusModel(seed=1, draws="keyed", **SMALL).run(20)
    plain = ThuisplusModel(seed=1, draws="keyed", **SMALL).run(50).weekly()
    k.reset_rng(9)
    assert not k.run(30).weekly().iloc[20:].equals(plain.iloc[20:])
    # a reset arm and an untouched arm on the same seed no longer share draws: each runs
    # as it would alone
    x = ThuisplusModel(seed=1, **SMALL).run(20)
    y = ThuisplusModel(seed=1, preset="contract-2021", **SMALL).run(20)
    x.reset_rng()
    assert not x._lockstep_with(y)
    run_arms(x, y, 30)
    alone = ThuisplusModel(seed=1, preset="contract-2021", **SMALL).run(50).weekly()
    pd.testing.assert_frame_equal(y.weekly(), alone)


def test_a_subclass_collecting_in_its_step_gets_one_row_a_week_in_pairs_too():
    from thuisplus.sim import run_arms

    class Collecting(ThuisplusModel):
        def step(self):
            super().step()
            self.datacollector.collect(self)  # the built-in collector: no second row

    a = Collecting(seed=2, **SMALL)
    b = Collecting(seed=2, preset="contract-2021", **SMALL)
    run_arms(a, b, 6)  # a subclass's step runs every week, also in a pair
    for m in (a, b):
        frame = m.datacollector.get_model_vars_dataframe()
        assert len(frame) == 6
        assert np.array_equal(frame.to_numpy(), m.weekly()[list(WEEKLY_COLUMNS)].to_numpy())


def test_weekly_columns_are_attributes_or_named_in_now():
    m = ThuisplusModel(seed=2, **SMALL).run(3)
    shadowed = [c for c in WEEKLY_COLUMNS if c in dir(m)]
    assert shadowed == ["staff"]  # the staff population; docs/mesa.md says so
    row = m.weekly().iloc[-1]
    assert m.now["staff"] == row["staff"]
    for c in WEEKLY_COLUMNS:
        if c not in shadowed:
            assert getattr(m, c) == row[c] or (np.isnan(row[c]) and np.isnan(getattr(m, c)))


def test_remove_all_agents_is_refused_before_and_after_agents_were_looked_at():
    m = ThuisplusModel(seed=1, **SMALL)
    with pytest.raises(RuntimeError, match="cannot be removed"):
        m.remove_all_agents()
    m.run(3)
    len(m.agents)
    with pytest.raises(RuntimeError, match="cannot be removed"):
        m.remove_all_agents()


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=2**63 - 1))
def test_every_seed_form_reduces_to_its_integer(n):
    assert seed_entropy(n) == n
    assert seed_entropy(np.uint64(n)) == n
    assert seed_entropy(np.random.SeedSequence(n)) == n
    assert seed_entropy(np.random.default_rng(n)) == n
