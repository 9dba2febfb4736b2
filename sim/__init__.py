"""One simulation of a Thuisplusflat complex: parameters, model, agents, processes."""

from sim.model import WEEKLY_COLUMNS, ThuisplusModel, compile_engine, engine_is_compiled, run_arms
from sim.pair import Pair, run_pair
from sim.params import ParameterError, Parameters, load_parameters, save_parameters
from sim.population import InformalCarer, Resident, StaffMember

__all__ = [
    "WEEKLY_COLUMNS",
    "InformalCarer",
    "Pair",
    "ParameterError",
    "Parameters",
    "Resident",
    "StaffMember",
    "ThuisplusModel",
    "compile_engine",
    "engine_is_compiled",
    "load_parameters",
    "run_arms",
    "run_pair",
    "save_parameters",
]
