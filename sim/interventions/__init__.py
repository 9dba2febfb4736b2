"""The Thuisplusflat: Obelon's four interventions and the contract levers (EVAL §3-§6).

Each intervention is one class in a module of its own, registered in :data:`REGISTRY`
(:mod:`thuisplus.sim.interventions.base` says what a class declares). The week applies them in the
order of :data:`MODULES`, then of any plugin modules named in the environment variable
``THUISPLUS_INTERVENTIONS`` (comma-separated module names, imported at start-up; their
files are part of the compiled-code cache key). None of them draws random numbers except
:class:`ContractLevers` (the client transfer), which draws a fixed block from the
``interventions`` stream every week, so switching any of them on or off never shifts
another process's draws.

Example:
    >>> from thuisplus.sim import Parameters, ThuisplusModel
    >>> from thuisplus.sim.interventions import Prevention
    >>> p = Parameters()
    >>> m = ThuisplusModel(p, seed=1, interventions=[Prevention(p.thuisplus.prevention)])
    >>> m.run(weeks=4).week
    4

"""

from __future__ import annotations

import importlib
import os
from typing import Any

from thuisplus.sim.interventions.base import (
    EFFECTS,
    REGISTRY,
    Funding,
    Intervention,
    apply_builtin,
    funding_scale,
    funding_terms,
    offer_share,
    offer_shares,
    register,
    reset_effects,
    start_week,
)

#: The built-in interventions' modules, in the order the week applies them.
MODULES = ("contract", "prevention", "informal_support", "loneliness", "employership")
#: Environment variable naming plugin modules that register more interventions.
PLUGINS_ENV = "THUISPLUS_INTERVENTIONS"


def plugin_modules() -> tuple[str, ...]:
    """Module names of the plugins named in :data:`PLUGINS_ENV` (in order, no blanks)."""
    return tuple(m.strip() for m in os.environ.get(PLUGINS_ENV, "").split(",") if m.strip())


for _module in MODULES:
    importlib.import_module(f"thuisplus.sim.interventions.{_module}")
for _module in plugin_modules():
    try:
        importlib.import_module(_module)
    except ImportError as _exc:
        raise ImportError(f"{PLUGINS_ENV}: cannot import intervention module {_module!r} "
                          f"({_exc}); allowed: importable module names, comma-separated"
                          ) from _exc

from thuisplus.sim.interventions.contract import TRANSFER_INDICATIONS, ContractLevers  # noqa: E402
from thuisplus.sim.interventions.employership import GoodEmployership  # noqa: E402
from thuisplus.sim.interventions.informal_support import InformalCareSupport  # noqa: E402
from thuisplus.sim.interventions.loneliness import LonelinessReduction  # noqa: E402
from thuisplus.sim.interventions.prevention import Prevention  # noqa: E402

__all__ = [
    "EFFECTS",
    "MODULES",
    "PLUGINS_ENV",
    "REGISTRY",
    "TRANSFER_INDICATIONS",
    "ContractLevers",
    "Funding",
    "GoodEmployership",
    "InformalCareSupport",
    "Intervention",
    "LonelinessReduction",
    "Prevention",
    "all_off",
    "apply_builtin",
    "build_interventions",
    "funding_scale",
    "funding_terms",
    "is_builtin",
    "offer_share",
    "offer_shares",
    "plugin_modules",
    "register",
    "reset_effects",
    "start_week",
]


def build_interventions(params: Any) -> list[Intervention]:
    """The Thuisplusflat's interventions for ``params``, in registry order.

    None when the Thuisplusflat is not enabled.
    """
    t = params.thuisplus
    if not t.enabled:
        return []
    return [cls.from_params(t) for cls in REGISTRY.values()]


def is_builtin(interventions: list[Any]) -> bool:
    """Whether ``interventions`` are exactly the registered ones, in registry order."""
    return [type(iv) for iv in interventions] == list(REGISTRY.values())


def all_off() -> dict[str, Any]:
    """Dotted overrides of an enabled Thuisplusflat with every intervention and lever off."""
    out: dict[str, Any] = {"thuisplus.enabled": True}
    for cls in REGISTRY.values():
        out.update(cls.off())
    return out
