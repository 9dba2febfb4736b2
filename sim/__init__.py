"""One simulation of a Thuisplusflat complex: parameters, model, agents, processes."""

from sim.model import WEEKLY_COLUMNS, ThuisplusModel, compile_engine, engine_is_compiled, run_arms
from sim.outcomes import EVALUATE_OUTCOMES, evaluate
from sim.pair import Pair, run_pair
from sim.params import ParameterError, Parameters, load_parameters, save_parameters
from sim.population import InformalCarer, Resident, StaffMember, StaleAgentError
from sim.presets import list_presets, load_preset

__all__ = [
    "EVALUATE_OUTCOMES",
    "WEEKLY_COLUMNS",
    "InformalCarer",
    "Pair",
    "ParameterError",
    "Parameters",
    "Resident",
    "StaffMember",
    "StaleAgentError",
    "ThuisplusModel",
    "compile_engine",
    "engine_is_compiled",
    "evaluate",
    "list_presets",
    "load_parameters",
    "load_preset",
    "run_arms",
    "run_pair",
    "save_parameters",
]
