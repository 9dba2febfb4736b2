"""What one run of an experiment computes: a pair, reduced to outcome columns and a yearly table.

The reduction itself is :mod:`thuisplus.sim.outcomes` (re-exported here). :func:`execute` is the
function the executors send to worker processes. It never raises: an exception inside a
run comes back as a failure record with its traceback, so one bad run cannot stop a batch.
"""

from __future__ import annotations

import functools
import importlib
import json
import os
import time
import traceback
from collections.abc import Callable
from typing import Any

from thuisplus.experiments.spec import THUISPLUS_MODEL, RunTask
from thuisplus.sim.outcomes import OUTCOMES, PERSON_OUTCOMES, _outcomes, pair_outcomes
from thuisplus.sim.params import Parameters

__all__ = ["OUTCOMES", "PERSON_OUTCOMES", "execute", "pair_outcomes"]
__all__ += ["_outcomes"]  # the post-processing's reference tests use it


@functools.lru_cache(maxsize=8)
def _params_from(base_json: str) -> Parameters:
    return Parameters.from_dict(json.loads(base_json), origin="experiment base")


@functools.lru_cache(maxsize=16)
def _resolve(model: str) -> Callable[[dict[str, Any], int], dict[str, float]]:
    module, _, name = model.partition(":")
    return getattr(importlib.import_module(module), name)


def execute(task: RunTask) -> dict[str, Any]:
    """Run one task in a worker; return a ``done`` or ``failed`` record (never raises)."""
    from thuisplus.experiments.store import source_hash

    t0 = time.perf_counter()
    record: dict[str, Any] = {"run_id": task.run_id, "pid": os.getpid(),
                              "code": source_hash()}
    try:
        if task.model == THUISPLUS_MODEL:
            base = _params_from(json.dumps(task.base, sort_keys=True))
            params = (base.with_overrides(task.overrides, origin=f"run {task.run_id}")
                      if task.overrides else base)
            outcomes, yearly = pair_outcomes(params, task.seed, task.weeks, task.draws)
            record["yearly"] = yearly.to_dict(orient="list")
        else:
            outcomes = {k: float(v) for k, v in
                        _resolve(task.model)(dict(task.overrides), task.seed).items()}
        record.update(status="done", outcomes=outcomes)
    except Exception as exc:  # a run's failure is data, not a crash of the batch
        record.update(status="failed", error=f"{type(exc).__name__}: {exc}",
                      traceback=traceback.format_exc())
    record["seconds"] = time.perf_counter() - t0
    return record
