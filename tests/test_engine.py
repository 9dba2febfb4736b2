"""The compiled engine: arms in lockstep equal arms run alone; chunks and steps equal runs."""

import numpy as np
import pytest

from tests.golden.record import differences, outputs
from thuisplus.sim import Parameters, ThuisplusModel
from thuisplus.sim.model import run_arms
from thuisplus.sim.presets import load_preset
from thuisplus.sim.processes import _pcg


def _alone(params, seed, weeks):
    return outputs(ThuisplusModel(params, seed=seed).run(weeks))


@pytest.mark.parametrize(("preset", "seed", "weeks"), [
    ("contract-2021", 1, 520), ("broad-transfer", 2, 300), ("vital-mix", 3, 260)])
def test_arms_in_lockstep_equal_arms_run_alone(preset, seed, weeks):
    p = load_preset(preset)
    a, b = run_arms(ThuisplusModel(p.baseline(), seed=seed), ThuisplusModel(p, seed=seed), weeks)
    assert not differences(outputs(a), _alone(p.baseline(), seed, weeks))
    assert not differences(outputs(b), _alone(p, seed, weeks))


def test_lockstep_with_a_growing_staff_pool_and_more_weeks_after():
    p = Parameters().with_overrides({"building.dwellings": 60, "building.floors": 4,
                                     "staffing.target_utilisation": 0.05})
    _, b = run_arms(ThuisplusModel(p.baseline(), seed=8), ThuisplusModel(p, seed=8), 200)
    assert b.staff.size > 120
    b.run(30)  # b's streams stand where they would have stood: going on alone is the same
    want = ThuisplusModel(p, seed=8).run(230)
    assert not differences(outputs(b), outputs(want))


def test_models_that_cannot_share_draws_run_one_after_the_other():
    p = Parameters()
    _, b = run_arms(ThuisplusModel(p, seed=1), ThuisplusModel(p, seed=2), 52)
    assert not differences(outputs(b), _alone(p, 2, 52))


def test_steps_and_chunks_equal_one_run():
    p = load_preset("contract-2021")
    whole = ThuisplusModel(p, seed=4).run(120)
    parts = ThuisplusModel(p, seed=4)
    parts.run(50)
    for _ in range(20):
        parts.step()
    parts.run(50)
    assert not differences(outputs(parts), outputs(whole))
    assert parts.steps == whole.steps == 120


def test_mesa_agents_follow_the_arrays_and_keep_their_ids():
    m = ThuisplusModel(Parameters(), seed=5).run(104)
    from thuisplus.sim import InformalCarer, Resident, StaffMember

    for cls, pop in ((Resident, m.res), (InformalCarer, m.carers), (StaffMember, m.staff)):
        agents = m.agents_by_type[cls]
        assert len(agents) == pop.count
        rows = sorted(a.row for a in agents)
        assert rows == pop.rows().tolist()
        assert all(a.unique_id == pop.uid[a.row] for a in agents)
    ids = [a.unique_id for a in m.agents]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    # an agent made by a user between runs gets an id no engine agent has or will get
    import mesa

    extra = mesa.Agent(m)
    m.run(52)
    assert extra.unique_id not in {a.unique_id for a in m.agents if a is not extra}


def test_a_cold_state_rebuild_changes_nothing():
    """Arrays reallocated between weeks (room for staff, nursing home, newcomers) are
    rebuilt into the compiled view; a run forced to rebuild every week is the same."""
    p = Parameters().with_overrides({"inflow.vacancy_weeks": 1.0,
                                     "demography.move_out_rate": 0.3})
    whole = ThuisplusModel(p, seed=6).run(156)
    weekly = ThuisplusModel(p, seed=6)
    for _ in range(156):
        weekly._build_state()
        weekly.run(1)
    assert not differences(outputs(weekly), outputs(whole))
    assert np.array_equal(weekly.lettings, whole.lettings)


def test_the_arms_numba_type_survives_growth():
    """The compiled function is looked up by the type the model had first (no re-typing)."""
    import numba

    p = Parameters().with_overrides({"building.dwellings": 60, "building.floors": 4,
                                     "staffing.target_utilisation": 0.05})
    m = ThuisplusModel(p, seed=8)
    m.run(5)
    first = m._numba_types()
    m.run(200)  # the staff pool grows
    assert m.staff.size > 120
    assert numba.typeof(m._arm()) == first[0]
    assert numba.typeof(m._generators) == first[1]


def test_mesa_clock_moved_at_once_equals_it_replayed(monkeypatch):
    """Moving Mesa's clock past a run's weeks at once leaves it as replaying every step."""
    import thuisplus.sim.model as model_mod

    p = Parameters()
    fast = ThuisplusModel(p, seed=3).run(30)
    monkeypatch.setattr(model_mod, "_skip_steps", lambda model, weeks: False)
    slow = ThuisplusModel(p, seed=3).run(30)
    for m in (fast, slow):
        m.step()
        m.run(4)

    def clock(m):
        g = m._default_schedule
        return (m.steps, m.time, g.execution_count, g.next_scheduled_time,
                len(m._event_list._events))

    assert clock(fast) == clock(slow) == (35, 35.0, 35, 36.0, 1)


def test_a_user_event_during_a_run_is_still_executed():
    seen = []
    m = ThuisplusModel(Parameters(), seed=3)
    def note() -> None:
        seen.append(m.time)

    m.schedule_event(note, at=10.5)  # Mesa keeps a weak reference: keep ``note`` alive
    m.run(20)
    assert seen == [10.5] and m.steps == 20 and m.time == 20.0


@pytest.mark.parametrize("preset", ["contract-2021", "broad-transfer", "baseline"])
@pytest.mark.parametrize("draws", ["streams", "keyed"])
def test_types_found_by_fingerprint_are_numbas(preset, draws):
    """Models made alike share one typing (thuisplus.sim.model._fingerprint); it must be numba's."""
    import numba

    m = ThuisplusModel(load_preset(preset), seed=3, draws=draws)
    m.run(3)
    states = _pcg.state_views(m._generators)
    values = (m._arm(), m._generators, states, m._generators[-1], m._tape_off())
    assert m._numba_types() == tuple(numba.typeof(v) for v in values)


def test_a_fingerprint_tells_apart_what_numba_types_apart():
    from thuisplus.sim.model import _fingerprint

    a = np.zeros(4)
    assert _fingerprint(a) != _fingerprint(a.astype(np.float32))
    assert _fingerprint(a) != _fingerprint(np.zeros((2, 2)))
    assert _fingerprint(np.zeros((3, 3))) != _fingerprint(np.zeros((3, 3))[:, :2])
    ro = a.copy()
    ro.flags.writeable = False
    assert _fingerprint(a) != _fingerprint(ro)
    assert _fingerprint((1, 2.0)) != _fingerprint((1.0, 2.0)) != _fingerprint((True, 2.0))
    assert _fingerprint(2**63) != _fingerprint(2**62)


def test_an_installed_package_caches_compiled_code_in_the_users_cache(tmp_path, monkeypatch):
    from thuisplus.sim.processes import _jit

    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    installed = tmp_path / "site-packages" / "sim"  # no pyproject.toml beside it
    (installed / "processes").mkdir(parents=True)
    monkeypatch.setattr(_jit, "_SIM", installed)
    folder = _jit._cache_dir()
    assert folder.parent == tmp_path / "cache" / "thuisplus"
    assert folder.name == _jit.CACHE_DIR.name  # the same hash of the same sources
    checkout = tmp_path / "checkout" / "sim"  # a source tree: the parts and the project file
    (checkout / "processes").mkdir(parents=True)
    for part in ("sim", "experiments", "calibration"):
        (checkout.parent / part).mkdir(exist_ok=True)
        (checkout.parent / part / "__init__.py").touch()
    (checkout.parent / "pyproject.toml").write_text('[project]\nname = "thuisplus"\n')
    monkeypatch.setattr(_jit, "_SIM", checkout)
    assert _jit._cache_dir().parent == checkout / "processes" / "__pycache__"


def test_a_new_cache_prunes_old_unused_caches_but_the_three_most_recently_used(tmp_path):
    """The compiled code's caches (~8 MB a version of the sources) do not pile up."""
    import os
    import time

    from thuisplus.sim.processes._jit import KEEP_OLD_CACHES, KEEP_UNUSED_SECONDS, prune_caches

    now = time.time()
    day = KEEP_UNUSED_SECONDS
    old = [tmp_path / f"thuisplus-{k:016x}" for k in range(7)]
    # old[0-2] the three most recently used; old[3] used an hour ago (within the
    # grace), the others more than a day ago
    used = [now - 60, now - 120, now - 180, now - 3600, now - 2 * day, now - 3 * day,
            now - day - 5]
    for d, t in zip(old, used, strict=True):
        (d / "sub").mkdir(parents=True)
        (d / "sub" / "f.nbi").write_bytes(b"x")
        os.utime(d, (t, t))
    foreign = [tmp_path / "thuisplus-notahash", tmp_path / "other"]
    for d in foreign:
        d.mkdir()
        os.utime(d, (1, 1))
    current = tmp_path / f"thuisplus-{99:016x}"
    gone = prune_caches(current)
    # kept: the three most recently used and one used within the grace; gone: the rest
    # of the package's own
    assert KEEP_OLD_CACHES == 3
    assert sorted(gone) == old[4:]
    assert all(d.is_dir() for d in [*old[:4], *foreign])
    assert not any(d.exists() for d in gone)
    current.mkdir()  # in use: marked, nothing deleted
    os.utime(current, (5, 5))
    assert prune_caches(current) == [] and current.stat().st_mtime > now - 60
    assert prune_caches(tmp_path / "missing" / f"thuisplus-{1:016x}") == []
    # with no grace only the three most recently used others stay
    assert prune_caches(tmp_path / f"thuisplus-{98:016x}", grace=0) == [old[2], old[3]]
