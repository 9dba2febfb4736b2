"""Pairs: the same complex with and without the Thuisplusflat, on common random numbers.

The baseline arm is the complex as it would be without a Thuisplusflat (fragmented
providers, no room programme, no carer support, no transfer); the Thuisplusflat arm runs
the interventions and levers of ``params.thuisplus``. Both share every process's random
stream, so their difference is the Thuisplusflat's effect, not noise.
"""

from __future__ import annotations

import functools
import json
import os
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from thuisplus.sim.model import DrawTape, ThuisplusModel, check_draws, run_arms
from thuisplus.sim.params import Parameters
from thuisplus.sim.processes.common import L_WEEKS_COMPLEX, L_WEEKS_ELSEWHERE, L_WEEKS_NURSING_HOME

__all__ = ["TAPE_ENV", "BaselineCache", "Pair", "avoided_per_law", "avoided_table", "baseline_key",
           "baseline_params", "pair_ledger", "person_outcomes", "run_pair", "tape_budget"]


@dataclass
class Pair:
    """One baseline run and one Thuisplusflat run on the same seed."""

    params: Parameters
    seed: int
    baseline: ThuisplusModel
    thuisplus: ThuisplusModel

    @property
    def avoided(self) -> pd.DataFrame:
        """Avoided use and cost per year, law and care type (baseline − Thuisplusflat).

        The sum over persons of :meth:`ledger` (a test checks it), from the weekly tables.
        """
        return avoided_table(self.baseline.weekly(), self.thuisplus.weekly())

    def ledger(self) -> pd.DataFrame:
        """The person ledger of both arms: one row per person and year (see :func:`pair_ledger`)."""
        return pair_ledger(self.baseline, self.thuisplus)

    def outcomes(self) -> dict[str, float]:
        """Every outcome of the pair as a flat, NaN-free dict (:func:`thuisplus.sim.evaluate`)."""
        from thuisplus.sim.outcomes import (
            outcomes_of,  # (thuisplus.sim.outcomes imports this module)
        )

        return outcomes_of(self)


def pair_ledger(baseline: Any, thuisplus: Any) -> pd.DataFrame:
    """Person × year: each ledger field in both arms and avoided (baseline − Thuisplusflat).

    Fields are those of :meth:`thuisplus.sim.model.ThuisplusModel.ledger` (use per care type, weeks
    in the complex, elsewhere and in a nursing home, lonely weeks, informal care and the
    carer's burden, cost per care type and law), each as ``<field>_baseline``,
    ``<field>_thuisplus`` and ``<field>_avoided``; a person-year followed in one arm only
    counts zero in the other. ``exposed``: the person lived in the complex during the
    programme in either arm.
    """
    keys = ["person", "year"]
    b, t = baseline.ledger(), thuisplus.ledger()
    fields = [c for c in b.columns if c not in keys]
    m = b.merge(t, on=keys, how="outer", suffixes=("_baseline", "_thuisplus"), sort=True)
    out = {"person": m["person"].to_numpy(np.int64), "year": m["year"].to_numpy(np.int64)}
    exposed = baseline.persons()["exposed"] | thuisplus.persons()["exposed"]
    out["exposed"] = exposed[out["person"]]
    for f in fields:
        vb = m[f"{f}_baseline"].fillna(0.0).to_numpy()
        vt = m[f"{f}_thuisplus"].fillna(0.0).to_numpy()
        out[f"{f}_baseline"], out[f"{f}_thuisplus"], out[f"{f}_avoided"] = vb, vt, vb - vt
    return pd.DataFrame(out)


def person_outcomes(baseline: dict[str, np.ndarray], thuisplus: dict[str, np.ndarray],
                    weeks: int) -> dict[str, float]:
    """What the Thuisplusflat changed in the persons' lives (both arms' persons summaries).

    Row r is the same person in both arms (:meth:`thuisplus.sim.model.ThuisplusModel.persons`).
    ``exposed_persons``: lived in the complex during the programme in either arm;
    ``persons_in_complex``: ever lived there in either arm (everybody else lives the
    same life in both);
    ``life_years_gained``: summed over persons (a person alive at the end counts to
    ``weeks``); nursing-home admissions of the baseline arm split into **avoided** (never
    admitted in the Thuisplusflat arm), **postponed** and **advanced** (admitted later or
    earlier), besides admissions the Thuisplusflat arm has and the baseline does not
    (``caused``); ``admission_delay_years``: the postponements net of the advances;
    from the person ledger (``totals``, when both arms have it): ``life_years_at_home_gained``
    (in the complex or elsewhere) and ``nursing_home_years_avoided``.
    """
    b, t = baseline, thuisplus
    exposed = b["exposed"] | t["exposed"]
    died_b = np.where(b["died_week"] >= 0, b["died_week"], weeks)
    died_t = np.where(t["died_week"] >= 0, t["died_week"], weeks)
    ab, at = b["admitted_week"], t["admitted_week"]
    both = (ab >= 0) & (at >= 0)
    return {
        "exposed_persons": float(exposed.sum()),
        "persons_in_complex": float((b["lived"] | t["lived"]).sum()),
        "life_years_gained": float((died_t - died_b).sum() / 52.0),
        "admissions_baseline": float((ab >= 0).sum()),
        "admissions_avoided": float(((ab >= 0) & (at < 0)).sum()),
        "admissions_postponed": float((both & (at > ab)).sum()),
        "admissions_advanced": float((both & (at < ab)).sum()),
        "admissions_caused": float(((ab < 0) & (at >= 0)).sum()),
        "admission_delay_years": float((at[both] - ab[both]).sum() / 52.0),
        "persons_alive_at_end": float((b["alive"] | t["alive"]).sum()),
        **_ledger_outcomes(b.get("totals"), t.get("totals")),
    }


def _ledger_outcomes(tb: np.ndarray | None, tt: np.ndarray | None) -> dict[str, float]:
    """Life-years at home gained and nursing-home years avoided, from the persons' totals."""
    if tb is None or tt is None:
        return {"life_years_at_home_gained": float("nan"),
                "nursing_home_years_avoided": float("nan")}
    home = [L_WEEKS_COMPLEX, L_WEEKS_ELSEWHERE]
    return {
        "life_years_at_home_gained": float(tt[:, home].sum() - tb[:, home].sum()) / 52.0,
        "nursing_home_years_avoided": float(tb[:, L_WEEKS_NURSING_HOME].sum()
                                            - tt[:, L_WEEKS_NURSING_HOME].sum()) / 52.0,
    }


def run_pair(params: Parameters | None = None, seed: int = 1, weeks: int | None = None,
             *, baselines: BaselineCache | None = None, draws: str = "streams") -> Pair:
    """Run the baseline and the Thuisplusflat arm of ``params`` on the same seed.

    The arms run in lockstep on one set of draws (:func:`thuisplus.sim.model.run_arms`): the same
    result as running them one after the other, with each week's numbers drawn once.
    With ``baselines``, the baseline arm comes from that cache (run once per baseline
    setting and seed) and only the Thuisplusflat arm runs: the same numbers again.
    ``draws``: the engine (:data:`thuisplus.sim.model.DRAWS`; a cache has its own).
    """
    params = params if params is not None else Parameters()
    if baselines is not None:
        if draws != baselines.draws:
            raise ValueError(f"draws = {draws!r} but the baseline cache holds "
                             f"draws = {baselines.draws!r} arms")
        baseline = baselines.get(params, seed, weeks)
        return Pair(params, seed, baseline, baselines.run_arm(params, seed, weeks))
    baseline, thuisplus = run_arms(ThuisplusModel(params.baseline(), seed=seed, draws=draws),
                                   ThuisplusModel(params, seed=seed, draws=draws), weeks)
    return Pair(params, seed, baseline, thuisplus)


def baseline_key(params: Parameters) -> str:
    """The baseline arm's parameters as canonical JSON: equal keys, equal baselines.

    The baseline arm switches the Thuisplusflat off and reads none of the ``thuisplus``
    parameters (a test checks it), so the group is replaced by its defaults, with the
    contract's dates moved to the simulation start when they lie before it. Design
    points that vary only the Thuisplusflat share one baseline per seed.
    """
    data = params.baseline().model_dump(mode="json")
    tp = json.loads(_default_baseline_thuisplus())
    start = data["simulation"]["start_date"]  # ISO dates compare as strings
    for key in ("start_date", "transfer_start"):
        tp["contract"][key] = max(tp["contract"][key], start)
    data["thuisplus"] = tp
    return json.dumps(data, sort_keys=True)


@functools.lru_cache(maxsize=8)
def baseline_params(key: str) -> Parameters:
    """The parameters of a :func:`baseline_key` (the baseline arm that key stands for)."""
    return Parameters.from_dict(json.loads(key), origin="baseline")


@functools.cache
def _default_baseline_thuisplus() -> str:
    return json.dumps(Parameters().baseline().model_dump(mode="json")["thuisplus"])


#: Seeds (baseline keys) a BaselineCache counts the arms of; a seed that recurs only after
#: more others than this starts counting afresh (so never reaches ``record_after``).
_SEEN = 64
#: A tape not replayed in this many arms asked for may make way for another.
_COLD = 256


#: Environment variable: the megabytes of draw tapes a batch worker may keep (0: none).
TAPE_ENV = "THUISPLUS_TAPE_MB"
#: Without it: a quarter of the memory available per core, at most this many bytes.
TAPE_BYTES_MAX = 2 * 2**30


def tape_budget(environ: Mapping[str, str] | None = None) -> int:
    """Bytes of draw tapes a batch worker may keep.

    ``THUISPLUS_TAPE_MB`` if set, else a quarter of the memory available per core (the
    cores this process may run on), at most 2 GiB. A lifetime tape takes ~785 MB, one of
    520 weeks ~140 MB: by default a lifetime tape fits only where ~3 GB are free per core.

    Raises ``ValueError`` naming the variable, its value and what is allowed when it is
    not a whole number of megabytes ≥ 0.
    """
    environ = os.environ if environ is None else environ
    raw = environ.get(TAPE_ENV)
    if raw is None or raw.strip() == "":
        import psutil

        cores = (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                 else os.cpu_count() or 1)
        per_core = psutil.virtual_memory().available // max(cores, 1)
        return int(min(TAPE_BYTES_MAX, per_core // 4))
    try:
        mb = int(raw.strip())
    except ValueError:
        mb = -1
    if mb < 0:
        raise ValueError(f"{TAPE_ENV}={raw!r}: the megabytes of draw tapes a batch worker "
                         "may keep must be a whole number ≥ 0 (0: no tapes; unset: a "
                         "quarter of the memory available per core, at most 2048 MB)")
    return mb * 2**20


class BaselineCache:
    """Finished baseline arms by baseline setting, seed and weeks (least recently used out).

    For a dashboard or a batch whose design points change only the Thuisplusflat's
    parameters: the baseline of a seed is run once. With ``tapes > 0`` the draws of the
    seeds asked for ``record_after`` times are kept too
    (:class:`thuisplus.sim.model.DrawTape`, ~0.27 MB a week of the default complex:
    ~140 MB for the programme's 520 weeks, ~785 MB for a lifetime run with 45 years'
    follow-up), and the Thuisplusflat arms on those seeds replay them instead of drawing
    (:meth:`run_arm`): the same numbers, faster. At most ``tapes`` tapes and
    ``tape_bytes`` bytes are kept (None: no limit on bytes; 0: no tapes), tapes being
    recorded counted. A tape that does not fit is recorded only in place of tapes not
    replayed in the last 256 arms asked for, and only if it then fits, so seeds that take
    turns cannot make the cache record over and over. Safe to share between threads; the
    models it hands out are shared too, so treat them as read-only.
    """

    def __init__(self, size: int = 32, tapes: int = 0, draws: str = "streams", *,
                 tape_bytes: int | None = None, record_after: int = 2):
        check_draws(draws)
        if record_after < 1:
            raise ValueError(f"record_after must be at least 1, got {record_after}")
        self.size = size
        # keyed draws need no tape; a budget of 0 bytes keeps none
        self.tapes = tapes if draws == "streams" and tape_bytes != 0 else 0
        self.tape_bytes = tape_bytes
        self.record_after = record_after
        self.draws = draws
        self._models: OrderedDict[tuple[str, int, Any], ThuisplusModel] = OrderedDict()
        self._tapes: OrderedDict[tuple[str, int, Any], DrawTape] = OrderedDict()
        self._last_use: dict[tuple[str, int, Any], int] = {}  # a tape's last replay
        self._recording: dict[tuple[str, int, Any], int] = {}  # bytes being recorded
        # seeds asked for lately: how many arms, and a tape's size once known (a
        # bounded memory: a batch asks for thousands)
        self._seen: OrderedDict[tuple[str, int, Any], list[int]] = OrderedDict()
        self._requests = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def run_arm(self, params: Parameters, seed: int, weeks: int | None = None
                ) -> ThuisplusModel:
        """The Thuisplusflat arm of ``params`` on ``seed``, on the seed's tape if kept.

        The ``record_after``-th arm asked for on a seed records the tape (if it fits);
        later ones replay it. A model that cannot replay it (another building, say) draws
        as usual.
        """
        key = (baseline_key(params), seed, weeks)
        with self._lock:
            self._requests += 1
            tape = self._tapes.get(key)
            seen = self._seen.pop(key, None) or [0, -1]  # arms, tape bytes (-1: unknown)
            seen[0] += 1
            self._seen[key] = seen
            while len(self._seen) > _SEEN:
                self._seen.popitem(last=False)
            record = (tape is None and self.tapes > 0 and seen[0] >= self.record_after
                      and key not in self._recording)
        model = ThuisplusModel(params, seed=seed, draws=self.draws)
        if tape is not None:
            try:
                model.replay(tape)  # (checks the tape fits: one draw_shapes, not two)
            except ValueError:
                pass  # it does not (another building, say): draw as usual
            else:
                with self._lock:  # replayed: recently used
                    if key in self._tapes:
                        self._tapes.move_to_end(key)
                        self._last_use[key] = self._requests
                return model.run(weeks)
        if not record:
            return model.run(weeks)
        need = seen[1] if seen[1] >= 0 else DrawTape.nbytes_for(model, weeks)
        seen[1] = need
        with self._lock:
            record = key not in self._recording and self._make_room(need)
            if record:
                self._recording[key] = need
        if not record:
            return model.run(weeks)
        try:
            tape = model.record_tape(weeks)
            with self._lock:
                self._tapes[key] = tape
                self._last_use[key] = self._requests
        finally:
            with self._lock:
                del self._recording[key]
        return model

    def _make_room(self, need: int) -> bool:
        """Whether a tape of ``need`` bytes fits (call under the lock).

        Tapes being recorded count; cold tapes (not replayed in the last ``_COLD`` arms
        asked for) are dropped if that makes it fit, hot ones stay. Drops nothing if it
        cannot fit.
        """
        cold = [k for k in self._tapes if self._requests - self._last_use[k] >= _COLD]
        held = [self._tapes[k].nbytes for k in self._tapes] + list(self._recording.values())

        def fits(dropped: int, freed: int) -> bool:
            count = len(held) - dropped + 1
            return count <= self.tapes and (self.tape_bytes is None
                                            or sum(held) - freed + need <= self.tape_bytes)

        dropped = freed = 0
        while not fits(dropped, freed):
            if dropped == len(cold):
                return False
            freed += self._tapes[cold[dropped]].nbytes
            dropped += 1
        for k in cold[:dropped]:  # the least recently replayed first (the dict's order)
            del self._tapes[k], self._last_use[k]
        return True

    def get(self, params: Parameters, seed: int, weeks: int | None = None) -> ThuisplusModel:
        """The baseline arm of ``params`` on ``seed``, run for ``weeks``."""
        key = (baseline_key(params), seed, weeks)
        with self._lock:
            model = self._models.get(key)
            if model is not None:
                self._models.move_to_end(key)
                self.hits += 1
                return model
            self.misses += 1
        model = ThuisplusModel(baseline_params(key[0]), seed=seed, draws=self.draws).run(weeks)
        with self._lock:
            self._models[key] = model
            while len(self._models) > self.size:
                self._models.popitem(last=False)
        return model


def avoided_table(baseline: pd.DataFrame, thuisplus: pd.DataFrame) -> pd.DataFrame:
    """Tidy table: one row per year × care type with use and cost in both arms and avoided."""
    from thuisplus.sim.business_case import (  # (thuisplus.sim.business_case imports this module)
        _Avoided,
        _weekly,
    )

    return _Avoided(_weekly(baseline), _weekly(thuisplus)).frame()


def avoided_per_law(avoided: pd.DataFrame) -> pd.DataFrame:
    """Avoided € per year (rows) and law (columns), with a total column."""
    from thuisplus.sim.business_case import (
        _avoided_per_law,  # (thuisplus.sim.business_case imports this module)
    )

    return _avoided_per_law(avoided)
