"""Thuisplus: an agent-based simulator of Rotterdam's Thuisplusflats and their business case.

One namespace, four parts (each folder's home in the source tree in brackets):

- :mod:`thuisplus.sim` (``sim/``): one complex, its persons and processes, a pair of arms,
  the business case;
- :mod:`thuisplus.experiments` (``experiments/``): experiment specs, the batch runner and
  its executors, analysis, reports, the probabilistic analysis;
- :mod:`thuisplus.calibration` (``calibration/``): evaluation data, ABC-SMC and Optuna fits
  (the ``[calibrate]`` extra);
- :mod:`thuisplus.dashboard` (``thuisplus/dashboard/``): the Solara page (the
  ``[dashboard]`` extra);

and :mod:`thuisplus.cli`, the ``thuisplus`` command (also ``python -m thuisplus``).
Importing this package imports none of them.
"""

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _version
from pathlib import Path as _Path

from thuisplus._tree import is_source_tree as _is_source_tree

# In a source tree (a checkout or an unpacked sdist) the parts' folders sit beside this one.
# Searching the tree's root too makes them this package's parts with or without an install,
# and keeps a tree that shadows an installed copy (its folder on sys.path, e.g. the current
# directory) consistent: its own code, never half of each.
_TREE = _Path(__file__).resolve().parent.parent
if _is_source_tree(_TREE):
    __path__.append(str(_TREE))

try:
    __version__ = _version("thuisplus")
except PackageNotFoundError:  # pragma: no cover - a source tree that was never installed
    __version__ = "0+unknown"

__all__ = ["__version__"]
