"""One simulation of a Thuisplusflat complex: parameters, model, agents, processes."""

if __name__ != "thuisplus.sim":  # the folder imported by its path, not as the package
    raise ImportError(f"the folder sim/ is the package thuisplus.sim; import "
                      f"it as 'from thuisplus import sim' (here: {__name__!r})")

from thuisplus.sim.model import (
    WEEKLY_COLUMNS,
    ThuisplusModel,
    compile_engine,
    engine_is_compiled,
    run_arms,
)
from thuisplus.sim.outcomes import EVALUATE_OUTCOMES, evaluate
from thuisplus.sim.pair import Pair, run_pair
from thuisplus.sim.params import ParameterError, Parameters, load_parameters, save_parameters
from thuisplus.sim.population import InformalCarer, Resident, StaffMember, StaleAgentError
from thuisplus.sim.presets import list_presets, load_preset

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
