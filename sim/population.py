"""Array-backed populations and the Mesa agents that are views on their rows.

A :class:`Population` owns one numpy array per attribute, sized to a fixed capacity, an
``active`` mask and the Mesa agent of each row. Processes update whole arrays; a Mesa
agent only knows its row and reads and writes its attributes through properties, so
AgentSets, agent reporters and the dashboard keep working (see DESIGN.md).

A resident's row is the same person for life, in both arms of a pair. Carers' and staff
rows are recycled: a leaving agent is removed from Mesa and its row is freed; a newcomer
takes the lowest free row. Taking the lowest row keeps active rows packed at the front,
so processes can work on the slice ``[:high]`` (``Population.high``). How the agents
behave as Mesa agents (stale handles, links, ``remove``): :class:`ArrayAgent`.
"""

from __future__ import annotations

from collections import namedtuple
from typing import TYPE_CHECKING, Any, ClassVar

import mesa
import numpy as np

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["ArrayAgent", "InformalCarer", "Population", "Resident", "StaffMember",
           "StaleAgentError", "sync_agents"]


# Slots of a population's ``meta`` array, shared with the compiled week.
HIGH, SIZE = 0, 1


class Population:
    """Fixed-capacity struct of arrays with row recycling and one Mesa agent per row.

    The compiled week adds and frees rows itself (``thuisplus.sim.engine``); each new row gets the
    next Mesa ``unique_id`` in ``uid`` at once, and its Mesa agent is created when the
    model hands control back (:meth:`sync_agents`), under that id. ``meta`` holds
    ``high`` (one past the highest row ever active) and the *logical* size: a growable
    population doubles its logical size when full, as the draws that depend on it
    require, inside a physical allocation that Python enlarges between weeks.
    """

    def __init__(self, model: mesa.Model, agent_class: type[ArrayAgent], capacity: int,
                 *, growable: bool = False):
        self.model = model
        self.growable = growable
        self.agent_class = agent_class
        self.fields: Mapping[str, Any] = agent_class.fields
        # Fields of one dtype share a 2-D block (one C-contiguous row per field), so that
        # resetting a new agent's row is one assignment per dtype, not one per field.
        self._groups: dict[Any, list[str]] = {}
        for name, (dtype, _fill) in self.fields.items():
            self._groups.setdefault(np.dtype(dtype), []).append(name)
        self._defaults = {
            dt: np.array([self.fields[n][1] for n in names], dtype=dt)
            for dt, names in self._groups.items()
        }
        self.meta = np.array([0, int(capacity)], dtype=np.int64)
        physical = 4 * int(capacity) if growable else int(capacity)
        self._blocks: dict[Any, np.ndarray] = {}
        self.active = np.zeros(0, dtype=bool)
        self.uid = np.zeros(0, dtype=np.int64)
        self.agent_uid = np.zeros(0, dtype=np.int64)
        self._agents: list[ArrayAgent | None] = []
        self._allocate(physical)

    @property
    def high(self) -> int:
        """One past the highest row ever active; active rows lie in ``[:high]``."""
        return int(self.meta[HIGH])

    @property
    def size(self) -> int:
        """Logical capacity (rows the population may use before it grows)."""
        return int(self.meta[SIZE])

    @property
    def allocated(self) -> int:
        """Rows allocated (at least the logical size)."""
        return len(self.active)

    @property
    def count(self) -> int:
        """Number of active rows."""
        return int(self.active.sum())

    def blocks(self) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
        """(block, defaults) per dtype, for the compiled row reset."""
        return tuple((self._blocks[dt], self._defaults[dt]) for dt in self._groups)

    def _allocate(self, physical: int) -> None:
        """(Re)build the arrays at ``physical`` rows, keeping existing values."""
        old_n = len(self.active)
        for dt, names in self._groups.items():
            block = np.repeat(self._defaults[dt][:, None], physical, axis=1)
            if old_n:
                block[:, :old_n] = self._blocks[dt]
            self._blocks[dt] = block
            for k, name in enumerate(names):
                setattr(self, name, block[k])
        self.active = np.concatenate([self.active, np.zeros(physical - old_n, dtype=bool)])
        self.uid = np.concatenate([self.uid, np.full(physical - old_n, -1, dtype=np.int64)])
        self.agent_uid = np.concatenate(
            [self.agent_uid, np.full(physical - old_n, -1, dtype=np.int64)])
        self._agents.extend([None] * (physical - old_n))

    def reserve(self, rows: int) -> bool:
        """Make sure ``rows`` rows are allocated; True if the arrays were reallocated."""
        if rows <= self.allocated:
            return False
        self._allocate(max(rows, 2 * self.allocated))
        return True

    @property
    def agents(self) -> list[ArrayAgent | None]:
        """The Mesa agent of each row (None for a free row), brought up to date first."""
        sync = getattr(self.model, "sync_agents", None)
        if sync is not None:
            sync()
        return self._agents

    def rows(self) -> np.ndarray:
        """Indices of the active rows."""
        return np.flatnonzero(self.active)

    def stale(self) -> np.ndarray:
        """Rows whose Mesa agent is missing or belongs to an earlier occupant of the row."""
        h = self.high
        want = np.where(self.active[:h], self.uid[:h], -1)
        return np.flatnonzero(want != self.agent_uid[:h])

    def remove_stale(self, rows: np.ndarray) -> None:
        """Deregister the Mesa agents of ``rows`` whose occupant has left."""
        for r in rows.tolist():
            agent = self._agents[r]
            if agent is not None:
                if getattr(agent, "_mesa_cell", None) is not None:
                    agent._set_cell(None)
                mesa.Agent.remove(agent)  # the agent's own remove() is refused
                self._agents[r] = None
                self.agent_uid[r] = -1

    def create_agent(self, row: int) -> None:
        """Create the Mesa agent of ``row`` (the model's id counter set to its uid first)."""
        self._agents[row] = self.agent_class(self.model, self, row)
        self.agent_uid[row] = self.uid[row]


def sync_agents(model: mesa.Model, populations: tuple[Population, ...], next_uid: int) -> None:
    """Bring Mesa's agents in line with the arrays after the compiled week ran.

    Agents of rows that were freed (or taken by a newcomer) are removed; agents of new
    occupants are created in the order of their ids, each under the id the compiled
    week gave it, so ids and the order of ``model.agents`` are those of creating every
    agent the moment it arrived.
    """
    todo: list[tuple[int, Population, int]] = []
    for pop in populations:
        rows = pop.stale()
        if len(rows):
            pop.remove_stale(rows)
            h = pop.high
            new = rows[pop.active[:h][rows]] if len(rows) else rows
            todo.extend((int(pop.uid[r]), pop, int(r)) for r in new.tolist())
    todo.sort(key=lambda t: t[0])
    counter = max(model.agent_id_counter, next_uid)
    for uid, pop, row in todo:
        model.agent_id_counter = uid
        pop.create_agent(row)
    model.agent_id_counter = counter


class StaleAgentError(RuntimeError):
    """A handle of an agent whose row now belongs to another agent."""


class ArrayAgent(mesa.Agent):
    """A Mesa agent whose state lives in a row of its population's arrays.

    Subclasses declare ``fields = {name: (dtype, default)}``; each becomes a property
    reading and writing ``population.<name>[row]``. ``links = {name: population}`` makes
    a field that holds a row of another population (``"res"``, ``"carers"``,
    ``"staff"``) read as that row's agent, or None; its row number stays readable as
    ``<name>_row``.

    Agents are views on rows, made and removed by the model's processes:

    * an agent that has left (died, stopped caring, left the staff) keeps reading the
      data it had when it left (``active`` turns False) until its row is given to a
      newcomer; then reading it raises :class:`StaleAgentError` (keep unique ids,
      not agents, across steps); writing to an agent that has left is refused;
    * ``remove()``, ``create_agents`` and ``step`` are refused with the reason: who
      arrives and leaves, and what every agent does in a week, are the model's processes
      (docs/mesa.md).
    """

    fields: ClassVar[dict[str, tuple[Any, Any]]] = {}
    links: ClassVar[dict[str, str]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name in cls.fields:
            if name in cls.links:
                setattr(cls, name, _link_property(name, cls.links[name]))
                setattr(cls, f"{name}_row", _row_property(name, writable=False))
            else:
                setattr(cls, name, _row_property(name))

    def __init__(self, model: mesa.Model, population: Population, row: int):
        self.population = population
        self.row = row
        super().__init__(model)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(id={self.unique_id}, row={self.row})"

    @property
    def active(self) -> bool:
        """Whether the agent is still in the simulation (its row is active and its own)."""
        pop = self.population
        return bool(pop.active[self.row]) and int(pop.uid[self.row]) == self.unique_id

    def _check_row(self, writing: bool = False) -> None:
        pop = self.population
        uid = int(pop.uid[self.row])
        if uid != self.unique_id:
            raise StaleAgentError(
                f"{self!r} has left the simulation and its row now holds agent id={uid}; "
                "agents are views on rows: keep unique_ids, not agents, across steps")
        if writing and not pop.active[self.row]:
            raise StaleAgentError(f"{self!r} has left the simulation; its data are kept "
                                  "for reading but cannot be changed")

    def remove(self) -> None:
        """Refused: persons, carers and staff leave by the model's processes."""
        raise RuntimeError(
            f"{self!r}: agents of a ThuisplusModel cannot be removed one by one; they leave "
            "by the model's processes (death, nursing-home admission, moving out, a carer "
            "stopping, staff turnover), and the person would otherwise still be "
            "simulated. Change the parameters instead (building.dwellings, rates)")

    @classmethod
    def create_agents(cls, model: mesa.Model, n: int, *args: Any, **kwargs: Any) -> Any:
        """Refused: the model makes its agents (residents move in, carers start, staff hire)."""
        raise TypeError(
            f"{cls.__name__}.create_agents: agents of a ThuisplusModel are made by the "
            "model (a resident when a household moves in, a carer when one starts caring, "
            "staff when a provider hires); set the population through parameters "
            "(building.dwellings, building.initial_occupancy, inflow.*)")

    def step(self) -> None:
        """Refused: a week of every agent is the model's ``step`` (arrays, compiled)."""
        raise NotImplementedError(
            f"{type(self).__name__} has no step of its own: the model's step() runs each "
            "process for all agents at once (see ThuisplusModel.step's docstring)")


def _row_property(name: str, writable: bool = True) -> property:
    def get(self: ArrayAgent) -> Any:
        self._check_row()
        return getattr(self.population, name)[self.row].item()

    def set_(self: ArrayAgent, value: Any) -> None:
        self._check_row(writing=True)
        getattr(self.population, name)[self.row] = value

    return property(get, set_ if writable else None,
                    doc=f"View on ``population.{name}[row]``.")


def _link_property(name: str, target: str) -> property:
    def get(self: ArrayAgent) -> Any:
        self._check_row()
        row = int(getattr(self.population, name)[self.row])
        if row < 0:
            return None
        return getattr(self.model, target).agents[row]

    def set_(self: ArrayAgent, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__}.{name} is set by the model's "
                             f"processes; its row number is {name}_row")

    return property(get, set_, doc=f"The agent of the row ``population.{name}[row]`` of "
                                   f"``model.{target}``, or None.")


class Resident(ArrayAgent):
    """A person followed by the model: one row of the resident population, for life.

    Row ``r`` is the same person in both arms of a pair: rows ``[0, n_seats)`` are the
    initial residents (row = seat), rows from ``n_seats`` on the applicants' households
    (two rows each). ``where`` says where the person lives (0 the complex, 1 elsewhere:
    waiting or moved out, 2 a nursing home); ``home`` is True while in the complex.
    """

    fields: ClassVar = {
        "person": (np.int64, -1),             # the person's number (= row): keys the draws
        "where": (np.int8, 0),                # 0 complex, 1 elsewhere, 2 nursing home
        "home": (np.bool_, False),            # lives in the complex
        "community": (np.bool_, False),       # alive and not in a nursing home
        "exposed": (np.bool_, False),         # lived in the complex during the programme
        "died_week": (np.int32, -1),          # week of death (-1: alive)
        "admitted_week": (np.int32, -1),      # week of nursing-home admission (-1: none)
        "applied_week": (np.int32, -1),       # week the household applied (-1: initial)
        "vital": (np.bool_, True),            # applicant's category (inflow policy)
        "age": (np.float64, 0.0),             # years
        "female": (np.bool_, False),
        "seat": (np.int32, -1),               # 2 * dwelling + place while in the complex
        "dwelling": (np.int32, -1),
        "floor": (np.int16, -1),
        "partner": (np.int32, -1),            # row of the partner (same dwelling or household)
        "vitality": (np.float64, 1.0),        # 0 (frail) .. 1 (vital)
        "dementia": (np.bool_, False),
        "loneliness": (np.float64, 0.0),      # De Jong Gierveld 0..11 (continuous)
        "loneliness_base": (np.float64, 0.0),  # personal level
        "activity": (np.float64, 0.0),        # moving average of being active (room or floor)
        "room_activity": (np.float64, 0.0),   # moving average of common-room attendance
        "hh_threshold": (np.float64, 0.6),    # personal household-help threshold
        "trait_u": (np.float64, 0.5),         # personal uniform: uptake of begeleiding
        "potential_carer": (np.bool_, False),  # has someone who could become a carer
        "post_acute_weeks": (np.float64, 0.0),  # weeks of district nursing after discharge
        "wmo_hh": (np.bool_, False),          # household-help indication
        "wmo_beg": (np.bool_, False),         # begeleiding indication
        "wlz": (np.int8, 0),                  # 0 none, 1 eligible (assessment), 2 vpt, 3 mpt
        "provider": (np.int16, -1),           # Wmo provider (0 = preferred), -1 none
        "worker": (np.int32, -1),             # row of the regular household-help worker
        "attachment": (np.float64, 0.0),      # to the regular worker 0..1
        "unmet_share": (np.float64, 0.0),     # share of last week's formal care not delivered
        "transfer_refused": (np.bool_, False),  # refused to switch; reset when worker leaves
        "dn_provider": (np.int16, -1),        # district-nursing provider
        "nurse": (np.int32, -1),              # row of the regular district nurse
        "carer": (np.int32, -1),              # row of the informal carer
        "entered_week": (np.int32, -1),      # week the person last moved into the complex
    }
    links: ClassVar = {"partner": "res", "worker": "staff", "nurse": "staff",
                       "carer": "carers"}
    _mesa_cell: Any = None

    @property
    def cell(self) -> Any:
        """The cell of the resident's dwelling in ``model.grid`` (None: not in the complex).

        Up to date whenever read; the dwelling is the model's state, so setting it is
        refused (residents move by the model's processes).
        """
        self.model.building  # noqa: B018  (places the residents, building the grid once)
        return self._mesa_cell

    @cell.setter
    def cell(self, cell: Any) -> None:
        raise AttributeError(f"{self!r}: residents move by the model's processes; the "
                             "cell follows the dwelling (read-only)")

    def _set_cell(self, cell: Any) -> None:
        """Move the agent to ``cell`` (None: out of the grid); the model's placement only."""
        old = self._mesa_cell
        if cell is old:
            return
        if cell is not None:
            cell.add_agent(self)
        if old is not None:
            old.remove_agent(self)
        self._mesa_cell = cell


class InformalCarer(ArrayAgent):
    """An informal carer (usually a child living elsewhere) of one resident."""

    fields: ClassVar = {
        "resident": (np.int32, -1),           # row of the cared-for resident
        "capacity": (np.float64, 0.0),        # hours per week without strain
        "hours": (np.float64, 0.0),           # hours given last week
        "burden": (np.float64, 0.0),
        "employed": (np.bool_, False),
        "sick_weeks_left": (np.float64, 0.0),
    }
    links: ClassVar = {"resident": "res"}


class StaffMember(ArrayAgent):
    """A care worker serving clients in the building."""

    fields: ClassVar = {
        "provider": (np.int16, -1),           # 0 = preferred provider
        "role": (np.int8, 0),                 # 0 household help (Wmo), 1 district nurse (Zvw)
        "pnil": (np.bool_, False),            # not on the payroll (agency, freelance)
        "capacity": (np.float64, 0.0),        # available hours per week
        "demand": (np.float64, 0.0),          # hours asked last week, travel included
        "tenure_weeks": (np.int32, 0),
    }


def rows_type(agent_class: type[ArrayAgent]) -> type:
    """The NamedTuple through which the compiled week sees a population's arrays."""
    return namedtuple(f"{agent_class.__name__}Rows",
                      [*agent_class.fields, "active", "uid", "meta", "blocks"],
                      module=__name__)


ResidentRows = rows_type(Resident)
InformalCarerRows = rows_type(InformalCarer)
StaffMemberRows = rows_type(StaffMember)
ROWS_TYPES = {Resident: ResidentRows, InformalCarer: InformalCarerRows,
              StaffMember: StaffMemberRows}


def rows_view(pop: Population) -> Any:
    """The compiled week's view of ``pop`` (the same arrays, no copies)."""
    cls = ROWS_TYPES[pop.agent_class]
    return cls(*(getattr(pop, f) for f in pop.fields), pop.active, pop.uid, pop.meta,
               pop.blocks())
