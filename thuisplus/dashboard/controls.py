"""The dashboard's controls: one table of what each slider or switch sets, in plain words.

Each :class:`Control` names the parameter it sets (a dotted key of
:class:`thuisplus.sim.params.Parameters`), a label a policymaker understands, the unit shown, the
slider's range and how a shown value becomes a parameter value (percent → share,
years → weeks). The page builds its sliders from :data:`CONTROLS`, and the tests check
every one of them, so a control cannot silently go missing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from thuisplus.dashboard.i18n import number, tr
from thuisplus.sim.interventions import REGISTRY
from thuisplus.sim.params import Parameters, declared_prior

__all__ = [
    "CONTROLS",
    "INDICATIONS",
    "SECTIONS",
    "Control",
    "apply_controls",
    "control_values",
]

Kind = Literal["slider", "choice", "multi"]


def _identity(x: Any) -> Any:
    return x


def _percent_in(x: Any) -> float:
    return float(x) / 100.0


def _percent_out(x: Any) -> float:
    return round(float(x) * 100.0, 6)


@dataclass(frozen=True)
class Control:
    """One slider or switch of the page.

    Args:
        key: dotted parameter key it sets.
        label: plain-language label.
        unit: unit shown after the value ("%", "hours a week", ...).
        section: heading of the sidebar group it belongs to.
        help: one sentence shown under the control.
        kind: ``slider``, ``choice`` (one of ``options``) or ``multi`` (several of them).
        min, max, step: slider range, in shown units.
        options: (parameter value, plain label) pairs for choices.
        to_param: shown value → parameter value.
        from_param: parameter value → shown value.

    """

    key: str
    label: str
    unit: str
    section: str
    help: str
    kind: Kind = "slider"
    min: float = 0.0
    max: float = 100.0
    step: float = 1.0
    options: tuple[tuple[str, str], ...] = ()
    to_param: Callable[[Any], Any] = field(default=_identity, repr=False)
    from_param: Callable[[Any], Any] = field(default=_identity, repr=False)

    @property
    def ref(self) -> str:
        """A short name for the control, used as widget reference and CSS class."""
        return self.key.replace("thuisplus.", "").replace(".", "-").replace("_", "-")

    def bounds(self, value: Any) -> tuple[float, float]:
        """Slider range, widened to include ``value`` (a parameter file may go beyond it)."""
        return min(self.min, value), max(self.max, value)

    def show(self, value: Any, lang: str = "en") -> str:
        """The shown value with its unit, in words ("40 %", "per client"), in ``lang``."""
        if self.kind == "choice":
            return tr(lang, dict(self.options).get(value, str(value)))
        if self.kind == "multi":
            names = dict(self.options)
            return ", ".join(tr(lang, names.get(v, v)) for v in value) or tr(lang, "none")
        digits = 0 if float(value).is_integer() else len(f"{value:g}".partition(".")[2])
        text = number(float(value), lang, digits)
        if self.unit == "%":
            return f"{text} %" if lang == "nl" else f"{text}%"
        return f"{text} {tr(lang, self.unit)}".strip() if self.unit else text


def _percent(key: str, label: str, section: str, help: str) -> Control:
    """A share shown in percent; an uncertainty's slider spans its prior (docs/evidence.md)."""
    prior = declared_prior(key)
    lo, hi = (_percent_out(prior.lower), _percent_out(prior.upper)) if prior else (0.0, 100.0)
    return Control(key, label, "%", section, help, min=lo, max=hi, to_param=_percent_in,
                   from_param=_percent_out)


INTERVENTIONS = "The four interventions"
CONTRACT = "The contract"
BUILDING = "The complex and its residents"
RUN = "Simulation"
SECTIONS = (INTERVENTIONS, CONTRACT, BUILDING, RUN)

INDICATIONS: tuple[tuple[str, str], ...] = (
    ("household_help", "household help (Wmo)"),
    ("begeleiding", "guidance, begeleiding (Wmo)"),
    ("district_nursing", "district nursing (Zvw)"),
    ("wlz", "long-term care at home (Wlz)"),
)

WEEKS_PER_YEAR = 52

# One slider per registered intervention that has a label (thuisplus.sim.interventions).
CONTROLS: tuple[Control, ...] = (
    *(_percent(f"thuisplus.{cls.name}.intensity", cls.label, INTERVENTIONS, cls.help)
      for cls in REGISTRY.values() if cls.label),
    Control("thuisplus.contract.funding", "How the collective offer is paid", "", CONTRACT,
            "Per client: the plus, a fixed amount a week for each Wmo client of the flat's "
            "provider (€15 in the 2021 contract). Lump sum: a fixed budget, whatever the "
            "number of clients.", kind="choice",
            options=(("per_client", "per client"), ("lump_sum", "lump sum"))),
    Control("thuisplus.contract.transfer_indications",
            "Clients asked to switch to the flat's provider", "", CONTRACT,
            "From January 2022, residents with these kinds of care are asked to switch to "
            "the flat's provider.", kind="multi", options=INDICATIONS),
    _percent("thuisplus.contract.transfer_acceptance", "Asked clients who agree to switch",
             CONTRACT, "Chance that a client who is asked agrees to switch (clients attached "
             "to their own care worker agree less often)."),
    _percent("thuisplus.contract.open_room", "Common room open to the neighbourhood",
             CONTRACT, "0 % = for residents only, 100 % = fully open to people from the "
             "neighbourhood."),
    Control("thuisplus.contract.welfare_hours", "Community builder from a welfare "
            "organisation", "hours a week", CONTRACT, "Hours a week a community builder "
            "works in the building.", max=80, step=1),
    _percent("inflow.vital_share", "Newcomers who are still vital", BUILDING,
             "Share of new residents who are vital; the rest are less vital."),
    Control("building.dwellings", "Dwellings in the complex", "dwellings", BUILDING,
            "Size of the complex (Thuisplusflats have 200-300 dwellings).", min=20,
            max=600, step=10, to_param=int, from_param=int),
    Control("simulation.weeks", "Years to simulate", "years", RUN,
            "How far ahead to look, from January 2021.", min=2, max=15, step=1,
            to_param=lambda years: int(years) * WEEKS_PER_YEAR,
            from_param=lambda weeks: max(1, round(int(weeks) / WEEKS_PER_YEAR))),
)


def control_values(params: Parameters) -> dict[str, Any]:
    """The shown value of every control for ``params`` (dotted key → value)."""
    out: dict[str, Any] = {}
    for c in CONTROLS:
        value = c.from_param(params.get(c.key))
        out[c.key] = list(value) if c.kind == "multi" else value
    return out


def apply_controls(start: Parameters, values: Mapping[str, Any]) -> Parameters:
    """``start`` with the controls' shown ``values`` applied.

    Raises:
        thuisplus.sim.params.ParameterError: a value or a combination is out of range; its
            ``format()`` names the key, the value and what is allowed.

    """
    by_key = {c.key: c for c in CONTROLS}
    overrides = {}
    for key, value in values.items():
        c = by_key[key]
        overrides[key] = list(value) if c.kind == "multi" else c.to_param(value)
    return start.with_overrides(overrides, origin="dashboard settings")
