"""How a parameter is declared: :func:`P` and the :class:`Group` every parameter group uses.

Kept apart from :mod:`thuisplus.sim.params` so that an intervention module can declare its own
parameter group (:mod:`thuisplus.sim.interventions`) and the tree can still be built from the
intervention registry.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

__all__ = ["ASSUMPTION", "INTENSITY_SOURCE", "KINDS", "NO_EVIDENCE", "PROB_WEEK", "PROB_YEAR",
           "RATE_YEAR", "Group", "Kind", "N", "P", "Prior", "U"]

ASSUMPTION = "assumption"
#: The source of an uncertainty no study measures: its prior is wide, includes zero, and
#: includes harm where harm is plausible (docs/evidence.md).
NO_EVIDENCE = "no evidence"

#: What a parameter is to the analysis (docs/evidence.md, "Kinds of parameter"):
#: ``uncertainty`` — a fact of the world we do not know exactly; it has a prior, and the
#: probabilistic analysis draws it; ``lever`` — a choice of the contract or policy; the
#: options are compared, never averaged over; ``constant`` — held fixed: a definition, a
#: normative price of the costing manual, a public statistic taken as known, or a structural
#: assumption the calibration conditions on.
Kind = Literal["uncertainty", "lever", "constant"]
KINDS: tuple[str, ...] = ("uncertainty", "lever", "constant")
INTENSITY_SOURCE = "lever (0 = off, 1 = as designed by Obelon's working elements, EVAL §6)"

# The three kinds of yearly figure, told apart by their unit, each with one conversion in
# thuisplus.sim.processes.common (a test checks that each conversion gets figures of its kind):
#: the probability of at least one event within a year (``yearly_to_weekly``, or
#: ``yearly_hazard`` for the constant hazard behind it);
PROB_YEAR = "probability per year"
#: a rate (hazard) of events per person-year (``rate_to_weekly``);
RATE_YEAR = "rate per year"
#: the probability of the event within a week (used as it is).
PROB_WEEK = "probability per week"


class Prior(BaseModel):
    """A prior: uniform on [lower, upper], or a normal truncated to [lower, upper].

    Used by the parameter tree (an uncertainty's prior) and by calibration configs (a free
    parameter's prior); draws go through :meth:`ppf`, so a stream of uniforms gives the same
    values on any machine.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    prior: Literal["uniform", "normal"] = "uniform"
    lower: float
    upper: float
    mean: float | None = Field(None, description="normal: mean [default: midpoint]")
    sd: float | None = Field(None, gt=0, description="normal: sd [default: range / 4]")

    @model_validator(mode="after")
    def _ordered(self) -> Prior:
        if not self.lower < self.upper:
            raise ValueError(f"lower = {self.lower:g} must be below upper = {self.upper:g}")
        if self.prior == "uniform" and (self.mean is not None or self.sd is not None):
            raise ValueError("a uniform prior takes no mean or sd")
        return self

    @property
    def loc(self) -> float:
        """Mean of a normal prior before truncation."""
        return (self.lower + self.upper) / 2 if self.mean is None else self.mean

    @property
    def scale(self) -> float:
        """Standard deviation of a normal prior before truncation."""
        return (self.upper - self.lower) / 4 if self.sd is None else self.sd

    def _dist(self) -> Any:
        from scipy import stats

        if self.prior == "uniform":
            return stats.uniform(self.lower, self.upper - self.lower)
        a, b = (self.lower - self.loc) / self.scale, (self.upper - self.loc) / self.scale
        return stats.truncnorm(a, b, loc=self.loc, scale=self.scale)

    def ppf(self, u: Any) -> np.ndarray:
        """Quantiles at probabilities ``u`` (inverse transform: uniforms in, draws out)."""
        x = np.asarray(self._dist().ppf(np.asarray(u, dtype=float)), dtype=float)
        return np.clip(x, self.lower, self.upper)  # ppf(1.0) of a truncnorm can overshoot by an ulp

    def interval(self, level: float = 0.9) -> tuple[float, float]:
        """The central ``level`` interval (default 90%: the 5th and 95th percentiles)."""
        lo, hi = self.ppf([(1 - level) / 2, (1 + level) / 2])
        return float(lo), float(hi)

    def expected(self) -> float:
        """The prior's mean (after truncation): the base-case value of an uncertainty."""
        return float(self._dist().mean())

    def text(self) -> str:
        """Short notation: 'U(a, b)' or 'N(m, s) on [a, b]'."""
        if self.prior == "uniform":
            return f"U({self.lower:g}, {self.upper:g})"
        return f"N({self.loc:g}, {self.scale:g}) on [{self.lower:g}, {self.upper:g}]"


def U(lower: float, upper: float) -> Prior:
    """A uniform prior on [lower, upper]."""
    return Prior(prior="uniform", lower=lower, upper=upper)


def N(mean: float, sd: float, lower: float, upper: float) -> Prior:
    """A normal prior with this mean and sd, truncated to [lower, upper]."""
    return Prior(prior="normal", lower=lower, upper=upper, mean=mean, sd=sd)


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
    kind: Kind | None = None,
    prior: Prior | None = None,
    group: str | None = None,
    evidence: str | None = None,
) -> Any:
    """Declare a parameter: default, unit, source and description, with its valid range.

    ``kind`` says what the parameter is to the analysis (:data:`Kind`); a ``prior`` makes it
    an ``uncertainty`` (the default kind is then implied), ``group`` names the group whose
    value of information is reported together, and ``evidence`` grades the evidence behind
    the prior (docs/evidence.md). Without a prior the kind is ``constant`` unless stated.
    """
    if kind is None:
        kind = "uncertainty" if prior is not None else "constant"
    extra: dict[str, Any] = {"unit": unit, "source": source, "kind": kind}
    if prior is not None:
        extra["prior"] = prior.model_dump(exclude_none=True)
    if group is not None:
        extra["group"] = group
    if evidence is not None:
        extra["evidence"] = evidence
    return Field(
        default,
        ge=ge,
        le=le,
        gt=gt,
        lt=lt,
        description=description,
        json_schema_extra=extra,
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
