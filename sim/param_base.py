"""How a parameter is declared: :func:`P` and the :class:`Group` every parameter group uses.

Kept apart from :mod:`sim.params` so that an intervention module can declare its own
parameter group (:mod:`sim.interventions`) and the tree can still be built from the
intervention registry.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

__all__ = ["ASSUMPTION", "INTENSITY_SOURCE", "PROB_WEEK", "PROB_YEAR", "RATE_YEAR", "Group",
           "P"]

ASSUMPTION = "assumption"
INTENSITY_SOURCE = "lever (0 = off, 1 = as designed by Obelon's working elements, EVAL §6)"

# The three kinds of yearly figure, told apart by their unit, each with one conversion in
# sim.processes.common (a test checks that each conversion gets figures of its kind):
#: the probability of at least one event within a year (``yearly_to_weekly``, or
#: ``yearly_hazard`` for the constant hazard behind it);
PROB_YEAR = "probability per year"
#: a rate (hazard) of events per person-year (``rate_to_weekly``);
RATE_YEAR = "rate per year"
#: the probability of the event within a week (used as it is).
PROB_WEEK = "probability per week"


def P(
    default: Any,
    unit: str,
    source: str,
    description: str,
    *,
    ge: float | None = None,
    le: float | None = None,
    gt: float | None = None,
    lt: float | None = None,
) -> Any:
    """Declare a parameter: default, unit, source and description, with its valid range."""
    return Field(
        default,
        ge=ge,
        le=le,
        gt=gt,
        lt=lt,
        description=description,
        json_schema_extra={"unit": unit, "source": source},
    )


class Group(BaseModel):
    """Base of every parameter group: unknown keys are errors, assignment is validated.

    A number is a number: ``true`` or ``"3"`` for a numeric parameter is an error, not 1.0
    or 3.0 (pydantic's lax mode would convert them silently).
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=False)

    @field_validator("*", mode="before")
    @classmethod
    def _numbers_are_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        if not isinstance(value, bool | str | bytes):  # the common case, checked first
            return value
        field = cls.model_fields.get(info.field_name or "")
        if field is not None and field.annotation in (int, float):
            raise PydanticCustomError("number_type", "expected a number, got {kind}",
                                      {"kind": type(value).__name__})
        return value
