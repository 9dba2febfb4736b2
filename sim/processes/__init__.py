"""The model's processes, one module each.

Each module declares what it owns:

- ``PARAMS``: its parameter group (a :class:`thuisplus.sim.param_base.Group`, every figure with
  unit, range and source), found in the tree under ``Parameters.<GROUP>``;
- ``STREAM``: the random stream it draws from (:data:`thuisplus.sim.rng.STREAMS`), a fixed amount
  each week (``draw(generator, C)``), so switching an intervention on shifts no draws;
- ``RECORDS``: the weekly events it counts (:data:`thuisplus.sim.processes.common.EVENTS`);
- ``READS``: the effect modifiers of the interventions it reads (:mod:`thuisplus.sim.effects`);
- ``Coefficients`` made by ``coefficients(params)`` and a compiled
  ``week(S, C, draws, ...)`` that updates the state arrays in place.

Tests check the declarations against the source. Processes do not import each other;
what they share (rate conversions, the event slots, leaving the complex, rows of a
population) is in :mod:`thuisplus.sim.processes.common`: the event slots are one list because
processes read each other's counts (care needs adds vitality's acute GP contacts). The
processes and the order of a week are declared in :data:`thuisplus.sim.engine.PROCESSES` and
:data:`thuisplus.sim.engine.WEEK`.
"""
