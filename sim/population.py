"""Array-backed populations and the Mesa agents that are views on their rows.

A :class:`Population` owns one numpy array per attribute, sized to a fixed capacity, an
``active`` mask and the Mesa agent of each row. Processes update whole arrays; a Mesa
agent only knows its row and reads and writes its attributes through properties, so
AgentSets, agent reporters and the dashboard keep working (see DESIGN.md).

Rows are recycled: a leaving agent is removed from Mesa and its row is freed; a newcomer
takes the lowest free row. Taking the lowest row keeps active rows packed at the front,
so processes can work on the slice ``[:high]`` (``Population.high``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import mesa
import numpy as np

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["ArrayAgent", "InformalCarer", "Population", "Resident", "StaffMember"]


class Population:
    """Fixed-capacity struct of arrays with row recycling and one Mesa agent per row."""

    def __init__(self, model: mesa.Model, agent_class: type[ArrayAgent], capacity: int,
                 *, growable: bool = False):
        self.model = model
        self.growable = growable
        self.agent_class = agent_class
        self.size = int(capacity)
        self.fields: Mapping[str, Any] = agent_class.fields
        # Fields of one dtype share a 2-D block (one C-contiguous row per field), so that
        # resetting a new agent's row is one assignment per dtype, not one per field.
        self._groups: dict[Any, list[str]] = {}
        for name, (dtype, _fill) in self.fields.items():
            self._groups.setdefault(np.dtype(dtype), []).append(name)
        self._defaults = {
            dt: np.array([self.fields[n][1] for n in names], dtype=dt)[:, None]
            for dt, names in self._groups.items()
        }
        self._allocate(self.size)
        self.active = np.zeros(self.size, dtype=bool)
        self.agents: list[ArrayAgent | None] = [None] * self.size
        self.high = 0  # one past the highest row ever active; active rows lie in [:high]

    @property
    def count(self) -> int:
        """Number of active rows."""
        return int(self.active.sum())

    def add(self, n: int) -> np.ndarray:
        """Take the ``n`` lowest free rows, reset them to defaults and create their agents."""
        rows = np.flatnonzero(~self.active)[:n]
        if len(rows) < n:
            if not self.growable:
                raise RuntimeError(
                    f"{self.agent_class.__name__} population full (capacity {self.size})"
                )
            self._grow(max(n, self.size))
            rows = np.flatnonzero(~self.active)[:n]
        index = int(rows[0]) if n == 1 else rows  # scalar indexing is much cheaper
        for dt, block in self._blocks.items():
            block[:, index] = self._defaults[dt][:, 0] if n == 1 else self._defaults[dt]
        self.active[index] = True
        if n:
            self.high = max(self.high, int(rows[-1]) + 1)
        for r in rows.tolist():
            self.agents[r] = self.agent_class(self.model, self, r)
        return rows

    def _allocate(self, size: int) -> None:
        """(Re)build the blocks at ``size`` rows, keeping existing values; bind field views."""
        old = getattr(self, "_blocks", None)
        self._blocks = {}
        for dt, names in self._groups.items():
            block = np.repeat(self._defaults[dt], size, axis=1)
            if old is not None:
                block[:, : old[dt].shape[1]] = old[dt]
            self._blocks[dt] = block
            for k, name in enumerate(names):
                setattr(self, name, block[k])

    def _grow(self, extra: int) -> None:
        """Add ``extra`` free rows at the end (arrays are reallocated)."""
        self._allocate(self.size + extra)
        self.active = np.concatenate([self.active, np.zeros(extra, dtype=bool)])
        self.agents.extend([None] * extra)
        self.size += extra

    def remove(self, rows: np.ndarray) -> None:
        """Deregister the agents of ``rows`` from Mesa and free the rows."""
        for r in np.asarray(rows).tolist():
            agent = self.agents[r]
            if agent is not None:
                agent.remove()
                self.agents[r] = None
        self.active[rows] = False

    def rows(self) -> np.ndarray:
        """Indices of the active rows."""
        return np.flatnonzero(self.active)


class ArrayAgent(mesa.Agent):
    """A Mesa agent whose state lives in a row of its population's arrays.

    Subclasses declare ``fields = {name: (dtype, default)}``; each becomes a property
    reading and writing ``population.<name>[row]``.
    """

    fields: ClassVar[dict[str, tuple[Any, Any]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name in cls.fields:
            setattr(cls, name, _row_property(name))

    def __init__(self, model: mesa.Model, population: Population, row: int):
        super().__init__(model)
        self.population = population
        self.row = row

    def __repr__(self) -> str:
        return f"{type(self).__name__}(id={self.unique_id}, row={self.row})"


def _row_property(name: str) -> property:
    def get(self: ArrayAgent) -> Any:
        return getattr(self.population, name)[self.row].item()

    def set_(self: ArrayAgent, value: Any) -> None:
        getattr(self.population, name)[self.row] = value

    return property(get, set_, doc=f"View on ``population.{name}[row]``.")


class Resident(ArrayAgent):
    """A resident of the complex (one row of the resident population)."""

    fields: ClassVar = {
        "age": (np.float64, 0.0),             # years
        "female": (np.bool_, False),
        "seat": (np.int32, -1),               # 2 * dwelling + place; indexes the random draws
        "dwelling": (np.int32, -1),
        "floor": (np.int16, -1),
        "partner": (np.int32, -1),            # row of the partner in the same dwelling
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
        "wlz": (np.int8, 0),                  # 0 none, 1 eligible (assessment), 2 care at home
        "provider": (np.int16, -1),           # Wmo provider (0 = preferred), -1 none
        "worker": (np.int32, -1),             # row of the regular household-help worker
        "attachment": (np.float64, 0.0),      # to the regular worker 0..1
        "unmet_share": (np.float64, 0.0),     # share of last week's formal care not delivered
        "transfer_refused": (np.bool_, False),  # refused to switch; reset when worker leaves
        "dn_provider": (np.int16, -1),        # district-nursing provider
        "nurse": (np.int32, -1),              # row of the regular district nurse
        "carer": (np.int32, -1),              # row of the informal carer
        "entered_week": (np.int32, 0),
    }


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
