"""Many simulations: experiment specs, the batch runner and its executors, analysis, the CLI.

From Python::

    from thuisplus.experiments import Experiment, run_experiment, load_results
    exp = Experiment.from_toml("funding")      # a shipped spec by name, or a path
    run_experiment(exp, out="results/funding", workers=2)
    df = load_results("results/funding")      # one row per run

The names below are imported from their modules when first used (PEP 562), so importing
this package (and ``thuisplus --help``) does not load pandas, numba or the engine.
"""

if __name__ != "thuisplus.experiments":  # the folder imported by its path, not as the package
    raise ImportError(f"the folder experiments/ is the package thuisplus.experiments; import "
                      f"it as 'from thuisplus import experiments' (here: {__name__!r})")

from typing import TYPE_CHECKING

from thuisplus._lazy import lazy_exports

if TYPE_CHECKING:
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
    from thuisplus.experiments.store import (
        load_failures,
        load_manifest,
        load_results,
        load_yearly,
    )

#: Each public name and the module (of this package) that defines it.
_EXPORTS: dict[str, str] = {
    "DaskExecutor": "executors",
    "Executor": "executors",
    "Experiment": "spec",
    "LocalExecutor": "executors",
    "Progress": "progress",
    "RunSummary": "runner",
    "RunTask": "spec",
    "SerialExecutor": "executors",
    "SpecError": "spec",
    "headline": "analysis",
    "load_failures": "store",
    "load_manifest": "store",
    "load_results": "store",
    "load_yearly": "store",
    "make_executor": "executors",
    "run_experiment": "runner",
    "sensitivity_indices": "analysis",
    "summarise_runs": "analysis",
    "write_report": "report",
}

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


__getattr__, __dir__ = lazy_exports(globals(), _EXPORTS)
