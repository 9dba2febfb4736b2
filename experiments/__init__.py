"""Many simulations: experiment specs, the batch runner and its executors, analysis, the CLI.

From Python::

    from thuisplus.experiments import Experiment, run_experiment, load_results
    exp = Experiment.from_toml("funding")      # a shipped spec by name, or a path
    run_experiment(exp, out="results/funding", workers=2)
    df = load_results("results/funding")      # one row per run
"""

if __name__ != "thuisplus.experiments":  # the folder imported by its path, not as the package
    raise ImportError(f"the folder experiments/ is the package thuisplus.experiments; import "
                      f"it as 'from thuisplus import experiments' (here: {__name__!r})")

from thuisplus.experiments.analysis import headline, sensitivity_indices, summarise_runs
from thuisplus.experiments.executors import (
    DaskExecutor,
    Executor,
    LocalExecutor,
    SerialExecutor,
    make_executor,
)
from thuisplus.experiments.progress import Progress
from thuisplus.experiments.report import write_report
from thuisplus.experiments.runner import RunSummary, run_experiment
from thuisplus.experiments.spec import Experiment, RunTask, SpecError
from thuisplus.experiments.store import load_failures, load_manifest, load_results, load_yearly

__all__ = [
    "DaskExecutor",
    "Executor",
    "Experiment",
    "LocalExecutor",
    "Progress",
    "RunSummary",
    "RunTask",
    "SerialExecutor",
    "SpecError",
    "headline",
    "load_failures",
    "load_manifest",
    "load_results",
    "load_yearly",
    "make_executor",
    "run_experiment",
    "sensitivity_indices",
    "summarise_runs",
    "write_report",
]
