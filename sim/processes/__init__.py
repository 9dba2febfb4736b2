"""The model's processes, one module each.

Each module declares the coefficients its compiled week reads (a ``Coefficients``
NamedTuple made by ``coefficients(params)``) and a compiled ``week(S, C, generator, ...)``
that updates the state arrays in place and counts its events. Processes do not import
each other; what they share (rate conversions, events, leaving the complex, rows of a
population) is in :mod:`sim.processes.common`. The order of a week is declared in
:data:`sim.engine.WEEK`.
"""
