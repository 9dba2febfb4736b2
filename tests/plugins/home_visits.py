"""A minimal intervention, the worked example of ``docs/dev/interventions.md``.

A district nurse visits frail residents at home; their vitality declines more slowly.
Registered like a built-in one; off unless ``thuisplus.home_visits.intensity`` > 0.
Load it as a plugin: ``THUISPLUS_INTERVENTIONS=tests.plugins.home_visits``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from thuisplus.sim.interventions import Intervention, register
from thuisplus.sim.param_base import ASSUMPTION, INTENSITY_SOURCE, Group, P
from thuisplus.sim.processes._jit import glue


class HomeVisitsParams(Group):
    """Home visits by a district nurse to frail residents."""

    intensity: float = P(0.0, "0-1", INTENSITY_SOURCE, "Intensity of home visits.",
                         ge=0, le=1)
    decline_cut: float = P(0.1, "relative", ASSUMPTION + " (worked example, no evidence)",
                           "Relative slowing of a visited resident's vitality decline.",
                           ge=0, le=1)
    frail_below: float = P(0.35, "vitality", ASSUMPTION, "Vitality below which a resident "
                           "is visited.", ge=0, le=1)


class HomeVisitsCoef(NamedTuple):
    """Coefficients of :class:`HomeVisits`."""

    intensity: float
    first_week: int
    decline_cut: float
    frail_below: float


@glue
def _apply_home_visits(S, k, f, week, g):
    """Slow the decline of frail residents (writes ``decline``)."""
    if not (k.intensity > 0.0 and week >= k.first_week):
        return
    res, decline = S.res, S.eff.decline
    for i in range(res.meta[0]):
        if res.active[i] and res.vitality[i] < k.frail_below:
            decline[i] *= 1.0 - k.intensity * k.decline_cut


@register
class HomeVisits(Intervention):
    """Home visits by a district nurse to frail residents (worked example)."""

    name = "home_visits"
    Params = HomeVisitsParams
    Coef = HomeVisitsCoef
    kernel = _apply_home_visits
    writes = ("decline",)
    label = "Home visits to frail residents"
    help = "A district nurse visits frail residents at home."

    def coefficients(self, first_week: int, model: Any) -> HomeVisitsCoef:
        """The compiled coefficients."""
        p = self.params
        return HomeVisitsCoef(self.intensity, first_week, p.decline_cut, p.frail_below)
