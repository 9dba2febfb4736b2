"""The social business case: the contract's arithmetic (EVAL §2).

Costs and benefits per stakeholder, discounting and the provider's books build on this
(issue 4); this module starts with the money of the contract itself, so that its figures
can be checked against the evaluation to the euro.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sim.params import Parameters

__all__ = ["ContractYear", "contract_arithmetic", "team_cost"]


@dataclass(frozen=True)
class ContractYear:
    """The contract's money for one flat in one year at a given client volume."""

    year: int
    clients: float
    start_amount: float  # the one-time start amount, paid in the contract's first year
    plus_per_client_week: float
    plus_income: float
    regular_wmo_income: float
    variable_contract: float
    team_cost: float
    plus_minus_team: float

    def as_dict(self) -> dict[str, float]:
        """Plain dict (for JSON)."""
        return asdict(self)


def _index(params: Parameters, year: int) -> float:
    m = params.money
    return (1.0 + m.indexation) ** (year - m.contract_year)


def team_cost(params: Parameters, year: int) -> float:
    """Yearly cost of the team the plus was sized for (coordinator, activities, carer support).

    Salaries are indexed from their price year with ``money.indexation``.
    """
    m = params.money
    factor = (1.0 + m.indexation) ** (year - m.salary_year)
    mbo_fte = m.activities_fte + params.thuisplus.informal_support.support_fte
    return (m.coordinator_fte * m.salary_hbo_per_fte + mbo_fte * m.salary_mbo_per_fte) * factor


def contract_arithmetic(clients: float, year: int, params: Parameters | None = None
                        ) -> ContractYear:
    """Plus income, regular Wmo income and variable contract size for ``clients`` Wmo clients.

    At 100 clients in the contract year: 100 × 52 × €15 = €78,000 plus, 100 × 52 × €85 =
    €442,000 regular Wmo, €520,000 variable contract size (EVAL §2). Amounts are indexed
    yearly after the contract year.
    """
    params = params if params is not None else Parameters()
    if clients < 0:
        raise ValueError(f"clients = {clients}: allowed: a number >= 0")
    m = params.money
    idx = _index(params, year)
    plus_week = m.plus_per_client_week * idx
    plus = clients * m.weeks_per_year * plus_week
    wmo = clients * m.weeks_per_year * m.wmo_per_client_week * idx
    team = team_cost(params, year)
    start = m.start_amount if year == m.contract_year else 0.0
    return ContractYear(year=year, clients=clients, start_amount=start,
                        plus_per_client_week=plus_week,
                        plus_income=plus, regular_wmo_income=wmo, variable_contract=plus + wmo,
                        team_cost=team, plus_minus_team=plus - team)
