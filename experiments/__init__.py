"""Many simulations: experiment specs, the batch runner and its executors, analysis, the CLI.

From Python::

    from experiments import Experiment, run_experiment, load_results
    exp = Experiment.from_toml("funding")      # a shipped spec by name, or a path
    run_experiment(exp, out="results/funding", workers=2)
    df = load_results("results/funding")      # one row per run
"""

from experiments.analysis import headline, sensitivity_indices, summarise_runs
from experiments.executors import (
    DaskExecutor,
    Executor,
    LocalExecutor,
    SerialExecutor,
    make_executor,
)
from experiments.progress import Progress
from experiments.report import write_report
from experiments.runner import RunSummary, run_experiment
from experiments.spec import Experiment, RunTask, SpecError
from experiments.store import load_failures, load_manifest, load_results, load_yearly

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
