"""The batch runner: expand a spec into runs, execute them, stream results to disk."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from thuisplus.experiments.executors import Executor, WorkerDied, make_executor
from thuisplus.experiments.outcomes import execute
from thuisplus.experiments.progress import Progress
from thuisplus.experiments.spec import Experiment
from thuisplus.experiments.store import ResultStore

__all__ = ["RunSummary", "continue_or_start", "run_experiment"]


@dataclass
class RunSummary:
    """What a call of :func:`run_experiment` did."""

    out: Path
    total: int
    done: int
    failed: int
    ran: int
    skipped: int
    seconds: float
    executor: str
    workers: int
    damaged: tuple[str, ...] = ()  # bad files and journal lines found and set aside

    @property
    def complete(self) -> bool:
        """True when every run finished without failing."""
        return self.done == self.total


#: What the runner holds per run (its task and its manifest entries), measured: ~0.5 KB.
RUNNER_BYTES_PER_RUN = 1024


def check_memory(experiment: Experiment) -> None:
    """Refuse an experiment whose bookkeeping alone would take half the free memory.

    Results are streamed to disk, so a run's outcomes cost the runner nothing; its task
    and manifest entry do (measured ~0.5 KB; counted as 1 KB).
    """
    import psutil

    from thuisplus.experiments.spec import SpecError

    need = experiment.n_runs * RUNNER_BYTES_PER_RUN
    free = psutil.virtual_memory().available
    if need > free // 2:
        raise SpecError(experiment.source, "max_runs", f"{experiment.n_runs:,} runs would "
                        f"take about {need / 2**30:.1f} GiB of bookkeeping in the runner, "
                        f"more than half of the {free / 2**30:.1f} GiB free here: split the "
                        "experiment or run it on a larger machine")


def check_tape_budget() -> None:
    """Refuse a malformed ``THUISPLUS_TAPE_MB`` before any run (the workers read it)."""
    from thuisplus.experiments.spec import SpecError
    from thuisplus.sim.pair import tape_budget

    try:
        tape_budget()
    except ValueError as exc:
        raise SpecError("environment", "", str(exc)) from None


def run_experiment(experiment: Experiment, out: str | Path, *, workers: int | None = None,
                   executor: str | Executor = "local", scheduler: str | None = None,
                   resume: bool = False, progress: Progress | None = None,
                   allow_mixed: bool = False) -> RunSummary:
    """Run every (unfinished) run of ``experiment`` and store the results in ``out``.

    ``executor`` is ``"local"`` (worker processes, ``workers`` of them, default all
    cores), ``"dask"`` (``scheduler`` address, or a LocalCluster), ``"serial"``, or an
    :class:`~thuisplus.experiments.executors.Executor` instance. With ``resume`` an existing folder
    of the same spec is completed: finished runs are skipped, failed runs retried.
    A run that raises is recorded in ``failures.parquet``; the others go on. On Ctrl-C
    every finished run is kept and the folder can be resumed. ``progress`` is called as
    ``progress("runs", done, total, failed)`` before the first run and after every run
    (:mod:`thuisplus.experiments.progress`).

    One runner per folder (a second is refused while the first runs), one code version
    per folder: a resume with other code (source hash) or other versions of the numerical
    libraries the manifest records (:data:`~thuisplus.experiments.store.RESULT_DEPENDENCIES`),
    or a worker whose code differs, is refused
    (:class:`~thuisplus.experiments.store.CodeMismatch`) unless ``allow_mixed``; a folder
    whose manifest records no library versions (an older one) resumes with a warning.
    """
    out = Path(out)
    t0 = time.perf_counter()
    check_memory(experiment)
    check_tape_budget()
    tasks = experiment.runs()
    store = ResultStore(out, experiment, tasks, resume=resume, allow_mixed=allow_mixed)
    pending = store.pending()
    skipped = len(tasks) - len(pending)
    own = not isinstance(executor, Executor)
    ran = 0
    state = None
    try:
        ex = make_executor(executor, workers, scheduler) if own else executor
    except BaseException:
        store.close("interrupted")
        raise
    try:
        if not allow_mixed:
            ex.check_code(store.code["source"])
        if progress:
            progress("runs", len(store.done), len(tasks), len(store.failures))
        for task, record in ex.imap_unordered(execute, pending):
            if isinstance(record, WorkerDied):
                record = {"run_id": task.run_id, "status": "failed",
                          "error": f"WorkerDied: {record}", "traceback": ""}
            store.add(record)
            ran += 1
            if progress:
                progress("runs", len(store.done), len(tasks), len(store.failures))
    except BaseException:
        state = "interrupted"
        raise
    finally:
        if own:
            ex.close()
        store.close(state)
    return RunSummary(out=out, total=len(tasks), done=len(store.done),
                      failed=len(store.failures), ran=ran, skipped=skipped,
                      seconds=time.perf_counter() - t0, executor=ex.name,
                      workers=ex.workers, damaged=tuple(store.damaged))


def continue_or_start(out: Path, exp: Experiment, *, fresh: bool = False) -> bool:
    """Whether a job that always writes to ``out`` (``thuisplus run``) resumes there.

    True when ``out`` holds earlier runs of the same spec and code (the same source and
    numerical libraries as every earlier run): the job finishes what is missing. With
    ``fresh`` the folder is emptied first (not while another runner writes it). Results of
    another spec or code version, or a folder that is no experiment's, are a
    :class:`~thuisplus.experiments.spec.SpecError` saying how to go on.
    """
    import shutil

    from thuisplus.experiments.spec import SpecError
    from thuisplus.experiments.store import (
        FolderLock,
        code_changes,
        code_history,
        code_version,
        load_manifest,
    )

    out = Path(out)
    if not (out / "manifest.json").is_file():
        if out.exists() and any(out.iterdir()):
            raise SpecError(str(out), "", "exists and is not an experiment folder; move it "
                            "away or choose another --out")
        return False
    old = load_manifest(out)
    now = code_version()
    same_code = not any(code_changes(h, now) for h in code_history(old))
    if not fresh and same_code and old.get("fingerprint") == exp.fingerprint():
        return True
    if not fresh:
        what = "another spec or version of the main job" if same_code else \
            "another version of the code"
        raise SpecError(str(out), "", f"holds results of {what}; rerun with --fresh to "
                        "replace them or choose another --out")
    FolderLock(out).acquire().release()  # not while another runner writes it
    shutil.rmtree(out)
    return False
