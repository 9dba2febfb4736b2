"""What an intervention is, the registry of the Thuisplusflat's interventions, and funding.

An intervention is one class (as Covasim's and Starsim's interventions): its parameter group
(``Params``, a :class:`thuisplus.sim.param_base.Group` that becomes ``thuisplus.<name>`` of the
parameter tree), its compiled coefficients (``Coef``, a NamedTuple made by
:meth:`Intervention.coefficients`), the compiled function that applies them each week
(``kernel(S, coef, funding, week, generator)``, which writes the effect modifiers of
:mod:`thuisplus.sim.effects` that it declares in ``writes``) and, optionally, the dashboard's
slider (``label``, ``help``). :func:`register` adds a class to :data:`REGISTRY`; the compiled
week applies every registered intervention in registration order (:func:`apply_builtin`), and
the parameter tree, the presets' defaults, the dashboard's sliders and the tests' all-off
helper are made from the registry.

**Off unless switched on.** A registered intervention whose ``default_on`` is False (the
default for a new one) must default to intensity 0, so it joins no preset, no main job
and no calibration until a parameter file switches it on; :func:`register` checks it.
At intensity 0 an intervention's kernel must change nothing and draw nothing
(``tests/test_interventions.py`` checks every registered one).

**Funding.** Under per-client funding the plus pays for the collective offer (room
programme, carer support, activities), sized at ``target_clients`` clients; with fewer
Wmo clients at the preferred provider the provider scales that offer down in proportion,
but not below ``min_team_share`` (EVAL §3: with ~40 clients providers "deliver less than
they would like" and run the flat at a loss). Under a lump sum the offer runs in full.
Detection by fixed workers and good employership do not depend on the plus.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

import numpy as np
from numba import literal_unroll
from numba.core.registry import CPUDispatcher
from numba.extending import overload

from thuisplus.sim.effects import PER_PROVIDER, PER_RESIDENT, SCALARS
from thuisplus.sim.param_base import Group
from thuisplus.sim.processes._jit import glue, kernel
from thuisplus.sim.processes.common import CNT_PREFERRED, EVENTS

if TYPE_CHECKING:
    from thuisplus.sim.model import ThuisplusModel

__all__ = [
    "EFFECTS",
    "REGISTRY",
    "Funding",
    "Intervention",
    "apply_builtin",
    "funding_scale",
    "funding_terms",
    "offer_share",
    "offer_shares",
    "register",
    "reset_effects",
    "start_week",
]

HOURS_PER_FTE = 36.0  # Dutch collective labour agreements in care (VVT): 36 h/week

#: Effect modifiers an intervention may write: those of :mod:`thuisplus.sim.effects` (the
#: building-wide scalars by their attribute name there).
EFFECTS = (*SCALARS, *PER_RESIDENT, *PER_PROVIDER)


def start_week(start: dt.date | None, sim_start: dt.date) -> int:
    """First week (0-based) whose date is on or after ``start`` (0 if ``start`` is None)."""
    if start is None:
        return 0
    return max(0, math.ceil((start - sim_start).days / 7))


class Funding(NamedTuple):
    """The contract's funding terms, which scale the collective offer."""

    lump_sum: bool
    target_clients: float
    min_team_share: float


def funding_terms(contract: Any) -> Funding:
    """The :class:`Funding` of a contract (``thuisplus.contract``)."""
    return Funding(contract.funding == "lump_sum", contract.target_clients,
                   contract.min_team_share)


def offer_share(clients: float, contract: Any) -> float:
    """Share of the sized collective offer a provider runs at a client volume.

    Lump sum: all of it. Per client: in proportion to the plus it receives
    (``clients / target_clients``), but never below ``min_team_share``.
    """
    return float(offer_shares(np.array([clients], dtype=float), contract)[0])


def offer_shares(clients: np.ndarray, contract: Any) -> np.ndarray:
    """:func:`offer_share` of each client volume in ``clients``."""
    f = funding_terms(contract)
    x = np.asarray(clients, dtype=float)
    if f.lump_sum:
        return np.ones(len(x))
    return np.maximum(np.minimum(x / f.target_clients, 1.0), f.min_team_share)


@kernel
def _offer_share(clients, f):
    """:func:`offer_share` on :class:`Funding` terms, for the compiled week (same numbers)."""
    if f.lump_sum:
        return 1.0
    return max(min(clients / f.target_clients, 1.0), f.min_team_share)


@glue
def funding_scale(S, f):
    """Share of the collective offer the provider runs this week (module docstring)."""
    return _offer_share(S.cnt[CNT_PREFERRED], f)


class Intervention:
    """Base class: an intensity in [0, 1], a start date and a compiled weekly kernel.

    A subclass declares the class attributes below, makes its coefficients in
    :meth:`coefficients` and is added to the week with :func:`register`.
    """

    #: Key of its parameter group under ``thuisplus`` (``thuisplus.<name>``).
    name: ClassVar[str] = "intervention"
    #: Its parameter group; an ``intensity`` field in [0, 1] switches it on and off.
    Params: ClassVar[type[Group]]
    #: Its compiled coefficients (a NamedTuple class of its own).
    Coef: ClassVar[type]
    #: ``kernel(S, coef, funding, week, generator)``: sets this week's effect modifiers.
    kernel: ClassVar[Any]
    #: The effect modifiers the kernel writes (names of :data:`EFFECTS`).
    writes: ClassVar[tuple[str, ...]] = ()
    #: The weekly events the kernel records (names of thuisplus.sim.processes.common.EVENTS).
    records: ClassVar[tuple[str, ...]] = ()
    #: Whether a default parameter tree runs it (then its intensity defaults to 1).
    default_on: ClassVar[bool] = False
    #: The dashboard's slider of its intensity: a label in plain words and one sentence.
    label: ClassVar[str] = ""
    help: ClassVar[str] = ""

    def __init__(self, params: Any, start: dt.date | None = None):
        self.params = params
        self.intensity = float(params.intensity) if hasattr(params, "intensity") else 1.0
        if not 0.0 <= self.intensity <= 1.0:
            from thuisplus.sim.params import ParameterError

            raise ParameterError([(f"thuisplus.{self.name}.intensity", self.intensity,
                                   "allowed: number >= 0 and <= 1")])
        self.start = start
        self.coef: Any = None

    @classmethod
    def from_params(cls, thuisplus: Any) -> Intervention:
        """The intervention of a parameter tree's ``thuisplus`` group."""
        return cls(getattr(thuisplus, cls.name), thuisplus.contract.start_date)

    @classmethod
    def off(cls) -> dict[str, Any]:
        """Dotted overrides that switch it off (intensity 0)."""
        return {f"thuisplus.{cls.name}.intensity": 0.0}

    def initialize(self, model: ThuisplusModel) -> None:
        """Check the inputs against the model; make the compiled coefficients."""
        if self.start is not None and self.start < model.start_date:
            from thuisplus.sim.params import ParameterError

            raise ParameterError([(f"thuisplus.{self.name}.start", self.start,
                                   f"allowed: on or after the simulation start "
                                   f"{model.start_date}")])
        self.coef = self.coefficients(start_week(self.start, model.start_date), model)

    def coefficients(self, first_week: int, model: ThuisplusModel) -> Any:  # pragma: no cover
        """The compiled coefficients (a ``Coef``)."""
        raise NotImplementedError

    def active(self, model: ThuisplusModel) -> bool:
        """Whether the intervention runs this week."""
        return self.intensity > 0.0 and (self.start is None or model.date >= self.start)

    def apply(self, model: ThuisplusModel) -> None:
        """Set this week's effect modifiers (the compiled kernel, as in the fused week)."""
        type(self).kernel(model.state, self.coef, model.funding, model.week,
                          model.streams["interventions"])


#: The Thuisplusflat's interventions, by name, in the order the week applies them.
REGISTRY: dict[str, type[Intervention]] = {}
_KERNEL_OF_COEF: dict[type, Any] = {}


def register(cls: type[Intervention]) -> type[Intervention]:
    """Add an intervention class to the Thuisplusflat's week (a class decorator).

    Raises:
        TypeError: the class lacks a part, reuses a name or a coefficient type, or is
            on by default without saying so (``default_on``).

    """
    where = f"{cls.__module__}.{cls.__qualname__}"
    for part in ("Params", "Coef", "kernel"):
        if part not in cls.__dict__:
            raise TypeError(f"{where}: an intervention declares its own {part!r}")
    if cls.name in REGISTRY or not cls.name.isidentifier() or cls.name == "enabled":
        raise TypeError(f"{where}: name {cls.name!r} is taken or not an identifier; "
                        f"taken: {', '.join(REGISTRY)}")
    if not (isinstance(cls.Params, type) and issubclass(cls.Params, Group)):
        raise TypeError(f"{where}: Params must be a thuisplus.sim.param_base.Group")
    if not (isinstance(cls.Coef, type) and issubclass(cls.Coef, tuple)
            and hasattr(cls.Coef, "_fields")) or cls.Coef in _KERNEL_OF_COEF:
        raise TypeError(f"{where}: Coef must be a NamedTuple class of its own")
    if not isinstance(cls.kernel, CPUDispatcher):
        raise TypeError(f"{where}: kernel must be compiled (thuisplus.sim.processes._jit.glue)")
    unknown = set(cls.writes) - set(EFFECTS)
    if unknown:
        raise TypeError(f"{where}: writes unknown effect modifiers {sorted(unknown)}; "
                        f"allowed: {', '.join(EFFECTS)}")
    unknown = set(cls.records) - set(EVENTS)
    if unknown:
        raise TypeError(f"{where}: records unknown events {sorted(unknown)}; "
                        f"allowed: {', '.join(EVENTS)}")
    field = cls.Params.model_fields.get("intensity")
    if field is not None and (field.default > 0) != cls.default_on:
        raise TypeError(
            f"{where}: intensity defaults to {field.default} but default_on is "
            f"{cls.default_on}; a new intervention is off unless switched on (default 0), "
            "and one that every preset runs says so with default_on = True")
    REGISTRY[cls.name] = cls
    _KERNEL_OF_COEF[cls.Coef] = cls.kernel
    return cls


def _apply(S, k, f, week, g):  # pragma: no cover - replaced in compiled code
    """Apply one intervention's coefficients ``k`` (compiled: see the overload)."""
    raise NotImplementedError("only callable from compiled code")


@overload(_apply)
def _apply_overload(S, k, f, week, g):
    """Dispatch on the type of ``k`` to the kernel of the intervention it belongs to."""
    kern = _KERNEL_OF_COEF[k.instance_class]

    def impl(S, k, f, week, g):
        kern(S, k, f, week, g)

    return impl


@kernel
def apply_builtin(S, ks, f, week, g):
    """The Thuisplusflat's week: effects back to neutral, then each intervention in turn.

    ``ks`` holds the coefficients of every registered intervention, in registry order.
    """
    reset_effects(S.eff)
    for k in literal_unroll(ks):
        _apply(S, k, f, week, g)


@glue
def reset_effects(e):
    """Every effect modifier back to neutral (multipliers 1, shifts 0, shares unset)."""
    for k in range(len(e.scalar)):
        e.scalar[k] = e.neutral[k]
    e.decline[:] = 1.0
    e.fall[:] = 1.0
    e.hospital[:] = 1.0
    e.lonely_shift[:] = 0.0
    e.travel[:] = 1.0
    e.turnover[:] = 1.0
    e.pnil[:] = 1.0
    e.attachment[:] = 1.0
    e.hours[:] = 1.0
