"""The one convention for progress callbacks: ``progress(stage, done, total, failed)``.

Long-running calls that report progress take ``progress=``, a callable that is called with
four positional arguments, each time something finishes::

    def progress(stage: str, done: int, total: int, failed: int) -> None:
        print(f"{stage}: {done + failed} of {total}, {failed} failed")

    run_experiment(exp, "results/funding", progress=progress)
    run_calibration(cfg, data, "results/calib", progress=progress)

``stage``
    what is being counted (below); one call reports one stage.
``done``
    units of that stage finished successfully so far (including those of an earlier,
    resumed session).
``total``
    units of that stage when it is complete (the length of a progress bar).
``failed``
    units that failed, counted apart from ``done`` (0 where nothing can fail).

The stages:

``"runs"``
    :func:`thuisplus.experiments.runner.run_experiment`: the experiment's runs (``failed``: runs
    that raised, recorded in failures.parquet). Called once before the first run, then
    after every run.
``"generations"``
    ABC-SMC (:func:`thuisplus.calibration.fit.run_calibration`, method ``abc``): generations
    finished, of the config's maximum; called as each one starts and once at the end.
``"prior sample"``
    ABC-SMC: particles accepted of the sample that calibrates the first tolerance (before
    generation 1); called with 0 as it starts, then per accepted particle.
``"particles"``
    ABC-SMC: particles accepted of the current generation's population; called with 0 as
    the generation starts (after its ``"generations"`` call), then per accepted particle.
``"evaluations"``
    ABC-SMC: model evaluations (parameter sets simulated) spent so far, of the budget.
``"trials"``
    Optuna (method ``optuna``): trials finished, of ``min(trials, budget)`` (``failed``:
    trials whose model run failed).
``"report"``
    :func:`~thuisplus.calibration.fit.run_calibration`: the fit report's posterior-predictive
    simulations; ``0`` of ``1`` as they start, ``1`` of ``1`` when the report is written.
``"pairs"``
    :func:`thuisplus.experiments.business_case_report.run_business_case`: the replications (pairs)
    finished, called after each one.

A callback may raise ``KeyboardInterrupt`` to stop the work: what finished is kept and can
be resumed.
"""

from __future__ import annotations

from typing import Protocol

__all__ = ["STAGES", "Progress"]

#: Every stage a progress callback can be called with.
STAGES = ("runs", "generations", "prior sample", "particles", "evaluations", "trials",
          "report", "pairs")


class Progress(Protocol):
    """A progress callback: ``progress(stage, done, total, failed)`` (module docstring)."""

    def __call__(self, stage: str, done: int, total: int, failed: int, /) -> None:
        """Report that ``done`` (and ``failed``) of ``total`` units of ``stage`` finished."""
