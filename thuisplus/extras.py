"""The optional parts of thuisplus (pyproject's extras) and a check that one is installed.

The core runs one simulation, pairs, the business case, experiments on local processes and
the probabilistic analysis. What only some users need is an extra; code that needs one
calls :func:`require` before importing it, so a missing extra ends in one sentence naming
what to install, not in a ``ModuleNotFoundError`` deep inside a run::

    from thuisplus.extras import require

    require("dask", what="--executor dask")   # raises MissingExtra if not installed
    from distributed import Client

Whether a module is there is asked of :func:`importlib.util.find_spec`, which does not
import it: the check is cheap, and it works before the command line has imported anything.
This module imports nothing of thuisplus.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable

__all__ = ["CALIBRATION_MODULES", "EXTRAS", "PURPOSE", "MissingExtra", "install_hint", "missing",
           "require", "require_calibration"]

#: Each extra (``pip install 'thuisplus[NAME]'``) and the top-level modules it provides,
#: as they are imported (pyproject.toml's [project.optional-dependencies]).
EXTRAS: dict[str, tuple[str, ...]] = {
    "dashboard": ("solara", "ipyvue", "ipyvuetify", "altair", "platformdirs"),
    "dask": ("dask", "distributed"),
    "calibrate": ("pyabc", "optuna"),
    "ema": ("ema_workbench",),
}

#: What each extra is for, as the subject of the message of :class:`MissingExtra`.
PURPOSE: dict[str, str] = {
    "dashboard": "the dashboard",
    "dask": "--executor dask",
    "calibrate": "calibration",
    "ema": "the EMA workbench example",
}


class MissingExtra(ImportError):
    """An optional dependency is not installed; the message says which extra to install."""

    def __init__(self, extra: str, modules: Iterable[str], what: str | None = None):
        self.extra = extra
        self.modules = tuple(modules)
        self.what = what or PURPOSE.get(extra, f"this part of thuisplus[{extra}]")
        super().__init__(f"{self.what} needs the optional dependencies of thuisplus[{extra}]: "
                         f"{install_hint(extra)} (missing: {', '.join(self.modules)})",
                         name=self.modules[0] if self.modules else None)


def install_hint(extra: str) -> str:
    """The command that installs ``extra``: ``pip install 'thuisplus[EXTRA]'``."""
    return f"pip install 'thuisplus[{extra}]'"


def _installed(module: str) -> bool:
    """Whether ``module`` can be imported, without importing it (its parents may be)."""
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # a dotted name whose parent is missing
        return False
    except ValueError:  # in sys.modules without a spec (e.g. set up by a test)
        return True


def missing(extra: str, modules: Iterable[str] | None = None) -> list[str]:
    """The modules of ``extra`` (or only ``modules`` of it) that are not installed."""
    if extra not in EXTRAS:
        raise ValueError(f"unknown extra {extra!r}; the extras are {', '.join(EXTRAS)}")
    wanted = EXTRAS[extra] if modules is None else tuple(modules)
    return [m for m in wanted if not _installed(m)]


def require(extra: str, *, modules: Iterable[str] | None = None, what: str | None = None
            ) -> None:
    """Raise :class:`MissingExtra` unless every module of ``extra`` is installed.

    ``modules``: check only these (a feature that needs part of an extra, e.g. ABC
    calibration needs pyabc but not optuna); ``what``: the subject of the message, e.g.
    ``"the dashboard"`` (default: :data:`PURPOSE` of the extra).
    """
    absent = missing(extra, modules)
    if absent:
        raise MissingExtra(extra, absent, what)


#: Calibration methods and the module of the [calibrate] extra each needs.
CALIBRATION_MODULES: dict[str, str] = {"abc": "pyabc", "optuna": "optuna"}


def require_calibration(method: str) -> None:
    """Raise :class:`MissingExtra` unless the calibration ``method`` (abc, optuna) can run."""
    module = CALIBRATION_MODULES.get(method)
    if module is not None:
        require("calibrate", modules=[module],
                what=f"calibration with method {method}")
